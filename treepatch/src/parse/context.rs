//! Context diffs (`diff -c`, `diff -C N`, `diff -rc`): a `*** OLD` / `--- NEW` header, then
//! hunks that each start with `***************`, hold the old part (`*** A,B ****` and its
//! lines) and the new part (`--- C,D ----` and its lines).
//!
//! They are read into the same [`Hunk`] model as unified hunks, so locating, fuzz, reversal
//! and rejects work unchanged. The rules, from GNU diff's output:
//!
//! - Lines carry a two-byte prefix: `  ` context, `- ` removed, `+ ` added, `! ` changed (a run
//!   of `!` lines in the old part is replaced by the matching run in the new part). A bare `-`,
//!   `+`, `!` or an empty line is the same with an empty text (mailers strip trailing spaces).
//! - A part with no change in it is omitted (a deletion's new part, an addition's old part):
//!   its lines are then the other part's context lines.
//! - A range is `A,B` (first and last line) or a single `A`. A single number with no line
//!   behind it is an empty range placed after line `A` (`*** 0 ****` for an empty file), the
//!   same convention as unified's `-A,0`.
//! - `\ No newline at end of file` marks the line before it; a context line marked in either
//!   part is marked in the hunk.
//! - Names and timestamps are read as in unified headers (an Epoch timestamp or `/dev/null`
//!   marks an absent side).

use std::io::BufRead;

use super::hunk::parse_u64;
use super::{ParseError, Parser, trim_cr};
use crate::types::{FilePatch, Hunk, Line, LineKind, Operation};

/// One line of a part, as written: its prefix byte (` `, `-`, `+` or `!`) and the line.
#[derive(Clone)]
struct PartLine {
    mark: u8,
    text: Vec<u8>,
    no_newline: bool,
}

/// A range of a part header: its first line and, when written as `A,B`, its length.
#[derive(Clone, Copy)]
struct Range {
    start: u64,
    len: Option<u64>,
}

impl<R: BufRead> Parser<R> {
    /// Reads a context diff section whose `*** OLD` line is `first` (the `--- NEW` line is
    /// next).
    pub(super) fn context_section(
        &mut self,
        first: &[u8],
        no: usize,
    ) -> Result<FilePatch, ParseError> {
        let (second, no2) = self
            .next_line()?
            .ok_or(ParseError::MissingNewName { line: no })?;
        let second = trim_cr(&second);
        let mut fp = super::gnu::file_from_headers(&first[4..], no, &second[4..], no2)?;
        fp.context = true;
        while self
            .peek_line()?
            .is_some_and(|l| l.starts_with(b"***************"))
        {
            let Some((_, star_no)) = self.next_line()? else {
                break;
            };
            let keep = !self.skim || matches!(fp.op, Operation::Delete | Operation::Rename);
            let hunk = self.context_hunk(star_no, keep)?;
            fp.hunks.push(hunk);
        }
        Ok(fp)
    }

    /// Reads one hunk after its `***************` line (line `star_no`).
    fn context_hunk(&mut self, star_no: usize, keep: bool) -> Result<Hunk, ParseError> {
        let (head, head_no) = self.next_line()?.ok_or(ParseError::Truncated {
            line: self.line_no,
            hunk_line: star_no,
        })?;
        let old = part_range(trim_cr(&head), b"*** ", b" ****", head_no)?;
        let old_lines = self.part_lines(old, head_no, |l| is_part_header(l, b"--- ", b" ----"))?;
        let (mid, mid_no) = self.next_line()?.ok_or(ParseError::Truncated {
            line: self.line_no,
            hunk_line: head_no,
        })?;
        let new = part_range(trim_cr(&mid), b"--- ", b" ----", mid_no)?;
        let new_lines = self.part_lines(new, mid_no, |_| false)?;
        let bad = ParseError::BadHunkLine {
            line: mid_no,
            hunk_line: head_no,
        };
        let (old_lines, new_lines) = match (old_lines, new_lines) {
            (Some(o), Some(n)) => (o, n),
            (Some(o), None) => {
                let n = context_of(&o);
                (o, n)
            }
            (None, Some(n)) => (context_of(&n), n),
            (None, None) => (Vec::new(), Vec::new()),
        };
        let old_len = checked_len(old, old_lines.len(), bad_at(mid_no, head_no))?;
        let new_len = checked_len(new, new_lines.len(), bad_at(mid_no, head_no))?;
        let lines = merge(&old_lines, &new_lines).ok_or(bad)?;
        Ok(Hunk {
            old_start: old.start,
            old_len,
            new_start: new.start,
            new_len,
            section: Vec::new(),
            lines: if keep { lines } else { Vec::new() },
            line: head_no,
        })
    }

    /// Reads the lines of a part whose header (line `head_no`) gave `range`: `None` when the
    /// part is omitted (the next line is not a part line, or `stop` says it ends the part).
    fn part_lines(
        &mut self,
        range: Range,
        head_no: usize,
        stop: impl Fn(&[u8]) -> bool,
    ) -> Result<Option<Vec<PartLine>>, ParseError> {
        let present = self
            .peek_line()?
            .is_some_and(|l| is_part_line(trim_cr(l)) && !stop(trim_cr(l)));
        if !present {
            return Ok(None);
        }
        // A part that is present has as many lines as its range says (one for `A`).
        let count = range.len.unwrap_or(1);
        let mut lines: Vec<PartLine> = Vec::new();
        let mut left = count;
        while left > 0 {
            let Some(no) = self.next_line_buf()? else {
                return Err(ParseError::Truncated {
                    line: self.line_no,
                    hunk_line: head_no,
                });
            };
            let l = &self.buf;
            if l.first() == Some(&b'\\') {
                mark_last(&mut lines, no, head_no)?;
                continue;
            }
            if !is_part_line(l) || stop(l) {
                return Err(ParseError::BadHunkLine {
                    line: no,
                    hunk_line: head_no,
                });
            }
            lines.push(PartLine {
                mark: l.first().copied().unwrap_or(b' '),
                text: l.get(2..).unwrap_or_default().to_vec(),
                no_newline: false,
            });
            left -= 1;
        }
        if self.peek_line()?.is_some_and(|l| l.starts_with(b"\\"))
            && let Some((_, no)) = self.pending.take()
        {
            mark_last(&mut lines, no, head_no)?;
        }
        Ok(Some(lines))
    }
}

fn bad_at(line: usize, hunk_line: usize) -> ParseError {
    ParseError::BadHunkLine { line, hunk_line }
}

/// Marks the last line read as missing its newline (a `\` line at `no`).
fn mark_last(lines: &mut [PartLine], no: usize, head_no: usize) -> Result<(), ParseError> {
    match lines.last_mut() {
        Some(l) if !l.no_newline => {
            l.no_newline = true;
            Ok(())
        }
        _ => Err(bad_at(no, head_no)),
    }
}

/// True for a line of a part: a two-byte prefix (`  `, `- `, `+ `, `! `), or a bare marker or
/// nothing (a trailing space stripped).
fn is_part_line(l: &[u8]) -> bool {
    match l {
        [] => true,
        [m] => matches!(m, b' ' | b'-' | b'+' | b'!'),
        [m, b' ', ..] => matches!(m, b' ' | b'-' | b'+' | b'!'),
        _ => false,
    }
}

/// True when `l` is `PREFIX RANGE SUFFIX` (`--- 3,4 ----`).
fn is_part_header(l: &[u8], prefix: &[u8], suffix: &[u8]) -> bool {
    part_range(l, prefix, suffix, 0).is_ok()
}

/// Reads `*** A[,B] ****` or `--- A[,B] ----`.
fn part_range(l: &[u8], prefix: &[u8], suffix: &[u8], no: usize) -> Result<Range, ParseError> {
    let bad = ParseError::BadHunkHeader { line: no };
    let inner = l
        .strip_prefix(prefix)
        .and_then(|r| r.strip_suffix(suffix))
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let (start, len) = match inner.iter().position(|&b| b == b',') {
        Some(c) => {
            let a = parse_u64(&inner[..c], no)?;
            let b = parse_u64(&inner[c + 1..], no)?;
            // `A,B` names lines A to B; `A,A-1` would be empty (GNU never writes it).
            let len = (b + 1).checked_sub(a).ok_or(bad)?;
            (a, Some(len))
        }
        None => (parse_u64(inner, no)?, None),
    };
    const LIMIT: u64 = 1 << 48;
    if start >= LIMIT || len.is_some_and(|n| n >= LIMIT) {
        return Err(ParseError::NumberRange { line: no });
    }
    Ok(Range { start, len })
}

/// The length of a part: what `A,B` says (which must be the number of lines), or for a single
/// `A` the number of lines (0 or 1).
fn checked_len(range: Range, lines: usize, bad: ParseError) -> Result<u64, ParseError> {
    let n = lines as u64;
    match range.len {
        Some(len) if len == n => Ok(len),
        None if n <= 1 => Ok(n),
        _ => Err(bad),
    }
}

/// The context lines of a part: what an omitted other part holds.
fn context_of(part: &[PartLine]) -> Vec<PartLine> {
    part.iter().filter(|l| l.mark == b' ').cloned().collect()
}

/// Interleaves an old and a new part into unified order; `None` when they do not fit (a
/// change or context line on one side without its counterpart).
fn merge(old: &[PartLine], new: &[PartLine]) -> Option<Vec<Line>> {
    let line = |kind, l: &PartLine| Line {
        kind,
        text: l.text.clone(),
        no_newline: l.no_newline,
    };
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(old.len() + new.len());
    loop {
        let (o, n) = (old.get(i), new.get(j));
        match (o.map(|l| l.mark), n.map(|l| l.mark)) {
            (None, None) => return Some(out),
            (Some(b'-'), _) => {
                out.push(line(LineKind::Remove, o?));
                i += 1;
            }
            (_, Some(b'+')) => {
                out.push(line(LineKind::Add, n?));
                j += 1;
            }
            (Some(b'!'), Some(b'!')) => {
                while let Some(l) = old.get(i).filter(|l| l.mark == b'!') {
                    out.push(line(LineKind::Remove, l));
                    i += 1;
                }
                while let Some(l) = new.get(j).filter(|l| l.mark == b'!') {
                    out.push(line(LineKind::Add, l));
                    j += 1;
                }
            }
            (Some(b' '), Some(b' ')) => {
                let mut c = line(LineKind::Context, o?);
                c.no_newline |= n?.no_newline;
                out.push(c);
                i += 1;
                j += 1;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::ParseError;
    use crate::parse::parse_all;
    use crate::parse::tests::{err, files};
    use crate::types::{LineKind, Operation};

    /// `diff -c a b` (GNU diffutils 3.8): a change, a deletion and an addition at the end.
    const CTX: &[u8] = b"*** a\t2026-12-04 07:55:19.454270111 +0000
--- b\t2026-12-04 07:55:19.457670321 +0000
***************
*** 1,10 ****
  1
  2
! 3
  4
  5
  6
- 7
  8
  9
  10
--- 1,10 ----
  1
  2
! three
  4
  5
  6
  8
  9
  10
+ 11
";

    #[test]
    fn reads_a_context_hunk_in_unified_order() {
        let items = parse_all(CTX).unwrap();
        let f = files(&items)[0];
        assert!(f.context);
        assert_eq!(f.old_path.as_deref(), Some(&b"a"[..]));
        assert_eq!(f.new_path.as_deref(), Some(&b"b"[..]));
        let h = &f.hunks[0];
        assert_eq!(
            (h.old_start, h.old_len, h.new_start, h.new_len),
            (1, 10, 1, 10)
        );
        let kinds: String = h
            .lines
            .iter()
            .map(|l| match l.kind {
                LineKind::Context => ' ',
                LineKind::Remove => '-',
                LineKind::Add => '+',
            })
            .collect();
        assert_eq!(kinds, "  -+   -   +");
        assert_eq!(h.lines[3].text, b"three");
    }

    #[test]
    fn omitted_parts_and_empty_ranges() {
        // diff -C0: a deletion (new part omitted, empty new range after line 6) and an
        // addition after the last line (old part omitted, empty old range after line 10).
        let p = b"*** a\n--- b\n***************\n*** 7 ****\n- 7\n--- 6 ----\n\
***************\n*** 10 ****\n--- 10 ----\n+ 11\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        let (d, a) = (&f.hunks[0], &f.hunks[1]);
        assert_eq!(
            (d.old_start, d.old_len, d.new_start, d.new_len),
            (7, 1, 6, 0)
        );
        assert_eq!(
            (a.old_start, a.old_len, a.new_start, a.new_len),
            (10, 0, 10, 1)
        );
        // A new empty file dated the Epoch: a creation.
        let p = b"*** e\t1970-01-01 00:00:00.000000000 +0000\n--- e\t2026-01-01 00:00:00 +0000\n\
***************\n*** 0 ****\n--- 1 ----\n+ x\n\\ No newline at end of file\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        assert_eq!(f.op, Operation::Create);
        assert!(f.hunks[0].lines[0].no_newline);
    }

    #[test]
    fn lines_like_headers_inside_parts_are_content() {
        let p = b"*** x\n--- y\n***************\n*** 1 ****\n--- 1,2 ----\n+ *** y\n  --- x\n";
        let items = parse_all(p).unwrap();
        let h = &files(&items)[0].hunks[0];
        assert_eq!(h.lines[0].text, b"*** y");
        assert_eq!(h.lines[1].text, b"--- x");
        assert_eq!((h.old_len, h.new_len), (1, 2));
    }

    #[test]
    fn malformed_context_hunks_name_their_lines() {
        let short = b"*** a\n--- b\n***************\n*** 1,3 ****\n- x\n--- 1 ----\n";
        assert!(matches!(
            err(short),
            ParseError::BadHunkLine {
                line: 6,
                hunk_line: 4
            }
        ));
        let header = b"*** a\n--- b\n***************\n*** x ****\n";
        assert!(matches!(err(header), ParseError::BadHunkHeader { line: 4 }));
        let unmatched = b"*** a\n--- b\n***************\n*** 1 ****\n! x\n--- 1 ----\n+ y\n";
        assert!(matches!(err(unmatched), ParseError::BadHunkLine { .. }));
        let truncated = b"*** a\n--- b\n***************\n*** 1,2 ****\n  x\n";
        assert!(matches!(err(truncated), ParseError::Truncated { .. }));
    }
}
