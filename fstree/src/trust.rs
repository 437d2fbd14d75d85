//! Who planted the symlinks on an operator's path. A path given on the command line (DEST, a
//! `--backup-dir`, a `--link-dest`) is followed as the shell follows it, symlinks and all; but
//! when a tool runs as root over directories a user can write, a symlink that user plants
//! along that path redirects the run anywhere. rsync 3.5 therefore resolves those paths
//! component by component and refuses a symlink owned by anyone but root or the running user;
//! [`untrusted_symlink`] is that walk. It reads (lstat, readlink) and never opens: the caller
//! opens the path afterwards as usual.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Symlinks followed before giving up (the kernel's own limit: the open that follows then
/// fails with `ELOOP` by itself).
const MAX_HOPS: usize = 40;

/// Is a symlink owned by `uid` trusted: root's, or the running user's?
pub fn trusted_owner(uid: u32) -> bool {
    uid == 0 || uid == rustix::process::geteuid().as_raw()
}

/// The first symlink met while resolving `path` (relative to the working directory, or
/// absolute) whose owner `trusted` refuses, as the path it was met at; `None` when every
/// symlink on the way is trusted. Resolution stops quietly at a missing component (what is
/// missing is created later, not followed) and after `MAX_HOPS` (40) symlinks.
pub fn untrusted_symlink(
    path: &Path,
    trusted: &dyn Fn(u32) -> bool,
) -> io::Result<Option<PathBuf>> {
    let mut done = PathBuf::from(if path.is_absolute() { "/" } else { "." });
    let mut todo = components(path);
    let mut hops = 0;
    while let Some(c) = todo.pop_front() {
        let next = done.join(&c);
        if c == ".." {
            done = next;
            continue;
        }
        let st = match rustix::fs::lstat(&next) {
            Ok(st) => st,
            Err(_) => return Ok(None),
        };
        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Symlink {
            done = next;
            continue;
        }
        if !trusted(st.st_uid) {
            return Ok(Some(next));
        }
        hops += 1;
        if hops > MAX_HOPS {
            return Ok(None);
        }
        let target = rustix::fs::readlink(&next, Vec::new())?;
        let target = Path::new(OsStr::from_bytes(target.as_bytes()));
        if target.is_absolute() {
            done = PathBuf::from("/");
        }
        for t in components(target).into_iter().rev() {
            todo.push_front(t);
        }
    }
    Ok(None)
}

/// The names and `..` steps of `path`, in order (`.` and the root left out).
fn components(path: &Path) -> VecDeque<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_refused_link_also_behind_a_trusted_one() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        std::fs::create_dir_all(p.join("real/inner")).unwrap();
        std::os::unix::fs::symlink(p.join("real"), p.join("mine")).unwrap();
        std::os::unix::fs::symlink("inner", p.join("real/hop")).unwrap();
        let refuse_all = |_: u32| false;
        let trust_all = |_: u32| true;
        assert_eq!(
            untrusted_symlink(&p.join("real/inner/x"), &refuse_all).unwrap(),
            None
        );
        assert_eq!(
            untrusted_symlink(&p.join("mine/inner"), &refuse_all).unwrap(),
            Some(p.join("mine"))
        );
        assert_eq!(
            untrusted_symlink(&p.join("mine/hop/new"), &trust_all).unwrap(),
            None
        );
        // A trusted link leads to one that is not: found at its resolved place.
        let calls = std::cell::Cell::new(0);
        let first_only = |_: u32| {
            calls.set(calls.get() + 1);
            calls.get() == 1
        };
        assert_eq!(
            untrusted_symlink(&p.join("mine/hop/x"), &first_only).unwrap(),
            Some(p.join("real/hop"))
        );
    }
}
