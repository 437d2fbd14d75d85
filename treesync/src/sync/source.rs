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
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

use fstree::{Atime, Dir, Kind as FsKind, Meta, Timestamp};

use crate::filter::Scope;
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
    /// The kind of an object of file system kind `k`.
    pub(super) fn of(k: FsKind) -> Kind {
        match k {
            FsKind::Dir => Kind::Dir,
            FsKind::Symlink => Kind::Link,
            FsKind::File => Kind::File,
            FsKind::BlockDevice | FsKind::CharDevice => Kind::Device,
            FsKind::Fifo | FsKind::Socket => Kind::Special,
        }
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
    dir: Option<Dir>,
    pub(super) kind: Kind,
    pub(super) statted: bool,
    /// The file system's kind, once `statted` (devices and specials are made as this).
    pub(super) ft: FsKind,
    pub(super) mode: u32,
    pub(super) size: u64,
    pub(super) mtime: Timestamp,
    pub(super) atime: Timestamp,
    pub(super) uid: u32,
    pub(super) gid: u32,
    pub(super) rdev: u64,
    /// Hard links to it, and its identity (`-H`), once `statted`.
    pub(super) nlink: u64,
    pub(super) dev: u64,
    pub(super) ino: u64,
    /// `-x`: a directory on another file system than its parent's, made but not entered.
    pub(super) mount_point: bool,
    /// A symlink copied as what it points to (`-L` and the like): reached through the link.
    followed: bool,
    /// How many followed directory symlinks lead here.
    pub(super) follow_depth: u8,
    /// The per-directory filter rules of the directory holding it (set for directories:
    /// what they inherit; `None` without dir-merge rules).
    pub(super) scope: Option<Arc<Scope>>,
    /// The same, read from DEST's merge files (the receiver's, for `--delete`).
    pub(super) dest_scope: Option<Arc<Scope>>,
    /// A directory made (with its attributes) but not entered: `-d` without `-r`, and the
    /// implied parents of `-R`.
    pub(super) shallow: bool,
}

impl Src {
    /// A command-line operand, reached by `path`, described by `m`.
    pub(super) fn new(name: OsString, path: PathBuf, rel: Vec<u8>, m: &Meta) -> Src {
        let mut s = Src::unstatted(name, path, rel, None, Kind::of(m.kind), 0);
        s.set_meta(m);
        s
    }

    /// An entry of the open source directory `dir` (not yet `stat`ed).
    pub(super) fn listed(parent: &Src, dir: &Dir, name: OsString, kind: Kind) -> Src {
        let (path, rel) = (parent.path.join(&name), join_rel(&parent.rel, &name));
        let dir = Some(dir.clone());
        Src::unstatted(name, path, rel, dir, kind, parent.follow_depth)
    }

    /// An entry whose metadata is not known yet, but for the `kind` it was listed as.
    fn unstatted(
        name: OsString,
        path: PathBuf,
        rel: Vec<u8>,
        dir: Option<Dir>,
        kind: Kind,
        follow_depth: u8,
    ) -> Src {
        Src {
            name,
            path,
            rel,
            dir,
            kind,
            statted: false,
            ft: FsKind::File,
            mode: 0,
            size: 0,
            mtime: Timestamp::default(),
            atime: Timestamp::default(),
            uid: 0,
            gid: 0,
            rdev: 0,
            nlink: 0,
            dev: 0,
            ino: 0,
            mount_point: false,
            followed: false,
            follow_depth,
            scope: None,
            dest_scope: None,
            shallow: false,
        }
    }

    /// Fill in the metadata from an `lstat`.
    pub(super) fn set_meta(&mut self, m: &Meta) {
        self.kind = Kind::of(m.kind);
        self.statted = true;
        self.ft = m.kind;
        self.mode = m.mode;
        self.size = m.size;
        self.mtime = m.mtime;
        self.atime = m.atime;
        self.uid = m.uid;
        self.gid = m.gid;
        self.rdev = m.rdev;
        self.nlink = m.nlink;
        self.dev = m.dev;
        self.ino = m.ino;
    }

    /// With `-H`: a regular file with other hard links, whose group is its (dev, ino).
    pub(super) fn link_group(&self) -> Option<(u64, u64)> {
        (self.statted && self.kind == Kind::File && self.nlink > 1).then_some((self.dev, self.ino))
    }

    /// Copies it as what it points to, described by `m` (from [`Src::stat_following`]).
    pub(super) fn follow(&mut self, m: &Meta) {
        self.set_meta(m);
        self.followed = true;
        if m.kind == FsKind::Dir {
            self.follow_depth = self.follow_depth.saturating_add(1);
        }
    }

    /// `stat` it, following a symlink.
    pub(super) fn stat_following(&self) -> io::Result<Meta> {
        match &self.dir {
            Some(d) => d.stat_following(&self.name),
            None => fstree::dir::stat_path(&self.path, true),
        }
    }

    /// `lstat` it (relative to its directory when open); `stat` when it is followed.
    pub(super) fn lstat(&self) -> io::Result<Meta> {
        if self.followed {
            return self.stat_following();
        }
        match &self.dir {
            Some(d) => d
                .lstat(&self.name)?
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound)),
            None => fstree::dir::stat_path(&self.path, false),
        }
    }

    /// Its symlink target.
    pub(super) fn readlink(&self) -> io::Result<Vec<u8>> {
        match &self.dir {
            Some(d) => d.read_link(&self.name),
            None => fs::read_link(&self.path).map(|t| t.into_os_string().into_encoded_bytes()),
        }
    }

    /// Removes it from SRC (`--remove-source-files`; never a directory).
    pub(super) fn remove(&self) -> io::Result<()> {
        match &self.dir {
            Some(d) => d.remove_file(&self.name),
            None => fs::remove_file(&self.path),
        }
    }

    /// Open it for reading (a regular file; anything else is refused), with what `fstat` says.
    pub(super) fn open(&self) -> io::Result<(fs::File, Meta)> {
        if self.followed
            && let Some(d) = &self.dir
        {
            return d.open_following(&self.name, Atime::Keep);
        }
        match &self.dir {
            Some(d) => d.open_file_nonblocking(&self.name, Atime::Keep),
            None => fstree::dir::open_file_path(&self.path, Atime::Keep),
        }
    }

    /// Open it as a directory: by name without following a symlink inside the tree, by path
    /// (following, as `src/` asks) at the top.
    pub(super) fn open_dir(&self) -> io::Result<Dir> {
        if self.followed
            && let Some(d) = &self.dir
        {
            return d.open_dir_following(&self.name);
        }
        match &self.dir {
            Some(d) => d.open_dir_with(&self.name, Atime::Keep),
            None => Dir::open_ambient(&self.path, Atime::Keep),
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
