//! `-R`/`--relative` (and `--files-from`, which implies it): each SRC operand keeps its path
//! beneath DEST. The path is taken from a `/./` in it (`src/./a/b` lands as `a/b`), else whole
//! (a leading `/` and `.` components dropped; a `..` is refused, exit 1, as rsync refuses it,
//! so nothing lands outside DEST). Its parent
//! directories are sent too ("implied directories": made with SRC's attributes, itemized
//! `cd+++++++++ a/`, not entered; once per run); `--no-implied-dirs` makes missing ones plain
//! and silent instead. The operands are taken in rsync's sorted order (at each level,
//! non-directories before directories).

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::{Dir, Meta};

use super::Engine;
use super::directory::Frame;
use super::listing::dir_order;
use super::source::Src;
use crate::Error;
use crate::pipeline::Sink;

/// One `-R` operand: the directory its path is relative to, the path's components, and
/// whether it asks for a directory's contents (`a/`, `a/.`).
pub(super) struct Relative {
    root: PathBuf,
    comps: Vec<OsString>,
    contents: bool,
}

impl Relative {
    /// Splits `arg` at its `/./`, or at its root.
    pub(super) fn parse(arg: &[u8]) -> Relative {
        let (root, rest): (&[u8], &[u8]) = match find(arg, b"/./") {
            Some(0) => (b"/", &arg[3..]),
            Some(i) => (&arg[..i], &arg[i + 3..]),
            None if arg.starts_with(b"/") => (b"/", arg),
            None => (b".", arg),
        };
        let contents = arg.ends_with(b"/") || arg.ends_with(b"/.") || arg == b".";
        let comps = rest
            .split(|&b| b == b'/')
            .filter(|c| !matches!(*c, b"" | b"."))
            .map(|c| OsStr::from_bytes(c).to_os_string())
            .collect();
        Relative {
            root: PathBuf::from(OsStr::from_bytes(root)),
            comps,
            contents,
        }
    }

    /// The path within the transfer.
    fn rel(&self, n: usize) -> Vec<u8> {
        let parts: Vec<&[u8]> = self.comps[..n].iter().map(|c| c.as_bytes()).collect();
        parts.join(&b'/')
    }

    fn path(&self, n: usize) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(&self.comps[..n]);
        p
    }
}

/// The implied directories sent so far this run, and their final attributes, set once
/// everything is written.
#[derive(Default)]
struct Implied {
    sent: HashSet<Vec<u8>>,
    frames: Vec<Frame>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Sorts `-R` operands as rsync's file list: component by component, at each level
/// non-directories (by name) before directories (as if their names ended in `/`).
pub(super) fn sort_operands(ops: &mut [OsString]) {
    let key = |arg: &OsString| {
        let r = Relative::parse(arg.as_bytes());
        let last_dir = fstree::dir::stat_path(&r.path(r.comps.len()), r.contents)
            .is_ok_and(|m| m.kind == fstree::Kind::Dir);
        let n = r.comps.len();
        let comps: Vec<(bool, OsString)> = r
            .comps
            .into_iter()
            .enumerate()
            .map(|(i, c)| (i + 1 < n || last_dir, c))
            .collect();
        comps
    };
    let mut keyed: Vec<(Vec<(bool, OsString)>, OsString)> =
        ops.iter().map(|o| (key(o), o.clone())).collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for ((ad, an), (bd, bn)) in a.iter().zip(b) {
            let ord = ad.cmp(bd).then_with(|| match ad {
                true => dir_order(an, bn),
                false => an.as_bytes().cmp(bn.as_bytes()),
            });
            if ord.is_ne() {
                return ord;
            }
        }
        a.len().cmp(&b.len())
    });
    for (slot, (_, op)) in ops.iter_mut().zip(keyed) {
        *slot = op;
    }
}

impl Engine<'_> {
    /// Every `-R` operand into the directory `dest`, in rsync's order, after the notes of
    /// those left out (directories without `-r`/`-d`, missing ones).
    pub(super) fn relative_all<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        sources: &[OsString],
        dest: &Path,
    ) -> Result<(), Error> {
        let mut sorted = sources.to_vec();
        sort_operands(&mut sorted);
        let mut kept = Vec::new();
        for arg in &sorted {
            let op = Relative::parse(arg.as_bytes());
            if op.comps.iter().any(|c| c == "..") {
                let rest = String::from_utf8_lossy(&op.rel(op.comps.len())).into_owned();
                return Err(Error::Usage(format!(
                    "found \"..\" dir in relative path: {rest}"
                )));
            }
            let n = op.comps.len();
            let path = op.path(n);
            let missing =
                self.o.delete_missing_args && fstree::dir::stat_path(&path, false).is_err();
            if missing && n > 0 {
                kept.push((op, None));
                continue;
            }
            let Some(meta) = self.stat_operand(sink, &path, arg, op.contents)? else {
                continue;
            };
            if n == 0 && (self.o.recursive || self.o.dirs) {
                // The root itself (`src/./`, a `.` in `--files-from`): its contents.
                let mut top = op.root.into_os_string();
                top.push("/");
                self.one_source(sc, sink, &top, dest, true)?;
                sink.drain(0)?;
                continue;
            }
            if n == 0 || (meta.kind == fstree::Kind::Dir && !self.o.recursive && !self.o.dirs) {
                let mut r = self.res();
                let shown = if n == 0 { b".".to_vec() } else { op.rel(n) };
                let _ = writeln!(r.out, "skipping directory {}", self.show(&shown));
                sink.take(r)?;
                continue;
            }
            kept.push((op, Some(meta)));
        }
        let top = self.relative_dest(sink, dest)?;
        let mut made = Implied::default();
        for (op, meta) in kept {
            self.relative_source(sc, sink, &op, meta.as_ref(), top.clone(), &mut made)?;
            sink.drain(0)?;
        }
        // The implied directories' attributes last (writing beneath them changes mtimes),
        // deepest first.
        for frame in made.frames.into_iter().rev() {
            self.finish_later(sink, frame)?;
        }
        sink.drain(0)
    }

    /// One `-R` operand (`meta`: what it is; `None`: missing, so `--delete-missing-args`
    /// deletes DEST's copy) into DEST (`top`: DEST opened, and whether it is new); `made`: the
    /// implied directories sent so far this run.
    fn relative_source<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        op: &Relative,
        meta: Option<&Meta>,
        (mut parent, mut fresh): (Option<Dir>, bool),
        made: &mut Implied,
    ) -> Result<(), Error> {
        let n = op.comps.len();
        for i in 1..n {
            (parent, fresh) = self.implied_dir(sc, sink, op, i, (parent, fresh), made)?;
        }
        let rel = op.rel(n);
        let Some(meta) = meta else {
            return match &parent {
                Some(p) => self.delete_missing_in(sink, p, &rel),
                None => Ok(()),
            };
        };
        let is_dir = meta.kind == fstree::Kind::Dir;
        let mut src = Src::new(op.comps[n - 1].clone(), op.path(n), rel.clone(), meta);
        src.scope = self.top_scope(&op.root);
        self.check_filter_error()?;
        if self.hidden(src.scope.as_deref(), &src) {
            return Ok(());
        }
        if is_dir {
            src.shallow = !self.o.recursive && !op.contents;
            return self.sync_subdir(sc, sink, parent.as_ref(), fresh, &src, true);
        }
        let mut r = self.res();
        if let Some(note) = self.skip_note(&src) {
            r.out.extend_from_slice(&note);
            return sink.take(r);
        }
        let r = self.sync_entry(parent.as_ref(), fresh, &mut src);
        sink.take(r)
    }

    /// `lstat` (or `stat`, for `a/`) of an operand; `None` when it is missing (reported, or
    /// not with `--ignore-missing-args`).
    pub(super) fn stat_operand(
        &self,
        sink: &mut Sink<'_, '_>,
        path: &Path,
        arg: &OsString,
        follow: bool,
    ) -> Result<Option<Meta>, Error> {
        match fstree::dir::stat_path(path, follow) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.o.ignore_missing_args => Ok(None),
            Err(e) => {
                let mut r = self.res();
                let shown = self.show(arg.as_bytes());
                r.error(format_args!("link_stat \"{shown}\" failed: {e}"));
                sink.take(r)?;
                Ok(None)
            }
        }
    }

    /// DEST as the directory `-R` paths land in (made when missing), and whether it is new.
    fn relative_dest(
        &self,
        sink: &mut Sink<'_, '_>,
        dest: &Path,
    ) -> Result<(Option<Dir>, bool), Error> {
        let (fd, created) = self.dest_dir(sink, dest, dest, libc::EEXIST)?;
        *self.dest_root.lock().unwrap_or_else(|p| p.into_inner()) = fd.clone();
        self.bases
            .get_or_init(|| super::basis::Bases::open(&self.o.bases, dest));
        self.open_backup_dir(dest).map_err(|e| {
            let dir = self.o.backup_dir.as_deref().unwrap_or(Path::new(""));
            super::operand::dest_error("mkdir", &dest.join(dir), e)
        })?;
        Ok((fd, created))
    }

    /// The `i`-th implied directory of `op` in `parent` (sent once per run with SRC's
    /// attributes; with `--no-implied-dirs` made plain and silent when missing); returns it
    /// opened (`None` in a dry run where it is new) and whether it is new.
    fn implied_dir<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        op: &Relative,
        i: usize,
        (parent, fresh): (Option<Dir>, bool),
        made: &mut Implied,
    ) -> Result<(Option<Dir>, bool), Error> {
        let name = &op.comps[i - 1];
        let rel = op.rel(i);
        let existed = !fresh
            && parent
                .as_ref()
                .is_some_and(|p| p.lstat(name).is_ok_and(|m| m.is_some()));
        if !self.o.no_implied_dirs && made.sent.insert(rel.clone()) {
            if let Ok(meta) = fstree::dir::stat_path(&op.path(i), true) {
                let mut src = Src::new(name.clone(), op.path(i), rel, &meta);
                src.shallow = true;
                let frame = self.enter_subdir(sc, sink, parent.as_ref(), fresh, &src, false)?;
                made.frames.extend(frame);
            }
        } else if !existed
            && !self.o.dry_run
            && let Some(p) = &parent
            && let Err(e) = p.mkdir(name, 0o777 & !self.o.umask)
            && e.kind() != io::ErrorKind::AlreadyExists
        {
            let mut r = self.res();
            r.io_error("mkdir", &rel, &e);
            sink.take(r)?;
        }
        let opened = parent
            .as_ref()
            .and_then(|p| p.open_dir_with(name, fstree::Atime::Keep).ok());
        let new = fresh || (opened.is_none() && !existed);
        Ok((opened, new))
    }
}
