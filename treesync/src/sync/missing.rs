//! `--delete-missing-args`: a SRC operand that does not exist deletes what DEST has at its
//! name (with `-R`, at its path), as rsync: a file or symlink is removed, an empty directory
//! too, a non-empty one only with `--delete` or `--force` (else `cannot delete non-empty
//! directory`, which is no error). `*deleting` lines and `--max-delete` as for `--delete`.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fstree::{Atime, Dir};

use super::Engine;
use crate::Error;
use crate::pipeline::Sink;

impl Engine<'_> {
    /// Deletes DEST's `rel` (a path beneath the directory `dest`) for a missing operand.
    pub(super) fn delete_missing(
        &self,
        sink: &mut Sink<'_, '_>,
        dest: &Path,
        rel: &[u8],
    ) -> Result<(), Error> {
        let Ok(root) = Dir::open_ambient(dest, Atime::Keep) else {
            return Ok(());
        };
        let dir_rel = match rel.iter().rposition(|&b| b == b'/') {
            Some(i) => &rel[..i],
            None => &b""[..],
        };
        let dir = match dir_rel.is_empty() {
            true => Ok(root),
            false => root.open_dir_beneath(Path::new(OsStr::from_bytes(dir_rel))),
        };
        match dir {
            Ok(dir) => self.delete_missing_in(sink, &dir, rel),
            Err(_) => Ok(()),
        }
    }

    /// Deletes the entry of `dir` named by `rel`'s last component.
    pub(super) fn delete_missing_in(
        &self,
        sink: &mut Sink<'_, '_>,
        dir: &Dir,
        rel: &[u8],
    ) -> Result<(), Error> {
        let name = rel.rsplit(|&b| b == b'/').next().unwrap_or(rel);
        let name = OsStr::from_bytes(name);
        let Ok(Some(meta)) = dir.lstat(name) else {
            return Ok(());
        };
        let is_dir = meta.kind == fstree::Kind::Dir;
        let mut r = self.res();
        let empty = !is_dir
            || dir
                .open_dir_with(name, Atime::Keep)
                .and_then(|d| d.entries())
                .is_ok_and(|e| e.is_empty());
        if empty || self.o.delete || self.o.force {
            self.delete_named(&mut r, dir, name, rel, is_dir);
        } else {
            let _ = writeln!(r.out, "cannot delete non-empty directory: {}", r.show(rel));
        }
        sink.take(r)
    }
}
