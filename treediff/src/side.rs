//! One side of the comparison as a flat list of nodes sorted by whole-path bytes: either scanned
//! from disk ([`crate::scan`], never following symlinks) or read from an mtree manifest of that
//! tree, which supplies sizes, modes, link targets and SHA-256 digests so the tree need not be
//! read.
//!
//! A scan problem on one entry (unreadable directory, vanished entry) is recorded as a message
//! and the scan goes on; the run then ends with exit status 2.

use std::io::BufReader;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::manifest::Manifest;
use fstree::{Exclude, Kind, Timestamp};

use crate::Error;

/// What the diff needs to know about one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Path relative to the root, raw bytes, never empty.
    pub path: Vec<u8>,
    /// File type.
    pub kind: Kind,
    /// Permission bits (`& 0o7777`).
    pub mode: u32,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (GNU headers).
    pub mtime: Timestamp,
    /// Symlink target.
    pub link: Option<Vec<u8>>,
    /// SHA-256 of the content, when a manifest supplied it.
    pub sha256: Option<[u8; 32]>,
    /// For a regular file on both sides, whether the scan found the contents equal.
    pub content: Content,
    /// Device and inode the scan saw (none from a manifest): what is read later must be
    /// this object, or the tree changed meanwhile.
    pub id: Option<(u64, u64)>,
}

/// What the scan learned about a regular file present on both sides ([`crate::scan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Content {
    /// Not compared (not a file pair, read from a manifest, or unreadable during the scan).
    #[default]
    Unknown,
    /// Same bytes on both sides.
    Same,
    /// Different sizes or bytes.
    Differs,
}

impl Node {
    /// The git mode of a file or symlink: 120000, or 100755 when the owner may execute it,
    /// else 100644.
    pub fn git_mode(&self) -> u32 {
        match self.kind {
            Kind::Symlink => treepatch::mode::SYMLINK,
            _ if self.mode & 0o100 != 0 => treepatch::mode::EXEC,
            _ => treepatch::mode::FILE,
        }
    }
}

/// A loaded side: its nodes in whole-path byte order, and the problems met while loading.
#[derive(Debug, Default)]
pub struct Side {
    /// Nodes sorted by `path` bytes (the root itself is not included).
    pub nodes: Vec<Node>,
    /// One message per entry that could not be examined.
    pub problems: Vec<String>,
    /// The root the scan read the side beneath (none from a manifest, or when the root could
    /// not be opened): contents are read again beneath it, never by a path joined again.
    pub root: Option<fstree::Dir>,
}

fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

/// True when `rel` or one of its ancestors is excluded.
fn excluded(exclude: &Exclude, rel: &Path) -> bool {
    !exclude.is_empty()
        && rel
            .ancestors()
            .any(|a| !a.as_os_str().is_empty() && exclude.is_excluded(a))
}

/// Reads the side from a manifest of the tree at `root`.
pub fn from_manifest(manifest: &Path, exclude: &Exclude) -> Result<Side, Error> {
    let file = std::fs::File::open(manifest).map_err(|e| Error::Manifest {
        path: manifest.to_path_buf(),
        reason: e.to_string(),
    })?;
    let m = Manifest::read(BufReader::new(file)).map_err(|e| Error::Manifest {
        path: manifest.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut side = Side::default();
    for e in m.entries {
        if e.path.as_os_str().is_empty() || excluded(exclude, &e.path) {
            continue;
        }
        let Some(kind) = e.kind else {
            let msg = format!("line {}: entry without type=", e.line);
            return Err(Error::Manifest {
                path: manifest.to_path_buf(),
                reason: msg,
            });
        };
        let size = match (kind, e.size, &e.link) {
            (_, Some(s), _) => s,
            (Kind::Symlink, None, Some(l)) => bytes(l).len() as u64,
            (Kind::File, None, _) => {
                let msg = format!("line {}: file entry without size=", e.line);
                return Err(Error::Manifest {
                    path: manifest.to_path_buf(),
                    reason: msg,
                });
            }
            _ => 0,
        };
        if kind == Kind::Symlink && e.link.is_none() {
            let msg = format!("line {}: link entry without link=", e.line);
            return Err(Error::Manifest {
                path: manifest.to_path_buf(),
                reason: msg,
            });
        }
        side.nodes.push(Node {
            path: bytes(&e.path).to_vec(),
            kind,
            mode: e
                .mode
                .unwrap_or(if kind == Kind::Dir { 0o755 } else { 0o644 }),
            size,
            mtime: e.time.unwrap_or_default(),
            link: e.link.as_deref().map(|l| bytes(l).to_vec()),
            sha256: e.sha256,
            content: Content::Unknown,
            id: None,
        });
    }
    side.nodes.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    side.nodes.dedup_by(|a, b| a.path == b.path);
    Ok(side)
}

/// `root/rel` as a path.
pub fn join(root: &Path, rel: &[u8]) -> PathBuf {
    root.join(std::ffi::OsStr::from_bytes(rel))
}

/// The bytes of the regular file `node` beneath `root` (the side's root handle, or, when the
/// side has none, the operand `path` opened now), refused when the object found there is not
/// the one the scan saw. Opened one component at a time beneath the root without following a
/// symlink, so a directory swapped for a symlink meanwhile is refused, never read through.
pub fn read(root: Option<&fstree::Dir>, path: &Path, node: &Node) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let root = match root {
        Some(dir) => dir.clone(),
        None => fstree::Dir::open_ambient(path, fstree::Atime::Update)?,
    };
    let rel = Path::new(std::ffi::OsStr::from_bytes(&node.path));
    let (mut file, meta) = root.open_file_beneath(rel, fstree::Atime::Update)?;
    if node.id.is_some_and(|id| id != (meta.dev, meta.ino)) {
        return Err(fstree::dir::changed_meanwhile());
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
    file.read_to_end(&mut data)?;
    Ok(data)
}
