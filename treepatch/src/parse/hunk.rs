//! Hunks: `@@ -A,B +C,D @@[ section]` and the lines it promises.
//!
//! A hunk's end is counted, not guessed: the header promises B old and D new lines, and the
//! hunk ends exactly when both are used up, so a line that does not fit the counts is an error
//! rather than the start of something else. As in GNU patch, an empty line inside a hunk is an
//! empty context line (mailers strip the lone space). `\ No newline at end of file` marks the
//! counted line before it and may follow the last one. Running out of lines early is a
//! truncation error, never a short hunk; so is a line that looks like the next section.
//! Numbers are overflow-checked and kept below 2^48, and nothing is allocated from a count the
//! header merely claims.

use std::io::BufRead;

use super::{ParseError, Parser, trim_cr};
use crate::types::{FilePatch, Hunk, Line, LineKind, Operation};

impl<R: BufRead> Parser<R> {
    /// Reads the `@@` hunks that follow, stopping before the first line that starts none.
    pub(super) fn hunks(&mut self, fp: &mut FilePatch) -> Result<(), ParseError> {
        loop {
            let Some((line, no)) = self.next_line()? else {
                return Ok(());
            };
            if !line.starts_with(b"@@ ") {
                self.push_back(line, no);
                return Ok(());
            }
            let keep = !self.skim || matches!(fp.op, Operation::Delete | Operation::Rename);
            let hunk = self.hunk(trim_cr(&line), no, keep)?;
            fp.hunks.push(hunk);
        }
    }

    /// Reads one hunk whose `@@` line is `header`; its lines are kept when `keep`.
    fn hunk(&mut self, header: &[u8], hunk_line: usize, keep: bool) -> Result<Hunk, ParseError> {
        let mut hunk = parse_hunk_header(header, hunk_line)?;
        let (mut old_left, mut new_left) = (hunk.old_len, hunk.new_len);
        // The last counted line so far: `Some(true)` once it is marked as missing its newline.
        let mut last: Option<bool> = None;
        while old_left > 0 || new_left > 0 {
            let Some(no) = self.next_line_buf()? else {
                return Err(ParseError::Truncated {
                    line: self.line_no,
                    hunk_line,
                });
            };
            let bad = ParseError::BadHunkLine {
                line: no,
                hunk_line,
            };
            let kind = match self.buf.first() {
                None | Some(b' ') => LineKind::Context,
                Some(b'-') => LineKind::Remove,
                Some(b'+') => LineKind::Add,
                Some(b'\\') => {
                    mark_no_newline(&mut hunk, &mut last, no, hunk_line)?;
                    continue;
                }
                Some(_) => {
                    return Err(if self.at_section_start(&self.buf) {
                        ParseError::Truncated {
                            line: no,
                            hunk_line,
                        }
                    } else {
                        bad
                    });
                }
            };
            match kind {
                LineKind::Context if old_left > 0 && new_left > 0 => {
                    old_left -= 1;
                    new_left -= 1;
                }
                LineKind::Remove if old_left > 0 => old_left -= 1,
                LineKind::Add if new_left > 0 => new_left -= 1,
                _ => return Err(bad),
            }
            last = Some(false);
            if keep {
                hunk.lines.push(Line {
                    kind,
                    text: self.buf.get(1..).unwrap_or_default().to_vec(),
                    no_newline: false,
                });
            }
        }
        // A `\ No newline at end of file` may still follow the last counted line.
        if self
            .peek_line()?
            .is_some_and(|next| next.starts_with(b"\\"))
            && let Some((_, no)) = self.pending.take()
        {
            mark_no_newline(&mut hunk, &mut last, no, hunk_line)?;
        }
        Ok(hunk)
    }

    /// True when `line` looks like the start of the next section (a truncated hunk before it).
    fn at_section_start(&self, line: &[u8]) -> bool {
        line.starts_with(b"diff ") || line.starts_with(b"@@ ") || line.starts_with(b"Index: ")
    }
}

fn mark_no_newline(
    hunk: &mut Hunk,
    last: &mut Option<bool>,
    no: usize,
    hunk_line: usize,
) -> Result<(), ParseError> {
    match last {
        Some(marked @ false) => {
            *marked = true;
            if let Some(l) = hunk.lines.last_mut() {
                l.no_newline = true;
            }
            Ok(())
        }
        _ => Err(ParseError::BadHunkLine {
            line: no,
            hunk_line,
        }),
    }
}

/// Parses a decimal number, rejecting overflow.
pub(super) fn parse_u64(s: &[u8], no: usize) -> Result<u64, ParseError> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::BadHunkHeader { line: no });
    }
    s.iter()
        .try_fold(0u64, |a, &d| {
            a.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or(ParseError::NumberRange { line: no })
}

/// Parses `@@ -A[,B] +C[,D] @@[ section]`.
fn parse_hunk_header(l: &[u8], no: usize) -> Result<Hunk, ParseError> {
    let bad = ParseError::BadHunkHeader { line: no };
    let rest = l
        .strip_prefix(b"@@ -")
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let sp = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let (old, rest) = (&rest[..sp], &rest[sp + 1..]);
    let rest = rest
        .strip_prefix(b"+")
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let sp = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let (new, rest) = (&rest[..sp], &rest[sp + 1..]);
    let section = rest.strip_prefix(b"@@").ok_or(bad)?;
    let section = section.strip_prefix(b" ").unwrap_or(section);
    // Carriage returns at the end are line-ending debris (`\r\r\n`), not function context:
    // kept, they could not be written back (a reader takes one `\r` off every header line).
    let end = section.len() - section.iter().rev().take_while(|&&b| b == b'\r').count();
    let section = section[..end].to_vec();
    let range = |r: &[u8]| -> Result<(u64, u64), ParseError> {
        let (start, len) = match r.iter().position(|&b| b == b',') {
            Some(c) => (parse_u64(&r[..c], no)?, parse_u64(&r[c + 1..], no)?),
            None => (parse_u64(r, no)?, 1),
        };
        // Keep every later `start + len` (and line index arithmetic) far from overflow.
        const LIMIT: u64 = 1 << 48;
        if start >= LIMIT || len >= LIMIT {
            return Err(ParseError::NumberRange { line: no });
        }
        Ok((start, len))
    };
    let (old_start, old_len) = range(old)?;
    let (new_start, new_len) = range(new)?;
    Ok(Hunk {
        old_start,
        old_len,
        new_start,
        new_len,
        section,
        lines: Vec::new(),
        line: no,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_all;
    use crate::parse::tests::{err, files};

    #[test]
    fn empty_line_in_hunk_is_empty_context() {
        let p = b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n";
        let items = parse_all(p).unwrap();
        let h = &files(&items)[0].hunks[0];
        assert_eq!(h.lines[1].kind, LineKind::Context);
        assert!(h.lines[1].text.is_empty());
    }

    #[test]
    fn no_newline_in_the_middle_of_a_hunk() {
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n";
        let items = parse_all(p).unwrap();
        let h = &files(&items)[0].hunks[0];
        assert!(h.lines[0].no_newline);
        assert_eq!(h.lines.len(), 3);
        assert!(!h.lines[2].no_newline);
    }

    #[test]
    fn truncated_hunk_names_lines() {
        match err(b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n") {
            ParseError::Truncated {
                line: 5,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\ndiff --git a/x b/x\n") {
            ParseError::Truncated {
                line: 5,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n+b\n+c\n") {
            ParseError::BadHunkLine {
                line: 6,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n\\ No newline at end of file\n") {
            ParseError::BadHunkLine { line: 4, .. } => {}
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn absurd_numbers_are_errors() {
        for h in [
            &b"@@ -99999999999999999999999,1 +1 @@"[..],
            b"@@ -1,281474976710656 +1 @@",
            b"@@ -1 +18446744073709551615,1 @@",
        ] {
            let p = [&b"--- a/f\n+++ b/f\n"[..], h, b"\n-a\n+b\n"].concat();
            assert!(
                matches!(err(&p), ParseError::NumberRange { line: 3 }),
                "{h:?}"
            );
        }
        for h in [
            &b"@@ -a +1 @@"[..],
            b"@@ -1 +1",
            b"@@ -1, +1 @@",
            b"@@ 1 1 @@",
        ] {
            let p = [&b"--- a/f\n+++ b/f\n"[..], h, b"\n"].concat();
            assert!(
                matches!(err(&p), ParseError::BadHunkHeader { line: 3 }),
                "{h:?}"
            );
        }
        // A huge but representable count only reads until the end: no allocation from it.
        let p = b"--- a/f\n+++ b/f\n@@ -1,200000000000 +1 @@\n-a\n";
        assert!(matches!(err(p), ParseError::Truncated { .. }));
    }

    #[test]
    fn hunk_section_drops_trailing_carriage_returns() {
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@ fn x()\r\r\r\n-a\n+b\n";
        assert_eq!(files(&parse_all(p).unwrap())[0].hunks[0].section, b"fn x()");
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@\r\r\n-a\n+b\n";
        assert!(files(&parse_all(p).unwrap())[0].hunks[0].section.is_empty());
    }
}
