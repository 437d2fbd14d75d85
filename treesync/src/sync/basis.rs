//! `--link-dest`, `--copy-dest` and `--compare-dest`: other trees that hold what DEST lacks.
//!
//! Each DIR is relative to DEST (as rsync reads it) and mirrors DEST's layout. For a regular
//! file DEST does not have, the DIRs are tried in the order given; the first that has it
//! unchanged (the quick check, or `-c`, and for `--link-dest` also the mode, and the owner and
//! group that `-o`/`-g` carry) decides: `--link-dest` hard-links it into DEST,
//! `--copy-dest` copies it there, `--compare-dest` leaves DEST without it. None of these is
//! itemized (measured: rsync prints them only with `-ii`). A file none of them has unchanged
//! is written as usual, but itemized against the first DIR's copy (`>f.s.......`, not
//! `>f+++++++++`), and a new directory against the first DIR's directory, as rsync does.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fstree::{Atime, Dir, Kind as FsKind, Meta, TempStyle};

use super::Engine;
use super::source::{Kind, Src};
use crate::pipeline::Res;

/// What a basis tree is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasisKind {
    /// `--compare-dest`: an unchanged file there is left out of DEST.
    Compare,
    /// `--copy-dest`: an unchanged file there is copied into DEST.
    Copy,
    /// `--link-dest`: an unchanged file there is hard-linked into DEST.
    Link,
}

/// The basis trees of a run, opened relative to DEST.
#[derive(Default)]
pub(super) struct Bases(Vec<(BasisKind, Dir)>);

impl Bases {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Opens each `--*-dest` DIR relative to `dest` (the directory the transfer's paths are
    /// relative to); one that cannot be opened is left out, as rsync ignores a missing one.
    pub(super) fn open(list: &[(BasisKind, std::path::PathBuf)], dest: &Path) -> Bases {
        Bases(
            list.iter()
                .filter_map(|(k, p)| {
                    // As the kernel resolves it from DEST, or, when DEST does not exist (a dry
                    // run), by the path's own components.
                    Dir::open_ambient(&dest.join(p), Atime::Keep)
                        .or_else(|_| Dir::open_ambient(&lexical(dest, p), Atime::Keep))
                        .ok()
                        .map(|d| (*k, d))
                })
                .collect(),
        )
    }

    /// The first basis entry at `rel` that is a directory.
    pub(super) fn dir_meta(&self, rel: &[u8]) -> Option<Meta> {
        if rel.is_empty() {
            return self.0.iter().find_map(|(_, b)| b.stat().ok());
        }
        self.0
            .iter()
            .find_map(|(_, b)| lookup(b, rel).filter(|(m, _, _)| m.kind == FsKind::Dir))
            .map(|(m, _, _)| m)
    }
}

/// `p` relative to `dest`, `..` taken off the path itself (DEST need not exist).
fn lexical(dest: &Path, p: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = dest.to_path_buf();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `rel` beneath the basis root `b`: what it is, its directory and its name.
fn lookup(b: &Dir, rel: &[u8]) -> Option<(Meta, Dir, std::ffi::OsString)> {
    let rel = Path::new(std::ffi::OsStr::from_bytes(rel));
    let (dir, name) = b.parent_beneath(rel).ok()?;
    let meta = dir.lstat(name).ok()??;
    Some((meta, dir, name.to_os_string()))
}

/// What the basis trees did for a file DEST lacks.
pub(super) enum FromBasis {
    /// It is taken care of (linked, copied or left out by `--compare-dest`).
    Done,
    /// Write it as usual, itemized against this basis copy (if any).
    Write(Option<Meta>),
    /// Write it as usual, without a line: a basis tree has the very same.
    Quiet,
}

impl Engine<'_> {
    /// For `s` DEST lacks: the first basis tree with it unchanged (a regular file) acts on it;
    /// otherwise the first with an entry of its kind is what its line compares with.
    pub(super) fn try_bases(
        &self,
        r: &mut Res,
        dfd: Option<&Dir>,
        s: &Src,
        target: Option<&[u8]>,
    ) -> FromBasis {
        let mut first = None;
        let mut first_same = None;
        let Some(bases) = self.bases() else {
            return FromBasis::Write(None);
        };
        for (kind, b) in &bases.0 {
            let Some((m, dir, name)) = lookup(b, &s.rel) else {
                continue;
            };
            if !super::entry::same_kind(s, &m) {
                continue;
            }
            first.get_or_insert(m);
            // Only regular files are taken from a basis tree; the rest is made as usual, and
            // itemized against it (not at all when it is the same there).
            if s.kind != Kind::File {
                if first_same.is_none() && self.same_other(&dir, &name, &m, s, target) {
                    first_same = Some(*kind);
                    // rsync hard-links an identical symlink or special too (`--link-dest`),
                    // and leaves it out (`--compare-dest`).
                    match kind {
                        BasisKind::Copy => {}
                        BasisKind::Compare => return FromBasis::Done,
                        BasisKind::Link => {
                            if !self.o.dry_run
                                && let Some(d) = dfd
                                && let Err(e) = super::hardlink::hard_link(&dir, &name, d, &s.name)
                            {
                                r.io_error("link", &s.rel, &e);
                            }
                            return FromBasis::Done;
                        }
                    }
                }
                continue;
            }
            if !self.same_data(r, &dir, &name, &m, s) {
                continue;
            }
            // Same content: linked, copied or left out as the option says when the attributes
            // are the same too (no line); else copied here and itemized `cf` against it.
            let attrs = self.same_attrs(&m, s);
            let act = match kind {
                _ if !attrs => BasisKind::Copy,
                k => *k,
            };
            if !self.o.dry_run
                && let Some(d) = dfd
            {
                let done = match act {
                    BasisKind::Compare => Ok(()),
                    BasisKind::Link => super::hardlink::hard_link(&dir, &name, d, &s.name),
                    BasisKind::Copy => self.copy_in(&dir, &name, d, s),
                };
                if let Err(e) = done {
                    r.io_error("link", &s.rel, &e);
                    return FromBasis::Done;
                }
            }
            if !attrs {
                let (uid, gid) = self.want_owner(s);
                let mut change = self.replacing(s, &m, uid, gid);
                (change.checksum, change.size) = (false, false);
                self.announce_copy(r, s, &change);
            }
            return FromBasis::Done;
        }
        match first_same {
            Some(_) => FromBasis::Quiet,
            None => FromBasis::Write(first),
        }
    }

    /// Is the basis entry `m` (not a regular file) what `s` is, attributes included?
    fn same_other(
        &self,
        dir: &Dir,
        name: &std::ffi::OsStr,
        m: &Meta,
        s: &Src,
        target: Option<&[u8]>,
    ) -> bool {
        let same = match s.kind {
            Kind::Link => dir.read_link(name).ok().as_deref() == target,
            Kind::Device => m.rdev == s.rdev,
            _ => true,
        };
        let time = !self.carries_mtime(s.kind) || self.same_time(m.mtime, s.mtime);
        let (uid, gid) = self.want_owner(s);
        let perms = s.kind == Kind::Link || !self.o.perms || self.want_mode(s, false) == m.mode;
        same && time && perms && uid.is_none_or(|u| u == m.uid) && gid.is_none_or(|g| g == m.gid)
    }

    /// Has the basis file `m` (`name` in `dir`) `s`'s content, by the quick check or `-c`?
    fn same_data(&self, r: &mut Res, dir: &Dir, name: &std::ffi::OsStr, m: &Meta, s: &Src) -> bool {
        if m.size != s.size {
            return false;
        }
        if !self.o.checksum {
            return self.same_time(m.mtime, s.mtime);
        }
        let mut probe = s.clone();
        probe.name = name.to_os_string();
        self.same_content(r, Some(dir), &probe, None)
    }

    /// Has the basis file `m` the attributes the run gives `s` (so DEST may share it)?
    fn same_attrs(&self, m: &Meta, s: &Src) -> bool {
        let o = self.o;
        let (uid, gid) = self.want_owner(s);
        (!o.perms || self.want_mode(s, false) == m.mode)
            && (!o.times || self.same_time(m.mtime, s.mtime))
            && uid.is_none_or(|u| u == m.uid)
            && gid.is_none_or(|g| g == m.gid)
    }

    /// A file copied from a basis tree because its attributes differ: `cf` and what differs.
    fn announce_copy(&self, r: &mut Res, s: &Src, change: &crate::itemize::Change) {
        let cs = self.o.charset;
        let mut copied = change.code(crate::itemize::Type::File);
        copied[0] = b'c';
        self.file_log(r, &copied, s, None, true);
        if let Some(f) = &self.o.out_format {
            self.log_line(r, (f, self.o.charset), &copied, s, None, false);
        } else if self.o.itemize {
            let mut code = change.code(crate::itemize::Type::File);
            code[0] = b'c';
            let line = crate::itemize::line(&code, &s.rel, crate::itemize::Type::File, None, cs);
            r.out.extend_from_slice(&line);
        } else if self.o.info.name > 0 {
            crate::itemize::push_name(&mut r.out, &s.rel, cs);
            r.out.push(b'\n');
        }
    }

    /// `--copy-dest`: copies the basis file into DEST with `s`'s attributes.
    fn copy_in(&self, dir: &Dir, name: &std::ffi::OsStr, d: &Dir, s: &Src) -> std::io::Result<()> {
        let (mut from, _) = dir.open_file(name, Atime::Keep)?;
        let (want, masked) = (self.want_mode(s, true), self.masks_new(true));
        let first = if masked { want } else { 0o600 };
        let mut tmp = d.create_temp(&s.name, TempStyle::Rsync, first)?;
        fstree::content::copy(&mut from, &mut tmp.file)?;
        let (uid, gid) = self.want_owner(s);
        fstree::dir::chown_fd(&tmp.file, uid, gid)?;
        if !masked {
            fstree::dir::chmod_fd(&tmp.file, want)?;
        }
        let mtime = self.carries_mtime(s.kind).then_some(s.mtime);
        fstree::dir::set_times_fd(&tmp.file, None, mtime)?;
        tmp.commit().map_err(|e| e.source)
    }
}
