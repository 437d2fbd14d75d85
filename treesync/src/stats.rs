//! Counters for `--stats`, printed in rsync's wording (the file-level lines; there is no wire
//! protocol, so rsync's byte counters for sent/received data are not imitated).

use std::io::{self, Write};

/// Per-type counts (`reg`, `dir`, `link`, `dev`, `special`), as rsync breaks them down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Regular files.
    pub reg: u64,
    /// Directories.
    pub dir: u64,
    /// Symlinks.
    pub link: u64,
    /// Devices.
    pub dev: u64,
    /// FIFOs and sockets.
    pub special: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.reg + self.dir + self.link + self.dev + self.special
    }

    fn add(&mut self, o: &Counts) {
        self.reg += o.reg;
        self.dir += o.dir;
        self.link += o.link;
        self.dev += o.dev;
        self.special += o.special;
    }

    fn breakdown(&self, human: u8) -> String {
        let parts: Vec<String> = [
            ("reg", self.reg),
            ("dir", self.dir),
            ("link", self.link),
            ("dev", self.dev),
            ("special", self.special),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k}: {}", count(*n, human)))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Entries considered in SRC.
    pub files: Counts,
    /// Entries created in DEST.
    pub created: Counts,
    /// Entries deleted from DEST.
    pub deleted: Counts,
    /// Regular files whose content was written.
    pub transferred: u64,
    /// Sum of SRC regular-file and symlink sizes.
    pub total_size: u64,
    /// Bytes of content written.
    pub transferred_size: u64,
}

impl Stats {
    /// Fold another set of counters into this one.
    pub fn add(&mut self, o: &Stats) {
        self.files.add(&o.files);
        self.created.add(&o.created);
        self.deleted.add(&o.deleted);
        self.transferred += o.transferred;
        self.total_size += o.total_size;
        self.transferred_size += o.transferred_size;
    }

    /// rsync's `--stats` block.
    /// The `--stats` block, numbers written at rsync's `-h` level `human`.
    pub fn write(&self, out: &mut dyn Write, human: u8) -> io::Result<()> {
        let h = human;
        writeln!(out)?;
        writeln!(
            out,
            "Number of files: {}{}",
            count(self.files.total(), h),
            self.files.breakdown(h)
        )?;
        writeln!(
            out,
            "Number of created files: {}{}",
            count(self.created.total(), h),
            self.created.breakdown(h)
        )?;
        writeln!(
            out,
            "Number of deleted files: {}{}",
            count(self.deleted.total(), h),
            self.deleted.breakdown(h)
        )?;
        writeln!(
            out,
            "Number of regular files transferred: {}",
            count(self.transferred, h)
        )?;
        writeln!(out, "Total file size: {} bytes", size(self.total_size, h))?;
        writeln!(
            out,
            "Total transferred file size: {} bytes",
            size(self.transferred_size, h)
        )?;
        writeln!(
            out,
            "Literal data: {} bytes",
            size(self.transferred_size, h)
        )?;
        writeln!(out, "Matched data: 0 bytes")?;
        writeln!(out)?;
        writeln!(out, "total size is {}", size(self.total_size, h))
    }
}

/// `1234567` → `1,234,567`, as rsync prints counts.
/// A count at rsync's `-h` level: plain digits at 0, thousands separated from 1 on.
pub fn count(n: u64, human: u8) -> String {
    if human == 0 { n.to_string() } else { commas(n) }
}

/// A size in bytes at rsync's `-h` level: plain digits at 0, thousands separated at 1, and from
/// 2 on, once it reaches the unit (1000 at level 2, 1024 above), divided by the unit as often
/// as it still reaches it, with two decimals and `K`, `M`, `G`, `T` or `P`.
pub fn size(n: u64, human: u8) -> String {
    let unit = match human {
        0 => return n.to_string(),
        1 => return commas(n),
        2 => 1000.0,
        _ => 1024.0,
    };
    let mut v = n as f64;
    let mut suffix = None;
    for s in ['K', 'M', 'G', 'T', 'P'] {
        if v < unit {
            break;
        }
        v /= unit;
        suffix = Some(s);
    }
    match suffix {
        Some(s) => format!("{v:.2}{s}"),
        None => commas(n),
    }
}

/// `n` with a comma between groups of three digits.
pub fn commas(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_like_rsync() {
        assert_eq!(commas(0), "0");
        assert_eq!(commas(999), "999");
        assert_eq!(commas(1000), "1,000");
        assert_eq!(commas(1234567), "1,234,567");
    }

    #[test]
    fn human_sizes_as_rsync_prints_them() {
        // Measured with rsync 3.5 --stats ("Total file size") at -h and -hh.
        let cases: [(u64, &str, &str); 9] = [
            (999, "999", "999"),
            (1000, "1.00K", "1,000"),
            (1023, "1.02K", "1,023"),
            (1024, "1.02K", "1.00K"),
            (999_994, "999.99K", "976.56K"),
            (999_995, "1000.00K", "976.56K"),
            (1_048_575, "1.05M", "1024.00K"),
            (2_000_000_000, "2.00G", "1.86G"),
            (1_099_511_627_776, "1.10T", "1.00T"),
        ];
        for (n, h, hh) in cases {
            assert_eq!((size(n, 2).as_str(), size(n, 3).as_str()), (h, hh), "{n}");
        }
        assert_eq!(
            (size(123_456, 0), size(123_456, 1)),
            ("123456".into(), "123,456".into())
        );
        assert_eq!(
            (count(2174, 0), count(2174, 2)),
            ("2174".into(), "2,174".into())
        );
    }

    #[test]
    fn stats_block() {
        let mut s = Stats::default();
        s.files.reg = 7;
        s.files.dir = 6;
        s.total_size = 14;
        let mut v = Vec::new();
        s.write(&mut v, 1).unwrap();
        let text = String::from_utf8(v).unwrap();
        assert!(
            text.contains("Number of files: 13 (reg: 7, dir: 6)\n"),
            "{text}"
        );
        assert!(text.contains("Number of deleted files: 0\n"), "{text}");
    }
}
