//! The decision for one non-directory: up to date (only its attributes are fixed), or to be
//! written anew. Regular files: without `-c`, equal size and equal mtime *seconds* mean "up to
//! date" (rsync compares whole seconds); with `-c`, equal size and equal bytes do, where a
//! `--manifest` digest for the very same file (same size and, when recorded, mtime) stands in for reading
//! SRC. Symlinks are up to date with the same target, devices with the same device number,
//! FIFOs and sockets whenever DEST has the same type. An entry whose type changed since it was
//! listed, or that is gone, has vanished (exit 24). Everything else is written to
//! `.NAME.XXXXXX` in the same directory and renamed over NAME ([`super::transfer`]).

use std::fs;
use std::io;

use fstree::{Dir, Kind as FsKind, Timestamp};

use super::Engine;
use super::source::{Kind, Src};
use super::transfer::open_source;
use crate::itemize::Change;
use crate::pipeline::Res;

impl Engine<'_> {
    /// Bring one non-directory up to date. `fresh`: `dfd` was created by this run, so there
    /// is nothing to compare with.
    pub(super) fn sync_entry(&self, dfd: Option<&Dir>, fresh: bool, s: &mut Src) -> Res {
        let mut r = self.res();
        if self.stopped() {
            return r;
        }
        // A regular file that will be read anyway is opened first and `fstat`ed (one name
        // lookup instead of two); if it cannot be opened, the `lstat` path below reports why
        // where rsync does.
        let mut src_file = None;
        if !s.statted && s.kind == Kind::File && (self.o.checksum || fresh) {
            if let Ok((f, m)) = s.open() {
                s.set_meta(&m);
                src_file = Some(f);
            }
            if s.statted && s.kind != Kind::File {
                r.vanished(&s.rel);
                return r;
            }
        }
        if !s.statted {
            let listed = s.kind;
            match s.lstat() {
                Ok(m) => s.set_meta(&m),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    r.vanished(&s.rel);
                    return r;
                }
                Err(e) => {
                    r.io_error("readlink_stat", &s.rel, &e);
                    return r;
                }
            }
            if s.kind != listed {
                // Replaced since it was listed: as good as vanished for this run.
                r.vanished(&s.rel);
                return r;
            }
        }
        let s = &*s;
        match s.kind {
            Kind::File => {
                r.stats.files.reg += 1;
                r.stats.total_size += s.size;
            }
            Kind::Link => {
                r.stats.files.link += 1;
                r.stats.total_size += s.size;
            }
            Kind::Device => r.stats.files.dev += 1,
            Kind::Special => r.stats.files.special += 1,
            Kind::Dir => {}
        }
        let existing = match dfd {
            Some(_) if fresh => None,
            Some(d) => match d.lstat(&s.name) {
                Ok(m) => m,
                Err(e) => {
                    r.io_error("stat", &s.rel, &e);
                    return r;
                }
            },
            None => None,
        };
        let target = if s.kind == Kind::Link {
            match s.readlink() {
                Ok(t) => Some(t),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    r.vanished(&s.rel);
                    return r;
                }
                Err(e) => {
                    r.io_error("readlink", &s.rel, &e);
                    return r;
                }
            }
        } else {
            None
        };
        // Is the existing DEST entry the same kind of thing (so it can be updated in place)?
        let same_kind = existing.filter(|m| match s.kind {
            Kind::File => m.kind == FsKind::File,
            Kind::Link => m.kind == FsKind::Symlink,
            Kind::Device | Kind::Special => m.kind == s.ft,
            Kind::Dir => false,
        });
        if let (Some(m), None) = (existing, same_kind)
            && m.kind == FsKind::Dir
            && let Some(d) = dfd
            && !self.make_way(&mut r, d, s)
        {
            return r;
        }
        let up_to_date = match (same_kind, s.kind) {
            (Some(m), Kind::File) => {
                if self.o.checksum {
                    m.size == s.size && self.same_content(&mut r, dfd, s, src_file.take())
                } else {
                    m.size == s.size && m.mtime.secs == s.mtime.secs
                }
            }
            (Some(_), Kind::Link) => {
                let cur = dfd.and_then(|d| d.read_link(&s.name).ok());
                cur.as_deref() == target.as_deref()
            }
            (Some(m), Kind::Device) => m.rdev == s.rdev,
            (Some(_), Kind::Special) => true,
            _ => false,
        };
        if r.partial || r.vanished {
            return r;
        }
        let (uid, gid) = self.want_owner(s);
        if up_to_date {
            if let Some(m) = same_kind {
                self.fix_attrs(&mut r, dfd, s, &m, uid, gid, target.as_deref());
            }
            return r;
        }
        // Write a new entry under a temporary name and rename it over.
        let new = same_kind.is_none();
        let mut change = Change {
            new,
            ..Default::default()
        };
        if let Some(m) = same_kind {
            change.transferred = true;
            change.checksum = match s.kind {
                Kind::File => self.o.checksum,
                _ => true,
            };
            change.size = s.kind == Kind::File && m.size != s.size;
            change.time = if self.o.times {
                (m.mtime.secs != s.mtime.secs).then_some(true)
            } else {
                Some(false)
            };
            if s.kind == Kind::File {
                change.perms = self.o.perms && self.want_mode(s, false) != m.mode;
            }
            change.owner = uid.is_some_and(|u| u != m.uid);
            change.group = gid.is_some_and(|g| g != m.gid);
            change.atime = self.o.atimes && s.kind != Kind::Special && m.atime.secs != s.atime.secs;
        }
        let mode = match same_kind {
            Some(m) if !self.o.perms && s.kind == Kind::File => m.mode,
            _ => self.want_mode(s, new),
        };
        let mtime = self.o.times.then_some(s.mtime);
        let atime = self.o.atimes.then_some(Timestamp::from_secs(s.atime.secs));
        if !self.o.dry_run
            && let Some(d) = dfd
        {
            let written = match s.kind {
                Kind::File => self.write_file(&mut r, d, s, src_file, mode, uid, gid, atime, mtime),
                Kind::Link => self.write_other(
                    &mut r,
                    d,
                    s,
                    target.as_deref(),
                    mode,
                    uid,
                    gid,
                    atime,
                    mtime,
                ),
                _ => self.write_other(&mut r, d, s, None, mode, uid, gid, atime, mtime),
            };
            if !written {
                return r;
            }
        }
        if new {
            match s.kind {
                Kind::File => r.stats.created.reg += 1,
                Kind::Link => r.stats.created.link += 1,
                Kind::Device => r.stats.created.dev += 1,
                _ => r.stats.created.special += 1,
            }
        }
        if s.kind == Kind::File {
            r.stats.transferred += 1;
            r.stats.transferred_size += s.size;
        }
        self.announce(&mut r, s, &change, target.as_deref());
        r
    }

    /// With `-c`: is DEST's file (known to have `s`'s size) equal to `s`? `src` is `s`
    /// already open, if it is.
    fn same_content(&self, r: &mut Res, dfd: Option<&Dir>, s: &Src, src: Option<fs::File>) -> bool {
        let Some(d) = dfd else { return false };
        let mut dst = match d.open_file_nonblocking(&s.name, fstree::Atime::Keep) {
            Ok((f, _)) => f,
            Err(e) => {
                r.io_error("open", &s.rel, &e);
                return false;
            }
        };
        if let Some(digest) = self.trusted_digest(s) {
            return match fstree::content::sha256(&mut dst) {
                Ok(h) => h == digest,
                Err(e) => {
                    r.io_error("read", &s.rel, &e);
                    false
                }
            };
        }
        let Some(src) = open_source(r, s, src) else {
            return false;
        };
        match crate::compare::same_content(&src, &dst, s.size) {
            Ok(same) => same,
            Err(e) => {
                r.io_error("read", &s.rel, &e);
                false
            }
        }
    }

    /// The manifest's SHA-256 for `s`, if the manifest describes this very file (same size
    /// and, when recorded, same mtime as SRC has now).
    fn trusted_digest(&self, s: &Src) -> Option<[u8; 32]> {
        let (m, root) = self.manifest.as_ref()?;
        let rel = s.path.strip_prefix(root).ok()?;
        let e = m.get(rel)?;
        if e.size != Some(s.size) {
            return None;
        }
        if let Some(t) = e.time
            && t != s.mtime
        {
            return None;
        }
        e.sha256
    }
}
