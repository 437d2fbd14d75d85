//! A bounded cache of directories opened beneath a root, for tools that touch many paths in no
//! particular walk order (applypatch's files, treesync's `--files-from` and deletions).
//!
//! Each directory is opened from its nearest cached ancestor one name at a time
//! ([`Dir::open_dir`]: never through a symlink), so a run that touches files directory by
//! directory resolves each directory once instead of resolving a whole path per file, and
//! depth is limited by nothing but the file system. The cache keeps at most a quarter of the
//! process's descriptor limit (at most 4096) and forgets everything when full, so the rest of
//! the descriptors stay free for files and temporaries.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::dir::{Dir, check_relative};

/// Directories beneath a root, by the path's bytes.
#[derive(Debug)]
pub struct DirCache {
    root: Dir,
    dirs: RefCell<HashMap<Vec<u8>, Dir>>,
    capacity: usize,
}

/// A quarter of the descriptors the process may open, at least 1 and at most 4096.
pub fn default_capacity() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    let quarter = limit.map_or(4096, |n| n / 4);
    usize::try_from(quarter.clamp(1, 4096)).unwrap_or(1)
}

impl DirCache {
    /// An empty cache beneath `root` holding at most [`default_capacity`] directories.
    pub fn new(root: Dir) -> Self {
        Self::with_capacity(root, default_capacity())
    }

    /// An empty cache beneath `root` holding at most `capacity` directories (at least 1).
    pub fn with_capacity(root: Dir, capacity: usize) -> Self {
        DirCache {
            root,
            dirs: RefCell::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The root.
    pub fn root(&self) -> &Dir {
        &self.root
    }

    /// The directory `rel` beneath the root (empty: the root), from the deepest ancestor
    /// already open, then down one name at a time.
    pub fn get(&self, rel: &Path) -> io::Result<Dir> {
        check_relative(rel)?;
        let bytes = rel.as_os_str().as_bytes();
        if bytes.is_empty() {
            return Ok(self.root.clone());
        }
        if let Some(d) = self.dirs.borrow().get(bytes) {
            return Ok(d.clone());
        }
        let mut below = Vec::new();
        let mut at = rel;
        let mut dir = loop {
            if at.as_os_str().is_empty() {
                break self.root.clone();
            }
            if let Some(d) = self.dirs.borrow().get(at.as_os_str().as_bytes()) {
                break d.clone();
            }
            match (at.parent(), at.file_name()) {
                (Some(parent), Some(name)) => {
                    below.push((at, name));
                    at = parent;
                }
                // `.` components: open them as they are.
                _ => break self.root.open_dir_beneath(at)?,
            }
        };
        for (path, name) in below.into_iter().rev() {
            dir = dir.open_dir(name)?;
            self.remember(path, &dir);
        }
        Ok(dir)
    }

    /// The directory holding `p` and `p`'s last component.
    pub fn parent<'p>(&self, p: &'p Path) -> io::Result<(Dir, &'p OsStr)> {
        let name = p
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        Ok((self.get(p.parent().unwrap_or(Path::new("")))?, name))
    }

    fn remember(&self, rel: &Path, dir: &Dir) {
        let mut dirs = self.dirs.borrow_mut();
        if dirs.len() >= self.capacity {
            dirs.clear();
        }
        dirs.insert(rel.as_os_str().as_bytes().to_vec(), dir.clone());
    }

    /// Forgets the directory `rel` (it is being removed or replaced).
    pub fn forget(&self, rel: &Path) {
        self.dirs.borrow_mut().remove(rel.as_os_str().as_bytes());
    }

    /// Forgets every directory (closing the descriptors no one else holds).
    pub fn clear(&self) {
        self.dirs.borrow_mut().clear();
    }

    /// How many directories are cached.
    pub fn len(&self) -> usize {
        self.dirs.borrow().len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dir::Atime;

    #[test]
    fn opens_from_cached_ancestors_and_refuses_symlinks() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("a/b/c")).unwrap();
        std::os::unix::fs::symlink("/", t.path().join("a/l")).unwrap();
        let c = DirCache::with_capacity(Dir::open_ambient(t.path(), Atime::Update).unwrap(), 2);
        assert!(c.get(Path::new("a/b/c")).is_ok());
        assert_eq!(
            c.len(),
            1,
            "full at 2 (a, a/b): cleared, then a/b/c remembered"
        );
        let e = c.get(Path::new("a/l/etc")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert!(c.get(Path::new("../x")).is_err());
        let (d, name) = c.parent(Path::new("a/b/f")).unwrap();
        assert_eq!(name, "f");
        d.create_new(name, 0o644).unwrap();
        assert!(t.path().join("a/b/f").is_file());
    }
}
