//! The decision for one non-directory: up to date (only its attributes are fixed), or to be
//! written anew. Regular files: without `-c`, equal size and equal mtime *seconds* mean "up to
//! date" (rsync compares whole seconds); with `-c`, equal size and equal bytes do, where a
//! `--manifest` digest for the very same file (same size and, when recorded, mtime) stands in for reading
//! SRC. Symlinks are up to date with the same target, devices with the same device number,
//! FIFOs and sockets whenever DEST has the same type. An entry whose type changed since it was
//! listed, or that is gone, has vanished (exit 24). Everything else is written to
//! `.NAME.XXXXXX` in the same directory and renamed over NAME ([`super::transfer`]).

use std::fs;
use std::io::{self, Write};

use fstree::{Dir, Kind as FsKind, Meta, Timestamp};

use super::Engine;
use super::basis::FromBasis;
use super::source::{Kind, Src};
use super::transfer::{NewAttrs, open_source};
use crate::itemize::Change;
use crate::pipeline::Res;

impl Engine<'_> {
    /// Bring one non-directory up to date. `fresh`: `dfd` was created by this run, so there
    /// is nothing to compare with.
    pub(super) fn sync_entry(&self, dfd: Option<&Dir>, fresh: bool, s: &mut Src) -> Res {
        let mut r = self.res();
        if self.stopped() {
            return r;
        }
        let Some(mut src_file) = self.stat_source(&mut r, fresh, s) else {
            return r;
        };
        let s = &*s;
        count_listed(&mut r, s);
        let Some((existing, target)) = self.look_at(&mut r, dfd, fresh, s) else {
            return r;
        };
        if self.passes_over(s, existing.as_ref()) {
            return r;
        }
        let (mut against, mut quiet) = (None, false);
        if existing.is_none() && self.bases().is_some() {
            match self.try_bases(&mut r, dfd, s, target.as_deref()) {
                FromBasis::Done => return r,
                FromBasis::Write(m) => against = m,
                FromBasis::Quiet => quiet = true,
            }
        }
        // Is the existing DEST entry the same kind of thing (so it can be updated in place)?
        let same = existing.filter(|m| same_kind(s, m));
        if let (Some(m), None) = (existing, same)
            && m.kind == FsKind::Dir
            && let Some(d) = dfd
            && !self.make_way(&mut r, d, s)
        {
            return r;
        }
        let target = target.as_deref();
        let up_to_date = match &same {
            Some(m) => self.up_to_date(&mut r, dfd, s, m, target, &mut src_file),
            None => false,
        };
        if r.partial || r.vanished {
            return r;
        }
        // `--append`: a DEST file as long as SRC's or longer is left as it is.
        if self.o.append > 0
            && !up_to_date
            && same.is_some_and(|m| m.kind == FsKind::File && m.size >= s.size)
        {
            return r;
        }
        let (uid, gid) = self.want_owner(s);
        let synced = match same {
            Some(m) if up_to_date => {
                self.fix_attrs(&mut r, dfd, s, &m, uid, gid, target);
                true
            }
            _ => {
                let on = Against {
                    same: same.as_ref(),
                    shown: same.as_ref().or(against.as_ref()),
                    quiet,
                    backup: self.backs_up(existing.map(|m| m.kind)),
                };
                self.write_entry(&mut r, dfd, s, on, target, src_file)
            }
        };
        if synced && self.o.remove_source_files {
            self.remove_source(&mut r, s);
        }
        r
    }

    /// `--remove-source-files`: `s` is in DEST now; remove it from SRC, unless it changed
    /// since it was looked at (then rsync's note, and it stays).
    fn remove_source(&self, r: &mut Res, s: &Src) {
        if self.o.dry_run {
            return;
        }
        let unchanged = s
            .lstat()
            .is_ok_and(|m| m.size == s.size && m.mtime == s.mtime && Kind::of(m.kind) == s.kind);
        if !unchanged {
            let _ = writeln!(
                r.err,
                "Skipping sender remove for changed file: {}",
                r.show(&s.rel)
            );
            return;
        }
        if let Err(e) = s.remove() {
            r.io_error("sender failed to remove", &s.rel, &e);
        }
    }

    /// Fills in `s`'s metadata if the listing did not (`None`: it vanished, changed type or
    /// cannot be described, as reported). A regular file that will be read anyway is opened
    /// and `fstat`ed (one name lookup instead of two) and returned open; if it cannot be
    /// opened, the `lstat` below reports why where rsync does.
    fn stat_source(&self, r: &mut Res, fresh: bool, s: &mut Src) -> Option<Option<fs::File>> {
        let mut src_file = None;
        if !s.statted
            && s.kind == Kind::File
            && (self.o.checksum || fresh)
            && let Ok((f, m)) = s.open()
        {
            s.set_meta(&m);
            src_file = Some(f);
        }
        if s.statted {
            return Some(src_file);
        }
        let listed = s.kind;
        match s.lstat() {
            Ok(m) => s.set_meta(&m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                r.vanished(&s.rel);
                return None;
            }
            Err(e) => {
                r.io_error("readlink_stat", &s.rel, &e);
                return None;
            }
        }
        if s.kind != listed {
            // Replaced since it was listed: as good as vanished for this run.
            r.vanished(&s.rel);
            return None;
        }
        Some(src_file)
    }

    /// What DEST has at `s`'s name (`None` inside: nothing, or a `fresh` directory) and, for
    /// a symlink, the target SRC's link has now. `None`: an error or a vanished link,
    /// reported.
    fn look_at(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        fresh: bool,
        s: &Src,
    ) -> Option<(Option<Meta>, Option<Vec<u8>>)> {
        let existing = match dfd {
            Some(d) if !fresh => match d.lstat(&s.name) {
                Ok(m) => m,
                Err(e) => {
                    r.io_error("stat", &s.rel, &e);
                    return None;
                }
            },
            _ => None,
        };
        if s.kind != Kind::Link {
            return Some((existing, None));
        }
        match s.readlink() {
            Ok(t) => Some((existing, Some(t))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                r.vanished(&s.rel);
                None
            }
            Err(e) => {
                r.io_error("readlink", &s.rel, &e);
                None
            }
        }
    }

    /// Is DEST's entry `m` (of `s`'s kind) already what `s` is? Regular files by rsync's quick
    /// check (size and mtime seconds) or, with `-c`, by content.
    fn up_to_date(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        s: &Src,
        m: &Meta,
        target: Option<&[u8]>,
        src_file: &mut Option<fs::File>,
    ) -> bool {
        match s.kind {
            Kind::File if self.o.checksum => {
                m.size == s.size && self.same_content(r, dfd, s, src_file.take())
            }
            Kind::File if self.o.size_only => m.size == s.size,
            Kind::File if self.o.ignore_times => false,
            Kind::File => m.size == s.size && self.same_time(m.mtime, s.mtime),
            Kind::Link => {
                let cur = dfd.and_then(|d| d.read_link(&s.name).ok());
                cur.as_deref() == target
            }
            Kind::Device => m.rdev == s.rdev,
            Kind::Special => true,
            Kind::Dir => false,
        }
    }

    /// The transfer rules that leave `s` alone whatever it is like (`existing`: DEST's entry):
    /// `--existing` (DEST lacks it), `--ignore-existing` (DEST has it), `--min-size` and
    /// `--max-size` (regular files), `-u` (DEST's regular file is newer). They decide what is
    /// transferred, not what is listed, so `--delete` still sees `s`.
    fn passes_over(&self, s: &Src, existing: Option<&Meta>) -> bool {
        let o = self.o;
        let file = s.kind == Kind::File;
        (o.existing && existing.is_none())
            || (o.ignore_existing && existing.is_some())
            || (file && o.max_size.is_some_and(|max| s.size > max))
            || (file && o.min_size.is_some_and(|min| s.size < min))
            || (file && o.update && existing.is_some_and(|m| self.newer(m, s)))
    }

    /// `-u`: is DEST's `m` a regular file newer than `s`? Whole seconds are compared (all of the
    /// time with a negative `--modify-window`); the window does not widen "newer" (measured:
    /// rsync 3.5 skips a file one second newer under `--modify-window=20000000`).
    fn newer(&self, m: &Meta, s: &Src) -> bool {
        let newer = match self.o.modify_window {
            w if w < 0 => m.mtime > s.mtime,
            _ => m.mtime.secs > s.mtime.secs,
        };
        m.kind == FsKind::File && newer
    }

    /// Writes `s` anew under a temporary name and renames it over (false when it could not;
    /// reported), then counts and announces it. `on.same`: DEST's entry of
    /// the same kind it replaces; `shown`: what the line compares with), then counts and
    /// announces it.
    fn write_entry(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        s: &Src,
        on: Against<'_>,
        target: Option<&[u8]>,
        src_file: Option<fs::File>,
    ) -> bool {
        let Against {
            same,
            shown,
            quiet,
            backup,
        } = on;
        let (uid, gid) = self.want_owner(s);
        let new = same.is_none();
        // Itemized against DEST's entry, or a basis tree's copy (`--link-dest` ...).
        let mut change = match shown {
            Some(m) => self.replacing(s, m, uid, gid),
            None => Change {
                new,
                ..Default::default()
            },
        };
        if self.carries_xattrs()
            && s.kind == Kind::File
            && same.is_some()
            && let Some(d) = dfd
        {
            self.xattr_change(s, d, &mut change);
        }
        let attrs = NewAttrs {
            mode: match same {
                Some(m) if !self.o.perms && s.kind == Kind::File => self.kept_mode(s, m),
                _ => self.want_mode(s, new),
            },
            masked: self.masks_new(new),
            uid,
            gid,
            mtime: self.carries_mtime(s.kind).then_some(s.mtime),
            atime: self.o.atimes.then_some(Timestamp::from_secs(s.atime.secs)),
            backup,
        };
        let mut again = false;
        if !self.o.dry_run
            && let Some(d) = dfd
        {
            let written = match s.kind {
                Kind::File if self.o.inplace && in_place_ok(d, s) => {
                    let done = self.write_in_place(r, d, s, src_file, &attrs);
                    again = done == Some(true);
                    done.is_some()
                }
                Kind::File => self.write_file(r, d, s, src_file, &attrs),
                _ => self.write_other(r, d, s, target, &attrs),
            };
            if !written {
                return false;
            }
        }
        count_written(r, s, new);
        if !quiet {
            self.announce(r, s, &change, target);
            if again {
                // `--append-verify`'s second, whole transfer: its own line, sizes equal now.
                let retry = Change {
                    size: false,
                    ..change
                };
                let mut later = self.res();
                self.announce(&mut later, s, &retry, target);
                self.redo
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((s.rel.clone(), later.out));
            }
        }
        true
    }

    /// The itemized change for rewriting DEST's entry `m` with `s`.
    pub(super) fn replacing(
        &self,
        s: &Src,
        m: &Meta,
        uid: Option<u32>,
        gid: Option<u32>,
    ) -> Change {
        let o = self.o;
        Change {
            transferred: true,
            checksum: s.kind != Kind::File || o.checksum,
            size: s.kind == Kind::File && m.size != s.size,
            // `-J` still itemizes a rewritten symlink's time as `t` (measured), not `T`.
            time: if o.times {
                (!self.same_time(m.mtime, s.mtime)).then_some(true)
            } else {
                Some(false)
            },
            perms: s.kind == Kind::File && self.kept_mode(s, m) != m.mode,
            owner: uid.is_some_and(|u| u != m.uid),
            group: gid.is_some_and(|g| g != m.gid),
            atime: o.atimes && s.kind != Kind::Special && m.atime.secs != s.atime.secs,
            ..Default::default()
        }
    }

    /// With `-c`: is DEST's file (known to have `s`'s size) equal to `s`? `src` is `s`
    /// already open, if it is.
    pub(super) fn same_content(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        s: &Src,
        src: Option<fs::File>,
    ) -> bool {
        let Some(d) = dfd else { return false };
        // DEST's file was just found a regular file of `s`'s size (`lstat`).
        let mut dst = match d.open_file_unchecked(&s.name, fstree::Atime::Keep) {
            Ok(f) => f,
            Err(e) => {
                r.io_error("open", &s.rel, &e);
                return false;
            }
        };
        if let Some(digest) = self.trusted_digest(s) {
            return match fstree::content::sha256(&mut dst) {
                Ok(h) => h == digest,
                Err(e) => {
                    r.io_error("read", &s.rel, &e);
                    false
                }
            };
        }
        let Some(src) = open_source(r, s, src) else {
            return false;
        };
        match crate::compare::same_content(&src, &dst, s.size) {
            Ok(same) => same,
            Err(e) => {
                r.io_error("read", &s.rel, &e);
                false
            }
        }
    }

    /// The manifest's SHA-256 for `s`, if the manifest describes this very file (same size
    /// and, when recorded, same mtime as SRC has now).
    fn trusted_digest(&self, s: &Src) -> Option<[u8; 32]> {
        let (m, root) = self.manifest.as_ref()?;
        let rel = s.path.strip_prefix(root).ok()?;
        let e = m.get(rel)?;
        if e.size != Some(s.size) {
            return None;
        }
        if let Some(t) = e.time
            && t != s.mtime
        {
            return None;
        }
        e.sha256
    }
}

/// What a write replaces: DEST's entry of the same kind (`same`), and what its line compares
/// with (`shown`: that entry, or a basis tree's copy under `--link-dest` and the like).
struct Against<'m> {
    same: Option<&'m Meta>,
    shown: Option<&'m Meta>,
    /// No line: a basis tree has the very same entry.
    quiet: bool,
    /// `-b`: DEST's entry at this name is backed up first.
    backup: bool,
}

/// Is DEST's entry `m` the same kind of thing as `s` (so it can be updated in place)?
/// `--inplace` writes DEST's own file, or a new one: not over another kind of entry (that is
/// replaced as usual).
fn in_place_ok(d: &Dir, s: &Src) -> bool {
    match d.lstat(&s.name) {
        Ok(Some(m)) => m.kind == FsKind::File,
        Ok(None) => true,
        Err(_) => false,
    }
}

pub(super) fn same_kind(s: &Src, m: &Meta) -> bool {
    match s.kind {
        Kind::File => m.kind == FsKind::File,
        Kind::Link => m.kind == FsKind::Symlink,
        Kind::Device | Kind::Special => m.kind == s.ft,
        Kind::Dir => false,
    }
}

/// Counts a non-directory of the source, as `--stats` reports them.
pub(super) fn count_listed(r: &mut Res, s: &Src) {
    match s.kind {
        Kind::File => {
            r.stats.files.reg += 1;
            r.stats.total_size += s.size;
        }
        Kind::Link => {
            r.stats.files.link += 1;
            r.stats.total_size += s.size;
        }
        Kind::Device => r.stats.files.dev += 1,
        Kind::Special => r.stats.files.special += 1,
        Kind::Dir => {}
    }
}

/// Counts an entry written (or, in a dry run, that would be).
fn count_written(r: &mut Res, s: &Src, new: bool) {
    if new {
        match s.kind {
            Kind::File => r.stats.created.reg += 1,
            Kind::Link => r.stats.created.link += 1,
            Kind::Device => r.stats.created.dev += 1,
            _ => r.stats.created.special += 1,
        }
    }
    if s.kind == Kind::File {
        r.stats.transferred += 1;
        r.stats.transferred_size += s.size;
    }
}
