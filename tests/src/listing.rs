//! [`Listing`]: a snapshot of a real tree, read without following symlinks and without
//! disturbing access times (files and directories are opened with `O_NOATIME`), and
//! [`compare`]/[`assert_same_tree`] to compare two of them exactly, field by chosen field.
//!
//! A failure message lists every difference, then both listings, with names and contents
//! escaped by [`show`](crate::show), so a test failure says what went wrong without a rerun.

use std::collections::BTreeMap;
use std::ffi::{CStr, OsStr};
use std::fmt;
use std::fs;
use std::io::{self, Read as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};

use crate::show::{show, show_content};

/// The type of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Named pipe.
    Fifo,
    /// Unix socket.
    Socket,
    /// Character device.
    CharDevice,
    /// Block device.
    BlockDevice,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "link",
            Kind::Fifo => "fifo",
            Kind::Socket => "sock",
            Kind::CharDevice => "chr",
            Kind::BlockDevice => "blk",
        })
    }
}

/// One entry of a [`Listing`]: everything `lstat` says, plus contents and link target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the root, as bytes (`a/b.txt`).
    pub path: Vec<u8>,
    /// Entry type.
    pub kind: Kind,
    /// Permission bits (`mode & 0o7777`).
    pub perm: u32,
    /// Size in bytes (`st_size`).
    pub size: u64,
    /// Contents of a regular file (`None` for other kinds).
    pub content: Option<Vec<u8>>,
    /// Target of a symbolic link.
    pub target: Option<Vec<u8>>,
    /// Modification time, ns since the epoch.
    pub mtime: i64,
    /// Access time, ns since the epoch (as before this listing read the entry).
    pub atime: i64,
    /// Status change time, ns since the epoch.
    pub ctime: i64,
    /// Device number of the filesystem.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Number of hard links.
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Other paths of this listing with the same inode (hard links), sorted.
    pub hardlinks: Vec<Vec<u8>>,
}

/// The entries of a tree below its root (the root itself is in [`Listing::root`]), sorted by
/// path component by component (the order of a sorted walk).
#[derive(Clone, Debug)]
pub struct Listing {
    /// The directory that was read.
    pub dir: PathBuf,
    /// The root directory itself (path empty).
    pub root: Entry,
    /// Everything below the root.
    pub entries: Vec<Entry>,
}

impl Listing {
    /// Reads the tree at `root` (which must be a directory, not a symlink to one).
    pub fn read(root: impl AsRef<Path>) -> Listing {
        let dir = root.as_ref().to_path_buf();
        let root = read_entry(&dir, Vec::new());
        assert_eq!(
            root.kind,
            Kind::Dir,
            "Listing::read: {} is not a directory",
            dir.display()
        );
        let mut entries = Vec::new();
        walk(&dir, &[], &mut entries);
        entries.sort_by(|a, b| {
            a.path
                .split(|&c| c == b'/')
                .cmp(b.path.split(|&c| c == b'/'))
        });
        let mut by_inode: BTreeMap<(u64, u64), Vec<Vec<u8>>> = BTreeMap::new();
        for e in entries
            .iter()
            .filter(|e| e.kind != Kind::Dir && e.nlink > 1)
        {
            by_inode
                .entry((e.dev, e.ino))
                .or_default()
                .push(e.path.clone());
        }
        for e in &mut entries {
            if let Some(group) = by_inode.get(&(e.dev, e.ino)) {
                e.hardlinks = group.iter().filter(|p| **p != e.path).cloned().collect();
            }
        }
        Listing { dir, root, entries }
    }

    /// The entry at `path`, if any.
    pub fn get(&self, path: impl AsRef<[u8]>) -> Option<&Entry> {
        let path = path.as_ref();
        self.entries.iter().find(|e| e.path == path)
    }

    /// The paths, in order.
    pub fn paths(&self) -> Vec<&[u8]> {
        self.entries.iter().map(|e| e.path.as_slice()).collect()
    }

    /// This listing without the entries for which `drop(entry)` is true.
    pub fn without(mut self, mut drop: impl FnMut(&Entry) -> bool) -> Listing {
        self.entries.retain(|e| !drop(e));
        self
    }

    /// Paths whose inode, ctime or mtime differ between `self` (earlier) and `later`, or that
    /// exist in only one of them: what was written, replaced, created or deleted in between.
    pub fn touched(&self, later: &Listing) -> Vec<Vec<u8>> {
        compare(self, later, &Compare::identical())
            .into_iter()
            .map(|d| d.path)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// A [`Tree`](crate::Tree) describing this listing: kinds, contents, modes, link targets,
    /// hard links (to the first name of each group), and atimes and mtimes of every entry, so
    /// a real tree can be captured, edited and rebuilt elsewhere. Sockets and devices are
    /// skipped.
    pub fn to_tree(&self) -> crate::Tree {
        let mut tree = crate::Tree::new();
        for e in &self.entries {
            let first_name = e.hardlinks.first().filter(|other| **other < e.path);
            tree = match (e.kind, first_name) {
                (Kind::File, Some(first)) => tree.hardlink(&e.path, first),
                (Kind::File, None) => {
                    tree.file_mode(&e.path, e.content.as_deref().unwrap_or_default(), e.perm)
                }
                (Kind::Dir, _) => tree.dir_mode(&e.path, e.perm),
                (Kind::Symlink, _) => {
                    tree.symlink(&e.path, e.target.as_deref().unwrap_or_default())
                }
                (Kind::Fifo, _) => tree.with(&e.path, crate::Node::Fifo { mode: e.perm }),
                _ => continue,
            };
            tree = tree.times(&e.path, e.atime, e.mtime);
        }
        tree
    }

    /// The listing as text, one entry a line, showing the fields `cmp` compares.
    pub fn render(&self, cmp: &Compare) -> String {
        let mut out = format!("{} ({} entries):\n", self.dir.display(), self.entries.len());
        for e in &self.entries {
            out.push_str("  ");
            out.push_str(&e.render(cmp));
            out.push('\n');
        }
        out
    }
}

impl Entry {
    /// One line: kind, mode, size, path, then target or content, then the compared times.
    pub fn render(&self, cmp: &Compare) -> String {
        let mut line = format!(
            "{:<4} {:04o} {:>7} \"{}\"",
            self.kind,
            self.perm,
            self.size,
            show(&self.path)
        );
        if let Some(t) = &self.target {
            line.push_str(&format!(" -> \"{}\"", show(t)));
        }
        if let Some(c) = &self.content {
            line.push_str(&format!(" = {}", show_content(c)));
        }
        if cmp.mtimes && (self.kind != Kind::Dir || cmp.dir_mtimes) {
            line.push_str(&format!(" mtime={}", show_time(self.mtime)));
        }
        if cmp.atimes && self.kind != Kind::Symlink {
            line.push_str(&format!(" atime={}", show_time(self.atime)));
        }
        if cmp.inodes || cmp.hardlinks || cmp.nlinks {
            line.push_str(&format!(" ino={} nlink={}", self.ino, self.nlink));
        }
        if cmp.ctimes {
            line.push_str(&format!(" ctime={}", show_time(self.ctime)));
        }
        if cmp.owners {
            line.push_str(&format!(" uid={} gid={}", self.uid, self.gid));
        }
        line
    }
}

fn show_time(ns: i64) -> String {
    format!(
        "{}.{:09}",
        ns.div_euclid(crate::NS),
        ns.rem_euclid(crate::NS)
    )
}

fn walk(root: &Path, rel: &[u8], out: &mut Vec<Entry>) {
    let dir = join(root, rel);
    let fd = open_noatime(&dir, OFlags::DIRECTORY)
        .unwrap_or_else(|e| panic!("Listing::read: opening {}: {e}", dir.display()));
    let reader = rustix::fs::Dir::read_from(&fd)
        .unwrap_or_else(|e| panic!("Listing::read: reading {}: {e}", dir.display()));
    let mut names: Vec<Vec<u8>> = Vec::new();
    for item in reader {
        let item = item.unwrap_or_else(|e| panic!("Listing::read: reading {}: {e}", dir.display()));
        let name: &CStr = item.file_name();
        let name = name.to_bytes();
        if name != b"." && name != b".." {
            names.push(name.to_vec());
        }
    }
    names.sort();
    for name in names {
        let mut path = rel.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(&name);
        let entry = read_entry(root, path.clone());
        let is_dir = entry.kind == Kind::Dir;
        out.push(entry);
        if is_dir {
            walk(root, &path, out);
        }
    }
}

fn join(root: &Path, rel: &[u8]) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(OsStr::from_bytes(rel))
    }
}

/// Opens read-only with `O_NOATIME` (falling back without it when not the owner).
fn open_noatime(path: &Path, extra: OFlags) -> io::Result<rustix::fd::OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW | extra;
    match rustix::fs::open(path, flags | OFlags::NOATIME, Mode::empty()) {
        Err(rustix::io::Errno::PERM) => Ok(rustix::fs::open(path, flags, Mode::empty())?),
        other => Ok(other?),
    }
}

fn read_entry(root: &Path, path: Vec<u8>) -> Entry {
    let full = join(root, &path);
    let md = fs::symlink_metadata(&full)
        .unwrap_or_else(|e| panic!("Listing::read: lstat {}: {e}", full.display()));
    let ft = md.file_type();
    use std::os::unix::fs::FileTypeExt;
    let kind = if ft.is_file() {
        Kind::File
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_fifo() {
        Kind::Fifo
    } else if ft.is_socket() {
        Kind::Socket
    } else if ft.is_char_device() {
        Kind::CharDevice
    } else {
        Kind::BlockDevice
    };
    let content = (kind == Kind::File).then(|| {
        let mut buf = Vec::with_capacity(md.len() as usize);
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOATIME | libc::O_NOFOLLOW)
            .open(&full)
            .or_else(|_| fs::File::open(&full))
            .and_then(|mut f| f.read_to_end(&mut buf))
            .unwrap_or_else(|e| panic!("Listing::read: reading {}: {e}", full.display()));
        buf
    });
    let target = (kind == Kind::Symlink).then(|| {
        fs::read_link(&full)
            .unwrap_or_else(|e| panic!("Listing::read: readlink {}: {e}", full.display()))
            .into_os_string()
            .into_encoded_bytes()
    });
    Entry {
        path,
        kind,
        perm: md.mode() & 0o7777,
        size: md.size(),
        content,
        target,
        mtime: md.mtime() * crate::NS + md.mtime_nsec(),
        atime: md.atime() * crate::NS + md.atime_nsec(),
        ctime: md.ctime() * crate::NS + md.ctime_nsec(),
        dev: md.dev(),
        ino: md.ino(),
        nlink: md.nlink(),
        uid: md.uid(),
        gid: md.gid(),
        hardlinks: Vec::new(),
    }
}

/// Which fields [`compare`] looks at. Kinds, paths, file contents and link targets are always
/// compared; the rest as chosen. `Compare::default()` = contents and modes, no times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compare {
    /// Permission bits of files, directories and fifos (symlinks have none on Linux).
    pub modes: bool,
    /// Modification times of files, symlinks and fifos, to the nanosecond.
    pub mtimes: bool,
    /// Modification times of directories too (with `mtimes`).
    pub dir_mtimes: bool,
    /// Access times, except of symlinks: reading a link's target (which any reader, this
    /// listing included, must do) updates its atime, and no flag prevents that.
    pub atimes: bool,
    /// Which paths are hard links of which (by group, not inode numbers).
    pub hardlinks: bool,
    /// Link counts.
    pub nlinks: bool,
    /// Inode numbers (meaningful only for the same tree read twice).
    pub inodes: bool,
    /// Status change times (meaningful only for the same tree read twice).
    pub ctimes: bool,
    /// Owner and group.
    pub owners: bool,
}

impl Default for Compare {
    fn default() -> Self {
        Compare {
            modes: true,
            mtimes: false,
            dir_mtimes: false,
            atimes: false,
            hardlinks: false,
            nlinks: false,
            inodes: false,
            ctimes: false,
            owners: false,
        }
    }
}

impl Compare {
    /// Contents, kinds and targets only: no modes, no times.
    pub fn contents() -> Self {
        Compare {
            modes: false,
            ..Compare::default()
        }
    }

    /// Contents and modes (the default).
    pub fn modes() -> Self {
        Compare::default()
    }

    /// Contents, modes and mtimes of everything but directories.
    pub fn mtimes() -> Self {
        Compare {
            mtimes: true,
            ..Compare::default()
        }
    }

    /// What `cp -a` preserves: contents, modes, all mtimes, hard-link groups, owners.
    pub fn faithful() -> Self {
        Compare {
            mtimes: true,
            dir_mtimes: true,
            hardlinks: true,
            owners: true,
            ..Compare::default()
        }
    }

    /// Everything, including inode numbers, ctimes and atimes: "the same tree, untouched".
    pub fn identical() -> Self {
        Compare {
            modes: true,
            mtimes: true,
            dir_mtimes: true,
            atimes: true,
            hardlinks: true,
            nlinks: true,
            inodes: true,
            ctimes: true,
            owners: true,
        }
    }
}

/// What differs about one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// Present on the left only.
    OnlyLeft(Kind),
    /// Present on the right only.
    OnlyRight(Kind),
    /// Different types.
    Kind(Kind, Kind),
    /// Different file contents; the offset of the first differing byte.
    Content {
        /// First differing offset (or the shorter length).
        offset: usize,
        /// Left size.
        left: usize,
        /// Right size.
        right: usize,
    },
    /// Different link targets.
    Target(Vec<u8>, Vec<u8>),
    /// Different permission bits.
    Mode(u32, u32),
    /// Different mtimes (ns).
    Mtime(i64, i64),
    /// Different atimes (ns).
    Atime(i64, i64),
    /// Different ctimes (ns).
    Ctime(i64, i64),
    /// Different inode numbers.
    Inode(u64, u64),
    /// Different link counts.
    Nlink(u64, u64),
    /// Different hard-link groups (the other names of the same file).
    HardLinks(Vec<Vec<u8>>, Vec<Vec<u8>>),
    /// Different owner or group (`(uid, gid)`).
    Owner((u32, u32), (u32, u32)),
}

/// One difference found by [`compare`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The relative path.
    pub path: Vec<u8>,
    /// What differs.
    pub what: What,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\": ", show(&self.path))?;
        match &self.what {
            What::OnlyLeft(k) => write!(f, "{k} only on the left"),
            What::OnlyRight(k) => write!(f, "{k} only on the right"),
            What::Kind(a, b) => write!(f, "type {a} != {b}"),
            What::Content {
                offset,
                left,
                right,
            } => {
                write!(
                    f,
                    "contents differ at byte {offset} (sizes {left} and {right})"
                )
            }
            What::Target(a, b) => write!(f, "link target \"{}\" != \"{}\"", show(a), show(b)),
            What::Mode(a, b) => write!(f, "mode {a:04o} != {b:04o}"),
            What::Mtime(a, b) => write!(f, "mtime {} != {}", show_time(*a), show_time(*b)),
            What::Atime(a, b) => write!(f, "atime {} != {}", show_time(*a), show_time(*b)),
            What::Ctime(a, b) => write!(f, "ctime {} != {}", show_time(*a), show_time(*b)),
            What::Inode(a, b) => write!(f, "inode {a} != {b}"),
            What::Nlink(a, b) => write!(f, "nlink {a} != {b}"),
            What::HardLinks(a, b) => {
                let s = |v: &Vec<Vec<u8>>| v.iter().map(show).collect::<Vec<_>>().join(", ");
                write!(f, "hard links [{}] != [{}]", s(a), s(b))
            }
            What::Owner(a, b) => write!(f, "owner {}:{} != {}:{}", a.0, a.1, b.0, b.1),
        }
    }
}

/// Every difference between two listings under `cmp`, in path order.
pub fn compare(left: &Listing, right: &Listing, cmp: &Compare) -> Vec<Difference> {
    let mut out = Vec::new();
    let l: BTreeMap<&[u8], &Entry> = left
        .entries
        .iter()
        .map(|e| (e.path.as_slice(), e))
        .collect();
    let r: BTreeMap<&[u8], &Entry> = right
        .entries
        .iter()
        .map(|e| (e.path.as_slice(), e))
        .collect();
    let mut paths: Vec<&[u8]> = l.keys().chain(r.keys()).copied().collect();
    paths.sort_by(|a, b| a.split(|&c| c == b'/').cmp(b.split(|&c| c == b'/')));
    paths.dedup();
    for path in paths {
        let mut diff = |what| {
            out.push(Difference {
                path: path.to_vec(),
                what,
            })
        };
        match (l.get(path), r.get(path)) {
            (Some(a), None) => diff(What::OnlyLeft(a.kind)),
            (None, Some(b)) => diff(What::OnlyRight(b.kind)),
            (Some(a), Some(b)) => compare_entries(a, b, cmp, &mut diff),
            (None, None) => unreachable!("path comes from one of the maps"),
        }
    }
    out
}

fn compare_entries(a: &Entry, b: &Entry, cmp: &Compare, diff: &mut impl FnMut(What)) {
    if a.kind != b.kind {
        return diff(What::Kind(a.kind, b.kind));
    }
    if let (Some(x), Some(y)) = (&a.content, &b.content)
        && x != y
    {
        let offset = x
            .iter()
            .zip(y)
            .position(|(p, q)| p != q)
            .unwrap_or(x.len().min(y.len()));
        diff(What::Content {
            offset,
            left: x.len(),
            right: y.len(),
        });
    }
    if a.target != b.target {
        diff(What::Target(
            a.target.clone().unwrap_or_default(),
            b.target.clone().unwrap_or_default(),
        ));
    }
    if cmp.modes && a.kind != Kind::Symlink && a.perm != b.perm {
        diff(What::Mode(a.perm, b.perm));
    }
    if cmp.mtimes && (a.kind != Kind::Dir || cmp.dir_mtimes) && a.mtime != b.mtime {
        diff(What::Mtime(a.mtime, b.mtime));
    }
    if cmp.atimes && a.kind != Kind::Symlink && a.atime != b.atime {
        diff(What::Atime(a.atime, b.atime));
    }
    if cmp.ctimes && a.ctime != b.ctime {
        diff(What::Ctime(a.ctime, b.ctime));
    }
    if cmp.inodes && (a.dev, a.ino) != (b.dev, b.ino) {
        diff(What::Inode(a.ino, b.ino));
    }
    if cmp.nlinks && a.kind != Kind::Dir && a.nlink != b.nlink {
        diff(What::Nlink(a.nlink, b.nlink));
    }
    if cmp.hardlinks && a.hardlinks != b.hardlinks {
        diff(What::HardLinks(a.hardlinks.clone(), b.hardlinks.clone()));
    }
    if cmp.owners && (a.uid, a.gid) != (b.uid, b.gid) {
        diff(What::Owner((a.uid, a.gid), (b.uid, b.gid)));
    }
}

/// Panics, listing the differences and both trees, unless the trees at `left` and `right` are
/// equal under `cmp`.
#[track_caller]
pub fn assert_same_tree(left: impl AsRef<Path>, right: impl AsRef<Path>, cmp: Compare) {
    assert_same_listing(&Listing::read(left), &Listing::read(right), cmp);
}

/// Panics unless the tree at `root` is what `expected` describes, under `cmp`: `expected` is
/// built into a scratch directory and the two trees compared. (Compare times only when
/// `expected` sets them on every entry compared, e.g. with [`Tree::with_mtimes`](crate::Tree::with_mtimes).)
#[track_caller]
pub fn assert_tree_matches(root: impl AsRef<Path>, expected: &crate::Tree, cmp: Compare) {
    let scratch = crate::tempdir();
    let want = expected.build(scratch.path().join("expected"));
    assert_same_listing(&Listing::read(root), &Listing::read(want), cmp);
}

/// [`assert_same_tree`] for listings already read.
#[track_caller]
pub fn assert_same_listing(left: &Listing, right: &Listing, cmp: Compare) {
    let diffs = compare(left, right, &cmp);
    if !diffs.is_empty() {
        panic!("{}", failure(left, right, &cmp, &diffs));
    }
}

/// Panics unless the tree at `before.dir` is exactly as `before` recorded it: same entries,
/// contents, modes, times (atimes included), inodes and ctimes. For "this run changed
/// nothing" (e.g. a second `treesync`, a failed all-or-nothing `applypatch`).
#[track_caller]
pub fn assert_unchanged(before: &Listing) {
    let after = Listing::read(&before.dir);
    assert_same_listing(before, &after, Compare::identical());
}

fn failure(left: &Listing, right: &Listing, cmp: &Compare, diffs: &[Difference]) -> String {
    let mut msg = format!(
        "trees differ ({} difference{}, compared with {cmp:?}):\n",
        diffs.len(),
        if diffs.len() == 1 { "" } else { "s" }
    );
    for d in diffs {
        msg.push_str(&format!("  {d}\n"));
    }
    msg.push_str("left: ");
    msg.push_str(&left.render(cmp));
    msg.push_str("right: ");
    msg.push_str(&right.render(cmp));
    msg
}
