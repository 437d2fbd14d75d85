//! What an all-or-nothing run says while it plans, held back until it is known whether
//! anything will be written: then told as it is, or with `patching` turned into `checking`
//! (as GNU patch words a dry run), since nothing was. A patch of a million files says a
//! million lines, so past [`IN_MEMORY`] bytes the transcript goes on in an unnamed temporary
//! file (in `$TMPDIR`) and memory does not grow with the patch.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

/// How much of the transcript stays in memory.
const IN_MEMORY: usize = 1 << 20;

/// The messages said so far.
#[derive(Default)]
pub(crate) struct Transcript {
    mem: Vec<u8>,
    spill: Option<BufWriter<File>>,
}

impl Write for Transcript {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.spill.is_none() && self.mem.len() + buf.len() > IN_MEMORY {
            // No temporary file to be had: the transcript stays in memory.
            if let Ok(file) = fstree::create_anonymous(&std::env::temp_dir()) {
                let mut spill = BufWriter::with_capacity(1 << 16, file);
                spill.write_all(&self.mem)?;
                self.mem = Vec::new();
                self.spill = Some(spill);
            }
        }
        match &mut self.spill {
            Some(spill) => spill.write(buf),
            None => {
                self.mem.extend_from_slice(buf);
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transcript {
    /// Writes the transcript to `out`: as it is when the changes are written (`writes`), else
    /// with each `patching` turned into `checking`.
    pub(crate) fn tell(self, out: &mut dyn Write, writes: bool) -> io::Result<()> {
        let Some(spill) = self.spill else {
            return tell_lines(out, &mut self.mem.as_slice(), writes);
        };
        let mut file = spill.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        tell_lines(out, &mut BufReader::with_capacity(1 << 16, file), writes)
    }
}

/// [`Transcript::tell`] on the lines read from `said`.
fn tell_lines(out: &mut dyn Write, said: &mut dyn BufRead, writes: bool) -> io::Result<()> {
    if writes {
        // In large pieces: standard output writes through at each newline of a piece.
        return io::copy(said, out).map(drop);
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        if said.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        match line.strip_prefix(b"patching ".as_slice()) {
            Some(rest) => {
                out.write_all(b"checking ")?;
                out.write_all(rest)?;
            }
            _ => out.write_all(&line)?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_transcript_is_told_whole_from_its_temporary() {
        for (n, writes) in [(10, true), (10, false), (100_000, true), (100_000, false)] {
            let mut t = Transcript::default();
            let mut want = Vec::new();
            for i in 0..n {
                write!(t, "patching file d/f{i:07}\nHunk #1 succeeded\n").unwrap();
                let verb = if writes { "patching" } else { "checking" };
                write!(want, "{verb} file d/f{i:07}\nHunk #1 succeeded\n").unwrap();
            }
            assert_eq!(t.spill.is_some(), n > 1000, "{n}");
            let mut told = Vec::new();
            t.tell(&mut told, writes).unwrap();
            assert!(told == want, "{n} lines, writes: {writes}");
        }
    }
}
