//! One filesystem object as the tools see it: kind, permission bits, size, times with
//! nanoseconds, owner, identity (device and inode, for hard links) and, for a symlink, its
//! target verbatim. Built from `lstat`, so a symlink is always described as itself.

use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::PathBuf;

/// The type of a filesystem object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed).
    Symlink,
    /// A named pipe.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
}

impl Kind {
    /// The kind of the object `meta` (from `symlink_metadata`) describes.
    pub fn of(meta: &Metadata) -> Kind {
        let t = meta.file_type();
        if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else if t.is_fifo() {
            Kind::Fifo
        } else if t.is_socket() {
            Kind::Socket
        } else if t.is_char_device() {
            Kind::CharDevice
        } else {
            Kind::BlockDevice
        }
    }

    /// The kind a raw `st_mode` (from `stat`/`statx`) says.
    pub fn from_mode(mode: u32) -> Kind {
        use rustix::fs::FileType;
        match FileType::from_raw_mode(mode) {
            FileType::RegularFile => Kind::File,
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            FileType::Fifo => Kind::Fifo,
            FileType::Socket => Kind::Socket,
            FileType::CharacterDevice => Kind::CharDevice,
            _ => Kind::BlockDevice,
        }
    }

    /// The word for this kind in messages, as GNU diff says it (`regular file`, `fifo`, ...).
    pub fn describe(self) -> &'static str {
        match self {
            Kind::File => "regular file",
            Kind::Dir => "directory",
            Kind::Symlink => "symbolic link",
            Kind::Fifo => "fifo",
            Kind::Socket => "socket",
            Kind::CharDevice => "character special file",
            Kind::BlockDevice => "block special file",
        }
    }

    /// True for the kinds the tools carry (file, dir, symlink); the others are reported.
    pub fn is_supported(self) -> bool {
        matches!(self, Kind::File | Kind::Dir | Kind::Symlink)
    }
}

/// A point in time with nanoseconds, as stored in an inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp {
    /// Seconds since the Epoch (may be negative).
    pub secs: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// A whole-second time.
    pub fn from_secs(secs: i64) -> Self {
        Timestamp { secs, nanos: 0 }
    }

    /// The current time.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nanos: d.subsec_nanos(),
        }
    }

    /// As rustix's `Timespec`, for `utimensat`.
    pub fn to_timespec(self) -> rustix::fs::Timespec {
        rustix::fs::Timespec {
            tv_sec: self.secs,
            tv_nsec: i64::from(self.nanos),
        }
    }
}

/// What `lstat`/`fstat` says of one object, without its name: the part of `stat` the tools
/// look at. [`crate::Dir`] returns it; an [`Entry`] is a `Meta` with its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// What it is.
    pub kind: Kind,
    /// Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    /// Size in bytes (for a symlink, the length of its target).
    pub size: u64,
    /// Last modification.
    pub mtime: Timestamp,
    /// Last access.
    pub atime: Timestamp,
    /// Last status change.
    pub ctime: Timestamp,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device of the filesystem holding it.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Number of hard links.
    pub nlink: u64,
    /// The device a device node stands for.
    pub rdev: u64,
}

impl Meta {
    /// From a raw `stat`.
    #[allow(clippy::unnecessary_cast)]
    pub fn from_stat(st: &rustix::fs::Stat) -> Meta {
        let ts = |s: i64, n: i64| Timestamp {
            secs: s,
            nanos: clamp_nanos(n),
        };
        Meta {
            kind: Kind::from_mode(st.st_mode as u32),
            mode: st.st_mode as u32 & 0o7777,
            size: u64::try_from(st.st_size).unwrap_or(0),
            mtime: ts(st.st_mtime as i64, st.st_mtime_nsec as i64),
            atime: ts(st.st_atime as i64, st.st_atime_nsec as i64),
            ctime: ts(st.st_ctime as i64, st.st_ctime_nsec as i64),
            uid: st.st_uid,
            gid: st.st_gid,
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            nlink: st.st_nlink as u64,
            rdev: st.st_rdev as u64,
        }
    }

    /// True when `other` is the same object (same device and inode).
    pub fn same_object(&self, other: &Meta) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }
}

/// One object found by a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the walk's root; empty for the root itself.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`).
    pub mode: u32,
    /// Size in bytes (for a symlink, the length of its target).
    pub size: u64,
    /// Last modification.
    pub mtime: Timestamp,
    /// Last access.
    pub atime: Timestamp,
    /// Last status change (cannot be set; used to prove a file was not touched).
    pub ctime: Timestamp,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device of the filesystem holding it.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Number of hard links.
    pub nlink: u64,
    /// Depth below the root (0 for the root).
    pub depth: usize,
    /// The target of a symlink, verbatim.
    pub link: Option<PathBuf>,
}

impl Entry {
    /// Describes `meta` (from `symlink_metadata`) found at `path` (relative) and `depth`;
    /// `link` is the symlink's target when it is one.
    pub fn from_metadata(
        path: PathBuf,
        depth: usize,
        meta: &Metadata,
        link: Option<PathBuf>,
    ) -> Self {
        Entry {
            path,
            kind: Kind::of(meta),
            mode: meta.mode() & 0o7777,
            size: meta.size(),
            mtime: Timestamp {
                secs: meta.mtime(),
                nanos: clamp_nanos(meta.mtime_nsec()),
            },
            atime: Timestamp {
                secs: meta.atime(),
                nanos: clamp_nanos(meta.atime_nsec()),
            },
            ctime: Timestamp {
                secs: meta.ctime(),
                nanos: clamp_nanos(meta.ctime_nsec()),
            },
            uid: meta.uid(),
            gid: meta.gid(),
            dev: meta.dev(),
            ino: meta.ino(),
            nlink: meta.nlink(),
            depth,
            link,
        }
    }

    /// Describes `meta` found at `path` (relative) and `depth`; `link` is the symlink's target
    /// when it is one.
    pub fn from_meta(path: PathBuf, depth: usize, meta: &Meta, link: Option<PathBuf>) -> Self {
        Entry {
            path,
            kind: meta.kind,
            mode: meta.mode,
            size: meta.size,
            mtime: meta.mtime,
            atime: meta.atime,
            ctime: meta.ctime,
            uid: meta.uid,
            gid: meta.gid,
            dev: meta.dev,
            ino: meta.ino,
            nlink: meta.nlink,
            depth,
            link,
        }
    }

    /// True for a regular file that has other hard links.
    pub fn is_hard_linked(&self) -> bool {
        self.kind == Kind::File && self.nlink > 1
    }
}

fn clamp_nanos(n: i64) -> u32 {
    u32::try_from(n.clamp(0, 999_999_999)).unwrap_or(0)
}
