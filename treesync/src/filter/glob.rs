//! rsync's wildcard language: `*` (no `/`), `**` (anything), `?`, `[...]` classes and `\`
//! escapes, matched against a whole name or path of bytes (no UTF-8 assumed).

/// rsync wildcard match of a whole `text` against `pat`.
pub(crate) fn glob(pat: &[u8], text: &[u8]) -> bool {
    match pat.first() {
        None => text.is_empty(),
        Some(b'*') => {
            let double = pat.get(1) == Some(&b'*');
            let rest = if double { &pat[2..] } else { &pat[1..] };
            for i in 0..=text.len() {
                if glob(rest, &text[i..]) {
                    return true;
                }
                if i < text.len() && !double && text[i] == b'/' {
                    return false;
                }
            }
            false
        }
        Some(b'?') => !text.is_empty() && text[0] != b'/' && glob(&pat[1..], &text[1..]),
        Some(b'[') => match (text.first(), class(&pat[1..])) {
            (Some(&c), Some((set, negate, len))) => {
                c != b'/' && set(c) != negate && glob(&pat[1 + len..], &text[1..])
            }
            (Some(&c), None) => c == b'[' && glob(&pat[1..], &text[1..]),
            (None, _) => false,
        },
        Some(b'\\') if pat.len() > 1 => {
            text.first() == Some(&pat[1]) && glob(&pat[2..], &text[1..])
        }
        Some(&c) => text.first() == Some(&c) && glob(&pat[1..], &text[1..]),
    }
}

type ClassFn = Box<dyn Fn(u8) -> bool>;

/// Parse a `[...]` class after the `[`; returns the membership test, negation, and the number
/// of pattern bytes consumed (including the closing `]`).
fn class(p: &[u8]) -> Option<(ClassFn, bool, usize)> {
    let mut i = 0;
    let negate = matches!(p.first(), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let start = i;
    let mut ranges: Vec<(u8, u8)> = Vec::new();
    while i < p.len() {
        if p[i] == b']' && i > start {
            let f = move |c: u8| ranges.iter().any(|&(a, b)| a <= c && c <= b);
            return Some((Box::new(f), negate, i + 1));
        }
        let lo = p[i];
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            ranges.push((lo, p[i + 2]));
            i += 3;
        } else {
            ranges.push((lo, lo));
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"*.o", b"x.o"));
        assert!(!glob(b"*.o", b"d/x.o"));
        assert!(glob(b"**.o", b"d/x.o"));
        assert!(glob(b"a?c", b"abc"));
        assert!(!glob(b"a?c", b"a/c"));
        assert!(glob(b"[a-c]x", b"bx"));
        assert!(!glob(b"[!a-c]x", b"bx"));
        assert!(glob(b"sub/**", b"sub/a/b"));
        assert!(!glob(b"sub/**", b"sub"));
    }
}
