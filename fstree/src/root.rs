//! Writes beneath a root directory that nothing in the tree can redirect.
//!
//! Every path handed to a [`Root`] is relative and is resolved by the kernel with
//! `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` (or, on kernels without it, one
//! `openat(O_NOFOLLOW | O_DIRECTORY)` per component): a `..`, an absolute path, or a symlink
//! anywhere on the way is refused instead of followed, so a hostile patch or a tampered
//! destination tree cannot make a tool write outside the root. The last component is then
//! operated on with the `*at` calls and their no-follow flags.
//!
//! New file contents always go to a temporary name in the target's directory and are renamed
//! over the final name only when complete ([`TempFile::commit`]); a temporary left by a crash
//! starts with `.` and ends in `.tmp~`, never under a final name. Symlinks are replaced the
//! same way.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};

use crate::entry::{Entry, Kind, Timestamp};
use crate::error::{Context, Error, Op, Result};

/// A directory under which all operations stay.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

/// The error for a path that leaves the root or passes through a symlink.
pub fn escapes_root() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "path leads outside the root or through a symbolic link",
    )
}

fn check_relative(rel: &Path) -> io::Result<()> {
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

impl Root {
    /// Opens `path` as a root. The root itself may be reached through symlinks (the operator
    /// named it); nothing beneath it is.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let fd = rustix::fs::open(
            &path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(Op::Open, &path)?;
        Ok(Root { fd, path })
    }

    /// The root's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `rel` joined to the root, for messages.
    pub fn display(&self, rel: &Path) -> PathBuf {
        if rel.as_os_str().is_empty() {
            self.path.clone()
        } else {
            self.path.join(rel)
        }
    }

    /// Opens the directory `rel` (empty for the root itself) without following any symlink.
    pub fn open_dir(&self, rel: &Path) -> Result<OwnedFd> {
        self.open_dir_io(rel).ctx(Op::Open, &self.display(rel))
    }

    fn open_dir_io(&self, rel: &Path) -> io::Result<OwnedFd> {
        check_relative(rel)?;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        if rel.as_os_str().is_empty() || rel == Path::new(".") {
            return rustix::fs::openat(&self.fd, ".", flags, Mode::empty()).map_err(Into::into);
        }
        let resolve =
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
        match rustix::fs::openat2(&self.fd, rel, flags, Mode::empty(), resolve) {
            Ok(fd) => Ok(fd),
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::XDEV) => Err(escapes_root()),
            // ENOTDIR may hide a symlink (O_NOFOLLOW|O_DIRECTORY on a link): let the slow path tell.
            Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM | rustix::io::Errno::NOTDIR) => {
                self.open_dir_by_components(rel)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn open_dir_by_components(&self, rel: &Path) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        let mut fd = rustix::fs::openat(&self.fd, ".", flags, Mode::empty())?;
        for c in rel.components() {
            if let Component::Normal(name) = c {
                fd = open_child_dir(&fd, name)?;
            }
        }
        Ok(fd)
    }

    /// The directory holding `rel` and `rel`'s last component.
    fn parent<'a>(&self, rel: &'a Path) -> io::Result<(OwnedFd, &'a OsStr)> {
        check_relative(rel)?;
        let name = rel
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let dir = rel.parent().unwrap_or(Path::new(""));
        Ok((self.open_dir_io(dir)?, name))
    }

    /// Describes `rel` without following it, or `None` when it does not exist.
    pub fn lstat(&self, rel: &Path) -> Result<Option<Entry>> {
        let full = self.display(rel);
        let res = if rel.as_os_str().is_empty() {
            rustix::fs::fstat(&self.fd).map_err(io::Error::from)
        } else {
            self.parent(rel).and_then(|(dir, name)| {
                rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW).map_err(Into::into)
            })
        };
        let st = match res {
            Ok(st) => st,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::new(Op::Stat, full, e)),
        };
        let kind = Kind::from_mode(st.st_mode);
        let link = if kind == Kind::Symlink {
            Some(self.read_link(rel)?)
        } else {
            None
        };
        Ok(Some(entry_from_stat(rel.to_path_buf(), &st, link)))
    }

    /// Opens the regular file `rel` for reading, refusing a symlink, and refusing (rather than
    /// blocking on or reading forever from) a FIFO, socket or device.
    pub fn open_file(&self, rel: &Path) -> Result<File> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Open, &full)?;
        open_regular(&dir, name).ctx(Op::Open, &full)
    }

    /// Reads the whole regular file `rel`.
    pub fn read(&self, rel: &Path) -> Result<Vec<u8>> {
        use std::io::Read;
        let mut f = self.open_file(rel)?;
        let mut v = Vec::new();
        f.read_to_end(&mut v).ctx(Op::Read, &self.display(rel))?;
        Ok(v)
    }

    /// The target of the symlink `rel`.
    pub fn read_link(&self, rel: &Path) -> Result<PathBuf> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::ReadLink, &full)?;
        let t = rustix::fs::readlinkat(&dir, name, Vec::new()).ctx(Op::ReadLink, &full)?;
        Ok(PathBuf::from(OsString::from_vec(t.into_bytes())))
    }

    /// Starts a new file that will replace `rel` when committed; it is created with `mode`
    /// (before umask) at a temporary name in `rel`'s directory.
    pub fn create_temp(&self, rel: &Path, mode: u32) -> Result<TempFile> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Create, &full)?;
        loop {
            let tmp = temp_name(name);
            match rustix::fs::openat(
                &dir,
                &tmp,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(mode & 0o7777),
            ) {
                Ok(fd) => {
                    return Ok(TempFile {
                        file: File::from(fd),
                        dir,
                        tmp,
                        name: name.to_os_string(),
                        full,
                        done: false,
                    });
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(Error::new(Op::Create, full, e.into())),
            }
        }
    }

    /// Creates the new regular file `rel` (it must not exist) with `mode` before umask, for
    /// writers that build a whole tree under a temporary name and so need no per-file rename.
    pub fn create_new(&self, rel: &Path, mode: u32) -> Result<File> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Create, &full)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&dir, name, flags, Mode::from_raw_mode(mode & 0o7777))
            .ctx(Op::Create, &full)?;
        Ok(File::from(fd))
    }

    /// Writes `contents` to `rel` atomically (temp + rename) with permission bits `mode`
    /// (applied exactly, not masked by umask).
    pub fn write_file(&self, rel: &Path, contents: &[u8], mode: u32) -> Result<()> {
        use std::io::Write;
        let mut t = self.create_temp(rel, 0o600)?;
        t.file.write_all(contents).ctx(Op::Write, &t.full)?;
        t.set_mode(mode)?;
        t.commit()
    }

    /// Creates the directory `rel` with `mode` (masked by umask, as mkdir(2)).
    pub fn mkdir(&self, rel: &Path, mode: u32) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Mkdir, &full)?;
        rustix::fs::mkdirat(&dir, name, Mode::from_raw_mode(mode & 0o7777)).ctx(Op::Mkdir, &full)
    }

    /// Creates (or atomically replaces) `rel` as a symlink to `target`.
    pub fn symlink(&self, rel: &Path, target: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Symlink, &full)?;
        loop {
            let tmp = temp_name(name);
            match rustix::fs::symlinkat(target, &dir, &tmp) {
                Ok(()) => {
                    return rustix::fs::renameat(&dir, &tmp, &dir, name)
                        .ctx(Op::Symlink, &full)
                        .inspect_err(|_| {
                            let _ = rustix::fs::unlinkat(&dir, &tmp, AtFlags::empty());
                        });
                }
                Err(rustix::io::Errno::EXIST) => continue,
                Err(e) => return Err(Error::new(Op::Symlink, full, e.into())),
            }
        }
    }

    /// Makes `new` a hard link to the existing file `existing` (both relative).
    pub fn hard_link(&self, existing: &Path, new: &Path) -> Result<()> {
        let full = self.display(new);
        let (sdir, sname) = self.parent(existing).ctx(Op::HardLink, &full)?;
        let (ddir, dname) = self.parent(new).ctx(Op::HardLink, &full)?;
        rustix::fs::linkat(&sdir, sname, &ddir, dname, AtFlags::empty()).ctx(Op::HardLink, &full)
    }

    /// Removes the non-directory `rel` (a symlink itself, never its target).
    pub fn remove_file(&self, rel: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Remove, &full)?;
        rustix::fs::unlinkat(&dir, name, AtFlags::empty()).ctx(Op::Remove, &full)
    }

    /// Removes the empty directory `rel`.
    pub fn remove_dir(&self, rel: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Remove, &full)?;
        rustix::fs::unlinkat(&dir, name, AtFlags::REMOVEDIR).ctx(Op::Remove, &full)
    }

    /// Removes `rel` and, if it is a directory, everything in it, without following symlinks.
    pub fn remove_all(&self, rel: &Path) -> Result<()> {
        match self.lstat(rel)? {
            None => Ok(()),
            Some(e) if e.kind == Kind::Dir => {
                let full = self.display(rel);
                let fd = self.open_dir(rel)?;
                let mut names = Vec::new();
                let d = rustix::fs::Dir::read_from(&fd).ctx(Op::ReadDir, &full)?;
                for ent in d {
                    let ent = ent.ctx(Op::ReadDir, &full)?;
                    let n = ent.file_name().to_bytes();
                    if n != b"." && n != b".." {
                        names.push(OsStr::from_bytes(n).to_os_string());
                    }
                }
                for n in names {
                    self.remove_all(&rel.join(n))?;
                }
                self.remove_dir(rel)
            }
            Some(_) => self.remove_file(rel),
        }
    }

    /// Renames `from` to `to` (both relative), replacing `to` if it is a file.
    pub fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        let full = self.display(to);
        let (sdir, sname) = self.parent(from).ctx(Op::Rename, &full)?;
        let (ddir, dname) = self.parent(to).ctx(Op::Rename, &full)?;
        rustix::fs::renameat(&sdir, sname, &ddir, dname).ctx(Op::Rename, &full)
    }

    /// Sets the permission bits of `rel` (a no-op for a symlink: Linux links have none).
    ///
    /// The name is opened with `O_PATH | O_NOFOLLOW` and the mode set on what was opened (via
    /// `/proc/self/fd`), so a name swapped for a symlink between checking and changing cannot
    /// redirect the change outside the root.
    pub fn set_mode(&self, rel: &Path, mode: u32) -> Result<()> {
        let full = self.display(rel);
        let m = Mode::from_raw_mode(mode & 0o7777);
        if rel.as_os_str().is_empty() {
            return rustix::fs::fchmod(&self.fd, m).ctx(Op::Chmod, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::Chmod, &full)?;
        let fd = rustix::fs::openat(
            &dir,
            name,
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(Op::Chmod, &full)?;
        let st = rustix::fs::fstat(&fd).ctx(Op::Chmod, &full)?;
        if Kind::from_mode(st.st_mode) == Kind::Symlink {
            return Ok(());
        }
        let proc_path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
        match rustix::fs::chmod(proc_path.as_str(), m) {
            Ok(()) => Ok(()),
            // No /proc: open the object itself (it is not a symlink: O_NOFOLLOW) and fchmod it.
            Err(rustix::io::Errno::NOENT) => {
                let flags = OFlags::RDONLY
                    | OFlags::NOFOLLOW
                    | OFlags::NONBLOCK
                    | OFlags::CLOEXEC
                    | OFlags::NOCTTY;
                let fd =
                    rustix::fs::openat(&dir, name, flags, Mode::empty()).ctx(Op::Chmod, &full)?;
                rustix::fs::fchmod(&fd, m).ctx(Op::Chmod, &full)
            }
            Err(e) => Err(Error::new(Op::Chmod, full, e.into())),
        }
    }

    /// Sets the access and/or modification time of `rel` (the link itself for a symlink);
    /// `None` leaves that time alone.
    pub fn set_times(
        &self,
        rel: &Path,
        atime: Option<Timestamp>,
        mtime: Option<Timestamp>,
    ) -> Result<()> {
        let full = self.display(rel);
        let ts = timestamps(atime, mtime);
        if rel.as_os_str().is_empty() {
            return rustix::fs::futimens(&self.fd, &ts).ctx(Op::SetTimes, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::SetTimes, &full)?;
        rustix::fs::utimensat(&dir, name, &ts, AtFlags::SYMLINK_NOFOLLOW).ctx(Op::SetTimes, &full)
    }

    /// Sets the owner and/or group of `rel` (the link itself for a symlink).
    pub fn chown(&self, rel: &Path, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        let full = self.display(rel);
        let u = uid.map(rustix::fs::Uid::from_raw);
        let g = gid.map(rustix::fs::Gid::from_raw);
        if rel.as_os_str().is_empty() {
            return rustix::fs::fchown(&self.fd, u, g).ctx(Op::Chown, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::Chown, &full)?;
        rustix::fs::chownat(&dir, name, u, g, AtFlags::SYMLINK_NOFOLLOW).ctx(Op::Chown, &full)
    }
}

/// A file being written under a temporary name; removed on drop unless committed.
#[derive(Debug)]
pub struct TempFile {
    /// The open file to write into.
    pub file: File,
    dir: OwnedFd,
    tmp: OsString,
    name: OsString,
    full: PathBuf,
    done: bool,
}

impl TempFile {
    /// The final path, for messages.
    pub fn path(&self) -> &Path {
        &self.full
    }

    /// Sets the permission bits exactly (not masked by umask).
    pub fn set_mode(&self, mode: u32) -> Result<()> {
        rustix::fs::fchmod(&self.file, Mode::from_raw_mode(mode & 0o7777))
            .ctx(Op::Chmod, &self.full)
    }

    /// Sets access and/or modification time.
    pub fn set_times(&self, atime: Option<Timestamp>, mtime: Option<Timestamp>) -> Result<()> {
        rustix::fs::futimens(&self.file, &timestamps(atime, mtime)).ctx(Op::SetTimes, &self.full)
    }

    /// Renames the file over its final name. A killed process leaves either the old file or the
    /// new one under the name, never a torn one (rename is atomic); data is not forced to disk
    /// (no fsync, as GNU patch and rsync), see [`TempFile::commit_durable`] for that.
    pub fn commit(mut self) -> Result<()> {
        rustix::fs::renameat(&self.dir, &self.tmp, &self.dir, &self.name)
            .ctx(Op::Rename, &self.full)?;
        self.done = true;
        Ok(())
    }

    /// [`TempFile::commit`] after `fsync`, so the new content survives a power loss too.
    pub fn commit_durable(self) -> Result<()> {
        rustix::fs::fsync(&self.file)
            .or_else(|e| {
                if e == rustix::io::Errno::INVAL {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .ctx(Op::Write, &self.full)?;
        self.commit()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = rustix::fs::unlinkat(&self.dir, &self.tmp, AtFlags::empty());
        }
    }
}

impl AsFd for TempFile {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.file.as_fd()
    }
}

/// Opens the directory `name` (one component) in `dir` without following a symlink: a
/// symlink there is [`escapes_root`], anything else but a directory `ENOTDIR`.
pub fn open_child_dir(dir: impl AsFd, name: &OsStr) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    match rustix::fs::openat(&dir, name, flags, Mode::empty()) {
        Ok(fd) => Ok(fd),
        Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
            let st = rustix::fs::statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
            if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink {
                return Err(escapes_root());
            }
            Err(rustix::io::Errno::NOTDIR.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Opens the regular file `name` in `dir` without following a symlink and without blocking on
/// a FIFO; anything but a regular file is refused.
pub fn open_regular(dir: impl AsFd, name: &OsStr) -> io::Result<File> {
    open_regular_sized(dir, name).map(|(f, _)| f)
}

/// [`open_regular`], with the file's size when opened.
pub fn open_regular_sized(dir: impl AsFd, name: &OsStr) -> io::Result<(File, u64)> {
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(dir, name, flags, Mode::empty()).map_err(|e| {
        if e == rustix::io::Errno::LOOP {
            escapes_root()
        } else {
            e.into()
        }
    })?;
    let st = rustix::fs::fstat(&fd)?;
    if Kind::from_mode(st.st_mode) != Kind::File {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    rustix::fs::fcntl_setfl(&fd, OFlags::empty())?;
    Ok((File::from(fd), u64::try_from(st.st_size).unwrap_or(0)))
}

fn temp_name(name: &OsStr) -> OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Timestamp::now().nanos;
    let tag = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (n << 32)
        ^ u64::from(nanos);
    let b = name.as_bytes();
    let keep = &b[..b.len().min(180)];
    let mut out = b".".to_vec();
    out.extend_from_slice(keep);
    out.extend_from_slice(format!(".{:08x}.tmp~", tag & 0xffff_ffff).as_bytes());
    OsString::from_vec(out)
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

/// An [`Entry`] from a raw `stat`.
pub fn entry_from_stat(path: PathBuf, st: &rustix::fs::Stat, link: Option<PathBuf>) -> Entry {
    let ts = |s: i64, n: i64| Timestamp {
        secs: s,
        nanos: u32::try_from(n.clamp(0, 999_999_999)).unwrap_or(0),
    };
    Entry {
        depth: path.components().count(),
        path,
        kind: Kind::from_mode(st.st_mode),
        mode: st.st_mode & 0o7777,
        size: u64::try_from(st.st_size).unwrap_or(0),
        mtime: ts(st.st_mtime, st.st_mtime_nsec as i64),
        atime: ts(st.st_atime, st.st_atime_nsec as i64),
        ctime: ts(st.st_ctime, st.st_ctime_nsec as i64),
        uid: st.st_uid,
        gid: st.st_gid,
        dev: st.st_dev,
        ino: st.st_ino,
        nlink: st.st_nlink,
        link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn root() -> (tempfile::TempDir, Root) {
        let t = tempfile::tempdir().unwrap();
        let r = Root::open(t.path()).unwrap();
        (t, r)
    }

    #[test]
    fn writes_atomically_with_exact_mode() {
        let (t, r) = root();
        r.mkdir(Path::new("d"), 0o755).unwrap();
        r.write_file(Path::new("d/f"), b"hello", 0o751).unwrap();
        assert_eq!(std::fs::read(t.path().join("d/f")).unwrap(), b"hello");
        let m = std::fs::metadata(t.path().join("d/f"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(m, 0o751);
        assert_eq!(
            std::fs::read_dir(t.path().join("d")).unwrap().count(),
            1,
            "no temp left"
        );
    }

    #[test]
    fn uncommitted_temp_is_removed_and_final_name_untouched() {
        let (t, r) = root();
        r.write_file(Path::new("f"), b"old", 0o644).unwrap();
        {
            let mut tmp = r.create_temp(Path::new("f"), 0o644).unwrap();
            tmp.file.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read(t.path().join("f")).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_symlinks_dotdot_and_absolute_paths() {
        let (t, r) = root();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), t.path().join("lnk")).unwrap();
        for bad in ["lnk/pwn", "../x", "/etc/x", "a/../../x"] {
            let e = r.write_file(Path::new(bad), b"x", 0o644).unwrap_err();
            assert_eq!(
                e.source.kind(),
                io::ErrorKind::PermissionDenied,
                "{bad}: {e}"
            );
        }
        assert!(
            r.open_file(Path::new("lnk")).is_err(),
            "final symlink not followed for reading"
        );
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn reading_refuses_fifos_instead_of_blocking() {
        let (t, r) = root();
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            t.path().join("p").as_path(),
            Mode::from_raw_mode(0o644),
        )
        .unwrap();
        let e = r.read(Path::new("p")).unwrap_err();
        assert_eq!(e.source.kind(), io::ErrorKind::InvalidInput, "{e}");
    }

    #[test]
    fn set_mode_changes_files_and_leaves_symlink_targets_alone() {
        let (t, r) = root();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::fs::set_permissions(
            outside.path().join("secret"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), t.path().join("l")).unwrap();
        r.set_mode(Path::new("l"), 0o777).unwrap();
        let m = std::fs::metadata(outside.path().join("secret"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(m, 0o600);
        r.write_file(Path::new("f"), b"", 0o644).unwrap();
        r.set_mode(Path::new("f"), 0o4750).unwrap();
        let m = std::fs::metadata(t.path().join("f"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(m, 0o4750);
    }

    #[test]
    fn symlink_times_and_removal_do_not_follow() {
        let (t, r) = root();
        r.write_file(Path::new("target"), b"x", 0o644).unwrap();
        r.symlink(Path::new("l"), Path::new("target")).unwrap();
        r.symlink(Path::new("l"), Path::new("elsewhere")).unwrap();
        assert_eq!(r.read_link(Path::new("l")).unwrap(), Path::new("elsewhere"));
        r.set_times(Path::new("l"), None, Some(Timestamp { secs: 7, nanos: 5 }))
            .unwrap();
        let e = r.lstat(Path::new("l")).unwrap().unwrap();
        assert_eq!(
            (e.kind, e.mtime),
            (Kind::Symlink, Timestamp { secs: 7, nanos: 5 })
        );
        assert_ne!(r.lstat(Path::new("target")).unwrap().unwrap().mtime.secs, 7);
        r.mkdir(Path::new("d"), 0o700).unwrap();
        r.write_file(Path::new("d/x"), b"", 0o644).unwrap();
        r.remove_all(Path::new("d")).unwrap();
        r.remove_file(Path::new("l")).unwrap();
        assert!(r.lstat(Path::new("d")).unwrap().is_none());
        assert!(t.path().join("target").exists());
    }
}
