//! [`Tree`]: a compact, in-memory description of a directory tree, and [`Tree::build`] to make
//! it real.
//!
//! Entries are keyed by their relative path as bytes (any bytes but NUL; `/` separates
//! components), so names with newlines or invalid UTF-8 are as easy as any other. Parent
//! directories are implied (mode 0755) unless given with [`Tree::dir`]. Adding an entry whose
//! path is already present replaces it; adding one below a non-directory, or a non-directory
//! above existing entries, panics: [`Tree::remove`] it first (that is how a type change is
//! written).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::show::show;

/// One entry of a [`Tree`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A regular file with its contents and permission bits (e.g. `0o644`).
    File {
        /// The bytes of the file.
        content: Vec<u8>,
        /// Permission bits (`0o7777` at most).
        mode: u32,
    },
    /// A directory with its permission bits. Only needed for empty directories or modes other
    /// than 0755: parents are implied.
    Dir {
        /// Permission bits.
        mode: u32,
    },
    /// A symbolic link; the target need not exist and may be absolute.
    Symlink {
        /// The target, as stored in the link.
        target: Vec<u8>,
    },
    /// A named pipe.
    Fifo {
        /// Permission bits.
        mode: u32,
    },
    /// A hard link to the regular file at `to` (a path in the same tree).
    HardLink {
        /// The path of the file this is another name of.
        to: Vec<u8>,
    },
}

/// A description of a directory tree; build it with chained calls, make it real with
/// [`Tree::build`].
///
/// ```
/// # use checkpoint_tests::Tree;
/// let tree = Tree::new()
///     .file("src/main.c", "int main() {}\n")
///     .exec("run.sh", "#!/bin/sh\n")
///     .symlink("link", "src/main.c")
///     .dir("empty")
///     .file(b"caf\xe9".as_slice(), "Latin-1 name\n")
///     .mtime("src/main.c", 1_600_000_000 * checkpoint_tests::NS);
/// let dir = checkpoint_tests::tempdir();
/// tree.build(dir.path().join("t"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    entries: BTreeMap<Vec<u8>, Node>,
    /// `(atime, mtime)` in ns since the epoch, applied after everything is created.
    times: BTreeMap<Vec<u8>, (i64, i64)>,
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A regular file, mode 0644.
    pub fn file(self, path: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> Self {
        self.file_mode(path, content, 0o644)
    }

    /// An executable regular file, mode 0755.
    pub fn exec(self, path: impl AsRef<[u8]>, content: impl AsRef<[u8]>) -> Self {
        self.file_mode(path, content, 0o755)
    }

    /// A regular file with the given permission bits.
    pub fn file_mode(self, path: impl AsRef<[u8]>, content: impl AsRef<[u8]>, mode: u32) -> Self {
        let content = content.as_ref().to_vec();
        self.with(path, Node::File { content, mode })
    }

    /// A directory, mode 0755 (use for empty directories; parents are implied).
    pub fn dir(self, path: impl AsRef<[u8]>) -> Self {
        self.dir_mode(path, 0o755)
    }

    /// A directory with the given permission bits.
    pub fn dir_mode(self, path: impl AsRef<[u8]>, mode: u32) -> Self {
        self.with(path, Node::Dir { mode })
    }

    /// A symbolic link to `target` (relative, absolute or dangling: stored as given).
    pub fn symlink(self, path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        let target = target.as_ref().to_vec();
        assert!(
            !target.is_empty() && !target.contains(&0),
            "bad symlink target {:?}",
            show(&target)
        );
        self.with(path, Node::Symlink { target })
    }

    /// A named pipe, mode 0644.
    pub fn fifo(self, path: impl AsRef<[u8]>) -> Self {
        self.with(path, Node::Fifo { mode: 0o644 })
    }

    /// A hard link: `path` becomes another name of the regular file `to` of this tree.
    pub fn hardlink(self, path: impl AsRef<[u8]>, to: impl AsRef<[u8]>) -> Self {
        let to = to.as_ref().to_vec();
        self.with(path, Node::HardLink { to })
    }

    /// Sets the modification time (ns since the epoch) of `path`, and its access time to the
    /// same value. `path` may be an implied directory; it must exist when the tree is built.
    pub fn mtime(self, path: impl AsRef<[u8]>, mtime_ns: i64) -> Self {
        self.times(path, mtime_ns, mtime_ns)
    }

    /// Sets the access and modification times (ns since the epoch) of `path`.
    pub fn times(mut self, path: impl AsRef<[u8]>, atime_ns: i64, mtime_ns: i64) -> Self {
        let path = normalize(path.as_ref());
        self.times.insert(path, (atime_ns, mtime_ns));
        self
    }

    /// Gives every entry (including implied directories, excluding the root) a distinct,
    /// fixed mtime with a non-zero nanosecond part, starting at `base_ns`, in path order.
    pub fn with_mtimes(mut self, base_ns: i64) -> Self {
        for (i, path) in self.all_paths().into_iter().enumerate() {
            let t = base_ns + i as i64 * (crate::NS + 1_001);
            self.times.insert(path, (t, t));
        }
        self
    }

    /// Removes `path` and everything below it (no-op if absent).
    pub fn remove(mut self, path: impl AsRef<[u8]>) -> Self {
        let path = normalize(path.as_ref());
        self.entries.retain(|p, _| !is_same_or_below(p, &path));
        self.times.retain(|p, _| !is_same_or_below(p, &path));
        self
    }

    /// Keeps only the entries for which `keep(path, node)` is true (and their times).
    pub fn retain(mut self, mut keep: impl FnMut(&[u8], &Node) -> bool) -> Self {
        self.entries.retain(|p, n| keep(p, n));
        let all = self.all_paths();
        self.times.retain(|p, _| all.contains(p));
        self
    }

    /// The explicit entries, in path order.
    pub fn entries(&self) -> impl Iterator<Item = (&[u8], &Node)> {
        self.entries.iter().map(|(p, n)| (p.as_slice(), n))
    }

    /// The entry at `path`, if explicit.
    pub fn get(&self, path: impl AsRef<[u8]>) -> Option<&Node> {
        self.entries.get(path.as_ref())
    }

    /// Whether `path` exists, explicitly or as an implied directory.
    pub fn contains(&self, path: impl AsRef<[u8]>) -> bool {
        let path = path.as_ref();
        self.entries.keys().any(|p| is_same_or_below(p, path))
    }

    /// Whether `path` can be added: no non-directory above it, and, unless `node` is a
    /// directory, nothing below it.
    pub fn can_insert(&self, path: &[u8], node: &Node) -> bool {
        let path = normalize(path);
        let ancestor_blocks = ancestors(&path).any(|a| {
            self.entries
                .get(a)
                .is_some_and(|n| !matches!(n, Node::Dir { .. }))
        });
        let has_children = self
            .entries
            .keys()
            .any(|p| p != &path && is_same_or_below(p, &path));
        !ancestor_blocks && (matches!(node, Node::Dir { .. }) || !has_children)
    }

    /// Adds `node` at `path`, replacing what was there; panics if it does not fit (see
    /// [`Tree::can_insert`]).
    pub fn with(mut self, path: impl AsRef<[u8]>, node: Node) -> Self {
        let path = normalize(path.as_ref());
        assert!(
            self.can_insert(&path, &node),
            "Tree: cannot add \"{}\": a non-directory is above it or entries are below it \
             (remove() first)",
            show(&path)
        );
        self.entries.insert(path, node);
        self
    }

    /// Every path of the tree, explicit or implied, in sorted order.
    fn all_paths(&self) -> Vec<Vec<u8>> {
        let mut all: Vec<Vec<u8>> = Vec::new();
        for p in self.entries.keys() {
            all.extend(ancestors(p).map(<[u8]>::to_vec));
            all.push(p.clone());
        }
        all.sort();
        all.dedup();
        all
    }

    /// Creates the tree under `root` (created if missing; entries must not exist yet).
    /// Returns `root` for chaining.
    ///
    /// Order: directories and files, then hard links, then permission bits of directories
    /// (so read-only directories can be filled), then times, deepest first.
    pub fn build(&self, root: impl AsRef<Path>) -> PathBuf {
        let root = root.as_ref();
        fs::create_dir_all(root).unwrap_or_else(|e| panic!("mkdir -p {}: {e}", root.display()));
        let at = |p: &[u8]| root.join(OsStr::from_bytes(p));
        for (path, node) in &self.entries {
            let full = at(path);
            if let Some(parent) = full.parent() {
                fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("mkdir -p {}: {e}", parent.display()));
            }
            let done = match node {
                Node::File { content, .. } => fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&full)
                    .and_then(|mut f| f.write_all(content)),
                Node::Dir { .. } => fs::create_dir(&full).or_else(|e| {
                    // An implied parent of an earlier entry may already be there.
                    if full.is_dir() && !full.is_symlink() {
                        Ok(())
                    } else {
                        Err(e)
                    }
                }),
                Node::Symlink { target } => {
                    std::os::unix::fs::symlink(OsStr::from_bytes(target), &full)
                }
                Node::Fifo { mode } => rustix::fs::mknodat(
                    rustix::fs::CWD,
                    &full,
                    rustix::fs::FileType::Fifo,
                    rustix::fs::Mode::from_raw_mode(*mode),
                    0,
                )
                .map_err(std::io::Error::from),
                Node::HardLink { .. } => Ok(()),
            };
            done.unwrap_or_else(|e| panic!("Tree::build: creating {}: {e}", full.display()));
        }
        for (path, node) in &self.entries {
            if let Node::HardLink { to } = node {
                let (full, original) = (at(path), at(to));
                assert!(
                    matches!(self.entries.get(to), Some(Node::File { .. })),
                    "Tree::build: hard link \"{}\" to \"{}\", which is not a file of the tree",
                    show(path),
                    show(to)
                );
                fs::hard_link(&original, &full).unwrap_or_else(|e| {
                    panic!("ln {} {}: {e}", original.display(), full.display())
                });
            }
        }
        for (path, node) in self.entries.iter().rev() {
            let mode = match node {
                Node::File { mode, .. } | Node::Dir { mode } | Node::Fifo { mode } => *mode,
                Node::Symlink { .. } | Node::HardLink { .. } => continue,
            };
            let full = at(path);
            fs::set_permissions(&full, fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", full.display()));
        }
        for (path, &(atime, mtime)) in self.times.iter().rev() {
            let full = at(path);
            filetime::set_symlink_file_times(&full, file_time(atime), file_time(mtime))
                .unwrap_or_else(|e| panic!("setting times of {}: {e}", full.display()));
        }
        root.to_path_buf()
    }
}

fn file_time(ns: i64) -> filetime::FileTime {
    filetime::FileTime::from_unix_time(ns.div_euclid(crate::NS), ns.rem_euclid(crate::NS) as u32)
}

/// Checks a relative path and strips trailing slashes; panics on `..`, `.`, empty components
/// and absolute paths, which a tree description has no use for.
fn normalize(path: &[u8]) -> Vec<u8> {
    let mut p = path;
    while let [rest @ .., b'/'] = p {
        p = rest;
    }
    assert!(
        !p.is_empty()
            && !p.contains(&0)
            && p.split(|&b| b == b'/')
                .all(|c| !c.is_empty() && c != b"." && c != b".."),
        "Tree: bad relative path \"{}\"",
        show(path)
    );
    p.to_vec()
}

/// The proper ancestors of a path, nearest last: `a/b/c` gives `a`, `a/b`.
fn ancestors(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .map(move |(i, _)| &path[..i])
}

/// Whether `p` is `dir` or below it.
fn is_same_or_below(p: &[u8], dir: &[u8]) -> bool {
    p.starts_with(dir) && (p.len() == dir.len() || p[dir.len()] == b'/')
}
