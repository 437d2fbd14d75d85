//! The patch's own lines, read again by number: GNU patch shows the text leading up to a file
//! patch it cannot place (`The text leading up to this was:`, each line after a `|`), and
//! heads a reject file with the patch's `---`/`+++` lines (timestamps included).
//!
//! The patch is read by its own positioned reads (`pread`), so the parser's position is
//! untouched; runs under the name `patch` ask for lines front to back, so one forward cursor
//! serves them all (a request behind it starts over from the top).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// A cursor over the lines of the patch file.
pub struct PatchText {
    file: File,
    /// Where the patch starts in the file (line 1).
    start: u64,
    /// Byte offset of the start of line `line`.
    pos: u64,
    /// 1-based number of the line that starts at `pos`.
    line: usize,
}

impl PatchText {
    /// Lines of `file` (a duplicate of the patch's descriptor will do) from byte `start`.
    pub fn new(file: File, start: u64) -> Self {
        PatchText {
            file,
            start,
            pos: start,
            line: 1,
        }
    }

    /// Lines `from..to` (1-based, `to` excluded), each without its newline.
    pub fn lines(&mut self, from: usize, to: usize) -> io::Result<Vec<Vec<u8>>> {
        if from < self.line {
            self.pos = self.start;
            self.line = 1;
        }
        let mut out = Vec::new();
        while self.line < to {
            let Some(l) = self.next_line()? else { break };
            if self.line > from {
                out.push(l);
            }
        }
        Ok(out)
    }

    /// The line at the cursor (the cursor moves past it), `None` at the end.
    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = self.file.read_at(&mut buf, self.pos)?;
            if n == 0 {
                if line.is_empty() {
                    return Ok(None);
                }
                self.line += 1;
                return Ok(Some(line));
            }
            match buf[..n].iter().position(|&b| b == b'\n') {
                Some(i) => {
                    line.extend_from_slice(&buf[..i]);
                    self.pos += i as u64 + 1;
                    self.line += 1;
                    return Ok(Some(line));
                }
                None => {
                    line.extend_from_slice(&buf[..n]);
                    self.pos += n as u64;
                }
            }
        }
    }
}
