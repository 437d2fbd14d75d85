//! One directory of the walk, on the calling thread: create or open its DEST directory (a
//! non-directory in the way is unlinked, a symlink never followed), list the source, delete
//! what SRC lacks, print its line, hand its non-directories to the rayon pool in chunks, then
//! recurse into its subdirectories in name order. A directory this run created goes to one
//! worker whole, so two workers do not contend for one directory's lock. Its final
//! attributes are queued behind its contents: a source directory without `u+w` can still be
//! filled, and writing its contents does not disturb the mtime just set. Only attributes that
//! differ are touched, so a no-op run changes no ctime.

use std::os::unix::ffi::OsStrExt;
use std::sync::mpsc;

use fstree::{Dir, Kind as FsKind, Meta, Timestamp};

use super::Engine;
use super::listing::Listing;
use super::source::Src;
use crate::Error;
use crate::itemize::Change;
use crate::pipeline::Res;
use crate::pipeline::{Pending, Sink};

/// How many non-directories one pool job handles (one directory's files are split into such
/// chunks so that both cores share a large directory).
const JOB_FILES: usize = 16;

/// A directory of the current chain: its subdirectories not entered yet, and what it needs
/// once everything beneath it is done.
pub(super) struct Frame {
    pub(super) dirs: std::vec::IntoIter<Src>,
    pub(super) dfd: Option<Dir>,
    pub(super) fresh: bool,
    /// Its DEST directory, final attributes and path (none in a dry run or when not opened).
    pub(super) finish: Option<(Dir, DirPlan, Vec<u8>)>,
}

/// What a directory needs once its contents are done.
pub(super) struct DirPlan {
    pub(super) change: Change,
    mode: Option<u32>,
    /// A new directory without `-p`: `mode` holds the source's permission bits, to be masked
    /// as the kernel masks the new directory ([`masked_mode`]) once it exists.
    masked: bool,
    uid: Option<u32>,
    gid: Option<u32>,
    pub(super) mtime: Option<Timestamp>,
    /// DEST's mtime when `--modify-window` counts it as SRC's: left alone, unless it is no
    /// longer this one when the contents are done (something was written or deleted in the
    /// directory), as rsync sets the mtime of every directory it writes into.
    keep_if: Option<Timestamp>,
    /// `-K`: DEST reaches it through this symlink (in that directory), whose own mtime is
    /// set instead of the directory's, as rsync 3.5 does.
    link: Option<(Dir, std::ffi::OsString)>,
}

/// Where the symlink at `rel` (a path beneath DEST's top) leads to `target`, as a path beneath
/// the top; `None` when it is absolute or climbs out (lexically).
fn link_beneath(rel: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    if target.starts_with(b"/") {
        return None;
    }
    let mut parts: Vec<&[u8]> = rel.split(|&b| b == b'/').collect();
    parts.pop();
    for c in target.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            _ => parts.push(c),
        }
    }
    Some(parts.join(&b'/'))
}

/// The mode a new directory is created with. Its final mode is set once its contents are
/// written (so a source directory without `u+w` can still be filled), but a plain mode that
/// lets the owner write is given at once: a killed run then leaves the directory as a
/// finished one would have it, where rsync leaves it 0700 (and without `-p` a later run does
/// not fix that).
fn first_mode(want: Option<u32>) -> u32 {
    match want {
        Some(m) if m & 0o700 == 0o700 && m & 0o7000 == 0 => m,
        _ => 0o700,
    }
}

/// The final mode of a directory created without `-p` for source permission bits `want`,
/// given the mode `created` it got from `mkdir` with `want | 0o700` (or any superset of
/// `want`): the kernel masked those bits by the umask or the parent's default ACL, and added
/// the setgid bit a setgid parent passes on. rsync ends with exactly that for `want` (measured:
/// 750 under umask 022 -> 750, under umask 077 -> 700, under a 2755 parent -> 2750, under a
/// default ACL `d:u::7,d:g::7,d:o::7` -> 777 whatever the umask).
pub(super) fn masked_mode(want: u32, created: u32) -> u32 {
    (want & 0o777 & created) | (created & 0o2000)
}

impl DirPlan {
    /// A masked plan's directory now exists with mode `created`: its final mode follows.
    pub(super) fn settle(&mut self, created: u32) {
        if self.masked
            && let Some(want) = self.mode
        {
            self.mode = Some(masked_mode(want, created));
            self.masked = false;
        }
    }
}

impl Engine<'_> {
    /// Create or update the DEST directory for the source directory `s` inside `parent`, then
    /// its contents, and everything beneath it (`fresh`: `parent` was created by this run, so
    /// `s` is not there yet). Iterative: one [`Frame`] per directory of the current chain,
    /// so the depth of a tree costs heap, never stack.
    pub(super) fn sync_subdir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        parent: Option<&Dir>,
        fresh: bool,
        s: &Src,
        top: bool,
    ) -> Result<(), Error> {
        match self.enter_subdir(sc, sink, parent, fresh, s, top)? {
            Some(frame) => self.walk_dirs(sc, sink, frame),
            None => Ok(()),
        }
    }

    /// The subdirectories of `first`'s directory, and theirs, depth first in name order; each
    /// directory's final attributes are queued once everything beneath it is.
    pub(super) fn walk_dirs<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        first: Frame,
    ) -> Result<(), Error> {
        let mut stack = vec![first];
        while let Some(frame) = stack.last_mut() {
            match frame.dirs.next() {
                Some(d) => {
                    self.check_stop(sink)?;
                    let (dfd, fresh) = (frame.dfd.clone(), frame.fresh);
                    if let Some(next) =
                        self.enter_subdir(sc, sink, dfd.as_ref(), fresh, &d, false)?
                    {
                        stack.push(next);
                    }
                }
                None => {
                    if let Some(done) = stack.pop() {
                        self.finish_later(sink, done)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Queues a finished directory's final attributes behind its contents.
    pub(super) fn finish_later<'s>(
        &'s self,
        sink: &mut Sink<'_, 's>,
        frame: Frame,
    ) -> Result<(), Error> {
        let Some((fd, plan, rel)) = frame.finish else {
            return Ok(());
        };
        sink.push(Pending::Later(Box::new(move || {
            let mut r = self.res();
            self.finish_dir(&mut r, &fd, &plan, &rel);
            r
        })))
    }

    /// Creates or opens the DEST directory for `s`, lists `s`, deletes, prints its line and
    /// starts its files; `None` when it cannot be entered (the error is reported).
    pub(super) fn enter_subdir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        parent: Option<&Dir>,
        fresh: bool,
        s: &Src,
        top: bool,
    ) -> Result<Option<Frame>, Error> {
        let o = self.o;
        let mut r = self.res();
        let Some((existing, linked)) = self.dest_entry(&mut r, parent, fresh, s) else {
            return sink.take(r).map(|()| None);
        };
        let existing_dir = existing.filter(|m| m.kind == FsKind::Dir);
        let mut plan = self.subdir_plan(s, existing.as_ref());
        sink.stats.files.dir += 1;
        if self.kept_out(existing.as_ref()) && parent.is_some() {
            return sink.take(r).map(|()| None);
        }
        if plan.change.new {
            sink.stats.created.dir += 1;
        }
        if linked.is_some() {
            plan.link = parent.map(|p| (p.clone(), s.name.clone()));
        }
        let fd = match parent {
            None => None,
            Some(_) if linked.is_some() => linked,
            Some(p) => match self.dest_subdir(&mut r, p, existing.as_ref(), &mut plan, s) {
                Ok(fd) => fd,
                Err(line) => {
                    sink.take(r)?;
                    if line {
                        self.print_dir_line(sink, &plan.change, s, &s.rel)?;
                    }
                    return Ok(None);
                }
            },
        };
        if self.carries_xattrs()
            && let Some(d) = &fd
        {
            let mut change = plan.change;
            self.fix_xattrs(&mut r, s, d, &mut change);
            if !plan.change.new {
                plan.change = change;
            }
        }
        sink.take(r)?;
        let mut listing = match s.shallow {
            true => Listing::default(),
            false => self.listing(sink, s)?,
        };
        if top {
            self.own_notes(sink, &listing)?;
        }
        if o.delete
            && !s.shallow
            && existing_dir.is_some()
            && let Some(fd) = &fd
        {
            self.delete_for(sink, &mut listing, s, fd, plan.mtime)?;
        }
        self.print_dir_line(sink, &plan.change, s, &s.rel)?;
        let fresh = existing_dir.is_none();
        let dirs = self.sync_dir(sc, sink, fd.as_ref(), fresh, top, listing)?;
        Ok(Some(Frame {
            dirs: dirs.into_iter(),
            dfd: fd.clone(),
            fresh,
            finish: fd
                .filter(|_| !o.dry_run)
                .map(|fd| (fd, plan, s.rel.clone())),
        }))
    }

    /// What DEST has at `s`'s name in `parent` (nothing when `fresh`) and, with `-K`, the
    /// directory a symlink there leads to (it must stay beneath DEST's top, as rsync 3.5
    /// requires: else it is not entered, an error for `s`, exit 23). `None`: an error,
    /// reported.
    #[allow(clippy::type_complexity)]
    fn dest_entry(
        &self,
        r: &mut Res,
        parent: Option<&Dir>,
        fresh: bool,
        s: &Src,
    ) -> Option<(Option<Meta>, Option<Dir>)> {
        let existing = match parent {
            Some(p) if !fresh => match p.lstat(&s.name) {
                Ok(m) => m,
                Err(e) => {
                    r.io_error("stat", &s.rel, &e);
                    return None;
                }
            },
            _ => None,
        };
        if !self.o.keep_dirlinks || existing.is_none_or(|m| m.kind != FsKind::Symlink) {
            return Some((existing, None));
        }
        let root = self
            .dest_root
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        let opened = parent
            .ok_or_else(|| std::io::Error::from_raw_os_error(libc::ENOENT))
            .and_then(|p| p.read_link(&s.name))
            .and_then(|target| {
                let rel = link_beneath(&s.rel, &target)
                    .ok_or_else(|| std::io::Error::from_raw_os_error(libc::ELOOP))?;
                let d =
                    root.open_dir_beneath(std::path::Path::new(std::ffi::OsStr::from_bytes(&rel)))?;
                Ok((d.stat()?, d))
            });
        match opened {
            Ok((m, d)) => Some((Some(m), Some(d))),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOTDIR | libc::ENOENT)) => {
                Some((existing, None))
            }
            // Leading out of DEST: itemized against what it leads to, as rsync does, but
            // never opened (entering it fails, reported, exit 23); the link's own mtime is
            // set, as rsync sets it.
            Err(_) => match parent.map(|p| (p, p.stat_following(&s.name))) {
                Some((p, Ok(m))) if m.kind == FsKind::Dir => {
                    if self.carries_mtime(s.kind) && !self.o.dry_run {
                        let _ = p.set_times(&s.name, None, Some(s.mtime));
                    }
                    Some((Some(m), None))
                }
                _ => Some((existing, None)),
            },
        }
    }

    /// What DEST's directory for `s` needs (`existing`: what DEST has at its name); a new one
    /// is itemized against a basis tree's (`--link-dest` ...) where there is one.
    fn subdir_plan(&self, s: &Src, existing: Option<&Meta>) -> DirPlan {
        let mut plan = self.dir_plan(s, existing.filter(|m| m.kind == FsKind::Dir));
        if existing.is_none()
            && let Some(bm) = self.bases().and_then(|b| b.dir_meta(&s.rel))
        {
            plan.change = self.dir_plan(s, Some(&bm)).change;
            // Created here, so `cd..t......` when something differs (else no line).
            plan.change.transferred = plan.change.is_change();
        }
        plan
    }

    /// Does a transfer rule keep DEST's directory (and all beneath it) as it is?
    /// `--existing`: one DEST lacks is not created. `--ignore-existing`: a non-directory DEST
    /// has there stays, and nothing is written beneath it (rsync goes on to fail on each entry
    /// inside, exit 23, or writes through a symlink to a directory; treesync leaves it alone).
    fn kept_out(&self, existing: Option<&Meta>) -> bool {
        match existing {
            None => self.o.existing,
            Some(m) => self.o.ignore_existing && m.kind != FsKind::Dir,
        }
    }

    /// Makes DEST's directory for `s` in `p` as `plan` says (a non-directory there is
    /// removed, a missing one created) and opens it; `Ok(None)` in a dry run where it does not
    /// exist yet. `Err(line)` when it cannot (reported in `r`; `line`: rsync still prints the
    /// directory's line).
    fn dest_subdir(
        &self,
        r: &mut Res,
        p: &Dir,
        existing: Option<&Meta>,
        plan: &mut DirPlan,
        s: &Src,
    ) -> Result<Option<Dir>, bool> {
        let dry = self.o.dry_run;
        let is_dir = existing.is_some_and(|m| m.kind == FsKind::Dir);
        if existing.is_some() && !is_dir && !dry {
            // A file, symlink or special where SRC has a directory: replace it (a symlink is
            // removed, never followed).
            let gone = match self.backs_up(existing.map(|m| m.kind)) {
                true => self.back_up(p, &s.name, &s.rel),
                false => p.remove_file(&s.name),
            };
            if let Err(e) = gone {
                r.io_error("unlink", &s.rel, &e);
                return Err(false);
            }
        }
        if !is_dir && !dry {
            let first = match (plan.masked, plan.mode) {
                (true, Some(want)) => want | 0o700,
                _ => first_mode(plan.mode),
            };
            if let Err(e) = p.mkdir(&s.name, first) {
                r.io_error("mkdir", &s.rel, &e);
                return Err(true);
            }
            if plan.masked {
                match p.lstat(&s.name) {
                    Ok(Some(m)) => plan.settle(m.mode),
                    Ok(None) => {}
                    Err(e) => {
                        r.io_error("stat", &s.rel, &e);
                        return Err(true);
                    }
                }
            }
        }
        if !is_dir && dry {
            return Ok(None);
        }
        match p.open_dir_with(&s.name, fstree::Atime::Keep) {
            Ok(f) => Ok(Some(f)),
            Err(e) => {
                r.io_error("opendir", &s.rel, &e);
                Err(true)
            }
        }
    }

    /// The contents of one directory: its non-directories handed to the pool in chunks
    /// (results queued in name order); returns its subdirectories, in name order, for the
    /// caller to enter ([`Engine::walk_dirs`]). `fresh`: `dfd` was just created, so nothing in
    /// it needs looking at.
    /// For the top directory, the notes of deeper levels come after its files (rsync's sender
    /// has usually scanned them by then; its exact interleaving is timing-dependent).
    pub(super) fn sync_dir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        dfd: Option<&Dir>,
        fresh: bool,
        top: bool,
        listing: Listing,
    ) -> Result<Vec<Src>, Error> {
        let Listing { files, dirs, .. } = listing;
        // `--append-verify`'s redo lines come after the directory's files.
        let redo_dir = files
            .first()
            .filter(|_| self.o.append == 2)
            .map(|f| f.rel[..f.rel.len() - f.name.len()].to_vec());
        let mut files = files.into_iter().peekable();
        while files.peek().is_some() {
            self.check_stop(sink)?;
            // `-H`: a hard-link group's members are handled one at a time, in walk order.
            if let Some(member) = files.next_if(|f| f.link_group().is_some()) {
                let dfd = dfd.cloned();
                sink.push(Pending::Later(Box::new(move || {
                    self.sync_member(dfd.as_ref(), fresh, member)
                })))?;
                continue;
            }
            // Files created in one directory contend for its lock (create, rename): a new
            // directory goes to one worker whole, so the workers fill different directories.
            let per_job = if fresh { usize::MAX } else { JOB_FILES };
            let mut chunk: Vec<Src> = Vec::new();
            while chunk.len() < per_job
                && let Some(f) = files.next_if(|f| f.link_group().is_none())
            {
                chunk.push(f);
            }
            let dfd = dfd.cloned();
            let (tx, rx) = mpsc::sync_channel(1);
            sc.spawn(move |_| {
                let done = chunk
                    .iter_mut()
                    .map(|f| self.sync_entry(dfd.as_ref(), fresh, f))
                    .collect();
                let _ = tx.send(done);
            });
            sink.push(Pending::Job(rx))?;
        }
        if let Some(mut dir) = redo_dir {
            dir.pop();
            sink.push(Pending::Later(Box::new(move || self.take_redo(&dir))))?;
        }
        if top && self.may_note() {
            let dirs = dirs.clone();
            let (tx, rx) = mpsc::sync_channel(1);
            sc.spawn(move |_| {
                let mut r = self.res();
                self.deep_notes(&mut r, &dirs);
                let _ = tx.send(vec![r]);
            });
            sink.push(Pending::Job(rx))?;
        }
        Ok(dirs)
    }

    pub(super) fn dir_plan(&self, s: &Src, existing: Option<&Meta>) -> DirPlan {
        let (uid, gid) = self.want_owner(s);
        match existing {
            None => DirPlan {
                change: Change {
                    new: true,
                    ..Default::default()
                },
                mode: Some(self.want_mode(s, true)),
                masked: self.masks_new(true),
                uid,
                gid,
                mtime: self.carries_mtime(s.kind).then_some(s.mtime),
                keep_if: None,
                link: None,
            },
            Some(m) => {
                let orig = m.mtime;
                let want = self.want_mode(s, false);
                let change = Change {
                    time: (self.carries_mtime(s.kind) && !self.same_time(orig, s.mtime))
                        .then_some(true),
                    perms: self.o.perms && want != m.mode,
                    owner: uid.is_some_and(|u| u != m.uid),
                    group: gid.is_some_and(|g| g != m.gid),
                    ..Default::default()
                };
                DirPlan {
                    change,
                    mode: self.o.perms.then_some(want),
                    masked: false,
                    uid,
                    gid,
                    mtime: self.carries_mtime(s.kind).then_some(s.mtime),
                    keep_if: (self.o.modify_window > 0 && self.same_time(orig, s.mtime))
                        .then_some(orig),
                    link: None,
                }
            }
        }
    }

    /// Set a directory's final attributes after its contents are done, touching only what
    /// differs (so a no-op run changes no ctime).
    pub(super) fn finish_dir(&self, r: &mut Res, dir: &Dir, plan: &DirPlan, rel: &[u8]) {
        let cur = match dir.stat() {
            Ok(m) => m,
            Err(e) => {
                r.io_error("stat", rel, &e);
                return;
            }
        };
        let uid = plan.uid.filter(|u| *u != cur.uid);
        let gid = plan.gid.filter(|g| *g != cur.gid);
        if let Err(e) = dir.chown_self(uid, gid) {
            r.io_error("chown", rel, &e);
        }
        let cur_mode = if uid.is_some() || gid.is_some() {
            dir.stat().map(|m| m.mode).unwrap_or(cur.mode)
        } else {
            cur.mode
        };
        if let Some(mode) = plan.mode.filter(|m| *m != cur_mode)
            && let Err(e) = dir.chmod_self(mode)
        {
            r.io_error("chmod", rel, &e);
        }
        if let (Some((p, name)), Some(mt)) = (&plan.link, plan.mtime) {
            if let Err(e) = p.set_times(name, None, Some(mt)) {
                r.io_error("set times", rel, &e);
            }
            return;
        }
        let untouched = plan.keep_if.is_some_and(|seen| seen == cur.mtime);
        if let Some(mt) = plan.mtime.filter(|t| *t != cur.mtime && !untouched)
            && let Err(e) = dir.set_times_self(None, Some(mt))
        {
            r.io_error("set times", rel, &e);
        }
    }
}
