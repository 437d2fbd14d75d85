//! `.rej` files: the hunks that did not apply, as GNU patch writes them, in unified (the
//! default) or context format (`--reject-format=context`).
//!
//! Each failed hunk keeps its lines, with its line numbers on both sides moved by what the
//! hunks before it that did apply added or removed (GNU patch numbers rejects against the
//! patched file the same way). The context format, learnt black-box from GNU patch 2.7.6:
//! `***************`, then `*** A,B ****` and the old side, then `--- C,D ----` and the new
//! side (a range of one line is `A`, an empty one `0`); both sides are written whenever they
//! hold lines; a line of a change that both removes and adds is marked `! `, otherwise `- ` or
//! `+ `, and context `  `.

use treepatch::quote::quote_git;
use treepatch::{Hunk, Line, LineKind};

use crate::gnu::RejectFormat;

/// The two header lines of a reject file naming `old_name` and `new_name`, each followed by
/// its `tail` (a timestamp), in `format`'s tags (`---`/`+++` or `***`/`---`).
pub fn header(format: RejectFormat, old: (&[u8], &[u8]), new: (&[u8], &[u8])) -> Vec<u8> {
    let (a, b): (&[u8], &[u8]) = match format {
        RejectFormat::Unified => (b"--- ", b"+++ "),
        RejectFormat::Context => (b"*** ", b"--- "),
    };
    [a, old.0, old.1, b"\n", b, new.0, new.1, b"\n"].concat()
}

/// A name as the header of applypatch's own reject files shows it (C-quoted as git does).
pub fn quoted(name: &[u8]) -> Vec<u8> {
    quote_git(name).into_owned()
}

/// How a line without a newline is written in a reject file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eof {
    /// Followed by `\ No newline at end of file` (applypatch's own rejects, readable again).
    Marked,
    /// As GNU patch 2.7.6 writes it: the text alone, without a newline or the marker (the
    /// next line of the reject file follows on the same line).
    Bare,
}

/// Formats the reject file for the failed hunks of one file under `header`. `failed` pairs
/// each hunk with the line shift to report it at.
pub fn format(format: RejectFormat, header: Vec<u8>, failed: &[(&Hunk, i64)], eof: Eof) -> Vec<u8> {
    let mut out = header;
    for (h, shift) in failed {
        match format {
            RejectFormat::Unified => unified(&mut out, h, *shift, eof),
            RejectFormat::Context => context(&mut out, h, *shift, eof),
        }
    }
    out
}

/// Formats the reject file of a normal diff's failed hunks as GNU patch 2.7.6 writes it in
/// context format (learnt black-box): `***************`, `*** A,B` and the removed lines
/// marked `- `, then `--- C,D -----` and the added lines marked `+ ` (never `! `).
pub fn format_normal(header: Vec<u8>, failed: &[(&Hunk, i64)], eof: Eof) -> Vec<u8> {
    let mut out = header;
    for (h, shift) in failed {
        let range = |start: u64, len: u64| context_range(start, len, *shift);
        out.extend_from_slice(b"***************\n");
        out.extend_from_slice(format!("*** {}\n", range(h.old_start, h.old_len)).as_bytes());
        let side = |out: &mut Vec<u8>, kind: LineKind, mark: &[u8]| {
            for l in h.lines.iter().filter(|l| l.kind == kind) {
                out.extend_from_slice(mark);
                line_text(out, l, eof);
            }
        };
        side(&mut out, LineKind::Remove, b"- ");
        out.extend_from_slice(format!("--- {} -----\n", range(h.new_start, h.new_len)).as_bytes());
        side(&mut out, LineKind::Add, b"+ ");
    }
    out
}

/// A context format range: `A,B`, `A` for one line, `0` for none.
fn context_range(start: u64, len: u64, shift: i64) -> String {
    let s = (start as i64 + shift).max(0);
    match len {
        0 => "0".to_string(),
        1 => format!("{s}"),
        n => format!("{s},{}", s + n as i64 - 1),
    }
}

fn unified(out: &mut Vec<u8>, h: &Hunk, shift: i64, eof: Eof) {
    let range = |start: u64, len: u64| -> String {
        let s = (start as i64 + shift).max(0);
        if len == 1 {
            format!("{s}")
        } else {
            format!("{s},{len}")
        }
    };
    out.extend_from_slice(
        format!(
            "@@ -{} +{} @@",
            range(h.old_start, h.old_len),
            range(h.new_start, h.new_len)
        )
        .as_bytes(),
    );
    if !h.section.is_empty() {
        out.push(b' ');
        out.extend_from_slice(&h.section);
    }
    out.push(b'\n');
    for l in &h.lines {
        out.push(match l.kind {
            LineKind::Context => b' ',
            LineKind::Remove => b'-',
            LineKind::Add => b'+',
        });
        line_text(out, l, eof);
    }
}

fn line_text(out: &mut Vec<u8>, l: &Line, eof: Eof) {
    out.extend_from_slice(&l.text);
    match (l.no_newline, eof) {
        (false, _) => out.push(b'\n'),
        (true, Eof::Marked) => out.extend_from_slice(b"\n\\ No newline at end of file\n"),
        (true, Eof::Bare) => {}
    }
}

fn context(out: &mut Vec<u8>, h: &Hunk, shift: i64, eof: Eof) {
    let range = |start: u64, len: u64| context_range(start, len, shift);
    out.extend_from_slice(b"***************\n");
    // Each line's mark: a change (a run between context lines) that both removes and adds
    // marks its lines `!`.
    let mut marks = Vec::with_capacity(h.lines.len());
    let mut i = 0;
    while i < h.lines.len() {
        if h.lines[i].kind == LineKind::Context {
            marks.push(b' ');
            i += 1;
            continue;
        }
        let end = (i..h.lines.len())
            .find(|&j| h.lines[j].kind == LineKind::Context)
            .unwrap_or(h.lines.len());
        let run = &h.lines[i..end];
        let both = run.iter().any(|l| l.kind == LineKind::Add)
            && run.iter().any(|l| l.kind == LineKind::Remove);
        for l in run {
            marks.push(match (both, l.kind) {
                (true, _) => b'!',
                (false, LineKind::Add) => b'+',
                _ => b'-',
            });
        }
        i = end;
    }
    let side = |out: &mut Vec<u8>, skip: LineKind| {
        for (l, m) in h.lines.iter().zip(&marks) {
            if l.kind != skip {
                out.extend_from_slice(&[*m, b' ']);
                line_text(out, l, eof);
            }
        }
    };
    out.extend_from_slice(format!("*** {} ****\n", range(h.old_start, h.old_len)).as_bytes());
    side(out, LineKind::Add);
    out.extend_from_slice(format!("--- {} ----\n", range(h.new_start, h.new_len)).as_bytes());
    side(out, LineKind::Remove);
}

#[cfg(test)]
mod tests {
    use super::*;
    use treepatch::Line;

    fn line(kind: LineKind, text: &str, no_newline: bool) -> Line {
        Line {
            kind,
            text: text.as_bytes().to_vec(),
            no_newline,
        }
    }

    fn hunk() -> Hunk {
        Hunk {
            old_start: 27,
            old_len: 2,
            new_start: 29,
            new_len: 2,
            section: Vec::new(),
            lines: vec![
                line(LineKind::Context, "a", false),
                line(LineKind::Remove, "b", true),
                line(LineKind::Add, "c", true),
            ],
            line: 0,
        }
    }

    #[test]
    fn shifts_line_numbers() {
        let h = hunk();
        let head = header(RejectFormat::Unified, (b"a/f", b""), (b"b/f", b"\tT"));
        let r = format(RejectFormat::Unified, head, &[(&h, 2)], Eof::Marked);
        assert_eq!(
            r,
            b"--- a/f\n+++ b/f\tT\n@@ -29,2 +31,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn context_rejects_mark_changes_as_gnu_does() {
        let h = hunk();
        let head = header(RejectFormat::Context, (b"f", b""), (b"f", b""));
        let r = format(RejectFormat::Context, head, &[(&h, 0)], Eof::Marked);
        assert_eq!(
            String::from_utf8_lossy(&r),
            "*** f\n--- f\n***************\n*** 27,28 ****\n  a\n! b\n\\ No newline at end of file\n--- 29,30 ----\n  a\n! c\n\\ No newline at end of file\n"
        );
    }
}
