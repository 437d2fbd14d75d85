//! Which names a receiver accepts from its peer. The peer is hostile until proven otherwise:
//! a name is a relative path of plain components (no empty component, no `.` but the whole
//! name `.`, no `..`, no NUL), and it must lie inside a directory the same transfer has
//! already listed (checked by the receiver's directory stack), so no entry reaches outside
//! DEST or through a symlink that the transfer itself planted.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use super::frame::MAX_PATH;

/// Why a name from the peer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    /// Empty or too long.
    #[error("empty or overlong name")]
    Length,
    /// Starts with `/`.
    #[error("absolute name")]
    Absolute,
    /// Has a `..` component.
    #[error("name with a `..` component")]
    DotDot,
    /// A NUL byte, an empty or a `.` component.
    #[error("malformed name")]
    Malformed,
}

/// Check `path`; on success, its parent (`.` for a top-level name) and its last component.
/// The name `.` itself (the top of the transfer) comes back as (`.`, `.`).
pub fn split(path: &[u8]) -> Result<(&[u8], &OsStr), BadName> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Err(BadName::Length);
    }
    if path == b"." {
        return Ok((b".", OsStr::new(".")));
    }
    if path[0] == b'/' {
        return Err(BadName::Absolute);
    }
    if path.contains(&0) {
        return Err(BadName::Malformed);
    }
    for c in path.split(|&b| b == b'/') {
        match c {
            b".." => return Err(BadName::DotDot),
            b"" | b"." => return Err(BadName::Malformed),
            _ => {}
        }
    }
    Ok(match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], OsStr::from_bytes(&path[i + 1..])),
        None => (b".", OsStr::from_bytes(path)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_refused() {
        assert_eq!(split(b"/etc/passwd"), Err(BadName::Absolute));
        assert_eq!(split(b"../x"), Err(BadName::DotDot));
        assert_eq!(split(b"a/../../x"), Err(BadName::DotDot));
        assert_eq!(split(b"a//b"), Err(BadName::Malformed));
        assert_eq!(split(b"a/./b"), Err(BadName::Malformed));
        assert_eq!(split(b"a/"), Err(BadName::Malformed));
        assert_eq!(split(b"a\0b"), Err(BadName::Malformed));
        assert_eq!(split(b""), Err(BadName::Length));
    }

    #[test]
    fn plain_names_split_into_parent_and_name() {
        assert_eq!(split(b"a/b/c"), Ok((&b"a/b"[..], OsStr::new("c"))));
        assert_eq!(split(b"top"), Ok((&b"."[..], OsStr::new("top"))));
        assert_eq!(split(b"."), Ok((&b"."[..], OsStr::new("."))));
        assert_eq!(split(b"..."), Ok((&b"."[..], OsStr::new("..."))));
    }
}
