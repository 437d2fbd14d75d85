//! The sending end: lists SRC through `fstree::Dir` (never following a symlink below an
//! operand) and streams the list in the order local treesync prints it (a directory, its
//! non-directories by name, then each subdirectory and its contents), answering the
//! receiver's requests as they arrive between entries, so transfers start while the list is
//! still being read. The receiver is not trusted either: a request may only name a regular
//! file this end listed, and its signature is checked before use.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError};

use fstree::{Atime, Dir, Kind, Meta};

use super::delta;
use super::frame::{self, CHUNK, Entry, Frame, Stream, flag};
use super::{Fatal, Incoming};
use crate::itemize::{Charset, push_name};

/// One listed regular file, for serving a request: its root and its path below it.
struct Listed {
    root: usize,
    rel: PathBuf,
    /// The size the list gave the receiver: the most it accepts.
    size: u64,
}

/// The sending end of one run.
pub(super) struct Sender<'a> {
    pub flags: u32,
    pub cs: Charset,
    pub w: &'a mut dyn Write,
    /// Local standard output for notes, or `None`: they go to the peer as `Log` frames.
    pub out: Option<&'a mut dyn Write>,
    pub rx: &'a Receiver<Incoming>,
    roots: Vec<Dir>,
    files: Vec<Option<Listed>>,
    /// Something could not be read (exit 23).
    pub partial: bool,
    /// Sizes of the files and symlinks listed (`-v`'s `total size`).
    pub total_size: u64,
    /// `--chmod` and the umask it is read with (the client's, in a push).
    pub chmod: Option<(crate::ChmodSpec, u32)>,
    io_error: bool,
    /// With several operands, the non-directories listed so far: the first of a name wins,
    /// as in rsync's list (the receiver refuses a name listed twice).
    sent: Option<std::collections::HashSet<Vec<u8>>>,
}

impl<'a> Sender<'a> {
    pub fn new(
        flags: u32,
        cs: Charset,
        w: &'a mut dyn Write,
        out: Option<&'a mut dyn Write>,
        rx: &'a Receiver<Incoming>,
    ) -> Self {
        Sender {
            flags,
            cs,
            w,
            out,
            rx,
            roots: Vec::new(),
            files: Vec::new(),
            partial: false,
            io_error: false,
            total_size: 0,
            chmod: None,
            sent: None,
        }
    }

    fn on(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// List every operand, then serve requests until the receiver says it is done; returns
    /// the receiver's status.
    pub fn run(&mut self, sources: &[Vec<u8>]) -> Result<u8, Fatal> {
        if sources.len() > 1 {
            self.sent = Some(Default::default());
        }
        for s in sources {
            self.operand(s)?;
        }
        let io_error = self.io_error;
        self.send(&Frame::EndList { io_error })?;
        loop {
            let msg = match self.rx.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => {
                    self.w.flush().map_err(Fatal::io)?;
                    self.rx.recv().map_err(|_| Fatal::closed())?
                }
                Err(TryRecvError::Disconnected) => return Err(Fatal::closed()),
            };
            match msg {
                Incoming::Request { index, signature } => self.serve(index, signature)?,
                Incoming::Log(stream, text) => self.relay(stream, text)?,
                Incoming::Done(status) => return Ok(status),
                Incoming::Broken(f) => return Err(f),
            }
        }
    }

    /// Serve the requests that have arrived, without waiting.
    fn serve_ready(&mut self) -> Result<(), Fatal> {
        loop {
            match self.rx.try_recv() {
                Ok(Incoming::Request { index, signature }) => self.serve(index, signature)?,
                Ok(Incoming::Log(stream, text)) => self.relay(stream, text)?,
                Ok(Incoming::Done(_)) => return Err(Fatal::protocol("early end from receiver")),
                Ok(Incoming::Broken(f)) => return Err(f),
                Err(TryRecvError::Empty) => return Ok(()),
                Err(TryRecvError::Disconnected) => return Err(Fatal::closed()),
            }
        }
    }

    fn send(&mut self, f: &Frame) -> Result<(), Fatal> {
        frame::write(self.w, f).map_err(Fatal::io)
    }

    /// A note for standard output (rsync's `skipping ...` lines).
    fn note(&mut self, text: String) -> Result<(), Fatal> {
        self.say(Stream::Out, text)
    }

    /// An error about one entry: the run ends 23.
    fn error(&mut self, text: String) -> Result<(), Fatal> {
        self.partial = true;
        self.say(Stream::Err, format!("treesync: {text}"))
    }

    fn say(&mut self, stream: Stream, text: String) -> Result<(), Fatal> {
        let mut text = text.into_bytes();
        text.push(b'\n');
        self.relay(stream, text)
    }

    /// Bytes for standard output or error: here, or to the peer.
    fn relay(&mut self, stream: Stream, text: Vec<u8>) -> Result<(), Fatal> {
        match (&mut self.out, stream) {
            (Some(out), Stream::Out) => out.write_all(&text).map_err(Fatal::output),
            (Some(_), Stream::Err) => {
                let _ = io::stderr().write_all(&text);
                Ok(())
            }
            (None, _) => self.send(&Frame::Log { stream, text }),
        }
    }

    fn show(&self, name: &[u8]) -> String {
        let mut v = Vec::new();
        push_name(&mut v, name, self.cs);
        String::from_utf8_lossy(&v).into_owned()
    }

    /// One SRC operand: `dir/` sends the contents as `.`, anything else the entry by name.
    fn operand(&mut self, src: &[u8]) -> Result<(), Fatal> {
        let contents = super::operand::copies_contents(src);
        let path = Path::new(OsStr::from_bytes(src));
        if contents {
            let dir = match Dir::open_ambient(path, Atime::Keep).and_then(|d| Ok((d.stat()?, d))) {
                Ok((m, d)) => (d, m),
                Err(e) => {
                    self.io_error()?;
                    return self.error(format!("change_dir \"{}\" failed: {e}", self.show(src)));
                }
            };
            if !self.on(flag::RECURSIVE) {
                return self.note("skipping directory .".into());
            }
            self.roots.push(dir.0.clone());
            self.emit(b".", &dir.1, None, None)?;
            return self.walk(&dir.0, b"");
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path.file_name().unwrap_or(OsStr::new(".")).to_os_string();
        let found =
            Dir::open_ambient(parent, Atime::Keep).and_then(|d| d.lstat(&name).map(|m| (d, m)));
        let (pdir, meta) = match found {
            Ok((d, Some(m))) => (d, m),
            Ok((_, None)) => return self.missing(src, io::ErrorKind::NotFound.into()),
            Err(e) => return self.missing(src, e),
        };
        if meta.kind == Kind::Dir && !self.on(flag::RECURSIVE) {
            return self.note(format!("skipping directory {}", self.show(name.as_bytes())));
        }
        self.roots.push(pdir.clone());
        self.emit_named(&pdir, name.as_bytes(), &name, &meta, None)?;
        if meta.kind == Kind::Dir {
            match pdir.open_dir_with(&name, Atime::Keep) {
                Ok(sub) => self.walk(&sub, &[name.as_bytes(), b"/"].concat())?,
                Err(e) => self.unreadable_dir(name.as_bytes(), &e)?,
            }
        }
        Ok(())
    }

    /// Part of SRC could not be read: say so to the receiver once (it stops deleting).
    fn io_error(&mut self) -> Result<(), Fatal> {
        if !self.io_error {
            self.io_error = true;
            self.send(&Frame::IoError)?;
        }
        Ok(())
    }

    fn missing(&mut self, src: &[u8], e: io::Error) -> Result<(), Fatal> {
        self.io_error()?;
        self.error(format!("link_stat \"{}\" failed: {e}", self.show(src)))
    }

    fn unreadable_dir(&mut self, rel: &[u8], e: &io::Error) -> Result<(), Fatal> {
        self.io_error()?;
        self.error(format!("opendir \"{}\" failed: {e}", self.show(rel)))
    }

    /// A directory's entries: its non-directories by name, then each subdirectory by name,
    /// each followed by its own contents.
    fn walk(&mut self, dir: &Dir, prefix: &[u8]) -> Result<(), Fatal> {
        let mut names = match dir.entries() {
            Ok(n) => n,
            Err(e) => return self.unreadable_dir(prefix, &e),
        };
        names.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let mut subdirs: Vec<(OsString, Meta)> = Vec::new();
        let mut others: Vec<(Vec<u8>, OsString, Meta)> = Vec::new();
        for n in names {
            let rel = [prefix, n.name.as_bytes()].concat();
            let meta = match dir.lstat(&n.name) {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(e) => {
                    self.io_error()?;
                    self.error(format!("readlink_stat \"{}\" failed: {e}", self.show(&rel)))?;
                    continue;
                }
            };
            if meta.kind == Kind::Dir {
                subdirs.push((n.name, meta));
                continue;
            }
            others.push((rel, n.name, meta));
        }
        if self.on(flag::DELETE) {
            self.send_names(prefix, &others, &subdirs)?;
        }
        let digests = self.digests(dir, &others);
        for ((rel, name, meta), digest) in others.into_iter().zip(digests) {
            self.emit_named(dir, &rel, &name, &meta, digest)?;
            self.serve_ready()?;
        }
        // rsync sorts a directory as its name with a `/` after it (`a-b/` before `a/`).
        subdirs.sort_by_key(|a| dir_key(&a.0));
        for (name, meta) in subdirs {
            let rel = [prefix, name.as_bytes()].concat();
            self.emit_named(dir, &rel, &name, &meta, None)?;
            match dir.open_dir_with(&name, Atime::Keep) {
                Ok(sub) => self.walk(&sub, &[&rel[..], b"/"].concat())?,
                Err(e) => self.unreadable_dir(&rel, &e)?,
            }
        }
        Ok(())
    }

    /// `--delete`: the names of this directory the list will carry (what the options skip
    /// is left out, so DEST's copy goes, as rsync's list lacks it).
    fn send_names(
        &mut self,
        prefix: &[u8],
        others: &[(Vec<u8>, OsString, Meta)],
        subdirs: &[(OsString, Meta)],
    ) -> Result<(), Fatal> {
        let carried = |m: &Meta| match m.kind {
            Kind::Symlink => self.on(flag::LINKS),
            Kind::CharDevice | Kind::BlockDevice => self.on(flag::DEVICES),
            Kind::Fifo | Kind::Socket => self.on(flag::SPECIALS),
            Kind::File | Kind::Dir => true,
        };
        let names = others
            .iter()
            .map(|(_, n, m)| (n, m))
            .chain(subdirs.iter().map(|(n, m)| (n, m)))
            .filter(|(_, m)| carried(m))
            .map(|(n, _)| n.as_bytes().to_vec())
            .collect();
        let dir = match prefix.strip_suffix(b"/") {
            Some(d) => d.to_vec(),
            None => b".".to_vec(),
        };
        self.send(&Frame::Names { dir, names })
    }

    /// With `-c`, the SHA-256 of each regular file of one directory's listing, read on all
    /// cores (in the listing's order; `None` for the others).
    fn digests(&self, dir: &Dir, list: &[(Vec<u8>, OsString, Meta)]) -> Vec<Digest> {
        use rayon::prelude::*;
        if !self.on(flag::CHECKSUM) {
            return list.iter().map(|_| None).collect();
        }
        list.par_iter()
            .map(|(_, name, m)| (m.kind == Kind::File).then(|| digest_of(dir, name)))
            .collect()
    }

    /// The entry for `name` in `dir` (listed as `rel`), unless the options leave it out;
    /// `digest`: its content's SHA-256 when already read (`-c`).
    fn emit_named(
        &mut self,
        dir: &Dir,
        rel: &[u8],
        name: &OsStr,
        meta: &Meta,
        digest: Digest,
    ) -> Result<(), Fatal> {
        let skip = match meta.kind {
            Kind::Symlink => !self.on(flag::LINKS),
            Kind::CharDevice | Kind::BlockDevice => !self.on(flag::DEVICES),
            Kind::Fifo | Kind::Socket => !self.on(flag::SPECIALS),
            Kind::File | Kind::Dir => false,
        };
        if skip {
            return self.note(format!("skipping non-regular file \"{}\"", self.show(rel)));
        }
        if meta.kind != Kind::Dir
            && let Some(sent) = &mut self.sent
            && !sent.insert(rel.to_vec())
        {
            return Ok(());
        }
        let target = match meta.kind {
            Kind::Symlink => match dir.read_link(name) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.io_error()?;
                    return self.error(format!("readlink \"{}\" failed: {e}", self.show(rel)));
                }
            },
            _ => None,
        };
        let digest = match digest {
            None if meta.kind == Kind::File && self.on(flag::CHECKSUM) => digest_of(dir, name),
            None => Ok(None),
            Some(d) => d,
        };
        let digest = match digest {
            Ok(d) => d,
            Err(e) => {
                self.io_error()?;
                return self.error(format!("open \"{}\" failed: {e}", self.show(rel)));
            }
        };
        if meta.kind == Kind::File {
            self.files.push(Some(Listed {
                root: self.roots.len().saturating_sub(1),
                rel: PathBuf::from(OsStr::from_bytes(rel)),
                size: meta.size,
            }));
        }
        self.emit(rel, meta, target, digest)
    }

    /// Send one entry (a non-file also takes its index slot).
    fn emit(
        &mut self,
        rel: &[u8],
        m: &Meta,
        target: Option<Vec<u8>>,
        digest: Option<[u8; 32]>,
    ) -> Result<(), Fatal> {
        Fatal::check_signal()?;
        if m.kind != Kind::File {
            self.files.push(None);
        }
        let mut e = Entry {
            digest,
            ..entry_of(rel, m, target)
        };
        if let Some((spec, umask)) = &self.chmod {
            let perms = spec.apply(e.mode & 0o7777, m.kind == Kind::Dir, *umask);
            e.mode = (e.mode & libc::S_IFMT) | perms;
        }
        self.total_size += e.size + e.target.len() as u64;
        self.send(&Frame::Entry(e))
    }

    /// Send entry `index`'s content: raw, or as a delta against `signature`.
    fn serve(&mut self, index: u32, signature: Vec<u8>) -> Result<(), Fatal> {
        Fatal::check_signal()?;
        let Some(Some(l)) = self.files.get(index as usize) else {
            return Err(Fatal::protocol(
                "request for an entry that is not a listed file",
            ));
        };
        let sig = match signature.is_empty() {
            true => None,
            false => Some(
                delta::parse_signature(signature)
                    .ok_or_else(|| Fatal::protocol("malformed signature"))?,
            ),
        };
        let (rel, listed) = (l.rel.clone(), l.size);
        let opened = self.roots[l.root].open_file_beneath(&l.rel, Atime::Keep);
        let grown = |m: &Meta| io::Error::other(format!("grew from {listed} to {} bytes", m.size));
        let opened = opened.and_then(|(f, m)| match m.size > listed {
            true => Err(grown(&m)),
            false => Ok((f, m)),
        });
        let (file, meta) = match opened {
            Ok(x) => x,
            Err(e) => {
                self.send(&Frame::FileBegin {
                    index,
                    size: 0,
                    delta: false,
                })?;
                self.send(&Frame::FileError)?;
                let shown = self.show(rel.as_os_str().as_bytes());
                return self.error(format!("send_files failed to open \"{shown}\": {e}"));
            }
        };
        let size = meta.size;
        self.send(&Frame::FileBegin {
            index,
            size,
            delta: sig.is_some(),
        })?;
        let result = match sig {
            None => self.send_raw(file, size),
            Some(sig) => self.send_delta(file, size, &sig),
        };
        match result? {
            Some(sha256) => self.send(&Frame::FileEnd { sha256 }),
            None => {
                self.send(&Frame::FileError)?;
                let shown = self.show(rel.as_os_str().as_bytes());
                self.error(format!("read errors mapping \"{shown}\""))
            }
        }
    }

    /// Stream `size` bytes of `file`; `None` when it could not be read whole.
    fn send_raw(&mut self, file: std::fs::File, size: u64) -> Result<Option<[u8; 32]>, Fatal> {
        let mut h = delta::Hashing::new(io::sink());
        let mut r = file.take(size);
        let mut buf = vec![0; CHUNK];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Ok(None),
            };
            h.write_all(&buf[..n]).map_err(Fatal::io)?;
            self.data(&buf[..n])?;
        }
        Ok((h.len == size).then(|| h.digest()))
    }

    fn send_delta(
        &mut self,
        mut file: std::fs::File,
        size: u64,
        sig: &fast_rsync::Signature,
    ) -> Result<Option<[u8; 32]>, Fatal> {
        let mut h = delta::Hashing::new(io::sink());
        let mut failed: Option<Fatal> = None;
        let mut send = |d: &[u8]| {
            for piece in d.chunks(CHUNK) {
                if let Err(e) = self.data(piece) {
                    failed = Some(e);
                    return Err(io::Error::other("the connection failed"));
                }
            }
            Ok(())
        };
        let read = delta::diff(sig, &mut file, size, &mut h, &mut send);
        if let Some(e) = failed {
            return Err(e);
        }
        Ok((read.is_ok() && h.len == size).then(|| h.digest()))
    }

    /// One `Data` frame, compressed with `-z`.
    fn data(&mut self, bytes: &[u8]) -> Result<(), Fatal> {
        if self.on(flag::COMPRESS) {
            let packed = zstd::bulk::compress(bytes, 3).map_err(Fatal::io)?;
            return self.send(&Frame::Data {
                compressed: true,
                bytes: packed,
            });
        }
        self.send(&Frame::Data {
            compressed: false,
            bytes: bytes.to_vec(),
        })
    }
}

/// The list entry for `m`.
fn entry_of(rel: &[u8], m: &Meta, target: Option<Vec<u8>>) -> Entry {
    let ty = match m.kind {
        Kind::File => libc::S_IFREG,
        Kind::Dir => libc::S_IFDIR,
        Kind::Symlink => libc::S_IFLNK,
        Kind::Fifo => libc::S_IFIFO,
        Kind::Socket => libc::S_IFSOCK,
        Kind::CharDevice => libc::S_IFCHR,
        Kind::BlockDevice => libc::S_IFBLK,
    };
    Entry {
        path: rel.to_vec(),
        mode: ty | (m.mode & 0o7777),
        uid: m.uid,
        gid: m.gid,
        mtime: m.mtime.secs,
        mtime_nsec: m.mtime.nanos,
        size: if m.kind == Kind::File { m.size } else { 0 },
        rdev: m.rdev,
        target: target.unwrap_or_default(),
        digest: None,
    }
}

/// `-c`'s digest of a file: `None` not read yet, an error when it cannot be opened,
/// `Ok(None)` when reading it failed (the receiver then finds no match and asks for it).
type Digest = Option<io::Result<Option<[u8; 32]>>>;

fn digest_of(dir: &Dir, name: &OsStr) -> io::Result<Option<[u8; 32]>> {
    let (mut f, _) = dir.open_file(name, Atime::Keep)?;
    Ok(delta::sha256_of(&mut f).ok())
}

/// A directory's sort key: its name and a `/`.
pub(super) fn dir_key(name: &OsStr) -> Vec<u8> {
    [name.as_bytes(), b"/"].concat()
}
