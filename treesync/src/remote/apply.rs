//! What the receiver does with each entry, with local treesync's rules for the options it
//! carries (`-r -l -p -t -o -g -D -c --delete -n -i -v`): a regular file is up to date when
//! size and mtime seconds match (with `-c`: size and SHA-256), and then only its attributes
//! are fixed; otherwise its content is requested, as a delta against the old copy when there
//! is one. Without `-p` a new entry gets the source mode masked by the umask and an existing
//! file keeps its mode; owners change only as root. Directory mtimes are set at the end.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::ffi::OsStrExt;

use fstree::{Atime, Dir, Kind, Meta, TempStyle, Timestamp};

use super::delta;
use super::frame::{Entry, Frame, flag};
use super::receiver::{Level, Pending, Receiver, os};
use super::{Fatal, frame};
use crate::itemize::{Change, Type};

fn mtime(e: &Entry) -> Timestamp {
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
        let is_dir = e.mode & libc::S_IFMT == libc::S_IFDIR;
        match (new && !self.on(flag::PERMS), is_dir) {
            (true, true) => m & !self.umask & 0o1777,
            (true, false) => m & !self.umask,
            (false, _) => m,
        }
    }

    fn want_owner(&self, e: &Entry) -> (Option<u32>, Option<u32>) {
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
        self.lines.ready(line);
        Ok(())
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
        self.lines.ready(line);
        self.push_level(e, dir, true)
    }

    fn push_level(&mut self, e: &Entry, dir: Option<Dir>, delete: bool) -> Result<(), Fatal> {
        self.stack.push(Level {
            rel: e.path.clone(),
            dir,
            seen: Default::default(),
            delete,
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

    /// Make way for a non-directory where DEST has a directory (`--delete` semantics: the
    /// whole directory goes, as local treesync does with `--force`/`--delete`).
    fn make_way(&mut self, d: &Dir, name: &OsStr, rel: &[u8]) -> Result<bool, Fatal> {
        if self.on(flag::DELETE) {
            let mut text = Vec::new();
            if let Ok(sub) = d.open_dir(name) {
                deleted_contents(&sub, rel, self, &mut text);
            }
            self.lines.ready(text);
        }
        if self.dry_run() {
            return Ok(true);
        }
        let r = match self.on(flag::DELETE) {
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
            && !self.make_way(d, &name, &e.path)?
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
            if existing.is_some_and(|m| m.kind == Kind::Dir) && !self.make_way(d, name, &e.path)? {
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

    /// The content of the file at the front of the queue: written to a temporary name,
    /// checked, renamed into place.
    pub(super) fn file(&mut self, index: u32, size: u64, is_delta: bool) -> Result<(), Fatal> {
        let p = self
            .pending
            .pop_front()
            .ok_or_else(|| Fatal::protocol("content that was not requested"))?;
        if p.index != index {
            return Err(Fatal::protocol("content out of order"));
        }
        let dir = self.dir_at(&p.parent);
        let temp = dir
            .as_ref()
            .map_err(|e| io::Error::new(e.kind(), e.to_string()))
            .and_then(|d| d.create_temp(&p.name, TempStyle::Rsync, 0o600));
        let mut local_err: Option<io::Error> = None;
        let (temp, dir) = match (temp, dir) {
            (Ok(t), Ok(d)) => (Some(t), Some(d)),
            (Err(e), _) | (_, Err(e)) => {
                local_err = Some(e);
                (None, None)
            }
        };
        let got = self.receive_content(
            &p,
            size,
            is_delta,
            temp.as_ref().map(|t| &t.file),
            dir.as_ref(),
            &mut local_err,
        )?;
        let rel = p.e.path.clone();
        if let Some(e) = local_err {
            return self.error("write", &rel, &e);
        }
        let (Some(temp), Some(ok)) = (temp, got) else {
            // The sender could not read it (it said why): nothing is written.
            self.partial = true;
            return Ok(());
        };
        if !ok {
            self.partial = true;
            let msg = format!(
                "treesync: checksum or size mismatch for \"{}\": not written\n",
                self.show(&rel)
            );
            return self.say(frame::Stream::Err, msg.into_bytes());
        }
        let (u, g) = self.want_owner(&p.e);
        let finish = fstree::dir::chown_fd(&temp.file, u, g)
            .and_then(|()| temp.set_mode(p.mode).map_err(io::Error::other))
            .and_then(|()| match self.on(flag::TIMES) {
                true => temp
                    .set_times(None, Some(mtime(&p.e)))
                    .map_err(io::Error::other),
                false => Ok(()),
            })
            .and_then(|()| temp.commit().map_err(io::Error::other));
        if let Err(e) = finish {
            return self.error("rename", &rel, &e);
        }
        let line = self.announce(&rel, Type::File, &p.change, None);
        self.lines.fill(p.slot, line);
        Ok(())
    }

    /// Read the `Data` frames of one file into `out`: `Some(true)` when size and hash match,
    /// `Some(false)` when not, `None` when the sender gave up on the file.
    #[allow(clippy::too_many_arguments)]
    fn receive_content(
        &mut self,
        p: &Pending,
        size: u64,
        is_delta: bool,
        out: Option<&std::fs::File>,
        dir: Option<&Dir>,
        local_err: &mut Option<io::Error>,
    ) -> Result<Option<bool>, Fatal> {
        let mut w = delta::Hashing::new(BufWriter::new(out.map(Sink::File).unwrap_or(Sink::None)));
        let mut delta_bytes = Vec::new();
        let limit = if is_delta {
            delta::max_delta(size)
        } else {
            size
        };
        let mut got = 0u64;
        loop {
            match self.next()? {
                Frame::Data { compressed, bytes } => {
                    let bytes = match compressed {
                        true => zstd::bulk::decompress(&bytes, frame::CHUNK)
                            .map_err(|_| Fatal::protocol("bad compressed data"))?,
                        false => bytes,
                    };
                    got = got.saturating_add(bytes.len() as u64);
                    if got > limit {
                        return Err(Fatal::protocol("more data than announced"));
                    }
                    if is_delta {
                        delta_bytes.extend_from_slice(&bytes);
                    } else if local_err.is_none()
                        && let Err(e) = w.write_all(&bytes)
                    {
                        *local_err = Some(e);
                    }
                }
                Frame::FileEnd { sha256 } => {
                    if is_delta && local_err.is_none() {
                        let basis = read_basis(dir, &p.name);
                        if let Err(e) =
                            basis.and_then(|b| delta::apply(&b, &delta_bytes, &mut w, size))
                        {
                            *local_err = Some(e);
                        }
                    }
                    if let Err(e) = w.flush() {
                        local_err.get_or_insert(e);
                    }
                    return Ok(Some(w.len == size && w.digest() == sha256));
                }
                Frame::FileError => return Ok(None),
                _ => return Err(Fatal::protocol("unexpected frame inside a file")),
            }
        }
    }

    /// `--delete` in one directory: what SRC does not have goes, contents before their
    /// directory, in the reverse of rsync's sort.
    pub(super) fn delete_extraneous(&mut self, level: &Level) -> Result<(), Fatal> {
        let Some(d) = &level.dir else {
            return Ok(());
        };
        let names = match d.entries() {
            Ok(n) => n,
            Err(e) => return self.error("opendir", &level.rel, &e),
        };
        let extra: Vec<OsString> = names
            .into_iter()
            .map(|n| n.name)
            .filter(|n| !level.seen.contains(n))
            .collect();
        let mut text = Vec::new();
        for (name, is_dir) in deletion_order(d, extra) {
            let rel = join(&level.rel, name.as_bytes());
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

/// Where rebuilt content goes: the temporary file, or nowhere (it could not be made, but
/// the frames must still be read).
enum Sink<'f> {
    File(&'f std::fs::File),
    None,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => (&**f).write(buf),
            Sink::None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The old copy's signature (nothing when it cannot be read or is too large to describe).
fn basis_signature(d: &Dir, name: &OsStr) -> Vec<u8> {
    read_basis(Some(d), name)
        .ok()
        .and_then(|b| delta::signature(&b))
        .unwrap_or_default()
}

fn read_basis(d: Option<&Dir>, name: &OsStr) -> io::Result<Vec<u8>> {
    let d = d.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
    let (mut f, _) = d.open_file(name, Atime::Keep)?;
    let mut v = Vec::new();
    f.read_to_end(&mut v)?;
    Ok(v)
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
fn deleted_contents<R: Read>(d: &Dir, rel: &[u8], rc: &Receiver<'_, R>, text: &mut Vec<u8>) {
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
