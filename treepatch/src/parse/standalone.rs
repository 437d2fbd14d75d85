//! Lines outside any section that are items by themselves.
//!
//! GNU diff announces some changes without carrying them: `Only in`, `Binary files ...
//! differ`, `Symbolic links ... differ`, `Files ... differ` and `File X is a ... while file Y
//! is a ...`. They become [`Item::Notice`] so the applier can report the loss instead of hiding
//! it among the garbage it skips. `treediff` carries empty directories in lines of its own,
//! `# treediff: mkdir PATH MODE` and `# treediff: rmdir PATH`, which become [`Item::Mkdir`] and
//! [`Item::Rmdir`]; the mode is the last word, so the path may hold spaces unquoted.

use super::ParseError;
use super::git::parse_mode;
use super::name::plain_or_quoted;
use crate::types::Item;

/// True for the lines GNU diff writes for a change it does not carry.
pub(super) fn is_notice(l: &[u8]) -> bool {
    let ends = |s: &[u8]| l.ends_with(s);
    l.starts_with(b"Only in ") && l.windows(2).any(|w| w == b": ")
        || l.starts_with(b"Binary files ") && ends(b" differ")
        || l.starts_with(b"Symbolic links ") && ends(b" differ")
        || l.starts_with(b"Files ") && ends(b" differ")
        || l.starts_with(b"File ") && l.windows(12).any(|w| w == b" while file ")
}

/// Parses `# treediff: mkdir PATH MODE` and `# treediff: rmdir PATH`.
pub(super) fn extension_line(l: &[u8], no: usize) -> Result<Option<Item>, ParseError> {
    let Some(rest) = l.strip_prefix(b"# treediff: ") else {
        return Ok(None);
    };
    if let Some(arg) = rest.strip_prefix(b"mkdir ") {
        let Some(sp) = arg.iter().rposition(|&b| b == b' ') else {
            return Err(ParseError::NoName { line: no });
        };
        let path = plain_or_quoted(&arg[..sp], no)?;
        let mode = parse_mode(&arg[sp + 1..], no)?;
        return Ok(Some(Item::Mkdir {
            path,
            mode,
            line: no,
        }));
    }
    if let Some(arg) = rest.strip_prefix(b"rmdir ") {
        let path = plain_or_quoted(arg, no)?;
        return Ok(Some(Item::Rmdir { path, line: no }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_all;

    #[test]
    fn extension_lines_and_notices() {
        let p = b"# treediff: mkdir b/d 755\n# treediff: mkdir \"b/sp ace\\t\" 0700\n\
# treediff: rmdir a/old dir\nOnly in a: x\nFile a/p is a fifo while file b/p is a regular file\n\
Symbolic links a/l and b/l differ\n";
        let items = parse_all(p).unwrap();
        assert_eq!(
            items[0],
            Item::Mkdir {
                path: b"b/d".to_vec(),
                mode: 0o755,
                line: 1
            }
        );
        assert_eq!(
            items[1],
            Item::Mkdir {
                path: b"b/sp ace\t".to_vec(),
                mode: 0o700,
                line: 2
            }
        );
        assert_eq!(
            items[2],
            Item::Rmdir {
                path: b"a/old dir".to_vec(),
                line: 3
            }
        );
        assert!(items[3..].iter().all(|i| matches!(i, Item::Notice { .. })));
        assert_eq!(items.len(), 6);
    }
}
