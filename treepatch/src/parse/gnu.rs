//! GNU sections: a `--- NAME[\tTIMESTAMP]` line directly followed by `+++ NAME...`, then hunks.
//!
//! GNU diff has no operation lines: a created or deleted file shows only as an absent side,
//! spelled either `/dev/null` or, with `diff -N`, a timestamp at the Unix Epoch (`stamp` says
//! which timestamps count). A name runs up to the TAB before the timestamp (names may hold
//! spaces), or up to the spaces before something that reads as a timestamp or an svn suffix,
//! unless it is C-quoted. The same `---`/`+++` name rules serve git sections, whose names are
//! most precise there, and the `***`/`---` lines of context diffs.

use std::io::BufRead;

use super::{ParseError, Parser, stamp, trim_cr};
use crate::quote::unquote_prefix;
use crate::types::{FilePatch, Item, Operation};

impl<R: BufRead> Parser<R> {
    /// Reads a GNU `---`/`+++` section whose `---` line is `first`.
    pub(super) fn gnu_section(&mut self, first: &[u8], no: usize) -> Result<Item, ParseError> {
        let (second, no2) = self
            .next_line()?
            .ok_or(ParseError::MissingNewName { line: no })?;
        let mut fp = file_from_headers(&first[4..], no, &trim_cr(&second)[4..], no2)?;
        self.hunks(&mut fp)?;
        Ok(Item::File(fp))
    }
}

/// A file patch named by an old and a new header line (after their 4-byte markers, at lines
/// `no` and `no2`): an absent side makes it a creation or a deletion.
pub(super) fn file_from_headers(
    old: &[u8],
    no: usize,
    new: &[u8],
    no2: usize,
) -> Result<FilePatch, ParseError> {
    let (old, old_absent) = header_name(old, no)?;
    let (new, new_absent) = header_name(new, no2)?;
    let op = match (old_absent, new_absent) {
        (true, false) => Operation::Create,
        (false, true) => Operation::Delete,
        _ => Operation::Modify,
    };
    Ok(FilePatch {
        line: no,
        op,
        old_path: old,
        new_path: new,
        ..FilePatch::default()
    })
}

/// Reads the name of a `---`/`+++` line (after the 4-byte marker): `None` for `/dev/null`, and
/// whether the side is absent (`/dev/null` or an Epoch timestamp).
pub(super) fn header_name(s: &[u8], no: usize) -> Result<(Option<Vec<u8>>, bool), ParseError> {
    let s = trim_cr(s);
    let (name, rest) = if s.first() == Some(&b'"') {
        let (name, used) =
            unquote_prefix(s).map_err(|source| ParseError::BadName { line: no, source })?;
        (name, &s[used..])
    } else {
        let (name, rest) = stamp::split(s);
        (name.to_vec(), rest)
    };
    if name.is_empty() {
        return Err(ParseError::NoName { line: no });
    }
    if name == b"/dev/null" {
        return Ok((None, true));
    }
    Ok((Some(name), stamp::means_absent(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_all;
    use crate::parse::tests::files;

    /// `diff -ruN a b` (GNU diffutils 3.8) over the same pair.
    #[test]
    fn reads_gnu_diff_run_output() {
        let items = parse_all(include_bytes!("../../testdata/gnu-ruN.patch")).unwrap();
        assert!(
            matches!(&items[0], Item::Notice { text, line: 1 } if text.starts_with(b"Binary files a/bin"))
        );
        let f = files(&items);
        assert_eq!(f.len(), 6);
        assert!(f.iter().all(|f| !f.git));
        assert_eq!(f[0].op, Operation::Delete);
        assert_eq!(f[0].old_path.as_deref(), Some(&b"a/del.txt"[..]));
        assert_eq!(f[1].op, Operation::Modify);
        assert_eq!(f[2].op, Operation::Create);
        assert_eq!(f[3].op, Operation::Delete);
        assert_eq!(f[4].new_path.as_deref(), Some(&b"b/sp ace"[..]));
        assert_eq!(f[5].new_path.as_deref(), Some(&b"b/ta\tb"[..]));
        assert_eq!(f[5].op, Operation::Create);
        assert_eq!(f[5].line, 36);
        assert_eq!(f[5].hunks[0].line, 38);
    }
}
