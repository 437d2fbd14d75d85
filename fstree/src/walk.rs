//! The one way the tools walk a tree: depth-first, siblings sorted by name bytes, the root
//! first, directories before their contents, symlinks reported and never followed (except the
//! root itself, which the operator named: `snap link-to-dir out` copies the directory), dotfiles
//! included, excluded names pruned with everything under them.
//!
//! The order is the mtree manifest's order and is deterministic, so two walks of equal trees
//! yield equal sequences. Note it is *not* plain byte order of whole paths (`a/b` comes before
//! `a.c` here because `a` sorts before `a.c`); tools that need whole-path order sort themselves.
//! Problems with single entries (unreadable directory, entry vanished) come out as `Err` items
//! and the walk goes on, so a caller can report each one and continue.
//!
//! The walk works beneath descriptors ([`Dir`]), never by path: each directory is opened from
//! its parent by name without following a symlink and checked to be the directory that was
//! `lstat`ed (same device and inode), and every entry comes with the open directory that holds
//! it ([`Found::dir`]), so a reader opens it relative to that, not by a path resolved again. A
//! directory swapped for a symlink or for another directory during the walk is reported as an
//! error naming it, never entered. It is iterative and keeps at most [`MAX_OPEN`] directories
//! of the current chain open (a shallower one is re-opened through `..` of its child and
//! checked the same way), so depth and path length are limited only by the file system.

use std::ffi::{OsStr, OsString};
use std::io;
use std::ops::Deref;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::dir::{Atime, Dir, changed_meanwhile};
use crate::entry::{Entry, Kind, Meta};
use crate::error::{Context, Error, Op, Result};
use crate::exclude::Exclude;

/// How many directories of the current chain a walk keeps open at most.
pub const MAX_OPEN: usize = 128;

/// One entry of a walk, with the open directory that holds it.
#[derive(Debug, Clone)]
pub struct Found {
    /// What was found (path relative to the walk's root).
    pub entry: Entry,
    /// The directory holding it (for the root: the root itself, with `name` `.`).
    pub dir: Dir,
    /// Its name in `dir`.
    pub name: OsString,
}

impl Deref for Found {
    type Target = Entry;

    fn deref(&self) -> &Entry {
        &self.entry
    }
}

/// A sorted, non-following walk of a tree; an iterator of [`Found`].
pub struct Walk {
    root: PathBuf,
    exclude: Exclude,
    atime: Atime,
    started: bool,
    /// The current path's bytes relative to the root (names joined with `/`).
    path: Vec<u8>,
    stack: Vec<Level>,
    /// The directory most recently yielded, to be entered next unless skipped.
    pending: Option<Found>,
}

/// One directory of the current chain.
struct Level {
    /// Open while one of the deepest [`MAX_OPEN`]; re-opened through `..` when needed again.
    dir: Option<Dir>,
    meta: Meta,
    /// Names not yet visited, sorted descending (the next is last).
    names: Vec<OsString>,
    /// Length of [`Walk::path`] at this directory.
    len: usize,
}

impl Walk {
    /// Walks `root` (itself first, as the entry with an empty path).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_exclude(root, Exclude::default())
    }

    /// Walks `root`, pruning every entry `exclude` matches (the root is never excluded).
    pub fn with_exclude(root: impl Into<PathBuf>, exclude: Exclude) -> Self {
        Walk {
            root: root.into(),
            exclude,
            atime: Atime::Update,
            started: false,
            path: Vec::new(),
            stack: Vec::new(),
            pending: None,
        }
    }

    /// Lists directories with `O_NOATIME` where permitted, so the walk leaves their access
    /// times alone.
    pub fn keep_atime(mut self) -> Self {
        self.atime = Atime::Keep;
        self
    }

    /// The root as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stops descending into the directory most recently yielded (or, when that was not a
    /// directory, skips the rest of the directory it is in).
    pub fn skip_current_dir(&mut self) {
        if self.pending.take().is_none() {
            self.pop();
        }
    }

    fn full(&self, rel: &[u8]) -> PathBuf {
        if rel.is_empty() {
            self.root.clone()
        } else {
            self.root.join(OsStr::from_bytes(rel))
        }
    }

    /// The root entry: followed if it is a symlink (the operator named it).
    fn start(&mut self) -> Result<Found> {
        let root = self.root.clone();
        match Dir::open_ambient(&root, self.atime) {
            Ok(dir) => {
                let meta = dir.stat().ctx(Op::Stat, &root)?;
                let entry = Entry::from_meta(PathBuf::new(), 0, &meta, None);
                let found = Found {
                    entry,
                    dir,
                    name: OsString::from("."),
                };
                self.pending = Some(found.clone());
                Ok(found)
            }
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) => {
                self.start_non_dir()
            }
            Err(e) => Err(Error::new(Op::Stat, root, e)),
        }
    }

    /// A root that is not a directory: one entry, described through its parent.
    fn start_non_dir(&mut self) -> Result<Found> {
        let root = self.root.clone();
        let meta = std::fs::metadata(&root).ctx(Op::Stat, &root)?;
        let parent = match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = Dir::open_ambient(parent, Atime::Update).ctx(Op::Open, parent)?;
        let name = root.file_name().unwrap_or(OsStr::new(".")).to_os_string();
        let entry = Entry::from_metadata(PathBuf::new(), 0, &meta, None);
        Ok(Found { entry, dir, name })
    }

    /// Enters the directory `d` (just yielded): opens it beneath its parent, checks it is the
    /// one described, and lists it.
    fn enter(&mut self, d: Found) -> Result<()> {
        let full = self.full(Self::path_of(&d));
        let dir = if self.stack.is_empty() {
            d.dir.clone()
        } else {
            let dir = d
                .dir
                .open_dir_with(&d.name, self.atime)
                .ctx(Op::Open, &full)?;
            let now = dir.stat().ctx(Op::Stat, &full)?;
            if now.dev != d.dev || now.ino != d.ino {
                return Err(Error::new(Op::Open, full, changed_meanwhile()));
            }
            dir
        };
        let mut names: Vec<OsString> = dir
            .entries()
            .ctx(Op::ReadDir, &full)?
            .into_iter()
            .map(|e| e.name)
            .collect();
        names.sort_unstable_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
        let meta = dir.stat().ctx(Op::Stat, &full)?;
        if !self.stack.is_empty() {
            self.push_name(&d.name);
        }
        self.stack.push(Level {
            dir: Some(dir),
            meta,
            names,
            len: self.path.len(),
        });
        self.evict();
        Ok(())
    }

    /// The relative path bytes of `d`, one of the current directory's entries (or the root).
    fn path_of(d: &Found) -> &[u8] {
        d.entry.path.as_os_str().as_bytes()
    }

    fn push_name(&mut self, name: &OsStr) {
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.extend_from_slice(name.as_bytes());
    }

    /// Keeps the root and the deepest [`MAX_OPEN`] directories of the chain open: the open
    /// ones are always those, so closing the one that just fell out of that window suffices.
    fn evict(&mut self) {
        let len = self.stack.len();
        if len > MAX_OPEN + 1 {
            self.stack[len - 1 - MAX_OPEN].dir = None;
        }
    }

    /// Leaves the current directory; re-opens its parent through `..` if it was closed.
    fn pop(&mut self) -> Option<Error> {
        let done = self.stack.pop()?;
        let parent_len = self.stack.last()?.len;
        self.path.truncate(parent_len);
        let full = self.full(&self.path);
        let parent = self.stack.last_mut()?;
        if parent.dir.is_some() {
            return None;
        }
        let child = done.dir.as_ref()?;
        let reopened = child.open_dir(OsStr::new("..")).and_then(|d| {
            let m = d.stat()?;
            if m.same_object(&parent.meta) {
                Ok(d)
            } else {
                Err(changed_meanwhile())
            }
        });
        match reopened {
            Ok(d) => {
                parent.dir = Some(d);
                None
            }
            Err(e) => {
                self.stack.pop();
                if let Some(p) = self.stack.last() {
                    self.path.truncate(p.len);
                }
                Some(Error::new(Op::Open, full, e))
            }
        }
    }

    /// The next name of the current directory, described.
    fn visit(&mut self) -> Visit {
        let Some(level) = self.stack.last_mut() else {
            return Visit::Done;
        };
        let (Some(name), Some(dir)) = (level.names.pop(), level.dir.clone()) else {
            return Visit::Done;
        };
        let base = level.len;
        let depth = self.stack.len();
        self.push_name(&name);
        let rel = PathBuf::from(OsString::from_vec(self.path.clone()));
        self.path.truncate(base);
        if !self.exclude.is_empty() && self.exclude.is_excluded(&rel) {
            return Visit::Pruned;
        }
        let full = self.full(rel.as_os_str().as_bytes());
        Visit::Item(describe(&dir, &name, rel, depth, &full).map(|entry| Found {
            entry,
            dir,
            name,
        }))
    }
}

/// What [`Walk::visit`] found.
enum Visit {
    /// The current directory has no more names.
    Done,
    /// The name is excluded.
    Pruned,
    /// An entry (or the error describing it).
    Item(Result<Found>),
}

/// `lstat` (and `readlink`) of `name` in `dir`, as an [`Entry`] at `rel`.
fn describe(dir: &Dir, name: &OsStr, rel: PathBuf, depth: usize, full: &Path) -> Result<Entry> {
    let meta = match dir.lstat(name).ctx(Op::Stat, full)? {
        Some(m) => m,
        None => return Err(Error::new(Op::Stat, full, io::ErrorKind::NotFound.into())),
    };
    let link = if meta.kind == Kind::Symlink {
        let t = dir.read_link(name).ctx(Op::ReadLink, full)?;
        Some(PathBuf::from(OsString::from_vec(t)))
    } else {
        None
    };
    Ok(Entry::from_meta(rel, depth, &meta, link))
}

impl Iterator for Walk {
    type Item = Result<Found>;

    fn next(&mut self) -> Option<Self::Item> {
        if !self.started {
            self.started = true;
            return Some(self.start());
        }
        loop {
            if let Some(d) = self.pending.take()
                && let Err(e) = self.enter(d)
            {
                return Some(Err(e));
            }
            if self.stack.is_empty() {
                return None;
            }
            match self.visit() {
                Visit::Done => {
                    if let Some(e) = self.pop() {
                        return Some(Err(e));
                    }
                }
                Visit::Pruned => {}
                Visit::Item(Ok(f)) => {
                    if f.kind == Kind::Dir {
                        self.pending = Some(f.clone());
                    }
                    return Some(Ok(f));
                }
                Visit::Item(Err(e)) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn sorted_with_dotfiles_and_symlinks_not_followed() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        std::fs::create_dir_all(r.join("b/.hidden")).unwrap();
        std::fs::write(r.join("a.c"), "x").unwrap();
        std::fs::write(r.join(".top"), "y").unwrap();
        std::fs::write(r.join(OsStr::from_bytes(b"z\xff")), "").unwrap();
        std::os::unix::fs::symlink("b", r.join("link")).unwrap();
        std::os::unix::fs::symlink("/nonexistent", r.join("dangling")).unwrap();
        let got: Vec<_> = Walk::new(r).map(|e| e.unwrap()).collect();
        let names: Vec<_> = got
            .iter()
            .map(|e| e.path.as_os_str().as_bytes().to_vec())
            .collect();
        let want: Vec<&[u8]> = vec![
            b"",
            b".top",
            b"a.c",
            b"b",
            b"b/.hidden",
            b"dangling",
            b"link",
            b"z\xff",
        ];
        assert_eq!(names, want);
        let link = got.iter().find(|e| e.path == Path::new("link")).unwrap();
        assert_eq!(link.kind, Kind::Symlink);
        assert_eq!(link.link.as_deref(), Some(Path::new("b")));
        assert_eq!(got[0].depth, 0);
    }

    #[test]
    fn a_root_named_through_a_symlink_is_walked_as_the_directory() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("real")).unwrap();
        std::fs::write(t.path().join("real/f"), "x").unwrap();
        std::os::unix::fs::symlink("real", t.path().join("alias")).unwrap();
        let got: Vec<_> = Walk::new(t.path().join("alias"))
            .map(|e| e.unwrap())
            .collect();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].kind, got[1].path.as_path()),
            (Kind::Dir, Path::new("f"))
        );
    }

    #[test]
    fn excluded_dirs_are_pruned() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("x/.git/objects")).unwrap();
        std::fs::write(t.path().join("x/a.o"), "").unwrap();
        std::fs::write(t.path().join("x/a.c"), "").unwrap();
        let ex = Exclude::new([".git", "*.o"]).unwrap();
        let got: Vec<_> = Walk::with_exclude(t.path(), ex)
            .map(|e| e.unwrap().entry.path)
            .collect();
        assert_eq!(got, vec![PathBuf::new(), "x".into(), "x/a.c".into()]);
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let mut w = Walk::new("/nonexistent/root");
        let e = w.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("/nonexistent/root"), "{e}");
    }

    /// A chain of `n` directories named `d` below `root`, made beneath descriptors (the path
    /// is longer than PATH_MAX), with a file `f` at the bottom.
    fn deep_chain(root: &Path, n: usize) {
        let mut d = Dir::open_ambient(root, Atime::Update).unwrap();
        for _ in 0..n {
            d.mkdir(OsStr::new("d"), 0o755).unwrap();
            d = d.open_dir(OsStr::new("d")).unwrap();
        }
        d.create_new(OsStr::new("f"), 0o644).unwrap();
    }

    #[test]
    fn walks_ten_thousand_levels_beyond_path_max() {
        let t = tempfile::tempdir().unwrap();
        deep_chain(t.path(), 10_000);
        let mut n = 0;
        let mut deepest = 0;
        for e in Walk::new(t.path()) {
            let e = e.unwrap();
            n += 1;
            deepest = deepest.max(e.depth);
        }
        assert_eq!((n, deepest), (10_002, 10_001));
        let d = Dir::open_ambient(t.path(), Atime::Update).unwrap();
        d.remove_all(OsStr::new("d")).unwrap();
    }

    #[test]
    fn climbs_back_through_closed_directories() {
        let t = tempfile::tempdir().unwrap();
        deep_chain(t.path(), MAX_OPEN * 2);
        std::fs::write(t.path().join("z"), "after").unwrap();
        let got: Vec<_> = Walk::new(t.path()).map(|e| e.unwrap()).collect();
        let last = got.last().unwrap();
        assert_eq!((last.entry.path.as_path(), last.depth), (Path::new("z"), 1));
        assert_eq!(got.len(), MAX_OPEN * 2 + 3);
    }

    #[test]
    fn a_directory_swapped_for_a_symlink_is_not_entered() {
        let t = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "s").unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/f"), "x").unwrap();
        let mut w = Walk::new(t.path());
        assert_eq!(w.next().unwrap().unwrap().entry.path, PathBuf::new());
        let d = w.next().unwrap().unwrap();
        assert_eq!(d.entry.path, Path::new("d"));
        std::fs::rename(t.path().join("d"), t.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(outside.path(), t.path().join("d")).unwrap();
        let e = w.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("/d"), "{e}");
        let rest: Vec<_> = w.filter_map(|e| e.ok()).map(|e| e.entry.path).collect();
        assert!(!rest.iter().any(|p| p.ends_with("secret")), "{rest:?}");
    }

    #[test]
    fn a_directory_replaced_by_another_is_reported() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        let mut w = Walk::new(t.path());
        w.next().unwrap().unwrap();
        assert_eq!(w.next().unwrap().unwrap().entry.path, Path::new("d"));
        std::fs::rename(t.path().join("d"), t.path().join("old")).unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/planted"), "p").unwrap();
        let e = w.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("/d"), "{e}");
    }

    #[test]
    fn each_entry_comes_with_the_directory_holding_it() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("d")).unwrap();
        std::fs::write(t.path().join("d/f"), "x").unwrap();
        let f = Walk::new(t.path())
            .map(|e| e.unwrap())
            .find(|e| e.entry.path == Path::new("d/f"))
            .unwrap();
        let (mut file, meta) = f.dir.open_file(&f.name, Atime::Update).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut file, &mut s).unwrap();
        assert_eq!((s.as_str(), meta.ino), ("x", f.ino));
    }
}
