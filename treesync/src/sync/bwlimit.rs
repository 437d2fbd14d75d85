//! `--bwlimit=RATE`: file data is written no faster than RATE bytes per second on average
//! over the run, all workers together (a worker that gets ahead sleeps). rsync limits its
//! socket; with no socket between the two ends here, the writes into DEST are what is paced.

use std::fs;
use std::io::{self, Read, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The pace of the run's writes.
#[derive(Debug)]
pub(super) struct Throttle {
    rate: u64,
    /// When the first byte was written, and how many have been written since.
    sent: Mutex<Option<(Instant, u64)>>,
}

impl Throttle {
    pub(super) fn new(rate: u64) -> Throttle {
        Throttle {
            rate: rate.max(1),
            sent: Mutex::new(None),
        }
    }

    /// Counts `n` more bytes written and sleeps while the run is ahead of its rate.
    fn pace(&self, n: u64) {
        let due = {
            let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
            let (start, total) = sent.get_or_insert_with(|| (Instant::now(), 0));
            *total += n;
            let at = Duration::from_secs_f64(*total as f64 / self.rate as f64);
            (*start + at).checked_duration_since(Instant::now())
        };
        if let Some(wait) = due {
            std::thread::sleep(wait);
        }
    }

    /// Copies `src` into `dst` (from their current offsets) at the run's pace.
    pub(super) fn copy(&self, src: &mut fs::File, dst: &mut fs::File) -> io::Result<u64> {
        let chunk = usize::try_from(self.rate.clamp(512, 1 << 16)).unwrap_or(1 << 16);
        let mut buf = vec![0u8; chunk];
        let mut total = 0u64;
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            dst.write_all(&buf[..n])?;
            total += n as u64;
            self.pace(n as u64);
        }
    }
}
