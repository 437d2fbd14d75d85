//! A source entry as the walk sees it. Non-directories are listed from `getdents` types alone
//! and `stat`ed later by the worker that handles them (a regular file that is read anyway is
//! opened and `fstat`ed instead: one name lookup, not two), so a [`Src`] may not be `statted`
//! yet; directories, and entries whose type `getdents` does not tell, are `stat`ed when
//! listed. Inside the tree every access goes through the open parent directory (`*at` calls,
//! never following a symlink); only a command-line operand is reached by path (a directory
//! operand following a symlink, as `src/` asks).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType};

use crate::dest::{self, Meta};
use crate::itemize::Type;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    File,
    Dir,
    Link,
    Device,
    Special,
}

impl Kind {
    fn of(ft: &fs::FileType) -> Kind {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Link
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_block_device() || ft.is_char_device() {
            Kind::Device
        } else {
            Kind::Special
        }
    }

    /// The kind `getdents` reports, if it says.
    pub(super) fn of_dirent(ft: FileType) -> Option<Kind> {
        Some(match ft {
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Link,
            FileType::RegularFile => Kind::File,
            FileType::BlockDevice | FileType::CharacterDevice => Kind::Device,
            FileType::Fifo | FileType::Socket => Kind::Special,
            FileType::Unknown => return None,
        })
    }

    pub(super) fn item(self) -> Type {
        match self {
            Kind::File => Type::File,
            Kind::Dir => Type::Dir,
            Kind::Link => Type::Link,
            Kind::Device => Type::Device,
            Kind::Special => Type::Special,
        }
    }

    fn of_meta(ft: FileType) -> Kind {
        Kind::of_dirent(ft).unwrap_or(Kind::Special)
    }
}

/// One source entry, as listed. Non-directories are listed from `getdents` alone; their
/// metadata is filled in (`statted`) by the worker that handles them.
#[derive(Debug, Clone)]
pub(super) struct Src {
    pub(super) name: OsString,
    pub(super) path: PathBuf,
    /// Path relative to the transfer root, as printed.
    pub(super) rel: Vec<u8>,
    /// The open source directory holding it (`None`: reach it by `path`).
    dir: Option<Arc<OwnedFd>>,
    pub(super) kind: Kind,
    pub(super) statted: bool,
    pub(super) ft: FileType,
    pub(super) mode: u32,
    pub(super) size: u64,
    pub(super) mtime: (i64, u32),
    pub(super) atime: (i64, u32),
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) rdev: u64,
}

impl Src {
    pub(super) fn new(name: OsString, path: PathBuf, rel: Vec<u8>, m: &fs::Metadata) -> Src {
        Src {
            name,
            path,
            rel,
            dir: None,
            kind: Kind::of(&m.file_type()),
            statted: true,
            ft: FileType::from_raw_mode(m.mode()),
            mode: m.mode() & 0o7777,
            size: m.len(),
            mtime: (m.mtime(), u32::try_from(m.mtime_nsec()).unwrap_or(0)),
            atime: (m.atime(), u32::try_from(m.atime_nsec()).unwrap_or(0)),
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
        }
    }

    /// An entry of the open source directory `dir` (not yet `stat`ed).
    pub(super) fn listed(parent: &Src, dir: &Arc<OwnedFd>, name: OsString, kind: Kind) -> Src {
        Src {
            path: parent.path.join(&name),
            rel: join_rel(&parent.rel, &name),
            name,
            dir: Some(Arc::clone(dir)),
            kind,
            statted: false,
            ft: FileType::Unknown,
            mode: 0,
            size: 0,
            mtime: (0, 0),
            atime: (0, 0),
            uid: 0,
            gid: 0,
            rdev: 0,
        }
    }

    /// Fill in the metadata from an `lstat`.
    pub(super) fn set_meta(&mut self, m: &Meta) {
        self.kind = Kind::of_meta(m.ty);
        self.statted = true;
        self.ft = m.ty;
        self.mode = m.mode;
        self.size = m.size;
        self.mtime = m.mtime;
        self.atime = m.atime;
        self.uid = m.uid;
        self.gid = m.gid;
        self.rdev = m.rdev;
    }

    /// `lstat` it (relative to its directory when open).
    pub(super) fn lstat(&self) -> io::Result<Meta> {
        match &self.dir {
            Some(d) => rustix::fs::statat(&**d, &self.name, AtFlags::SYMLINK_NOFOLLOW)
                .map(Meta::from)
                .map_err(io::Error::from),
            None => rustix::fs::lstat(&self.path)
                .map(Meta::from)
                .map_err(io::Error::from),
        }
    }

    /// Its symlink target.
    pub(super) fn readlink(&self) -> io::Result<Vec<u8>> {
        match &self.dir {
            Some(d) => dest::readlink(d.as_fd(), &self.name),
            None => fs::read_link(&self.path).map(|t| t.into_os_string().into_vec_bytes()),
        }
    }

    /// Open it for reading (a regular file).
    pub(super) fn open(&self) -> io::Result<fs::File> {
        match &self.dir {
            Some(d) => dest::open_file(d.as_fd(), &self.name),
            None => dest::open_source(&self.path),
        }
    }

    /// Open it as a directory: by name without following a symlink inside the tree, by path
    /// (following, as `src/` asks) at the top.
    pub(super) fn open_dir(&self) -> io::Result<OwnedFd> {
        match &self.dir {
            Some(d) => dest::open_dir(d.as_fd(), &self.name),
            None => open_dir_path(&self.path),
        }
    }
}

pub(super) fn join_rel(rel: &[u8], name: &OsStr) -> Vec<u8> {
    let mut r = rel.to_vec();
    if !r.is_empty() {
        r.push(b'/');
    }
    r.extend_from_slice(name.as_bytes());
    r
}

/// Open a directory by path (following a symlink, as a command-line `src/` or DEST does).
pub(super) fn open_dir_path(p: &Path) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    Ok(
        match rustix::fs::open(p, flags | OFlags::NOATIME, Mode::empty()) {
            Err(rustix::io::Errno::PERM) => rustix::fs::open(p, flags, Mode::empty()),
            other => other,
        }?,
    )
}

trait IntoVecBytes {
    fn into_vec_bytes(self) -> Vec<u8>;
}

impl IntoVecBytes for OsString {
    fn into_vec_bytes(self) -> Vec<u8> {
        std::os::unix::ffi::OsStringExt::into_vec(self)
    }
}
