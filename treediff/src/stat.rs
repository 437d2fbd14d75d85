//! `--stat`: a git-style diffstat. One line per changed path, ` NAME | COUNT +++---`, the
//! bar scaled to fit 80 columns, binary files as `Bin OLD -> NEW bytes`, then the summary
//! ` N files changed, I insertions(+), D deletions(-)`.

use std::io::{self, Write};

use treepatch::quote::quote_git;

use crate::render::StatLine;

const WIDTH: usize = 80;

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the stat lines and the summary (nothing when `lines` is empty).
pub fn write<W: Write + ?Sized>(w: &mut W, lines: &[StatLine], color: bool) -> io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let names: Vec<Vec<u8>> = lines
        .iter()
        .map(|l| quote_git(&l.name).into_owned())
        .collect();
    let name_width = names.iter().map(Vec::len).max().unwrap_or(0);
    let max_change = lines.iter().map(|l| l.added + l.removed).max().unwrap_or(0);
    let num_width = lines
        .iter()
        .map(|l| {
            if l.binary.is_some() {
                3
            } else {
                (l.added + l.removed).to_string().len()
            }
        })
        .max()
        .unwrap_or(1);
    let graph = WIDTH.saturating_sub(name_width + num_width + 4).max(6) as u64;
    let scale = |n: u64| -> u64 {
        if max_change <= graph || n == 0 {
            n
        } else {
            (n * graph / max_change).max(1)
        }
    };
    let (mut ins, mut del) = (0, 0);
    for (l, name) in lines.iter().zip(&names) {
        w.write_all(b" ")?;
        w.write_all(name)?;
        write!(w, "{:pad$} | ", "", pad = name_width - name.len())?;
        if let Some((a, b)) = l.binary {
            writeln!(w, "Bin {a} -> {b} bytes")?;
            continue;
        }
        ins += l.added;
        del += l.removed;
        write!(w, "{:>num_width$}", l.added + l.removed)?;
        let (p, m) = (scale(l.added), scale(l.removed));
        if p + m > 0 {
            w.write_all(b" ")?;
        }
        let (g, r, off) = if color {
            ("\x1b[32m", "\x1b[31m", "\x1b[m")
        } else {
            ("", "", "")
        };
        if p > 0 {
            write!(w, "{g}{}{off}", "+".repeat(p as usize))?;
        }
        if m > 0 {
            write!(w, "{r}{}{off}", "-".repeat(m as usize))?;
        }
        w.write_all(b"\n")?;
    }
    let mut summary = format!(" {} changed", plural(lines.len() as u64, "file", "files"));
    if ins > 0 || del == 0 {
        summary += &format!(", {}", plural(ins, "insertion(+)", "insertions(+)"));
    }
    if del > 0 || ins == 0 {
        summary += &format!(", {}", plural(del, "deletion(-)", "deletions(-)"));
    }
    writeln!(w, "{summary}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_and_summary() {
        let lines = vec![
            StatLine {
                name: b"a.c".to_vec(),
                added: 3,
                removed: 1,
                binary: None,
            },
            StatLine {
                name: b"img.png".to_vec(),
                added: 0,
                removed: 0,
                binary: Some((0, 8)),
            },
            StatLine {
                name: b"sub/x".to_vec(),
                added: 1,
                removed: 0,
                binary: None,
            },
        ];
        let mut out = Vec::new();
        write(&mut out, &lines, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            " a.c     |   4 +++-\n img.png | Bin 0 -> 8 bytes\n sub/x   |   1 +\n 3 files changed, 4 insertions(+), 1 deletion(-)\n"
        );
    }

    #[test]
    fn big_changes_are_scaled_to_the_width() {
        let lines = vec![StatLine {
            name: b"f".to_vec(),
            added: 1000,
            removed: 1000,
            binary: None,
        }];
        let mut out = Vec::new();
        write(&mut out, &lines, false).unwrap();
        let first = out.split(|&b| b == b'\n').next().unwrap().len();
        assert!(first <= 80, "{first}");
    }
}
