//! Writes beneath a root directory that nothing in the tree can redirect.
//!
//! A [`Root`] is a [`Dir`] with the path the operator named it by, for messages: every path
//! handed to it is relative and is resolved beneath it by [`Dir::open_dir_beneath`]
//! (`openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`, or one `openat(O_NOFOLLOW)` per
//! component): a `..`, an absolute path, or a symlink anywhere on the way is refused instead of
//! followed, so a hostile patch or a tampered destination tree cannot make a tool write outside
//! the root. The last component is then operated on by the [`Dir`] that holds it, and errors
//! name the whole path and the operation ([`Error`]).
//!
//! New file contents always go to a temporary name in the target's directory and are renamed
//! over the final name only when complete ([`TempFile::commit`]); a temporary left by a crash
//! starts with `.` and ends in `.tmp~`, never under a final name. Symlinks are replaced the
//! same way.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::dir::{Atime, Dir, TempStyle, check_relative, escapes_root as dir_escapes_root};
use crate::entry::{Entry, Kind, Timestamp};
use crate::error::{Context, Error, Op, Result};

pub use crate::dir::TempFile;

/// A directory under which all operations stay.
#[derive(Debug)]
pub struct Root {
    dir: Dir,
    path: PathBuf,
}

/// The error for a path that leaves the root or passes through a symlink.
pub fn escapes_root() -> io::Error {
    dir_escapes_root()
}

impl Root {
    /// Opens `path` as a root. The root itself may be reached through symlinks (the operator
    /// named it); nothing beneath it is.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let dir = Dir::open_ambient(&path, Atime::Update).ctx(Op::Open, &path)?;
        Ok(Root { dir, path })
    }

    /// The root's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root directory's handle.
    pub fn dir(&self) -> &Dir {
        &self.dir
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
    pub fn open_dir(&self, rel: &Path) -> Result<Dir> {
        self.dir
            .open_dir_beneath(rel)
            .ctx(Op::Open, &self.display(rel))
    }

    /// The directory holding `rel` and `rel`'s last component.
    fn parent<'a>(&self, rel: &'a Path) -> io::Result<(Dir, &'a OsStr)> {
        self.dir.parent_beneath(rel)
    }

    /// Describes `rel` without following it, or `None` when it does not exist.
    pub fn lstat(&self, rel: &Path) -> Result<Option<Entry>> {
        let full = self.display(rel);
        let res = if rel.as_os_str().is_empty() {
            self.dir.stat().map(Some)
        } else {
            self.parent(rel).and_then(|(dir, name)| dir.lstat(name))
        };
        let meta = match res {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::new(Op::Stat, full, e)),
        };
        let link = if meta.kind == Kind::Symlink {
            Some(self.read_link(rel)?)
        } else {
            None
        };
        let depth = rel.components().count();
        Ok(Some(Entry::from_meta(
            rel.to_path_buf(),
            depth,
            &meta,
            link,
        )))
    }

    /// Opens the regular file `rel` for reading, refusing a symlink, and refusing (rather than
    /// blocking on or reading forever from) a FIFO, socket or device.
    pub fn open_file(&self, rel: &Path) -> Result<File> {
        self.dir
            .open_file_beneath(rel, Atime::Update)
            .map(|(f, _)| f)
            .ctx(Op::Open, &self.display(rel))
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
        use std::os::unix::ffi::OsStringExt;
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::ReadLink, &full)?;
        let t = dir.read_link(name).ctx(Op::ReadLink, &full)?;
        Ok(PathBuf::from(std::ffi::OsString::from_vec(t)))
    }

    /// Starts a new file that will replace `rel` when committed; it is created with `mode`
    /// (before umask) at a temporary name in `rel`'s directory.
    pub fn create_temp(&self, rel: &Path, mode: u32) -> Result<TempFile> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Create, &full)?;
        let t = dir
            .create_temp(name, TempStyle::Tool, mode)
            .ctx(Op::Create, &full)?;
        Ok(t.with_path(full))
    }

    /// Creates the new regular file `rel` (it must not exist) with `mode` before umask, for
    /// writers that build a whole tree under a temporary name and so need no per-file rename.
    pub fn create_new(&self, rel: &Path, mode: u32) -> Result<File> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Create, &full)?;
        dir.create_new(name, mode).ctx(Op::Create, &full)
    }

    /// Writes `contents` to `rel` atomically (temp + rename) with permission bits `mode`
    /// (applied exactly, not masked by umask).
    pub fn write_file(&self, rel: &Path, contents: &[u8], mode: u32) -> Result<()> {
        use std::io::Write;
        let mut t = self.create_temp(rel, 0o600)?;
        t.file.write_all(contents).ctx(Op::Write, t.path())?;
        t.set_mode(mode)?;
        t.commit()
    }

    /// Creates the directory `rel` with `mode` (masked by umask, as mkdir(2)).
    pub fn mkdir(&self, rel: &Path, mode: u32) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Mkdir, &full)?;
        dir.mkdir(name, mode).ctx(Op::Mkdir, &full)
    }

    /// Creates (or atomically replaces) `rel` as a symlink to `target`.
    pub fn symlink(&self, rel: &Path, target: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Symlink, &full)?;
        let tmp = dir
            .symlink_temp(target.as_os_str(), name, TempStyle::Tool)
            .ctx(Op::Symlink, &full)?;
        dir.rename(&tmp, &dir, name)
            .ctx(Op::Symlink, &full)
            .inspect_err(|_| {
                let _ = dir.remove_file(&tmp);
            })
    }

    /// Makes `new` a hard link to the existing file `existing` (both relative).
    pub fn hard_link(&self, existing: &Path, new: &Path) -> Result<()> {
        let full = self.display(new);
        let (sdir, sname) = self.parent(existing).ctx(Op::HardLink, &full)?;
        let (ddir, dname) = self.parent(new).ctx(Op::HardLink, &full)?;
        sdir.hard_link(sname, &ddir, dname).ctx(Op::HardLink, &full)
    }

    /// Removes the non-directory `rel` (a symlink itself, never its target).
    pub fn remove_file(&self, rel: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Remove, &full)?;
        dir.remove_file(name).ctx(Op::Remove, &full)
    }

    /// Removes the empty directory `rel`.
    pub fn remove_dir(&self, rel: &Path) -> Result<()> {
        let full = self.display(rel);
        let (dir, name) = self.parent(rel).ctx(Op::Remove, &full)?;
        dir.remove_dir(name).ctx(Op::Remove, &full)
    }

    /// Removes `rel` and, if it is a directory, everything in it, without following symlinks.
    pub fn remove_all(&self, rel: &Path) -> Result<()> {
        let full = self.display(rel);
        check_relative(rel).ctx(Op::Remove, &full)?;
        let (dir, name) = self.parent(rel).ctx(Op::Remove, &full)?;
        dir.remove_all(name).ctx(Op::Remove, &full)
    }

    /// Renames `from` to `to` (both relative), replacing `to` if it is a file.
    pub fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        let full = self.display(to);
        let (sdir, sname) = self.parent(from).ctx(Op::Rename, &full)?;
        let (ddir, dname) = self.parent(to).ctx(Op::Rename, &full)?;
        sdir.rename(sname, &ddir, dname).ctx(Op::Rename, &full)
    }

    /// Sets the permission bits of `rel` (a no-op for a symlink: Linux links have none), on
    /// the object opened with `O_PATH | O_NOFOLLOW` (see [`Dir::chmod`]).
    pub fn set_mode(&self, rel: &Path, mode: u32) -> Result<()> {
        let full = self.display(rel);
        if rel.as_os_str().is_empty() {
            return self.dir.chmod_self(mode).ctx(Op::Chmod, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::Chmod, &full)?;
        dir.chmod(name, mode).ctx(Op::Chmod, &full)
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
        if rel.as_os_str().is_empty() {
            return self
                .dir
                .set_times_self(atime, mtime)
                .ctx(Op::SetTimes, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::SetTimes, &full)?;
        dir.set_times(name, atime, mtime).ctx(Op::SetTimes, &full)
    }

    /// Sets the owner and/or group of `rel` (the link itself for a symlink).
    pub fn chown(&self, rel: &Path, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        let full = self.display(rel);
        if rel.as_os_str().is_empty() {
            return self.dir.chown_self(uid, gid).ctx(Op::Chown, &full);
        }
        let (dir, name) = self.parent(rel).ctx(Op::Chown, &full)?;
        dir.chown(name, uid, gid).ctx(Op::Chown, &full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::Mode;
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
