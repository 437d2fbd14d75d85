//! `-b`/`--backup`, `--backup-dir=DIR`, `--suffix=SUFFIX`: a DEST non-directory that the run
//! replaces (new content, another type) or deletes is first renamed to NAME + SUFFIX (`~` by
//! default) beside it, or, with `--backup-dir`, to DIR/PATH + SUFFIX (no suffix by default),
//! DIR relative to DEST and its directories made as needed. An earlier backup of that name is
//! replaced. Directories are not backed up (their contents are, when deleted), as rsync.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use fstree::{Atime, Dir, Kind as FsKind, TempStyle};

use super::Engine;

impl Engine<'_> {
    /// Moves DEST's `name` in `d` (at `rel` from the transfer root) to its backup.
    pub(super) fn back_up(&self, d: &Dir, name: &OsStr, rel: &[u8]) -> io::Result<()> {
        let suffix = self.o.suffix.as_os_str();
        match self.backup_root.get().and_then(Option::as_ref) {
            None => d.rename(name, d, &with_suffix(name, suffix)),
            Some(root) => {
                let (dir, last) = backup_parent(root, rel)?;
                d.rename(name, &dir, &with_suffix(&last, suffix))
            }
        }
    }

    /// Copies DEST's regular file `name` in `d` to its backup, leaving the file itself in
    /// place (`--inplace` goes on writing it, so its hard links see the new content).
    pub(super) fn back_up_copy(&self, d: &Dir, name: &OsStr, rel: &[u8]) -> io::Result<()> {
        let suffix = self.o.suffix.as_os_str();
        let (dir, target) = match self.backup_root.get().and_then(Option::as_ref) {
            None => (d.clone(), with_suffix(name, suffix)),
            Some(root) => {
                let (dir, last) = backup_parent(root, rel)?;
                (dir, with_suffix(&last, suffix))
            }
        };
        let (mut from, meta) = d.open_file(name, Atime::Keep)?;
        let mut tmp = dir.create_temp(&target, TempStyle::Rsync, 0o600)?;
        fstree::content::copy(&mut from, &mut tmp.file)?;
        fstree::dir::chown_fd(&tmp.file, Some(meta.uid), Some(meta.gid))?;
        fstree::dir::chmod_fd(&tmp.file, meta.mode & 0o7777)?;
        fstree::dir::set_times_fd(&tmp.file, Some(meta.atime), Some(meta.mtime))?;
        tmp.commit().map_err(|e| e.source)
    }

    /// Opens (or makes) the `--backup-dir`, relative to `dest`, once.
    pub(super) fn open_backup_dir(&self, dest: &Path) -> io::Result<()> {
        let Some(p) = self.o.backup_dir.as_ref().filter(|_| self.o.backup) else {
            let _ = self.backup_root.set(None);
            return Ok(());
        };
        if self.backup_root.get().is_some() || self.o.dry_run {
            return Ok(());
        }
        let path = dest.join(p);
        std::fs::create_dir_all(&path)?;
        let _ = self
            .backup_root
            .set(Some(Dir::open_ambient(&path, Atime::Keep)?));
        Ok(())
    }

    /// `-b`: does DEST's entry `kind` at this name get a backup before it is replaced?
    pub(super) fn backs_up(&self, kind: Option<FsKind>) -> bool {
        self.o.backup && !self.o.dry_run && kind.is_some_and(|k| k != FsKind::Dir)
    }
}

fn with_suffix(name: &OsStr, suffix: &OsStr) -> OsString {
    let mut v = name.as_bytes().to_vec();
    v.extend_from_slice(suffix.as_bytes());
    OsString::from_vec(v)
}

/// The directory beneath the backup root that mirrors `rel`'s parent (made as needed, never
/// through a symlink), and `rel`'s last name.
fn backup_parent(root: &Dir, rel: &[u8]) -> io::Result<(Dir, OsString)> {
    let mut parts: Vec<&[u8]> = rel
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty())
        .collect();
    let last = parts
        .pop()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty path"))?;
    let mut dir = root.clone();
    for part in parts {
        let name = OsStr::from_bytes(part);
        dir = match dir.open_dir(name) {
            Ok(sub) => sub,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Workers back up files of one directory at once: another may make it first.
                match dir.mkdir(name, 0o777) {
                    Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
                    _ => dir.open_dir(name)?,
                }
            }
            Err(e) => return Err(e),
        };
    }
    Ok((dir, OsStr::from_bytes(last).to_os_string()))
}
