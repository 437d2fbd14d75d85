//! The ordered pipeline between the walk and the output: the walk (one thread) pushes, in
//! rsync's output order, results it already has, per-file work it has handed to the thread
//! pool, and directory work that must wait for everything before it (a directory's mtime is
//! set once its contents are written). The front of the queue is emitted as soon as it is
//! done, so output streams in exactly the order a serial run would print it, and the walk
//! blocks once [`WINDOW`] entries are pending: memory and open descriptors stay bounded by
//! the window, not by the size of the tree.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};

use crate::Error;
use crate::itemize::Charset;
use crate::stats::Stats;

/// Output and status of one unit of work (a pool job's entry, a step of the walk, a
/// directory's final fix-up), merged into the run in order. Names in its messages are escaped
/// for `cs`, the charset of the run.
pub(crate) struct Res {
    pub(crate) out: Vec<u8>,
    pub(crate) err: Vec<u8>,
    pub(crate) partial: bool,
    pub(crate) vanished: bool,
    /// DEST ran out of room: the run stops once this result is emitted (rsync exit 11).
    pub(crate) fatal: bool,
    pub(crate) stats: Stats,
    /// Offsets in `out` where the `--progress` transfer number goes (counted on output).
    pub(crate) xfr_at: Vec<usize>,
    pub(crate) cs: Charset,
    /// `--log-file` lines (without their date and pid).
    pub(crate) log: Vec<u8>,
}

impl Res {
    /// An empty result of a run whose names are escaped for `cs`.
    pub(crate) fn new(cs: Charset) -> Res {
        Res {
            out: Vec::new(),
            err: Vec::new(),
            partial: false,
            vanished: false,
            fatal: false,
            stats: Stats::default(),
            xfr_at: Vec::new(),
            cs,
            log: Vec::new(),
        }
    }
}

/// How many entries may be pending before the walk waits for the oldest (each holds at most
/// two directory descriptors).
pub const WINDOW: usize = 64;

/// One entry of the queue.
pub enum Pending<'a> {
    /// Output already known.
    Ready(Box<Res>),
    /// Work running on the pool; yields the results of its entries in order.
    Job(Receiver<Vec<Res>>),
    /// Work to run on the walking thread once everything before it is done.
    Later(Box<dyn FnOnce() -> Res + Send + 'a>),
}

/// Where results go, in order, and what the run remembers of them.
pub struct Sink<'w, 'a> {
    pub out: &'w mut dyn Write,
    pub err: &'w mut dyn Write,
    pub partial: bool,
    pub vanished: bool,
    pub stats: Stats,
    queue: VecDeque<Pending<'a>>,
    /// `--progress` transfer number, counted in output order.
    xfr: u64,
    /// `--log-file`, open for appending.
    pub log: Option<std::fs::File>,
}

impl<'w, 'a> Sink<'w, 'a> {
    pub fn new(out: &'w mut dyn Write, err: &'w mut dyn Write) -> Self {
        Sink {
            out,
            err,
            partial: false,
            vanished: false,
            stats: Stats::default(),
            queue: VecDeque::new(),
            xfr: 0,
            log: None,
        }
    }

    /// Emit `r` after everything pending.
    pub fn take(&mut self, r: Res) -> Result<(), Error> {
        if self.queue.is_empty() {
            self.emit(r)
        } else {
            self.queue.push_back(Pending::Ready(Box::new(r)));
            Ok(())
        }
    }

    /// Queue `p` and emit whatever is done at the front; wait for the oldest entries while
    /// more than [`WINDOW`] are pending.
    pub fn push(&mut self, p: Pending<'a>) -> Result<(), Error> {
        self.queue.push_back(p);
        self.drain(WINDOW)
    }

    /// Emit from the front until at most `keep` entries are pending and the front is not done
    /// yet (`keep == 0`: wait for everything).
    pub fn drain(&mut self, keep: usize) -> Result<(), Error> {
        while let Some(front) = self.queue.pop_front() {
            let wait = self.queue.len() >= keep;
            match front {
                Pending::Ready(r) => self.emit(*r)?,
                Pending::Later(f) => {
                    let r = f();
                    self.emit(r)?;
                }
                Pending::Job(rx) => {
                    let done = if wait {
                        // A job that panicked drops its sender; the scope re-raises the panic.
                        rx.recv().unwrap_or_default()
                    } else {
                        match rx.try_recv() {
                            Ok(v) => v,
                            Err(TryRecvError::Empty) => {
                                self.queue.push_front(Pending::Job(rx));
                                return Ok(());
                            }
                            Err(TryRecvError::Disconnected) => Vec::new(),
                        }
                    };
                    for r in done {
                        self.emit(r)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Appends `lines` to the `--log-file`, each after rsync's `YYYY/MM/DD HH:MM:SS [PID] `
    /// (a log that cannot be written does not stop the run).
    pub fn log_lines(&mut self, lines: &[u8]) {
        let Some(f) = self.log.as_mut() else { return };
        let now = jiff::Timestamp::now().as_second();
        let stamp = crate::logformat::local_time(now, b' ');
        let pid = std::process::id();
        for line in lines.split_inclusive(|&b| b == b'\n') {
            let _ = f.write_all(&stamp);
            let _ = write!(f, " [{pid}] ");
            let _ = f.write_all(line);
        }
    }

    fn emit(&mut self, r: Res) -> Result<(), Error> {
        let mut at = 0;
        for &pos in &r.xfr_at {
            self.xfr += 1;
            self.out.write_all(&r.out[at..pos]).map_err(Error::Output)?;
            write!(self.out, "{}", self.xfr).map_err(Error::Output)?;
            at = pos;
        }
        self.out.write_all(&r.out[at..]).map_err(Error::Output)?;
        if !r.err.is_empty() {
            self.out.flush().map_err(Error::Output)?;
            // A failing error stream must not abort the run; the exit code still tells.
            let _ = self.err.write_all(&r.err);
        }
        self.log_lines(&r.log);
        self.partial |= r.partial;
        self.vanished |= r.vanished;
        self.stats.add(&r.stats);
        if r.fatal {
            return Err(Error::FileIo);
        }
        Ok(())
    }
}
