//! GNU diff's scripts: `-e` (an ed script), `-f` (the same commands forward, not for ed) and
//! `-n` (RCS's format).
//!
//! Rules encoded here (from GNU diff 3.8, black-box):
//!
//! - `-e`: changes last to first, each `Na` (after old line N), `F,Lc` or `F,Ld` (`F` alone
//!   for one line), then the new lines and `.`. A new line that is a lone `.` is written
//!   `..`, and the text is closed there with `.` and `s/.//` (reopened with `a` if more
//!   lines follow; no `.` then ends a change whose last line was such a line).
//! - `-f`: changes first to last, `aN`, `cF L`, `dF L` (a space, not a comma), new lines as
//!   they are, then `.`.
//! - `-n`: changes first to last; `dF N` deletes N lines from old line F, `aL N` adds N lines
//!   after old line L (for a change: after its last deleted line), no terminator; a last line
//!   without a newline is written without one.
//! - ed has no incomplete lines: for `-e` and `-f` a last line without a newline is read as
//!   if it had one, and `TOOL: NAME: No newline at end of file` (and an empty line) is said
//!   on standard error, which makes the exit status 2 (see files.rs).

use std::io::{self, Write};
use std::ops::Range;

use super::layout::write_expanded;
use crate::hunk::TextDiff;

/// Which script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// `-e`.
    Ed,
    /// `-f`.
    ForwardEd,
    /// `-n`.
    Rcs,
}

/// Writes `d` as `script`; with `-t` (`tab`: the stops' distance) the lines' tabs expanded.
pub fn write<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    script: Script,
    tab: Option<usize>,
) -> io::Result<()> {
    let changes: Vec<(Range<usize>, Range<usize>)> = d
        .hunks(0)
        .into_iter()
        .flat_map(|h| d.hunk_changes(h))
        .collect();
    match script {
        Script::Ed => changes
            .iter()
            .rev()
            .try_for_each(|(o, n)| ed(w, d, (o, n), tab)),
        Script::ForwardEd => changes
            .iter()
            .try_for_each(|(o, n)| forward(w, d, (o, n), tab)),
        Script::Rcs => changes.iter().try_for_each(|(o, n)| rcs(w, d, (o, n), tab)),
    }
}

/// `F,L` (1-based, inclusive) or `F` for one line.
fn range(r: &Range<usize>) -> String {
    if r.len() <= 1 {
        format!("{}", r.start + 1)
    } else {
        format!("{},{}", r.start + 1, r.end)
    }
}

/// `a`, `c` or `d`, and the old lines it names.
fn command(old: &Range<usize>, new: &Range<usize>) -> (char, String) {
    match (old.is_empty(), new.is_empty()) {
        (true, _) => ('a', old.start.to_string()),
        (_, true) => ('d', range(old)),
        _ => ('c', range(old)),
    }
}

fn ed<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    (old, new): (&Range<usize>, &Range<usize>),
    tab: Option<usize>,
) -> io::Result<()> {
    let (cmd, lines) = command(old, new);
    writeln!(w, "{lines}{cmd}")?;
    if cmd == 'd' {
        return Ok(());
    }
    // Whether text is being appended (closed after a `.` line, until the next line).
    let mut open = true;
    for line in d.new_lines(new.start, new.end) {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        if !open {
            w.write_all(b"a\n")?;
        }
        if text == b"." {
            w.write_all(b"..\n.\ns/.//\n")?;
            open = false;
        } else {
            write_expanded(w, text, tab)?;
            w.write_all(b"\n")?;
            open = true;
        }
    }
    if open {
        w.write_all(b".\n")?;
    }
    Ok(())
}

fn forward<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    (old, new): (&Range<usize>, &Range<usize>),
    tab: Option<usize>,
) -> io::Result<()> {
    let (cmd, lines) = command(old, new);
    writeln!(w, "{cmd}{}", lines.replace(',', " "))?;
    if cmd == 'd' {
        return Ok(());
    }
    for line in d.new_lines(new.start, new.end) {
        write_expanded(w, line.strip_suffix(b"\n").unwrap_or(line), tab)?;
        w.write_all(b"\n")?;
    }
    w.write_all(b".\n")
}

fn rcs<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    (old, new): (&Range<usize>, &Range<usize>),
    tab: Option<usize>,
) -> io::Result<()> {
    if !old.is_empty() {
        writeln!(w, "d{} {}", old.start + 1, old.len())?;
    }
    if !new.is_empty() {
        writeln!(w, "a{} {}", old.end, new.len())?;
        for line in d.new_lines(new.start, new.end) {
            write_expanded(w, line, tab)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(old: &str, new: &str, s: Script) -> String {
        let d = TextDiff::new(old.as_bytes(), new.as_bytes()).expect("diffable");
        let mut out = Vec::new();
        write(&mut out, &d, s, None).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn scripts_as_gnu_writes_them() {
        let (old, new) = ("1\n2\n3\n4\n5\n6\n", "0\n1\n.\n3\nfour\n5\n6\n7\n8\n");
        assert_eq!(
            script(old, new, Script::Ed),
            "6a\n7\n8\n.\n4c\nfour\n.\n2c\n..\n.\ns/.//\n0a\n0\n.\n"
        );
        assert_eq!(
            script(old, new, Script::ForwardEd),
            "a0\n0\n.\nc2\n.\n.\nc4\nfour\n.\na6\n7\n8\n.\n"
        );
        assert_eq!(
            script(old, new, Script::Rcs),
            "a0 1\n0\nd2 1\na2 1\n.\nd4 1\na4 1\nfour\na6 2\n7\n8\n"
        );
    }
}
