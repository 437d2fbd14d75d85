//! `--delete` (rsync's `--delete-during`), and making way for a non-directory where DEST has a
//! directory. Just before a directory's line, every DEST name that SRC lacks and no exclude
//! rule protects is removed, visiting names in reverse of rsync's sort and a directory's
//! contents before the directory, so the `*deleting` lines come out in rsync's order. An
//! excluded entry stays, and so does every directory holding one: rsync then says `cannot
//! delete non-empty directory` on stdout and it is not an error. Without `--delete` only an
//! empty directory is removed to make way; a non-empty one is an error for that entry.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use fstree::{Atime, Dir, Kind as FsKind, Timestamp};

use super::Engine;
use super::listing::{Listing, dir_order};
use super::source::{Kind, Src, join_rel};
use crate::Error;
use crate::filter::Scope;
use crate::pipeline::Res;
use crate::pipeline::Sink;

/// `--delete-after`'s work for one DEST directory, done once everything is transferred.
pub(super) struct Deferred {
    /// The directory the transfer's paths are relative to (one descriptor shared by all:
    /// holding one per directory would run out of descriptors on a large tree).
    root: Dir,
    /// SRC's names in it, sorted.
    names: Vec<OsString>,
    rel: Vec<u8>,
    /// The mtime the transfer gave it (`-t`), set again if deleting changed it.
    mtime: Option<Timestamp>,
}

impl Engine<'_> {
    /// Runs the deletions `--delete-after` put off, in walk order.
    pub(super) fn delete_deferred(&self, sink: &mut Sink<'_, '_>) -> Result<(), Error> {
        let later = std::mem::take(&mut *self.deferred.lock().unwrap_or_else(|p| p.into_inner()));
        // DEST's per-directory rules as they are now (merge files just transferred count).
        let mut scopes: HashMap<Vec<u8>, Arc<Scope>> = HashMap::new();
        for d in later {
            if self.deletions_off(sink)? {
                break;
            }
            let dir = match d.rel.is_empty() {
                true => Ok(d.root.clone()),
                false => d
                    .root
                    .open_dir_beneath(Path::new(OsStr::from_bytes(&d.rel))),
            };
            let dir = match dir {
                Ok(dir) => dir,
                Err(e) => {
                    let mut r = self.res();
                    r.io_error("opendir", &d.rel, &e);
                    sink.take(r)?;
                    continue;
                }
            };
            let parent = d.rel.iter().rposition(|&b| b == b'/').unwrap_or(0);
            let up = scopes.get(&d.rel[..parent]).filter(|_| !d.rel.is_empty());
            let scope = self.receiver_scope(up.map(|s| &**s), &d.rel, &dir);
            self.check_filter_error()?;
            self.delete_in_dir(sink, &d.names, &d.rel, &dir, scope.as_deref())?;
            if let Some(s) = scope {
                scopes.insert(d.rel.clone(), s);
            }
            if let Some(mt) = d.mtime.filter(|_| !self.o.dry_run)
                && dir.stat().is_ok_and(|m| m.mtime != mt)
                && let Err(e) = dir.set_times_self(None, Some(mt))
            {
                let mut r = self.res();
                r.io_error("set times", &d.rel, &e);
                sink.take(r)?;
            }
        }
        Ok(())
    }
}

/// Where an entry being deleted stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Named by `--delete` in a transferred directory.
    Top,
    /// Inside a directory being deleted.
    Inside,
    /// A directory emptied to make way for a non-directory (not announced itself, and not one
    /// of `--max-delete`'s deletions).
    MakeWay,
}

/// rsync's order of a directory's entries: files by name, then directories (see
/// [`dir_order`]); deletions walk it backwards.
fn sort_for_delete(l: &mut [(OsString, bool)]) {
    l.sort_by(|a, b| {
        a.1.cmp(&b.1).then_with(|| {
            if a.1 {
                dir_order(&a.0, &b.0)
            } else {
                a.0.cmp(&b.0)
            }
        })
    });
}

impl Engine<'_> {
    /// `--delete` for one directory, just before its line is printed (rsync's
    /// `--delete-during`, and `--delete-before`, whose lines come in the same order), or, with
    /// `--delete-after`/`--delete-delay`, once the whole transfer is done ([`Engine::deferred`]).
    pub(super) fn delete_for(
        &self,
        sink: &mut Sink<'_, '_>,
        listing: &mut Listing,
        s: &Src,
        dfd: &Dir,
        mtime: Option<Timestamp>,
    ) -> Result<(), Error> {
        if self.deletions_off(sink)? {
            return Ok(());
        }
        let rel = &s.rel[..];
        let mut names: Vec<OsString> = listing
            .all
            .iter()
            .chain(listing.dirs.iter())
            .map(|s| s.name.clone())
            .collect();
        names.sort_unstable();
        if self.o.delete_after {
            let mut later = self.deferred.lock().unwrap_or_else(|p| p.into_inner());
            let root = self.dest_root.lock().unwrap_or_else(|p| p.into_inner());
            let Some(root) = root.clone() else {
                return Ok(());
            };
            later.push(Deferred {
                root,
                names,
                rel: rel.to_vec(),
                mtime,
            });
            return Ok(());
        }
        let scope = self.receiver_scope(s.dest_scope.as_deref(), rel, dfd);
        self.check_filter_error()?;
        for d in &mut listing.dirs {
            d.dest_scope = scope.clone();
        }
        self.delete_in_dir(sink, &names, rel, dfd, scope.as_deref())
    }

    /// `--delete` for one directory: every DEST name not in `names` (SRC's, sorted: an entry
    /// SRC has but does not carry, like a symlink without `-l`, still protects its name) and
    /// that no exclude rule protects.
    pub(super) fn delete_in_dir(
        &self,
        sink: &mut Sink<'_, '_>,
        names: &[OsString],
        rel: &[u8],
        dfd: &Dir,
        scope: Option<&Scope>,
    ) -> Result<(), Error> {
        let mut r = self.res();
        let dest_names = match list(dfd) {
            Ok(l) => l,
            Err(e) => {
                r.io_error("opendir", rel, &e);
                return sink.take(r);
            }
        };
        let mut extra: Vec<(OsString, bool)> = dest_names
            .into_iter()
            .filter(|(n, is_dir)| {
                names.binary_search(n).is_err()
                    && !self.protected(scope, &join_rel(rel, n), *is_dir, false)
            })
            .collect();
        sort_for_delete(&mut extra);
        for (name, is_dir) in extra.iter().rev() {
            let crel = join_rel(rel, name);
            self.delete_entry(&mut r, (dfd, scope), name, &crel, *is_dir, Role::Top);
        }
        sink.take(r)
    }

    /// Delete `name` (recursively for a directory), printing `*deleting` lines in rsync's
    /// order (not the directory itself when it is emptied to make way for a file).
    /// Returns whether the entry is gone (or would be, in a dry run).
    ///
    /// Entries that an exclude rule protects stay, and so does every directory holding one:
    /// rsync then says `cannot delete non-empty directory: DIR` on stdout (see
    /// [`Engine::delete_contents`]) and it is not an error.
    fn delete_entry(
        &self,
        r: &mut Res,
        (dfd, scope): (&Dir, Option<&Scope>),
        name: &OsStr,
        rel: &[u8],
        is_dir: bool,
        role: Role,
    ) -> bool {
        let announce_self = role != Role::MakeWay;
        if is_dir && !self.delete_contents(r, (dfd, scope), name, rel, role) {
            return false;
        }
        // A directory emptied to make way for a file is not one of `--max-delete`'s deletions
        // (its contents are).
        if announce_self && !self.may_delete() {
            return false;
        }
        if announce_self {
            self.announce_delete(r, rel, is_dir);
        }
        if self.o.dry_run {
            return true;
        }
        let res = if is_dir {
            dfd.remove_dir(name)
        } else if self.backs_up(Some(FsKind::File)) {
            self.back_up(dfd, name, rel)
        } else {
            dfd.remove_file(name)
        };
        if let Err(e) = res {
            r.io_error(
                if is_dir {
                    "delete_file: rmdir"
                } else {
                    "delete_file: unlink"
                },
                rel,
                &e,
            );
            return false;
        }
        true
    }

    /// Deletes what the directory `name` holds (`--delete`'s protections and limits apply);
    /// false when something stays, said as rsync says it.
    fn delete_contents(
        &self,
        r: &mut Res,
        (dfd, scope): (&Dir, Option<&Scope>),
        name: &OsStr,
        rel: &[u8],
        role: Role,
    ) -> bool {
        let (mut protected, mut dir_blocked, mut blocked) = (false, false, false);
        match dfd
            .open_dir_with(name, Atime::Keep)
            .and_then(|sub| Ok((list(&sub)?, sub)))
        {
            Ok((mut l, sub)) => {
                sort_for_delete(&mut l);
                let inner = self.receiver_scope(scope, rel, &sub);
                let inner = inner.as_deref();
                for (n, d) in l.iter().rev() {
                    let crel = join_rel(rel, n);
                    if self.protected(inner, &crel, *d, true) {
                        protected = true;
                    } else if !self.delete_entry(r, (&sub, inner), n, &crel, *d, Role::Inside) {
                        blocked = true;
                        dir_blocked |= *d;
                    } else if !*d && self.o.backup && self.o.backup_dir.is_none() && !self.o.dry_run
                    {
                        // Backed up beside itself: the directory keeps the backup.
                        blocked = true;
                    }
                }
            }
            Err(e) => {
                r.io_error("opendir", rel, &e);
                return false;
            }
        }
        if blocked && role == Role::Inside && self.limit_spent() {
            // Kept because `--max-delete` stopped its contents: rsync counts a directory
            // inside the one being deleted as skipped (not the top one, nor one made way).
            self.deletes_skipped.fetch_add(1, Ordering::Relaxed);
        }
        if protected || blocked {
            // rsync says it once for the directory `--delete` named; for one inside it, once
            // followed by its `*deleting` in a dry run, else twice when something beneath
            // it is protected.
            let msg = format!("cannot delete non-empty directory: {}\n", r.show(rel));
            r.out.extend_from_slice(msg.as_bytes());
            let inside = role == Role::Inside && (protected || dir_blocked);
            if inside && self.o.dry_run {
                self.announce_delete(r, rel, true);
            } else if inside && !self.limit_spent() {
                r.out.extend_from_slice(msg.as_bytes());
            }
            return false;
        }
        true
    }

    /// Deletes DEST's `name` in `d` as `--delete` would (its contents unprotected by rules
    /// from per-directory files); false when something stays.
    pub(super) fn delete_named(
        &self,
        r: &mut Res,
        d: &Dir,
        name: &OsStr,
        rel: &[u8],
        is_dir: bool,
    ) -> bool {
        self.delete_entry(r, (d, None), name, rel, is_dir, Role::Top)
    }

    /// A DEST directory stands where SRC has a non-directory: remove it (its contents only
    /// with `--delete` or `--force`, as rsync). Returns false (and reports) when it cannot.
    pub(super) fn make_way(&self, r: &mut Res, d: &Dir, s: &Src) -> bool {
        if self.o.delete || self.o.force {
            if self.delete_entry(r, (d, None), &s.name, &s.rel, true, Role::MakeWay) {
                return true;
            }
            return cannot_make_way(r, s);
        }
        let empty = d
            .open_dir_with(&s.name, Atime::Keep)
            .and_then(|f| list(&f))
            .map(|l| l.is_empty())
            .unwrap_or(false);
        if empty {
            if !self.o.dry_run
                && let Err(e) = d.remove_dir(&s.name)
            {
                r.io_error("rmdir", &s.rel, &e);
                return false;
            }
            return true;
        }
        // rsync prints this one on stdout, the next on stderr.
        let _ = writeln!(
            r.out,
            "cannot delete non-empty directory: {}",
            r.show(&s.rel)
        );
        cannot_make_way(r, s)
    }
}

impl Engine<'_> {
    /// Does a receiver rule (or being a backup) keep this DEST entry from `--delete`
    /// (`dying`: it is inside a directory being deleted)?
    fn protected(&self, scope: Option<&Scope>, rel: &[u8], is_dir: bool, dying: bool) -> bool {
        self.rule_protects(scope, rel, is_dir, dying) || self.is_backup(rel)
    }

    /// `-b` protects backups from `--delete`: without `--backup-dir` by the suffix, as rsync's
    /// implied `P *~` rule; a `--backup-dir` inside DEST by its name at the top (it is made at
    /// the start of the run; rsync makes it at its first backup, after it has listed DEST).
    fn is_backup(&self, rel: &[u8]) -> bool {
        let o = self.o;
        if !o.backup {
            return false;
        }
        match &o.backup_dir {
            None => {
                let suffix = o.suffix.as_bytes();
                !suffix.is_empty() && rel.ends_with(suffix)
            }
            Some(dir) => dir
                .components()
                .next()
                .is_some_and(|c| c.as_os_str().as_bytes() == rel),
        }
    }

    /// `--max-delete`: takes one deletion from the budget, or, once it is spent, counts the
    /// entry as skipped and says no.
    fn may_delete(&self) -> bool {
        let Some(max) = self.o.max_delete else {
            return true;
        };
        if self.deleted.fetch_add(1, Ordering::Relaxed) < max {
            return true;
        }
        self.deletes_skipped.fetch_add(1, Ordering::Relaxed);
        false
    }
}

impl Engine<'_> {
    /// An error reading SRC's listing (a directory that cannot be read, a symlink with no
    /// referent) turns `--delete` off for the rest of the run, as rsync's sender does.
    pub(super) fn sender_io_error(&self) {
        self.io_error.store(true, Ordering::Relaxed);
    }

    /// Are deletions off because of such an error (and no `--ignore-errors`)? Says so once,
    /// in rsync's words.
    fn deletions_off(&self, sink: &mut Sink<'_, '_>) -> Result<bool, Error> {
        if self.o.ignore_errors || !self.io_error.load(Ordering::Relaxed) {
            return Ok(false);
        }
        if !self.io_error_said.swap(true, Ordering::Relaxed) {
            let mut r = self.res();
            r.out
                .extend_from_slice(b"IO error encountered -- skipping file deletion\n");
            sink.take(r)?;
        }
        Ok(true)
    }

    fn limit_spent(&self) -> bool {
        self.o
            .max_delete
            .is_some_and(|max| self.deleted.load(Ordering::Relaxed) >= max)
    }
}

/// The names in a DEST directory (without `.`/`..`) and whether each is a real directory (not
/// a symlink to one), asking `lstat` where `getdents` does not tell.
fn list(dir: &Dir) -> io::Result<Vec<(OsString, bool)>> {
    dir.entries()?
        .into_iter()
        .map(|e| {
            let is_dir = match e.kind {
                Some(k) => k == FsKind::Dir,
                None => dir.lstat(&e.name)?.is_some_and(|m| m.kind == FsKind::Dir),
            };
            Ok((e.name, is_dir))
        })
        .collect()
}

/// rsync's word for a kind in "could not make way for new ...".
fn what(k: Kind) -> &'static str {
    match k {
        Kind::File => "regular file",
        Kind::Link => "symlink",
        Kind::Device => "device",
        _ => "special file",
    }
}

/// rsync's complaint when DEST's entry could not be removed for `s` (a partial transfer).
fn cannot_make_way(r: &mut Res, s: &Src) -> bool {
    let _ = writeln!(
        r.err,
        "could not make way for new {}: {}",
        what(s.kind),
        r.show(&s.rel)
    );
    r.partial = true;
    false
}
