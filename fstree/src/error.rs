//! Typed errors that say which operation failed on which path.
//!
//! The `Display` of an [`Error`] names the operation and the path only; the `io::Error` stays
//! available as `source()`, so `anyhow`'s `{:#}` prints `cannot open 'x': No such file or
//! directory` once, without repeating the cause.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// What was being done when an error happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    Open,
    Read,
    Write,
    Stat,
    ReadDir,
    ReadLink,
    Create,
    Mkdir,
    Symlink,
    HardLink,
    Rename,
    Remove,
    Chmod,
    Chown,
    SetTimes,
    Copy,
    Hash,
    Sync,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Open => "open",
            Op::Read => "read",
            Op::Write => "write",
            Op::Stat => "stat",
            Op::ReadDir => "read directory",
            Op::ReadLink => "read symlink",
            Op::Create => "create",
            Op::Mkdir => "create directory",
            Op::Symlink => "create symlink",
            Op::HardLink => "create hard link",
            Op::Rename => "rename",
            Op::Remove => "remove",
            Op::Chmod => "set permissions of",
            Op::Chown => "set owner of",
            Op::SetTimes => "set times of",
            Op::Copy => "copy",
            Op::Hash => "hash",
            Op::Sync => "sync",
        })
    }
}

/// An I/O failure on one path.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {}", display_path(path))]
pub struct Error {
    /// The operation that failed.
    pub op: Op,
    /// The path it failed on, as the caller named it.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps `source` with the operation and path.
    pub fn new(op: Op, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error {
            op,
            path: path.into(),
            source,
        }
    }

    /// True when the path did not exist (ENOENT), e.g. a file that vanished during a walk.
    pub fn is_not_found(&self) -> bool {
        self.source.kind() == io::ErrorKind::NotFound
    }
}

/// Extension to attach an operation and path to an `io::Result`.
pub trait Context<T> {
    /// Maps the error into an [`Error`] for `op` on `path`.
    fn ctx(self, op: Op, path: &Path) -> Result<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn ctx(self, op: Op, path: &Path) -> Result<T> {
        self.map_err(|e| Error::new(op, path, e))
    }
}

impl<T> Context<T> for rustix::io::Result<T> {
    fn ctx(self, op: Op, path: &Path) -> Result<T> {
        self.map_err(|e| Error::new(op, path, e.into()))
    }
}

/// A path for a human: quoted, with control bytes and invalid UTF-8 escaped, never lossy in a
/// way that hides what the name is (`'a\nb'`, `'\xff'`).
pub fn display_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::from("'");
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('\'');
    out
}

/// True when `err` or any error in its `source()` chain is a broken pipe: the reader of our
/// stdout went away (`tool | head -1`), which ends a run quietly rather than as a failure.
pub fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// A writer for messages whose reader may leave early (`applypatch ... | head -1`): after a
/// broken pipe it swallows everything, so a run that must finish what it started (applying a
/// patch) is not cut short by its progress messages, and nothing is printed about it.
#[derive(Debug)]
pub struct QuietOnBrokenPipe<W> {
    inner: W,
    gone: bool,
}

impl<W> QuietOnBrokenPipe<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        QuietOnBrokenPipe { inner, gone: false }
    }
}

impl<W: io::Write> io::Write for QuietOnBrokenPipe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.gone {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.gone = true;
                Ok(())
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn display_names_operation_and_escaped_path() {
        let e = Error::new(
            Op::Open,
            Path::new(OsStr::from_bytes(b"a\nb\xff")),
            io::Error::from(io::ErrorKind::NotFound),
        );
        assert_eq!(e.to_string(), "cannot open 'a\\nb\\xff'");
        assert!(e.is_not_found());
    }

    #[test]
    fn quiet_writer_swallows_only_broken_pipes() {
        struct Pipe(io::ErrorKind);
        impl io::Write for Pipe {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::from(self.0))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        use io::Write as _;
        let mut w = QuietOnBrokenPipe::new(Pipe(io::ErrorKind::BrokenPipe));
        assert!(w.write_all(b"x").is_ok() && w.write_all(b"y").is_ok() && w.flush().is_ok());
        let mut w = QuietOnBrokenPipe::new(Pipe(io::ErrorKind::StorageFull));
        assert!(w.write_all(b"x").is_err());
    }

    #[test]
    fn broken_pipe_is_found_in_the_chain() {
        let e = Error::new(
            Op::Write,
            "stdout",
            io::Error::from(io::ErrorKind::BrokenPipe),
        );
        assert!(is_broken_pipe(&e));
        let e = Error::new(Op::Write, "stdout", io::Error::from(io::ErrorKind::Other));
        assert!(!is_broken_pipe(&e));
    }
}
