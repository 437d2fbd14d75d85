//! Our own interpreter of the ed scripts GNU `diff -e` writes, so that no `ed` (and no shell)
//! ever runs on input.
//!
//! The subset is what diff writes: `Na`, `Ni`, `N,Mc`, `N,Md` (a single `N` for one line;
//! no address for the current line), text closed by a lone `.`, and `s/.//`, with which diff
//! turns back into `.` a line it had to write as `..`. The parser reads `w` and `q` and
//! refuses every other command. Semantics are ed's:
//!
//! - the current line starts as the last line; after `a`, `i` or `c` it is the last line
//!   added (or, when none was, the addressed line); after `d` it is the line after the
//!   deleted ones, or the new last line;
//! - addresses beyond the end, a range that runs backwards, or line 0 for `c`/`d` are errors
//!   (ed's `?`), as is `s/.//` on an empty line;
//! - ed writes every line with a newline, so a last line without one gains it.
//!
//! Diff writes its commands from the end of the file backwards, so each address is a line of
//! the original file; the script is applied as written, with no search and no fuzz, as GNU
//! patch applies it.

use crate::types::{EdCommand, EdOp};

/// Why an ed script does not apply: the patch line of the command and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("patch line {line}: ed command {what}")]
pub struct EdError {
    /// The command's line in the patch.
    pub line: usize,
    /// What is wrong, worded to follow "ed command".
    pub what: String,
}

/// The file being edited: its lines (without newlines) and the current line (1-based; 0 for
/// an empty buffer).
struct Buffer<'a> {
    lines: Vec<std::borrow::Cow<'a, [u8]>>,
    current: usize,
}

/// Applies `script` to `input` and returns the new content.
pub fn apply(script: &[EdCommand], input: &[u8]) -> Result<Vec<u8>, EdError> {
    let mut lines: Vec<std::borrow::Cow<'_, [u8]>> = input
        .split_inclusive(|&b| b == b'\n')
        .map(|l| std::borrow::Cow::Borrowed(l.strip_suffix(b"\n").unwrap_or(l)))
        .collect();
    lines.shrink_to_fit();
    let current = lines.len();
    let mut buf = Buffer { lines, current };
    for cmd in script {
        buf.run(cmd).map_err(|what| EdError {
            line: cmd.line,
            what: what.to_string(),
        })?;
    }
    let size: usize = buf.lines.iter().map(|l| l.len() + 1).sum();
    let mut out = Vec::with_capacity(size);
    for l in &buf.lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    Ok(out)
}

impl<'a> Buffer<'a> {
    /// Runs one command; the error says what is wrong.
    fn run(&mut self, cmd: &EdCommand) -> Result<(), &'static str> {
        match &cmd.op {
            EdOp::Append { at, text } => {
                let at = self.line(*at, true)?;
                self.add(at, text);
            }
            EdOp::Insert { at, text } => {
                // `0i` inserts before the first line, as ed does.
                let at = self.line(*at, true)?.saturating_sub(1);
                self.add(at, text);
            }
            EdOp::Change { range, text } => {
                let (first, last) = self.range(*range)?;
                self.lines.drain(first - 1..last);
                self.current = first - 1;
                self.add(first - 1, text);
                if text.is_empty() {
                    self.after_delete(first);
                }
            }
            EdOp::Delete { range } => {
                let (first, last) = self.range(*range)?;
                self.lines.drain(first - 1..last);
                self.after_delete(first);
            }
            EdOp::Unescape => {
                let l = self
                    .current
                    .checked_sub(1)
                    .and_then(|i| self.lines.get_mut(i))
                    .ok_or("s/.// has no current line")?;
                if l.is_empty() {
                    return Err("s/.// finds nothing to remove");
                }
                l.to_mut().remove(0);
            }
        }
        Ok(())
    }

    /// A line address (the current line when `None`), which may be 0 when `zero`.
    fn line(&self, at: Option<u64>, zero: bool) -> Result<usize, &'static str> {
        let n = match at {
            Some(n) => usize::try_from(n).map_err(|_| "addresses a line beyond the end")?,
            None => self.current,
        };
        if n > self.lines.len() {
            return Err("addresses a line beyond the end");
        }
        if n == 0 && !zero {
            return Err("addresses line 0");
        }
        Ok(n)
    }

    /// A range of existing lines (the current line when `None`).
    fn range(&self, range: Option<(u64, u64)>) -> Result<(usize, usize), &'static str> {
        let (a, b) = match range {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        let (first, last) = (self.line(a, false)?, self.line(b, false)?);
        if first > last {
            return Err("has a range that runs backwards");
        }
        Ok((first, last))
    }

    /// Adds `text` after line `at`; the current line becomes the last added, or `at`.
    fn add(&mut self, at: usize, text: &[Vec<u8>]) {
        let new = text.iter().map(|t| std::borrow::Cow::Owned(t.clone()));
        self.lines.splice(at..at, new);
        self.current = at + text.len();
    }

    /// The current line after deleting from line `first`: the next one, else the last.
    fn after_delete(&mut self, first: usize) {
        self.current = first.min(self.lines.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(op: EdOp) -> EdCommand {
        EdCommand { op, line: 1 }
    }

    fn text(t: &[&str]) -> Vec<Vec<u8>> {
        t.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn diff_e_scripts_apply_backwards_from_the_end() {
        // `diff -e` of 1..10 and (3 -> three, 7 deleted, 11 added).
        let input: Vec<u8> = (1..=10)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let script = [
            cmd(EdOp::Append {
                at: Some(10),
                text: text(&["11"]),
            }),
            cmd(EdOp::Delete {
                range: Some((7, 7)),
            }),
            cmd(EdOp::Change {
                range: Some((3, 3)),
                text: text(&["three"]),
            }),
        ];
        let out = apply(&script, &input).unwrap();
        assert_eq!(out, b"1\n2\nthree\n4\n5\n6\n8\n9\n10\n11\n");
    }

    #[test]
    fn lone_dots_are_unescaped_on_the_current_line() {
        // `diff -e` of "a\nb\n" and "a\nx\n.\ny\n.\nz\nb\n".
        let script = [
            cmd(EdOp::Append {
                at: Some(1),
                text: text(&["x", ".."]),
            }),
            cmd(EdOp::Unescape),
            cmd(EdOp::Append {
                at: None,
                text: text(&["y", ".."]),
            }),
            cmd(EdOp::Unescape),
            cmd(EdOp::Append {
                at: None,
                text: text(&["z"]),
            }),
        ];
        assert_eq!(apply(&script, b"a\nb\n").unwrap(), b"a\nx\n.\ny\n.\nz\nb\n");
    }

    #[test]
    fn bad_addresses_are_errors_and_a_missing_newline_is_added() {
        let d = |a, b| {
            cmd(EdOp::Delete {
                range: Some((a, b)),
            })
        };
        assert!(apply(&[d(20, 20)], b"a\n").is_err());
        assert!(apply(&[d(2, 1)], b"a\nb\n").is_err());
        assert!(apply(&[d(0, 1)], b"a\n").is_err());
        assert!(apply(&[cmd(EdOp::Unescape)], b"").is_err());
        let c = cmd(EdOp::Change {
            range: Some((1, 1)),
            text: text(&["X"]),
        });
        assert_eq!(apply(&[c], b"x\ny").unwrap(), b"X\ny\n");
        let i = cmd(EdOp::Insert {
            at: Some(0),
            text: text(&["X"]),
        });
        assert_eq!(apply(&[i], b"a\n").unwrap(), b"X\na\n");
        assert_eq!(apply(&[d(1, 1)], b"x\n").unwrap(), b"");
    }
}
