//! What `-v` says at the end of a remote run, as rsync does: the bytes this end really sent
//! and received on the remote shell's pipes (counted here, below the frames), their rate, the
//! total size of the files and symlinks listed, and the "speedup" (total size over bytes
//! moved).

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::stats::{commas, size};

/// A pipe end that counts the bytes through it.
pub struct Counted<T> {
    inner: T,
    n: Arc<AtomicU64>,
}

impl<T> Counted<T> {
    /// Wrap `inner`; the count is readable through the returned handle.
    pub fn new(inner: T) -> (Self, Arc<AtomicU64>) {
        let n = Arc::new(AtomicU64::new(0));
        (
            Counted {
                inner,
                n: n.clone(),
            },
            n,
        )
    }
}

impl<T: Read> Read for Counted<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.inner.read(buf)?;
        self.n.fetch_add(got as u64, Ordering::Relaxed);
        Ok(got)
    }
}

impl<T: Write> Write for Counted<T> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let put = self.inner.write(buf)?;
        self.n.fetch_add(put as u64, Ordering::Relaxed);
        Ok(put)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// rsync's two closing lines under `-v`.
pub fn summary(sent: u64, received: u64, took: Duration, total: u64, human: u8) -> String {
    let moved = sent.saturating_add(received);
    let secs = took.as_secs_f64().max(0.000_001);
    let rate = moved as f64 / secs;
    let rate = match human {
        0 | 1 => {
            let cents = (rate * 100.0).round() as u64;
            let whole = if human == 0 {
                (cents / 100).to_string()
            } else {
                commas(cents / 100)
            };
            format!("{whole}.{:02}", cents % 100)
        }
        _ => size(rate as u64, human),
    };
    let speedup = total as f64 / moved.max(1) as f64;
    format!(
        "\nsent {} bytes  received {} bytes  {rate} bytes/sec\ntotal size is {}  speedup is {speedup:.2}\n",
        size(sent, human),
        size(received, human),
        size(total, human),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_reads_like_rsyncs() {
        let s = summary(5360, 107, Duration::from_millis(500), 5019, 1);
        assert_eq!(
            s,
            "\nsent 5,360 bytes  received 107 bytes  10,934.00 bytes/sec\ntotal size is 5,019  speedup is 0.92\n"
        );
    }

    #[test]
    fn counted_pipes_count_both_ways() {
        let (mut w, n) = Counted::new(Vec::new());
        w.write_all(b"abc").expect("a Vec takes it");
        let (mut r, m) = Counted::new(&b"hello"[..]);
        let mut v = Vec::new();
        r.read_to_end(&mut v).expect("a slice reads");
        assert_eq!(
            (n.load(Ordering::Relaxed), m.load(Ordering::Relaxed)),
            (3, 5)
        );
    }
}
