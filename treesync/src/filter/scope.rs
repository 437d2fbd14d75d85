//! Per-directory merge files (`dir-merge`, `-F`, `-C`'s `.cvsignore`): the rules in effect in
//! one directory of the walk. Entering a directory reads each merge file it holds; its rules
//! come before those inherited from the parents (unless the file clears them with `!`), and
//! are handed on to subdirectories unless the merge rule said `n`. An anchored rule (`/foo`)
//! matches relative to its file's directory ([`Place`]). A merge file named with a directory
//! (`-F`'s `/.rsync-filter`, `../../.rules`) is also looked for in each directory from there
//! down to the transfer's top, before the walk starts ([`Filters::top_scope`]).

use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::parse::{FilterError, per_dir_rules};
use super::{Filters, Item, PerDir, Shared};

/// Where a per-directory file was, to anchor its rules: a path within the transfer loses
/// `strip` leading bytes (the file's directory and its `/`) and gains `prefix` (the path from
/// a directory above the transfer's top down to it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    strip: usize,
    prefix: Vec<u8>,
}

impl Place {
    /// The place of a file in the transfer's directory `rel`.
    pub fn within(rel: &[u8]) -> Place {
        Place {
            strip: if rel.is_empty() { 0 } else { rel.len() + 1 },
            prefix: Vec::new(),
        }
    }

    /// `rel` as seen from the file's directory.
    pub(super) fn local(&self, rel: &[u8]) -> Vec<u8> {
        let mut p = self.prefix.clone();
        p.extend_from_slice(rel.get(self.strip..).unwrap_or_default());
        p
    }
}

/// The per-directory rules in effect in one directory, for each dir-merge rule.
#[derive(Debug, Default)]
pub struct Scope {
    /// For entries of this directory: its own rules, then the inherited ones.
    active: Vec<Vec<Shared>>,
    /// What its subdirectories inherit.
    inherit: Vec<Vec<Shared>>,
}

impl Scope {
    /// The rules of dir-merge rule `i` here, in the order they are tried.
    pub(super) fn rules(&self, i: usize) -> &[Shared] {
        self.active.get(i).map(Vec::as_slice).unwrap_or_default()
    }
}

impl Filters {
    /// The scope of directory `rel`'s entries, given its parent's (`None` at the top, or for
    /// nothing inherited) and a reader of a file in it by name (`Ok(None)`: no such file;
    /// `shown` names that directory in errors).
    pub fn enter(
        &self,
        parent: Option<&Scope>,
        place: &Place,
        shown: &Path,
        read: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Arc<Scope>, FilterError> {
        let mut scope = Scope::default();
        for (i, spec) in self.merges.iter().enumerate() {
            let inherited = parent
                .and_then(|p| p.inherit.get(i))
                .cloned()
                .unwrap_or_default();
            let base = spec
                .name
                .rsplit(|&b| b == b'/')
                .next()
                .unwrap_or(&spec.name);
            let live = self.items.contains(&Item::DirMerge(i));
            let mut active: Vec<Shared> = Vec::new();
            let mut cleared = false;
            if live && let Some(data) = read(base) {
                let name = shown.join(std::ffi::OsStr::from_bytes(base));
                let name = name.to_string_lossy();
                for r in per_dir_rules(&data, &spec.how, &name)? {
                    match r {
                        Some(rule) => active.push(Arc::new(PerDir {
                            rule,
                            place: place.clone(),
                        })),
                        None => {
                            active.clear();
                            cleared = true;
                        }
                    }
                }
            }
            if !cleared {
                active.extend(inherited);
            }
            let inherit = match spec.how.no_inherit {
                true => Vec::new(),
                false => active.clone(),
            };
            scope.active.push(active);
            scope.inherit.push(inherit);
        }
        Ok(Arc::new(scope))
    }

    /// What the transfer's top directory `root` inherits: the merge files named with a
    /// directory part that is `root` or above it, read in each directory from there down to
    /// `root`'s parent. `None` without dir-merge rules.
    pub fn top_scope(&self, root: &Path) -> Result<Option<Arc<Scope>>, FilterError> {
        if !self.has_dir_merge() {
            return Ok(None);
        }
        let root = absolute(root);
        let mut scope = self.enter(None, &Place::default(), Path::new(""), &mut |_| None)?;
        let mut chain: Vec<PathBuf> = root.ancestors().skip(1).map(Path::to_path_buf).collect();
        chain.reverse();
        for dir in chain {
            let Ok(below) = root.strip_prefix(&dir) else {
                continue;
            };
            let mut prefix = below.as_os_str().as_bytes().to_vec();
            prefix.push(b'/');
            let place = Place { strip: 0, prefix };
            let mut read = |base: &[u8]| self.parent_file(&root, &dir, base);
            scope = self.enter(Some(&scope), &place, &dir, &mut read)?;
        }
        Ok(Some(scope))
    }

    /// The merge file `base` in `dir` (above the transfer's top `root`), if a dir-merge rule
    /// names it with a directory part that is `dir` or above it.
    fn parent_file(&self, root: &Path, dir: &Path, base: &[u8]) -> Option<Vec<u8>> {
        let wanted = self.merges.iter().any(|m| {
            let Some(cut) = m.name.iter().rposition(|&b| b == b'/') else {
                return false;
            };
            let start = Path::new(std::ffi::OsStr::from_bytes(&m.name[..cut.max(1)]));
            let start = match start.is_absolute() {
                true => start.to_path_buf(),
                false => normalise(&root.join(start)),
            };
            m.name[cut + 1..] == *base && dir.starts_with(&start)
        });
        if !wanted {
            return None;
        }
        std::fs::read(dir.join(std::ffi::OsStr::from_bytes(base))).ok()
    }
}

/// `p` made absolute (against the working directory) and normalised lexically.
pub fn absolute(p: &Path) -> PathBuf {
    let full = match p.is_absolute() {
        true => p.to_path_buf(),
        false => std::env::current_dir().unwrap_or_default().join(p),
    };
    normalise(&full)
}

fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}
