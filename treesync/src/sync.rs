//! The engine: a deletion pass (with `--delete`), then one depth-first pass that creates,
//! rewrites or fixes the attributes of every entry, directory by directory.
//!
//! Order of output, matched to rsync 3.5 (local, incremental recursion) on small trees:
//! every `*deleting` line comes first (rsync's generator deletes ahead of the receiver's
//! output); within a deleted directory its contents come before it, and within one directory
//! entries are visited in reverse of rsync's sort (files by name, then directories by name).
//! Then the transfer: for each directory its own line, then its non-directories sorted by
//! name, then each subdirectory (line, then its contents) in name order. Names sort by bytes.
//!
//! Work: the walk (the calling thread) lists, creates and deletes directories in that order;
//! each directory's non-directories go to the rayon pool as jobs (a directory this run created
//! goes whole, so two workers do not contend for one directory's lock), and the results, the
//! walk's own output and each directory's final attributes (set once its contents are done)
//! pass through the ordered queue of [`crate::pipeline`]. `--progress` numbers are counted as
//! lines are printed, so they run in output order.
//!
//! Decisions, per regular file: without `-c`, equal size and equal mtime *seconds* mean "up to
//! date" (rsync compares whole seconds); with `-c`, equal size and equal bytes do. An up-to-date
//! file only gets its attributes fixed (times, mode with `-p`, owner, atime); everything else is
//! written to `.NAME.XXXXXX` in the same directory and renamed over NAME.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, mpsc};

use rustix::fs::{AtFlags, FileType};

use crate::dest::{self, Meta};
use crate::itemize::{self, Change, Charset, Type};
use crate::pipeline::{Pending, Sink};
use crate::stats::Stats;
use crate::{Error, Options, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
    Device,
    Special,
}

impl Kind {
    fn of(ft: &fs::FileType) -> Kind {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Link
        } else if ft.is_file() {
            Kind::File
        } else if ft.is_block_device() || ft.is_char_device() {
            Kind::Device
        } else {
            Kind::Special
        }
    }

    /// The kind `getdents` reports, if it says.
    fn of_dirent(ft: FileType) -> Option<Kind> {
        Some(match ft {
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Link,
            FileType::RegularFile => Kind::File,
            FileType::BlockDevice | FileType::CharacterDevice => Kind::Device,
            FileType::Fifo | FileType::Socket => Kind::Special,
            FileType::Unknown => return None,
        })
    }

    fn item(self) -> Type {
        match self {
            Kind::File => Type::File,
            Kind::Dir => Type::Dir,
            Kind::Link => Type::Link,
            Kind::Device => Type::Device,
            Kind::Special => Type::Special,
        }
    }
}

/// One source entry, as listed. Non-directories are listed from `getdents` alone; their
/// metadata is filled in (`statted`) by the worker that handles them.
#[derive(Debug, Clone)]
struct Src {
    name: OsString,
    path: PathBuf,
    /// Path relative to the transfer root, as printed.
    rel: Vec<u8>,
    /// The open source directory holding it (`None`: reach it by `path`).
    dir: Option<Arc<OwnedFd>>,
    kind: Kind,
    statted: bool,
    ft: FileType,
    mode: u32,
    size: u64,
    mtime: (i64, u32),
    atime: (i64, u32),
    uid: u32,
    gid: u32,
    rdev: u64,
}

impl Src {
    fn new(name: OsString, path: PathBuf, rel: Vec<u8>, m: &fs::Metadata) -> Src {
        Src {
            name,
            path,
            rel,
            dir: None,
            kind: Kind::of(&m.file_type()),
            statted: true,
            ft: FileType::from_raw_mode(m.mode()),
            mode: m.mode() & 0o7777,
            size: m.len(),
            mtime: (m.mtime(), u32::try_from(m.mtime_nsec()).unwrap_or(0)),
            atime: (m.atime(), u32::try_from(m.atime_nsec()).unwrap_or(0)),
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
        }
    }

    /// An entry of the open source directory `dir` (not yet `stat`ed).
    fn listed(parent: &Src, dir: &Arc<OwnedFd>, name: OsString, kind: Kind) -> Src {
        Src {
            path: parent.path.join(&name),
            rel: join_rel(&parent.rel, &name),
            name,
            dir: Some(Arc::clone(dir)),
            kind,
            statted: false,
            ft: FileType::Unknown,
            mode: 0,
            size: 0,
            mtime: (0, 0),
            atime: (0, 0),
            uid: 0,
            gid: 0,
            rdev: 0,
        }
    }

    /// Fill in the metadata from an `lstat`.
    fn set_meta(&mut self, m: &Meta) {
        self.kind = Kind::of_meta(m.ty);
        self.statted = true;
        self.ft = m.ty;
        self.mode = m.mode;
        self.size = m.size;
        self.mtime = m.mtime;
        self.atime = m.atime;
        self.uid = m.uid;
        self.gid = m.gid;
        self.rdev = m.rdev;
    }

    /// `lstat` it (relative to its directory when open).
    fn lstat(&self) -> io::Result<Meta> {
        match &self.dir {
            Some(d) => rustix::fs::statat(&**d, &self.name, AtFlags::SYMLINK_NOFOLLOW)
                .map(Meta::from)
                .map_err(io::Error::from),
            None => rustix::fs::lstat(&self.path)
                .map(Meta::from)
                .map_err(io::Error::from),
        }
    }

    /// Its symlink target.
    fn readlink(&self) -> io::Result<Vec<u8>> {
        match &self.dir {
            Some(d) => dest::readlink(d.as_fd(), &self.name),
            None => fs::read_link(&self.path).map(|t| t.into_os_string().into_vec_bytes()),
        }
    }

    /// Open it for reading (a regular file).
    fn open(&self) -> io::Result<fs::File> {
        match &self.dir {
            Some(d) => dest::open_file(d.as_fd(), &self.name),
            None => dest::open_source(&self.path),
        }
    }

    /// Open it as a directory: by name without following a symlink inside the tree, by path
    /// (following, as `src/` asks) at the top.
    fn open_dir(&self) -> io::Result<OwnedFd> {
        match &self.dir {
            Some(d) => dest::open_dir(d.as_fd(), &self.name),
            None => open_dir_path(&self.path),
        }
    }
}

impl Kind {
    fn of_meta(ft: FileType) -> Kind {
        Kind::of_dirent(ft).unwrap_or(Kind::Special)
    }
}

/// Output and status of one unit of work, merged into the run in order.
#[derive(Default)]
pub(crate) struct Res {
    pub(crate) out: Vec<u8>,
    pub(crate) err: Vec<u8>,
    pub(crate) partial: bool,
    pub(crate) vanished: bool,
    /// DEST ran out of room: the run stops once this result is emitted (rsync exit 11).
    pub(crate) fatal: bool,
    pub(crate) stats: Stats,
    /// Offsets in `out` where the `--progress` transfer number goes (counted on output).
    pub(crate) xfr_at: Vec<usize>,
}

impl Res {
    fn error(&mut self, msg: impl std::fmt::Display) {
        let _ = writeln!(self.err, "treesync: {msg}");
        self.partial = true;
    }

    fn io_error(&mut self, op: &str, rel: &[u8], e: &io::Error) {
        self.error(format_args!("{op} \"{}\" failed: {e}", show(rel)));
    }

    fn vanished(&mut self, rel: &[u8]) {
        let _ = writeln!(self.err, "file has vanished: \"{}\"", show(rel));
        self.vanished = true;
    }
}

/// The charset of the current run (set once by [`run`]; every run in a process uses the
/// locale of that process).
static CHARSET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn cs() -> Charset {
    if CHARSET.load(std::sync::atomic::Ordering::Relaxed) {
        Charset::Utf8
    } else {
        Charset::Ascii
    }
}

fn show(rel: &[u8]) -> String {
    let mut v = Vec::new();
    itemize::push_name(&mut v, rel, cs());
    String::from_utf8_lossy(&v).into_owned()
}

fn join_rel(rel: &[u8], name: &OsStr) -> Vec<u8> {
    let mut r = rel.to_vec();
    if !r.is_empty() {
        r.push(b'/');
    }
    r.extend_from_slice(name.as_bytes());
    r
}

/// rsync sorts a directory's name as if it ended in `/` (so `a.d` comes before `a`).
fn dir_order(a: &OsStr, b: &OsStr) -> std::cmp::Ordering {
    a.as_bytes()
        .iter()
        .chain(b"/")
        .cmp(b.as_bytes().iter().chain(b"/"))
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

/// One source directory's entries: `all` non-directories (also those left out with a note),
/// `files` the carried ones, `dirs` the subdirectories.
struct Listing {
    all: Vec<Src>,
    files: Vec<Src>,
    dirs: Vec<Src>,
}

struct Engine<'a> {
    o: &'a Options,
    manifest: Option<(fstree::manifest::Manifest, PathBuf)>,
    is_root: bool,
    /// Set by the first fatal write error: workers skip what is left, the walk stops.
    stop: AtomicBool,
}

/// See [`crate::run`].
pub fn run(
    o: &Options,
    sources: &[OsString],
    dest_arg: &OsString,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Outcome, Stats), Error> {
    if sources.is_empty() {
        return Err(Error::Usage("missing SRC or DEST".into()));
    }
    CHARSET.store(
        o.charset == Charset::Utf8,
        std::sync::atomic::Ordering::Relaxed,
    );
    let manifest = match &o.manifest {
        None => None,
        Some(p) => {
            let f = fs::File::open(p).map_err(|e| Error::Manifest {
                path: p.clone(),
                source: Box::new(e),
            })?;
            let m = fstree::manifest::Manifest::read(io::BufReader::new(f)).map_err(|e| {
                Error::Manifest {
                    path: p.clone(),
                    source: Box::new(e),
                }
            })?;
            Some((m, PathBuf::from(&sources[0])))
        }
    };
    let engine = Engine {
        o,
        manifest,
        is_root: rustix::process::geteuid().is_root(),
        stop: AtomicBool::new(false),
    };
    let mut sink = Sink::new(out, err);
    if o.verbose > 0 && !o.itemize {
        writeln!(sink.out, "sending incremental file list").map_err(Error::Output)?;
    }
    let dest_bytes = dest_arg.as_bytes();
    let dest_path = PathBuf::from(dest_arg);
    let dest_meta = fs::metadata(&dest_path).ok();
    let into_dir = sources.len() > 1
        || dest_bytes.ends_with(b"/")
        || dest_meta.as_ref().is_some_and(|m| m.is_dir());
    let engine = &engine;
    rayon::in_place_scope(|sc| -> Result<(), Error> {
        for s in sources {
            engine.one_source(sc, &mut sink, s, &dest_path, into_dir)?;
            sink.drain(0)?;
        }
        Ok(())
    })?;
    if o.stats {
        sink.stats.write(sink.out).map_err(Error::Output)?;
    } else if o.verbose > 0 {
        writeln!(
            sink.out,
            "\ntotal size is {}",
            crate::stats::commas(sink.stats.total_size)
        )
        .map_err(Error::Output)?;
    }
    sink.out.flush().map_err(Error::Output)?;
    let outcome = if sink.partial {
        Outcome::Partial
    } else if sink.vanished {
        Outcome::Vanished
    } else {
        Outcome::Done
    };
    Ok((outcome, sink.stats))
}

/// `src/`, `src/.`, `.` and `/` copy the contents; anything else copies the entry by name.
fn copies_contents(src: &[u8]) -> bool {
    src.ends_with(b"/") || src == b"." || src.ends_with(b"/.")
}

fn trim_slashes(p: &[u8]) -> &[u8] {
    let mut p = p;
    while p.len() > 1 && p.ends_with(b"/") {
        p = &p[..p.len() - 1];
    }
    p
}

impl<'e> Engine<'e> {
    fn one_source<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        src_arg: &OsString,
        dest: &Path,
        into_dir: bool,
    ) -> Result<(), Error> {
        let o = self.o;
        let sb = src_arg.as_bytes();
        let contents = copies_contents(sb);
        let src_path = PathBuf::from(src_arg);
        let meta = if contents {
            fs::metadata(&src_path)
        } else {
            fs::symlink_metadata(&src_path)
        };
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                let mut r = Res::default();
                r.error(format_args!("link_stat \"{}\" failed: {e}", show(sb)));
                return sink.take(r);
            }
        };
        let base: OsString = {
            let t = trim_slashes(sb);
            let b = t.rsplit(|&c| c == b'/').next().unwrap_or(t);
            OsStr::from_bytes(if b.is_empty() || b == b"." { b"." } else { b }).to_os_string()
        };
        let is_dir = meta.is_dir();
        if is_dir && !o.recursive {
            let shown = if contents {
                ".".to_string()
            } else {
                show(base.as_bytes())
            };
            let mut r = Res::default();
            let _ = writeln!(r.out, "skipping directory {shown}");
            return sink.take(r);
        }
        let dest_show =
            String::from_utf8_lossy(trim_slashes(dest.as_os_str().as_bytes())).into_owned();

        if is_dir && contents {
            // DEST itself is the directory that corresponds to SRC.
            let top = Src::new(base, src_path.clone(), Vec::new(), &meta);
            let existing = fs::metadata(dest).ok();
            let mut fd = None;
            let mut created = false;
            match existing {
                Some(m) if m.is_dir() => {
                    fd = Some(open_root(dest)?);
                }
                Some(_) => {
                    return Err(Error::Dest {
                        op: "mkdir",
                        path: dest.to_path_buf(),
                        source: io::Error::from_raw_os_error(libc::EEXIST),
                    });
                }
                None => {
                    created = true;
                    if !o.dry_run {
                        fs::create_dir(dest).map_err(|e| Error::Dest {
                            op: "mkdir",
                            path: dest.to_path_buf(),
                            source: e,
                        })?;
                        fd = Some(open_root(dest)?);
                    }
                    if o.itemize || o.verbose > 0 {
                        writeln!(sink.out, "created directory {dest_show}")
                            .map_err(Error::Output)?;
                    }
                }
            }
            let dmeta = match &fd {
                Some(f) => Some(Meta::from(rustix::fs::fstat(f).map_err(|e| {
                    Error::Dest {
                        op: "stat",
                        path: dest.to_path_buf(),
                        source: e.into(),
                    }
                })?)),
                None => None,
            };
            let plan = self.dir_plan(&top, if created { None } else { dmeta.as_ref() });
            let listing = self.listing(sink, &top)?;
            self.own_notes(sink, &listing)?;
            if o.delete
                && let Some(fd) = &fd
            {
                self.delete_in_dir(sink, &listing, b"", fd)?;
            }
            self.print_dir_line(sink, &plan.change, b"./")?;
            sink.stats.files.dir += 1;
            if plan.change.new {
                sink.stats.created.dir += 1;
            }
            let fd = fd.map(Arc::new);
            self.sync_dir(sc, sink, fd.as_ref(), created, true, listing)?;
            if let Some(fd) = fd {
                sink.push(Pending::Later(Box::new(move || {
                    let mut r = Res::default();
                    self.finish_dir(&mut r, &fd, &plan, b".");
                    r
                })))?;
            }
            return Ok(());
        }

        // Everything else lands in a directory (DEST, or DEST's parent for a single file
        // copied to a new name).
        let (parent_path, name): (PathBuf, OsString) = if into_dir || is_dir {
            (dest.to_path_buf(), base.clone())
        } else {
            let parent = dest
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = dest
                .file_name()
                .map(OsStr::to_os_string)
                .unwrap_or_else(|| base.clone());
            (parent.to_path_buf(), name)
        };
        let mut parent_fd = None;
        match fs::metadata(&parent_path) {
            Ok(m) if m.is_dir() => parent_fd = Some(open_root(&parent_path)?),
            Ok(_) => {
                return Err(Error::Dest {
                    op: "mkdir",
                    path: parent_path,
                    source: io::Error::from_raw_os_error(libc::ENOTDIR),
                });
            }
            Err(_) => {
                if !o.dry_run {
                    fs::create_dir(&parent_path).map_err(|e| Error::Dest {
                        op: "mkdir",
                        path: parent_path.clone(),
                        source: e,
                    })?;
                    parent_fd = Some(open_root(&parent_path)?);
                }
                if o.itemize || o.verbose > 0 {
                    writeln!(sink.out, "created directory {dest_show}").map_err(Error::Output)?;
                }
            }
        }
        let rel = base.as_bytes().to_vec();
        let mut src = Src::new(name, src_path, rel, &meta);
        if o.filters.is_excluded(&src.rel, is_dir) {
            return Ok(());
        }
        if is_dir {
            self.sync_subdir(
                sc,
                sink,
                parent_fd.map(Arc::new).as_ref(),
                false,
                &src,
                true,
            )
        } else {
            let mut r = Res::default();
            if let Some(note) = self.skip_note(&src) {
                r.out.extend_from_slice(&note);
                return sink.take(r);
            }
            src.rel = base.as_bytes().to_vec();
            let r = self.sync_entry(parent_fd.as_ref(), false, &mut src);
            sink.take(r)
        }
    }

    /// rsync's note for an entry it does not carry with the given flags.
    fn skip_note(&self, s: &Src) -> Option<Vec<u8>> {
        let skip = match s.kind {
            Kind::Link => !self.o.links,
            Kind::Device => !self.o.devices,
            Kind::Special => !self.o.specials,
            Kind::File | Kind::Dir => false,
        };
        skip.then(|| format!("skipping non-regular file \"{}\"\n", show(&s.rel)).into_bytes())
    }

    /// `--safe-links`: a symlink whose target is absolute, empty, or climbs above the top of
    /// the transfer (counted lexically from the link's own directory) is unsafe.
    fn unsafe_link(rel: &[u8], target: &[u8]) -> bool {
        if target.is_empty() || target.starts_with(b"/") {
            return true;
        }
        let mut depth = rel.iter().filter(|&&b| b == b'/').count() as i64;
        for comp in target.split(|&b| b == b'/') {
            match comp {
                b"" | b"." => {}
                b".." => {
                    depth -= 1;
                    if depth < 0 {
                        return true;
                    }
                }
                _ => depth += 1,
            }
        }
        false
    }

    /// List a source directory: non-directories and directories, each sorted as rsync sorts
    /// them, after filters and the `-l`/`-D`/`--safe-links` rules; listing errors are reported.
    fn listing(&self, sink: &mut Sink<'_, '_>, dir: &Src) -> Result<Listing, Error> {
        let mut r = Res::default();
        let (all, dirs) = self.list_raw(&mut r, dir, true);
        sink.take(r)?;
        let files = all
            .iter()
            .filter(|f| self.note(f).is_none())
            .cloned()
            .collect();
        Ok(Listing { all, files, dirs })
    }

    /// All entries of a source directory after filters, sorted as rsync sorts them. Only the
    /// directories (and entries whose type `getdents` does not tell) are `stat`ed here.
    fn list_raw(&self, r: &mut Res, dir: &Src, notes: bool) -> (Vec<Src>, Vec<Src>) {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let shown: &[u8] = if dir.rel.is_empty() { b"." } else { &dir.rel };
        let fd = match dir.open_dir() {
            Ok(fd) => Arc::new(fd),
            Err(e) => {
                if notes {
                    r.io_error("opendir", shown, &e);
                }
                return (files, dirs);
            }
        };
        let names = match dest::read_dir(fd.as_fd()) {
            Ok(n) => n,
            Err(e) => {
                if notes {
                    r.io_error("readdir", shown, &e);
                }
                return (files, dirs);
            }
        };
        for (name, ty) in names {
            let mut s = Src::listed(dir, &fd, name, Kind::of_dirent(ty).unwrap_or(Kind::Dir));
            if ty == FileType::Directory || ty == FileType::Unknown {
                match s.lstat() {
                    Ok(m) => s.set_meta(&m),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if notes {
                            r.vanished(&s.rel);
                        }
                        continue;
                    }
                    Err(e) => {
                        if notes {
                            r.io_error("readlink_stat", &s.rel, &e);
                        }
                        continue;
                    }
                }
            }
            if self.o.filters.is_excluded(&s.rel, s.kind == Kind::Dir) {
                continue;
            }
            if s.kind == Kind::Dir {
                dirs.push(s);
            } else {
                files.push(s);
            }
        }
        files.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        dirs.sort_by(|a, b| dir_order(&a.name, &b.name));
        (files, dirs)
    }

    /// Why rsync would leave out this non-directory with the given flags (the note it
    /// prints), or `None` if it is carried.
    fn note(&self, f: &Src) -> Option<Vec<u8>> {
        if let Some(n) = self.skip_note(f) {
            return Some(n);
        }
        if f.kind == Kind::Link && self.o.safe_links {
            let t = f.readlink().ok()?;
            let t = &t[..];
            if Self::unsafe_link(&f.rel, t) {
                let text = if self.o.verbose > 0 {
                    format!(
                        "ignoring unsafe symlink \"{}\" -> \"{}\"\n",
                        show(&f.rel),
                        show(t)
                    )
                    .into_bytes()
                } else {
                    Vec::new()
                };
                return Some(text);
            }
        }
        None
    }

    /// Whether any entry can be left out with a note under these flags (else no pre-scan).
    fn may_note(&self) -> bool {
        let o = self.o;
        !o.links || !o.devices || !o.specials || (o.safe_links && o.verbose > 0)
    }

    /// rsync's sender announces skipped entries ahead of the transfer: the top directory's
    /// own before its line ([`Self::own_notes`]), every deeper one (depth first) right after
    /// its files ([`Self::deep_notes`]).
    fn own_notes(&self, sink: &mut Sink<'_, '_>, listing: &Listing) -> Result<(), Error> {
        if !self.may_note() {
            return Ok(());
        }
        let mut r = Res::default();
        for f in &listing.all {
            if let Some(n) = self.note(f) {
                r.out.extend_from_slice(&n);
            }
        }
        sink.take(r)
    }

    /// The notes of every directory below `dirs`, depth first (listing errors are reported by
    /// the transfer pass, not here).
    fn deep_notes(&self, r: &mut Res, dirs: &[Src]) {
        for d in dirs {
            let mut scratch = Res::default();
            let (files, sub) = self.list_raw(&mut scratch, d, false);
            for f in &files {
                if let Some(n) = self.note(f) {
                    r.out.extend_from_slice(&n);
                }
            }
            self.deep_notes(r, &sub);
        }
    }

    // ----- deletion pass -------------------------------------------------------------------

    /// `--delete` for one directory, just before its line is printed (rsync's
    /// `--delete-during`): every DEST name that SRC lacks (an entry SRC has but does not carry,
    /// like a symlink without `-l`, still protects its name) and that no exclude rule protects.
    fn delete_in_dir(
        &self,
        sink: &mut Sink<'_, '_>,
        listing: &Listing,
        rel: &[u8],
        dfd: &OwnedFd,
    ) -> Result<(), Error> {
        let mut r = Res::default();
        let mut names: Vec<&[u8]> = listing
            .all
            .iter()
            .chain(listing.dirs.iter())
            .map(|s| s.name.as_bytes())
            .collect();
        names.sort_unstable();
        let dest_names = match dest::list(dfd.as_fd()) {
            Ok(l) => l,
            Err(e) => {
                r.io_error("opendir", rel, &e);
                return sink.take(r);
            }
        };
        let mut extra: Vec<(OsString, bool)> = dest_names
            .into_iter()
            .filter(|(n, is_dir)| {
                names.binary_search(&n.as_bytes()).is_err()
                    && !self.o.filters.is_excluded(&join_rel(rel, n), *is_dir)
            })
            .collect();
        sort_for_delete(&mut extra);
        for (name, is_dir) in extra.iter().rev() {
            let crel = join_rel(rel, name);
            self.delete_entry(&mut r, dfd, name, &crel, *is_dir, true);
        }
        sink.take(r)
    }

    /// Delete `name` (recursively for a directory), printing `*deleting` lines in rsync's
    /// order; `announce_self` is false when a directory is emptied to make way for a file.
    /// Returns whether the entry is gone (or would be, in a dry run).
    ///
    /// Entries that an exclude rule protects stay, and so does every directory holding one:
    /// rsync then says `cannot delete non-empty directory: DIR` on stdout (twice for a
    /// directory that directly holds a protected non-directory, else once; in a dry run once,
    /// followed by the `*deleting` it would have attempted) and it is not an error.
    fn delete_entry(
        &self,
        r: &mut Res,
        dfd: &OwnedFd,
        name: &OsStr,
        rel: &[u8],
        is_dir: bool,
        announce_self: bool,
    ) -> bool {
        if is_dir {
            let (mut protected, mut protected_file, mut blocked) = (false, false, false);
            match dest::open_dir(dfd.as_fd(), name)
                .and_then(|sub| Ok((dest::list(sub.as_fd())?, sub)))
            {
                Ok((mut l, sub)) => {
                    sort_for_delete(&mut l);
                    for (n, d) in l.iter().rev() {
                        let crel = join_rel(rel, n);
                        if self.o.filters.is_excluded(&crel, *d) {
                            protected = true;
                            protected_file |= !*d;
                        } else if !self.delete_entry(r, &sub, n, &crel, *d, true) {
                            blocked = true;
                        }
                    }
                }
                Err(e) => {
                    r.io_error("opendir", rel, &e);
                    return false;
                }
            }
            if protected || blocked {
                let msg = format!("cannot delete non-empty directory: {}\n", show(rel));
                r.out.extend_from_slice(msg.as_bytes());
                if protected && self.o.dry_run && announce_self {
                    self.announce_delete(r, rel, true);
                } else if protected_file && announce_self {
                    r.out.extend_from_slice(msg.as_bytes());
                }
                return false;
            }
        }
        if announce_self {
            self.announce_delete(r, rel, is_dir);
        }
        if self.o.dry_run {
            return true;
        }
        let res = if is_dir {
            dest::rmdir(dfd.as_fd(), name)
        } else {
            dest::unlink(dfd.as_fd(), name)
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

    fn announce_delete(&self, r: &mut Res, rel: &[u8], is_dir: bool) {
        if self.o.itemize {
            r.out
                .extend_from_slice(&itemize::deleting(rel, is_dir, cs()));
        } else if self.o.verbose > 0 {
            let _ = writeln!(
                r.out,
                "deleting {}{}",
                show(rel),
                if is_dir { "/" } else { "" }
            );
        }
        if is_dir {
            r.stats.deleted.dir += 1;
        } else {
            r.stats.deleted.reg += 1;
        }
    }

    // ----- directories ---------------------------------------------------------------------

    fn print_dir_line(
        &self,
        sink: &mut Sink<'_, '_>,
        change: &Change,
        name: &[u8],
    ) -> Result<(), Error> {
        let o = self.o;
        let mut r = Res::default();
        if o.itemize && change.is_change() {
            r.out = itemize::line(&change.code(Type::Dir), name, Type::Dir, None, cs());
        } else if !o.itemize && o.verbose > 0 && change.new {
            itemize::push_name(&mut r.out, name, cs());
            if !r.out.ends_with(b"/") {
                r.out.push(b'/');
            }
            r.out.push(b'\n');
        }
        sink.take(r)
    }

    /// The mode an entry should end with. Without `-p` a new entry gets the source mode
    /// (after `--chmod`) masked by the umask, and a new directory additionally loses its
    /// set-id bits, as `mkdir(2)` drops them (observed: `--chmod=Dg+s` without `-p` gives 0755).
    fn want_mode(&self, s: &Src, new: bool) -> u32 {
        let is_dir = s.kind == Kind::Dir;
        let m = match &self.o.chmod {
            Some(c) => c.apply(s.mode, is_dir, self.o.umask),
            None => s.mode,
        };
        match (new && !self.o.perms, is_dir) {
            (true, true) => m & !self.o.umask & 0o1777,
            (true, false) => m & !self.o.umask,
            (false, _) => m,
        }
    }

    fn want_owner(&self, s: &Src) -> (Option<u32>, Option<u32>) {
        if !self.is_root && self.o.chown.uid.is_none() && self.o.chown.gid.is_none() {
            return (
                None,
                if self.o.group { Some(s.gid) } else { None }.filter(|_| false),
            );
        }
        let uid = if self.o.owner || self.o.chown.uid.is_some() {
            Some(self.o.chown.uid.unwrap_or(s.uid))
        } else {
            None
        };
        let gid = if self.o.group || self.o.chown.gid.is_some() {
            Some(self.o.chown.gid.unwrap_or(s.gid))
        } else {
            None
        };
        (uid, gid)
    }

    fn dir_plan(&self, s: &Src, existing: Option<&Meta>) -> DirPlan {
        let (uid, gid) = self.want_owner(s);
        match existing {
            None => DirPlan {
                change: Change {
                    new: true,
                    ..Default::default()
                },
                mode: Some(self.want_mode(s, true)),
                uid,
                gid,
                mtime: self.o.times.then_some(s.mtime),
            },
            Some(m) => {
                let orig = m.mtime;
                let want = self.want_mode(s, false);
                let change = Change {
                    time: (self.o.times && orig.0 != s.mtime.0).then_some(true),
                    perms: self.o.perms && want != m.mode,
                    owner: uid.is_some_and(|u| u != m.uid),
                    group: gid.is_some_and(|g| g != m.gid),
                    ..Default::default()
                };
                DirPlan {
                    change,
                    mode: self.o.perms.then_some(want),
                    uid,
                    gid,
                    mtime: self.o.times.then_some(s.mtime),
                }
            }
        }
    }

    /// Set a directory's final attributes after its contents are done, touching only what
    /// differs (so a no-op run changes no ctime).
    fn finish_dir(&self, r: &mut Res, fd: &OwnedFd, plan: &DirPlan, rel: &[u8]) {
        let cur = match rustix::fs::fstat(fd) {
            Ok(s) => Meta::from(s),
            Err(e) => {
                r.io_error("stat", rel, &e.into());
                return;
            }
        };
        let uid = plan.uid.filter(|u| *u != cur.uid);
        let gid = plan.gid.filter(|g| *g != cur.gid);
        if let Err(e) = dest::chown_fd(fd.as_fd(), uid, gid) {
            r.io_error("chown", rel, &e);
        }
        let cur_mode = if uid.is_some() || gid.is_some() {
            rustix::fs::fstat(fd)
                .map(|s| Meta::from(s).mode)
                .unwrap_or(cur.mode)
        } else {
            cur.mode
        };
        if let Some(mode) = plan.mode.filter(|m| *m != cur_mode)
            && let Err(e) = dest::chmod_fd(fd.as_fd(), mode)
        {
            r.io_error("chmod", rel, &e);
        }
        if let Some(mt) = plan.mtime.filter(|t| *t != cur.mtime)
            && let Err(e) = dest::set_times_fd(fd.as_fd(), None, Some(mt))
        {
            r.io_error("set times", rel, &e);
        }
    }

    /// Create or update the DEST directory for the source directory `s` inside `parent`, then
    /// its contents. `fresh`: `parent` was created by this run (so `s` is not there yet).
    fn sync_subdir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        parent: Option<&Arc<OwnedFd>>,
        fresh: bool,
        s: &Src,
        top: bool,
    ) -> Result<(), Error> {
        let o = self.o;
        let mut r = Res::default();
        let existing = match parent {
            Some(_) if fresh => None,
            Some(p) => match dest::lstat(p.as_fd(), &s.name) {
                Ok(m) => m,
                Err(e) => {
                    r.io_error("stat", &s.rel, &e);
                    return sink.take(r);
                }
            },
            None => None,
        };
        let existing_dir = existing.filter(|m| m.ty == FileType::Directory);
        let plan = self.dir_plan(s, existing_dir.as_ref());
        sink.stats.files.dir += 1;
        if plan.change.new {
            sink.stats.created.dir += 1;
        }
        let mut fd = None;
        if let Some(p) = parent {
            if let Some(m) = existing
                && m.ty != FileType::Directory
                && !o.dry_run
            {
                // A file, symlink or special where SRC has a directory: replace it (a
                // symlink is removed, never followed).
                if let Err(e) = dest::unlink(p.as_fd(), &s.name) {
                    r.io_error("unlink", &s.rel, &e);
                    return sink.take(r);
                }
            }
            if existing_dir.is_none()
                && !o.dry_run
                && let Err(e) = dest::mkdir(p.as_fd(), &s.name, first_mode(plan.mode))
            {
                r.io_error("mkdir", &s.rel, &e);
                sink.take(r)?;
                return self.print_dir_line(sink, &plan.change, &s.rel);
            }
            if existing_dir.is_some() || !o.dry_run {
                match dest::open_dir(p.as_fd(), &s.name) {
                    Ok(f) => fd = Some(Arc::new(f)),
                    Err(e) => {
                        r.io_error("opendir", &s.rel, &e);
                        sink.take(r)?;
                        return self.print_dir_line(sink, &plan.change, &s.rel);
                    }
                }
            }
        }
        sink.take(r)?;
        let listing = self.listing(sink, s)?;
        if top {
            self.own_notes(sink, &listing)?;
        }
        if o.delete
            && existing_dir.is_some()
            && let Some(fd) = &fd
        {
            self.delete_in_dir(sink, &listing, &s.rel, fd)?;
        }
        self.print_dir_line(sink, &plan.change, &s.rel)?;
        self.sync_dir(sc, sink, fd.as_ref(), existing_dir.is_none(), top, listing)?;
        if let Some(fd) = fd
            && !o.dry_run
        {
            let rel = s.rel.clone();
            sink.push(Pending::Later(Box::new(move || {
                let mut r = Res::default();
                self.finish_dir(&mut r, &fd, &plan, &rel);
                r
            })))?;
        }
        Ok(())
    }

    /// The contents of one directory: its non-directories handed to the pool in chunks
    /// (results queued in name order), then each subdirectory in name order. `fresh`: `dfd`
    /// was just created, so nothing in it needs looking at.
    /// For the top directory, the notes of deeper levels come after its files (rsync's sender
    /// has usually scanned them by then; its exact interleaving is timing-dependent).
    fn sync_dir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        dfd: Option<&Arc<OwnedFd>>,
        fresh: bool,
        top: bool,
        listing: Listing,
    ) -> Result<(), Error> {
        let Listing { files, dirs, .. } = listing;
        let mut files = files.into_iter().peekable();
        while files.peek().is_some() {
            self.check_stop(sink)?;
            // Files created in one directory contend for its lock (create, rename): a new
            // directory goes to one worker whole, so the workers fill different directories.
            let per_job = if fresh { usize::MAX } else { JOB_FILES };
            let mut chunk: Vec<Src> = files.by_ref().take(per_job).collect();
            let dfd = dfd.cloned();
            let (tx, rx) = mpsc::sync_channel(1);
            sc.spawn(move |_| {
                let done = chunk
                    .iter_mut()
                    .map(|f| self.sync_entry(dfd.as_deref(), fresh, f))
                    .collect();
                let _ = tx.send(done);
            });
            sink.push(Pending::Job(rx))?;
        }
        if top && self.may_note() {
            let dirs = dirs.clone();
            let (tx, rx) = mpsc::sync_channel(1);
            sc.spawn(move |_| {
                let mut r = Res::default();
                self.deep_notes(&mut r, &dirs);
                let _ = tx.send(vec![r]);
            });
            sink.push(Pending::Job(rx))?;
        }
        for d in &dirs {
            self.check_stop(sink)?;
            self.sync_subdir(sc, sink, dfd, fresh, d, false)?;
        }
        Ok(())
    }

    fn stopped(&self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// After a fatal write error: emit everything pending (which ends in that error's
    /// result, and so in [`Error::FileIo`]) instead of starting more work.
    fn check_stop(&self, sink: &mut Sink<'_, '_>) -> Result<(), Error> {
        if self.stopped() {
            sink.drain(0)?;
            return Err(Error::FileIo);
        }
        Ok(())
    }

    // ----- non-directories -----------------------------------------------------------------

    /// Bring one non-directory up to date. `fresh`: `dfd` was created by this run, so there
    /// is nothing to compare with.
    fn sync_entry(&self, dfd: Option<&OwnedFd>, fresh: bool, s: &mut Src) -> Res {
        let mut r = Res::default();
        if self.stopped() {
            return r;
        }
        // A regular file that will be read anyway is opened first and `fstat`ed (one name
        // lookup instead of two); if it cannot be opened, the `lstat` path below reports why
        // where rsync does.
        let mut src_file = None;
        if !s.statted && s.kind == Kind::File && (self.o.checksum || fresh) {
            if let Ok(f) = s.open()
                && let Ok(st) = rustix::fs::fstat(&f)
            {
                s.set_meta(&Meta::from(st));
                src_file = Some(f);
            }
            if s.statted && s.kind != Kind::File {
                r.vanished(&s.rel);
                return r;
            }
        }
        if !s.statted {
            let listed = s.kind;
            match s.lstat() {
                Ok(m) => s.set_meta(&m),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    r.vanished(&s.rel);
                    return r;
                }
                Err(e) => {
                    r.io_error("readlink_stat", &s.rel, &e);
                    return r;
                }
            }
            if s.kind != listed {
                // Replaced since it was listed: as good as vanished for this run.
                r.vanished(&s.rel);
                return r;
            }
        }
        let s = &*s;
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
        let existing = match dfd {
            Some(_) if fresh => None,
            Some(d) => match dest::lstat(d.as_fd(), &s.name) {
                Ok(m) => m,
                Err(e) => {
                    r.io_error("stat", &s.rel, &e);
                    return r;
                }
            },
            None => None,
        };
        let target = if s.kind == Kind::Link {
            match s.readlink() {
                Ok(t) => Some(t),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    r.vanished(&s.rel);
                    return r;
                }
                Err(e) => {
                    r.io_error("readlink", &s.rel, &e);
                    return r;
                }
            }
        } else {
            None
        };
        // Is the existing DEST entry the same kind of thing (so it can be updated in place)?
        let same_kind = existing.filter(|m| match s.kind {
            Kind::File => m.ty == FileType::RegularFile,
            Kind::Link => m.ty == FileType::Symlink,
            Kind::Device | Kind::Special => m.ty == s.ft,
            Kind::Dir => false,
        });
        if let (Some(m), None) = (existing, same_kind)
            && m.ty == FileType::Directory
            && let Some(d) = dfd
            && !self.make_way(&mut r, d, s)
        {
            return r;
        }
        let up_to_date = match (same_kind, s.kind) {
            (Some(m), Kind::File) => {
                if self.o.checksum {
                    m.size == s.size && self.same_content(&mut r, dfd, s, src_file.take())
                } else {
                    m.size == s.size && m.mtime.0 == s.mtime.0
                }
            }
            (Some(_), Kind::Link) => {
                let cur = dfd.and_then(|d| dest::readlink(d.as_fd(), &s.name).ok());
                cur.as_deref() == target.as_deref()
            }
            (Some(m), Kind::Device) => m.rdev == s.rdev,
            (Some(_), Kind::Special) => true,
            _ => false,
        };
        if r.partial || r.vanished {
            return r;
        }
        let (uid, gid) = self.want_owner(s);
        if up_to_date {
            if let Some(m) = same_kind {
                self.fix_attrs(&mut r, dfd, s, &m, uid, gid, target.as_deref());
            }
            return r;
        }
        // Write a new entry under a temporary name and rename it over.
        let new = same_kind.is_none();
        let mut change = Change {
            new,
            ..Default::default()
        };
        if let Some(m) = same_kind {
            change.transferred = true;
            change.checksum = match s.kind {
                Kind::File => self.o.checksum,
                _ => true,
            };
            change.size = s.kind == Kind::File && m.size != s.size;
            change.time = if self.o.times {
                (m.mtime.0 != s.mtime.0).then_some(true)
            } else {
                Some(false)
            };
            if s.kind == Kind::File {
                change.perms = self.o.perms && self.want_mode(s, false) != m.mode;
            }
            change.owner = uid.is_some_and(|u| u != m.uid);
            change.group = gid.is_some_and(|g| g != m.gid);
            change.atime = self.o.atimes && s.kind != Kind::Special && m.atime.0 != s.atime.0;
        }
        let mode = match same_kind {
            Some(m) if !self.o.perms && s.kind == Kind::File => m.mode,
            _ => self.want_mode(s, new),
        };
        let mtime = self.o.times.then_some(s.mtime);
        let atime = self.o.atimes.then_some((s.atime.0, 0));
        if !self.o.dry_run
            && let Some(d) = dfd
        {
            let written = match s.kind {
                Kind::File => self.write_file(&mut r, d, s, src_file, mode, uid, gid, atime, mtime),
                Kind::Link => self.write_other(
                    &mut r,
                    d,
                    s,
                    target.as_deref(),
                    mode,
                    uid,
                    gid,
                    atime,
                    mtime,
                ),
                _ => self.write_other(&mut r, d, s, None, mode, uid, gid, atime, mtime),
            };
            if !written {
                return r;
            }
        }
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
        self.announce(&mut r, s, &change, target.as_deref());
        r
    }

    fn announce(&self, r: &mut Res, s: &Src, change: &Change, target: Option<&[u8]>) {
        let o = self.o;
        let ty = s.kind.item();
        if o.itemize {
            if change.is_change() {
                r.out
                    .extend_from_slice(&itemize::line(&change.code(ty), &s.rel, ty, target, cs()));
            }
        } else if o.verbose > 0 && (change.new || change.transferred) {
            itemize::push_name(&mut r.out, &s.rel, cs());
            if let Some(t) = target {
                r.out.extend_from_slice(b" -> ");
                itemize::push_name(&mut r.out, t, cs());
            }
            r.out.push(b'\n');
        }
        if o.progress && s.kind == Kind::File && (change.new || change.transferred) {
            if o.verbose == 0 && !o.itemize {
                itemize::push_name(&mut r.out, &s.rel, cs());
                r.out.push(b'\n');
            }
            let _ = write!(
                r.out,
                "{:>15} 100%    0.00kB/s    0:00:00 (xfr#",
                crate::stats::commas(s.size)
            );
            r.xfr_at.push(r.out.len());
            r.out.extend_from_slice(b")\n");
        }
    }

    /// A DEST directory stands where SRC has a non-directory: remove it (its contents only
    /// with `--delete`, as rsync). Returns false (and reports) when it cannot.
    fn make_way(&self, r: &mut Res, d: &OwnedFd, s: &Src) -> bool {
        if self.o.delete {
            if self.delete_entry(r, d, &s.name, &s.rel, true, false) {
                return true;
            }
            let _ = writeln!(
                r.err,
                "could not make way for new {}: {}",
                what(s.kind),
                show(&s.rel)
            );
            r.partial = true;
            return false;
        }
        let empty = dest::open_dir(d.as_fd(), &s.name)
            .and_then(|f| dest::list(f.as_fd()))
            .map(|l| l.is_empty())
            .unwrap_or(false);
        if empty {
            if !self.o.dry_run
                && let Err(e) = dest::rmdir(d.as_fd(), &s.name)
            {
                r.io_error("rmdir", &s.rel, &e);
                return false;
            }
            return true;
        }
        // rsync prints this one on stdout, the next on stderr.
        let _ = writeln!(r.out, "cannot delete non-empty directory: {}", show(&s.rel));
        let _ = writeln!(
            r.err,
            "could not make way for new {}: {}",
            what(s.kind),
            show(&s.rel)
        );
        r.partial = true;
        false
    }

    /// With `-c`: is DEST's file (known to have `s`'s size) equal to `s`? `src` is `s`
    /// already open, if it is.
    fn same_content(
        &self,
        r: &mut Res,
        dfd: Option<&OwnedFd>,
        s: &Src,
        src: Option<fs::File>,
    ) -> bool {
        let Some(d) = dfd else { return false };
        let mut dst = match dest::open_file(d.as_fd(), &s.name) {
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
            && (t.secs, t.nanos) != s.mtime
        {
            return None;
        }
        e.sha256
    }

    #[allow(clippy::too_many_arguments)]
    fn fix_attrs(
        &self,
        r: &mut Res,
        dfd: Option<&OwnedFd>,
        s: &Src,
        m: &Meta,
        uid: Option<u32>,
        gid: Option<u32>,
        target: Option<&[u8]>,
    ) {
        let o = self.o;
        let want = self.want_mode(s, false);
        let is_link = s.kind == Kind::Link;
        let change = Change {
            time: (o.times && m.mtime.0 != s.mtime.0).then_some(true),
            perms: o.perms && !is_link && want != m.mode,
            owner: uid.is_some_and(|u| u != m.uid),
            group: gid.is_some_and(|g| g != m.gid),
            atime: o.atimes && m.atime.0 != s.atime.0,
            ..Default::default()
        };
        // rsync also corrects sub-second mtime differences it does not itemize, except for
        // regular files judged by the quick check (equal seconds = "up to date").
        let set_mtime = o.times
            && (change.time.is_some()
                || (m.mtime != s.mtime && (o.checksum || s.kind != Kind::File)));
        if !o.dry_run
            && let Some(d) = dfd
        {
            let name = &s.name;
            if (change.owner || change.group)
                && let Err(e) = dest::chown(
                    d.as_fd(),
                    name,
                    uid.filter(|_| change.owner),
                    gid.filter(|_| change.group),
                )
            {
                r.io_error("chown", &s.rel, &e);
            }
            if (change.perms || ((change.owner || change.group) && o.perms && !is_link))
                && let Err(e) = dest::chmod(d.as_fd(), name, m.ty, want)
            {
                r.io_error("chmod", &s.rel, &e);
            }
            // rsync carries atimes in whole seconds and resets any sub-second remainder
            // (without itemizing it).
            let atime = (o.atimes && m.atime != (s.atime.0, 0)).then_some((s.atime.0, 0));
            let mtime = set_mtime.then_some(s.mtime);
            if let Err(e) = dest::set_times(d.as_fd(), name, atime, mtime) {
                r.io_error("set times", &s.rel, &e);
            }
        }
        self.announce(r, s, &change, target);
    }

    #[allow(clippy::too_many_arguments)]
    fn write_file(
        &self,
        r: &mut Res,
        d: &OwnedFd,
        s: &Src,
        src: Option<fs::File>,
        mode: u32,
        uid: Option<u32>,
        gid: Option<u32>,
        atime: Option<(i64, u32)>,
        mtime: Option<(i64, u32)>,
    ) -> bool {
        let Some(mut src) = open_source(r, s, src) else {
            return false;
        };
        let (mut tmp, tmp_name) = match dest::create_temp(d.as_fd(), &s.name) {
            Ok(t) => t,
            Err(e) => {
                r.io_error("mkstemp", &s.rel, &e);
                return false;
            }
        };
        let result = (|| -> io::Result<Copied> {
            let copied = copy_consistent(&mut src, &mut tmp)?;
            if copied == Copied::Changing {
                return Ok(copied);
            }
            dest::chown_fd(tmp.as_fd(), uid, gid)?;
            dest::chmod_fd(tmp.as_fd(), mode)?;
            let mtime = match copied {
                Copied::Read(m) => mtime.map(|_| m),
                Copied::Changing => mtime,
            };
            dest::set_times_fd(tmp.as_fd(), atime, mtime)?;
            dest::rename(d.as_fd(), &tmp_name, &s.name)?;
            Ok(copied)
        })();
        match result {
            Ok(Copied::Read(_)) => true,
            Ok(Copied::Changing) => {
                let _ = dest::unlink(d.as_fd(), &tmp_name);
                let _ = writeln!(
                    r.err,
                    "file has changed during the transfer: \"{}\" (left as it was)",
                    show(&s.rel)
                );
                r.vanished = true;
                false
            }
            Err(e) => {
                let _ = dest::unlink(d.as_fd(), &tmp_name);
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG)
                ) {
                    // As rsync's receiver: no room in DEST ends the run (exit 11).
                    let _ = writeln!(r.err, "treesync: write failed on \"{}\": {e}", show(&s.rel));
                    r.fatal = true;
                    self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                } else {
                    r.io_error("write", &s.rel, &e);
                }
                false
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_other(
        &self,
        r: &mut Res,
        d: &OwnedFd,
        s: &Src,
        target: Option<&[u8]>,
        mode: u32,
        uid: Option<u32>,
        gid: Option<u32>,
        atime: Option<(i64, u32)>,
        mtime: Option<(i64, u32)>,
    ) -> bool {
        let made = match target {
            Some(t) => dest::symlink_temp(d.as_fd(), &s.name, t),
            None => dest::mknod_temp(d.as_fd(), &s.name, s.ft, mode, s.rdev),
        };
        let tmp_name = match made {
            Ok(n) => n,
            Err(e) => {
                r.io_error(
                    if target.is_some() { "symlink" } else { "mknod" },
                    &s.rel,
                    &e,
                );
                return false;
            }
        };
        let result = (|| -> io::Result<()> {
            dest::chown(d.as_fd(), &tmp_name, uid, gid)?;
            if target.is_none() {
                dest::chmod(d.as_fd(), &tmp_name, s.ft, mode)?;
            }
            dest::set_times(d.as_fd(), &tmp_name, atime, mtime)?;
            dest::rename(d.as_fd(), &tmp_name, &s.name)
        })();
        if let Err(e) = result {
            let _ = dest::unlink(d.as_fd(), &tmp_name);
            r.io_error("create", &s.rel, &e);
            return false;
        }
        true
    }
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

/// What [`copy_consistent`] copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    /// A consistent read: the source's size, mtime and ctime were the same before and after
    /// it; carries that mtime.
    Read((i64, u32)),
    /// The source kept changing while it was read (every attempt); nothing usable copied.
    Changing,
}

/// How often a source file that changes while it is copied is read again.
const COPY_ATTEMPTS: usize = 3;

/// Copy `src` into `dst` (both at offset 0) so that what lands in `dst` is one consistent
/// read of `src`: its `fstat` (size, mtime, ctime) is the same before and after the copy and
/// the bytes copied equal that size. A file that grows or is rewritten during the copy is read
/// again from the start, a few times; rsync instead copies whatever it happened to read.
fn copy_consistent(src: &mut fs::File, dst: &mut fs::File) -> io::Result<Copied> {
    use std::io::Seek;
    /// Size, mtime and ctime.
    type Stamp = (u64, (i64, u32), (i64, u32));
    let stamp = |f: &fs::File| -> io::Result<Stamp> {
        let st = rustix::fs::fstat(f)?;
        let m = Meta::from(st);
        #[allow(clippy::unnecessary_cast)]
        Ok((
            m.size,
            m.mtime,
            (st.st_ctime as i64, st.st_ctime_nsec as u32),
        ))
    };
    for attempt in 0..COPY_ATTEMPTS {
        if attempt > 0 {
            src.seek(io::SeekFrom::Start(0))?;
            dst.seek(io::SeekFrom::Start(0))?;
            dst.set_len(0)?;
        }
        let before = stamp(src)?;
        let n = fstree::content::copy(src, dst)?;
        if n == before.0 && stamp(src)? == before {
            return Ok(Copied::Read(before.1));
        }
    }
    Ok(Copied::Changing)
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

/// How many non-directories one pool job handles (one directory's files are split into such
/// chunks so that both cores share a large directory).
const JOB_FILES: usize = 16;

/// What a directory needs once its contents are done.
struct DirPlan {
    change: Change,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime: Option<(i64, u32)>,
}

/// Open a directory by path (following a symlink, as a command-line `src/` or DEST does).
fn open_dir_path(p: &Path) -> io::Result<OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    Ok(
        match rustix::fs::open(p, flags | OFlags::NOATIME, Mode::empty()) {
            Err(rustix::io::Errno::PERM) => rustix::fs::open(p, flags, Mode::empty()),
            other => other,
        }?,
    )
}

fn open_root(p: &Path) -> Result<OwnedFd, Error> {
    open_dir_path(p).map_err(|e| Error::Dest {
        op: "open",
        path: p.to_path_buf(),
        source: e,
    })
}

trait IntoVecBytes {
    fn into_vec_bytes(self) -> Vec<u8>;
}

impl IntoVecBytes for OsString {
    fn into_vec_bytes(self) -> Vec<u8> {
        std::os::unix::ffi::OsStringExt::into_vec(self)
    }
}

/// `s` opened for reading (or `src`, when it already is), reporting a file that vanished
/// (exit 24) or cannot be opened (exit 23) as rsync words them.
fn open_source(r: &mut Res, s: &Src, src: Option<fs::File>) -> Option<fs::File> {
    match src.map_or_else(|| s.open(), Ok) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            r.vanished(&s.rel);
            None
        }
        Err(e) => {
            r.io_error("send_files failed to open", &s.rel, &e);
            None
        }
    }
}
