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
    fn total(&self) -> u64 {
        self.reg + self.dir + self.link + self.dev + self.special
    }

    fn add(&mut self, o: &Counts) {
        self.reg += o.reg;
        self.dir += o.dir;
        self.link += o.link;
        self.dev += o.dev;
        self.special += o.special;
    }

    fn breakdown(&self) -> String {
        let parts: Vec<String> = [
            ("reg", self.reg),
            ("dir", self.dir),
            ("link", self.link),
            ("dev", self.dev),
            ("special", self.special),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k}: {}", commas(*n)))
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
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out)?;
        writeln!(
            out,
            "Number of files: {}{}",
            commas(self.files.total()),
            self.files.breakdown()
        )?;
        writeln!(
            out,
            "Number of created files: {}{}",
            commas(self.created.total()),
            self.created.breakdown()
        )?;
        writeln!(
            out,
            "Number of deleted files: {}{}",
            commas(self.deleted.total()),
            self.deleted.breakdown()
        )?;
        writeln!(
            out,
            "Number of regular files transferred: {}",
            commas(self.transferred)
        )?;
        writeln!(out, "Total file size: {} bytes", commas(self.total_size))?;
        writeln!(
            out,
            "Total transferred file size: {} bytes",
            commas(self.transferred_size)
        )?;
        writeln!(out, "Literal data: {} bytes", commas(self.transferred_size))?;
        writeln!(out, "Matched data: 0 bytes")?;
        writeln!(out)?;
        writeln!(out, "total size is {}", commas(self.total_size))
    }
}

/// `1234567` → `1,234,567`, as rsync prints counts.
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
    fn stats_block() {
        let mut s = Stats::default();
        s.files.reg = 7;
        s.files.dir = 6;
        s.total_size = 14;
        let mut v = Vec::new();
        s.write(&mut v).unwrap();
        let text = String::from_utf8(v).unwrap();
        assert!(
            text.contains("Number of files: 13 (reg: 7, dir: 6)\n"),
            "{text}"
        );
        assert!(text.contains("Number of deleted files: 0\n"), "{text}");
    }
}
