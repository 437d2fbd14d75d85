//! Reading one source directory the way rsync's sender does: filter rules applied,
//! non-directories sorted by name and directories as if their names ended in `/` (so `a.d`
//! comes before `a`), names compared as bytes. Entries rsync does not carry with the given
//! flags (symlinks without `-l`, devices without `--devices`, FIFOs and sockets without
//! `--specials`, unsafe symlinks with `--safe-links`) stay in the listing's `all` with the
//! note rsync prints, so they still protect their name from `--delete`. The sender announces
//! those notes ahead of the transfer: the top directory's before its line, every deeper
//! directory's (depth first) right after the top directory's files.

use std::ffi::OsStr;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use fstree::Kind as FsKind;

use super::Engine;
use super::source::{Kind, Src};
use crate::Error;
use crate::pipeline::Res;
use crate::pipeline::Sink;

/// How many symlinked directories `-L`/`-k` follow one inside another before calling it a loop.
const MAX_FOLLOWED_DIRS: u8 = 32;

/// One source directory's entries: `all` non-directories (also those left out with a note),
/// `files` the carried ones, `dirs` the subdirectories.
#[derive(Default)]
pub(super) struct Listing {
    pub(super) all: Vec<Src>,
    pub(super) files: Vec<Src>,
    pub(super) dirs: Vec<Src>,
}

/// rsync sorts a directory's name as if it ended in `/` (so `a.d` comes before `a`).
pub(super) fn dir_order(a: &OsStr, b: &OsStr) -> std::cmp::Ordering {
    a.as_bytes()
        .iter()
        .chain(b"/")
        .cmp(b.as_bytes().iter().chain(b"/"))
}

impl Engine<'_> {
    /// List a source directory: non-directories and directories, each sorted as rsync sorts
    /// them, after filters and the `-l`/`-D`/`--safe-links` rules; listing errors are reported.
    pub(super) fn listing(&self, sink: &mut Sink<'_, '_>, dir: &Src) -> Result<Listing, Error> {
        let mut r = self.res();
        let (all, dirs) = self.list_raw(&mut r, dir, true);
        let mut files = Vec::new();
        for f in &all {
            if self.note(f).is_none() {
                files.push(f.clone());
            } else {
                count_skipped(&mut r, f);
            }
        }
        sink.take(r)?;
        self.check_filter_error()?;
        Ok(Listing { all, files, dirs })
    }

    /// All entries of a source directory after filters, sorted as rsync sorts them. Only the
    /// directories (and entries whose type `getdents` does not tell) are `stat`ed here.
    pub(super) fn list_raw(&self, r: &mut Res, dir: &Src, notes: bool) -> (Vec<Src>, Vec<Src>) {
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        if dir.mount_point {
            return (files, dirs);
        }
        let shown: &[u8] = if dir.rel.is_empty() { b"." } else { &dir.rel };
        let fd = match dir.open_dir() {
            Ok(fd) => fd,
            Err(e) => {
                if notes {
                    r.io_error("opendir", shown, &e);
                    self.sender_io_error();
                }
                return (files, dirs);
            }
        };
        let names = match fd.entries() {
            Ok(n) => n,
            Err(e) => {
                if notes {
                    r.io_error("readdir", shown, &e);
                    self.sender_io_error();
                }
                return (files, dirs);
            }
        };
        let scope = self.sender_scope(dir, &fd);
        for e in names {
            let listed = e.kind.map_or(Kind::Dir, Kind::of);
            let mut s = Src::listed(dir, &fd, e.name, listed);
            // `-H` needs every file's link count and identity before it is handled.
            if self.o.hard_links || matches!(e.kind, None | Some(FsKind::Dir)) {
                match s.lstat() {
                    Ok(m) => s.set_meta(&m),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if notes {
                            r.vanished(&s.rel);
                        }
                        continue;
                    }
                    Err(e) => {
                        if notes {
                            r.io_error("readlink_stat", &s.rel, &e);
                            self.sender_io_error();
                        }
                        continue;
                    }
                }
            }
            if s.kind == Kind::Link && self.follows_links() && !self.follow_link(r, &mut s, notes) {
                continue;
            }
            if self.hidden(scope.as_deref(), &s) {
                continue;
            }
            if s.kind == Kind::Dir {
                s.scope = scope.clone();
                // Reached without `-r`: `-d` makes it, empty.
                s.shallow = !self.o.recursive;
                // `-x`: a directory on another file system (a mount point) is made but not
                // entered; `-xx` leaves it out.
                if self.o.one_file_system > 0 && s.dev != dir.dev {
                    if self.o.one_file_system > 1 {
                        continue;
                    }
                    s.mount_point = true;
                }
                dirs.push(s);
            } else {
                files.push(s);
            }
        }
        files.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        dirs.sort_by(|a, b| dir_order(&a.name, &b.name));
        if self.o.prune_empty_dirs {
            dirs.retain(|d| self.holds_files(d));
        }
        (files, dirs)
    }

    /// `-m`: does the directory `d` hold (at any depth, after the rules) something other than
    /// directories (even one left out with a note, as rsync's sender lists it)? Else it is
    /// left out of the transfer.
    fn holds_files(&self, d: &Src) -> bool {
        let mut scratch = self.res();
        let (files, dirs) = self.list_raw(&mut scratch, d, false);
        !dirs.is_empty() || !files.is_empty()
    }

    /// Are some symlinks of SRC copied as what they point to (`-L`, `-k`,
    /// `--copy-unsafe-links`)?
    fn follows_links(&self) -> bool {
        let o = self.o;
        o.copy_links || o.copy_dirlinks || o.copy_unsafe_links
    }

    /// `-L` (every symlink), `-k` (one to a directory), `--copy-unsafe-links` (one leading out
    /// of the transfer): `s`, a symlink, becomes what it points to. False when it is to be
    /// left out: it points nowhere (`symlink has no referent`, exit 23, as rsync), or it
    /// leads through too many followed directories (a loop).
    fn follow_link(&self, r: &mut Res, s: &mut Src, notes: bool) -> bool {
        let o = self.o;
        let unsafe_link =
            o.copy_unsafe_links && s.readlink().is_ok_and(|t| Self::unsafe_link(&s.rel, &t));
        let target = s.stat_following();
        let wanted = o.copy_links
            || unsafe_link
            || (o.copy_dirlinks && target.as_ref().is_ok_and(|m| m.kind == FsKind::Dir));
        if !wanted {
            return true;
        }
        match target {
            Ok(m) if m.kind == FsKind::Dir && s.follow_depth >= MAX_FOLLOWED_DIRS => {
                if notes {
                    r.io_error(
                        "opendir",
                        &s.rel,
                        &io::Error::from_raw_os_error(libc::ELOOP),
                    );
                }
                false
            }
            Ok(m) => {
                s.follow(&m);
                true
            }
            Err(_) => {
                if notes {
                    let full = std::env::current_dir().unwrap_or_default().join(&s.path);
                    let shown = full.as_os_str().as_bytes();
                    let _ = writeln!(r.err, "symlink has no referent: \"{}\"", r.show(shown));
                    r.partial = true;
                    self.sender_io_error();
                }
                false
            }
        }
    }

    /// rsync's note for an entry it does not carry with the given flags.
    pub(super) fn skip_note(&self, s: &Src) -> Option<Vec<u8>> {
        let skip = match s.kind {
            Kind::Link => !self.o.links,
            Kind::Device => !self.o.devices,
            Kind::Special => !self.o.specials,
            Kind::File | Kind::Dir => false,
        };
        let say = self.o.info.nonreg > 0;
        skip.then(|| match say {
            true => format!("skipping non-regular file \"{}\"\n", self.show(&s.rel)).into_bytes(),
            false => Vec::new(),
        })
    }

    /// Why rsync would leave out this non-directory with the given flags (the note it
    /// prints), or `None` if it is carried.
    fn note(&self, f: &Src) -> Option<Vec<u8>> {
        if let Some(n) = self.skip_note(f) {
            return Some(n);
        }
        if f.kind == Kind::Link && self.o.safe_links {
            let t = f.readlink().ok()?;
            let t = &t[..];
            if Self::unsafe_link(&f.rel, t) {
                let text = if self.o.verbose > 0 {
                    format!(
                        "ignoring unsafe symlink \"{}\" -> \"{}\"\n",
                        self.show(&f.rel),
                        self.show(t)
                    )
                    .into_bytes()
                } else {
                    Vec::new()
                };
                return Some(text);
            }
        }
        None
    }

    /// `--safe-links`: is the symlink `rel -> target` unsafe, as rsync judges it (measured
    /// target by target at several depths)? Absolute and empty targets are. Leading `../`
    /// steps (extra slashes between them ignored) climb from the link's directory, whose depth
    /// is counted from the top of the transfer, and must not climb above it; a target that is
    /// exactly `..` is the same one step. After the leading steps any `..` is unsafe, whatever
    /// it resolves to (`a/../x`, `./..`, `../..` — rsync takes only `../` with its slash as a
    /// leading step): the names before it may be symlinks themselves.
    fn unsafe_link(rel: &[u8], target: &[u8]) -> bool {
        if target.is_empty() || target.starts_with(b"/") {
            return true;
        }
        let depth = rel.iter().filter(|&&b| b == b'/').count();
        if target == b".." {
            return depth == 0;
        }
        let mut climbed = 0;
        let mut rest = target;
        while let Some(r) = rest.strip_prefix(b"../") {
            climbed += 1;
            if climbed > depth {
                return true;
            }
            rest = &r[r.iter().take_while(|&&b| b == b'/').count()..];
        }
        rest.split(|&b| b == b'/').any(|c| c == b"..")
    }

    /// Whether any entry can be left out with a note under these flags (else no pre-scan).
    pub(super) fn may_note(&self) -> bool {
        let o = self.o;
        !o.links || !o.devices || !o.specials || (o.safe_links && o.verbose > 0)
    }

    /// rsync's sender announces skipped entries ahead of the transfer: the top directory's
    /// own before its line ([`Self::own_notes`]), every deeper one (depth first) right after
    /// its files ([`Self::deep_notes`]).
    pub(super) fn own_notes(
        &self,
        sink: &mut Sink<'_, '_>,
        listing: &Listing,
    ) -> Result<(), Error> {
        if !self.may_note() {
            return Ok(());
        }
        let mut r = self.res();
        for f in &listing.all {
            if let Some(n) = self.note(f) {
                r.out.extend_from_slice(&n);
            }
        }
        sink.take(r)
    }

    /// The notes of every directory below `dirs`, depth first (listing errors are reported by
    /// the transfer pass, not here).
    pub(super) fn deep_notes(&self, r: &mut Res, dirs: &[Src]) {
        for d in dirs {
            let mut scratch = self.res();
            let (files, sub) = self.list_raw(&mut scratch, d, false);
            for f in &files {
                if let Some(n) = self.note(f) {
                    r.out.extend_from_slice(&n);
                }
            }
            self.deep_notes(r, &sub);
        }
    }
}

/// rsync's sender lists what the receiver then skips (a symlink without `-l`, a device without
/// `-D`, an unsafe link under `--safe-links`): `--stats` counts it among the files and its size
/// (a link's: its target's length) in the total size (measured).
pub(super) fn count_skipped(r: &mut Res, f: &Src) {
    let mut f = f.clone();
    if !f.statted
        && let Ok(m) = f.lstat()
    {
        f.set_meta(&m);
    }
    super::entry::count_listed(r, &f);
}
