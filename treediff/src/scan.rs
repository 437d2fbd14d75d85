//! Reading both trees at once, the way the comparison needs them: directory pairs are listed in
//! parallel (one rayon task per directory pair, spawned into a scope rather than nested, so the
//! depth of a tree costs heap, never stack), every name is looked up relative to its open
//! directory ([`fstree::Dir`]: `lstat`/`openat` on a directory descriptor, never a whole path
//! from the root, never through a symlink), and two regular files with the same name are
//! compared while their directories are open: opened, `fstat`ed, and when their sizes agree
//! read in step into two reused per-thread buffers and compared with `memcmp`. So a file that
//! did not change costs an open, a stat and one read per side, and the later stages only look
//! at what differs ([`Content`]), reading it again beneath the root handle the scan used
//! ([`Side::root`]) and only if it is still the object the scan saw.
//!
//! Symlinks are never followed (except a root named through one, which the operator chose).
//! A problem with one entry (an unreadable directory, an entry that vanished) becomes a message
//! in [`Side::problems`] and the scan goes on; a file that cannot be opened here is left
//! [`Content::Unknown`], so rendering reads it again and reports the error with its path.
//! Problems come out in the order of a depth-first walk, whatever order the tasks ran in.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Mutex;

use fstree::error::Op;
use fstree::{Atime, Dir, DirEntry, Exclude, Kind, Meta};

use crate::Error;
use crate::side::{Content, Node, Side};

/// What a scan found on each side; `old` is `None` when the old side was not scanned.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The old side, when scanned.
    pub old: Option<Side>,
    /// The new side.
    pub new: Side,
}

/// Scans `new`, and `old` beside it when given, pruning what `exclude` matches. Both sides'
/// nodes come back sorted by whole-path bytes; new nodes that are regular files on both sides
/// carry the verdict of the content comparison.
pub fn scan(old: Option<&Path>, new: &Path, exclude: &Exclude) -> Result<Scanned, Error> {
    let s = Scan {
        old,
        new,
        exclude,
        found: Mutex::new(Found::default()),
    };
    let old_dir = old.map(|r| s.open_root(r)).transpose()?;
    let new_dir = s.open_root(new)?;
    let mut found = Found::default();
    let old_root = s.root_dir(old_dir, true, &mut found);
    let new_root = s.root_dir(Some(new_dir), false, &mut found);
    let (o, n) = (old_root.clone(), new_root.clone());
    rayon::scope(|scope| s.dir_pair(scope, o, n, Vec::new()));
    found.append(s.found.into_inner().unwrap_or_else(|e| e.into_inner()));
    let side = |mut nodes: Vec<Node>, mut problems: Vec<Problem>, root| {
        nodes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        problems.sort_by(|a, b| a.walk_order().cmp(b.walk_order()));
        let problems = problems.into_iter().map(|p| p.msg).collect();
        Side {
            nodes,
            problems,
            root,
        }
    };
    Ok(Scanned {
        old: old.map(|_| side(found.old, found.old_problems, old_root)),
        new: side(found.new, found.new_problems, new_root),
    })
}

/// Bytes compared per read when two files of equal size are compared.
const CHUNK: usize = 1 << 18;

thread_local! {
    /// One buffer per side for comparing files, reused by every comparison on this thread.
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

struct Scan<'a> {
    old: Option<&'a Path>,
    new: &'a Path,
    exclude: &'a Exclude,
    /// What the directory tasks found, gathered as each ends.
    found: Mutex<Found>,
}

/// A message about one path, with where a depth-first walk would have met it.
struct Problem {
    /// `(0, name)` for a name met while its directory was listed, `(1, name)` for a directory
    /// entered (its own problems, then those beneath it): one per component of the path.
    order: Vec<(u8, Vec<u8>)>,
    msg: String,
}

impl Problem {
    fn walk_order(&self) -> &[(u8, Vec<u8>)] {
        &self.order
    }
}

/// Nodes and problems of a subtree pair.
#[derive(Default)]
struct Found {
    old: Vec<Node>,
    new: Vec<Node>,
    old_problems: Vec<Problem>,
    new_problems: Vec<Problem>,
}

impl Found {
    fn append(&mut self, mut other: Found) {
        self.old.append(&mut other.old);
        self.new.append(&mut other.new);
        self.old_problems.append(&mut other.old_problems);
        self.new_problems.append(&mut other.new_problems);
    }

    /// A problem with `rel` itself: `listed` when met while listing its parent, otherwise
    /// while entering (opening or listing) the directory `rel`.
    fn problem(&mut self, old_side: bool, rel: &[u8], listed: bool, msg: String) {
        let mut order: Vec<(u8, Vec<u8>)> = if rel.is_empty() {
            Vec::new()
        } else {
            rel.split(|&b| b == b'/').map(|c| (1, c.to_vec())).collect()
        };
        if let (true, Some(last)) = (listed, order.last_mut()) {
            last.0 = 0;
        }
        let p = Problem { order, msg };
        if old_side {
            self.old_problems.push(p)
        } else {
            self.new_problems.push(p)
        }
    }

    fn push(&mut self, old_side: bool, node: Node) {
        if old_side {
            self.old.push(node)
        } else {
            self.new.push(node)
        }
    }
}

/// Whether the node is a directory to descend into.
fn is_dir(n: &Option<Node>) -> bool {
    n.as_ref().is_some_and(|n| n.kind == Kind::Dir)
}

fn message(op: Op, path: &Path, e: impl Into<io::Error>) -> String {
    let e = fstree::Error::new(op, path, e.into());
    format!("{e}: {}", e.source)
}

fn node(path: Vec<u8>, meta: &Meta, link: Option<Vec<u8>>) -> Node {
    Node {
        path,
        kind: meta.kind,
        mode: meta.mode,
        size: meta.size,
        mtime: meta.mtime,
        link,
        sha256: None,
        content: Content::Unknown,
        id: Some((meta.dev, meta.ino)),
    }
}

fn child(rel: &[u8], name: &OsStr) -> Vec<u8> {
    let name = name.as_bytes();
    if rel.is_empty() {
        return name.to_vec();
    }
    let mut v = Vec::with_capacity(rel.len() + 1 + name.len());
    v.extend_from_slice(rel);
    v.push(b'/');
    v.extend_from_slice(name);
    v
}

fn as_path(rel: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(rel))
}

/// Fills `buf` from `file`; false when the file ends first.
fn fill(mut file: &File, buf: &mut [u8]) -> io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        match file.read(&mut buf[done..]) {
            Ok(0) => return Ok(false),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Compares the first `size` bytes of two open files (their stat size).
fn same_bytes(a: &File, b: &File, size: u64) -> Content {
    BUFFERS.with_borrow_mut(|(x, y)| {
        let first = usize::try_from(size).unwrap_or(CHUNK).min(CHUNK);
        if x.len() < first {
            x.resize(first, 0);
            y.resize(first, 0);
        }
        let mut left = size;
        while left > 0 {
            let n = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
            match (fill(a, &mut x[..n]), fill(b, &mut y[..n])) {
                (Ok(true), Ok(true)) => {}
                // Shorter than its size, or unreadable: let rendering read and decide.
                _ => return Content::Unknown,
            }
            if x[..n] != y[..n] {
                return Content::Differs;
            }
            left -= n as u64;
        }
        Content::Same
    })
}

/// The next name of two sorted listings, with the entry on each side that has it.
fn next_pair<'e>(
    olds: &'e [DirEntry],
    news: &'e [DirEntry],
    i: &mut usize,
    j: &mut usize,
) -> (Option<&'e DirEntry>, Option<&'e DirEntry>) {
    let (o, n) = match (olds.get(*i), news.get(*j)) {
        (Some(a), Some(b)) if a.name == b.name => (Some(a), Some(b)),
        (Some(a), Some(b)) if a.name.as_bytes() < b.name.as_bytes() => (Some(a), None),
        (Some(a), None) => (Some(a), None),
        (_, b) => (None, b),
    };
    *i += usize::from(o.is_some());
    *j += usize::from(n.is_some());
    (o, n)
}

/// A subdirectory to scan next: its name, its path, and its parent on each side it is a
/// directory on.
struct Subdir {
    name: std::ffi::OsString,
    rel: Vec<u8>,
    old: Option<Dir>,
    new: Option<Dir>,
}

impl<'s> Scan<'s> {
    fn root(&self, old_side: bool) -> &Path {
        match (old_side, self.old) {
            (true, Some(r)) => r,
            _ => self.new,
        }
    }

    /// Checks that a root is a directory (following a symlink root) and opens it.
    fn open_root(&self, root: &Path) -> Result<io::Result<Dir>, Error> {
        let meta = std::fs::metadata(root)
            .map_err(|e| Error::Tree(fstree::Error::new(Op::Stat, root, e)))?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory(root.to_path_buf()));
        }
        Ok(Dir::open_ambient(root, Atime::Update))
    }

    fn root_dir(
        &self,
        dir: Option<io::Result<Dir>>,
        old_side: bool,
        found: &mut Found,
    ) -> Option<Dir> {
        match dir? {
            Ok(dir) => Some(dir),
            Err(e) => {
                found.problem(
                    old_side,
                    b"",
                    false,
                    message(Op::ReadDir, self.root(old_side), e),
                );
                None
            }
        }
    }

    /// Lists a directory: names sorted by bytes, excluded ones left out.
    fn list(
        &self,
        dir: Option<&Dir>,
        rel: &[u8],
        old_side: bool,
        found: &mut Found,
    ) -> Vec<DirEntry> {
        let Some(dir) = dir else {
            return Vec::new();
        };
        let mut names = match dir.entries() {
            Ok(names) => names,
            Err(e) => {
                let path = self.root(old_side).join(as_path(rel));
                found.problem(old_side, rel, false, message(Op::ReadDir, &path, e));
                return Vec::new();
            }
        };
        if !self.exclude.is_empty() {
            names.retain(|e| !self.exclude.is_excluded(as_path(&child(rel, &e.name))));
        }
        names.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        names
    }

    /// Looks at one entry through its directory (lstat, and a symlink's target), reporting a
    /// failure in `found`.
    fn look_or_report(
        &self,
        dir: &Dir,
        name: &OsStr,
        rel: &[u8],
        old_side: bool,
        found: &mut Found,
    ) -> Option<Node> {
        let path = || self.root(old_side).join(as_path(rel));
        let meta = match dir.lstat(name) {
            Ok(Some(meta)) => meta,
            Ok(None) => {
                let gone = io::Error::from(io::ErrorKind::NotFound);
                let gone = io::Error::from_raw_os_error(gone.raw_os_error().unwrap_or(2));
                found.problem(old_side, rel, true, message(Op::Stat, &path(), gone));
                return None;
            }
            Err(e) => {
                found.problem(old_side, rel, true, message(Op::Stat, &path(), e));
                return None;
            }
        };
        let link = if meta.kind == Kind::Symlink {
            match dir.read_link(name) {
                Ok(l) => Some(l),
                Err(e) => {
                    found.problem(old_side, rel, true, message(Op::ReadLink, &path(), e));
                    return None;
                }
            }
        } else {
            None
        };
        Some(node(rel.to_vec(), &meta, link))
    }

    /// Two regular files of one name: open both, stat both, compare when the sizes agree.
    /// `None` when either cannot be opened or is no longer a regular file.
    fn file_pair(&self, od: &Dir, nd: &Dir, name: &OsStr, rel: &[u8]) -> Option<(Node, Node)> {
        let (of, om) = od.open_file_nonblocking(name, Atime::Update).ok()?;
        let (nf, nm) = nd.open_file_nonblocking(name, Atime::Update).ok()?;
        let (mut a, mut b) = (node(rel.to_vec(), &om, None), node(rel.to_vec(), &nm, None));
        b.content = if a.size != b.size {
            Content::Differs
        } else {
            same_bytes(&of, &nf, a.size)
        };
        a.content = b.content;
        Some((a, b))
    }

    /// Opens a subdirectory of an open directory for scanning.
    fn open_dir(
        &self,
        parent: Option<&Dir>,
        name: &OsStr,
        rel: &[u8],
        old_side: bool,
        found: &mut Found,
    ) -> Option<Dir> {
        match parent?.open_dir(name) {
            Ok(dir) => Some(dir),
            Err(e) => {
                let path = self.root(old_side).join(as_path(rel));
                found.problem(old_side, rel, false, message(Op::ReadDir, &path, e));
                None
            }
        }
    }

    /// Scans a directory present on one or both sides; its subdirectories become tasks of
    /// their own in `scope`.
    fn dir_pair(
        &'s self,
        scope: &rayon::Scope<'s>,
        old: Option<Dir>,
        new: Option<Dir>,
        rel: Vec<u8>,
    ) {
        let mut found = Found::default();
        let onames = self.list(old.as_ref(), &rel, true, &mut found);
        let nnames = self.list(new.as_ref(), &rel, false, &mut found);
        let mut subdirs = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < onames.len() || j < nnames.len() {
            let (o, n) = next_pair(&onames, &nnames, &mut i, &mut j);
            let Some(name) = o.or(n).map(|e| e.name.as_os_str()) else {
                break;
            };
            let rel = child(&rel, name);
            let (a, b) = self.entry_pair(&old, &new, (o, n), name, &rel, &mut found);
            if is_dir(&a) || is_dir(&b) {
                subdirs.push(Subdir {
                    name: name.to_os_string(),
                    rel: rel.clone(),
                    old: old.clone().filter(|_| is_dir(&a)),
                    new: new.clone().filter(|_| is_dir(&b)),
                });
            }
            if let Some(a) = a {
                found.push(true, a);
            }
            if let Some(b) = b {
                found.push(false, b);
            }
        }
        self.gather(found);
        for sub in subdirs.into_iter().rev() {
            scope.spawn(move |scope| self.enter(scope, sub));
        }
    }

    /// One name of a directory pair: the nodes it gives on each side.
    fn entry_pair(
        &self,
        old: &Option<Dir>,
        new: &Option<Dir>,
        (o, n): (Option<&DirEntry>, Option<&DirEntry>),
        name: &OsStr,
        rel: &[u8],
        found: &mut Found,
    ) -> (Option<Node>, Option<Node>) {
        let file = |e: Option<&DirEntry>| e.is_some_and(|e| e.kind == Some(Kind::File));
        if let (true, true, Some(od), Some(nd)) = (file(o), file(n), old, new)
            && let Some((a, b)) = self.file_pair(od, nd, name, rel)
        {
            return (Some(a), Some(b));
        }
        let mut side = |e: Option<&DirEntry>, dir: &Option<Dir>, old_side| {
            e.and(dir.as_ref())
                .and_then(|d| self.look_or_report(d, name, rel, old_side, found))
        };
        (side(o, old, true), side(n, new, false))
    }

    /// Opens a subdirectory on the sides it is a directory on, and scans it.
    fn enter(&'s self, scope: &rayon::Scope<'s>, sub: Subdir) {
        let mut found = Found::default();
        let o = self.open_dir(sub.old.as_ref(), &sub.name, &sub.rel, true, &mut found);
        let n = self.open_dir(sub.new.as_ref(), &sub.name, &sub.rel, false, &mut found);
        self.gather(found);
        drop(sub.old);
        drop(sub.new);
        self.dir_pair(scope, o, n, sub.rel);
    }

    fn gather(&self, found: Found) {
        let mut all = self.found.lock().unwrap_or_else(|e| e.into_inner());
        all.append(found);
    }
}
