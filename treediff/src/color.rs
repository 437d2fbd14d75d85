//! `--color`: ANSI colors on a rendered patch, git's palette: headers bold, `@@` lines cyan,
//! removed lines red, added lines green. Hunk bodies are recognised by counting the lines the
//! `@@` header announces, so a removed line that reads `-- x` is never taken for a header.

use std::io::{self, Write};

use crate::Format;

const BOLD: &[u8] = b"\x1b[1m";
const CYAN: &[u8] = b"\x1b[36m";
const RED: &[u8] = b"\x1b[31m";
const GREEN: &[u8] = b"\x1b[32m";
const RESET: &[u8] = b"\x1b[m";

/// Parses `@@ -S[,L] +S[,L] @@` into the two lengths.
fn hunk_lengths(line: &[u8]) -> Option<(u64, u64)> {
    let rest = line.strip_prefix(b"@@ -")?;
    let end = rest.windows(3).position(|w| w == b" @@")?;
    let ranges = std::str::from_utf8(&rest[..end]).ok()?;
    let (old, new) = ranges.split_once(" +")?;
    let len = |r: &str| -> Option<u64> {
        match r.split_once(',') {
            Some((_, l)) => l.parse().ok(),
            None => Some(1),
        }
    };
    Some((len(old)?, len(new)?))
}

/// Writes `patch` to `w` with colors.
pub fn paint<W: Write + ?Sized>(patch: &[u8], _format: Format, w: &mut W) -> io::Result<()> {
    let (mut old_left, mut new_left) = (0u64, 0u64);
    let mut binary = false;
    for line in patch.split_inclusive(|&b| b == b'\n') {
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if body.starts_with(b"diff ") {
            binary = false;
        }
        if binary {
            w.write_all(line)?;
            continue;
        }
        binary = body == b"GIT binary patch";
        let in_hunk = old_left > 0 || new_left > 0;
        let color: Option<&[u8]> = if in_hunk {
            match body.first() {
                Some(b'-') => {
                    old_left = old_left.saturating_sub(1);
                    Some(RED)
                }
                Some(b'+') => {
                    new_left = new_left.saturating_sub(1);
                    Some(GREEN)
                }
                Some(b' ') => {
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                    None
                }
                _ => None,
            }
        } else if let Some((o, n)) = hunk_lengths(body) {
            old_left = o;
            new_left = n;
            Some(CYAN)
        } else if body.starts_with(b"\\ ")
            || body.starts_with(b"literal ")
            || body.starts_with(b"delta ")
        {
            None
        } else if body
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || *b == b'-' || *b == b'+' || *b == b'#')
        {
            Some(BOLD)
        } else {
            None
        };
        match color {
            Some(c) if !body.is_empty() => {
                w.write_all(c)?;
                w.write_all(body)?;
                w.write_all(RESET)?;
                w.write_all(&line[body.len()..])?;
            }
            _ => w.write_all(line)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_line_that_looks_like_a_header_is_red() {
        let patch = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n--- x\n+y\n";
        let mut out = Vec::new();
        paint(patch, Format::Git, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\x1b[1m--- a/x\x1b[m\n"), "{s:?}");
        assert!(s.contains("\x1b[36m@@ -1 +1 @@\x1b[m\n"), "{s:?}");
        assert!(s.contains("\x1b[31m--- x\x1b[m\n"), "{s:?}");
        assert!(s.contains("\x1b[32m+y\x1b[m\n"), "{s:?}");
    }
}
