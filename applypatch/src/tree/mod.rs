//! The target tree as the patch will leave it: an overlay of planned changes on top of the real
//! directory, read through fstree's directory handles (which never follow a symlink and never
//! leave the root), and the one place that writes.
//!
//! Checking happens against the overlay, so a later file patch sees what earlier ones did
//! (a file created then modified, a symlink created and then used as a directory — refused).
//!
//! Memory stays bounded by the largest file, not by the patch: when staging is on (every run
//! but `--dry-run`), each planned file's new content is written during the check to a hidden
//! temporary file with its final mode; the overlay keeps only the temporary's name. Nothing
//! visible changes until [`Tree::commit`]. Dropping a tree that was not committed (a failed
//! check, an error, all-or-nothing refusing, a commit that failed) removes every temporary, so
//! the visible tree is exactly as before. A killed process can leave hidden `.tmp~` files
//! behind, never a partial file under a final name, and the next run removes them (`journal`). `--dry-run` keeps new contents in memory instead and writes
//! nothing at all.
//!
//! The jobs, one module each: `disk` (what is on disk, through a cache of open directories),
//! `overlay` (the planned tree), `staging` (the temporaries and the thread that writes them),
//! `journal` (where the run's temporaries are, for the run after a killed one),
//! `commit` (the order in which the plan becomes visible).

mod commit;
mod disk;
mod journal;
mod overlay;
mod staging;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use fstree::{DirCache, Root};

use staging::Writer;

/// A path's state as the planner asks for it.
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

/// Where a planned file's content is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// In memory (`--dry-run`).
    Memory(Vec<u8>),
    /// In this temporary file (relative to the root), already with its final mode.
    Staged(PathBuf),
    /// Being written to a temporary by the staging thread: [`Tree::settle`] makes it
    /// [`Content::Staged`].
    Writing,
}

/// A path's state in the overlay: a [`Node`] whose file content may live in a temporary.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Planned {
    Absent,
    File { content: Content, mode: u32 },
    Link { target: Vec<u8> },
    Dir { mode: Option<u32> },
}

/// Whether new file contents are written to temporaries during the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staging {
    /// Stage each new content in a hidden temporary beside its target (a real run).
    Temporaries,
    /// Keep new contents in memory and never write (`--dry-run`).
    Memory,
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
    staging: Staging,
    /// Planned states, by [`key`]: parents sort before their children.
    over: BTreeMap<Vec<u8>, Planned>,
    /// Temporaries this tree created, not named for the run (the journal could not be
    /// written), and has not yet renamed into place or removed.
    temps: HashSet<PathBuf>,
    /// How many of this run's temporaries (named for it, in directories the journal lists)
    /// are neither renamed into place nor removed: the journal finds them again, so a million
    /// new files keep no set of their temporaries' names.
    outstanding: usize,
    /// Files deleted by the patch, whose parents are removed when left empty.
    deleted: Vec<PathBuf>,
    /// Directories the patch removes explicitly (`# treediff: rmdir`).
    rmdirs: Vec<PathBuf>,
    /// What is on disk, as first seen (nothing visible changes before the commit), by the
    /// path's bytes.
    shapes: RefCell<HashMap<Vec<u8>, Shape>>,
    /// Directories opened beneath the root (each from its parent, never through a symlink),
    /// by the path's bytes: patches touch files directory by directory, so most lookups
    /// reuse a descriptor instead of resolving a path again. At most a quarter of the descriptor limit.
    dirs: DirCache,
    /// The thread that writes temporaries (started after [`staging::INLINE_TEMPS`] of them).
    writer: Option<Writer>,
    /// Temporaries written so far without the thread.
    inline: usize,
    /// Where this run's temporaries are (`journal`), once the first is staged; `Err(())` when
    /// it could not be created (temporaries are then named without a run id).
    journal: Option<Result<journal::Journal, ()>>,
    /// Paths the commit has changed so far (see [`CommitFailed`]).
    committed: std::cell::Cell<usize>,
}

/// `p` as a key of [`Tree::over`]: its bytes with every `/` made NUL (names hold no NUL), so
/// that byte order is component order (`a/b` before `a.b`) and each ancestor's key is a
/// prefix of its descendants' keys, ending where `p`'s key has a NUL.
fn key(p: &Path) -> Vec<u8> {
    p.as_os_str()
        .as_bytes()
        .iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// The path a [`key`] stands for.
fn unkey(k: &[u8]) -> PathBuf {
    let bytes: Vec<u8> = k.iter().map(|&b| if b == 0 { b'/' } else { b }).collect();
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Where the ancestors of the path with key `k` end, shallowest first (the root and the path
/// itself excluded): `&k[..i]` is an ancestor's key, and the path's bytes up to `i` its path.
fn ancestor_ends(k: &[u8]) -> impl DoubleEndedIterator<Item = usize> + '_ {
    k.iter()
        .enumerate()
        .filter(|(_, b)| **b == 0)
        .map(|(i, _)| i)
}

/// The first `i` bytes of `p` as a path.
fn prefix(p: &Path, i: usize) -> &Path {
    Path::new(OsStr::from_bytes(&p.as_os_str().as_bytes()[..i]))
}

impl Tree {
    /// An empty overlay on `root`.
    pub fn new(root: Root, staging: Staging) -> Self {
        let dirs = DirCache::new(root.dir().clone());
        if staging == Staging::Temporaries {
            journal::clean_after_killed_runs(&dirs);
        }
        Tree {
            dirs,
            root,
            staging,
            over: BTreeMap::new(),
            temps: HashSet::new(),
            outstanding: 0,
            deleted: Vec::new(),
            rmdirs: Vec::new(),
            shapes: RefCell::new(HashMap::new()),
            writer: None,
            inline: 0,
            journal: None,
            committed: std::cell::Cell::new(0),
        }
    }

    /// The style of a temporary about to be made in `dir` (relative to the root): this run's,
    /// once `dir` is in the journal (started on first use).
    fn temp_style(&mut self, dir: &Path) -> fstree::TempStyle {
        let root = self.root.dir();
        let journal = self
            .journal
            .get_or_insert_with(|| journal::Journal::start(root).map_err(|_| ()));
        match journal {
            Ok(j) => match j.note_dir(dir) {
                Ok(()) => j.style(),
                Err(_) => fstree::TempStyle::Tool,
            },
            Err(()) => fstree::TempStyle::Tool,
        }
    }
}

impl Tree {
    /// The names in the directory `dir` on disk (for numbered backups).
    pub fn names_in(&self, dir: &Path) -> Result<Vec<std::ffi::OsString>, TreeError> {
        Ok(self.list_disk(dir)?)
    }
}

impl Drop for Tree {
    /// Removes the temporaries of a plan that was not (or not fully) committed.
    fn drop(&mut self) {
        self.stop_writer();
        let mut all = true;
        for tmp in std::mem::take(&mut self.temps) {
            all &= self.remove_temp(&tmp);
        }
        if self.outstanding > 0
            && let Some(Ok(j)) = &self.journal
        {
            all &= j.sweep(&self.dirs);
        }
        // The journal goes with the last temporary; one that stays is for the next run.
        if all && let Some(Ok(j)) = self.journal.take() {
            j.finish(self.root.dir());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_paths_and_ancestors_are_prefixes() {
        let names = [
            "a", "a.b", "a/b", "a/b/c", "a-", "a/b.c", "a/b/c/d", "ab", "a/ b", "b", "\u{e9}",
        ];
        let mut by_path: Vec<&Path> = names.iter().map(Path::new).collect();
        by_path.sort();
        let mut by_key: Vec<Vec<u8>> = names.iter().map(|n| key(Path::new(n))).collect();
        by_key.sort();
        let back: Vec<PathBuf> = by_key.iter().map(|k| unkey(k)).collect();
        assert_eq!(back, by_path);

        let p = Path::new("x/yy/z");
        let k = key(p);
        let ancestors: Vec<(&Path, &[u8])> =
            ancestor_ends(&k).map(|i| (prefix(p, i), &k[..i])).collect();
        assert_eq!(
            ancestors,
            vec![
                (Path::new("x"), &b"x"[..]),
                (Path::new("x/yy"), &b"x\0yy"[..])
            ]
        );
    }
}
