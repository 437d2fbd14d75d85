//! What is on disk beneath the root, as the overlay first saw it: each path's [`Shape`],
//! remembered (nothing visible changes before the commit), file contents and directory
//! listings, all read through a bounded cache of open directories ([`fstree::DirCache`]):
//! each directory is opened from its parent, never through a symlink, and patches touch files
//! directory by directory, so most lookups reuse a descriptor instead of resolving a path
//! again.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fstree::Dir;

use super::{Planned, Shape, Tree, TreeError, key};
use crate::paths::PATH_MAX;

impl Tree {
    /// The directory `dir` beneath the root, opened component by component from the nearest
    /// directory already open, never through a symlink. A path longer than the system's limit
    /// is refused as the kernel would refuse it (`ENAMETOOLONG`).
    pub(super) fn dir_fd(&self, dir: &Path) -> Result<Dir, fstree::Error> {
        let failed =
            |e: std::io::Error| fstree::Error::new(fstree::Op::Open, self.root.display(dir), e);
        if dir.as_os_str().len() >= PATH_MAX {
            return Err(failed(rustix::io::Errno::NAMETOOLONG.into()));
        }
        self.dirs.get(dir).map_err(failed)
    }

    /// The directory holding `p` (opened by [`Tree::dir_fd`]) and `p`'s last component.
    pub(super) fn parent_fd<'p>(&self, p: &'p Path) -> Result<(Dir, &'p OsStr), fstree::Error> {
        let name = p.file_name().ok_or_else(|| {
            fstree::Error::new(
                fstree::Op::Open,
                self.root.display(p),
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
            )
        })?;
        let dir = p.parent().unwrap_or(Path::new(""));
        Ok((self.dir_fd(dir)?, name))
    }

    pub(super) fn disk_shape(&self, p: &Path) -> Result<Shape, TreeError> {
        let bytes = p.as_os_str().as_bytes();
        if bytes.is_empty() {
            return Ok(Shape::Dir);
        }
        if let Some(s) = self.shapes.borrow().get(bytes) {
            return Ok(*s);
        }
        let stat = self.parent_fd(p).and_then(|(dir, name)| {
            dir.lstat(name)
                .map_err(|e| fstree::Error::new(fstree::Op::Stat, self.root.display(p), e))
        });
        let shape = match stat {
            Ok(None) => Shape::Absent,
            Ok(Some(meta)) => match meta.kind {
                fstree::Kind::File => Shape::File(meta.mode & 0o7777),
                fstree::Kind::Dir => Shape::Dir,
                fstree::Kind::Symlink => Shape::Link,
                _ => Shape::Special,
            },
            Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Shape::Absent,
            Err(e) if e.source.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(TreeError::BeyondSymlink(p.to_path_buf()));
            }
            Err(e) if e.source.raw_os_error() == Some(20) => {
                return Err(TreeError::NotADirectory(p.to_path_buf()));
            }
            Err(e) => return Err(e.into()),
        };
        // A file or an absence is kept only where the patch plans a directory: the path of a
        // file patch is looked at while it is planned, then the overlay answers for it, so a
        // million new files keep no million entries here (the commit looks once more, before
        // it changes anything).
        let keep = match shape {
            Shape::Absent | Shape::File(_) => {
                matches!(self.over.get(key(p).as_slice()), Some(Planned::Dir { .. }))
            }
            _ => true,
        };
        if keep {
            self.shapes.borrow_mut().insert(bytes.to_vec(), shape);
        }
        Ok(shape)
    }

    /// Reads the regular file `p` on disk (never through a symlink, never a FIFO).
    pub(super) fn read_disk(&self, p: &Path) -> Result<Vec<u8>, fstree::Error> {
        use std::io::Read;
        let full = || self.root.display(p);
        let (dir, name) = self.parent_fd(p)?;
        let (file, meta) = dir
            .open_file(name, fstree::Atime::Update)
            .map_err(|e| fstree::Error::new(fstree::Op::Open, full(), e))?;
        let size = meta.size;
        let mut data = Vec::new();
        // One byte more than the size, so that a file read whole needs no second read to see
        // its end; `Take` because `File::read_to_end` would stat the file again for a hint.
        usize::try_from(size)
            .ok()
            .and_then(|n| data.try_reserve_exact(n.saturating_add(1)).ok())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::OutOfMemory))
            .and_then(|()| file.take(u64::MAX).read_to_end(&mut data))
            .map_err(|e| fstree::Error::new(fstree::Op::Read, full(), e))?;
        Ok(data)
    }

    /// Names in the directory `p` on disk (no `.`/`..`), read without following symlinks.
    pub(super) fn list_disk(&self, p: &Path) -> Result<Vec<std::ffi::OsString>, fstree::Error> {
        let entries = self
            .dir_fd(p)?
            .entries()
            .map_err(|e| fstree::Error::new(fstree::Op::ReadDir, self.root.display(p), e))?;
        Ok(entries.into_iter().map(|e| e.name).collect())
    }
}
