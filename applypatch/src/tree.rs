//! The target tree as the patch will leave it: an overlay of planned changes on top of the real
//! directory, read through `fstree::Root` (which never follows a symlink and never leaves the
//! root), and the one place that writes.
//!
//! Checking happens against the overlay, so a later file patch sees what earlier ones did
//! (a file created then modified, a symlink created and then used as a directory — refused).
//!
//! Memory stays bounded by the largest file, not by the patch: when staging is on (every run
//! but `--dry-run`), each planned file's new content is written during the check to a hidden
//! temporary file, `.NAME.XXXXXXXX.tmp~`, in the deepest directory on its way that exists on
//! disk and stays a directory (its own directory, unless the patch creates that), with its
//! final mode; the overlay keeps only the temporary's name. Nothing visible changes until
//! [`Tree::commit`], which first checks that every directory it will change is writable and
//! then works in an order that makes type changes possible: removals deepest first, then new
//! directories shallowest first, then each file is renamed from its temporary into place (so
//! none is ever torn) and symlinks are created, then directory modes, then directories
//! emptied by deletions are removed deepest first. Dropping a tree that was not committed
//! (a failed check, an error, all-or-nothing refusing) removes every temporary, so the
//! visible tree is exactly as before. A killed process can leave hidden `.tmp~` files behind,
//! never a partial file under a final name. `--dry-run` keeps new contents in memory instead
//! and writes nothing at all.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use fstree::{Dir, DirCache, Root};

/// A path's state as the planner asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Nothing there.
    Absent,
    /// A regular file.
    File {
        /// Its content.
        data: Vec<u8>,
        /// Permission bits.
        mode: u32,
    },
    /// A symbolic link.
    Link {
        /// Its target.
        target: Vec<u8>,
    },
    /// A directory.
    Dir {
        /// Permission bits for a new one, or `None` to keep/use the default.
        mode: Option<u32>,
    },
}

/// Where a planned file's content is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// In memory (`--dry-run`).
    Memory(Vec<u8>),
    /// In this temporary file (relative to the root), already with its final mode.
    Staged(PathBuf),
    /// Being written to a temporary by the staging thread: [`Tree::settle`] makes it
    /// [`Content::Staged`].
    Writing,
}

/// A path's state in the overlay: a [`Node`] whose file content may live in a temporary.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Planned {
    Absent,
    File { content: Content, mode: u32 },
    Link { target: Vec<u8> },
    Dir { mode: Option<u32> },
}

/// Whether new file contents are written to temporaries during the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Staging {
    /// Stage each new content in a hidden temporary beside its target (a real run).
    Temporaries,
    /// Keep new contents in memory and never write (`--dry-run`).
    Memory,
}

/// What is at a path, without content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing.
    Absent,
    /// A regular file with these permission bits.
    File(u32),
    /// A symlink.
    Link,
    /// A directory.
    Dir,
    /// A FIFO, socket or device: never patched.
    Special,
}

/// Why a path cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// A component on the way is a symlink (on disk or created by this patch).
    #[error("{} is beyond a symbolic link", crate::paths::display(.0))]
    BeyondSymlink(PathBuf),
    /// A component on the way is not a directory.
    #[error("{} is beyond a file that is not a directory", crate::paths::display(.0))]
    NotADirectory(PathBuf),
    /// Reading the tree failed.
    #[error(transparent)]
    Io(#[from] fstree::Error),
}

/// The overlay.
pub struct Tree {
    root: Root,
    staging: Staging,
    /// Planned states, by [`key`]: parents sort before their children.
    over: BTreeMap<Vec<u8>, Planned>,
    /// Temporaries this tree created and has not yet renamed into place or removed.
    temps: HashSet<PathBuf>,
    /// Files deleted by the patch, whose parents are removed when left empty.
    deleted: Vec<PathBuf>,
    /// Directories the patch removes explicitly (`# treediff: rmdir`).
    rmdirs: Vec<PathBuf>,
    /// What is on disk, as first seen (nothing visible changes before the commit), by the
    /// path's bytes.
    shapes: RefCell<HashMap<Vec<u8>, Shape>>,
    /// Directories opened beneath the root (each from its parent, never through a symlink),
    /// by the path's bytes: patches touch files directory by directory, so most lookups
    /// reuse a descriptor instead of resolving a path again. At most a quarter of the descriptor limit.
    dirs: DirCache,
    /// The thread that writes temporaries (started after [`INLINE_TEMPS`] of them).
    writer: Option<Writer>,
    /// Temporaries written so far without the thread.
    inline: usize,
}

/// How many temporaries are written on the main thread before the staging thread starts:
/// handing work to a thread costs more than it saves on a small patch (measured on the
/// 600-file Linux edit patch: 107 ms inline, 119 ms with the thread).
const INLINE_TEMPS: usize = 1000;

/// The longest path the kernel resolves (`PATH_MAX`, terminating NUL included).
const PATH_MAX: usize = 4096;

/// `p` as a key of [`Tree::over`]: its bytes with every `/` made NUL (names hold no NUL), so
/// that byte order is component order (`a/b` before `a.b`) and each ancestor's key is a
/// prefix of its descendants' keys, ending where `p`'s key has a NUL.
fn key(p: &Path) -> Vec<u8> {
    p.as_os_str()
        .as_bytes()
        .iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// The path a [`key`] stands for.
fn unkey(k: &[u8]) -> PathBuf {
    let bytes: Vec<u8> = k.iter().map(|&b| if b == 0 { b'/' } else { b }).collect();
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Where the ancestors of the path with key `k` end, shallowest first (the root and the path
/// itself excluded): `&k[..i]` is an ancestor's key, and the path's bytes up to `i` its path.
fn ancestor_ends(k: &[u8]) -> impl DoubleEndedIterator<Item = usize> + '_ {
    k.iter()
        .enumerate()
        .filter(|(_, b)| **b == 0)
        .map(|(i, _)| i)
}

/// The first `i` bytes of `p` as a path.
fn prefix(p: &Path, i: usize) -> &Path {
    Path::new(OsStr::from_bytes(&p.as_os_str().as_bytes()[..i]))
}

/// A new content for the staging thread to write to a temporary in `dir` (`dir_rel` beneath
/// the root) for the file `name` there; the answer names the path by its [`key`].
struct Job {
    key: Vec<u8>,
    dir: Dir,
    dir_rel: PathBuf,
    name: std::ffi::OsString,
    full: PathBuf,
    data: Vec<u8>,
    mode: u32,
}

/// What the staging thread answers for a [`Job`]: the path's key, and the temporary written
/// (relative to the root) or why none was (nothing is left behind then).
type Answer = (Vec<u8>, Result<PathBuf, fstree::Error>);

/// The staging thread: creating inodes is most of the cost of applying a large patch, and it
/// overlaps with reading and patching the next files. Jobs are done in order; the channel is
/// bounded, so memory stays a few files' worth.
struct Writer {
    jobs: Option<mpsc::SyncSender<Job>>,
    done: mpsc::Receiver<Answer>,
    thread: Option<JoinHandle<()>>,
    pending: usize,
}

impl Writer {
    fn start() -> Writer {
        let (jobs, rx) = mpsc::sync_channel::<Job>(2);
        let (tx, done) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            for job in rx {
                let written = write_temp(&job.dir, &job.name, &job.full, &job.data, job.mode)
                    .map(|tmp| job.dir_rel.join(tmp));
                if tx.send((job.key, written)).is_err() {
                    break;
                }
            }
        });
        Writer {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
            pending: 0,
        }
    }
}

/// Writes `data` with permission bits `mode` to a new hidden temporary for the file `name` in
/// `dir` (`full` is its path, for messages) and returns the temporary's name. A temporary that
/// could not be written whole is removed.
fn write_temp(
    dir: &Dir,
    name: &OsStr,
    full: &Path,
    data: &[u8],
    mode: u32,
) -> Result<std::ffi::OsString, fstree::Error> {
    let failed = |op, e| fstree::Error::new(op, full, e);
    let mut temp = dir
        .create_temp(name, fstree::TempStyle::Tool, 0o600)
        .map_err(|e| failed(fstree::Op::Create, e))?
        .with_path(full.to_path_buf());
    temp.file
        .write_all(data)
        .map_err(|e| failed(fstree::Op::Write, e))?;
    temp.set_mode(mode)?;
    Ok(temp.keep().1)
}

impl Tree {
    /// An empty overlay on `root`.
    pub fn new(root: Root, staging: Staging) -> Self {
        Tree {
            dirs: DirCache::new(root.dir().clone()),
            root,
            staging,
            over: BTreeMap::new(),
            temps: HashSet::new(),
            deleted: Vec::new(),
            rmdirs: Vec::new(),
            shapes: RefCell::new(HashMap::new()),
            writer: None,
            inline: 0,
        }
    }

    /// Takes the staging thread's answers: all of them (`wait`), or those already there.
    fn collect(&mut self, wait: bool) -> Result<(), TreeError> {
        let mut first_err = None;
        while let Some(w) = self.writer.as_mut()
            && w.pending > 0
        {
            let answer = if wait {
                w.done.recv().ok()
            } else {
                w.done.try_recv().ok()
            };
            let Some((k, written)) = answer else { break };
            w.pending -= 1;
            match written {
                Ok(tmp) => self.staged(&k, tmp),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Records that the content of the path with key `k` is now in the temporary `tmp`.
    fn staged(&mut self, k: &[u8], tmp: PathBuf) {
        if let Some(Planned::File { content, .. }) = self.over.get_mut(k)
            && *content == Content::Writing
        {
            *content = Content::Staged(tmp.clone());
        }
        // Otherwise (never: a content being written is not replaced before it is settled)
        // the temporary is removed with the others when the tree is dropped.
        self.temps.insert(tmp);
    }

    /// Waits for every temporary to be written; the first error, if any.
    pub fn settle(&mut self) -> Result<(), TreeError> {
        self.collect(true)
    }

    /// The directory `dir` beneath the root, opened component by component from the nearest
    /// directory already open, never through a symlink. A path longer than the system's limit
    /// is refused as the kernel would refuse it (`ENAMETOOLONG`).
    fn dir_fd(&self, dir: &Path) -> Result<Dir, fstree::Error> {
        let failed =
            |e: std::io::Error| fstree::Error::new(fstree::Op::Open, self.root.display(dir), e);
        if dir.as_os_str().len() >= PATH_MAX {
            return Err(failed(rustix::io::Errno::NAMETOOLONG.into()));
        }
        self.dirs.get(dir).map_err(failed)
    }

    /// The directory holding `p` (opened by [`Tree::dir_fd`]) and `p`'s last component.
    fn parent_fd<'p>(&self, p: &'p Path) -> Result<(Dir, &'p OsStr), fstree::Error> {
        let name = p.file_name().ok_or_else(|| {
            fstree::Error::new(
                fstree::Op::Open,
                self.root.display(p),
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
            )
        })?;
        let dir = p.parent().unwrap_or(Path::new(""));
        Ok((self.dir_fd(dir)?, name))
    }

    fn disk_shape(&self, p: &Path) -> Result<Shape, TreeError> {
        let bytes = p.as_os_str().as_bytes();
        if bytes.is_empty() {
            return Ok(Shape::Dir);
        }
        if let Some(s) = self.shapes.borrow().get(bytes) {
            return Ok(*s);
        }
        let stat = self.parent_fd(p).and_then(|(dir, name)| {
            dir.lstat(name)
                .map_err(|e| fstree::Error::new(fstree::Op::Stat, self.root.display(p), e))
        });
        let shape = match stat {
            Ok(None) => Shape::Absent,
            Ok(Some(meta)) => match meta.kind {
                fstree::Kind::File => Shape::File(meta.mode & 0o7777),
                fstree::Kind::Dir => Shape::Dir,
                fstree::Kind::Symlink => Shape::Link,
                _ => Shape::Special,
            },
            Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => Shape::Absent,
            Err(e) if e.source.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(TreeError::BeyondSymlink(p.to_path_buf()));
            }
            Err(e) if e.source.raw_os_error() == Some(20) => {
                return Err(TreeError::NotADirectory(p.to_path_buf()));
            }
            Err(e) => return Err(e.into()),
        };
        self.shapes.borrow_mut().insert(bytes.to_vec(), shape);
        Ok(shape)
    }

    /// Reads the regular file `p` on disk (never through a symlink, never a FIFO).
    fn read_disk(&self, p: &Path) -> Result<Vec<u8>, fstree::Error> {
        use std::io::Read;
        let full = || self.root.display(p);
        let (dir, name) = self.parent_fd(p)?;
        let (file, meta) = dir
            .open_file(name, fstree::Atime::Update)
            .map_err(|e| fstree::Error::new(fstree::Op::Open, full(), e))?;
        let size = meta.size;
        let mut data = Vec::new();
        // One byte more than the size, so that a file read whole needs no second read to see
        // its end; `Take` because `File::read_to_end` would stat the file again for a hint.
        usize::try_from(size)
            .ok()
            .and_then(|n| data.try_reserve_exact(n.saturating_add(1)).ok())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::OutOfMemory))
            .and_then(|()| file.take(u64::MAX).read_to_end(&mut data))
            .map_err(|e| fstree::Error::new(fstree::Op::Read, full(), e))?;
        Ok(data)
    }

    fn planned_shape(n: &Planned) -> Shape {
        match n {
            Planned::Absent => Shape::Absent,
            Planned::File { mode, .. } => Shape::File(*mode),
            Planned::Link { .. } => Shape::Link,
            Planned::Dir { .. } => Shape::Dir,
        }
    }

    /// The planned shape of `p`, checking that every parent is (or will be) a directory.
    pub fn shape(&self, p: &Path) -> Result<Shape, TreeError> {
        let k = key(p);
        self.check_parents_of(p, &k)?;
        self.shape_of(p, &k)
    }

    /// The planned shape of `p` (whose key is `k`), its parents taken as checked.
    fn shape_of(&self, p: &Path, k: &[u8]) -> Result<Shape, TreeError> {
        if let Some(n) = self.over.get(k) {
            return Ok(Self::planned_shape(n));
        }
        // A parent planned absent (or to be created) means nothing is below it on disk.
        for i in ancestor_ends(k).rev() {
            match self.over.get(&k[..i]) {
                Some(Planned::Absent) => return Ok(Shape::Absent),
                // A directory the patch creates (where there was none, or something else).
                Some(Planned::Dir { .. })
                    if !matches!(self.disk_shape(prefix(p, i)), Ok(Shape::Dir)) =>
                {
                    return Ok(Shape::Absent);
                }
                _ => {}
            }
        }
        self.disk_shape(p)
    }

    fn check_parents_of(&self, p: &Path, k: &[u8]) -> Result<(), TreeError> {
        for i in ancestor_ends(k) {
            let shape = match self.over.get(&k[..i]) {
                Some(Planned::Absent) => return Ok(()),
                Some(n) => Self::planned_shape(n),
                None => self.disk_shape(prefix(p, i))?,
            };
            match shape {
                Shape::Dir => {}
                Shape::Absent => return Ok(()),
                Shape::Link => return Err(TreeError::BeyondSymlink(p.to_path_buf())),
                Shape::File(_) | Shape::Special => {
                    return Err(TreeError::NotADirectory(p.to_path_buf()));
                }
            }
        }
        Ok(())
    }

    /// The planned content of the regular file `p`.
    pub fn read(&mut self, p: &Path) -> Result<Vec<u8>, TreeError> {
        let k = key(p);
        if self.is_writing(&k) {
            self.settle()?;
        }
        match self.over.get(&k) {
            Some(Planned::File {
                content: Content::Memory(data),
                ..
            }) => Ok(data.clone()),
            Some(Planned::File {
                content: Content::Staged(tmp),
                ..
            }) => Ok(self.read_disk(tmp)?),
            _ => Ok(self.read_disk(p)?),
        }
    }

    /// The planned target of the symlink `p`.
    pub fn read_link(&self, p: &Path) -> Result<Vec<u8>, TreeError> {
        match self.over.get(&key(p)) {
            Some(Planned::Link { target }) => Ok(target.clone()),
            _ => Ok(self.root.read_link(p)?.as_os_str().as_bytes().to_vec()),
        }
    }

    /// True when the content planned for the path with key `k` is still being written.
    fn is_writing(&self, k: &[u8]) -> bool {
        matches!(
            self.over.get(k),
            Some(Planned::File {
                content: Content::Writing,
                ..
            })
        )
    }

    /// Plans `p` to become `node`; missing parents are planned as new directories. A file's
    /// content is staged in a temporary now (see the module documentation).
    pub fn set(&mut self, p: &Path, node: Node) -> Result<(), TreeError> {
        let k = key(p);
        // The staging thread answers by key: a content it is writing is settled before the
        // path gets another.
        if self.is_writing(&k) {
            self.settle()?;
        }
        self.check_parents_of(p, &k)?;
        let mut missing = Vec::new();
        for i in ancestor_ends(&k).rev() {
            match self.shape_of(prefix(p, i), &k[..i])? {
                Shape::Absent => missing.push(i),
                _ => break,
            }
        }
        for i in missing {
            self.over
                .insert(k[..i].to_vec(), Planned::Dir { mode: None });
        }
        let planned = match node {
            Node::Absent => {
                self.deleted.push(p.to_path_buf());
                Planned::Absent
            }
            Node::File { data, mode } => {
                let content = match self.staging {
                    Staging::Memory => Content::Memory(data),
                    Staging::Temporaries => self.stage(p, data, mode)?,
                };
                Planned::File { content, mode }
            }
            Node::Link { target } => Planned::Link { target },
            Node::Dir { mode } => Planned::Dir { mode },
        };
        if let Some(Planned::File {
            content: Content::Staged(old),
            ..
        }) = self.over.insert(k, planned)
        {
            self.unstage(&old);
        }
        Ok(())
    }

    /// The directory a temporary for `p` goes into: the deepest ancestor that is a directory on
    /// disk and stays one (so the rename into place never crosses a file system).
    fn staging_dir<'p>(&self, p: &'p Path) -> Result<&'p Path, TreeError> {
        let k = key(p);
        for i in ancestor_ends(&k).rev() {
            let a = prefix(p, i);
            let stays = matches!(self.over.get(&k[..i]), None | Some(Planned::Dir { .. }));
            // An ancestor that is not a directory on disk (or lies beneath one the patch
            // replaces, so cannot even be looked at) is no place for a temporary: go up.
            if stays && matches!(self.disk_shape(a), Ok(Shape::Dir)) {
                return Ok(a);
            }
        }
        Ok(Path::new(""))
    }

    /// Hands `data` with permission bits `mode` to the staging thread (or, for the first
    /// [`INLINE_TEMPS`], writes it here), for a new hidden temporary for `p`.
    fn stage(&mut self, p: &Path, data: Vec<u8>, mode: u32) -> Result<Content, TreeError> {
        if self.writer.is_none() && self.inline < INLINE_TEMPS {
            self.inline += 1;
            return self.stage_now(p, &data, mode).map(Content::Staged);
        }
        self.collect(false)?;
        let (dir_rel, dir, full) = self.staging_dir_fd(p)?;
        let job = Job {
            key: key(p),
            dir,
            dir_rel,
            name: p.file_name().unwrap_or_default().to_os_string(),
            full,
            data,
            mode,
        };
        let w = self.writer.get_or_insert_with(Writer::start);
        let sent = match &w.jobs {
            Some(jobs) => jobs.send(job).map_err(|mpsc::SendError(job)| job),
            None => Err(job),
        };
        match sent {
            Ok(()) => {
                w.pending += 1;
                Ok(Content::Writing)
            }
            // The thread is gone (it panicked): write here instead.
            Err(job) => self.stage_now(p, &job.data, mode).map(Content::Staged),
        }
    }

    /// The directory a temporary for `p` goes into ([`Tree::staging_dir`]), open, and `p`'s
    /// full path for messages.
    fn staging_dir_fd(&self, p: &Path) -> Result<(PathBuf, Dir, PathBuf), TreeError> {
        let dir_rel = self.staging_dir(p)?.to_path_buf();
        let full = self.root.display(p);
        let dir = self
            .dir_fd(&dir_rel)
            .map_err(|e| fstree::Error::new(fstree::Op::Create, full.clone(), e.source))?;
        Ok((dir_rel, dir, full))
    }

    /// Writes `data` with permission bits `mode` to a new hidden temporary for `p`, now, and
    /// returns the temporary's path.
    fn stage_now(&mut self, p: &Path, data: &[u8], mode: u32) -> Result<PathBuf, TreeError> {
        let (dir_rel, dir, full) = self.staging_dir_fd(p)?;
        let name = p.file_name().unwrap_or_default();
        let tmp = dir_rel.join(write_temp(&dir, name, &full, data, mode)?);
        self.temps.insert(tmp.clone());
        Ok(tmp)
    }

    /// Removes a temporary this tree no longer needs.
    fn unstage(&mut self, tmp: &Path) {
        if self.temps.remove(tmp) {
            let _ = self.root.remove_file(tmp);
        }
    }

    /// Records that `p` is gone already (an idempotent run after an interrupted one), so its
    /// parents are removed when left empty, as if this run had deleted it.
    pub fn note_deleted(&mut self, p: &Path) {
        self.deleted.push(p.to_path_buf());
    }

    /// Plans the removal of the directory `p`, which must be empty in the planned tree.
    pub fn rmdir(&mut self, p: &Path) -> Result<bool, TreeError> {
        if self.shape(p)? != Shape::Dir {
            return Ok(false);
        }
        if self.is_planned_nonempty(p)? {
            return Ok(false);
        }
        self.over.insert(key(p), Planned::Absent);
        self.rmdirs.push(p.to_path_buf());
        Ok(true)
    }

    /// True when `p` is a directory that holds nothing in the planned tree (a file may
    /// replace it).
    pub fn is_empty_dir(&self, p: &Path) -> Result<bool, TreeError> {
        Ok(self.shape(p)? == Shape::Dir && !self.is_planned_nonempty(p)?)
    }

    fn is_planned_nonempty(&self, p: &Path) -> Result<bool, TreeError> {
        // Planned children that exist: the keys after `p`'s key and a NUL (the root's
        // children: every key without a NUL).
        let mut below = key(p);
        if !below.is_empty() {
            below.push(0);
        }
        for (d, n) in self.over.range(below.clone()..) {
            let Some(rest) = d.strip_prefix(below.as_slice()) else {
                break;
            };
            if !rest.is_empty() && !rest.contains(&0) && *n != Planned::Absent {
                return Ok(true);
            }
        }
        // Children on disk that are not planned away (our own temporaries do not count).
        if matches!(self.disk_shape(p)?, Shape::Dir) {
            for name in list_dir(&self.root, p)? {
                let c = p.join(name);
                if !matches!(self.over.get(&key(&c)), Some(Planned::Absent))
                    && !self.temps.contains(&c)
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Fails, before anything is changed, when a directory the commit will write in is not
    /// writable (a read-only mount, or permissions without root's override). `plan` is
    /// every planned path with its planned state and what is on disk there.
    fn check_writable(&self, plan: &[(PathBuf, &Planned, Shape)]) -> Result<(), fstree::Error> {
        let mut parents: HashSet<&Path> = HashSet::new();
        for (p, n, disk) in plan {
            let unchanged = matches!((disk, n), (Shape::Dir, Planned::Dir { mode: None }));
            if !unchanged {
                parents.insert(p.parent().unwrap_or(Path::new("")));
            }
        }
        // The nearest directory on disk is where each change lands first.
        let mut dirs: Vec<&Path> = Vec::new();
        for par in parents {
            for a in par.ancestors() {
                if matches!(self.disk_shape(a), Ok(Shape::Dir)) {
                    dirs.push(a);
                    break;
                }
            }
        }
        dirs.sort_unstable();
        dirs.dedup();
        for d in dirs {
            self.dir_fd(d)?
                .check_writable()
                .map_err(|e| fstree::Error::new(fstree::Op::Write, self.root.display(d), e))?;
        }
        Ok(())
    }

    /// Writes the planned tree. `rejects` are written last, each beside its file.
    pub fn commit(mut self, rejects: &[(PathBuf, Vec<u8>)]) -> Result<(), fstree::Error> {
        match self.settle() {
            Ok(()) => {}
            Err(TreeError::Io(e)) => return Err(e),
            Err(e) => {
                return Err(fstree::Error::new(
                    fstree::Op::Create,
                    self.root.display(Path::new("")),
                    std::io::Error::other(e.to_string()),
                ));
            }
        }
        // Parents before their children (the key order).
        let plan: Vec<(PathBuf, &Planned, Shape)> = self
            .over
            .iter()
            .map(|(k, n)| {
                let p = unkey(k);
                let disk = self.disk_shape(&p).unwrap_or(Shape::Absent);
                (p, n, disk)
            })
            .collect();
        self.check_writable(&plan)?;
        let depth = |p: &Path| p.components().count();
        // 1. Removals, deepest first: anything whose kind changes or that goes away.
        let mut removals: Vec<&(PathBuf, &Planned, Shape)> = plan
            .iter()
            .filter(|(_, n, d)| {
                !matches!(
                    (d, n),
                    (Shape::Absent, _)
                        | (Shape::Dir, Planned::Dir { .. })
                        | (Shape::File(_), Planned::File { .. })
                        | (Shape::Link, Planned::Link { .. })
                )
            })
            .collect();
        removals.sort_by_key(|(p, _, _)| std::cmp::Reverse(depth(p)));
        for (p, _, d) in &removals {
            if *d == Shape::Dir {
                self.root.remove_dir(p)?;
                // Descriptors of removed directories must not be used again.
                self.dirs.clear();
            } else {
                self.root.remove_file(p)?;
            }
        }
        drop(removals);
        // 2. New directories, shallowest first: where there was none, or something else
        // (removed above).
        for (p, n, d) in &plan {
            if matches!(n, Planned::Dir { .. }) && *d != Shape::Dir {
                let (dir, name) = self.parent_fd(p)?;
                dir.mkdir(name, 0o777)
                    .map_err(|e| fstree::Error::new(fstree::Op::Mkdir, self.root.display(p), e))?;
            }
        }
        // 3. Files (renamed from their temporaries) and symlinks.
        let mut renamed = Vec::new();
        for (p, n, _) in &plan {
            match n {
                Planned::File {
                    content: Content::Staged(tmp),
                    ..
                } => {
                    let (from_dir, from) = self.parent_fd(tmp)?;
                    let (to_dir, to) = self.parent_fd(p)?;
                    from_dir.rename(from, &to_dir, to).map_err(|e| {
                        fstree::Error::new(fstree::Op::Rename, self.root.display(p), e)
                    })?;
                    renamed.push(tmp.clone());
                }
                Planned::File {
                    content: Content::Memory(data),
                    mode,
                } => self.root.write_file(p, data, *mode)?,
                Planned::Link { target } => {
                    self.root
                        .symlink(p, Path::new(std::ffi::OsStr::from_bytes(target)))?;
                }
                // Settled above: never here.
                Planned::File {
                    content: Content::Writing,
                    ..
                } => {
                    return Err(fstree::Error::new(
                        fstree::Op::Create,
                        self.root.display(p),
                        std::io::Error::other("the new content was not written"),
                    ));
                }
                _ => {}
            }
        }
        for tmp in renamed {
            self.temps.remove(&tmp);
        }
        // 4. Directory modes, deepest first (a read-only directory is filled before).
        for (p, n, _) in plan.iter().rev() {
            if let Planned::Dir { mode: Some(m) } = n {
                self.root.set_mode(p, *m)?;
            }
        }
        // 5. Parents left empty by deletions (GNU patch does this), deepest first: the
        // removal itself tells whether a directory is empty.
        let mut parents: Vec<PathBuf> = self
            .deleted
            .iter()
            .flat_map(|p| p.ancestors().skip(1))
            .filter(|a| {
                !a.as_os_str().is_empty()
                    && !matches!(self.over.get(&key(a)), Some(Planned::Dir { .. }))
            })
            .map(Path::to_path_buf)
            .collect();
        parents.sort();
        parents.dedup();
        parents.sort_by_key(|p| std::cmp::Reverse(depth(p)));
        for a in parents {
            let Ok((dir, name)) = self.parent_fd(&a) else {
                continue;
            };
            // Best effort, like GNU patch: a directory that is not empty (or cannot be
            // removed) stays.
            if dir.remove_dir(name).is_ok() {
                self.dirs.forget(&a);
            }
        }
        // 6. Rejects.
        for (p, data) in rejects {
            self.root.write_file(p, data, 0o644)?;
        }
        Ok(())
    }
}

impl Drop for Tree {
    /// Removes the temporaries of a plan that was not (or not fully) committed.
    fn drop(&mut self) {
        // Removing temporaries needs descriptors: give back the cached ones first.
        self.dirs.clear();
        if let Some(w) = self.writer.as_mut() {
            // Let the thread finish what it was given, so every temporary it made is known.
            w.jobs = None;
            if let Some(t) = w.thread.take() {
                let _ = t.join();
            }
            while let Ok((_, written)) = w.done.try_recv() {
                if let Ok(tmp) = written {
                    self.temps.insert(tmp);
                }
            }
        }
        for tmp in std::mem::take(&mut self.temps) {
            let _ = self.root.remove_file(&tmp);
        }
    }
}

/// Names in the directory `p` (no `.`/`..`), read without following symlinks.
pub fn list_dir(root: &Root, p: &Path) -> Result<Vec<std::ffi::OsString>, fstree::Error> {
    let dir = root.open_dir(p)?;
    let entries = dir
        .entries()
        .map_err(|e| fstree::Error::new(fstree::Op::ReadDir, root.display(p), e))?;
    Ok(entries.into_iter().map(|e| e.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_like_paths_and_ancestors_are_prefixes() {
        let names = [
            "a", "a.b", "a/b", "a/b/c", "a-", "a/b.c", "a/b/c/d", "ab", "a/ b", "b", "\u{e9}",
        ];
        let mut by_path: Vec<&Path> = names.iter().map(Path::new).collect();
        by_path.sort();
        let mut by_key: Vec<Vec<u8>> = names.iter().map(|n| key(Path::new(n))).collect();
        by_key.sort();
        let back: Vec<PathBuf> = by_key.iter().map(|k| unkey(k)).collect();
        assert_eq!(back, by_path);

        let p = Path::new("x/yy/z");
        let k = key(p);
        let ancestors: Vec<(&Path, &[u8])> =
            ancestor_ends(&k).map(|i| (prefix(p, i), &k[..i])).collect();
        assert_eq!(
            ancestors,
            vec![
                (Path::new("x"), &b"x"[..]),
                (Path::new("x/yy"), &b"x\0yy"[..])
            ]
        );
    }
}
