//! `snap --verify MANIFEST DIR`: what NetBSD `mtree -f MANIFEST -p DIR` does, one line per
//! difference: `PATH: size (3, 11)`, `PATH: sha256 (0x.., 0x..)`, `missing: ./PATH`,
//! `extra: PATH`. Keywords absent from the manifest are not checked, as in mtree.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::manifest::{Manifest, ManifestEntry, hex};
use fstree::walk::Found;
use fstree::{Kind, Walk, content};

/// One way the tree differs from the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The path (relative, empty for the root).
    pub path: PathBuf,
    /// What differs, as mtree words it (`size (3, 11)`), or `missing` / `extra`.
    pub what: String,
}

impl Difference {
    /// The report line, mtree style.
    pub fn line(&self) -> Vec<u8> {
        let p = if self.path.as_os_str().is_empty() {
            b".".to_vec()
        } else {
            self.path.as_os_str().as_bytes().to_vec()
        };
        let mut out = Vec::new();
        match self.what.as_str() {
            "missing" => {
                out.extend_from_slice(b"missing: ./");
                out.extend_from_slice(&p);
            }
            "extra" => {
                out.extend_from_slice(b"extra: ");
                out.extend_from_slice(&p);
            }
            w => {
                out.extend_from_slice(&p);
                out.extend_from_slice(b": ");
                out.extend_from_slice(w.as_bytes());
            }
        }
        out
    }
}

/// Compares the tree at `dir` with `manifest`; writes one line per difference to `out` and
/// returns the differences (empty when the tree matches).
pub fn verify(
    manifest: &Manifest,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<Vec<Difference>, fstree::Error> {
    let mut diffs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in Walk::new(dir) {
        let e = e?;
        match manifest.get(&e.path) {
            None => diffs.push(Difference {
                path: e.path.clone(),
                what: "extra".into(),
            }),
            Some(m) => {
                seen.insert(e.path.clone());
                compare(m, &e, dir, &mut diffs)?;
            }
        }
    }
    for m in &manifest.entries {
        if !seen.contains(&m.path) {
            diffs.push(Difference {
                path: m.path.clone(),
                what: "missing".into(),
            });
        }
    }
    for d in &diffs {
        let mut l = d.line();
        l.push(b'\n');
        out.write_all(&l)
            .map_err(|e| fstree::Error::new(fstree::Op::Write, "stdout", e))?;
    }
    Ok(diffs)
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::File => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "link",
        Kind::Fifo => "fifo",
        Kind::Socket => "socket",
        Kind::CharDevice => "char",
        Kind::BlockDevice => "block",
    }
}

fn compare(
    m: &ManifestEntry,
    e: &Found,
    dir: &Path,
    diffs: &mut Vec<Difference>,
) -> Result<(), fstree::Error> {
    let mut push = |what: String| {
        diffs.push(Difference {
            path: e.path.clone(),
            what,
        })
    };
    if let Some(k) = m.kind
        && k != e.kind
    {
        push(format!("type ({}, {})", kind_word(k), kind_word(e.kind)));
        return Ok(());
    }
    if let Some(mode) = m.mode
        && mode != e.mode
        && e.kind != Kind::Symlink
    {
        push(format!("permissions ({mode:04o}, {:04o})", e.mode));
    }
    if e.kind == Kind::File
        && let Some(size) = m.size
        && size != e.size
    {
        push(format!("size ({size}, {})", e.size));
    }
    if let Some(t) = m.time
        && t != e.mtime
    {
        push(format!(
            "modification time ({}.{:09}, {}.{:09})",
            t.secs, t.nanos, e.mtime.secs, e.mtime.nanos
        ));
    }
    if let Some(l) = &m.link
        && Some(l) != e.link.as_ref()
    {
        let now = e
            .link
            .as_deref()
            .map(|p| p.as_os_str().as_bytes())
            .unwrap_or_default();
        push(format!(
            "link target ({}, {})",
            fstree::manifest::escape(l.as_os_str().as_bytes()),
            fstree::manifest::escape(now)
        ));
    }
    if e.kind == Kind::File
        && let Some(want) = m.sha256
    {
        // Read in the directory the walk found it in, and only if it is still what was found.
        let p = dir.join(&e.path);
        let open = |(f, meta): (std::fs::File, fstree::Meta)| {
            if (meta.dev, meta.ino) == (e.dev, e.ino) {
                Ok(f)
            } else {
                Err(fstree::dir::changed_meanwhile())
            }
        };
        let mut f = e
            .dir
            .open_file(&e.name, fstree::Atime::Update)
            .and_then(open)
            .map_err(|err| fstree::Error::new(fstree::Op::Open, &p, err))?;
        let got =
            content::sha256(&mut f).map_err(|err| fstree::Error::new(fstree::Op::Read, &p, err))?;
        if got != want {
            push(format!("sha256 (0x{}, 0x{})", hex(&want), hex(&got)));
        }
    }
    Ok(())
}
