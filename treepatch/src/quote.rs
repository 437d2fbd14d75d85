//! C-style quoting of path names, as git and GNU diff write them and GNU patch reads them.
//!
//! Two writers, one reader:
//!
//! - **git** (`core.quotePath=true`, the default) wraps a name in double quotes when it holds a
//!   control byte (< 0x20 or 0x7f), `"`, `\`, or any byte >= 0x80. Inside the quotes `\a \b \t
//!   \n \v \f \r \" \\` are used where they exist and every other such byte is `\ooo` octal.
//!   A space does not trigger quoting (git then ends `---`/`+++` lines with a TAB instead).
//! - **GNU diff 3.8** quotes the same way but also when the name holds a space, and it leaves
//!   0x7f bare (checked black-box: `"a/sp ace"`, `"a/esc\033"`, `a/del<7f>`).
//! - **The reader** ([`unquote`]) accepts either, plus the remaining C escapes GNU patch reads
//!   (`\?`, `\'`, `\e`), and rejects anything it cannot read exactly: an unknown escape, an
//!   octal value above `\377`, a missing closing quote, or a NUL byte.

use std::borrow::Cow;

/// Why a quoted name could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// The text does not start with `"`.
    #[error("quoted name does not start with '\"'")]
    NotQuoted,
    /// The closing `"` is missing.
    #[error("quoted name has no closing '\"'")]
    Unterminated,
    /// A `\` is followed by something that is not a known escape.
    #[error("unknown escape '\\{}' in quoted name", char::from(*.0))]
    BadEscape(u8),
    /// An octal escape is above `\377`.
    #[error("octal escape out of range in quoted name")]
    OctalRange,
    /// The name contains a NUL byte (raw or as `\000`), which no path can hold.
    #[error("NUL byte in quoted name")]
    Nul,
    /// Bytes follow the closing quote.
    #[error("unexpected text after the closing '\"'")]
    Trailing,
}

/// True when git (`core.quotePath=true`) would quote a name holding this byte.
fn git_needs_quote(b: u8) -> bool {
    b < 0x20 || b == 0x7f || b == b'"' || b == b'\\' || b >= 0x80
}

/// True when GNU diff 3.8 would quote a name holding this byte.
fn gnu_needs_quote(b: u8) -> bool {
    b <= b' ' || b == b'"' || b == b'\\' || b >= 0x80
}

/// Quotes `name` exactly as git does with `core.quotePath=true`; borrows when no quoting is
/// needed.
pub fn quote_git(name: &[u8]) -> Cow<'_, [u8]> {
    quote_with(name, git_needs_quote)
}

/// Quotes `name` git-style even when git would leave it bare: for a `diff --git` line whose
/// bare names could be split in more than one place (names with spaces that look like ` b/`).
/// git and GNU patch both read a quoted name whatever it holds.
pub fn quote_git_always(name: &[u8]) -> Vec<u8> {
    match quote_git(name) {
        Cow::Owned(q) => q,
        Cow::Borrowed(n) => [&b"\""[..], n, b"\""].concat(),
    }
}

/// Quotes `name` exactly as GNU diff 3.8 does in `diff -r` lines and `---`/`+++` headers;
/// borrows when no quoting is needed.
pub fn quote_gnu(name: &[u8]) -> Cow<'_, [u8]> {
    quote_with(name, gnu_needs_quote)
}

fn quote_with(name: &[u8], needs: fn(u8) -> bool) -> Cow<'_, [u8]> {
    if !name.iter().any(|&b| needs(b)) {
        return Cow::Borrowed(name);
    }
    let mut out = Vec::with_capacity(name.len() + 8);
    out.push(b'"');
    for &b in name {
        let esc = match b {
            0x07 => Some(b'a'),
            0x08 => Some(b'b'),
            b'\t' => Some(b't'),
            b'\n' => Some(b'n'),
            0x0b => Some(b'v'),
            0x0c => Some(b'f'),
            b'\r' => Some(b'r'),
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(e) = esc {
            out.extend_from_slice(&[b'\\', e]);
        } else if b == b' ' || !needs(b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ]);
        }
    }
    out.push(b'"');
    Cow::Owned(out)
}

/// Reads a whole C-quoted name (`"..."`, nothing after the closing quote).
pub fn unquote(s: &[u8]) -> Result<Vec<u8>, QuoteError> {
    let (name, used) = unquote_prefix(s)?;
    if used != s.len() {
        return Err(QuoteError::Trailing);
    }
    Ok(name)
}

/// Reads a C-quoted name at the start of `s` and returns it with the number of bytes consumed
/// (closing quote included), so a caller can go on reading what follows (`"a/x" "b/y"`).
pub fn unquote_prefix(s: &[u8]) -> Result<(Vec<u8>, usize), QuoteError> {
    if s.first() != Some(&b'"') {
        return Err(QuoteError::NotQuoted);
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 1;
    loop {
        let Some(&b) = s.get(i) else {
            return Err(QuoteError::Unterminated);
        };
        i += 1;
        match b {
            b'"' => return Ok((out, i)),
            0 => return Err(QuoteError::Nul),
            b'\\' => {
                let Some(&e) = s.get(i) else {
                    return Err(QuoteError::Unterminated);
                };
                i += 1;
                let v = match e {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b't' => b'\t',
                    b'n' => b'\n',
                    b'v' => 0x0b,
                    b'f' => 0x0c,
                    b'r' => b'\r',
                    b'e' => 0x1b,
                    b'"' | b'\\' | b'\'' | b'?' => e,
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            match s.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        u8::try_from(v).map_err(|_| QuoteError::OctalRange)?
                    }
                    other => return Err(QuoteError::BadEscape(other)),
                };
                if v == 0 {
                    return Err(QuoteError::Nul);
                }
                out.push(v);
            }
            _ => out.push(b),
        }
    }
}

/// `name` in shell quotes as the GNU tools write it (gnulib's `shell` quoting style, used by
/// GNU diff's `diff -r ...` lines and GNU patch's messages): in double quotes when it holds a
/// `'` and nothing a double-quoted shell word would expand, else in single quotes with each
/// `'` written `'\''`. The caller decides whether the name needs quoting at all.
pub fn shell_quoted(name: &[u8]) -> Vec<u8> {
    if name.contains(&b'\'') && !name.iter().any(|c| b"!\"$\\`".contains(c)) {
        return [b"\"", name, b"\""].concat();
    }
    let mut out = b"'".to_vec();
    for &c in name {
        if c == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(c);
        }
    }
    out.push(b'\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (raw name, git's spelling, GNU diff 3.8's spelling), both taken from real output of
    /// `git diff --no-index` (git 2.47) and `diff -ru` (GNU diffutils 3.8) on these names.
    const CASES: &[(&[u8], &[u8], &[u8])] = &[
        (b"a/plain", b"a/plain", b"a/plain"),
        (b"a/sp ace", b"a/sp ace", b"\"a/sp ace\""),
        (b"a/ta\tb", b"\"a/ta\\tb\"", b"\"a/ta\\tb\""),
        (b"a/nl\nx", b"\"a/nl\\nx\"", b"\"a/nl\\nx\""),
        (b"a/q\"uote", b"\"a/q\\\"uote\"", b"\"a/q\\\"uote\""),
        (
            b"a/back\\slash",
            b"\"a/back\\\\slash\"",
            b"\"a/back\\\\slash\"",
        ),
        (
            b"a/\xc3\xbcni",
            b"\"a/\\303\\274ni\"",
            b"\"a/\\303\\274ni\"",
        ),
        (b"a/lat\xe9", b"\"a/lat\\351\"", b"\"a/lat\\351\""),
        (b"a/bel\x07", b"\"a/bel\\a\"", b"\"a/bel\\a\""),
        (b"a/esc\x1b", b"\"a/esc\\033\"", b"\"a/esc\\033\""),
        (b"a/del\x7f", b"\"a/del\\177\"", b"a/del\x7f"),
        (b"a/do$llar", b"a/do$llar", b"a/do$llar"),
        (b"a/x'y", b"a/x'y", b"a/x'y"),
        (b"a/h#ash", b"a/h#ash", b"a/h#ash"),
    ];

    #[test]
    fn quote_git_matches_git_output() {
        for (raw, git, _) in CASES {
            assert_eq!(&*quote_git(raw), *git, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn quote_gnu_matches_diff_output() {
        for (raw, _, gnu) in CASES {
            assert_eq!(&*quote_gnu(raw), *gnu, "{:?}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn unquote_reads_both_spellings() {
        for (raw, git, gnu) in CASES {
            for q in [git, gnu] {
                if q.first() == Some(&b'"') {
                    assert_eq!(unquote(q).unwrap(), *raw);
                }
            }
        }
    }

    #[test]
    fn unquote_extra_c_escapes() {
        assert_eq!(
            unquote(b"\"\\e\\?\\'\\v\\f\\r\\b\"").unwrap(),
            b"\x1b?'\x0b\x0c\r\x08"
        );
        assert_eq!(unquote(b"\"\\1x\\12\"").unwrap(), b"\x01x\n");
    }

    #[test]
    fn quote_borrows_when_clean() {
        assert!(matches!(quote_git(b"src/main.c"), Cow::Borrowed(_)));
    }

    #[test]
    fn unquote_errors() {
        assert_eq!(unquote(b"abc"), Err(QuoteError::NotQuoted));
        assert_eq!(unquote(b"\"abc"), Err(QuoteError::Unterminated));
        assert_eq!(unquote(b"\"abc\\"), Err(QuoteError::Unterminated));
        assert_eq!(unquote(b"\"a\\qb\""), Err(QuoteError::BadEscape(b'q')));
        assert_eq!(unquote(b"\"a\\400\""), Err(QuoteError::OctalRange));
        assert_eq!(unquote(b"\"a\\000\""), Err(QuoteError::Nul));
        assert_eq!(unquote(b"\"a\0\""), Err(QuoteError::Nul));
        assert_eq!(unquote(b"\"a\" x"), Err(QuoteError::Trailing));
        assert_eq!(
            unquote_prefix(b"\"a/x\" \"b/y\"").unwrap(),
            (b"a/x".to_vec(), 5)
        );
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (1..=255u8).collect();
        for q in [quote_git(&all), quote_gnu(&all)] {
            assert_eq!(unquote(&q).unwrap(), all);
        }
    }
}
