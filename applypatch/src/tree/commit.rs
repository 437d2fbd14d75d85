//! The commit: the one place that changes the visible tree, once every file patch passed.
//!
//! It first checks that every directory it will change is writable, then works in an order
//! that makes type changes possible: removals deepest first, then new directories shallowest
//! first, then each file is renamed from its temporary into place (so none is ever torn) and
//! symlinks are created, then directory modes (deepest first, so a read-only directory is
//! filled before), then directories emptied by deletions are removed deepest first, then the
//! reject files are written.
//!
//! Every step works in the directories the check opened (the cache of open directories), so
//! a directory of the target swapped for a symlink meanwhile cannot redirect the commit, nor
//! make it fail half-way.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::{Dir, Op};

use super::{Content, Planned, Shape, Tree, TreeError, key, unkey};

/// A planned path (by its [`key`]: a million new files keep no second copy of their paths),
/// its planned state, and what is on disk there.
type Step<'t> = (&'t [u8], &'t Planned, Shape);

/// How deep the path with key `k` is: removals go deepest first, creations shallowest first.
fn depth(k: &[u8]) -> usize {
    k.iter().filter(|&&b| b == 0).count()
}

/// A commit that stopped at an error: the error, and how many of the planned paths it had
/// changed by then (0: the tree is as it was).
#[derive(Debug)]
pub struct CommitFailed {
    /// What failed.
    pub source: fstree::Error,
    /// Paths changed before it.
    pub done: usize,
    /// Paths the plan changes (reject files included).
    pub total: usize,
}

impl Tree {
    /// Writes the planned tree. `rejects` are written last, each beside its file.
    pub fn commit(mut self, rejects: &[(PathBuf, Vec<u8>)]) -> Result<(), CommitFailed> {
        let unchanged = |(k, n): (&Vec<u8>, &Planned)| {
            matches!(n, Planned::Dir { mode: None })
                && matches!(self.disk_shape(&unkey(k)), Ok(Shape::Dir))
        };
        let total = self.over.iter().filter(|&e| !unchanged(e)).count() + rejects.len();
        self.commit_steps(rejects).map_err(|source| CommitFailed {
            source,
            done: self.committed.get(),
            total,
        })
    }

    /// Counts one more path changed by the commit.
    fn changed_one(&self) {
        self.committed.set(self.committed.get() + 1);
    }

    /// [`Tree::commit`]'s steps, in order.
    fn commit_steps(&mut self, rejects: &[(PathBuf, Vec<u8>)]) -> Result<(), fstree::Error> {
        self.settle_for_commit()?;
        let over = std::mem::take(&mut self.over);
        // Parents before their children (the key order).
        let plan: Vec<Step<'_>> = over
            .iter()
            .map(|(k, n)| {
                let disk = self.disk_shape(&unkey(k)).unwrap_or(Shape::Absent);
                (k.as_slice(), n, disk)
            })
            .collect();
        self.check_writable(&plan)?;
        self.remove_replaced(&plan)?;
        self.make_dirs(&plan)?;
        self.place_files(&plan)?;
        self.set_dir_modes(&plan)?;
        self.remove_emptied_parents(&over);
        for (p, data) in rejects {
            self.root.write_file(p, data, 0o644)?;
            self.changed_one();
        }
        Ok(())
    }

    /// Waits for every temporary, as an error of the tree.
    fn settle_for_commit(&mut self) -> Result<(), fstree::Error> {
        match self.settle() {
            Ok(()) => Ok(()),
            Err(TreeError::Io(e)) => Err(e),
            Err(e) => Err(fstree::Error::new(
                fstree::Op::Create,
                self.root.display(Path::new("")),
                std::io::Error::other(e.to_string()),
            )),
        }
    }

    /// Fails, before anything is changed, when a directory the commit will write in is not
    /// writable (a read-only mount, or permissions without root's override).
    fn check_writable(&self, plan: &[Step<'_>]) -> Result<(), fstree::Error> {
        let mut parents: HashSet<&[u8]> = HashSet::new();
        for (k, n, disk) in plan {
            let unchanged = matches!((disk, n), (Shape::Dir, Planned::Dir { mode: None }));
            if !unchanged {
                parents.insert(&k[..k.iter().rposition(|&b| b == 0).unwrap_or(0)]);
            }
        }
        // The nearest directory on disk is where each change lands first.
        let parents: Vec<PathBuf> = parents.into_iter().map(unkey).collect();
        let mut dirs: Vec<&Path> = Vec::new();
        for par in &parents {
            for a in par.ancestors() {
                if matches!(self.disk_shape(a), Ok(Shape::Dir)) {
                    dirs.push(a);
                    break;
                }
            }
        }
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            self.dir_fd(d)?
                .check_writable()
                .map_err(|e| fstree::Error::new(fstree::Op::Write, self.root.display(d), e))?;
        }
        Ok(())
    }

    /// Step 1: removes, deepest first, everything whose kind changes or that goes away.
    fn remove_replaced(&self, plan: &[Step<'_>]) -> Result<(), fstree::Error> {
        let mut removals: Vec<&Step<'_>> = plan
            .iter()
            .filter(|(_, n, d)| {
                !matches!(
                    (d, n),
                    (Shape::Absent, _)
                        | (Shape::Dir, Planned::Dir { .. })
                        | (Shape::File(_), Planned::File { .. })
                        | (Shape::Link, Planned::Link { .. })
                )
            })
            .collect();
        removals.sort_by_key(|(k, _, _)| std::cmp::Reverse(depth(k)));
        for (k, n, d) in removals {
            let p = &unkey(k);
            let (dir, name) = self.parent_for(Op::Remove, p)?;
            let removed = if *d == Shape::Dir {
                dir.remove_dir(name)
            } else {
                dir.remove_file(name)
            };
            removed.map_err(|e| fstree::Error::new(Op::Remove, self.root.display(p), e))?;
            if matches!(n, Planned::Absent) {
                self.changed_one();
            }
            if *d == Shape::Dir {
                // Descriptors of removed directories must not be used again.
                self.dirs.clear();
            }
        }
        Ok(())
    }

    /// The directory holding `p` (the one the check looked at, from the cache) and `p`'s
    /// name; an error is reported as `op` failing on `p`.
    fn parent_for<'p>(&self, op: Op, p: &'p Path) -> Result<(Dir, &'p OsStr), fstree::Error> {
        self.parent_fd(p)
            .map_err(|e| fstree::Error::new(op, self.root.display(p), e.source))
    }

    /// Creates the symlink `p` to `target` (under a temporary name, then renamed over `p`).
    fn symlink(&mut self, p: &Path, target: &OsStr) -> Result<(), fstree::Error> {
        let style = self.temp_style(p.parent().unwrap_or(Path::new("")));
        let (dir, name) = self.parent_for(Op::Symlink, p)?;
        let failed = |e| fstree::Error::new(Op::Symlink, self.root.display(p), e);
        let tmp = dir.symlink_temp(target, name, style).map_err(failed)?;
        dir.rename(&tmp, &dir, name).map_err(|e| {
            let _ = dir.remove_file(&tmp);
            failed(e)
        })
    }

    /// Step 2: creates the new directories, shallowest first (the plan's order): where there
    /// was none, or something else (removed by step 1).
    fn make_dirs(&self, plan: &[Step<'_>]) -> Result<(), fstree::Error> {
        for (k, n, d) in plan {
            if matches!(n, Planned::Dir { .. }) && *d != Shape::Dir {
                let p = &unkey(k);
                let (dir, name) = self.parent_fd(p)?;
                dir.mkdir(name, 0o777)
                    .map_err(|e| fstree::Error::new(fstree::Op::Mkdir, self.root.display(p), e))?;
                self.changed_one();
            }
        }
        Ok(())
    }

    /// Step 3: renames each file from its temporary into place and creates the symlinks.
    fn place_files(&mut self, plan: &[Step<'_>]) -> Result<(), fstree::Error> {
        for (k, n, _) in plan {
            let p = &unkey(k);
            match n {
                Planned::File {
                    content: Content::Staged(tmp),
                    ..
                } => {
                    let (from_dir, from) = self.parent_fd(tmp)?;
                    let (to_dir, to) = self.parent_fd(p)?;
                    from_dir.rename(from, &to_dir, to).map_err(|e| {
                        fstree::Error::new(fstree::Op::Rename, self.root.display(p), e)
                    })?;
                    self.temp_gone(tmp);
                    self.changed_one();
                }
                Planned::File {
                    content: Content::Memory(data),
                    mode,
                } => {
                    self.root.write_file(p, data, *mode)?;
                    self.changed_one();
                }
                // Settled before the commit: never here.
                Planned::File {
                    content: Content::Writing,
                    ..
                } => {
                    return Err(fstree::Error::new(
                        fstree::Op::Create,
                        self.root.display(p),
                        std::io::Error::other("the new content was not written"),
                    ));
                }
                Planned::Link { target } => {
                    self.symlink(p, OsStr::from_bytes(target))?;
                    self.changed_one();
                }
                Planned::Dir { .. } | Planned::Absent => {}
            }
        }
        Ok(())
    }

    /// Step 4: sets directory modes, deepest first (a read-only directory is filled before).
    fn set_dir_modes(&self, plan: &[Step<'_>]) -> Result<(), fstree::Error> {
        for (k, n, _) in plan.iter().rev() {
            if let Planned::Dir { mode: Some(m) } = n {
                let p = &unkey(k);
                let (dir, name) = self.parent_for(Op::Chmod, p)?;
                dir.chmod(name, *m)
                    .map_err(|e| fstree::Error::new(Op::Chmod, self.root.display(p), e))?;
            }
        }
        Ok(())
    }

    /// Step 5: removes the parents left empty by deletions (GNU patch does this), deepest
    /// first, unless the plan (`over`) keeps them as directories. Best effort, like GNU patch:
    /// the removal itself tells whether a directory is empty, and one that is not (or cannot
    /// be removed) stays.
    fn remove_emptied_parents(&self, over: &BTreeMap<Vec<u8>, Planned>) {
        let mut parents: Vec<PathBuf> = self
            .deleted
            .iter()
            .flat_map(|p| p.ancestors().skip(1))
            .filter(|a| {
                !a.as_os_str().is_empty() && !matches!(over.get(&key(a)), Some(Planned::Dir { .. }))
            })
            .map(Path::to_path_buf)
            .collect();
        parents.sort();
        parents.dedup();
        parents.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        for a in parents {
            let Ok((dir, name)) = self.parent_fd(&a) else {
                continue;
            };
            if dir.remove_dir(name).is_ok() {
                self.dirs.forget(&a);
            }
        }
    }
}
