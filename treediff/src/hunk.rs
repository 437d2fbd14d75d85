//! The unified hunk printer: line changes from imara-diff (Myers), grouped and printed byte for
//! byte as git and GNU diff print them.
//!
//! Rules encoded here:
//!
//! - A line is its bytes up to and including `\n`; the last line of a file may lack the `\n`,
//!   and then it is a *different* line from the same bytes with one (so adding a final newline
//!   is a change), printed followed by `\ No newline at end of file`.
//! - Each change gets `context` unchanged lines before and after. Two changes whose gap is at
//!   most `2 * context` lines share one hunk (their contexts overlap or touch), as both git and
//!   GNU diff group them.
//! - `@@ -S,L +S,L @@`: `S` is 1-based; an empty range names the line before it (`-0,0` at the
//!   top of a file); `,L` is left out when `L` is 1.
//! - Removed lines of a change come before its added lines.

use std::io::{self, Write};

use imara_diff::{Algorithm, Diff, InternedInput};
use treepatch::LineKind;
use treepatch::write::{write_hunk_header, write_line};

/// A computed line diff of two byte strings.
pub struct TextDiff<'a> {
    old: Vec<&'a [u8]>,
    new: Vec<&'a [u8]>,
    changes: Vec<imara_diff::Hunk>,
}

/// Splits into lines, each keeping its `\n` (the last one may lack it).
fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split_inclusive(|&b| b == b'\n').collect()
}

/// The most lines imara-diff accepts per side.
const MAX_LINES: usize = i32::MAX as usize - 1;

impl<'a> TextDiff<'a> {
    /// Diffs `old` against `new` line by line. Returns `None` when a side has more lines than
    /// the diff engine supports (about 2^31).
    pub fn new(old: &'a [u8], new: &'a [u8]) -> Option<Self> {
        let old_lines = lines(old);
        let new_lines = lines(new);
        if old_lines.len() > MAX_LINES || new_lines.len() > MAX_LINES {
            return None;
        }
        // Lines equal at both ends cannot be part of a change: leave them out of the diff
        // engine (a one-line edit of a huge file then costs a scan, not an interning of every
        // line), and shift the changes back afterwards.
        let prefix = old_lines
            .iter()
            .zip(&new_lines)
            .take_while(|(a, b)| a == b)
            .count();
        let room = old_lines.len().min(new_lines.len()) - prefix;
        let suffix = old_lines
            .iter()
            .rev()
            .zip(new_lines.iter().rev())
            .take(room)
            .take_while(|(a, b)| a == b)
            .count();
        let middle = |data: &'a [u8], all: &[&'a [u8]]| -> &'a [u8] {
            let head: usize = all[..prefix].iter().map(|l| l.len()).sum();
            let tail: usize = all[all.len() - suffix..].iter().map(|l| l.len()).sum();
            &data[head..data.len() - tail]
        };
        let input = InternedInput::new(middle(old, &old_lines), middle(new, &new_lines));
        let mut diff = Diff::compute(Algorithm::Myers, &input);
        diff.postprocess_lines(&input);
        let shift = u32::try_from(prefix).ok()?;
        let changes = diff
            .hunks()
            .map(|h| imara_diff::Hunk {
                before: h.before.start + shift..h.before.end + shift,
                after: h.after.start + shift..h.after.end + shift,
            })
            .collect();
        Some(TextDiff {
            old: old_lines,
            new: new_lines,
            changes,
        })
    }

    /// True when the sides have equal lines.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Number of added lines.
    pub fn added(&self) -> u64 {
        self.changes
            .iter()
            .map(|h| u64::from(h.after.end - h.after.start))
            .sum()
    }

    /// Number of removed lines.
    pub fn removed(&self) -> u64 {
        self.changes
            .iter()
            .map(|h| u64::from(h.before.end - h.before.start))
            .sum()
    }

    /// Writes every hunk with `context` lines of context.
    pub fn write_hunks<W: Write + ?Sized>(&self, w: &mut W, context: usize) -> io::Result<()> {
        let mut i = 0;
        while i < self.changes.len() {
            // Group changes whose gap is at most 2 * context.
            let mut j = i + 1;
            while j < self.changes.len() {
                let gap = (self.changes[j].before.start - self.changes[j - 1].before.end) as usize;
                if gap > 2 * context {
                    break;
                }
                j += 1;
            }
            self.write_group(w, &self.changes[i..j], context)?;
            i = j;
        }
        Ok(())
    }

    fn write_group<W: Write + ?Sized>(
        &self,
        w: &mut W,
        group: &[imara_diff::Hunk],
        context: usize,
    ) -> io::Result<()> {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            return Ok(());
        };
        let lead = (first.before.start as usize).min(context);
        let old_start = first.before.start as usize - lead;
        let new_start = first.after.start as usize - lead;
        let trail = (self.old.len() - last.before.end as usize).min(context);
        let old_end = last.before.end as usize + trail;
        let new_end = last.after.end as usize + trail;
        let old_len = old_end - old_start;
        let new_len = new_end - new_start;
        let start = |s: usize, len: usize| if len == 0 { s as u64 } else { s as u64 + 1 };
        write_hunk_header(
            w,
            start(old_start, old_len),
            old_len as u64,
            start(new_start, new_len),
            new_len as u64,
            b"",
        )?;
        let mut pos = old_start;
        for change in group {
            for line in &self.old[pos..change.before.start as usize] {
                emit(w, LineKind::Context, line)?;
            }
            for line in &self.old[change.before.start as usize..change.before.end as usize] {
                emit(w, LineKind::Remove, line)?;
            }
            for line in &self.new[change.after.start as usize..change.after.end as usize] {
                emit(w, LineKind::Add, line)?;
            }
            pos = change.before.end as usize;
        }
        for line in &self.old[pos..old_end] {
            emit(w, LineKind::Context, line)?;
        }
        Ok(())
    }
}

fn emit<W: Write + ?Sized>(w: &mut W, kind: LineKind, line: &[u8]) -> io::Result<()> {
    match line.strip_suffix(b"\n") {
        Some(text) => write_line(w, kind, text, false),
        None => write_line(w, kind, line, true),
    }
}

/// Writes a whole side as one hunk of added (or removed) lines: a created (deleted) file.
pub fn write_all_lines<W: Write + ?Sized>(
    w: &mut W,
    data: &[u8],
    kind: LineKind,
) -> io::Result<u64> {
    let lines = lines(data);
    let n = lines.len() as u64;
    if n == 0 {
        return Ok(0);
    }
    match kind {
        LineKind::Add => write_hunk_header(w, 0, 0, 1, n, b"")?,
        _ => write_hunk_header(w, 1, n, 0, 0, b"")?,
    }
    for line in lines {
        emit(w, kind, line)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udiff(old: &str, new: &str, ctx: usize) -> String {
        let d = TextDiff::new(old.as_bytes(), new.as_bytes()).unwrap();
        let mut out = Vec::new();
        d.write_hunks(&mut out, ctx).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("{i}\n")).collect()
    }

    /// `numbered(n)` with lines `at` replaced by `x`.
    fn edited(n: usize, at: &[usize]) -> String {
        (1..=n)
            .map(|i| {
                if at.contains(&i) {
                    "x\n".to_owned()
                } else {
                    format!("{i}\n")
                }
            })
            .collect()
    }

    #[test]
    fn one_change_in_the_middle() {
        let old = numbered(10);
        let new = old.replace("5\n", "five\n");
        assert_eq!(
            udiff(&old, &new, 3),
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn changes_whose_contexts_touch_share_a_hunk_and_others_do_not() {
        let old = numbered(20);
        // gap of 6 lines between changes at 3 and 10: merged with context 3
        let new = edited(20, &[3, 10]);
        assert_eq!(udiff(&old, &new, 3).matches("@@ -").count(), 1);
        // gap of 7 lines: two hunks
        let new = edited(20, &[3, 11]);
        let out = udiff(&old, &new, 3);
        assert_eq!(out.matches("@@ -").count(), 2, "{out}");
        assert!(out.starts_with("@@ -1,6 +1,6 @@\n"), "{out}");
        assert!(out.contains("@@ -8,7 +8,7 @@\n"), "{out}");
    }

    #[test]
    fn no_newline_markers_and_empty_ranges() {
        assert_eq!(
            udiff("a\nb", "a\nc", 3),
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            udiff("a\n", "a", 3),
            "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n"
        );
        assert_eq!(udiff("a\nb\n", "x\na\nb\n", 0), "@@ -0,0 +1 @@\n+x\n");
        assert_eq!(udiff("a\nb\nc\n", "a\nc\n", 0), "@@ -2 +1,0 @@\n-b\n");
        let mut out = Vec::new();
        assert_eq!(
            write_all_lines(&mut out, b"1\n2", LineKind::Remove).unwrap(),
            2
        );
        assert_eq!(
            out,
            b"@@ -1,2 +0,0 @@\n-1\n-2\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn equal_ends_are_trimmed_without_moving_the_hunks() {
        // Changes at the very first and last lines, a repeated line at the edge of the trimmed
        // part, and an insertion into a run of equal lines.
        let old = "x\na\na\na\nb\nz\n";
        assert_eq!(
            udiff(old, "y\na\na\na\nb\nz\n", 1),
            "@@ -1,2 +1,2 @@\n-x\n+y\n a\n"
        );
        assert_eq!(
            udiff(old, "x\na\na\na\nb\nw\n", 1),
            "@@ -5,2 +5,2 @@\n b\n-z\n+w\n"
        );
        let d = TextDiff::new(old.as_bytes(), b"x\na\na\na\na\nb\nz\n").unwrap();
        assert_eq!((d.added(), d.removed()), (1, 0));
        let big = numbered(100_000);
        let edited = big.replace("\n50000\n", "\nfifty thousand\n");
        assert_eq!(
            udiff(&big, &edited, 1),
            "@@ -49999,3 +49999,3 @@\n 49999\n-50000\n+fifty thousand\n 50001\n"
        );
    }

    #[test]
    fn counts() {
        let d = TextDiff::new(b"a\nb\nc\n", b"a\nB\nc\nd\n").unwrap();
        assert_eq!((d.added(), d.removed()), (2, 1));
        assert!(TextDiff::new(b"same", b"same").unwrap().is_empty());
    }
}
