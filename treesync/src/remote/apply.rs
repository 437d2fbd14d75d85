//! What the receiver does with each entry, with local treesync's rules for the options it
//! carries (`-r -l -p -t -o -g -D -c --delete -n -i -v`): a regular file is up to date when
//! size and mtime seconds match (with `-c`: size and SHA-256), and then only its attributes
//! are fixed; otherwise its content is requested, as a delta against the old copy when there
//! is one. Without `-p` a new entry gets the source mode masked by the umask, without set-id
//! or sticky bits (as rsync's manual says and rsync 3.5 does), and an existing file keeps its
//! mode; owners change only as root. Directory mtimes are set at the end.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};

use fstree::{Atime, Dir, Kind, Meta, TempStyle, Timestamp};

use super::content::basis_signature;
use super::delete::deleted_contents;
use super::delta;
use super::frame::{Entry, Frame, flag};
use super::receiver::{Level, Pending, Receiver, os};
use super::{Fatal, frame};
use crate::itemize::{Change, Type};

pub(super) fn mtime(e: &Entry) -> Timestamp {
    Timestamp {
        secs: e.mtime,
        nanos: e.mtime_nsec.min(999_999_999),
    }
}

fn item(kind: Kind) -> Type {
    match kind {
        Kind::File => Type::File,
        Kind::Dir => Type::Dir,
        Kind::Symlink => Type::Link,
        Kind::CharDevice | Kind::BlockDevice => Type::Device,
        Kind::Fifo | Kind::Socket => Type::Special,
    }
}

impl<R: Read> Receiver<'_, R> {
    /// The mode an entry ends with (see the module doc).
    fn want_mode(&self, e: &Entry, new: bool) -> u32 {
        let m = e.mode & 0o7777;
        // rsync: without `-p`, a new entry's special bits (set-id, sticky) are dropped.
        match new && !self.on(flag::PERMS) {
            true => m & !self.umask & 0o777,
            false => m,
        }
    }

    pub(super) fn want_owner(&self, e: &Entry) -> (Option<u32>, Option<u32>) {
        if !self.is_root {
            return (None, None);
        }
        (
            self.on(flag::OWNER).then_some(e.uid),
            self.on(flag::GROUP).then_some(e.gid),
        )
    }

    /// The attribute columns of an existing entry of the same type.
    fn attr_change(&self, e: &Entry, m: &Meta, kind: Kind) -> Change {
        let (uid, gid) = self.want_owner(e);
        Change {
            time: (self.on(flag::TIMES) && m.mtime.secs != e.mtime).then_some(true),
            perms: self.on(flag::PERMS)
                && kind != Kind::Symlink
                && self.want_mode(e, false) != m.mode,
            owner: uid.is_some_and(|u| u != m.uid),
            group: gid.is_some_and(|g| g != m.gid),
            ..Change::default()
        }
    }

    /// Fix owner, mode and mtime of `name` in `d` as `change` says (`set_mtime`: even a
    /// difference under a second).
    fn fix_attrs(
        &mut self,
        d: &Dir,
        name: &OsStr,
        rel: &[u8],
        e: &Entry,
        change: &Change,
        set_mtime: bool,
    ) -> Result<(), Fatal> {
        if self.dry_run() {
            return Ok(());
        }
        let (uid, gid) = self.want_owner(e);
        if (change.owner || change.group)
            && let Err(err) = d.chown(
                name,
                uid.filter(|_| change.owner),
                gid.filter(|_| change.group),
            )
        {
            self.error("chown", rel, &err)?;
        }
        if change.perms
            && let Err(err) = d.chmod(name, self.want_mode(e, false))
        {
            self.error("chmod", rel, &err)?;
        }
        if set_mtime && let Err(err) = d.set_times(name, None, Some(mtime(e))) {
            self.error("set times", rel, &err)?;
        }
        Ok(())
    }

    /// The top directory (`.`): DEST itself.
    pub(super) fn top_dir(&mut self, e: &Entry) -> Result<(), Fatal> {
        if let Some(l) = self.stack.first_mut() {
            l.delete = true;
        }
        let root = self.root();
        let change = match (&root, self.created) {
            (Some(d), false) => {
                let m = d
                    .stat()
                    .map_err(|err| Fatal::dest("stat", &self.dest, &err))?;
                let c = self.attr_change(e, &m, Kind::Dir);
                if !self.dry_run() {
                    if c.perms {
                        let _ = d.chmod_self(self.want_mode(e, false));
                    }
                    if c.owner || c.group {
                        let (u, g) = self.want_owner(e);
                        let _ = d.chown_self(u, g);
                    }
                }
                c
            }
            _ => {
                if let Some(d) = &root
                    && !self.dry_run()
                {
                    let _ = d.chmod_self(self.want_mode(e, true));
                }
                Change {
                    new: true,
                    ..Change::default()
                }
            }
        };
        if self.on(flag::TIMES) {
            self.dir_times.push((b".".to_vec(), mtime(e)));
        }
        let line = self.announce(b"./", Type::Dir, &change, None);
        self.hold_or_say(0, line);
        Ok(())
    }

    /// A directory's line waits for its `Names` (with `--delete` under `-r`: its deletions
    /// come first); otherwise it goes out in order now.
    fn hold_or_say(&mut self, level: usize, line: Vec<u8>) {
        let held = self.on(flag::DELETE) && self.on(flag::RECURSIVE);
        match self.stack.get_mut(level).filter(|_| held) {
            Some(l) => l.line = Some(line),
            None => self.lines.ready(line),
        }
    }

    /// A directory: made (or its attributes fixed), then pushed on the stack.
    pub(super) fn dir_entry(&mut self, e: &Entry, name: &OsStr) -> Result<(), Fatal> {
        let parent = self.stack.last().and_then(|l| l.dir.clone());
        let existing = self.look(parent.as_ref(), name, &e.path)?;
        let mut change = Change {
            new: true,
            ..Change::default()
        };
        let mut dir = None;
        if let (Some(p), Some(m)) = (&parent, &existing) {
            if m.kind == Kind::Dir {
                change = self.attr_change(e, m, Kind::Dir);
                self.fix_attrs(p, name, &e.path, e, &change, false)?;
                dir = Some(p.open_dir(name));
            } else if !self.dry_run()
                && let Err(err) = p.remove_file(name)
            {
                self.error("delete", &e.path, &err)?;
                return self.push_level(e, None, false);
            }
        }
        if change.new
            && !self.dry_run()
            && let Some(p) = &parent
        {
            let made = p
                .mkdir(name, 0o700)
                .and_then(|()| p.chmod(name, self.want_mode(e, true)));
            if let Err(err) = made {
                self.error("mkdir", &e.path, &err)?;
                return self.push_level(e, None, false);
            }
            dir = Some(p.open_dir(name));
        }
        let dir = match dir {
            Some(Ok(d)) => Some(d),
            Some(Err(err)) => {
                self.error("opendir", &e.path, &err)?;
                None
            }
            None => None,
        };
        if self.on(flag::TIMES) && dir.is_some() {
            self.dir_times.push((e.path.clone(), mtime(e)));
        }
        let line = self.announce(&e.path, Type::Dir, &change, None);
        self.push_level(e, dir, true)?;
        self.hold_or_say(self.stack.len() - 1, line);
        Ok(())
    }

    fn push_level(&mut self, e: &Entry, dir: Option<Dir>, delete: bool) -> Result<(), Fatal> {
        self.stack.push(Level {
            rel: e.path.clone(),
            dir,
            line: None,
            delete,
            seen: Default::default(),
        });
        Ok(())
    }

    /// `lstat` of `name` in `d` (nothing when `d` does not exist: a dry run).
    fn look(&mut self, d: Option<&Dir>, name: &OsStr, rel: &[u8]) -> Result<Option<Meta>, Fatal> {
        let Some(d) = d else {
            return Ok(None);
        };
        match d.lstat(name) {
            Ok(m) => Ok(m),
            Err(err) => {
                self.error("stat", rel, &err)?;
                Ok(None)
            }
        }
    }

    /// Make way for a non-directory of `kind` where DEST has a directory: with `--delete` the
    /// whole directory goes (its contents said as deleted); without, only an empty one, else
    /// rsync's two complaints (stdout, then stderr) and exit 23, as local treesync.
    fn make_way(&mut self, d: &Dir, name: &OsStr, rel: &[u8], kind: Kind) -> Result<bool, Fatal> {
        let delete = self.on(flag::DELETE);
        let sub = d.open_dir(name);
        let empty = sub
            .as_ref()
            .is_ok_and(|s| s.entries().is_ok_and(|l| l.is_empty()));
        if delete && let Ok(sub) = &sub {
            let mut text = Vec::new();
            deleted_contents(sub, rel, self, &mut text);
            self.lines.ready(text);
        } else if !delete && !empty {
            let shown = self.show(rel);
            self.lines
                .ready(format!("cannot delete non-empty directory: {shown}\n").into_bytes());
            let what = match kind {
                Kind::File => "regular file",
                Kind::Symlink => "symlink",
                Kind::CharDevice | Kind::BlockDevice => "device",
                _ => "special file",
            };
            self.partial = true;
            let msg = format!("could not make way for new {what}: {shown}\n");
            self.say(frame::Stream::Err, msg.into_bytes())?;
            return Ok(false);
        }
        if self.dry_run() {
            return Ok(true);
        }
        let r = match delete {
            true => d.remove_all(name),
            false => d.remove_dir(name),
        };
        match r {
            Ok(()) => Ok(true),
            Err(err) => {
                self.error("delete", rel, &err)?;
                Ok(false)
            }
        }
    }

    /// A regular file: up to date (attributes only) or requested.
    pub(super) fn file_entry(
        &mut self,
        index: u32,
        e: &Entry,
        parent: Vec<u8>,
        name: OsString,
    ) -> Result<(), Fatal> {
        let d = self.stack.last().and_then(|l| l.dir.clone());
        let existing = self.look(d.as_ref(), &name, &e.path)?;
        let same = existing.filter(|m| m.kind == Kind::File);
        if let (Some(m), Some(d)) = (&existing, &d)
            && m.kind == Kind::Dir
            && !self.make_way(d, &name, &e.path, Kind::File)?
        {
            return Ok(());
        }
        if let (Some(m), Some(d)) = (&same, &d)
            && self.up_to_date(d, &name, e, m)
        {
            let change = self.attr_change(e, m, Kind::File);
            let set = self.on(flag::TIMES)
                && (change.time.is_some() || (self.on(flag::CHECKSUM) && m.mtime != mtime(e)));
            self.fix_attrs(d, &name, &e.path, e, &change, set)?;
            let line = self.announce(&e.path, Type::File, &change, None);
            self.lines.ready(line);
            return Ok(());
        }
        let change = match &same {
            Some(m) => Change {
                transferred: true,
                checksum: self.on(flag::CHECKSUM),
                size: m.size != e.size,
                time: match self.on(flag::TIMES) {
                    true => (m.mtime.secs != e.mtime).then_some(true),
                    false => Some(false),
                },
                ..self.attr_change(e, m, Kind::File)
            },
            None => Change {
                new: true,
                ..Change::default()
            },
        };
        let mode = match &same {
            Some(m) if !self.on(flag::PERMS) => m.mode,
            Some(_) => self.want_mode(e, false),
            None => self.want_mode(e, true),
        };
        if self.dry_run() || d.is_none() {
            let line = self.announce(&e.path, Type::File, &change, None);
            self.lines.ready(line);
            return Ok(());
        }
        let signature = match (&same, &d) {
            (Some(m), Some(d)) if m.size > 0 => basis_signature(d, &name),
            _ => Vec::new(),
        };
        frame::write(self.w, &Frame::Request { index, signature }).map_err(Fatal::io)?;
        let slot = self.lines.reserve();
        self.pending.push_back(Pending {
            index,
            parent,
            name,
            e: e.clone(),
            change,
            mode,
            slot,
        });
        Ok(())
    }

    fn up_to_date(&mut self, d: &Dir, name: &OsStr, e: &Entry, m: &Meta) -> bool {
        if m.size != e.size {
            return false;
        }
        if !self.on(flag::CHECKSUM) {
            return m.mtime.secs == e.mtime;
        }
        let ours = d
            .open_file(name, Atime::Keep)
            .and_then(|(mut f, _)| delta::sha256_of(&mut f));
        matches!((ours, e.digest), (Ok(a), Some(b)) if a == b)
    }

    /// A symlink, device or special file: kept when DEST has the same, else recreated under a
    /// temporary name and renamed over the old one.
    pub(super) fn other_entry(&mut self, e: &Entry, name: &OsStr, kind: Kind) -> Result<(), Fatal> {
        let d = self.stack.last().and_then(|l| l.dir.clone());
        let existing = self.look(d.as_ref(), name, &e.path)?;
        let target = (kind == Kind::Symlink).then_some(&e.target[..]);
        let same = existing.filter(|m| m.kind == kind);
        let equal = match (&same, &d) {
            (Some(m), Some(d)) => match kind {
                Kind::Symlink => d.read_link(name).is_ok_and(|t| t == e.target),
                Kind::CharDevice | Kind::BlockDevice => m.rdev == e.rdev,
                _ => true,
            },
            _ => false,
        };
        if let (Some(m), Some(d)) = (&same, &d)
            && equal
        {
            let change = self.attr_change(e, m, kind);
            let set = self.on(flag::TIMES) && m.mtime != mtime(e);
            self.fix_attrs(d, name, &e.path, e, &change, set)?;
            let line = self.announce(&e.path, item(kind), &change, target);
            self.lines.ready(line);
            return Ok(());
        }
        let change = match &same {
            Some(m) => Change {
                transferred: true,
                checksum: true,
                time: match self.on(flag::TIMES) {
                    true => (m.mtime.secs != e.mtime).then_some(true),
                    false => Some(false),
                },
                ..self.attr_change(e, m, kind)
            },
            None => Change {
                new: true,
                ..Change::default()
            },
        };
        if let (Some(d), false) = (&d, self.dry_run()) {
            if existing.is_some_and(|m| m.kind == Kind::Dir)
                && !self.make_way(d, name, &e.path, kind)?
            {
                return Ok(());
            }
            if let Err(err) = self.make_node(d, name, e, kind) {
                return self.error("create", &e.path, &err);
            }
        }
        let line = self.announce(&e.path, item(kind), &change, target);
        self.lines.ready(line);
        Ok(())
    }

    fn make_node(&self, d: &Dir, name: &OsStr, e: &Entry, kind: Kind) -> io::Result<()> {
        let tmp = match kind {
            Kind::Symlink => d.symlink_temp(&os(&e.target), name, TempStyle::Rsync)?,
            _ => d.mknod_temp(
                name,
                kind,
                self.want_mode(e, true),
                e.rdev,
                TempStyle::Rsync,
            )?,
        };
        let set = || -> io::Result<()> {
            let (u, g) = self.want_owner(e);
            d.chown(&tmp, u, g)?;
            if self.on(flag::TIMES) {
                d.set_times(&tmp, None, Some(mtime(e)))?;
            }
            d.rename(&tmp, d, name)
        };
        set().inspect_err(|_| {
            let _ = d.remove_file(&tmp);
        })
    }
}
