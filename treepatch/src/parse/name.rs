//! File names in header lines: plain or C-quoted names, and the two names of `diff --git`.
//!
//! A name is C-quoted exactly when it starts with `"`, and then the quotes must cover the
//! whole field; an empty name (`""`) is no name. The `diff --git A B` line is the hard case:
//! git quotes only names with special bytes, not names with spaces, so unquoted names are split
//! where both halves name the same path after their first component. When that is ambiguous
//! (a rename whose names hold spaces) there is no split, and the `rename`/`---` lines give the
//! names instead. The writer runs the same split (and the prefix recovery) on its own
//! `diff --git` line, and quotes both names when they would not read back.

use super::ParseError;
use crate::quote::{QuoteError, unquote_prefix};

/// A name that is either C-quoted (the whole of `s`) or plain; never empty (`""` is no name).
pub(super) fn plain_or_quoted(s: &[u8], no: usize) -> Result<Vec<u8>, ParseError> {
    if s.first() == Some(&b'"') {
        let (name, used) =
            unquote_prefix(s).map_err(|source| ParseError::BadName { line: no, source })?;
        if used != s.len() {
            return Err(ParseError::BadName {
                line: no,
                source: QuoteError::Trailing,
            });
        }
        if name.is_empty() {
            return Err(ParseError::NoName { line: no });
        }
        Ok(name)
    } else if s.is_empty() {
        Err(ParseError::NoName { line: no })
    } else {
        Ok(s.to_vec())
    }
}

/// An old and a new path.
pub(crate) type NamePair = (Vec<u8>, Vec<u8>);

/// Splits the names of a `diff --git` line. Quoted names are read exactly; unquoted ones (which
/// may hold spaces) are split where both halves name the same path after their first
/// component, as git does. `None` when the split is ambiguous or impossible (a rename whose
/// names have spaces): the `rename`/`---` lines then give the names.
pub(crate) fn git_header_names(s: &[u8], no: usize) -> Result<Option<NamePair>, ParseError> {
    let bad = |source| ParseError::BadName { line: no, source };
    if s.first() == Some(&b'"') {
        let (a, used) = unquote_prefix(s).map_err(bad)?;
        if a.is_empty() {
            return Err(ParseError::NoName { line: no });
        }
        let rest = s[used..]
            .strip_prefix(b" ")
            .ok_or(ParseError::NoName { line: no })?;
        let b = plain_or_quoted(rest, no)?;
        return Ok(Some((a, b)));
    }
    if s.ends_with(b"\"")
        && let Some(q) = s.windows(2).position(|w| w == b" \"")
    {
        if q == 0 {
            return Err(ParseError::NoName { line: no });
        }
        let b = plain_or_quoted(&s[q + 1..], no)?;
        return Ok(Some((s[..q].to_vec(), b)));
    }
    let after_first =
        |p: &[u8]| -> Option<usize> { p.iter().position(|&b| b == b'/').map(|i| i + 1) };
    let mut found = None;
    for (i, _) in s.iter().enumerate().filter(|&(_, &b)| b == b' ') {
        let (a, b) = (&s[..i], &s[i + 1..]);
        let same = match (after_first(a), after_first(b)) {
            (Some(x), Some(y)) => a[x..] == b[y..],
            _ => a == b,
        };
        if same && !a.is_empty() {
            if found.is_some() {
                return Ok(None);
            }
            found = Some((a.to_vec(), b.to_vec()));
        }
    }
    if found.is_none() {
        // Different names without spaces in them (a rename): one space, one split.
        let spaces = s.iter().filter(|&&b| b == b' ').count();
        if spaces == 1
            && let Some(i) = s.iter().position(|&b| b == b' ')
            && i > 0
            && i + 1 < s.len()
        {
            found = Some((s[..i].to_vec(), s[i + 1..].to_vec()));
        }
    }
    Ok(found)
}

/// The `a/`, `b/` prefixes of a rename or copy, found by taking the un-prefixed `rename
/// from`/`to` names off the end of the header's names; git's defaults when that fails.
pub(crate) fn header_prefixes(
    header: Option<&NamePair>,
    from: Option<&[u8]>,
    to: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>) {
    let cut = |full: &[u8], tail: Option<&[u8]>| -> Option<Vec<u8>> {
        let tail = tail?;
        let p = full.strip_suffix(tail)?;
        (p.is_empty() || p.ends_with(b"/")).then(|| p.to_vec())
    };
    let (a, b) = match header {
        Some((a, b)) => (cut(a, from), cut(b, to)),
        None => (None, None),
    };
    // One side known gives the other's length when git's defaults were changed to no prefix.
    match (a, b) {
        (Some(pa), Some(pb)) => (pa, pb),
        (Some(pa), None) if pa.is_empty() => (pa, Vec::new()),
        (None, Some(pb)) if pb.is_empty() => (Vec::new(), pb),
        (pa, pb) => (
            pa.unwrap_or_else(|| b"a/".to_vec()),
            pb.unwrap_or_else(|| b"b/".to_vec()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::ParseError;
    use crate::parse::tests::err;

    #[test]
    fn git_header_names() {
        assert_eq!(
            super::git_header_names(b"a/x y b/x y", 1).unwrap(),
            Some((b"a/x y".to_vec(), b"b/x y".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/old b/new", 1).unwrap(),
            Some((b"a/old".to_vec(), b"b/new".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"\"a/\\303\" b/c", 1).unwrap(),
            Some((b"a/\xc3".to_vec(), b"b/c".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/x \"b/\\tq\"", 1).unwrap(),
            Some((b"a/x".to_vec(), b"b/\tq".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/o l d b/n e w", 1).unwrap(),
            None
        );
    }

    #[test]
    fn empty_quoted_names_are_no_names() {
        for p in [
            &b"# treediff: mkdir \"\" 755\n"[..],
            b"# treediff: rmdir \"\"\n",
            b"diff --git \"\" b/x\n",
            b"diff --git  \"b/x\"\n",
            b"diff --git a/x b/x\nrename from \"\"\n",
            // One space, at an end: the split leaves an empty name.
            b"diff --git a/x \n",
            b"diff --git  b/x\n",
        ] {
            assert!(matches!(err(p), ParseError::NoName { .. }), "{p:?}");
        }
    }
}
