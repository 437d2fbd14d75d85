//! The receiving end: applies the sender's list to DEST with local treesync's rules, treating
//! the peer as hostile. Every name is checked ([`super::name`]) and must sit in a directory
//! this transfer listed: the receiver keeps the stack of directories from the top of DEST to
//! the current one (the list is depth-first), so an entry whose parent is not on the stack is a
//! protocol error (exit 12); `--delete` runs on a directory when its `Names` arrive, before its
//! contents (and its own line waits for them, as local treesync orders its output). DEST is
//! only touched through `fstree::Dir` handles: a directory is opened beneath DEST's root
//! without following symlinks, new content goes to `.NAME.XXXXXX` and is renamed into place
//! only after its size and SHA-256 match what the sender announced, so a run that stops on a
//! hostile frame leaves no torn file. Output lines keep the list's order: a line for a file
//! whose content is still on its way holds the lines after it back ([`Lines`]).

use std::collections::{HashSet, VecDeque};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use fstree::{Dir, Kind, Timestamp};

use super::frame::{self, Entry, Frame, Stream, flag};
use super::{Fatal, name};
use crate::itemize::{self, Change, Charset, Type};

/// A directory of DEST the list is in: its path, its handle (none in a dry run for a
/// directory that does not exist yet), whether `--delete` applies, and its held line.
pub(super) struct Level {
    pub rel: Vec<u8>,
    pub dir: Option<Dir>,
    /// Its own output line, held until `Names` has said (and deleted) what goes first.
    pub line: Option<Vec<u8>>,
    pub delete: bool,
    /// The names listed in it so far: a non-directory listed twice is refused.
    pub seen: std::collections::HashSet<OsString>,
}

/// A file whose content was requested.
pub(super) struct Pending {
    pub index: u32,
    pub parent: Vec<u8>,
    pub name: OsString,
    pub e: Entry,
    pub change: Change,
    pub mode: u32,
    pub slot: u64,
}

/// Output lines in list order; a slot stays empty until its file is written.
#[derive(Default)]
pub(super) struct Lines {
    slots: VecDeque<Option<Vec<u8>>>,
    base: u64,
}

impl Lines {
    pub fn ready(&mut self, line: Vec<u8>) {
        if !line.is_empty() || !self.slots.is_empty() {
            self.slots.push_back(Some(line));
        }
    }

    pub fn reserve(&mut self) -> u64 {
        self.slots.push_back(None);
        self.base + self.slots.len() as u64 - 1
    }

    pub fn fill(&mut self, slot: u64, line: Vec<u8>) {
        if let Some(s) = slot
            .checked_sub(self.base)
            .and_then(|i| self.slots.get_mut(i as usize))
        {
            *s = Some(line);
        }
    }

    /// The lines at the front that are complete.
    pub fn take_ready(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(Some(_)) = self.slots.front() {
            if let Some(Some(l)) = self.slots.pop_front() {
                out.extend_from_slice(&l);
            }
            self.base += 1;
        }
        out
    }
}

/// Where the receiver's words go: this terminal, or the peer (as `Log` frames).
pub(super) enum Console<'a> {
    Local {
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
    },
    Peer,
}

/// The receiving end of one run.
pub(super) struct Receiver<'a, R: Read> {
    pub flags: u32,
    pub verbose: u8,
    pub cs: Charset,
    pub umask: u32,
    pub is_root: bool,
    pub dest: PathBuf,
    pub sources: usize,
    /// The names allowed at the top of the transfer (`None`: any, and `.`), from the SRC
    /// operands: a name no operand asked for is outside the transfer.
    pub top_names: Option<HashSet<Vec<u8>>>,
    pub r: BufReader<R>,
    pub w: &'a mut dyn Write,
    pub console: Console<'a>,
    pub stack: Vec<Level>,
    pub pending: VecDeque<Pending>,
    pub lines: Lines,
    pub count: u32,
    pub dir_times: Vec<(Vec<u8>, Timestamp)>,
    pub partial: bool,
    pub io_error: bool,
    /// The top-level name a single file is written as (`treesync f HOST:newname`).
    pub rename: Option<OsString>,
    /// DEST was created by this run.
    pub created: bool,
    pub started: bool,
    /// Sizes of the files and symlinks listed (`-v`'s `total size`).
    pub total_size: u64,
    /// `--chmod`, applied to the modes received (in a pull; the sender applies it in a push).
    pub chmod: Option<crate::ChmodSpec>,
}

impl<'a, R: Read> Receiver<'a, R> {
    pub fn on(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    pub fn dry_run(&self) -> bool {
        self.on(flag::DRY_RUN)
    }

    /// Receive the whole list and every file; returns the exit status.
    pub fn run(&mut self) -> Result<u8, Fatal> {
        loop {
            match self.next()? {
                Frame::Entry(e) => self.entry(e)?,
                Frame::FileBegin { index, size, delta } => self.file(index, size, delta)?,
                Frame::IoError => self.io_error = true,
                Frame::Names { dir, names } => self.names(&dir, names)?,
                Frame::EndList { io_error } => {
                    self.io_error |= io_error;
                    break;
                }
                _ => return Err(Fatal::protocol("unexpected frame in the file list")),
            }
        }
        while !self.pending.is_empty() {
            match self.next()? {
                Frame::FileBegin { index, size, delta } => self.file(index, size, delta)?,
                _ => return Err(Fatal::protocol("unexpected frame after the file list")),
            }
        }
        let root = self.root();
        while !self.stack.is_empty() {
            self.pop_level()?;
        }
        self.set_dir_times(root);
        self.flush_lines()?;
        Ok(if self.partial { 23 } else { 0 })
    }

    /// The next frame; what this end has written is flushed before it waits for one.
    pub fn next(&mut self) -> Result<Frame, Fatal> {
        if self.r.buffer().is_empty() {
            self.flush_lines()?;
            self.w.flush().map_err(Fatal::io)?;
            self.r.fill_buf().map_err(Fatal::io)?;
        }
        loop {
            match frame::read(&mut self.r).map_err(Fatal::from_read)? {
                // The sender's notes: its standard output keeps the list's order.
                Frame::Log {
                    stream: Stream::Out,
                    text,
                } => self.lines.ready(super::peer_text(text)),
                Frame::Log { stream, text } => self.say(stream, super::peer_text(text))?,
                f => return Ok(f),
            }
        }
    }

    /// After `Done`, the sender may only close the stream (or still say something).
    pub fn expect_end(&mut self) -> Result<(), Fatal> {
        loop {
            match frame::read(&mut self.r) {
                Err(frame::ReadError::Closed) => return Ok(()),
                Err(e) => return Err(Fatal::from_read(e)),
                Ok(Frame::Log { stream, text }) => self.say(stream, super::peer_text(text))?,
                Ok(_) => return Err(Fatal::protocol("data after the end of the transfer")),
            }
        }
    }

    pub fn flush_lines(&mut self) -> Result<(), Fatal> {
        let text = self.lines.take_ready();
        if text.is_empty() {
            return Ok(());
        }
        self.say(Stream::Out, text)
    }

    pub fn say(&mut self, stream: Stream, text: Vec<u8>) -> Result<(), Fatal> {
        if self.on(flag::QUIET) && stream == Stream::Out {
            return Ok(());
        }
        match (&mut self.console, stream) {
            (Console::Local { out, .. }, Stream::Out) => {
                out.write_all(&text).map_err(Fatal::output)
            }
            (Console::Local { out, err }, Stream::Err) => {
                out.flush().map_err(Fatal::output)?;
                let _ = err.write_all(&text);
                Ok(())
            }
            (Console::Peer, _) => {
                frame::write(self.w, &Frame::Log { stream, text }).map_err(Fatal::io)
            }
        }
    }

    /// An error about one entry (the run ends 23).
    pub fn error(
        &mut self,
        what: &str,
        rel: &[u8],
        e: &dyn std::fmt::Display,
    ) -> Result<(), Fatal> {
        self.partial = true;
        let msg = format!("treesync: {what} \"{}\" failed: {e}\n", self.show(rel));
        self.say(Stream::Err, msg.into_bytes())
    }

    pub fn show(&self, rel: &[u8]) -> String {
        let mut v = Vec::new();
        itemize::push_name(&mut v, rel, self.cs);
        String::from_utf8_lossy(&v).into_owned()
    }

    /// One entry of the list: checked, placed on the directory stack, applied.
    fn entry(&mut self, mut e: Entry) -> Result<(), Fatal> {
        Fatal::check_signal()?;
        if let Some(spec) = &self.chmod {
            let is_dir = e.mode & libc::S_IFMT == libc::S_IFDIR;
            e.mode = (e.mode & libc::S_IFMT) | spec.apply(e.mode & 0o7777, is_dir, self.umask);
        }
        let index = self.count;
        self.count = self
            .count
            .checked_add(1)
            .ok_or_else(|| Fatal::protocol("too many entries"))?;
        let (parent, name) = name::split(&e.path)
            .map_err(|b| Fatal::protocol(&format!("{b}: \"{}\"", self.show(&e.path))))?;
        let (parent, name) = (parent.to_vec(), name.to_os_string());
        let kind = self.kind_allowed(&e)?;
        self.total_size = self.total_size.saturating_add(match kind {
            Kind::File => e.size,
            Kind::Symlink => e.target.len() as u64,
            _ => 0,
        });
        if !self.started {
            self.open_top(kind)?;
        }
        if e.path == b"." {
            if self.top_names.is_some() || self.rename.is_some() {
                return Err(Fatal::protocol("`.` from operands that name entries"));
            }
            if kind != Kind::Dir {
                return Err(Fatal::protocol(
                    "the top of the transfer is not a directory",
                ));
            }
            while self.stack.len() > 1 {
                self.pop_level()?;
            }
            return self.top_dir(&e);
        }
        while self.stack.len() > 1 && self.stack.last().is_some_and(|l| l.rel != parent) {
            self.pop_level()?;
        }
        if self.stack.last().is_none_or(|l| l.rel != parent) {
            let shown = self.show(&e.path);
            return Err(Fatal::protocol(&format!(
                "name outside the transfer: \"{shown}\""
            )));
        }
        let name = self.top_checked(&e.path, &parent, kind, name)?;
        // A directory may come again (from another operand: its contents merge); anything
        // else listed twice in one directory is refused.
        if let Some(l) = self.stack.last_mut()
            && !l.seen.insert(name.clone())
            && kind != Kind::Dir
        {
            let shown = self.show(&e.path);
            return Err(Fatal::protocol(&format!("\"{shown}\" is listed twice")));
        }
        match kind {
            Kind::Dir => self.dir_entry(&e, &name),
            Kind::File => self.file_entry(index, &e, parent, name),
            _ => self.other_entry(&e, &name, kind),
        }
    }

    /// A top-level name must be one the operands asked for; a single file written under
    /// DEST's name (`rename`) is the only entry of its transfer.
    fn top_checked(
        &mut self,
        path: &[u8],
        parent: &[u8],
        kind: Kind,
        name: OsString,
    ) -> Result<OsString, Fatal> {
        if parent != b"." {
            return Ok(name);
        }
        if self.top_names.as_ref().is_some_and(|n| !n.contains(path)) {
            let shown = self.show(path);
            return Err(Fatal::protocol(&format!("name not asked for: \"{shown}\"")));
        }
        match self.rename.take() {
            Some(_) if kind == Kind::Dir || self.count > 1 => {
                Err(Fatal::protocol("more than the single file asked for"))
            }
            Some(n) => {
                // Kept, but never used again: `count` rules out a second entry.
                self.rename = Some(n.clone());
                Ok(n)
            }
            None => Ok(name),
        }
    }

    /// The entry's type, if the options let it be carried (the peer may not send more).
    fn kind_allowed(&self, e: &Entry) -> Result<Kind, Fatal> {
        let kind = kind_of(e.mode).ok_or_else(|| Fatal::protocol("entry of an unknown type"))?;
        let allowed = match kind {
            Kind::File => true,
            Kind::Dir => self.on(flag::RECURSIVE) || e.path == b"." || !e.path.contains(&b'/'),
            Kind::Symlink => self.on(flag::LINKS),
            Kind::CharDevice | Kind::BlockDevice => self.on(flag::DEVICES),
            Kind::Fifo | Kind::Socket => self.on(flag::SPECIALS),
        };
        match allowed {
            true => Ok(kind),
            false => Err(Fatal::protocol("entry of a type the options leave out")),
        }
    }

    /// DEST, opened (and made) on the first entry: a directory, or the parent of the name a
    /// single non-directory is written as.
    fn open_top(&mut self, kind: Kind) -> Result<(), Fatal> {
        self.started = true;
        let dest = self.dest.clone();
        let meta = fstree::dir::stat_path(&dest, true).ok();
        let slash = dest.as_os_str().as_bytes().ends_with(b"/");
        let into_dir = self.sources > 1
            || slash
            || meta.is_some_and(|m| m.kind == Kind::Dir)
            || kind == Kind::Dir
            || dest.file_name().is_none();
        let top = match into_dir {
            true => dest.clone(),
            false => dest.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let trusted = &fstree::trust::trusted_owner;
        if !self.on(flag::INSECURE_LINKS)
            && fstree::trust::untrusted_symlink(&top, trusted).is_ok_and(|f| f.is_some())
        {
            return Err(Fatal::Untrusted(dest));
        }
        let (root, rename) = if into_dir {
            if meta.is_none() {
                self.make_dest(&dest)?;
            }
            let root = match self.created && self.dry_run() {
                true => None,
                false => Some(
                    Dir::open_ambient(&dest, fstree::Atime::Update)
                        .map_err(|e| Fatal::dest("change_dir", &dest, &e))?,
                ),
            };
            (root, None)
        } else {
            let parent = match dest.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let root = Dir::open_ambient(&parent, fstree::Atime::Update)
                .map_err(|e| Fatal::dest("change_dir", &parent, &e))?;
            (Some(root), dest.file_name().map(|n| n.to_os_string()))
        };
        self.rename = rename;
        self.stack.push(Level {
            rel: b".".to_vec(),
            dir: root,
            line: None,
            delete: false,
            seen: Default::default(),
        });
        Ok(())
    }

    /// `mkdir DEST` (its parent must exist), said as rsync does with `-i` or `-v`.
    fn make_dest(&mut self, dest: &Path) -> Result<(), Fatal> {
        self.created = true;
        if !self.dry_run() {
            let parent = match dest.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let name = dest.file_name().unwrap_or_default();
            Dir::open_ambient(parent, fstree::Atime::Update)
                .and_then(|d| d.mkdir(name, 0o777))
                .map_err(|e| Fatal::dest("mkdir", dest, &e))?;
        }
        if self.on(flag::ITEMIZE) || self.verbose > 0 {
            let b = dest.as_os_str().as_bytes();
            let end = b.len() - b.iter().rev().take_while(|&&c| c == b'/').count();
            let mut line = b"created directory ".to_vec();
            line.extend_from_slice(&b[..end.max(1).min(b.len())]);
            line.push(b'\n');
            self.lines.ready(line);
        }
        Ok(())
    }

    /// Leave the directory on top of the stack (its line, if `Names` never came, goes out).
    fn pop_level(&mut self) -> Result<(), Fatal> {
        if let Some(line) = self.stack.pop().and_then(|l| l.line) {
            self.lines.ready(line);
        }
        Ok(())
    }

    /// `Names` for the directory just entered: `--delete` what SRC does not have in it, then
    /// the directory's own line, then (as the list goes on) its contents.
    fn names(&mut self, dir: &[u8], names: Vec<Vec<u8>>) -> Result<(), Fatal> {
        let Some(level) = self.stack.last_mut().filter(|l| l.rel == dir) else {
            return Err(Fatal::protocol("names for a directory the list is not in"));
        };
        let (handle, delete, line) = (level.dir.clone(), level.delete, level.line.take());
        if self.on(flag::DELETE) && delete && self.io_error {
            let msg = b"IO error encountered -- skipping file deletion\n".to_vec();
            self.say(Stream::Err, msg)?;
            self.flags &= !flag::DELETE;
        }
        if self.on(flag::DELETE)
            && delete
            && let Some(d) = handle
        {
            let keep: HashSet<Vec<u8>> = names.into_iter().collect();
            self.delete_extraneous(&d, dir, &keep)?;
        }
        if let Some(line) = line {
            self.lines.ready(line);
        }
        Ok(())
    }

    /// The mtimes of directories, once nothing more is written in them.
    fn set_dir_times(&mut self, root: Option<Dir>) {
        if self.dry_run() {
            return;
        }
        let Some(root) = root else {
            return;
        };
        for (rel, t) in std::mem::take(&mut self.dir_times) {
            let r = match &rel[..] {
                b"." => root.set_times_self(None, Some(t)),
                _ => root
                    .open_dir_beneath(Path::new(std::ffi::OsStr::from_bytes(&rel)))
                    .and_then(|d| d.set_times_self(None, Some(t))),
            };
            if let Err(e) = r {
                let _ = self.error("set times", &rel, &e);
            }
        }
    }

    /// DEST's root handle.
    pub fn root(&self) -> Option<Dir> {
        self.stack.first().and_then(|l| l.dir.clone())
    }

    /// The directory `rel` (relative to the root), opened beneath it.
    pub fn dir_at(&self, rel: &[u8]) -> std::io::Result<Dir> {
        let root = self
            .root()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        match rel {
            b"." => Ok(root),
            _ => root.open_dir_beneath(Path::new(std::ffi::OsStr::from_bytes(rel))),
        }
    }

    /// Print the line of an entry (in order), as local treesync words it.
    pub fn announce(
        &mut self,
        rel: &[u8],
        ty: Type,
        change: &Change,
        target: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        if self.on(flag::ITEMIZE) {
            if change.is_change() {
                out = itemize::line(&change.code(ty), rel, ty, target, self.cs);
            }
        } else if self.verbose > 0
            && (change.new || change.transferred || (ty == Type::Dir && change.is_change()))
        {
            itemize::push_name(&mut out, rel, self.cs);
            if ty == Type::Dir && !out.ends_with(b"/") {
                out.push(b'/');
            }
            if let Some(t) = target {
                out.extend_from_slice(b" -> ");
                itemize::push_name(&mut out, t, self.cs);
            }
            out.push(b'\n');
        }
        out
    }
}

/// The type in an entry's mode.
pub(super) fn kind_of(mode: u32) -> Option<Kind> {
    Some(match mode & libc::S_IFMT {
        libc::S_IFREG => Kind::File,
        libc::S_IFDIR => Kind::Dir,
        libc::S_IFLNK => Kind::Symlink,
        libc::S_IFIFO => Kind::Fifo,
        libc::S_IFSOCK => Kind::Socket,
        libc::S_IFCHR => Kind::CharDevice,
        libc::S_IFBLK => Kind::BlockDevice,
        _ => return None,
    })
}

/// A name from the list as an `OsString`.
pub(super) fn os(b: &[u8]) -> OsString {
    OsString::from_vec(b.to_vec())
}
