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

use std::path::{Path, PathBuf};

use crate::entry::{Entry, Kind};
use crate::error::{Context, Error, Op, Result};
use crate::exclude::Exclude;

/// A sorted, non-following walk of a tree; an iterator of [`Entry`].
pub struct Walk {
    root: PathBuf,
    inner: walkdir::IntoIter,
    exclude: Exclude,
}

impl Walk {
    /// Walks `root` (itself first, as the entry with an empty path).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_exclude(root, Exclude::default())
    }

    /// Walks `root`, pruning every entry `exclude` matches (the root is never excluded).
    pub fn with_exclude(root: impl Into<PathBuf>, exclude: Exclude) -> Self {
        let root = root.into();
        let inner = walkdir::WalkDir::new(&root)
            .follow_links(false)
            .follow_root_links(true)
            .sort_by_file_name()
            .into_iter();
        Walk {
            root,
            inner,
            exclude,
        }
    }

    /// The root as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Stops descending into the directory most recently yielded.
    pub fn skip_current_dir(&mut self) {
        self.inner.skip_current_dir();
    }

    fn convert(&self, de: walkdir::DirEntry) -> Result<Entry> {
        let rel = de
            .path()
            .strip_prefix(&self.root)
            .unwrap_or(de.path())
            .to_path_buf();
        let meta = if de.depth() == 0 {
            std::fs::metadata(de.path())
        } else {
            std::fs::symlink_metadata(de.path())
        }
        .ctx(Op::Stat, de.path())?;
        let link = if Kind::of(&meta) == Kind::Symlink {
            Some(std::fs::read_link(de.path()).ctx(Op::ReadLink, de.path())?)
        } else {
            None
        };
        Ok(Entry::from_metadata(rel, de.depth(), &meta, link))
    }
}

impl Iterator for Walk {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let de = match self.inner.next()? {
                Ok(de) => de,
                Err(e) => return Some(Err(walk_error(&self.root, e))),
            };
            if de.depth() > 0 && !self.exclude.is_empty() {
                let rel = de.path().strip_prefix(&self.root).unwrap_or(de.path());
                if self.exclude.is_excluded(rel) {
                    if de.file_type().is_dir() {
                        self.inner.skip_current_dir();
                    }
                    continue;
                }
            }
            return Some(self.convert(de));
        }
    }
}

fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e
        .path()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    let op = if e.depth() == 0 {
        Op::Stat
    } else {
        Op::ReadDir
    };
    let io = e
        .into_io_error()
        .unwrap_or_else(|| std::io::Error::other("filesystem loop"));
    Error::new(op, path, io)
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
            .map(|e| e.unwrap().path)
            .collect();
        assert_eq!(got, vec![PathBuf::new(), "x".into(), "x/a.c".into()]);
    }

    #[test]
    fn missing_root_is_an_error_naming_it() {
        let mut w = Walk::new("/nonexistent/root");
        let e = w.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("/nonexistent/root"), "{e}");
    }
}
