//! `-H`: regular files that are hard links of one another in SRC become hard links in DEST.
//!
//! The rules, measured against rsync 3.5 (its `-i` lines: `hf+++++++++ NAME => LEADER`):
//! a group is the files of the transfer with one (device, inode); its members are handled one
//! at a time in walk order (on the walking thread, through the ordered pipeline), and one of
//! them becomes the group's *leader*, the file the others are linked to:
//! - a member DEST already has up to date becomes the leader where it stands;
//! - else the group's last member in walk order is transferred and becomes the leader;
//! - a member seen before there is a leader waits; once the leader exists, the waiting members
//!   are linked to it (latest first), and members after it are linked where they stand.
//!
//! rsync links the waiting members whenever its receiver reports the leader done, so where
//! their lines appear varies from run to run; their order among the `hf` lines does not.
//! Which member is the group's last is known from a listing pass over SRC made before the
//! transfer (the same listing, filters and order as the transfer's walk).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;

use fstree::{Dir, Kind as FsKind, Meta, TempStyle};

use super::Engine;
use super::source::{Kind, Src};
use crate::itemize::{self, Change, Type};
use crate::pipeline::Res;

/// The hard-link groups of a run.
#[derive(Default)]
pub(super) struct Links {
    /// Each group's last member in walk order (its path relative to the transfer root).
    last: HashMap<(u64, u64), Vec<u8>>,
    groups: HashMap<(u64, u64), Group>,
}

/// One group as the transfer has met it so far.
#[derive(Default)]
struct Group {
    leader: Option<Leader>,
    /// Members seen before there was a leader, in walk order.
    waiting: Vec<Member>,
}

/// A member and the DEST directory it goes to.
type Member = (Option<Dir>, Src);

/// Where the leader is in DEST.
#[derive(Clone)]
struct Leader {
    dir: Option<Dir>,
    name: OsString,
    rel: Vec<u8>,
}

impl Engine<'_> {
    /// Lists the source directory `top` and everything beneath it as the transfer will, and
    /// notes the last member of each hard-link group.
    pub(super) fn find_link_groups(&self, top: &Src) {
        let mut last = HashMap::new();
        let mut stack = vec![top.clone()];
        while let Some(dir) = stack.pop() {
            let mut scratch = self.res();
            let (files, dirs) = self.list_raw(&mut scratch, &dir, false);
            for f in &files {
                if let Some(g) = f.link_group() {
                    last.insert(g, f.rel.clone());
                }
            }
            // Depth first in name order: the first subdirectory is popped first.
            stack.extend(dirs.into_iter().rev());
        }
        self.links().last.extend(last);
    }

    fn links(&self) -> std::sync::MutexGuard<'_, Links> {
        self.links.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Handles the group member `s` (in walk order, on the walking thread).
    pub(super) fn sync_member(&self, dfd: Option<&Dir>, fresh: bool, mut s: Src) -> Res {
        let Some(key) = s.link_group() else {
            return self.sync_entry(dfd, fresh, &mut s);
        };
        let leader = self.links().groups.entry(key).or_default().leader.clone();
        if let Some(l) = leader {
            let mut r = self.res();
            self.link_member(&mut r, &l, dfd, &s);
            return r;
        }
        let is_last = self.links().last.get(&key) == Some(&s.rel);
        if !is_last && !self.member_up_to_date(dfd, fresh, &s) {
            let mut g = self.links();
            let group = g.groups.entry(key).or_default();
            group.waiting.push((dfd.cloned(), s));
            return self.res();
        }
        let mut r = self.sync_entry(dfd, fresh, &mut s);
        if r.partial || r.vanished {
            return r;
        }
        self.lead(&mut r, key, dfd, &s);
        r
    }

    /// `s` is the group's leader from now on: link the members waiting for it, latest first.
    fn lead(&self, r: &mut Res, key: (u64, u64), dfd: Option<&Dir>, s: &Src) {
        let l = Leader {
            dir: dfd.cloned(),
            name: s.name.clone(),
            rel: s.rel.clone(),
        };
        let waiting = {
            let mut g = self.links();
            let group = g.groups.entry(key).or_default();
            group.leader = Some(l.clone());
            std::mem::take(&mut group.waiting)
        };
        for (dir, m) in waiting.iter().rev() {
            // Its directory may be finished already: keep the mtime it was given.
            let before = dir.as_ref().and_then(|d| d.stat().ok());
            self.link_member(r, &l, dir.as_ref(), m);
            if let (Some(d), Some(b)) = (dir, before)
                && !self.o.dry_run
                && d.stat().is_ok_and(|now| now.mtime != b.mtime)
                && let Err(e) = d.set_times_self(None, Some(b.mtime))
            {
                r.io_error("set times", &m.rel, &e);
            }
        }
    }

    /// Groups whose last member was never handled (it vanished or a transfer rule skipped it):
    /// the first waiting member leads. Called at the end of the run.
    pub(super) fn lead_the_rest(&self) -> Res {
        let mut r = self.res();
        let mut orphans: Vec<((u64, u64), Vec<Member>)> = {
            let mut g = self.links();
            g.groups
                .iter_mut()
                .filter(|(_, grp)| grp.leader.is_none() && !grp.waiting.is_empty())
                .map(|(k, grp)| (*k, std::mem::take(&mut grp.waiting)))
                .collect()
        };
        orphans.sort_by(|a, b| a.1[0].1.rel.cmp(&b.1[0].1.rel));
        for (key, mut members) in orphans {
            let (dir, mut first) = members.remove(0);
            let done = self.sync_entry(dir.as_ref(), false, &mut first);
            let failed = done.partial || done.vanished;
            merge(&mut r, done);
            if failed {
                continue;
            }
            self.links().groups.entry(key).or_default().waiting = members;
            self.lead(&mut r, key, dir.as_ref(), &first);
        }
        r
    }

    /// Is DEST's `s` there and up to date by the quick check (or `-c`)?
    fn member_up_to_date(&self, dfd: Option<&Dir>, fresh: bool, s: &Src) -> bool {
        let Some(d) = dfd.filter(|_| !fresh) else {
            return false;
        };
        let Ok(Some(m)) = d.lstat(&s.name) else {
            return false;
        };
        if m.kind != FsKind::File || m.size != s.size {
            return false;
        }
        if self.o.checksum {
            let mut scratch = self.res();
            return self.same_content(&mut scratch, dfd, s, None);
        }
        !self.o.ignore_times && (self.o.size_only || self.same_time(m.mtime, s.mtime))
    }

    /// Makes DEST's `s` a hard link to the leader `l` (unless it already is one) and says so
    /// as rsync does: `hf+++++++++ NAME => LEADER`, or the attributes that differed.
    fn link_member(&self, r: &mut Res, l: &Leader, dfd: Option<&Dir>, s: &Src) {
        count_member(r, s);
        let existing = dfd.and_then(|d| d.lstat(&s.name).ok().flatten());
        let leader_meta = l.dir.as_ref().and_then(|d| d.lstat(&l.name).ok().flatten());
        if let (Some(e), Some(lm)) = (&existing, &leader_meta)
            && e.same_object(lm)
        {
            return;
        }
        if !self.o.dry_run
            && let (Some(d), Some(ld)) = (dfd, &l.dir)
        {
            if existing.as_ref().is_some_and(|e| e.kind == FsKind::Dir) && !self.make_way(r, d, s) {
                return;
            }
            if let Err(e) = hard_link(ld, &l.name, d, &s.name) {
                r.io_error("link", &s.rel, &e);
                return;
            }
        }
        let change = self.link_change(s, existing.as_ref());
        if existing.is_none() {
            r.stats.created.reg += 1;
        }
        self.announce_link(r, s, &change, &l.rel);
    }

    /// The itemized change for linking `s` over DEST's `existing`.
    fn link_change(&self, s: &Src, existing: Option<&Meta>) -> Change {
        let Some(m) = existing.filter(|m| m.kind == FsKind::File) else {
            return Change {
                new: true,
                ..Default::default()
            };
        };
        let (uid, gid) = self.want_owner(s);
        Change {
            size: m.size != s.size,
            time: (self.o.times && !self.same_time(m.mtime, s.mtime)).then_some(true),
            perms: self.o.perms && self.want_mode(s, false) != m.mode,
            owner: uid.is_some_and(|u| u != m.uid),
            group: gid.is_some_and(|g| g != m.gid),
            ..Default::default()
        }
    }

    fn announce_link(&self, r: &mut Res, s: &Src, change: &Change, leader: &[u8]) {
        let cs = self.o.charset;
        let mut code = change.code(Type::File);
        code[0] = b'h';
        if !change.is_change() {
            code[2..].fill(b' ');
        }
        self.file_log(r, &code, s, Some((" => ", leader)), true);
        if let Some(f) = &self.o.out_format {
            self.log_line(
                r,
                (f, self.o.charset),
                &code,
                s,
                Some((" => ", leader)),
                false,
            );
        } else if self.o.itemize {
            let mut code = change.code(Type::File);
            code[0] = b'h';
            if !change.is_change() {
                code[2..].fill(b' ');
            }
            let mut line = itemize::line(&code, &s.rel, Type::File, None, cs);
            line.pop();
            r.out.extend_from_slice(&line);
            r.out.extend_from_slice(b" => ");
            itemize::push_name(&mut r.out, leader, cs);
            r.out.push(b'\n');
        } else if self.o.info.name > 0 {
            itemize::push_name(&mut r.out, &s.rel, cs);
            r.out.extend_from_slice(b" => ");
            itemize::push_name(&mut r.out, leader, cs);
            r.out.push(b'\n');
        }
    }
}

/// Counts a linked member as a listed regular file (it is not transferred).
fn count_member(r: &mut Res, s: &Src) {
    if s.kind == Kind::File {
        r.stats.files.reg += 1;
        r.stats.total_size += s.size;
    }
}

/// `to` in `to_dir` becomes a hard link to `name` in `dir`: linked under a temporary name and
/// renamed over `to`, so `to` is never missing.
pub(super) fn hard_link(dir: &Dir, name: &OsStr, to_dir: &Dir, to: &OsStr) -> std::io::Result<()> {
    let tmp = dir.hard_link_temp(name, to_dir, to, TempStyle::Rsync)?;
    to_dir.rename(&tmp, to_dir, to).inspect_err(|_| {
        let _ = to_dir.remove_file(&tmp);
    })
}

/// Appends the output and status of `more` to `r`.
fn merge(r: &mut Res, more: Res) {
    let base = r.out.len();
    r.xfr_at.extend(more.xfr_at.iter().map(|at| at + base));
    r.out.extend_from_slice(&more.out);
    let _ = r.err.write_all(&more.err);
    r.partial |= more.partial;
    r.vanished |= more.vanished;
    r.fatal |= more.fatal;
    r.stats.add(&more.stats);
}
