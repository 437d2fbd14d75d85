//! `.rej` files: the hunks that did not apply, as a unified diff GNU patch would write.
//!
//! The header repeats the file's `---`/`+++` names; each failed hunk keeps its lines, with its
//! line numbers moved by what the hunks before it that did apply added or removed (GNU patch
//! numbers rejects against the patched file the same way).

use treepatch::quote::quote_git;
use treepatch::{Hunk, LineKind};

/// The `---`/`+++` lines of a reject file naming `old_name` and `new_name`.
pub fn header(old_name: &[u8], new_name: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"--- ");
    out.extend_from_slice(&quote_git(old_name));
    out.extend_from_slice(b"\n+++ ");
    out.extend_from_slice(&quote_git(new_name));
    out.push(b'\n');
    out
}

/// Formats the reject file for the failed hunks of one file under `header`. `failed` pairs
/// each hunk with the line shift to report it at.
pub fn format(header: Vec<u8>, failed: &[(&Hunk, i64)]) -> Vec<u8> {
    let mut out = header;
    for (h, shift) in failed {
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
            out.extend_from_slice(&l.text);
            out.push(b'\n');
            if l.no_newline {
                out.extend_from_slice(b"\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use treepatch::Line;

    #[test]
    fn shifts_line_numbers() {
        let h = Hunk {
            old_start: 27,
            old_len: 2,
            new_start: 29,
            new_len: 2,
            section: Vec::new(),
            lines: vec![
                Line {
                    kind: LineKind::Context,
                    text: b"a".to_vec(),
                    no_newline: false,
                },
                Line {
                    kind: LineKind::Remove,
                    text: b"b".to_vec(),
                    no_newline: true,
                },
                Line {
                    kind: LineKind::Add,
                    text: b"c".to_vec(),
                    no_newline: true,
                },
            ],
            line: 0,
        };
        let r = format(header(b"a/f", b"b/f"), &[(&h, 2)]);
        assert_eq!(
            r,
            b"--- a/f\n+++ b/f\n@@ -29,2 +31,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
    }
}
