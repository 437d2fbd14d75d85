//! Operations inside DEST, always relative to an open directory descriptor and never following
//! a symlink: `openat(O_NOFOLLOW)`, `*at(AT_SYMLINK_NOFOLLOW)`, temporary names created with
//! `O_EXCL` and renamed over the final name. A symlink found where a directory is expected is
//! therefore replaced, never entered, and nothing outside DEST can be reached through it.
//!
//! The engine reads SRC through the same calls (relative to an open source directory, so no
//! full path is resolved per file): [`open_dir`], [`open_file`], [`read_dir`], [`lstat`] and
//! [`readlink`] never follow a symlink either, which is what a walk of SRC wants too.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat, Timespec, Timestamps, UTIME_OMIT};

/// The part of `stat` the engine looks at.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub ty: FileType,
    pub mode: u32,
    pub size: u64,
    pub mtime: (i64, u32),
    pub atime: (i64, u32),
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
}

impl From<Stat> for Meta {
    fn from(s: Stat) -> Self {
        #[allow(clippy::unnecessary_cast)]
        Meta {
            ty: FileType::from_raw_mode(s.st_mode as _),
            mode: s.st_mode as u32 & 0o7777,
            size: u64::try_from(s.st_size).unwrap_or(0),
            mtime: (s.st_mtime as i64, s.st_mtime_nsec as u32),
            atime: (s.st_atime as i64, s.st_atime_nsec as u32),
            uid: s.st_uid,
            gid: s.st_gid,
            rdev: s.st_rdev as u64,
        }
    }
}

/// `lstat` of `name` in `dir`; `None` if it does not exist.
pub fn lstat(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<Option<Meta>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(s) => Ok(Some(s.into())),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Open a subdirectory without following a symlink (and, where allowed, without updating its
/// atime when it is listed, so a run that changes nothing leaves DEST exactly as it was).
pub fn open_dir(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    match rustix::fs::openat(dir, name, flags | OFlags::NOATIME, Mode::empty()) {
        Err(rustix::io::Errno::PERM) => Ok(rustix::fs::openat(dir, name, flags, Mode::empty())?),
        other => Ok(other?),
    }
}

/// Open a regular file for reading without following a symlink (and without touching its
/// atime where the kernel lets us).
pub fn open_file(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = match rustix::fs::openat(dir, name, flags | OFlags::NOATIME, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::PERM) => rustix::fs::openat(dir, name, flags, Mode::empty())?,
        Err(e) => return Err(e.into()),
    };
    Ok(File::from(fd))
}

/// Open a source file by path for reading, avoiding an atime update where possible.
pub fn open_source(path: &std::path::Path) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    let fd = match rustix::fs::open(path, flags | OFlags::NOATIME, Mode::empty()) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::PERM) => rustix::fs::open(path, flags, Mode::empty())?,
        Err(e) => return Err(e.into()),
    };
    Ok(File::from(fd))
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh temporary name in the style of rsync (`.NAME.XXXXXX`), short enough for NAME_MAX.
pub fn temp_name(name: &OsStr) -> OsString {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let suffix = format!(".{:06x}", (u64::from(pid) << 20 ^ n) & 0xff_ffff);
    let mut bytes = b".".to_vec();
    let stem = name.as_bytes();
    bytes.extend_from_slice(&stem[..stem.len().min(240)]);
    bytes.extend_from_slice(suffix.as_bytes());
    OsString::from_vec(bytes)
}

/// Create a new temporary regular file next to `name` in `dir`; returns it and its name.
pub fn create_temp(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<(File, OsString)> {
    loop {
        let tmp = temp_name(name);
        match rustix::fs::openat(
            dir,
            &tmp,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        ) {
            Ok(fd) => return Ok((File::from(fd), tmp)),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Rename `from` to `to` inside `dir` (replaces a non-directory at `to` atomically).
pub fn rename(dir: BorrowedFd<'_>, from: &OsStr, to: &OsStr) -> io::Result<()> {
    Ok(rustix::fs::renameat(dir, from, dir, to)?)
}

/// Remove a non-directory.
pub fn unlink(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    Ok(rustix::fs::unlinkat(dir, name, AtFlags::empty())?)
}

/// Remove an empty directory.
pub fn rmdir(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
    Ok(rustix::fs::unlinkat(dir, name, AtFlags::REMOVEDIR)?)
}

/// Create a directory.
pub fn mkdir(dir: BorrowedFd<'_>, name: &OsStr, mode: u32) -> io::Result<()> {
    Ok(rustix::fs::mkdirat(dir, name, Mode::from_raw_mode(mode))?)
}

/// Create a symlink under a temporary name; returns that name.
pub fn symlink_temp(dir: BorrowedFd<'_>, name: &OsStr, target: &[u8]) -> io::Result<OsString> {
    loop {
        let tmp = temp_name(name);
        match rustix::fs::symlinkat(OsStr::from_bytes(target), dir, &tmp) {
            Ok(()) => return Ok(tmp),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Create a device or special file under a temporary name; returns that name.
pub fn mknod_temp(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    ty: FileType,
    mode: u32,
    rdev: u64,
) -> io::Result<OsString> {
    loop {
        let tmp = temp_name(name);
        match rustix::fs::mknodat(dir, &tmp, ty, Mode::from_raw_mode(mode), rdev) {
            Ok(()) => return Ok(tmp),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The target of a symlink.
pub fn readlink(dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<Vec<u8>> {
    Ok(rustix::fs::readlinkat(dir, name, Vec::new())?.into_bytes())
}

/// Set mtime and/or atime of `name` without following a symlink.
pub fn set_times(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    atime: Option<(i64, u32)>,
    mtime: Option<(i64, u32)>,
) -> io::Result<()> {
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    let ts = timestamps(atime, mtime);
    Ok(rustix::fs::utimensat(
        dir,
        name,
        &ts,
        AtFlags::SYMLINK_NOFOLLOW,
    )?)
}

/// Set times through an open descriptor.
pub fn set_times_fd(
    fd: BorrowedFd<'_>,
    atime: Option<(i64, u32)>,
    mtime: Option<(i64, u32)>,
) -> io::Result<()> {
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    Ok(rustix::fs::futimens(fd, &timestamps(atime, mtime))?)
}

fn timestamps(atime: Option<(i64, u32)>, mtime: Option<(i64, u32)>) -> Timestamps {
    let spec = |t: Option<(i64, u32)>| match t {
        Some((s, ns)) => Timespec {
            tv_sec: s,
            tv_nsec: i64::from(ns),
        },
        None => Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
    };
    Timestamps {
        last_access: spec(atime),
        last_modification: spec(mtime),
    }
}

/// Change owner/group of `name` without following a symlink.
pub fn chown(
    dir: BorrowedFd<'_>,
    name: &OsStr,
    uid: Option<u32>,
    gid: Option<u32>,
) -> io::Result<()> {
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    Ok(rustix::fs::chownat(
        dir,
        name,
        uid.map(rustix::fs::Uid::from_raw),
        gid.map(rustix::fs::Gid::from_raw),
        AtFlags::SYMLINK_NOFOLLOW,
    )?)
}

/// Change owner/group through a descriptor.
pub fn chown_fd(fd: BorrowedFd<'_>, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    Ok(rustix::fs::fchown(
        fd,
        uid.map(rustix::fs::Uid::from_raw),
        gid.map(rustix::fs::Gid::from_raw),
    )?)
}

/// Change the mode through a descriptor.
pub fn chmod_fd(fd: BorrowedFd<'_>, mode: u32) -> io::Result<()> {
    Ok(rustix::fs::fchmod(fd, Mode::from_raw_mode(mode))?)
}

/// Change the mode of a non-symlink `name` (checked by the caller with [`lstat`]): regular files
/// and directories through an `O_NOFOLLOW` descriptor, devices and specials by name.
pub fn chmod(dir: BorrowedFd<'_>, name: &OsStr, ty: FileType, mode: u32) -> io::Result<()> {
    match ty {
        FileType::RegularFile | FileType::Directory => {
            let fd = rustix::fs::openat(
                dir,
                name,
                OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )?;
            // fchmod on an O_PATH descriptor is refused by older kernels; go through /proc.
            match rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode)) {
                Ok(()) => Ok(()),
                Err(_) => {
                    let proc = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
                    Ok(rustix::fs::chmod(proc.as_str(), Mode::from_raw_mode(mode))?)
                }
            }
        }
        FileType::Symlink => Ok(()),
        _ => Ok(rustix::fs::chmodat(
            dir,
            name,
            Mode::from_raw_mode(mode),
            AtFlags::empty(),
        )?),
    }
}

/// The names in a directory (without `.`/`..`) with the type `getdents` reports
/// (`FileType::Unknown` where the filesystem does not say), in directory order. Reads through
/// `dir` itself (no second descriptor), so call it once per open directory.
pub fn read_dir(dir: BorrowedFd<'_>) -> io::Result<Vec<(OsString, FileType)>> {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 32 * 1024];
    let mut rd = rustix::fs::RawDir::new(dir, &mut buf);
    let mut out = Vec::new();
    while let Some(ent) = rd.next() {
        let ent = ent?;
        let name = ent.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        out.push((OsString::from_vec(name.to_vec()), ent.file_type()));
    }
    Ok(out)
}

/// The names in a DEST directory (without `.`/`..`) and, where readdir tells, whether each is
/// a real directory (not a symlink to one).
pub fn list(dir: BorrowedFd<'_>) -> io::Result<Vec<(OsString, bool)>> {
    read_dir(dir)?
        .into_iter()
        .map(|(name, ty)| {
            let is_dir = match ty {
                FileType::Directory => true,
                FileType::Unknown => {
                    lstat(dir, &name)?.is_some_and(|m| m.ty == FileType::Directory)
                }
                _ => false,
            };
            Ok((name, is_dir))
        })
        .collect()
}
