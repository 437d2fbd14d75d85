//! Reading both trees at once, the way the comparison needs them: directory pairs are listed in
//! parallel (rayon, one task per directory pair), every name is looked up relative to its open
//! directory (`statx`/`openat` on a directory descriptor, never a whole path from the root), and
//! two regular files with the same name are compared while their directories are open: opened,
//! `fstat`ed, and when their sizes agree read in step into two reused per-thread buffers and
//! compared with `memcmp`. So a file that did not change costs an open, a stat and one read per
//! side, and the later stages only look at what differs ([`Content`]).
//!
//! Symlinks are never followed (except a root named through one, which the operator chose).
//! A problem with one entry (an unreadable directory, an entry that vanished) becomes a message
//! in [`Side::problems`] and the scan goes on; a file that cannot be opened here is left
//! [`Content::Unknown`], so rendering reads it again and reports the error with its path.

use std::cell::RefCell;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fstree::error::Op;
use fstree::{Exclude, Kind, Timestamp};
use rayon::prelude::*;
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, Statx, StatxFlags};

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
    let s = Scan { old, new, exclude };
    let old_fd = old.map(|r| s.open_root(r)).transpose()?;
    let new_fd = s.open_root(new)?;
    let mut found = Found::default();
    let (old_fd, new_fd) = (
        s.root_dir(old_fd, true, &mut found),
        s.root_dir(Some(new_fd), false, &mut found),
    );
    found.append(s.dir_pair(old_fd, new_fd, b""));
    let sorted = |mut nodes: Vec<Node>, problems| {
        nodes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        Side { nodes, problems }
    };
    Ok(Scanned {
        old: old.map(|_| sorted(found.old, found.old_problems)),
        new: sorted(found.new, found.new_problems),
    })
}

/// Bytes compared per read when two files of equal size are compared.
const CHUNK: usize = 1 << 18;

/// The statx fields a [`Node`] needs.
const WANT: StatxFlags = StatxFlags::TYPE
    .union(StatxFlags::MODE)
    .union(StatxFlags::SIZE)
    .union(StatxFlags::MTIME);

thread_local! {
    /// One buffer per side for comparing files, reused by every comparison on this thread.
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

struct Scan<'a> {
    old: Option<&'a Path>,
    new: &'a Path,
    exclude: &'a Exclude,
}

/// Nodes and problems of a subtree pair, in directory order.
#[derive(Default)]
struct Found {
    old: Vec<Node>,
    new: Vec<Node>,
    old_problems: Vec<String>,
    new_problems: Vec<String>,
}

impl Found {
    fn append(&mut self, mut other: Found) {
        self.old.append(&mut other.old);
        self.new.append(&mut other.new);
        self.old_problems.append(&mut other.old_problems);
        self.new_problems.append(&mut other.new_problems);
    }

    fn problem(&mut self, old_side: bool, msg: String) {
        if old_side {
            self.old_problems.push(msg)
        } else {
            self.new_problems.push(msg)
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

/// One name in a listed directory.
struct Name {
    name: CString,
    kind: FileType,
}

/// Whether the node is a directory to descend into.
fn is_dir(n: &Option<Node>) -> bool {
    n.as_ref().is_some_and(|n| n.kind == Kind::Dir)
}

fn message(op: Op, path: &Path, e: impl Into<io::Error>) -> String {
    let e = fstree::Error::new(op, path, e.into());
    format!("{e}: {}", e.source)
}

fn node(path: Vec<u8>, st: &Statx, link: Option<Vec<u8>>) -> Node {
    Node {
        path,
        kind: Kind::from_mode(st.stx_mode.into()),
        mode: u32::from(st.stx_mode) & 0o7777,
        size: st.stx_size,
        mtime: Timestamp {
            secs: st.stx_mtime.tv_sec,
            nanos: st.stx_mtime.tv_nsec.min(999_999_999),
        },
        link,
        sha256: None,
        content: Content::Unknown,
    }
}

fn child(rel: &[u8], name: &CStr) -> Vec<u8> {
    let name = name.to_bytes();
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

/// Fills `buf` from `fd`; false when the file ends first.
fn fill(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<bool> {
    let mut done = 0;
    while done < buf.len() {
        match rustix::io::read(fd, &mut buf[done..]) {
            Ok(0) => return Ok(false),
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// Compares the first `size` bytes of two open files (their stat size).
fn same_bytes(a: BorrowedFd<'_>, b: BorrowedFd<'_>, size: u64) -> Content {
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

impl Scan<'_> {
    fn root(&self, old_side: bool) -> &Path {
        match (old_side, self.old) {
            (true, Some(r)) => r,
            _ => self.new,
        }
    }

    /// Checks that a root is a directory (following a symlink root) and opens it.
    fn open_root(&self, root: &Path) -> Result<io::Result<OwnedFd>, Error> {
        let meta = std::fs::metadata(root)
            .map_err(|e| Error::Tree(fstree::Error::new(Op::Stat, root, e)))?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory(root.to_path_buf()));
        }
        Ok(rustix::fs::open(
            root,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(io::Error::from))
    }

    fn root_dir(
        &self,
        fd: Option<io::Result<OwnedFd>>,
        old_side: bool,
        found: &mut Found,
    ) -> Option<OwnedFd> {
        match fd? {
            Ok(fd) => Some(fd),
            Err(e) => {
                found.problem(old_side, message(Op::ReadDir, self.root(old_side), e));
                None
            }
        }
    }

    /// Lists a directory: names sorted by bytes, excluded ones left out.
    fn list(&self, dir: &mut Dir, rel: &[u8], old_side: bool, found: &mut Found) -> Vec<Name> {
        let mut names = Vec::new();
        for entry in dir.by_ref() {
            match entry {
                Ok(e) => {
                    let name = e.file_name();
                    if name == c"." || name == c".." {
                        continue;
                    }
                    if !self.exclude.is_empty()
                        && self.exclude.is_excluded(as_path(&child(rel, name)))
                    {
                        continue;
                    }
                    names.push(Name {
                        name: name.to_owned(),
                        kind: e.file_type(),
                    });
                }
                Err(e) => {
                    let path = self.root(old_side).join(as_path(rel));
                    found.problem(old_side, message(Op::ReadDir, &path, e));
                    break;
                }
            }
        }
        names.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        names
    }

    /// Looks at one entry through its directory (stat, and a symlink's target), reporting a
    /// failure in `found`.
    fn look_or_report(
        &self,
        dir: BorrowedFd<'_>,
        name: &CStr,
        rel: &[u8],
        old_side: bool,
        found: &mut Found,
    ) -> Option<Node> {
        let path = || self.root(old_side).join(as_path(rel));
        let st = match rustix::fs::statx(dir, name, AtFlags::SYMLINK_NOFOLLOW, WANT) {
            Ok(st) => st,
            Err(e) => {
                found.problem(old_side, message(Op::Stat, &path(), e));
                return None;
            }
        };
        let link = if Kind::from_mode(st.stx_mode.into()) == Kind::Symlink {
            match rustix::fs::readlinkat(dir, name, Vec::new()) {
                Ok(l) => Some(l.into_bytes()),
                Err(e) => {
                    found.problem(old_side, message(Op::ReadLink, &path(), e));
                    return None;
                }
            }
        } else {
            None
        };
        Some(node(rel.to_vec(), &st, link))
    }

    /// Two regular files of one name: open both, stat both, compare when the sizes agree.
    /// `None` when either cannot be opened or is no longer a regular file.
    fn file_pair(
        &self,
        od: BorrowedFd<'_>,
        nd: BorrowedFd<'_>,
        name: &CStr,
        rel: &[u8],
    ) -> Option<(Node, Node)> {
        let flags =
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let of = rustix::fs::openat(od, name, flags, Mode::empty()).ok()?;
        let nf = rustix::fs::openat(nd, name, flags, Mode::empty()).ok()?;
        let stat = |fd: &OwnedFd| rustix::fs::statx(fd, c"", AtFlags::EMPTY_PATH, WANT).ok();
        let (os, ns) = (stat(&of)?, stat(&nf)?);
        let (mut a, mut b) = (node(rel.to_vec(), &os, None), node(rel.to_vec(), &ns, None));
        if a.kind != Kind::File || b.kind != Kind::File {
            return None;
        }
        b.content = if a.size != b.size {
            Content::Differs
        } else {
            same_bytes(of.as_fd(), nf.as_fd(), a.size)
        };
        a.content = b.content;
        Some((a, b))
    }

    /// Opens a subdirectory of an open directory for scanning.
    fn open_dir(
        &self,
        parent: Option<BorrowedFd<'_>>,
        name: &CStr,
        rel: &[u8],
        old_side: bool,
        found: &mut Found,
    ) -> Option<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(parent?, name, flags, Mode::empty()) {
            Ok(fd) => Some(fd),
            Err(e) => {
                let path = self.root(old_side).join(as_path(rel));
                found.problem(old_side, message(Op::ReadDir, &path, e));
                None
            }
        }
    }

    /// Scans a directory present on one or both sides, and everything beneath it.
    fn dir_pair(&self, old: Option<OwnedFd>, new: Option<OwnedFd>, rel: &[u8]) -> Found {
        let mut found = Found::default();
        let list = |fd: Option<OwnedFd>, old_side: bool, found: &mut Found| match fd {
            None => (None, Vec::new()),
            Some(fd) => match Dir::new(fd) {
                Ok(mut dir) => {
                    let names = self.list(&mut dir, rel, old_side, found);
                    (Some(dir), names)
                }
                Err(e) => {
                    let path = self.root(old_side).join(as_path(rel));
                    found.problem(old_side, message(Op::ReadDir, &path, e));
                    (None, Vec::new())
                }
            },
        };
        let (odir, onames) = list(old, true, &mut found);
        let (ndir, nnames) = list(new, false, &mut found);
        let ofd = odir.as_ref().and_then(|d| d.fd().ok());
        let nfd = ndir.as_ref().and_then(|d| d.fd().ok());
        // Subdirectories to scan next: name, relative path, on the old side, on the new side.
        let mut subdirs: Vec<(&CStr, Vec<u8>, bool, bool)> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < onames.len() || j < nnames.len() {
            let (o, n) = match (onames.get(i), nnames.get(j)) {
                (Some(a), Some(b)) if a.name == b.name => (Some(a), Some(b)),
                (Some(a), Some(b)) if a.name < b.name => (Some(a), None),
                (Some(a), None) => (Some(a), None),
                (_, b) => (None, b),
            };
            i += usize::from(o.is_some());
            j += usize::from(n.is_some());
            let name = o.or(n).map(|x| x.name.as_c_str()).unwrap_or_default();
            let rel = child(rel, name);
            let both_files = matches!(
                (o, n),
                (Some(a), Some(b)) if a.kind == FileType::RegularFile && b.kind == FileType::RegularFile
            );
            let pair = match (both_files, ofd, nfd) {
                (true, Some(od), Some(nd)) => self.file_pair(od, nd, name, &rel),
                _ => None,
            };
            let (a, b) = match pair {
                Some((a, b)) => (Some(a), Some(b)),
                None => {
                    let mut side = |x: Option<&Name>, fd: Option<BorrowedFd<'_>>, old_side| {
                        x.and(fd).and_then(|fd| {
                            self.look_or_report(fd, name, &rel, old_side, &mut found)
                        })
                    };
                    (side(o, ofd, true), side(n, nfd, false))
                }
            };
            if is_dir(&a) || is_dir(&b) {
                subdirs.push((name, rel, is_dir(&a), is_dir(&b)));
            }
            if let Some(a) = a {
                found.push(true, a);
            }
            if let Some(b) = b {
                found.push(false, b);
            }
        }
        let below: Vec<Found> = subdirs
            .into_par_iter()
            .map(|(name, rel, in_old, in_new)| {
                let mut found = Found::default();
                let o = in_old
                    .then(|| self.open_dir(ofd, name, &rel, true, &mut found))
                    .flatten();
                let n = in_new
                    .then(|| self.open_dir(nfd, name, &rel, false, &mut found))
                    .flatten();
                found.append(self.dir_pair(o, n, &rel));
                found
            })
            .collect();
        for f in below {
            found.append(f);
        }
        found
    }
}
