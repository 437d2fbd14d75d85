//! GNU diff's context format (`-c`, `-C N`): hunks of changes with N lines around them, each
//! hunk as `***************`, the old range `*** F,L ****` and its lines, then the new range
//! `--- F,L ----` and its lines.
//!
//! Rules encoded here (from GNU diff 3.8's output):
//!
//! - Changes whose gap is at most `2 * N` lines share a hunk, as in the unified format (and
//!   ignorable changes as `TextDiff::hunks` says).
//! - The old side's lines come from the old file, the new side's from the new one (they
//!   differ in unchanged lines when `-b`, `-i` and the like compare lines loosely).
//! - Lines are `  ` (context), `- ` (removed), `+ ` (added), or `! ` for both sides of a
//!   change that removes and adds lines.
//! - A side's lines are left out when the hunk changes nothing on that side (only its range
//!   line is written).
//! - A range `F,L` is 1-based and inclusive; one line is written `L`, and an empty range as
//!   the line before it (`0` at the top).

use std::io::{self, Write};
use std::ops::Range;

use super::function::Headings;
use super::layout::{Layout, Paint};
use crate::hunk::TextDiff;

type Change = (Range<usize>, Range<usize>);

/// Writes every hunk of `d` with `context` lines of context (the headers are the caller's).
pub fn write<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    context: usize,
    headings: &mut Headings<'_>,
    layout: &Layout,
) -> io::Result<()> {
    for h in d.hunks(context) {
        let changes: Vec<Change> = d.hunk_changes(h).collect();
        let first = changes.first().map_or(0, |c| c.0.start);
        w.write_all(b"***************")?;
        let heading = headings.before(d, first.saturating_sub(context));
        if !heading.is_empty() {
            w.write_all(b" ")?;
            w.write_all(heading)?;
        }
        w.write_all(b"\n")?;
        hunk(w, d, &changes, context, layout)?;
    }
    Ok(())
}

/// `*** F,L ****`-style range of the 0-based `r` (`pad` is `****` or `----`).
fn range<W: Write + ?Sized>(
    w: &mut W,
    layout: &Layout,
    lead: &str,
    r: Range<usize>,
    pad: &str,
) -> io::Result<()> {
    let text = if r.end <= r.start + 1 {
        format!("{lead} {} {pad}", r.end)
    } else {
        format!("{lead} {},{} {pad}", r.start + 1, r.end)
    };
    layout.numbers_line(w, text.as_bytes(), b"")
}

fn hunk<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    group: &[Change],
    context: usize,
    layout: &Layout,
) -> io::Result<()> {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return Ok(());
    };
    let lead = first.0.start.min(context);
    let trail = (d.old_len() - last.0.end).min(context);
    let old = first.0.start - lead..last.0.end + trail;
    let new = first.1.start - lead..last.1.end + trail;
    range(w, layout, "***", old.clone(), "****")?;
    if group.iter().any(|c| !c.0.is_empty()) {
        let mut pos = old.start;
        for (o, n) in group {
            for line in d.old_lines(pos, o.start) {
                layout.write_painted(w, b"  ", line, Paint::Deleted)?;
            }
            let mark: &[u8] = if n.is_empty() { b"- " } else { b"! " };
            for line in d.old_lines(o.start, o.end) {
                layout.write_painted(w, mark, line, Paint::Deleted)?;
            }
            pos = o.end;
        }
        for line in d.old_lines(pos, old.end) {
            layout.write_painted(w, b"  ", line, Paint::Deleted)?;
        }
    }
    range(w, layout, "---", new.clone(), "----")?;
    if group.iter().any(|c| !c.1.is_empty()) {
        // The new side's own lines: with `-b` and the like, its unchanged lines may differ
        // from the old side's.
        let mut pos = new.start;
        for (o, n) in group {
            for line in d.new_lines_any(pos, n.start) {
                layout.write_painted(w, b"  ", line, Paint::Added)?;
            }
            let mark: &[u8] = if o.is_empty() { b"+ " } else { b"! " };
            for line in d.new_lines(n.start, n.end) {
                layout.write_painted(w, mark, line, Paint::Added)?;
            }
            pos = n.end;
        }
        for line in d.new_lines_any(pos, new.end) {
            layout.write_painted(w, b"  ", line, Paint::Added)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(old: &str, new: &str, n: usize) -> String {
        let d = TextDiff::new(old.as_bytes(), new.as_bytes()).expect("diffable");
        let mut out = Vec::new();
        write(&mut out, &d, n, &mut Headings::new(&[]), &Layout::default())
            .expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    const OLD: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
    const NEW: &str = "x\n1\n2\n4\n5\nA\nB\n7\n8\n9\n10\ny\nz\n";

    #[test]
    fn hunks_without_context_show_only_the_changed_side() {
        assert_eq!(
            context(OLD, NEW, 0),
            "***************\n*** 0 ****\n--- 1 ----\n+ x\n\
             ***************\n*** 3 ****\n- 3\n--- 3 ----\n\
             ***************\n*** 6 ****\n! 6\n--- 6,7 ----\n! A\n! B\n\
             ***************\n*** 10 ****\n--- 12,13 ----\n+ y\n+ z\n"
        );
    }

    #[test]
    fn changes_share_a_hunk_when_their_contexts_meet() {
        assert_eq!(
            context(OLD, NEW, 1),
            "***************\n*** 1,7 ****\n  1\n  2\n- 3\n  4\n  5\n! 6\n  7\n\
             --- 1,8 ----\n+ x\n  1\n  2\n  4\n  5\n! A\n! B\n  7\n\
             ***************\n*** 10 ****\n--- 11,13 ----\n  10\n+ y\n+ z\n"
        );
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            context("a\nb", "a\nc", 3),
            "***************\n*** 1,2 ****\n  a\n! b\n\\ No newline at end of file\n\
             --- 1,2 ----\n  a\n! c\n\\ No newline at end of file\n"
        );
    }
}
