//! Rendering in parallel while writing in plan order: worker threads take the next item, the
//! calling thread writes finished results strictly in order. Workers stay at most a window of
//! items ahead of the writer, and take an item only while the memory it is expected to need
//! (its cost: the files it reads and what it writes) plus the costs of the items being worked
//! on plus the finished-but-unwritten results fit a byte budget; the item the writer waits for
//! is always taken. So memory stays bounded by the budget plus the largest single item (two
//! large files are never rendered at once), however big the tree, and no worker waits for a
//! slow sibling as it would at a batch barrier.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, PoisonError};

/// Limits of the reorder buffer.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Worker threads.
    pub threads: usize,
    /// How many items past the next one to write may be taken.
    pub items: usize,
    /// Bytes of finished results plus costs of items in work that make workers wait.
    pub bytes: usize,
}

struct State<R> {
    /// The next item a worker takes.
    next: usize,
    /// The next item the writer writes.
    written: usize,
    /// Finished, unwritten results and the sum of their sizes.
    done: BTreeMap<usize, R>,
    buffered: usize,
    /// The sum of the costs of the items being worked on.
    running: usize,
    /// The writer failed: workers stop taking items.
    stop: bool,
    /// A worker panicked.
    panicked: bool,
}

/// Marks the run stopped when a worker unwinds.
struct StopOnPanic<'a, R> {
    state: &'a Mutex<State<R>>,
    changed: &'a Condvar,
}

impl<R> Drop for StopOnPanic<'_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            s.stop = true;
            s.panicked = true;
            self.changed.notify_all();
        }
    }
}

/// Runs `work` over `items` on `window.threads` threads and feeds each result to `sink` in item
/// order; `cost` is the memory an item is expected to need while worked on, `size` that of a
/// result. Stops at the first error of `sink` and returns it.
pub fn ordered<T, R, E>(
    items: &[T],
    window: Window,
    work: impl Fn(&T) -> R + Sync,
    cost: impl Fn(&T) -> usize + Sync,
    size: impl Fn(&R) -> usize + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let q = Queue {
        state: Mutex::new(State {
            next: 0,
            written: 0,
            done: BTreeMap::new(),
            buffered: 0,
            running: 0,
            stop: false,
            panicked: false,
        }),
        changed: Condvar::new(),
        window,
    };
    // A cost above the budget only ever runs alone; capping it keeps the sums from overflowing.
    let cost = |t: &T| cost(t).min(window.bytes.saturating_add(1));
    let worker = || {
        // A worker that panics stops the run (the writer would otherwise wait for its item
        // forever) and the panic is raised again by the writer.
        let _stop_on_panic = StopOnPanic {
            state: &q.state,
            changed: &q.changed,
        };
        while let Some(i) = q.take(items, &cost) {
            let r = work(&items[i]);
            let bytes = size(&r);
            q.finished(i, r, cost(&items[i]), bytes);
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..window.threads.max(1) {
            scope.spawn(worker);
        }
        for i in 0..items.len() {
            let r = q.result(i, &size);
            if let Err(e) = sink(r) {
                q.lock().stop = true;
                q.changed.notify_all();
                return Err(e);
            }
        }
        Ok(())
    })
}

/// The state the workers and the writer share, and the condition they wait on.
struct Queue<R> {
    state: Mutex<State<R>>,
    changed: Condvar,
    window: Window,
}

impl<R> Queue<R> {
    fn lock(&self) -> std::sync::MutexGuard<'_, State<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next item for a worker, once the window and the byte budget let it start (the
    /// item the writer waits for is always taken, so the budget cannot deadlock); `None` when
    /// there is none left or the run stopped.
    fn take<T>(&self, items: &[T], cost: &impl Fn(&T) -> usize) -> Option<usize> {
        let w = self.window;
        let mut s = self.lock();
        while !s.stop
            && s.next < items.len()
            && s.next != s.written
            && (s.next >= s.written + w.items
                || s.buffered + s.running + cost(&items[s.next]) > w.bytes)
        {
            s = self.changed.wait(s).unwrap_or_else(PoisonError::into_inner);
        }
        if s.stop || s.next >= items.len() {
            return None;
        }
        s.next += 1;
        s.running += cost(&items[s.next - 1]);
        Some(s.next - 1)
    }

    /// A worker's result for item `i` (which cost `cost` while worked on; `size` bytes now).
    fn finished(&self, i: usize, r: R, cost: usize, size: usize) {
        let mut s = self.lock();
        s.running -= cost;
        s.buffered += size;
        s.done.insert(i, r);
        self.changed.notify_all();
    }

    /// The result of item `i`, once a worker has it (a worker's panic is raised again here).
    fn result(&self, i: usize, size: &impl Fn(&R) -> usize) -> R {
        let mut s = self.lock();
        let r = loop {
            if let Some(r) = s.done.remove(&i) {
                break r;
            }
            if s.panicked {
                panic!("a rendering thread panicked");
            }
            s = self.changed.wait(s).unwrap_or_else(PoisonError::into_inner);
        };
        s.buffered -= size(&r);
        s.written = i + 1;
        self.changed.notify_all();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(items: usize, bytes: usize) -> Window {
        Window {
            threads: 3,
            items,
            bytes,
        }
    }

    #[test]
    fn results_come_in_item_order_whatever_the_work_takes() {
        let items: Vec<u64> = (0..500).collect();
        let mut got = Vec::new();
        let work = |&i: &u64| {
            // Uneven work so that later items often finish first.
            std::thread::sleep(std::time::Duration::from_micros((i * 7919) % 50));
            i
        };
        ordered(
            &items,
            window(8, 1 << 20),
            work,
            |_| 0,
            |_| 1,
            |r| {
                got.push(r);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(got, items);
    }

    #[test]
    fn a_tiny_byte_budget_still_finishes() {
        let items: Vec<usize> = (0..100).collect();
        let mut n = 0;
        ordered(
            &items,
            window(4, 0),
            |&i| vec![0u8; i],
            |&i| i,
            Vec::len,
            |r| {
                assert_eq!(r.len(), n);
                n += 1;
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(n, 100);
    }

    #[test]
    fn a_sink_error_stops_the_run() {
        let items: Vec<usize> = (0..10_000).collect();
        let mut seen = 0;
        let r = ordered(
            &items,
            window(4, 1 << 20),
            |&i| i,
            |_| 0,
            |_| 1,
            |i| {
                seen += 1;
                if i == 10 { Err("closed") } else { Ok(()) }
            },
        );
        assert_eq!(r, Err("closed"));
        assert_eq!(seen, 11);
    }

    #[test]
    fn costly_items_are_worked_on_one_at_a_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // Every third item costs more than the budget: none may run beside another one.
        let items: Vec<usize> = (0..60).collect();
        let costly = |i: usize| i.is_multiple_of(3);
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let mut n = 0;
        ordered(
            &items,
            window(8, 100),
            |&i| {
                if costly(i) {
                    let k = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(k, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    now.fetch_sub(1, Ordering::SeqCst);
                }
                i
            },
            |&i| if costly(i) { 1000 } else { 1 },
            |_| 1,
            |r| {
                assert_eq!(r, n);
                n += 1;
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(n, 60);
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panicking_worker_ends_the_run_instead_of_hanging_it() {
        let items: Vec<usize> = (0..50).collect();
        let run = std::panic::catch_unwind(|| {
            ordered(
                &items,
                window(4, 1 << 20),
                |&i| {
                    assert!(i != 7, "boom");
                    i
                },
                |_| usize::MAX,
                |_| 1,
                |_| Ok::<_, ()>(()),
            )
        });
        assert!(run.is_err());
    }
}
