//! The planned tree: what each path will be once the patch is applied, on top of what is on
//! disk. Every lookup checks that the path's parents are (or will be) directories, so a path
//! beneath a file or a symlink, on disk or planned, is refused; planning a path plans its
//! missing parents as new directories.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::{Content, Node, Planned, Shape, Staging, Tree, TreeError, ancestor_ends, key, prefix};

impl Tree {
    fn planned_shape(n: &Planned) -> Shape {
        match n {
            Planned::Absent => Shape::Absent,
            Planned::File { mode, .. } => Shape::File(*mode),
            Planned::Link { .. } => Shape::Link,
            Planned::Dir { .. } => Shape::Dir,
        }
    }

    /// The planned shape of `p`, checking that every parent is (or will be) a directory.
    pub fn shape(&self, p: &Path) -> Result<Shape, TreeError> {
        let k = key(p);
        self.check_parents_of(p, &k)?;
        self.shape_of(p, &k)
    }

    /// The planned shape of `p` (whose key is `k`), its parents taken as checked.
    fn shape_of(&self, p: &Path, k: &[u8]) -> Result<Shape, TreeError> {
        if let Some(n) = self.over.get(k) {
            return Ok(Self::planned_shape(n));
        }
        // A parent planned absent (or to be created) means nothing is below it on disk.
        for i in ancestor_ends(k).rev() {
            match self.over.get(&k[..i]) {
                Some(Planned::Absent) => return Ok(Shape::Absent),
                // A directory the patch creates (where there was none, or something else).
                Some(Planned::Dir { .. })
                    if !matches!(self.disk_shape(prefix(p, i)), Ok(Shape::Dir)) =>
                {
                    return Ok(Shape::Absent);
                }
                _ => {}
            }
        }
        self.disk_shape(p)
    }

    fn check_parents_of(&self, p: &Path, k: &[u8]) -> Result<(), TreeError> {
        for i in ancestor_ends(k) {
            let shape = match self.over.get(&k[..i]) {
                Some(Planned::Absent) => return Ok(()),
                Some(n) => Self::planned_shape(n),
                None => self.disk_shape(prefix(p, i))?,
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
    pub fn read(&mut self, p: &Path) -> Result<Vec<u8>, TreeError> {
        let k = key(p);
        if self.is_writing(&k) {
            self.settle()?;
        }
        match self.over.get(&k) {
            Some(Planned::File {
                content: Content::Memory(data),
                ..
            }) => Ok(data.clone()),
            Some(Planned::File {
                content: Content::Staged(tmp),
                ..
            }) => Ok(self.read_disk(tmp)?),
            _ => Ok(self.read_disk(p)?),
        }
    }

    /// Whether the patch has planned something at `p` itself (written or removed it).
    pub fn is_planned(&self, p: &Path) -> bool {
        self.over.contains_key(&key(p))
    }

    /// The content and permission bits of the regular file `p` as it was before the patch,
    /// or `None` when it was no regular file.
    pub fn original(&self, p: &Path) -> Result<Option<(Vec<u8>, u32)>, TreeError> {
        match self.disk_shape(p)? {
            Shape::File(m) => Ok(Some((self.read_disk(p)?, m))),
            _ => Ok(None),
        }
    }

    /// The planned target of the symlink `p`.
    pub fn read_link(&self, p: &Path) -> Result<Vec<u8>, TreeError> {
        match self.over.get(&key(p)) {
            Some(Planned::Link { target }) => Ok(target.clone()),
            _ => Ok(self.root.read_link(p)?.as_os_str().as_bytes().to_vec()),
        }
    }

    /// True when the content planned for the path with key `k` is still being written.
    fn is_writing(&self, k: &[u8]) -> bool {
        matches!(
            self.over.get(k),
            Some(Planned::File {
                content: Content::Writing,
                ..
            })
        )
    }

    /// Plans `p` to become `node`; missing parents are planned as new directories. A file's
    /// content is staged in a temporary now (see the module documentation).
    pub fn set(&mut self, p: &Path, node: Node) -> Result<(), TreeError> {
        let k = key(p);
        // The staging thread answers by key: a content it is writing is settled before the
        // path gets another.
        if self.is_writing(&k) {
            self.settle()?;
        }
        self.check_parents_of(p, &k)?;
        let mut missing = Vec::new();
        for i in ancestor_ends(&k).rev() {
            match self.shape_of(prefix(p, i), &k[..i])? {
                Shape::Absent => missing.push(i),
                _ => break,
            }
        }
        for i in missing {
            self.over
                .insert(k[..i].to_vec(), Planned::Dir { mode: None });
        }
        let planned = match node {
            Node::Absent => {
                self.deleted.push(p.to_path_buf());
                Planned::Absent
            }
            Node::File { data, mode } => {
                let content = match self.staging {
                    Staging::Memory => Content::Memory(data),
                    Staging::Temporaries => self.stage(p, data, mode)?,
                };
                Planned::File { content, mode }
            }
            Node::Link { target } => Planned::Link { target },
            Node::Dir { mode } => Planned::Dir { mode },
        };
        if let Some(Planned::File {
            content: Content::Staged(old),
            ..
        }) = self.over.insert(k, planned)
        {
            self.unstage(&old);
        }
        Ok(())
    }

    /// Records that `p` is gone already (an idempotent run after an interrupted one), so its
    /// parents are removed when left empty, as if this run had deleted it.
    pub fn note_deleted(&mut self, p: &Path) {
        self.deleted.push(p.to_path_buf());
    }

    /// Plans the removal of the directory `p`, which must be empty in the planned tree.
    pub fn rmdir(&mut self, p: &Path) -> Result<bool, TreeError> {
        if self.shape(p)? != Shape::Dir {
            return Ok(false);
        }
        if self.is_planned_nonempty(p)? {
            return Ok(false);
        }
        self.over.insert(key(p), Planned::Absent);
        self.rmdirs.push(p.to_path_buf());
        Ok(true)
    }

    /// True when `p` is a directory that holds nothing in the planned tree (a file may
    /// replace it).
    pub fn is_empty_dir(&self, p: &Path) -> Result<bool, TreeError> {
        Ok(self.shape(p)? == Shape::Dir && !self.is_planned_nonempty(p)?)
    }

    fn is_planned_nonempty(&self, p: &Path) -> Result<bool, TreeError> {
        // Planned children that exist: the keys after `p`'s key and a NUL (the root's
        // children: every key without a NUL).
        let mut below = key(p);
        if !below.is_empty() {
            below.push(0);
        }
        for (d, n) in self.over.range(below.clone()..) {
            let Some(rest) = d.strip_prefix(below.as_slice()) else {
                break;
            };
            if !rest.is_empty() && !rest.contains(&0) && *n != Planned::Absent {
                return Ok(true);
            }
        }
        // Children on disk that are not planned away (our own temporaries do not count).
        if matches!(self.disk_shape(p)?, Shape::Dir) {
            for name in self.list_disk(p)? {
                let c = p.join(name);
                if !matches!(self.over.get(&key(&c)), Some(Planned::Absent))
                    && !self.temps.contains(&c)
                    && !self.is_run_temp(&c)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}
