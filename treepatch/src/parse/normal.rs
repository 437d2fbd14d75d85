//! Normal diffs (GNU diff's default format): commands `NaK[,L]`, `N[,M]cK[,L]`, `N[,M]dK`,
//! each followed by its `< ` old lines and `> ` new lines (separated by `---` for a change).
//!
//! A normal diff names no file: the section takes the name of the `Index:` line before it,
//! if any (the applier may also be given the file). Each command becomes a hunk without
//! context, the same as `diff -U0` would write: `NaK,L` is `@@ -N,0 +K,n @@`, `N,MdK` is
//! `@@ -N,m +K,0 @@`, so locating works as for unified hunks (GNU patch too searches for the
//! removed lines at an offset). Consecutive commands form one section. A command line is told
//! from prose by its shape and by the `< `/`> ` line after it; the same shape without a second
//! range (`2c`, `1,3d`) starts an ed script instead (see `ed`).

use std::io::BufRead;

use super::hunk::parse_u64;
use super::{ParseError, Parser, trim_cr};
use crate::types::{FilePatch, Hunk, Line, LineKind};

/// What a line of the form `N[,M]X[K[,L]]` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Command {
    /// A normal diff command (two ranges).
    Normal,
    /// An ed command (one range, or none): `a`, `c`, `d` or `i`.
    Ed,
}

/// Where a range `N` or `N,M` at the start of `s` ends (0 when there is none).
fn range_end(s: &[u8]) -> usize {
    let d1 = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if d1 == 0 {
        return 0;
    }
    if s.get(d1) == Some(&b',') {
        let d2 = s[d1 + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if d2 > 0 {
            return d1 + 1 + d2;
        }
    }
    d1
}

/// Classifies `12`, `3,5` followed by `a`/`c`/`d` (or `i`, ed only): with a second range it
/// is a normal diff command, alone an ed command.
pub(super) fn command_kind(l: &[u8]) -> Option<Command> {
    let n = range_end(l);
    if n == 0 {
        return None;
    }
    let cmd = *l.get(n)?;
    let rest = &l[n + 1..];
    match cmd {
        b'a' | b'c' | b'd' | b'i' if rest.is_empty() => Some(Command::Ed),
        b'a' | b'c' | b'd' if range_end(rest) == rest.len() => Some(Command::Normal),
        _ => None,
    }
}

/// Reads a range `N` or `N,M`: its first and last line.
fn range(s: &[u8], no: usize) -> Result<(u64, u64), ParseError> {
    let (a, b) = match s.iter().position(|&b| b == b',') {
        Some(c) => (parse_u64(&s[..c], no)?, parse_u64(&s[c + 1..], no)?),
        None => {
            let a = parse_u64(s, no)?;
            (a, a)
        }
    };
    const LIMIT: u64 = 1 << 48;
    if a >= LIMIT || b >= LIMIT {
        return Err(ParseError::NumberRange { line: no });
    }
    if b < a {
        return Err(ParseError::BadHunkHeader { line: no });
    }
    Ok((a, b))
}

/// The hunk (without lines) a normal diff command line stands for, and its command letter.
fn normal_hunk(l: &[u8], no: usize) -> Result<(Hunk, u8), ParseError> {
    let n = range_end(l);
    let (old, cmd, new) = (&l[..n], l[n], &l[n + 1..]);
    let (a, b) = range(old, no)?;
    let (c, d) = range(new, no)?;
    let (old_start, old_len, new_start, new_len) = match cmd {
        b'a' => (a, 0, c, d - c + 1),
        b'd' => (a, b - a + 1, c, 0),
        _ => (a, b - a + 1, c, d - c + 1),
    };
    if (cmd == b'a' && a != b) || (cmd == b'd' && c != d) {
        return Err(ParseError::BadHunkHeader { line: no });
    }
    let hunk = Hunk {
        old_start,
        old_len,
        new_start,
        new_len,
        section: Vec::new(),
        lines: Vec::new(),
        line: no,
    };
    Ok((hunk, cmd))
}

impl<R: BufRead> Parser<R> {
    /// Reads a normal diff whose first command is `first` (line `no`), with the commands that
    /// follow it, as one nameless section (named by a preceding `Index:` line).
    pub(super) fn normal_section(
        &mut self,
        first: &[u8],
        no: usize,
    ) -> Result<FilePatch, ParseError> {
        let name = self.index_name.take();
        let mut fp = FilePatch {
            old_path: name.clone(),
            new_path: name,
            line: no,
            ..FilePatch::default()
        };
        fp.hunks.push(self.normal_hunk_body(first, no)?);
        while let Some(next) = self.peek_line()? {
            let next = trim_cr(next);
            if command_kind(next) != Some(Command::Normal) {
                break;
            }
            let Some((line, lno)) = self.next_line()? else {
                break;
            };
            let hunk = self.normal_hunk_body(trim_cr(&line), lno)?;
            fp.hunks.push(hunk);
        }
        Ok(fp)
    }

    /// Reads the `<` lines, the `---` and the `>` lines of the command `l` (line `no`).
    fn normal_hunk_body(&mut self, l: &[u8], no: usize) -> Result<Hunk, ParseError> {
        let (mut hunk, cmd) = normal_hunk(l, no)?;
        let keep = !self.skim;
        let (old_len, new_len) = (hunk.old_len, hunk.new_len);
        self.normal_lines(&mut hunk, b'<', old_len, keep)?;
        if cmd == b'c' {
            match self.next_line()? {
                Some((sep, _)) if trim_cr(&sep) == b"---" => {}
                Some((_, sno)) => {
                    return Err(ParseError::BadHunkLine {
                        line: sno,
                        hunk_line: no,
                    });
                }
                None => {
                    return Err(ParseError::Truncated {
                        line: self.line_no,
                        hunk_line: no,
                    });
                }
            }
        }
        self.normal_lines(&mut hunk, b'>', new_len, keep)?;
        Ok(hunk)
    }

    /// Reads `count` lines marked `mark` (`<` or `>`), each possibly followed by `\ No newline
    /// at end of file`.
    fn normal_lines(
        &mut self,
        hunk: &mut Hunk,
        mark: u8,
        count: u64,
        keep: bool,
    ) -> Result<(), ParseError> {
        let kind = if mark == b'<' {
            LineKind::Remove
        } else {
            LineKind::Add
        };
        let hunk_line = hunk.line;
        for _ in 0..count {
            let Some(no) = self.next_line_buf()? else {
                return Err(ParseError::Truncated {
                    line: self.line_no,
                    hunk_line,
                });
            };
            let text = match self.buf.split_first() {
                Some((&m, rest)) if m == mark => rest.strip_prefix(b" ").unwrap_or(rest),
                _ => {
                    return Err(ParseError::BadHunkLine {
                        line: no,
                        hunk_line,
                    });
                }
            };
            let line = Line {
                kind,
                text: if keep { text.to_vec() } else { Vec::new() },
                no_newline: false,
            };
            hunk.lines.push(line);
            if self.peek_line()?.is_some_and(|n| n.starts_with(b"\\"))
                && let Some(last) = hunk.lines.last_mut()
            {
                last.no_newline = true;
                self.pending = None;
            }
        }
        if !keep {
            hunk.lines = Vec::new();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::ParseError;
    use crate::parse::parse_all;
    use crate::parse::tests::{err, files};
    use crate::types::LineKind;

    #[test]
    fn reads_normal_diffs_as_hunks_without_context() {
        let p = b"Index: t\n3c3\n< 3\n---\n> three\n7d6\n< 7\n10a10\n> 11\n\\ No newline at end of file\n";
        let items = parse_all(p).unwrap();
        let f = files(&items);
        assert_eq!(f.len(), 1);
        let f = f[0];
        assert_eq!(f.old_path.as_deref(), Some(&b"t"[..]));
        let spans: Vec<_> = f
            .hunks
            .iter()
            .map(|h| (h.old_start, h.old_len, h.new_start, h.new_len))
            .collect();
        assert_eq!(spans, [(3, 1, 3, 1), (7, 1, 6, 0), (10, 0, 10, 1)]);
        assert_eq!(f.hunks[0].lines[1].kind, LineKind::Add);
        assert!(f.hunks[2].lines[0].no_newline);
        // Without an Index: line, no name.
        let items = parse_all(b"1d0\n< x\n").unwrap();
        assert_eq!(files(&items)[0].old_path, None);
    }

    #[test]
    fn malformed_normal_diffs_name_their_lines() {
        assert!(matches!(
            err(b"2c2\n< a\n> b\n"),
            ParseError::BadHunkLine {
                line: 3,
                hunk_line: 1
            }
        ));
        assert!(matches!(
            err(b"2,3c2\n< a\n"),
            ParseError::Truncated { hunk_line: 1, .. }
        ));
        assert!(matches!(
            err(b"3,2d1\n< a\n"),
            ParseError::BadHunkHeader { line: 1 }
        ));
        // Prose that looks like a command but has no body is not a diff.
        assert!(
            parse_all(b"2cats\n1,2 d\n3c4 is a size\n")
                .unwrap()
                .is_empty()
        );
    }
}
