//! `--delete` on the receiving side: when the list enters a directory (its `Names` frame),
//! what DEST has in it and SRC does not is removed, a deleted directory's contents said before it, in the reverse
//! of rsync's sort (files by name, then directories by name with their `/`), as local
//! treesync words it. Removal goes through `fstree::Dir` (`remove_all` never follows a
//! symlink).

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use fstree::{Dir, Kind};

use super::Fatal;
use super::frame::flag;
use super::receiver::Receiver;

impl<R: Read> Receiver<'_, R> {
    /// `--delete` in one directory: what SRC does not have goes, contents before their
    /// directory, in the reverse of rsync's sort.
    pub(super) fn delete_extraneous(
        &mut self,
        d: &Dir,
        dir_rel: &[u8],
        keep: &HashSet<Vec<u8>>,
    ) -> Result<(), Fatal> {
        let names = match d.entries() {
            Ok(n) => n,
            Err(e) => return self.error("opendir", dir_rel, &e),
        };
        let extra: Vec<OsString> = names
            .into_iter()
            .map(|n| n.name)
            .filter(|n| !keep.contains(n.as_bytes()))
            .collect();
        let mut text = Vec::new();
        for (name, is_dir) in deletion_order(d, extra) {
            let rel = join(dir_rel, name.as_bytes());
            if is_dir && let Ok(sub) = d.open_dir(&name) {
                deleted_contents(&sub, &rel, self, &mut text);
            }
            text.extend(self.deleting_line(&rel, is_dir));
            if !self.dry_run() {
                let r = match is_dir {
                    true => d.remove_all(&name),
                    false => d.remove_file(&name),
                };
                if let Err(e) = r {
                    self.error("delete", &rel, &e)?;
                }
            }
        }
        self.lines.ready(text);
        Ok(())
    }

    pub(super) fn deleting_line(&self, rel: &[u8], is_dir: bool) -> Vec<u8> {
        if self.on(flag::ITEMIZE) {
            return crate::itemize::deleting(rel, is_dir, self.cs);
        }
        if self.verbose > 0 {
            let slash = if is_dir { "/" } else { "" };
            return format!("deleting {}{slash}\n", self.show(rel)).into_bytes();
        }
        Vec::new()
    }
}

fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    match parent {
        b"." => name.to_vec(),
        _ => [parent, b"/", name].concat(),
    }
}

/// rsync's sort is files by name, then directories by name; deletions go in reverse.
fn deletion_order(d: &Dir, names: Vec<OsString>) -> Vec<(OsString, bool)> {
    let mut v: Vec<(OsString, bool)> = names
        .into_iter()
        .map(|n| {
            let is_dir = d
                .lstat(&n)
                .ok()
                .flatten()
                .is_some_and(|m| m.kind == Kind::Dir);
            (n, is_dir)
        })
        .collect();
    let key = |(n, d): &(OsString, bool)| match d {
        true => (true, super::sender::dir_key(n)),
        false => (false, n.as_bytes().to_vec()),
    };
    v.sort_by_key(key);
    v.reverse();
    v
}

/// The lines for the contents of a directory being deleted, deepest first.
pub(super) fn deleted_contents<R: Read>(
    d: &Dir,
    rel: &[u8],
    rc: &Receiver<'_, R>,
    text: &mut Vec<u8>,
) {
    let Ok(names) = d.entries() else {
        return;
    };
    let names = names.into_iter().map(|n| n.name).collect();
    for (name, is_dir) in deletion_order(d, names) {
        let sub_rel = join(rel, name.as_bytes());
        if is_dir && let Ok(sub) = d.open_dir(&name) {
            deleted_contents(&sub, &sub_rel, rc, text);
        }
        text.extend(rc.deleting_line(&sub_rel, is_dir));
    }
}
