//! Making a snapshot (and a manifest) of a tree.
//!
//! The walk runs on one thread and creates directories and symlinks as it goes; regular files
//! are gathered in batches that rayon copies in parallel; the manifest lines of a batch are then
//! written in walk order, so the output is the same whatever the parallelism. Directories are
//! created owner-writable and get their real mode and times last, deepest first, so setting a
//! directory's time is never undone by writing into it. Memory is bounded by the batch size
//! plus one record per directory and per hard-linked file.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fstree::dir::{chmod_fd, chown_fd, set_times_fd};
use fstree::error::Context;
use fstree::walk::Found;
use fstree::{
    Atime, Dir, DirCache, Entry, Exclude, Kind, Op, Root, Timestamp, Walk, content, manifest,
};
use rayon::prelude::*;

/// How to snapshot.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Stamp every entry with this time instead of its own (`--mtime`).
    pub mtime: Option<Timestamp>,
    /// Drop all write bits after copying (`--read-only`).
    pub read_only: bool,
    /// Entries to leave out (`-x`).
    pub exclude: Exclude,
    /// Compute SHA-256 digests for a manifest.
    pub hash: bool,
    /// (device, inode) of files and directories to leave out: the snapshot's own temporary
    /// directory and manifest when they are inside the source.
    pub skip: Vec<(u64, u64)>,
}

/// What a finished run saw besides the copy itself.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sockets, FIFOs and devices that were skipped (paths relative to the source).
    pub skipped: Vec<(PathBuf, Kind)>,
    /// Regular files copied (hard links counted once).
    pub files: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// Why a snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapError {
    /// The source is missing or not a directory.
    #[error("source {} is not a directory", fstree::error::display_path(.0))]
    SourceNotDir(PathBuf),
    /// The destination's parent directory does not exist.
    #[error("the parent directory of destination {} does not exist", fstree::error::display_path(.0))]
    NoParent(PathBuf),
    /// The destination exists and is not an empty directory.
    #[error("destination {} already exists and is not an empty directory", fstree::error::display_path(.0))]
    DestExists(PathBuf),
    /// An I/O error on one path.
    #[error(transparent)]
    Io(#[from] fstree::Error),
    /// Writing the manifest failed.
    #[error("cannot write manifest")]
    Manifest(#[source] io::Error),
    /// SIGINT, SIGTERM or SIGHUP asked the run to stop (the partial snapshot is removed).
    #[error("interrupted by signal {0}")]
    Interrupted(i32),
}

/// Stops the run when a signal asked it to ([`toolkit::signals`]).
fn check_signals() -> Result<(), SnapError> {
    match toolkit::signals::caught() {
        Some(sig) => Err(SnapError::Interrupted(sig)),
        None => Ok(()),
    }
}

const BATCH: usize = 1024;

/// Copies `src` into the new directory `dest`, writing manifest lines to `manifest` when given.
/// `progress` is called with the number of files done so far.
pub fn snapshot(
    src: &Path,
    dest: &Path,
    opts: &Options,
    manifest: Option<&mut dyn Write>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, SnapError> {
    check_source(src)?;
    // `.` or `..` have no name to build a sibling from: use the directory's real path.
    let named;
    let dest = if dest.file_name().is_none() {
        named = std::fs::canonicalize(dest).ctx(Op::Stat, dest)?;
        named.as_path()
    } else {
        dest
    };
    let parent = dest_parent(dest);
    if !parent.is_dir() {
        return Err(SnapError::NoParent(dest.to_path_buf()));
    }
    let empty_dest = match std::fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(fstree::Error::new(Op::Stat, dest, e).into()),
        Ok(m) if m.is_dir() && is_empty_but_for(dest, &opts.skip)? => true,
        Ok(_) => return Err(SnapError::DestExists(dest.to_path_buf())),
    };
    remove_stale_siblings(dest);
    let tmp = temp_sibling(dest);
    std::fs::create_dir(&tmp).ctx(Op::Mkdir, &tmp)?;
    let guard = RemoveOnDrop(Some(tmp.clone()));
    let root = Root::open(&tmp)?;
    let mut opts = opts.clone();
    opts.skip.extend(same_file_id(&tmp));
    if empty_dest {
        opts.skip.extend(same_file_id(dest));
    }
    let outcome = copy_tree(src, &root, &opts, manifest, progress)?;
    drop(root);
    std::fs::rename(&tmp, dest).ctx(Op::Rename, dest)?;
    std::mem::forget(guard);
    Ok(outcome)
}

/// Writes the manifest of `src` without copying it.
pub fn manifest_only(
    src: &Path,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<Outcome, SnapError> {
    check_source(src)?;
    let mut w = manifest::Writer::new(out).map_err(SnapError::Manifest)?;
    let mut outcome = Outcome::default();
    let mut batch: Vec<Found> = Vec::with_capacity(BATCH);
    let mut held = 0;
    for found in Walk::with_exclude(src, opts.exclude.clone()) {
        check_signals()?;
        let found = found?;
        if found.depth > 0 && opts.skip.contains(&(found.dev, found.ino)) {
            continue;
        }
        if !found.kind.is_supported() {
            outcome.skipped.push((found.path.clone(), found.kind));
            continue;
        }
        if batch
            .last()
            .is_none_or(|l| l.path.parent() != found.path.parent())
        {
            held += 1;
        }
        batch.push(found);
        if batch.len() >= BATCH || held >= BATCH_DIRS {
            hash_batch(src, &mut batch, &mut w, &mut outcome, opts)?;
            held = 0;
        }
    }
    hash_batch(src, &mut batch, &mut w, &mut outcome, opts)?;
    w.finish().map_err(SnapError::Manifest)?;
    Ok(outcome)
}

/// Hashes the batch's files in parallel (each read in the directory the walk found it in),
/// then writes their manifest lines in walk order.
fn hash_batch(
    src: &Path,
    batch: &mut Vec<Found>,
    w: &mut manifest::Writer<&mut dyn Write>,
    outcome: &mut Outcome,
    opts: &Options,
) -> Result<(), SnapError> {
    let digests: Vec<Result<Option<[u8; 32]>, fstree::Error>> = batch
        .par_iter()
        .map(|found| {
            if found.kind != Kind::File {
                return Ok(None);
            }
            let p = src.join(&found.path);
            let mut f = open_source(&found.dir, &found.name, found, &p)?;
            let (d, n) = content::copy_and_hash(&mut f, &mut io::sink()).ctx(Op::Read, &p)?;
            if n != found.size {
                return Err(changed_while_read(&p));
            }
            Ok(Some(d))
        })
        .collect();
    for (found, d) in batch.drain(..).zip(digests) {
        let d = d?;
        if found.kind == Kind::File {
            outcome.files += 1;
            outcome.bytes += found.size;
        }
        w.entry(&shown(&found.entry, opts), d.as_ref())
            .map_err(SnapError::Manifest)?;
    }
    Ok(())
}

/// True when `dir` holds nothing but entries in `skip` (snap's own manifest temporary).
fn is_empty_but_for(dir: &Path, skip: &[(u64, u64)]) -> Result<bool, SnapError> {
    for e in std::fs::read_dir(dir).ctx(Op::ReadDir, dir)? {
        let e = e.ctx(Op::ReadDir, dir)?;
        let m = e.metadata().ctx(Op::Stat, &e.path())?;
        if !skip.contains(&(m.dev(), m.ino())) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn check_source(src: &Path) -> Result<(), SnapError> {
    match std::fs::metadata(src) {
        Ok(m) if m.is_dir() => Ok(()),
        _ => Err(SnapError::SourceNotDir(src.to_path_buf())),
    }
}

/// What to do with one walked entry once its batch is processed.
enum Job {
    Copy,
    HardLink(PathBuf),
    Done,
}

/// One walked entry on its way into the batch.
struct Item {
    entry: Entry,
    job: Job,
    /// For a file to copy: the source directory the walk found it in, and its name there.
    src: Option<(Dir, OsString)>,
    /// The destination directory it goes into (none for the root itself).
    dest: Option<Dir>,
}

/// Directories a batch may hold open (source and destination each) before it is run: the
/// batch keeps the directories of its files open, and a tree of many directories holding
/// one file each must not run out of descriptors.
const BATCH_DIRS: usize = 128;

/// First path and digest of each hard-linked file seen, by (device, inode).
type HardLinks = HashMap<(u64, u64), (PathBuf, Option<[u8; 32]>)>;

/// The state of one copy run.
struct Copier<'a> {
    src: &'a Path,
    root: &'a Root,
    opts: &'a Options,
    am_root: bool,
    links: HardLinks,
    outcome: Outcome,
    done: AtomicU64,
    progress: &'a (dyn Fn(u64) + Sync),
}

/// The batch being filled, and how many directories its items hold.
struct Batch {
    items: Vec<Item>,
    dirs: usize,
    last_parent: Option<PathBuf>,
}

impl Batch {
    fn push(&mut self, item: Item) {
        let parent = item.entry.path.parent().map(Path::to_path_buf);
        if item.src.is_some() && parent != self.last_parent {
            self.dirs += 1;
            self.last_parent = parent;
        }
        self.items.push(item);
    }

    fn full(&self) -> bool {
        self.items.len() >= BATCH || self.dirs >= BATCH_DIRS
    }
}

fn copy_tree(
    src: &Path,
    root: &Root,
    opts: &Options,
    manifest: Option<&mut dyn Write>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, SnapError> {
    let mut w = match manifest {
        Some(m) => Some(manifest::Writer::new(m).map_err(SnapError::Manifest)?),
        None => None,
    };
    let mut c = Copier {
        src,
        root,
        opts,
        am_root: rustix::process::geteuid().is_root(),
        links: HashMap::new(),
        outcome: Outcome::default(),
        done: AtomicU64::new(0),
        progress,
    };
    // Destination directories, each opened from its parent: depth costs nothing per entry.
    let dests = DirCache::new(root.dir().clone());
    let mut dirs: Vec<Entry> = Vec::new();
    let mut batch = Batch {
        items: Vec::with_capacity(BATCH),
        dirs: 0,
        last_parent: None,
    };
    let mut walk = Walk::with_exclude(src, opts.exclude.clone());
    while let Some(found) = walk.next() {
        check_signals()?;
        let found = found?;
        if found.depth > 0 && opts.skip.contains(&(found.dev, found.ino)) {
            if found.kind == Kind::Dir {
                walk.skip_current_dir();
            }
            continue;
        }
        if let Some(item) = c.place(found, &dests, &mut dirs)? {
            batch.push(item);
        }
        if batch.full() {
            c.run_batch(&mut batch, &dests, w.as_mut())?;
        }
    }
    c.run_batch(&mut batch, &dests, w.as_mut())?;
    c.finish_dirs(&dirs, &dests)?;
    if let Some(w) = w {
        w.finish().map_err(SnapError::Manifest)?;
    }
    Ok(c.outcome)
}

impl Copier<'_> {
    /// Makes what can be made at once (a directory, a symlink) and says what remains to do
    /// for the entry; `None` for an entry that is skipped.
    fn place(
        &mut self,
        found: Found,
        dests: &DirCache,
        dirs: &mut Vec<Entry>,
    ) -> Result<Option<Item>, SnapError> {
        let full = self.root.display(&found.path);
        let dest = match found.path.parent().filter(|_| found.depth > 0) {
            Some(parent) => Some(dests.get(parent).ctx(Op::Open, &full)?),
            None => None,
        };
        let job = match (found.kind, &dest) {
            (Kind::Dir, Some(dir)) => {
                dir.mkdir(&found.name, 0o700).ctx(Op::Mkdir, &full)?;
                dirs.push(found.entry.clone());
                Job::Done
            }
            (Kind::Dir, None) => {
                dirs.push(found.entry.clone());
                Job::Done
            }
            (Kind::Symlink, Some(dir)) => {
                self.symlink(dir, &found.name, &found)?;
                Job::Done
            }
            (Kind::File, Some(_)) if found.nlink > 1 => {
                match self.links.get(&(found.dev, found.ino)) {
                    Some((first, _)) => Job::HardLink(first.clone()),
                    None => {
                        let first = (found.path.clone(), None);
                        self.links.insert((found.dev, found.ino), first);
                        Job::Copy
                    }
                }
            }
            (Kind::File, Some(_)) => Job::Copy,
            (other, _) => {
                self.outcome.skipped.push((found.path.clone(), other));
                return Ok(None);
            }
        };
        let src = matches!(job, Job::Copy).then(|| (found.dir.clone(), found.name.clone()));
        Ok(Some(Item {
            entry: found.entry,
            job,
            src,
            dest,
        }))
    }

    fn symlink(&self, dir: &Dir, name: &OsStr, e: &Entry) -> Result<(), fstree::Error> {
        let full = self.root.display(&e.path);
        let target = e.link.clone().unwrap_or_default();
        dir.symlink(target.as_os_str(), name)
            .ctx(Op::Symlink, &full)?;
        if self.am_root {
            dir.chown(name, Some(e.uid), Some(e.gid))
                .ctx(Op::Chown, &full)?;
        }
        let t = self.opts.mtime.unwrap_or(e.mtime);
        let a = self.opts.mtime.unwrap_or(e.atime);
        dir.set_times(name, Some(a), Some(t))
            .ctx(Op::SetTimes, &full)
    }

    /// Copies the batch's files in parallel, then (in walk order) makes its hard links and
    /// writes its manifest lines.
    fn run_batch(
        &mut self,
        batch: &mut Batch,
        dests: &DirCache,
        mut w: Option<&mut manifest::Writer<&mut dyn Write>>,
    ) -> Result<(), SnapError> {
        let this = &*self;
        let results: Vec<Result<Option<[u8; 32]>, fstree::Error>> = batch
            .items
            .par_iter()
            .map(|item| match (&item.job, &item.src, &item.dest) {
                // A signal: copy nothing more (the batch's results are then thrown away).
                _ if toolkit::signals::caught().is_some() => Ok(None),
                (Job::Copy, Some(src), Some(dest)) => {
                    let d = this.copy_file(&item.entry, src, dest)?;
                    (this.progress)(this.done.fetch_add(1, Ordering::Relaxed) + 1);
                    Ok(d)
                }
                _ => Ok(None),
            })
            .collect();
        check_signals()?;
        batch.dirs = 0;
        batch.last_parent = None;
        for (item, r) in batch.items.drain(..).zip(results) {
            let (e, mut digest) = (item.entry, r?);
            match (item.job, &item.dest) {
                (Job::Copy, _) => {
                    self.outcome.files += 1;
                    self.outcome.bytes += e.size;
                    if let Some(slot) = self.links.get_mut(&(e.dev, e.ino)) {
                        slot.1 = digest;
                    }
                }
                (Job::HardLink(first), Some(dest)) => {
                    self.hard_link(dests, &first, dest, &e)?;
                    digest = self.links.get(&(e.dev, e.ino)).and_then(|s| s.1);
                }
                _ => {}
            }
            if let Some(w) = w.as_deref_mut() {
                w.entry(&shown(&e, self.opts), digest.as_ref())
                    .map_err(SnapError::Manifest)?;
            }
        }
        Ok(())
    }

    fn hard_link(
        &self,
        dests: &DirCache,
        first: &Path,
        dest: &Dir,
        e: &Entry,
    ) -> Result<(), fstree::Error> {
        let full = self.root.display(&e.path);
        let name = e.path.file_name().unwrap_or_default();
        let (dir, first_name) = dests.parent(first).ctx(Op::HardLink, &full)?;
        dir.hard_link(first_name, dest, name)
            .ctx(Op::HardLink, &full)
    }

    /// Directories last, deepest first: mode and times once nothing more is written in them.
    fn finish_dirs(&self, dirs: &[Entry], dests: &DirCache) -> Result<(), fstree::Error> {
        let opts = self.opts;
        for d in dirs.iter().rev() {
            let (atime, mtime) = (opts.mtime.unwrap_or(d.atime), opts.mtime.unwrap_or(d.mtime));
            let mode = final_mode(d.mode, opts);
            if d.path.as_os_str().is_empty() {
                if self.am_root {
                    self.root.chown(&d.path, Some(d.uid), Some(d.gid))?;
                }
                self.root.set_mode(&d.path, mode)?;
                self.root.set_times(&d.path, Some(atime), Some(mtime))?;
                continue;
            }
            let full = self.root.display(&d.path);
            let (dir, name) = dests.parent(&d.path).ctx(Op::Open, &full)?;
            if self.am_root {
                dir.chown(name, Some(d.uid), Some(d.gid))
                    .ctx(Op::Chown, &full)?;
            }
            dir.chmod(name, mode).ctx(Op::Chmod, &full)?;
            dir.set_times(name, Some(atime), Some(mtime))
                .ctx(Op::SetTimes, &full)?;
        }
        Ok(())
    }

    fn copy_file(
        &self,
        e: &Entry,
        (src_dir, name): &(Dir, OsString),
        dest: &Dir,
    ) -> Result<Option<[u8; 32]>, fstree::Error> {
        let from = self.src.join(&e.path);
        let mut input = open_source(src_dir, name, e, &from)?;
        let dest_name = self.root.display(&e.path);
        let mut out = dest.create_new(name, 0o600).ctx(Op::Create, &dest_name)?;
        let (digest, copied) = if self.opts.hash {
            let mut bw = io::BufWriter::with_capacity(256 * 1024, &mut out);
            let (d, n) = content::copy_and_hash(&mut input, &mut bw)
                .map_err(|err| copy_error(&from, &dest_name, err))?;
            bw.flush().ctx(Op::Write, &dest_name)?;
            drop(bw);
            (Some(d), n)
        } else {
            let n = content::copy(&mut input, &mut out)
                .map_err(|err| copy_error(&from, &dest_name, err))?;
            (None, n)
        };
        if copied != e.size {
            return Err(changed_while_read(&from));
        }
        if self.am_root {
            chown_fd(&out, Some(e.uid), Some(e.gid)).ctx(Op::Chown, &dest_name)?;
        }
        chmod_fd(&out, final_mode(e.mode, self.opts)).ctx(Op::Chmod, &dest_name)?;
        let t = self.opts.mtime.unwrap_or(e.mtime);
        let a = self.opts.mtime.unwrap_or(e.atime);
        set_times_fd(&out, Some(a), Some(t)).ctx(Op::SetTimes, &dest_name)?;
        Ok(digest)
    }
}

/// A file whose size changed between the walk and the read (it is being written to): the
/// snapshot would hold neither its old nor a settled new state, so the run fails, naming it.
fn changed_while_read(p: &Path) -> fstree::Error {
    fstree::Error::new(
        Op::Copy,
        p,
        io::Error::other("file changed size while being read"),
    )
}

/// A read error names the source, a write error (e.g. a full disk) the destination.
fn copy_error(from: &Path, to: &Path, err: io::Error) -> fstree::Error {
    use rustix::io::Errno;
    let is_write = matches!(
        Errno::from_io_error(&err),
        Some(Errno::NOSPC | Errno::DQUOT | Errno::FBIG | Errno::ROFS)
    );
    if is_write {
        fstree::Error::new(Op::Write, to, err)
    } else {
        fstree::Error::new(Op::Copy, from, err)
    }
}

/// Opens the walked file `e` in the directory the walk found it in (never through a symlink, no
/// blocking on a FIFO) and checks it is still the object the walk saw, so a tree changed under
/// snap cannot make it copy something else (e.g. a file outside SRC) under `e`'s name.
fn open_source(dir: &Dir, name: &OsStr, e: &Entry, from: &Path) -> Result<File, fstree::Error> {
    let (f, m) = dir.open_file(name, Atime::Update).ctx(Op::Open, from)?;
    if (m.dev, m.ino) != (e.dev, e.ino) {
        return Err(fstree::Error::new(
            Op::Open,
            from,
            io::Error::other("replaced while being copied"),
        ));
    }
    Ok(f)
}

fn final_mode(mode: u32, opts: &Options) -> u32 {
    if opts.read_only { mode & !0o222 } else { mode }
}

/// The entry as the snapshot holds it (and its manifest line says): `--mtime` and
/// `--read-only` applied (symlinks keep their mode: Linux links have none to change).
fn shown(e: &Entry, opts: &Options) -> Entry {
    let mut e = e.clone();
    if let Some(t) = opts.mtime {
        e.mtime = t;
    }
    if e.kind != Kind::Symlink {
        e.mode = final_mode(e.mode, opts);
    }
    e
}

/// `.NAME.snap-` for DEST `.../NAME`: the start of every temporary sibling's name.
fn temp_prefix(dest: &Path) -> Vec<u8> {
    let name = dest
        .file_name()
        .map(|n| n.as_bytes().to_vec())
        .unwrap_or_else(|| b"snapshot".to_vec());
    let mut tmp = b".".to_vec();
    tmp.extend_from_slice(&name[..name.len().min(180)]);
    tmp.extend_from_slice(b".snap-");
    tmp
}

fn dest_parent(dest: &Path) -> &Path {
    dest.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn temp_sibling(dest: &Path) -> PathBuf {
    let mut tmp = temp_prefix(dest);
    tmp.extend_from_slice(format!("{}.tmp~", std::process::id()).as_bytes());
    dest_parent(dest).join(OsString::from(std::ffi::OsStr::from_bytes(&tmp)))
}

/// Removes temporary siblings left by snaps of the same DEST that were killed (their process
/// is gone), so re-running after a crash converges instead of piling up hidden copies.
fn remove_stale_siblings(dest: &Path) {
    let prefix = temp_prefix(dest);
    let Ok(dir) = std::fs::read_dir(dest_parent(dest)) else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.as_bytes().strip_prefix(&prefix[..]) else {
            continue;
        };
        let Some(pid) = rest
            .strip_suffix(b".tmp~")
            .and_then(|p| std::str::from_utf8(p).ok())
        else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            drop(RemoveOnDrop(Some(entry.path())));
        }
    }
}

fn same_file_id(p: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(p)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Removes a half-built snapshot when the run fails.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            make_writable(&p);
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}

fn make_writable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in walkdir_dirs(p) {
        let _ = std::fs::set_permissions(&e, std::fs::Permissions::from_mode(0o700));
    }
}

fn walkdir_dirs(p: &Path) -> Vec<PathBuf> {
    Walk::new(p)
        .filter_map(Result::ok)
        .filter(|e| e.kind == Kind::Dir)
        .map(|e| p.join(&e.entry.path))
        .collect()
}
