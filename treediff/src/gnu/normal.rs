//! GNU diff's normal format (`diff`'s default): for each change, one command line naming the
//! old and new line ranges (`2c2`, `3a4,5`, `7,8d6`), the old lines as `< LINE`, a `---`
//! between old and new when both have lines, and the new lines as `> LINE`.
//!
//! Rules encoded here (from GNU diff 3.8's output):
//!
//! - `a` (add) names the old line the new lines go after (`0` at the top), `d` (delete) the
//!   new line the removed ones were after; a range of one line is one number, else `F,L`.
//! - Lines are written as [`Layout`] says (`-t`, `-T`, `--suppress-blank-empty`).

use std::io::{self, Write};
use std::ops::Range;

use super::layout::Layout;
use crate::hunk::TextDiff;

/// Writes every change of `d` in the normal format.
pub fn write<W: Write + ?Sized>(w: &mut W, d: &TextDiff<'_>, layout: &Layout) -> io::Result<()> {
    for (old, new) in d.hunks(0).into_iter().flat_map(|h| d.hunk_changes(h)) {
        let cmd = match (old.is_empty(), new.is_empty()) {
            (true, _) => b'a',
            (_, true) => b'd',
            _ => b'c',
        };
        let mut text = Vec::new();
        range(&mut text, &old)?;
        text.push(cmd);
        range(&mut text, &new)?;
        layout.numbers_line(w, &text, b"")?;
        for line in d.old_lines(old.start, old.end) {
            layout.write(w, b"< ", line)?;
        }
        if cmd == b'c' {
            w.write_all(b"---\n")?;
        }
        for line in d.new_lines(new.start, new.end) {
            layout.write(w, b"> ", line)?;
        }
    }
    Ok(())
}

/// A 0-based line range as 1-based `F,L`, `F`, or, when empty, the line before it.
fn range<W: Write + ?Sized>(w: &mut W, r: &Range<usize>) -> io::Result<()> {
    match r.len() {
        0 => write!(w, "{}", r.start),
        1 => write!(w, "{}", r.end),
        _ => write!(w, "{},{}", r.start + 1, r.end),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(old: &str, new: &str) -> String {
        let d = TextDiff::new(old.as_bytes(), new.as_bytes()).expect("diffable");
        let mut out = Vec::new();
        write(&mut out, &d, &Layout::default()).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn commands_name_ranges_as_gnu_does() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "x\n1\n2\n4\n5\nA\nB\n7\n8\n9\n10\ny\nz\n";
        assert_eq!(
            normal(old, new),
            "0a1\n> x\n3d3\n< 3\n6c6,7\n< 6\n---\n> A\n> B\n10a12,13\n> y\n> z\n"
        );
        assert_eq!(normal("a\nb\n", ""), "1,2d0\n< a\n< b\n");
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        assert_eq!(
            normal("a\nb", "a\nc"),
            "2c2\n< b\n\\ No newline at end of file\n---\n> c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            normal("a\nb\n", "a\nb"),
            "2c2\n< b\n---\n> b\n\\ No newline at end of file\n"
        );
    }
}
