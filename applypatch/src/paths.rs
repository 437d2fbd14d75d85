//! Turning a name from a patch into a safe path relative to the target directory.
//!
//! `-p N` strips the smallest prefix holding N slashes (a run of slashes counts as one, as in
//! GNU patch); without `-p`, a GNU diff's name is cut to its basename (GNU patch's default) and
//! a git diff's loses one component (git apply's default). Only then is the name checked, so
//! `/dev/null`-style absolute names that `-p1` makes relative behave as in GNU patch, and what
//! remains must be relative, free of `..` and NUL. `.` components and repeated slashes are
//! dropped. Symlinks along the path are the tree's business ([`crate::tree`]).
//!
//! A newline in a name is accepted: it can only arrive C-quoted (`"b/new\nline"`, as git and
//! GNU diff write it; a raw newline ends the header line), git apply and GNU patch both apply
//! such names, and the round trip `treediff A B | applypatch` must reproduce every name of B.
//! A NUL is refused: no path can hold one (the parser already refuses it; this is the second
//! line of defence).
//!
//! A name of `PATH_MAX` (4096) bytes or more is refused, as the kernel refuses such a path
//! (`ENAMETOOLONG`), although each of its directories could be opened from the one above:
//! a patch names files by whole paths, and a tree whose paths the kernel cannot take is
//! no target for one.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// How many leading components to strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strip {
    /// `-p N`.
    Components(usize),
    /// No `-p` on a GNU diff: keep only the basename.
    Basename,
}

/// Why a name from the patch is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// An absolute name.
    #[error("absolute file name")]
    Absolute,
    /// A `..` component.
    #[error("file name with a '..' component")]
    DotDot,
    /// A NUL byte.
    #[error("file name with a NUL byte")]
    Nul,
    /// Nothing left (or nothing to start with).
    #[error("empty file name")]
    Empty,
    /// `PATH_MAX` bytes or more.
    #[error("file name too long ({PATH_MAX} bytes or more)")]
    TooLong,
    /// Fewer components than `-p` strips.
    #[error("file name has fewer components than -p strips")]
    TooShort,
}

/// The longest path the kernel takes (`PATH_MAX`, terminating NUL included).
pub const PATH_MAX: usize = 4096;

/// Strips `strip` from `name` (raw bytes from the patch).
pub fn strip(name: &[u8], strip: Strip) -> Result<&[u8], PathError> {
    match strip {
        Strip::Basename => Ok(name.rsplit(|&b| b == b'/').next().unwrap_or(name)),
        Strip::Components(n) => {
            let mut rest = name;
            for _ in 0..n {
                let slash = rest
                    .iter()
                    .position(|&b| b == b'/')
                    .ok_or(PathError::TooShort)?;
                rest = &rest[slash..];
                let skip = rest.iter().take_while(|&&b| b == b'/').count();
                rest = &rest[skip..];
            }
            Ok(rest)
        }
    }
}

/// Checks a stripped name and normalises it to a relative path.
pub fn validate(name: &[u8]) -> Result<PathBuf, PathError> {
    if name.contains(&0) {
        return Err(PathError::Nul);
    }
    if name.first() == Some(&b'/') {
        return Err(PathError::Absolute);
    }
    let mut out = PathBuf::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err(PathError::DotDot),
            c => out.push(OsStr::from_bytes(c)),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(PathError::Empty);
    }
    if out.as_os_str().len() >= PATH_MAX {
        return Err(PathError::TooLong);
    }
    Ok(out)
}

/// Strips and validates in one step.
pub fn resolve(name: &[u8], how: Strip) -> Result<PathBuf, PathError> {
    validate(strip(name, how)?)
}

thread_local! {
    /// The quoting style of a run under the name `patch` (`--quoting-style`), set for the
    /// run's duration by [`QuotingScope`]; `None` under `applypatch`.
    static QUOTING: std::cell::Cell<Option<crate::gnu::Quoting>> = const { std::cell::Cell::new(None) };
}

/// Names in messages are quoted in `style` until this is dropped (GNU's `--quoting-style`).
pub struct QuotingScope(Option<crate::gnu::Quoting>);

impl QuotingScope {
    /// Sets `style` for the current thread.
    pub fn new(style: crate::gnu::Quoting) -> Self {
        QuotingScope(QUOTING.with(|q| q.replace(Some(style))))
    }
}

impl Drop for QuotingScope {
    fn drop(&mut self) {
        QUOTING.with(|q| q.set(self.0));
    }
}

/// A name for messages: in GNU patch's quoting style under the name `patch`, else its default
/// "shell" quoting (single quotes when the name holds anything but `[A-Za-z0-9_./+,:@%=-]`),
/// bytes shown lossily.
pub fn display(p: &std::path::Path) -> String {
    if let Some(style) = QUOTING.with(std::cell::Cell::get) {
        return String::from_utf8_lossy(&style.quote(p.as_os_str().as_bytes())).into_owned();
    }
    let s = String::from_utf8_lossy(p.as_os_str().as_bytes());
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./+,:@%=-".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.into_owned();
    }
    let esc: String = s
        .chars()
        .map(|c| {
            if c.is_control() {
                format!("\\{:03o}", u32::from(c) & 0xff)
            } else if c == '\'' {
                "'\\''".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("'{esc}'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_like_gnu_patch() {
        assert_eq!(strip(b"a/b/c", Strip::Components(1)), Ok(&b"b/c"[..]));
        assert_eq!(strip(b"a//b/c", Strip::Components(2)), Ok(&b"c"[..]));
        assert_eq!(
            strip(b"/etc/passwd", Strip::Components(1)),
            Ok(&b"etc/passwd"[..])
        );
        assert_eq!(strip(b"a/b", Strip::Components(0)), Ok(&b"a/b"[..]));
        assert_eq!(strip(b"a", Strip::Components(1)), Err(PathError::TooShort));
        assert_eq!(strip(b"x/y/z", Strip::Basename), Ok(&b"z"[..]));
    }

    #[test]
    fn refuses_unsafe_names() {
        assert_eq!(validate(b"/etc/passwd"), Err(PathError::Absolute));
        assert_eq!(validate(b"a/../../x"), Err(PathError::DotDot));
        assert_eq!(validate(b".."), Err(PathError::DotDot));
        assert_eq!(validate(b"a\0b"), Err(PathError::Nul));
        assert_eq!(validate(b"a\nb/c"), Ok(PathBuf::from("a\nb/c")));
        assert_eq!(validate(b"./"), Err(PathError::Empty));
        assert_eq!(validate(b"./a//b/."), Ok(PathBuf::from("a/b")));
        assert_eq!(validate(b"a/..b"), Ok(PathBuf::from("a/..b")));
        let under = "d/".repeat(2047) + "f";
        assert_eq!(under.len(), PATH_MAX - 1);
        assert!(validate(under.as_bytes()).is_ok());
        let at = "d/".repeat(2047) + "fg";
        assert_eq!(validate(at.as_bytes()), Err(PathError::TooLong));
        // Counted after normalising: dropped `.` components and slashes do not count.
        assert!(validate(format!("./{under}").as_bytes()).is_ok());
    }

    #[test]
    fn display_quotes_like_gnu() {
        assert_eq!(display(std::path::Path::new("src/a.c")), "src/a.c");
        assert_eq!(display(std::path::Path::new("sp ace")), "'sp ace'");
        assert_eq!(display(std::path::Path::new("it's")), "'it'\\''s'");
    }
}
