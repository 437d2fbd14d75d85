//! Making a snapshot (and a manifest) of a tree.
//!
//! The walk runs on one thread and creates directories and symlinks as it goes; regular files
//! are gathered in batches that rayon copies in parallel; the manifest lines of a batch are then
//! written in walk order, so the output is the same whatever the parallelism. Directories are
//! created owner-writable and get their real mode and times last, deepest first, so setting a
//! directory's time is never undone by writing into it. Memory is bounded by the batch size
//! plus one record per directory and per hard-linked file.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use fstree::error::Context;
use fstree::{Entry, Exclude, Kind, Op, Root, Timestamp, Walk, content, manifest};
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
    let src_root = Root::open(src)?;
    let mut w = manifest::Writer::new(out).map_err(SnapError::Manifest)?;
    let mut outcome = Outcome::default();
    let mut batch: Vec<Entry> = Vec::with_capacity(BATCH);
    let flush = |batch: &mut Vec<Entry>,
                 w: &mut manifest::Writer<&mut dyn Write>,
                 outcome: &mut Outcome| {
        let digests: Vec<Result<Option<[u8; 32]>, fstree::Error>> = batch
            .par_iter()
            .map(|e| {
                if e.kind != Kind::File {
                    return Ok(None);
                }
                let mut f = open_source(&src_root, e)?;
                let p = src.join(&e.path);
                let (d, n) = content::copy_and_hash(&mut f, &mut io::sink()).ctx(Op::Read, &p)?;
                if n != e.size {
                    return Err(changed_while_read(&p));
                }
                Ok(Some(d))
            })
            .collect();
        for (e, d) in batch.drain(..).zip(digests) {
            let d = d?;
            if e.kind == Kind::File {
                outcome.files += 1;
                outcome.bytes += e.size;
            }
            w.entry(&shown(&e, opts), d.as_ref())
                .map_err(SnapError::Manifest)?;
        }
        Ok::<(), SnapError>(())
    };
    for e in Walk::with_exclude(src, opts.exclude.clone()) {
        let e = e?;
        if e.depth > 0 && opts.skip.contains(&(e.dev, e.ino)) {
            continue;
        }
        if !e.kind.is_supported() {
            outcome.skipped.push((e.path.clone(), e.kind));
            continue;
        }
        batch.push(e.entry);
        if batch.len() >= BATCH {
            flush(&mut batch, &mut w, &mut outcome)?;
        }
    }
    flush(&mut batch, &mut w, &mut outcome)?;
    w.finish().map_err(SnapError::Manifest)?;
    Ok(outcome)
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

/// First path and digest of each hard-linked file seen, by (device, inode).
type HardLinks = HashMap<(u64, u64), (PathBuf, Option<[u8; 32]>)>;

/// The state of one copy run.
struct Copier<'a> {
    src: &'a Path,
    src_root: &'a Root,
    root: &'a Root,
    opts: &'a Options,
    am_root: bool,
    links: HardLinks,
    outcome: Outcome,
    done: AtomicU64,
    progress: &'a (dyn Fn(u64) + Sync),
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
    let src_root = Root::open(src)?;
    let mut c = Copier {
        src,
        src_root: &src_root,
        root,
        opts,
        am_root: rustix::process::geteuid().is_root(),
        links: HashMap::new(),
        outcome: Outcome::default(),
        done: AtomicU64::new(0),
        progress,
    };
    let mut dirs: Vec<Entry> = Vec::new();
    let mut batch: Vec<(Entry, Job)> = Vec::with_capacity(BATCH);

    let mut walk = Walk::with_exclude(src, opts.exclude.clone());
    while let Some(e) = walk.next() {
        let e = e?;
        if e.depth > 0 && opts.skip.contains(&(e.dev, e.ino)) {
            if e.kind == Kind::Dir {
                walk.skip_current_dir();
            }
            continue;
        }
        let job = match e.kind {
            Kind::Dir => {
                if e.depth > 0 {
                    root.mkdir(&e.path, 0o700)?;
                }
                dirs.push(e.entry.clone());
                Job::Done
            }
            Kind::Symlink => {
                c.symlink(&e)?;
                Job::Done
            }
            Kind::File if e.nlink > 1 => match c.links.get(&(e.dev, e.ino)) {
                Some((first, _)) => Job::HardLink(first.clone()),
                None => {
                    c.links.insert((e.dev, e.ino), (e.path.clone(), None));
                    Job::Copy
                }
            },
            Kind::File => Job::Copy,
            other => {
                c.outcome.skipped.push((e.path.clone(), other));
                continue;
            }
        };
        batch.push((e.entry, job));
        if batch.len() >= BATCH {
            c.run_batch(&mut batch, w.as_mut())?;
        }
    }
    c.run_batch(&mut batch, w.as_mut())?;

    // Directories last, deepest first: mode and times once nothing more is written in them.
    for d in dirs.iter().rev() {
        if c.am_root {
            root.chown(&d.path, Some(d.uid), Some(d.gid))?;
        }
        root.set_mode(&d.path, final_mode(d.mode, opts))?;
        root.set_times(
            &d.path,
            Some(opts.mtime.unwrap_or(d.atime)),
            Some(opts.mtime.unwrap_or(d.mtime)),
        )?;
    }
    if let Some(w) = w {
        w.finish().map_err(SnapError::Manifest)?;
    }
    Ok(c.outcome)
}

impl Copier<'_> {
    fn symlink(&self, e: &Entry) -> Result<(), fstree::Error> {
        let target = e.link.clone().unwrap_or_default();
        self.root.symlink(&e.path, &target)?;
        if self.am_root {
            self.root.chown(&e.path, Some(e.uid), Some(e.gid))?;
        }
        let t = self.opts.mtime.unwrap_or(e.mtime);
        let a = self.opts.mtime.unwrap_or(e.atime);
        self.root.set_times(&e.path, Some(a), Some(t))
    }

    /// Copies the batch's files in parallel, then (in walk order) makes its hard links and
    /// writes its manifest lines.
    fn run_batch(
        &mut self,
        batch: &mut Vec<(Entry, Job)>,
        mut w: Option<&mut manifest::Writer<&mut dyn Write>>,
    ) -> Result<(), SnapError> {
        let this = &*self;
        let results: Vec<Result<Option<[u8; 32]>, fstree::Error>> = batch
            .par_iter()
            .map(|(e, job)| match job {
                Job::Copy => {
                    let d = copy_file(
                        this.src,
                        this.src_root,
                        this.root,
                        e,
                        this.opts,
                        this.am_root,
                    )?;
                    (this.progress)(this.done.fetch_add(1, Ordering::Relaxed) + 1);
                    Ok(d)
                }
                _ => Ok(None),
            })
            .collect();
        for ((e, job), r) in batch.drain(..).zip(results) {
            let mut digest = r?;
            match job {
                Job::Copy => {
                    self.outcome.files += 1;
                    self.outcome.bytes += e.size;
                    if let Some(slot) = self.links.get_mut(&(e.dev, e.ino)) {
                        slot.1 = digest;
                    }
                }
                Job::HardLink(first) => {
                    self.root.hard_link(&first, &e.path)?;
                    digest = self.links.get(&(e.dev, e.ino)).and_then(|s| s.1);
                }
                Job::Done => {}
            }
            if let Some(w) = w.as_deref_mut() {
                w.entry(&shown(&e, self.opts), digest.as_ref())
                    .map_err(SnapError::Manifest)?;
            }
        }
        Ok(())
    }
}

fn copy_file(
    src: &Path,
    src_root: &Root,
    root: &Root,
    e: &Entry,
    opts: &Options,
    am_root: bool,
) -> Result<Option<[u8; 32]>, fstree::Error> {
    let from = src.join(&e.path);
    let mut input = open_source(src_root, e)?;
    let dest_name = root.display(&e.path);
    let mut out = root.create_new(&e.path, 0o600)?;
    let (digest, copied) = if opts.hash {
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
    if am_root {
        rustix::fs::fchown(
            &out,
            Some(rustix::fs::Uid::from_raw(e.uid)),
            Some(rustix::fs::Gid::from_raw(e.gid)),
        )
        .ctx(Op::Chown, &dest_name)?;
    }
    rustix::fs::fchmod(
        &out,
        rustix::fs::Mode::from_raw_mode(final_mode(e.mode, opts)),
    )
    .ctx(Op::Chmod, &dest_name)?;
    let t = opts.mtime.unwrap_or(e.mtime);
    let a = opts.mtime.unwrap_or(e.atime);
    let ts = rustix::fs::Timestamps {
        last_access: a.to_timespec(),
        last_modification: t.to_timespec(),
    };
    rustix::fs::futimens(&out, &ts).ctx(Op::SetTimes, &dest_name)?;
    Ok(digest)
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

/// Opens the walked file `e` beneath the source root (no symlink anywhere on the way, no
/// blocking on a FIFO) and checks it is still the object the walk saw, so a tree changed under
/// snap cannot make it copy something else (e.g. a file outside SRC) under `e`'s name.
fn open_source(src_root: &Root, e: &Entry) -> Result<File, fstree::Error> {
    let f = src_root.open_file(&e.path)?;
    let m = f.metadata().ctx(Op::Stat, &src_root.display(&e.path))?;
    if (m.dev(), m.ino()) != (e.dev, e.ino) {
        return Err(fstree::Error::new(
            Op::Open,
            src_root.display(&e.path),
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
