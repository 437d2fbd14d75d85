//! The capability-style directory handle every tool reaches the file system through.
//!
//! A [`Dir`] is an open directory descriptor. Everything beneath it is named relative to it,
//! one component at a time (`open_dir(name) -> Dir`, `lstat(name)`, `open_file(name)`, ...), and
//! the kernel resolves each name with the `*at` calls and their no-follow flags: a symlink is
//! never followed (opening one as a directory or a file is refused with [`escapes_root`]), a
//! FIFO or device is never opened for reading, and no full path is resolved again from the
//! root, so a directory swapped for a symlink meanwhile cannot redirect a tool outside the tree.
//! Multi-component paths ([`Dir::open_dir_beneath`], [`Dir::open_file_beneath`]) go through
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or, where the kernel lacks it (remembered
//! after the first `ENOSYS`) or the path is longer than `PATH_MAX`, one `openat` per
//! component: depth and path length are limited only by the file system.
//!
//! Handles are cheap to clone (the descriptor is shared and closed with the last clone), so a
//! walk can hand the directory of each entry to worker threads.
//!
//! New contents go to a temporary name in the same directory ([`Dir::create_temp`], in rsync's
//! `.NAME.XXXXXX` or our `.NAME.XXXXXXXX.tmp~` style) and are renamed over the final name when
//! complete ([`TempFile::commit`]); a temporary that is dropped uncommitted is removed.
//!
//! This is the only module of the workspace that calls `rustix::fs` on names beneath a root.
//! Its methods return `io::Result` (but [`TempFile`]'s, which know the path they were given):
//! callers add the path and operation they want to report
//! ([`crate::Root`] does it with [`crate::Error`], treesync in rsync's words).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::entry::{Kind, Meta, Timestamp};
use crate::error::{Context, Error, Op, Result};

/// An open directory; every operation names things relative to it and never follows a symlink.
#[derive(Debug, Clone)]
pub struct Dir {
    fd: Arc<OwnedFd>,
    /// Set once the directory was read: listing it again must rewind first (a fresh handle
    /// is at the start already, one system call less per directory of a walk).
    read: Arc<AtomicBool>,
}

/// Whether reads may update access times. [`Atime::Keep`] asks for `O_NOATIME` where the
/// kernel allows it (the file's owner or root) and silently falls back otherwise, so a tool that
/// only reads leaves a tree exactly as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atime {
    /// Plain opens.
    Update,
    /// `O_NOATIME` where permitted.
    Keep,
}

/// How temporary names are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempStyle {
    /// rsync's `.NAME.XXXXXX` (six hex digits), which rsync users' filters already expect.
    Rsync,
    /// Our own `.NAME.XXXXXXXX.tmp~`, recognisable as ours by the suffix.
    Tool,
    /// `.NAME.RRRRRRRR-XXXXXXXX.tmp~`: ours, and of the run `RRRRRRRR`, so that a later run
    /// can remove what a killed one left, beyond doubt (see [`is_run_temp_name`]).
    Run(u32),
}

/// One name listed in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The name (one component, never `.` or `..`).
    pub name: OsString,
    /// The kind `getdents` reported, or `None` where the file system does not say.
    pub kind: Option<Kind>,
}

/// The error for a path that leaves the root or passes through a symbolic link.
pub fn escapes_root() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "path leads outside the root or through a symbolic link",
    )
}

/// The error for an object that is not the one a walk found at that name.
pub fn changed_meanwhile() -> io::Error {
    io::Error::other("changed while it was being read (replaced by another object)")
}

/// Set once `openat2` answered `ENOSYS`: later calls go component by component at once.
static NO_OPENAT2: AtomicBool = AtomicBool::new(false);

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOFOLLOW);
const FILE_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NONBLOCK)
    .union(OFlags::NOCTTY)
    .union(OFlags::CLOEXEC);
const NEW_FLAGS: OFlags = OFlags::WRONLY
    .union(OFlags::CREATE)
    .union(OFlags::EXCL)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

impl Dir {
    /// Opens the directory at `path` as named by the operator: symlinks on the way (and at the
    /// end) are followed, as `cp -r link/` or `rsync src/` follow them.
    pub fn open_ambient(path: &Path, atime: Atime) -> io::Result<Dir> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = with_atime(atime, flags, |f| rustix::fs::open(path, f, Mode::empty()))?;
        Ok(Dir::from_fd(fd))
    }

    /// Wraps an open directory descriptor.
    pub fn from_fd(fd: OwnedFd) -> Dir {
        Dir {
            fd: Arc::new(fd),
            read: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Opens the subdirectory `name` (one component) without following a symlink: a symlink
    /// there is [`escapes_root`], anything else but a directory `ENOTDIR`.
    pub fn open_dir(&self, name: &OsStr) -> io::Result<Dir> {
        self.open_dir_with(name, Atime::Update)
    }

    /// [`Dir::open_dir`], keeping the directory's access time when asked.
    pub fn open_dir_with(&self, name: &OsStr, atime: Atime) -> io::Result<Dir> {
        let res = with_atime(atime, DIR_FLAGS, |f| {
            rustix::fs::openat(&*self.fd, name, f, Mode::empty())
        });
        match res {
            Ok(fd) => Ok(Dir::from_fd(fd)),
            Err(Errno::LOOP | Errno::NOTDIR) => Err(self.not_a_dir(name)),
            Err(e) => Err(e.into()),
        }
    }

    fn not_a_dir(&self, name: &OsStr) -> io::Error {
        match rustix::fs::statat(&*self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if Kind::from_mode(st.st_mode) == Kind::Symlink => escapes_root(),
            Ok(_) => Errno::NOTDIR.into(),
            Err(e) => e.into(),
        }
    }

    /// Opens the directory `rel` beneath this one (empty or `.` for this one itself), refusing
    /// `..`, absolute paths and symlinks anywhere on the way.
    pub fn open_dir_beneath(&self, rel: &Path) -> io::Result<Dir> {
        check_relative(rel)?;
        if is_here(rel) {
            return self.open_dir(OsStr::new("."));
        }
        if !NO_OPENAT2.load(Ordering::Relaxed) && rel.as_os_str().len() < PATH_MAX {
            let resolve =
                ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
            match rustix::fs::openat2(&*self.fd, rel, DIR_FLAGS, Mode::empty(), resolve) {
                Ok(fd) => return Ok(Dir::from_fd(fd)),
                Err(Errno::LOOP | Errno::XDEV) => return Err(escapes_root()),
                Err(Errno::NOSYS) => NO_OPENAT2.store(true, Ordering::Relaxed),
                // ENOTDIR may hide a symlink (O_NOFOLLOW|O_DIRECTORY on a link), EPERM a
                // seccomp filter, EAGAIN a rename racing the lookup: let the slow path tell.
                Err(Errno::PERM | Errno::NOTDIR | Errno::AGAIN) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut dir = self.clone();
        for c in rel.components() {
            if let Component::Normal(name) = c {
                dir = dir.open_dir(name)?;
            }
        }
        Ok(dir)
    }

    /// The directory holding `rel` (beneath this one) and `rel`'s last component.
    pub fn parent_beneath<'a>(&self, rel: &'a Path) -> io::Result<(Dir, &'a OsStr)> {
        check_relative(rel)?;
        let name = rel
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let dir = rel.parent().unwrap_or(Path::new(""));
        Ok((self.open_dir_beneath(dir)?, name))
    }

    /// Opens the regular file `rel` beneath this one (see [`Dir::open_dir_beneath`] and
    /// [`Dir::open_file`]).
    pub fn open_file_beneath(&self, rel: &Path, atime: Atime) -> io::Result<(File, Meta)> {
        let (dir, name) = self.parent_beneath(rel)?;
        dir.open_file(name, atime)
    }

    /// The names in this directory (without `.` and `..`) in directory order, with the kind
    /// `getdents` reports. Reads from the start each time; not for two threads at once on
    /// clones of one handle (they share the read position).
    pub fn entries(&self) -> io::Result<Vec<DirEntry>> {
        if self.read.swap(true, Ordering::Relaxed) {
            rustix::fs::seek(&*self.fd, rustix::fs::SeekFrom::Start(0))?;
        }
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 32 * 1024];
        let mut rd = rustix::fs::RawDir::new(&*self.fd, &mut buf);
        let mut out = Vec::new();
        while let Some(ent) = rd.next() {
            let ent = ent?;
            let name = ent.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            out.push(DirEntry {
                name: OsString::from_vec(name.to_vec()),
                kind: kind_of_dirent(ent.file_type()),
            });
        }
        Ok(out)
    }

    /// Describes `name` without following it, or `None` when it does not exist.
    pub fn lstat(&self, name: &OsStr) -> io::Result<Option<Meta>> {
        match rustix::fs::statat(&*self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(Meta::from_stat(&st))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Describes `name`, following it when it is a symbolic link, wherever that leads (as
    /// `diff` does without `--no-dereference`, by the operator's choice); a dangling link is
    /// `NotFound`.
    pub fn stat_following(&self, name: &OsStr) -> io::Result<Meta> {
        Ok(Meta::from_stat(&rustix::fs::statat(
            &*self.fd,
            name,
            AtFlags::empty(),
        )?))
    }

    /// Opens `name` for reading following a symbolic link (see [`Dir::stat_following`]),
    /// whatever kind of file it is, with what `fstat` says of it.
    pub fn open_following(&self, name: &OsStr, atime: Atime) -> io::Result<(File, Meta)> {
        let flags = OFlags::RDONLY | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = with_atime(atime, flags, |f| {
            rustix::fs::openat(&*self.fd, name, f, Mode::empty())
        })?;
        let meta = Meta::from_stat(&rustix::fs::fstat(&fd)?);
        Ok((File::from(fd), meta))
    }

    /// Opens the subdirectory `name` following a symbolic link (see [`Dir::stat_following`]).
    pub fn open_dir_following(&self, name: &OsStr) -> io::Result<Dir> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&*self.fd, name, flags, Mode::empty())?;
        Ok(Dir::from_fd(fd))
    }

    /// Fails, with the kernel's reason, when the effective user may not create, rename or
    /// remove names in this directory: `EACCES` for permissions, `EROFS` for a read-only mount
    /// (which binds root too), `EPERM` for an immutable directory. Meant for checking before
    /// changing anything; the answer can go stale, so the writes still report their errors.
    pub fn check_writable(&self) -> io::Result<()> {
        let here = OsStr::new(".");
        Ok(rustix::fs::accessat(
            &*self.fd,
            here,
            rustix::fs::Access::WRITE_OK,
            AtFlags::EACCESS,
        )?)
    }

    /// Describes this directory itself.
    pub fn stat(&self) -> io::Result<Meta> {
        Ok(Meta::from_stat(&rustix::fs::fstat(&*self.fd)?))
    }

    /// Opens the regular file `name` for reading, with what `fstat` says of it. A symlink is
    /// refused ([`escapes_root`]), and a FIFO, socket or device is refused rather than blocked
    /// on or read forever.
    pub fn open_file(&self, name: &OsStr, atime: Atime) -> io::Result<(File, Meta)> {
        let (file, meta) = self.open_file_nonblocking(name, atime)?;
        rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
        Ok((file, meta))
    }

    /// [`Dir::open_file`] without clearing `O_NONBLOCK` afterwards, one system call less for
    /// a scan that opens every file of a tree: the flag does not change reads of regular files
    /// on local file systems (it may on network or FUSE ones, where a read can then fail with
    /// `WouldBlock`; callers treat a failed read as "compare again later").
    pub fn open_file_nonblocking(&self, name: &OsStr, atime: Atime) -> io::Result<(File, Meta)> {
        regular(self.open_file_unchecked(name, atime)?)
    }

    /// Opens `name` for reading without following a symlink and without asking what it is:
    /// for a caller that has just found a regular file there with [`Dir::lstat`] and reads it
    /// at once (one `fstat` less per file when a whole tree is compared). `O_NONBLOCK` stays
    /// set, so a FIFO swapped in meanwhile reads as empty instead of blocking.
    pub fn open_file_unchecked(&self, name: &OsStr, atime: Atime) -> io::Result<File> {
        let fd = with_atime(atime, FILE_FLAGS, |f| {
            rustix::fs::openat(&*self.fd, name, f, Mode::empty())
        })
        .map_err(no_symlink)?;
        Ok(File::from(fd))
    }

    /// [`Dir::open_file`], refusing with [`changed_meanwhile`] when the file opened is not the
    /// object `found` (by device and inode) that a walk or an `lstat` saw at that name.
    pub fn open_file_checked(
        &self,
        name: &OsStr,
        atime: Atime,
        found: &Meta,
    ) -> io::Result<(File, Meta)> {
        let (file, meta) = self.open_file(name, atime)?;
        if !meta.same_object(found) {
            return Err(changed_meanwhile());
        }
        Ok((file, meta))
    }

    /// The target of the symlink `name`, verbatim.
    pub fn read_link(&self, name: &OsStr) -> io::Result<Vec<u8>> {
        Ok(rustix::fs::readlinkat(&*self.fd, name, Vec::new())?.into_bytes())
    }

    /// Starts a new regular file that will replace `name` when committed: it is created with
    /// `mode` (before umask) at a fresh temporary name of `style` in this directory.
    pub fn create_temp(&self, name: &OsStr, style: TempStyle, mode: u32) -> io::Result<TempFile> {
        let (fd, tmp) = self.fresh(name, style, |tmp| {
            rustix::fs::openat(&*self.fd, tmp, NEW_FLAGS, raw_mode(mode))
        })?;
        Ok(TempFile {
            file: File::from(fd),
            name: TempName {
                dir: self.clone(),
                tmp,
                target: name.to_os_string(),
                done: false,
            },
            full: PathBuf::from(name),
        })
    }

    /// Opens the regular file `name` for writing in place (created with `mode` before umask
    /// when missing), never through a symlink; a FIFO, socket or device is refused. For
    /// rsync's `--inplace`/`--append`, which update DEST's file itself (its hard links see it).
    pub fn open_for_update(&self, name: &OsStr, mode: u32) -> io::Result<(File, Meta)> {
        let flags = OFlags::RDWR
            | OFlags::CREATE
            | OFlags::NOFOLLOW
            | OFlags::NONBLOCK
            | OFlags::NOCTTY
            | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&*self.fd, name, flags, raw_mode(mode)).map_err(no_symlink)?;
        let (file, meta) = regular(File::from(fd))?;
        rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
        Ok((file, meta))
    }

    /// Creates the new regular file `name` (it must not exist) with `mode` before umask.
    pub fn create_new(&self, name: &OsStr, mode: u32) -> io::Result<File> {
        Ok(File::from(rustix::fs::openat(
            &*self.fd,
            name,
            NEW_FLAGS,
            raw_mode(mode),
        )?))
    }

    /// Creates the directory `name` with `mode` (masked by umask, as mkdir(2)).
    pub fn mkdir(&self, name: &OsStr, mode: u32) -> io::Result<()> {
        Ok(rustix::fs::mkdirat(&*self.fd, name, raw_mode(mode))?)
    }

    /// Creates the symlink `name` pointing at `target` (it must not exist).
    pub fn symlink(&self, target: &OsStr, name: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::symlinkat(target, &*self.fd, name)?)
    }

    /// Creates a symlink to `target` under a fresh temporary name for `name`; returns that name,
    /// for the caller to [`Dir::rename`] over `name`.
    pub fn symlink_temp(
        &self,
        target: &OsStr,
        name: &OsStr,
        style: TempStyle,
    ) -> io::Result<OsString> {
        self.fresh(name, style, |tmp| {
            rustix::fs::symlinkat(target, &*self.fd, tmp)
        })
        .map(|((), tmp)| tmp)
    }

    /// Makes a fresh temporary name for `to` in `to_dir` a hard link to `name` here (the
    /// link itself for a symlink); returns that name, for the caller to rename over `to`.
    pub fn hard_link_temp(
        &self,
        name: &OsStr,
        to_dir: &Dir,
        to: &OsStr,
        style: TempStyle,
    ) -> io::Result<OsString> {
        to_dir
            .fresh(to, style, |tmp| {
                rustix::fs::linkat(&*self.fd, name, &*to_dir.fd, tmp, AtFlags::empty())
            })
            .map(|((), tmp)| tmp)
    }

    /// Creates a device, FIFO or socket node of `kind` under a fresh temporary name for `name`;
    /// returns that name.
    pub fn mknod_temp(
        &self,
        name: &OsStr,
        kind: Kind,
        mode: u32,
        rdev: u64,
        style: TempStyle,
    ) -> io::Result<OsString> {
        let ty = match kind {
            Kind::Fifo => FileType::Fifo,
            Kind::Socket => FileType::Socket,
            Kind::CharDevice => FileType::CharacterDevice,
            Kind::BlockDevice => FileType::BlockDevice,
            Kind::File | Kind::Dir | Kind::Symlink => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a special file",
                ));
            }
        };
        self.fresh(name, style, |tmp| {
            rustix::fs::mknodat(&*self.fd, tmp, ty, raw_mode(mode), rdev)
        })
        .map(|((), tmp)| tmp)
    }

    /// Calls `make` with fresh temporary names until one does not exist yet.
    fn fresh<T>(
        &self,
        name: &OsStr,
        style: TempStyle,
        mut make: impl FnMut(&OsStr) -> rustix::io::Result<T>,
    ) -> io::Result<(T, OsString)> {
        loop {
            let tmp = temp_name(name, style);
            match make(&tmp) {
                Ok(t) => return Ok((t, tmp)),
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Renames `from` (in this directory) to `to` in `to_dir`, replacing a non-directory there
    /// (or an empty directory, when `from` is one).
    pub fn rename(&self, from: &OsStr, to_dir: &Dir, to: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::renameat(&*self.fd, from, &*to_dir.fd, to)?)
    }

    /// Makes `to` in `to_dir` a hard link to the file `name` in this directory (never
    /// following a symlink: the link itself is linked).
    pub fn hard_link(&self, name: &OsStr, to_dir: &Dir, to: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::linkat(
            &*self.fd,
            name,
            &*to_dir.fd,
            to,
            AtFlags::empty(),
        )?)
    }

    /// Removes the non-directory `name` (a symlink itself, never its target).
    pub fn remove_file(&self, name: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(&*self.fd, name, AtFlags::empty())?)
    }

    /// Removes the empty directory `name`.
    pub fn remove_dir(&self, name: &OsStr) -> io::Result<()> {
        Ok(rustix::fs::unlinkat(&*self.fd, name, AtFlags::REMOVEDIR)?)
    }

    /// Removes `name` and, if it is a directory, everything in it, without following symlinks.
    /// Iterative: depth is limited by nothing but the file system.
    pub fn remove_all(&self, name: &OsStr) -> io::Result<()> {
        match self.lstat(name)? {
            None => return Ok(()),
            Some(m) if m.kind != Kind::Dir => return self.remove_file(name),
            Some(_) => {}
        }
        // Each level: the directory holding it, its name, and the open directory itself.
        let mut stack = vec![(self.clone(), name.to_os_string(), self.open_dir(name)?)];
        while let Some((parent, dname, dir)) = stack.pop() {
            let mut sub = None;
            for e in dir.entries()? {
                let is_dir = match e.kind {
                    Some(k) => k == Kind::Dir,
                    None => dir.lstat(&e.name)?.is_some_and(|m| m.kind == Kind::Dir),
                };
                if !is_dir {
                    dir.remove_file(&e.name)?;
                } else if sub.is_none() {
                    sub = Some(e.name);
                }
            }
            match sub {
                // Come back to this directory after the subdirectory is gone.
                Some(s) => {
                    let child = dir.open_dir(&s)?;
                    stack.push((parent, dname, dir.clone()));
                    stack.push((dir, s, child));
                }
                None => parent.remove_dir(&dname)?,
            }
        }
        Ok(())
    }

    /// Sets the access and/or modification time of `name` (the link itself for a symlink);
    /// `None` leaves that time alone.
    pub fn set_times(
        &self,
        name: &OsStr,
        atime: Option<Timestamp>,
        mtime: Option<Timestamp>,
    ) -> io::Result<()> {
        if atime.is_none() && mtime.is_none() {
            return Ok(());
        }
        let ts = timestamps(atime, mtime);
        Ok(rustix::fs::utimensat(
            &*self.fd,
            name,
            &ts,
            AtFlags::SYMLINK_NOFOLLOW,
        )?)
    }

    /// Sets the owner and/or group of `name` (the link itself for a symlink).
    pub fn chown(&self, name: &OsStr, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
        if uid.is_none() && gid.is_none() {
            return Ok(());
        }
        Ok(rustix::fs::chownat(
            &*self.fd,
            name,
            uid.map(rustix::fs::Uid::from_raw),
            gid.map(rustix::fs::Gid::from_raw),
            AtFlags::SYMLINK_NOFOLLOW,
        )?)
    }

    /// Sets the permission bits of `name` exactly (a no-op for a symlink: Linux links have
    /// none). The name is opened with `O_PATH | O_NOFOLLOW` and the mode set on what was opened
    /// (via `/proc/self/fd`), so a name swapped for a symlink meanwhile cannot redirect it.
    pub fn chmod(&self, name: &OsStr, mode: u32) -> io::Result<()> {
        let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&*self.fd, name, flags, Mode::empty())?;
        let st = rustix::fs::fstat(&fd)?;
        if Kind::from_mode(st.st_mode) == Kind::Symlink {
            return Ok(());
        }
        let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
        match rustix::fs::chmod(proc_path.as_str(), raw_mode(mode)) {
            Ok(()) => Ok(()),
            // No /proc: open the object itself (it is not a symlink: O_NOFOLLOW) and fchmod it.
            Err(Errno::NOENT) => {
                let fd = rustix::fs::openat(&*self.fd, name, FILE_FLAGS, Mode::empty())?;
                Ok(rustix::fs::fchmod(&fd, raw_mode(mode))?)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Sets this directory's own permission bits exactly.
    pub fn chmod_self(&self, mode: u32) -> io::Result<()> {
        Ok(rustix::fs::fchmod(&*self.fd, raw_mode(mode))?)
    }

    /// Sets this directory's own times.
    pub fn set_times_self(
        &self,
        atime: Option<Timestamp>,
        mtime: Option<Timestamp>,
    ) -> io::Result<()> {
        set_times_fd(&*self.fd, atime, mtime)
    }

    /// Sets this directory's own owner and/or group.
    pub fn chown_self(&self, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
        chown_fd(&*self.fd, uid, gid)
    }
}

impl AsFd for Dir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Sets the times of an open file or directory; `None` leaves that time alone.
pub fn set_times_fd(
    fd: impl AsFd,
    atime: Option<Timestamp>,
    mtime: Option<Timestamp>,
) -> io::Result<()> {
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    Ok(rustix::fs::futimens(fd, &timestamps(atime, mtime))?)
}

/// Sets the owner and/or group of an open file or directory.
pub fn chown_fd(fd: impl AsFd, uid: Option<u32>, gid: Option<u32>) -> io::Result<()> {
    if uid.is_none() && gid.is_none() {
        return Ok(());
    }
    Ok(rustix::fs::fchown(
        fd,
        uid.map(rustix::fs::Uid::from_raw),
        gid.map(rustix::fs::Gid::from_raw),
    )?)
}

/// Sets the permission bits of an open file or directory exactly.
pub fn chmod_fd(fd: impl AsFd, mode: u32) -> io::Result<()> {
    Ok(rustix::fs::fchmod(fd, raw_mode(mode))?)
}

/// Describes an open file or directory.
pub fn stat_fd(fd: impl AsFd) -> io::Result<Meta> {
    Ok(Meta::from_stat(&rustix::fs::fstat(fd)?))
}

/// Describes the object at `path` as the operator named it (a command-line operand, not a
/// name beneath a root): `follow` decides whether a symlink at the end is followed (`stat`)
/// or described itself (`lstat`); symlinks on the way are followed, as the shell's are.
pub fn stat_path(path: &Path, follow: bool) -> io::Result<Meta> {
    let st = if follow {
        rustix::fs::stat(path)?
    } else {
        rustix::fs::lstat(path)?
    };
    Ok(Meta::from_stat(&st))
}

/// Opens the regular file at `path` as the operator named it (a command-line operand) for
/// reading, with what `fstat` says of it. A symlink at the end is refused, as
/// [`Dir::open_file`] refuses one, and so is anything but a regular file.
pub fn open_file_path(path: &Path, atime: Atime) -> io::Result<(File, Meta)> {
    let fd = with_atime(atime, FILE_FLAGS, |f| {
        rustix::fs::open(path, f, Mode::empty())
    })
    .map_err(no_symlink)?;
    let (file, meta) = regular(File::from(fd))?;
    rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
    Ok((file, meta))
}

/// `ELOOP` from an `O_NOFOLLOW` open means a symlink was there: [`escapes_root`].
fn no_symlink(e: Errno) -> io::Error {
    match e {
        Errno::LOOP => escapes_root(),
        e => e.into(),
    }
}

/// `file` with what `fstat` says of it, refused unless it is a regular file.
fn regular(file: File) -> io::Result<(File, Meta)> {
    let meta = Meta::from_stat(&rustix::fs::fstat(&file)?);
    if meta.kind != Kind::File {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok((file, meta))
}

/// A new read-write file in the directory `dir` that has no name (`O_TMPFILE`; where the file
/// system lacks it, a fresh `.spool` name removed at once), gone when closed: for spooling data
/// that is not beneath a target root, such as a piped patch that has to be read twice.
pub fn create_anonymous(dir: &Path) -> io::Result<File> {
    let mode = Mode::from_raw_mode(0o600);
    let flags = OFlags::RDWR | OFlags::CLOEXEC;
    match rustix::fs::open(dir, flags | OFlags::TMPFILE, mode) {
        Ok(fd) => return Ok(File::from(fd)),
        // No O_TMPFILE on this file system (or kernel): a named file, unlinked at once.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => {}
        Err(e) => return Err(e.into()),
    }
    let dir = Dir::open_ambient(dir, Atime::Update)?;
    let (fd, name) = dir.fresh(OsStr::new("spool"), TempStyle::Tool, |tmp| {
        rustix::fs::openat(&*dir.fd, tmp, flags | OFlags::CREATE | OFlags::EXCL, mode)
    })?;
    dir.remove_file(&name)?;
    Ok(File::from(fd))
}

/// A file being written under a temporary name; removed on drop unless committed or kept.
#[derive(Debug)]
pub struct TempFile {
    /// The open file to write into.
    pub file: File,
    name: TempName,
    full: PathBuf,
}

/// The temporary name of a [`TempFile`], removed on drop unless `done`.
#[derive(Debug)]
struct TempName {
    dir: Dir,
    tmp: OsString,
    target: OsString,
    done: bool,
}

impl Drop for TempName {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.dir.remove_file(&self.tmp);
        }
    }
}

impl TempFile {
    /// Sets the path the file is known by in messages (by default its name).
    pub fn with_path(mut self, full: PathBuf) -> Self {
        self.full = full;
        self
    }

    /// The final path, for messages.
    pub fn path(&self) -> &Path {
        &self.full
    }

    /// The temporary name in its directory.
    pub fn temp_name(&self) -> &OsStr {
        &self.name.tmp
    }

    /// Sets the permission bits exactly (not masked by umask).
    pub fn set_mode(&self, mode: u32) -> Result<()> {
        chmod_fd(&self.file, mode).ctx(Op::Chmod, &self.full)
    }

    /// Sets access and/or modification time.
    pub fn set_times(&self, atime: Option<Timestamp>, mtime: Option<Timestamp>) -> Result<()> {
        set_times_fd(&self.file, atime, mtime).ctx(Op::SetTimes, &self.full)
    }

    /// Renames the file over its final name. A killed process leaves either the old file or the
    /// new one under the name, never a torn one (rename is atomic); data is not forced to disk
    /// (no fsync, as GNU patch and rsync), see [`TempFile::commit_durable`] for that.
    pub fn commit(mut self) -> Result<()> {
        let n = &self.name;
        n.dir
            .rename(&n.tmp, &n.dir, &n.target)
            .ctx(Op::Rename, &self.full)?;
        self.name.done = true;
        Ok(())
    }

    /// [`TempFile::commit`] after `fsync`, so the new content survives a power loss too.
    pub fn commit_durable(self) -> Result<()> {
        match rustix::fs::fsync(&self.file) {
            Ok(()) | Err(Errno::INVAL) => {}
            Err(e) => return Err(Error::new(Op::Write, &self.full, e.into())),
        }
        self.commit()
    }

    /// Gives up the temporary name without removing it: the caller renames it itself (or
    /// leaves it for a later run, as rsync's `--partial` does). Returns the file and the name.
    pub fn keep(self) -> (File, OsString) {
        let TempFile { file, mut name, .. } = self;
        name.done = true;
        (file, std::mem::take(&mut name.tmp))
    }
}

impl AsFd for TempFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// The longest path the kernel resolves in one call.
const PATH_MAX: usize = 4096;

/// Refuses `..`, absolute paths and prefixes: only plain names (and `.`) stay beneath.
pub fn check_relative(rel: &Path) -> io::Result<()> {
    for c in rel.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) | Component::ParentDir => {
                return Err(escapes_root());
            }
        }
    }
    Ok(())
}

fn is_here(rel: &Path) -> bool {
    rel.components().all(|c| c == Component::CurDir)
}

fn raw_mode(mode: u32) -> Mode {
    Mode::from_raw_mode(mode & 0o7777)
}

/// Tries `open` with `O_NOATIME` first when asked (refused with EPERM unless we own the file
/// or are root), then without.
fn with_atime<T>(
    atime: Atime,
    flags: OFlags,
    mut open: impl FnMut(OFlags) -> rustix::io::Result<T>,
) -> rustix::io::Result<T> {
    if atime == Atime::Keep {
        match open(flags | OFlags::NOATIME) {
            Err(Errno::PERM) => {}
            other => return other,
        }
    }
    open(flags)
}

fn kind_of_dirent(ft: FileType) -> Option<Kind> {
    Some(match ft {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        FileType::Fifo => Kind::Fifo,
        FileType::Socket => Kind::Socket,
        FileType::CharacterDevice => Kind::CharDevice,
        FileType::BlockDevice => Kind::BlockDevice,
        FileType::Unknown => return None,
    })
}

/// A fresh temporary name for `name` in `style`, short enough for NAME_MAX (255).
pub fn temp_name(name: &OsStr, style: TempStyle) -> OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = u64::from(*PID.get_or_init(std::process::id));
    let b = name.as_bytes();
    let mut out = b".".to_vec();
    match style {
        TempStyle::Rsync => {
            out.extend_from_slice(&b[..b.len().min(240)]);
            out.extend_from_slice(format!(".{:06x}", (pid << 20 ^ n) & 0xff_ffff).as_bytes());
        }
        TempStyle::Tool => {
            let tag = tool_tag(pid, n, Timestamp::now().nanos);
            out.extend_from_slice(&b[..b.len().min(180)]);
            out.extend_from_slice(format!(".{tag:08x}.tmp~").as_bytes());
        }
        TempStyle::Run(run) => {
            let tag = tool_tag(pid, n, Timestamp::now().nanos);
            out.extend_from_slice(&b[..b.len().min(180)]);
            out.extend_from_slice(format!(".{run:08x}-{tag:08x}.tmp~").as_bytes());
        }
    }
    OsString::from_vec(out)
}

/// True when `name` is a [`TempStyle::Run`] name of the run `run`.
pub fn is_run_temp_name(name: &OsStr, run: u32) -> bool {
    let b = name.as_bytes();
    let suffix = format!(".{run:08x}-");
    let Some(rest) = b.strip_suffix(b".tmp~") else {
        return false;
    };
    let Some((head, tag)) = rest.split_at_checked(rest.len().saturating_sub(8)) else {
        return false;
    };
    b.first() == Some(&b'.')
        && tag.len() == 8
        && tag.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        && head.len() > suffix.len()
        && head.ends_with(suffix.as_bytes())
}

/// The eight hex digits of a [`TempStyle::Tool`] name: the counter goes into the low bits that
/// the format keeps (spread by an odd multiplier so consecutive names differ in many digits),
/// with the process and the clock, so two names of one process never repeat within 2^32.
fn tool_tag(pid: u64, n: u64, nanos: u32) -> u32 {
    let tag = pid.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D)
        ^ u64::from(nanos);
    (tag & 0xffff_ffff) as u32
}

fn timestamps(atime: Option<Timestamp>, mtime: Option<Timestamp>) -> rustix::fs::Timestamps {
    let omit = rustix::fs::Timespec {
        tv_sec: 0,
        tv_nsec: rustix::fs::UTIME_OMIT,
    };
    rustix::fs::Timestamps {
        last_access: atime.map_or(omit, Timestamp::to_timespec),
        last_modification: mtime.map_or(omit, Timestamp::to_timespec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_temp_names_are_recognised_by_their_run() {
        let n = temp_name(OsStr::new("f.c"), TempStyle::Run(0xab12));
        assert!(is_run_temp_name(&n, 0xab12), "{n:?}");
        assert!(!is_run_temp_name(&n, 0xab13));
        let tool = temp_name(OsStr::new("f.c"), TempStyle::Tool);
        assert!(!is_run_temp_name(&tool, 0xab12));
        for other in [
            "f.0000ab12-01234567.tmp~",
            ".0000ab12-0123456.tmp~",
            ".f.0000ab12-0123456g.tmp~",
        ] {
            assert!(!is_run_temp_name(OsStr::new(other), 0xab12), "{other}");
        }
        assert!(is_run_temp_name(
            OsStr::new(".x.0000ab12-0123456f.tmp~"),
            0xab12
        ));
    }

    #[test]
    fn check_writable_tells_a_writable_directory_from_an_immutable_one() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        let d = Dir::open_ambient(&t.path().join("d"), Atime::Update).unwrap();
        d.check_writable().unwrap();
        // An immutable directory cannot be written even by root (who passes every mode).
        let flags = rustix::fs::IFlags::IMMUTABLE;
        if let Err(e) = rustix::fs::ioctl_setflags(&d, flags) {
            eprintln!("skipped the immutable case: chattr +i is refused here ({e})");
            return;
        }
        let refused = d.check_writable();
        rustix::fs::ioctl_setflags(&d, rustix::fs::IFlags::empty()).unwrap();
        let e = refused.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(Errno::PERM.raw_os_error()), "{e}");
    }

    #[test]
    fn an_anonymous_file_reads_back_and_leaves_no_name() {
        use std::io::{Read, Seek, Write};
        let t = tempfile::tempdir().unwrap();
        let mut f = create_anonymous(t.path()).unwrap();
        f.write_all(b"spooled\n").unwrap();
        f.rewind().unwrap();
        let mut back = Vec::new();
        f.read_to_end(&mut back).unwrap();
        assert_eq!(back, b"spooled\n");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0);
        assert!(create_anonymous(&t.path().join("missing")).is_err());
    }

    #[test]
    fn tool_temp_names_differ_by_the_counter_even_at_the_same_instant() {
        let tags: std::collections::HashSet<u32> = (0..10_000)
            .map(|n| tool_tag(4242, n, 123_456_789))
            .collect();
        assert_eq!(tags.len(), 10_000);
    }

    #[test]
    fn operands_by_path_follow_a_final_symlink_only_when_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        std::fs::write(&file, b"data").unwrap();
        let link = tmp.path().join("l");
        std::os::unix::fs::symlink("f", &link).unwrap();
        assert_eq!(stat_path(&link, true).unwrap().kind, Kind::File);
        assert_eq!(stat_path(&link, false).unwrap().kind, Kind::Symlink);
        let (_, meta) = open_file_path(&file, Atime::Keep).unwrap();
        assert_eq!(meta.size, 4);
        let e = open_file_path(&link, Atime::Keep).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        let e = open_file_path(tmp.path(), Atime::Keep).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn following_opens_and_stats_through_symlinks_and_dangling_is_not_found() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("f"), "data").expect("write");
        std::fs::create_dir(tmp.path().join("d")).expect("mkdir");
        std::os::unix::fs::symlink("f", tmp.path().join("lf")).expect("ln");
        std::os::unix::fs::symlink("d", tmp.path().join("ld")).expect("ln");
        std::os::unix::fs::symlink("nowhere", tmp.path().join("dangling")).expect("ln");
        let dir = Dir::open_ambient(tmp.path(), Atime::Update).expect("open");
        let meta = dir.stat_following(OsStr::new("lf")).expect("stat");
        assert_eq!((meta.kind, meta.size), (Kind::File, 4));
        let (_, meta) = dir
            .open_following(OsStr::new("lf"), Atime::Update)
            .expect("open");
        assert_eq!(meta.kind, Kind::File);
        assert!(dir.open_dir_following(OsStr::new("ld")).is_ok());
        assert!(
            dir.open_dir(OsStr::new("ld")).is_err(),
            "the plain open never follows"
        );
        let e = dir
            .stat_following(OsStr::new("dangling"))
            .expect_err("dangling");
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
