//! The walk's side of the filter rules ([`crate::filter`]): the per-directory rules of each
//! directory entered, read from SRC's copy of a merge file for the sender's decisions and from
//! DEST's for the receiver's (what `--delete` may remove), as rsync's two ends each read their
//! own; and a bad rule in such a file, which stops the run (exit 1) as it stops rsync.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use fstree::{Atime, Dir, Kind as FsKind};

use super::Engine;
use super::source::{Kind, Src};
use crate::Error;
use crate::filter::{self, FilterError, Place, Query, Scope, Side};

impl Engine<'_> {
    /// The per-directory rules for the entries of SRC's directory `dir` (open as `fd`).
    pub(super) fn sender_scope(&self, dir: &Src, fd: &Dir) -> Option<Arc<Scope>> {
        let f = &self.o.filters;
        if !f.has_dir_merge() {
            return None;
        }
        let shown = filter::absolute(&dir.path);
        let place = Place::within(&dir.rel);
        let mut read = |name: &[u8]| read_rules(fd, name);
        self.scope_or_fail(f.enter(dir.scope.as_deref(), &place, &shown, &mut read))
    }

    /// The per-directory rules for the entries of DEST's directory `rel` (open as `fd`),
    /// given its parent's.
    pub(super) fn receiver_scope(
        &self,
        parent: Option<&Scope>,
        rel: &[u8],
        fd: &Dir,
    ) -> Option<Arc<Scope>> {
        let f = &self.o.filters;
        if !f.has_dir_merge() {
            return None;
        }
        let shown = Path::new(OsStr::from_bytes(rel));
        let mut read = |name: &[u8]| read_rules(fd, name);
        self.scope_or_fail(f.enter(parent, &Place::within(rel), shown, &mut read))
    }

    /// What the transfer's top directory `root` inherits from merge files above it.
    pub(super) fn top_scope(&self, root: &Path) -> Option<Arc<Scope>> {
        self.scope_or_fail(self.o.filters.top_scope(root).transpose()?)
    }

    fn scope_or_fail(&self, r: Result<Arc<Scope>, FilterError>) -> Option<Arc<Scope>> {
        match r {
            Ok(s) => Some(s),
            Err(e) => {
                let mut first = self.filter_error.lock().unwrap_or_else(|p| p.into_inner());
                first.get_or_insert_with(|| e.to_string());
                None
            }
        }
    }

    /// A bad rule met in a per-directory file stops the run (rsync exit 1).
    pub(super) fn check_filter_error(&self) -> Result<(), Error> {
        let first = self.filter_error.lock().unwrap_or_else(|p| p.into_inner());
        match first.as_ref() {
            Some(e) => Err(Error::Usage(e.clone())),
            None => Ok(()),
        }
    }

    /// Does a sender rule leave `s` out of the transfer (`scope`: its directory's rules)?
    pub(super) fn hidden(&self, scope: Option<&Scope>, s: &Src) -> bool {
        let f = &self.o.filters;
        if f.is_empty() {
            return false;
        }
        let abs = f.has_absolute().then(|| filter::absolute(&s.path));
        let q = Query {
            absolute: abs.as_ref().map(|a| &a.as_os_str().as_bytes()[1..]),
            ..Query::sender(&s.rel, s.kind == Kind::Dir)
        };
        f.is_excluded(scope, &q)
    }

    /// Does a receiver rule keep DEST's `rel` from `--delete` (`dying`: it is inside a
    /// directory being deleted, where perishable rules do not count)?
    pub(super) fn rule_protects(
        &self,
        scope: Option<&Scope>,
        rel: &[u8],
        is_dir: bool,
        dying: bool,
    ) -> bool {
        let q = Query {
            side: Side::Receiver,
            dying,
            ..Query::sender(rel, is_dir)
        };
        self.o.filters.is_excluded(scope, &q)
    }
}

/// The merge file `name` in `fd`, if it is a regular file there (a symlink is not followed).
fn read_rules(fd: &Dir, name: &[u8]) -> Option<Vec<u8>> {
    let (mut f, m) = fd.open_file(OsStr::from_bytes(name), Atime::Keep).ok()?;
    if m.kind != FsKind::File {
        return None;
    }
    let mut data = Vec::new();
    f.read_to_end(&mut data).ok()?;
    Some(data)
}
