//! The target tree as the patch will leave it: an overlay of planned changes on top of the real
//! directory, read through `fstree::Root` (which never follows a symlink and never leaves the
//! root), and the one place that writes.
//!
//! Checking happens against the overlay, so a later file patch sees what earlier ones did
//! (a file created then modified, a symlink created and then used as a directory — refused).
//! Nothing touches the disk until [`Tree::commit`], which works in an order that makes type
//! changes possible: removals deepest first, then directories shallowest first, then files and
//! symlinks (each written to a temporary name in its directory and renamed into place), then
//! explicit and emptied directories are removed deepest first.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use fstree::{Kind, Root};

/// A path's state in the overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Nothing there.
    Absent,
    /// A regular file.
    File {
        /// Its content.
        data: Vec<u8>,
        /// Permission bits.
        mode: u32,
    },
    /// A symbolic link.
    Link {
        /// Its target.
        target: Vec<u8>,
    },
    /// A directory.
    Dir {
        /// Permission bits for a new one, or `None` to keep/use the default.
        mode: Option<u32>,
    },
}

/// What is at a path, without content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing.
    Absent,
    /// A regular file with these permission bits.
    File(u32),
    /// A symlink.
    Link,
    /// A directory.
    Dir,
    /// A FIFO, socket or device: never patched.
    Special,
}

/// Why a path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// A component on the way is a symlink (on disk or created by this patch).
    #[error("{} is beyond a symbolic link", crate::paths::display(.0))]
    BeyondSymlink(PathBuf),
    /// A component on the way is not a directory.
    #[error("{} is beyond a file that is not a directory", crate::paths::display(.0))]
    NotADirectory(PathBuf),
    /// Reading the tree failed.
    #[error(transparent)]
    Io(#[from] fstree::Error),
}

/// The overlay.
pub struct Tree {
    root: Root,
    over: BTreeMap<PathBuf, Node>,
    /// Files deleted by the patch, whose parents are removed when left empty.
    deleted: Vec<PathBuf>,
    /// Directories the patch removes explicitly (`# treediff: rmdir`).
    rmdirs: Vec<PathBuf>,
}

impl Tree {
    /// An empty overlay on `root`.
    pub fn new(root: Root) -> Self {
        Tree {
            root,
            over: BTreeMap::new(),
            deleted: Vec::new(),
            rmdirs: Vec::new(),
        }
    }

    /// The real root.
    pub fn root(&self) -> &Root {
        &self.root
    }

    fn disk_shape(&self, p: &Path) -> Result<Shape, TreeError> {
        match self.root.lstat(p) {
            Ok(None) => Ok(Shape::Absent),
            Ok(Some(e)) => Ok(match e.kind {
                Kind::File => Shape::File(e.mode),
                Kind::Dir => Shape::Dir,
                Kind::Symlink => Shape::Link,
                _ => Shape::Special,
            }),
            Err(e) if e.source.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(TreeError::BeyondSymlink(p.to_path_buf()))
            }
            Err(e) if e.source.raw_os_error() == Some(20) => {
                Err(TreeError::NotADirectory(p.to_path_buf()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The planned shape of `p`, checking that every parent is (or will be) a directory.
    pub fn shape(&self, p: &Path) -> Result<Shape, TreeError> {
        self.check_parents(p)?;
        if let Some(n) = self.over.get(p) {
            return Ok(match n {
                Node::Absent => Shape::Absent,
                Node::File { mode, .. } => Shape::File(*mode),
                Node::Link { .. } => Shape::Link,
                Node::Dir { .. } => Shape::Dir,
            });
        }
        // A parent planned absent (or to be created) means nothing is below it on disk.
        for a in p.ancestors().skip(1) {
            match self.over.get(a) {
                Some(Node::Absent) => return Ok(Shape::Absent),
                // A directory the patch creates (where there was none, or something else).
                Some(Node::Dir { .. }) if !matches!(self.disk_shape(a), Ok(Shape::Dir)) => {
                    return Ok(Shape::Absent);
                }
                _ => {}
            }
        }
        self.disk_shape(p)
    }

    /// Fails when a parent of `p` is a symlink or a non-directory in the planned tree.
    pub fn check_parents(&self, p: &Path) -> Result<(), TreeError> {
        let mut ancestors: Vec<&Path> = p.ancestors().skip(1).collect();
        ancestors.pop(); // the empty path: the root itself
        ancestors.reverse();
        for a in ancestors {
            let shape = match self.over.get(a) {
                Some(Node::Absent) => return Ok(()),
                Some(Node::Dir { .. }) => Shape::Dir,
                Some(Node::Link { .. }) => Shape::Link,
                Some(Node::File { mode, .. }) => Shape::File(*mode),
                None => self.disk_shape(a)?,
            };
            match shape {
                Shape::Dir => {}
                Shape::Absent => return Ok(()),
                Shape::Link => return Err(TreeError::BeyondSymlink(p.to_path_buf())),
                Shape::File(_) | Shape::Special => {
                    return Err(TreeError::NotADirectory(p.to_path_buf()));
                }
            }
        }
        Ok(())
    }

    /// The planned content of the regular file `p`.
    pub fn read(&self, p: &Path) -> Result<Vec<u8>, TreeError> {
        match self.over.get(p) {
            Some(Node::File { data, .. }) => Ok(data.clone()),
            _ => Ok(self.root.read(p)?),
        }
    }

    /// The planned target of the symlink `p`.
    pub fn read_link(&self, p: &Path) -> Result<Vec<u8>, TreeError> {
        use std::os::unix::ffi::OsStrExt;
        match self.over.get(p) {
            Some(Node::Link { target }) => Ok(target.clone()),
            _ => Ok(self.root.read_link(p)?.as_os_str().as_bytes().to_vec()),
        }
    }

    /// Plans `p` to become `node`; missing parents are planned as new directories.
    pub fn set(&mut self, p: &Path, node: Node) -> Result<(), TreeError> {
        self.check_parents(p)?;
        let mut missing = Vec::new();
        for a in p.ancestors().skip(1) {
            if a.as_os_str().is_empty() {
                break;
            }
            match self.shape(a)? {
                Shape::Absent => missing.push(a.to_path_buf()),
                _ => break,
            }
        }
        for a in missing {
            self.over.insert(a, Node::Dir { mode: None });
        }
        if node == Node::Absent {
            self.deleted.push(p.to_path_buf());
        }
        self.over.insert(p.to_path_buf(), node);
        Ok(())
    }

    /// Plans the removal of the directory `p`, which must be empty in the planned tree.
    pub fn rmdir(&mut self, p: &Path) -> Result<bool, TreeError> {
        if self.shape(p)? != Shape::Dir {
            return Ok(false);
        }
        if self.is_planned_nonempty(p)? {
            return Ok(false);
        }
        self.over.insert(p.to_path_buf(), Node::Absent);
        self.rmdirs.push(p.to_path_buf());
        Ok(true)
    }

    /// True when `p` is a directory that holds nothing in the planned tree (a file may
    /// replace it).
    pub fn is_empty_dir(&self, p: &Path) -> Result<bool, TreeError> {
        Ok(self.shape(p)? == Shape::Dir && !self.is_planned_nonempty(p)?)
    }

    fn is_planned_nonempty(&self, p: &Path) -> Result<bool, TreeError> {
        // Planned children that exist.
        for (k, n) in self.over.range(p.to_path_buf()..) {
            if !k.starts_with(p) {
                break;
            }
            if k != p && k.parent() == Some(p) && *n != Node::Absent {
                return Ok(true);
            }
        }
        // Children on disk that are not planned away.
        if matches!(self.disk_shape(p)?, Shape::Dir) {
            for name in list_dir(&self.root, p)? {
                let c = p.join(name);
                if !matches!(self.over.get(&c), Some(Node::Absent)) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Writes the planned tree. `rejects` are written last, each beside its file.
    pub fn commit(self, rejects: &[(PathBuf, Vec<u8>)]) -> Result<(), fstree::Error> {
        let depth = |p: &Path| p.components().count();
        let disk: Vec<(PathBuf, Shape)> = self
            .over
            .keys()
            .map(|p| (p.clone(), self.disk_shape(p).unwrap_or(Shape::Absent)))
            .collect();
        // 1. Removals, deepest first: anything whose kind changes or that goes away.
        let mut removals: Vec<&(PathBuf, Shape)> = disk
            .iter()
            .filter(|(p, d)| {
                let want = &self.over[p];
                !matches!(
                    (d, want),
                    (Shape::Absent, _)
                        | (Shape::Dir, Node::Dir { .. })
                        | (Shape::File(_), Node::File { .. })
                        | (Shape::Link, Node::Link { .. })
                )
            })
            .collect();
        removals.sort_by_key(|(p, _)| std::cmp::Reverse(depth(p)));
        for (p, d) in &removals {
            if *d == Shape::Dir {
                self.root.remove_dir(p)?;
            } else {
                self.root.remove_file(p)?;
            }
        }
        // 2. Directories, shallowest first (the BTreeMap order puts parents first).
        for (p, n) in &self.over {
            if let Node::Dir { mode } = n {
                if self.root.lstat(p)?.is_none() {
                    self.root.mkdir(p, 0o777)?;
                }
                if let Some(m) = mode {
                    self.root.set_mode(p, *m)?;
                }
            }
        }
        // 3. Files and symlinks.
        for (p, n) in &self.over {
            match n {
                Node::File { data, mode } => {
                    let mut t = self.root.create_temp(p, 0o600)?;
                    t.file.write_all(data).map_err(|e| {
                        fstree::Error::new(fstree::Op::Write, self.root.display(p), e)
                    })?;
                    t.set_mode(*mode)?;
                    t.commit()?;
                }
                Node::Link { target } => {
                    use std::os::unix::ffi::OsStrExt;
                    self.root
                        .symlink(p, Path::new(std::ffi::OsStr::from_bytes(target)))?;
                }
                _ => {}
            }
        }
        // 4. Parents left empty by deletions (GNU patch does this), deepest first.
        let mut parents: Vec<PathBuf> = self
            .deleted
            .iter()
            .flat_map(|p| {
                p.ancestors()
                    .skip(1)
                    .map(Path::to_path_buf)
                    .collect::<Vec<_>>()
            })
            .filter(|a| {
                !a.as_os_str().is_empty() && !matches!(self.over.get(a), Some(Node::Dir { .. }))
            })
            .collect();
        parents.sort();
        parents.dedup();
        parents.sort_by_key(|p| std::cmp::Reverse(depth(p)));
        for a in parents {
            if matches!(self.root.lstat(&a), Ok(Some(e)) if e.kind == Kind::Dir)
                && list_dir(&self.root, &a)
                    .map(|v| v.is_empty())
                    .unwrap_or(false)
            {
                self.root.remove_dir(&a)?;
            }
        }
        // 5. Rejects.
        for (p, data) in rejects {
            self.root.write_file(p, data, 0o644)?;
        }
        Ok(())
    }
}

/// Names in the directory `p` (no `.`/`..`), read without following symlinks.
pub fn list_dir(root: &Root, p: &Path) -> Result<Vec<std::ffi::OsString>, fstree::Error> {
    use std::os::unix::ffi::OsStrExt;
    let fd = root.open_dir(p)?;
    let dir = rustix::fs::Dir::read_from(&fd)
        .map_err(|e| fstree::Error::new(fstree::Op::ReadDir, root.display(p), e.into()))?;
    let mut out = Vec::new();
    for ent in dir {
        let ent =
            ent.map_err(|e| fstree::Error::new(fstree::Op::ReadDir, root.display(p), e.into()))?;
        let n = ent.file_name().to_bytes();
        if n != b"." && n != b".." {
            out.push(std::ffi::OsStr::from_bytes(n).to_os_string());
        }
    }
    Ok(out)
}
