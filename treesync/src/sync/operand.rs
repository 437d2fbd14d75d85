//! One command-line SRC operand, mapped onto DEST with rsync's rules: `src/`, `src/.`, `.`
//! and `/` copy the contents, so DEST itself is the directory that corresponds to SRC;
//! anything else copies the entry by name into DEST (DEST is a directory, ends in `/`, or
//! there are several sources), or, for a single non-directory, to DEST as a new name in DEST's
//! parent. A directory operand without `-r` is skipped with rsync's note. The top is stat'ed
//! following a symlink only when the contents are asked for (`src/`). DEST, or the directory
//! that receives the entry, is created with one `mkdir` when missing; failing to create or
//! open it stops the run ([`Error::Dest`], exit 11), where errors below it are reported per
//! entry.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::{Dir, Meta};

use super::Engine;
use super::basis;
use super::directory::Frame;
use super::source::Src;
use crate::Error;
use crate::pipeline::Sink;

/// `src/`, `src/.`, `.` and `/` copy the contents; anything else copies the entry by name.
pub(super) fn copies_contents(src: &[u8]) -> bool {
    src.ends_with(b"/") || src == b"." || src.ends_with(b"/.")
}

fn trim_slashes(p: &[u8]) -> &[u8] {
    let mut p = p;
    while p.len() > 1 && p.ends_with(b"/") {
        p = &p[..p.len() - 1];
    }
    p
}

/// The name an operand is copied under: its last component (`.` for `/`, `.` and `x/.`).
pub(super) fn base_name(src: &[u8]) -> OsString {
    let t = trim_slashes(src);
    let b = t.rsplit(|&c| c == b'/').next().unwrap_or(t);
    OsStr::from_bytes(if b.is_empty() || b == b"." { b"." } else { b }).to_os_string()
}

/// rsync sends several operands as one sorted file list: when each is copied by name, the
/// non-directories come first, then the directories, each by name (as [`dir_order`] sorts
/// them). Operands that copy a directory's contents (`src/`) keep the command line's order.
pub(super) fn sort_named(sources: &mut [OsString]) {
    if sources.len() < 2 || sources.iter().any(|s| copies_contents(s.as_bytes())) {
        return;
    }
    let is_dir = |s: &OsString| {
        fstree::dir::stat_path(Path::new(s), false).is_ok_and(|m| m.kind == fstree::Kind::Dir)
    };
    sources.sort_by(|a, b| {
        let (da, db) = (is_dir(a), is_dir(b));
        let (na, nb) = (base_name(a.as_bytes()), base_name(b.as_bytes()));
        da.cmp(&db).then_with(|| match da {
            true => super::listing::dir_order(&na, &nb),
            false => na.as_bytes().cmp(nb.as_bytes()),
        })
    });
}

/// One SRC operand as the command line named it.
struct Operand {
    path: PathBuf,
    base: OsString,
    meta: Meta,
}

impl Engine<'_> {
    pub(super) fn one_source<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        src_arg: &OsString,
        dest: &Path,
        into_dir: bool,
    ) -> Result<(), Error> {
        let sb = src_arg.as_bytes();
        let contents = copies_contents(sb);
        let path = PathBuf::from(src_arg);
        let meta = match fstree::dir::stat_path(&path, contents) {
            Ok(m) => m,
            // `--ignore-missing-args`: a SRC that does not exist is no error.
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.o.ignore_missing_args => {
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.o.delete_missing_args => {
                let base = base_name(sb);
                return self.delete_missing(sink, dest, base.as_bytes());
            }
            Err(e) => {
                let mut r = self.res();
                r.error(format_args!("link_stat \"{}\" failed: {e}", self.show(sb)));
                return sink.take(r);
            }
        };
        let op = Operand {
            path,
            base: base_name(sb),
            meta,
        };
        let is_dir = op.meta.kind == fstree::Kind::Dir;
        // `-d`: the directory is made; its entries too for `src/` (not theirs).
        if is_dir && !self.o.recursive && !self.o.dirs {
            let shown = if contents {
                ".".to_string()
            } else {
                self.show(op.base.as_bytes())
            };
            let mut r = self.res();
            let _ = writeln!(r.out, "skipping directory {shown}");
            return sink.take(r);
        }
        if is_dir && contents {
            self.contents_into(sc, sink, op, dest)
        } else {
            self.entry_into(sc, sink, op, dest, into_dir || is_dir)
        }
    }

    /// `src/`: DEST itself is the directory that corresponds to SRC.
    fn contents_into<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        op: Operand,
        dest: &Path,
    ) -> Result<(), Error> {
        let o = self.o;
        let mut top = Src::new(op.base, op.path, Vec::new(), &op.meta);
        top.scope = self.top_scope(&top.path);
        self.check_filter_error()?;
        if o.hard_links {
            self.find_link_groups(&top);
        }
        let (fd, created) = self.dest_dir(sink, dest, dest, libc::EEXIST)?;
        *self.dest_root.lock().unwrap_or_else(|p| p.into_inner()) = fd.clone();
        self.open_bases(sink, dest)?;
        self.open_backup_dir(dest).map_err(|e| {
            dest_error(
                "mkdir",
                &dest.join(o.backup_dir.as_deref().unwrap_or(Path::new(""))),
                e,
            )
        })?;
        let mut plan = self.top_plan(&top, fd.as_ref(), created, dest)?;
        if self.carries_xattrs()
            && let Some(d) = &fd
        {
            let mut r = self.res();
            let mut change = plan.change;
            self.fix_xattrs(&mut r, &top, d, &mut change);
            if !plan.change.new {
                plan.change = change;
            }
            sink.take(r)?;
        }
        let mut listing = self.listing(sink, &top)?;
        self.own_notes(sink, &listing)?;
        if o.delete
            && let Some(fd) = &fd
        {
            self.delete_for(sink, &mut listing, &top, fd, plan.mtime)?;
        }
        self.print_dir_line(sink, &plan.change, &top, b"./")?;
        sink.stats.files.dir += 1;
        if plan.change.new {
            sink.stats.created.dir += 1;
        }
        let dirs = self.sync_dir(sc, sink, fd.as_ref(), created, true, listing)?;
        let frame = Frame {
            dirs: dirs.into_iter(),
            dfd: fd.clone(),
            fresh: created,
            // A dry run changes nothing, DEST's own mode and mtime included.
            finish: fd
                .filter(|_| !o.dry_run)
                .map(|fd| (fd, plan, b".".to_vec())),
        };
        self.walk_dirs(sc, sink, frame)
    }

    /// What DEST itself (`fd`, just `created` or not) needs for the top directory `top`.
    fn top_plan(
        &self,
        top: &Src,
        fd: Option<&Dir>,
        created: bool,
        dest: &Path,
    ) -> Result<super::directory::DirPlan, Error> {
        let dmeta = match fd {
            Some(f) => Some(f.stat().map_err(|e| dest_error("stat", dest, e))?),
            None => None,
        };
        // `--mkpath` makes DEST before the transfer, so rsync itemizes it as existing.
        let existing = if created && !self.o.mkpath {
            None
        } else {
            dmeta.as_ref()
        };
        let mut plan = self.dir_plan(top, existing);
        if let Some(m) = dmeta.as_ref().filter(|_| created) {
            // Made with `mkdir(0o777)`, so masked as the kernel masks new directories.
            plan.settle(m.mode);
        }
        if existing.is_none()
            && let Some(bm) = self.bases().and_then(|b| b.dir_meta(b""))
        {
            // A new DEST is itemized against a basis tree's top (`--link-dest` ...).
            plan.change = self.dir_plan(top, Some(&bm)).change;
            // Created here, so `cd..t......` when something differs (else no line).
            plan.change.transferred = plan.change.is_change();
        }
        Ok(plan)
    }

    /// Anything but `src/`: the entry lands by name in a directory (DEST, or DEST's parent for
    /// a single non-directory copied to a new name).
    fn entry_into<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        sink: &mut Sink<'_, 's>,
        op: Operand,
        dest: &Path,
        into_dir: bool,
    ) -> Result<(), Error> {
        let (parent_path, name): (PathBuf, OsString) = if into_dir {
            (dest.to_path_buf(), op.base.clone())
        } else {
            let parent = dest
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = dest
                .file_name()
                .map(OsStr::to_os_string)
                .unwrap_or_else(|| op.base.clone());
            (parent.to_path_buf(), name)
        };
        let (parent_fd, _) = self.dest_dir(sink, &parent_path, dest, libc::ENOTDIR)?;
        *self.dest_root.lock().unwrap_or_else(|p| p.into_inner()) = parent_fd.clone();
        self.open_bases(sink, &parent_path)?;
        self.open_backup_dir(&parent_path).map_err(|e| {
            let dir = self.o.backup_dir.as_deref().unwrap_or(Path::new(""));
            dest_error("mkdir", &parent_path.join(dir), e)
        })?;
        let is_dir = op.meta.kind == fstree::Kind::Dir;
        let rel = op.base.as_bytes().to_vec();
        let mut src = Src::new(name, op.path, rel, &op.meta);
        src.shallow = !self.o.recursive;
        src.scope = self.top_scope(src.path.parent().unwrap_or(Path::new("")));
        self.check_filter_error()?;
        if self.hidden(src.scope.as_deref(), &src) {
            return Ok(());
        }
        if is_dir {
            if self.o.hard_links {
                self.find_link_groups(&src);
            }
            return self.sync_subdir(sc, sink, parent_fd.as_ref(), false, &src, true);
        }
        let mut r = self.res();
        if let Some(note) = self.skip_note(&src) {
            r.out.extend_from_slice(&note);
            super::listing::count_skipped(&mut r, &src);
            return sink.take(r);
        }
        let r = self.sync_entry(parent_fd.as_ref(), false, &mut src);
        sink.take(r)
    }

    /// Opens the directory `path` that receives the transfer, creating it with one `mkdir`
    /// when missing (not in a dry run: then `None`); `not_dir` is the error for a
    /// non-directory there. Returns it and whether it was created. Failing stops the run.
    pub(super) fn dest_dir(
        &self,
        sink: &mut Sink<'_, '_>,
        path: &Path,
        dest: &Path,
        not_dir: i32,
    ) -> Result<(Option<Dir>, bool), Error> {
        if self.untrusted(path) {
            return Err(Error::Untrusted {
                path: dest.to_path_buf(),
            });
        }
        match fs::metadata(path) {
            Ok(m) if m.is_dir() => Ok((Some(open_root(path)?), false)),
            Ok(_) => Err(dest_error(
                "mkdir",
                path,
                io::Error::from_raw_os_error(not_dir),
            )),
            Err(_) => {
                let mut fd = None;
                let missing = self.missing_dirs(path);
                if !self.o.dry_run {
                    for dir in missing.iter().rev() {
                        fs::create_dir(dir).map_err(|e| dest_error("mkdir", dir, e))?;
                    }
                    fd = Some(open_root(path)?);
                }
                let itemizes = self.o.out_format.as_ref().is_some_and(|f| f.has_itemize());
                if self.o.itemize || self.o.verbose > 0 || itemizes {
                    let shown = String::from_utf8_lossy(trim_slashes(dest.as_os_str().as_bytes()));
                    let line = match missing.len() {
                        1 => format!("created directory {shown}"),
                        n => format!("created {n} directories for {shown}"),
                    };
                    writeln!(sink.out, "{line}").map_err(Error::Output)?;
                }
                Ok((fd, true))
            }
        }
    }
}

impl Engine<'_> {
    /// Opens the `--link-dest`/`--copy-dest`/`--compare-dest` trees (relative ones from
    /// `dest`) once; one reached through an untrusted symlink is named and left out, as rsync
    /// leaves it out.
    fn open_bases(&self, sink: &mut Sink<'_, '_>, dest: &Path) -> Result<(), Error> {
        if self.bases.get().is_some() {
            return Ok(());
        }
        // `-T DIR` (relative to DEST) must exist, as rsync requires (exit 1); the
        // temporaries themselves stay beside their file, so the rename is atomic.
        if let Some(t) = &self.o.temp_dir
            && !self.o.dry_run
            && !dest.join(t).is_dir()
        {
            return Err(Error::Usage(format!(
                "The temp-dir does not exist: {}",
                t.display()
            )));
        }
        let mut r = self.res();
        let mut bases = self.o.bases.clone();
        bases.retain(|(_, p)| {
            let refused = self.untrusted(&dest.join(p));
            if refused {
                let _ = writeln!(r.err, "{}", crate::UNTRUSTED);
            }
            !refused
        });
        sink.take(r)?;
        self.bases.get_or_init(|| basis::Bases::open(&bases, dest));
        Ok(())
    }

    /// Does `path`, an operator's path, lead through a symlink owned by someone other than
    /// root or the running user (and `--insecure-links` was not given)?
    fn untrusted(&self, path: &Path) -> bool {
        !self.o.insecure_links
            && fstree::trust::untrusted_symlink(path, &fstree::trust::trusted_owner)
                .is_ok_and(|found| found.is_some())
    }

    /// `path` (missing) and, with `--mkpath`, each missing parent, deepest first.
    fn missing_dirs<'p>(&self, path: &'p Path) -> Vec<&'p Path> {
        let mut missing = vec![path];
        if self.o.mkpath {
            let mut up = path.parent();
            while let Some(p) =
                up.filter(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
            {
                missing.push(p);
                up = p.parent();
            }
        }
        missing
    }
}

pub(super) fn dest_error(op: &'static str, path: &Path, source: io::Error) -> Error {
    Error::Dest {
        op,
        path: path.to_path_buf(),
        source,
    }
}

fn open_root(p: &Path) -> Result<Dir, Error> {
    // As the operator named it: a symlink to a directory is followed, as `dst/` asks.
    Dir::open_ambient(p, fstree::Atime::Keep).map_err(|e| dest_error("open", p, e))
}
