//! The mode and owner an entry should end with, and fixing the attributes of an entry that is
//! otherwise up to date. Without `-p`, a new entry gets the source's permission bits (after
//! `--chmod`), never its set-id or sticky bits, created with them so the kernel masks them as
//! rsync does (umask, or the parent's default ACL; a setgid parent's bit on new directories);
//! an existing entry keeps its mode (`-E` aside). Owners change only as root or with `--chown`.
//! Itemized time changes compare whole seconds, but rsync also corrects a sub-second mtime
//! difference it does not itemize, except on a regular file judged by the quick check (equal
//! seconds there mean "up to date"); atimes are carried in whole seconds.

use fstree::{Dir, Meta, Timestamp};

use super::Engine;
use super::source::{Kind, Src};
use crate::itemize::Change;
use crate::pipeline::Res;

impl Engine<'_> {
    /// Do two mtimes count as the same? Whole seconds compared, `--modify-window=N` seconds
    /// apart at most; a negative window compares nanoseconds too.
    pub(super) fn same_time(&self, a: Timestamp, b: Timestamp) -> bool {
        match self.o.modify_window {
            w if w < 0 => a == b,
            w => a.secs.abs_diff(b.secs) <= w.unsigned_abs(),
        }
    }

    /// Is the mtime of an entry of this kind carried? `-t`, except directories with `-O` (and
    /// with `-b` without `--backup-dir`, which rsync 3.5 treats as `-O`: measured) and
    /// symlinks with `-J`.
    pub(super) fn carries_mtime(&self, kind: Kind) -> bool {
        let o = self.o;
        let omit_dirs = o.omit_dir_times || (o.backup && o.backup_dir.is_none());
        o.times && !(kind == Kind::Dir && omit_dirs) && !(kind == Kind::Link && o.omit_link_times)
    }

    /// The mode an entry should end with. Without `-p` a new entry gets the permission bits of
    /// the source mode (after `--chmod`) and never a set-id or sticky bit from SRC: the caller
    /// creates it with these bits and lets the kernel mask them as rsync masks them, by the
    /// umask or by the directory's default ACL when it has one ([`Engine::masks_new`]); a new
    /// directory keeps the setgid bit it inherits from its parent (measured: 4755 -> 755,
    /// `--chmod=u+s` -> 755, 2700 under a 2755 parent).
    pub(super) fn want_mode(&self, s: &Src, new: bool) -> u32 {
        let is_dir = s.kind == Kind::Dir;
        let m = match &self.o.chmod {
            Some(c) => c.apply(s.mode, is_dir, self.o.umask),
            None => s.mode,
        };
        if self.masks_new(new) { m & 0o777 } else { m }
    }

    /// The mode DEST's existing entry `m` (of `s`'s kind) ends with: `s`'s with `-p`; with
    /// `-E` a regular file's own with `s`'s executability; else its own.
    pub(super) fn kept_mode(&self, s: &Src, m: &Meta) -> u32 {
        if self.o.perms {
            self.want_mode(s, false)
        } else if self.o.executability && s.kind == Kind::File {
            executable_like(m.mode, self.want_mode(s, false))
        } else {
            m.mode
        }
    }

    /// Is a `new` entry's mode left to the kernel's mask (umask or default ACL) at creation,
    /// rather than set exactly? Without `-p`.
    pub(super) fn masks_new(&self, new: bool) -> bool {
        new && !self.o.perms
    }

    pub(super) fn want_owner(&self, s: &Src) -> (Option<u32>, Option<u32>) {
        if !self.is_root && self.o.chown.uid.is_none() && self.o.chown.gid.is_none() {
            return (
                None,
                if self.o.group { Some(s.gid) } else { None }.filter(|_| false),
            );
        }
        use crate::idmap::Db;
        let mapped = |m: &crate::idmap::IdMap, id: u32, db: Db| match m.is_empty() {
            true => id,
            false => m.map(id, db).unwrap_or(id),
        };
        let uid = if self.o.owner || self.o.chown.uid.is_some() {
            let u = mapped(&self.o.usermap, s.uid, Db::Users);
            Some(self.o.chown.uid.unwrap_or(u))
        } else {
            None
        };
        let gid = if self.o.group || self.o.chown.gid.is_some() {
            let g = mapped(&self.o.groupmap, s.gid, Db::Groups);
            Some(self.o.chown.gid.unwrap_or(g))
        } else {
            None
        };
        (uid, gid)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn fix_attrs(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        s: &Src,
        m: &Meta,
        uid: Option<u32>,
        gid: Option<u32>,
        target: Option<&[u8]>,
    ) {
        let o = self.o;
        let want = self.kept_mode(s, m);
        let is_link = s.kind == Kind::Link;
        let mut change = Change {
            time: (self.carries_mtime(s.kind) && !self.same_time(m.mtime, s.mtime)).then_some(true),
            perms: !is_link && want != m.mode,
            owner: uid.is_some_and(|u| u != m.uid),
            group: gid.is_some_and(|g| g != m.gid),
            atime: o.atimes && m.atime.secs != s.atime.secs,
            ..Default::default()
        };
        if self.carries_xattrs()
            && s.kind == Kind::File
            && let Some(d) = dfd
        {
            match d.open_file_nonblocking(&s.name, fstree::Atime::Keep) {
                Ok((f, _)) => self.fix_xattrs(r, s, &f, &mut change),
                Err(e) => r.io_error("open", &s.rel, &e),
            }
        }
        // rsync also corrects sub-second mtime differences it does not itemize, except for
        // regular files judged by the quick check (equal seconds = "up to date") and within a
        // `--modify-window`.
        let set_mtime = self.carries_mtime(s.kind)
            && (change.time.is_some()
                || (m.mtime != s.mtime
                    && o.modify_window == 0
                    && (o.checksum || s.kind != Kind::File)));
        if !o.dry_run
            && let Some(d) = dfd
        {
            let name = &s.name;
            if (change.owner || change.group)
                && let Err(e) = d.chown(
                    name,
                    uid.filter(|_| change.owner),
                    gid.filter(|_| change.group),
                )
            {
                r.io_error("chown", &s.rel, &e);
            }
            if (change.perms || ((change.owner || change.group) && o.perms && !is_link))
                && let Err(e) = d.chmod(name, want)
            {
                r.io_error("chmod", &s.rel, &e);
            }
            // rsync carries atimes in whole seconds and resets any sub-second remainder
            // (without itemizing it).
            let whole = Timestamp::from_secs(s.atime.secs);
            let atime = (o.atimes && m.atime != whole).then_some(whole);
            let mtime = set_mtime.then_some(s.mtime);
            if let Err(e) = d.set_times(name, atime, mtime) {
                r.io_error("set times", &s.rel, &e);
            }
        }
        self.announce(r, s, &change, target);
    }
}

/// rsync's `-E`: DEST's mode `dest` made executable like `src` (any `x` bit): off clears every
/// `x`, on adds an `x` for each `r` (measured: 640 -> 750, 604 -> 705, 751 -> 640).
fn executable_like(dest: u32, src: u32) -> u32 {
    match (src & 0o111 != 0, dest & 0o111 != 0) {
        (true, false) => dest | (dest & 0o444) >> 2,
        (false, true) => dest & !0o111,
        _ => dest,
    }
}
