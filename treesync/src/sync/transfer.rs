//! Writing a new entry into DEST: a regular file, symlink, device or special is made under a
//! temporary name (`.NAME.XXXXXX`) in the same directory, given its owner, mode and times
//! there, and renamed over NAME, so DEST never shows a half-written entry under its name and a
//! symlink planted there is replaced, not written through. A regular file is copied as one
//! consistent read of SRC (read again a few times if it changes meanwhile, else left as it was
//! and reported like a vanished file, exit 24). Running out of room (`ENOSPC`, `EDQUOT`,
//! `EFBIG`) stops the whole run, as rsync's receiver does (exit 11).

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;

use fstree::{Dir, TempStyle, Timestamp};

use super::Engine;
use super::source::Src;
use crate::pipeline::Res;

/// What a new entry is given before it is renamed into place (`None`: left as created).
pub(super) struct NewAttrs {
    pub(super) mode: u32,
    /// `mode` is given at creation for the kernel to mask (umask or default ACL: a new entry
    /// without `-p`), never set afterwards.
    pub(super) masked: bool,
    pub(super) uid: Option<u32>,
    pub(super) gid: Option<u32>,
    pub(super) atime: Option<Timestamp>,
    pub(super) mtime: Option<Timestamp>,
    /// `-b`: DEST has an entry there to back up before the new one takes its name.
    pub(super) backup: bool,
}

impl NewAttrs {
    /// The mode a new regular file is created with: its own when masked, else a private one
    /// until [`NewAttrs::set_mode`] gives the exact mode.
    pub(super) fn first_mode(&self) -> u32 {
        if self.masked { self.mode } else { 0o600 }
    }

    /// Sets the exact mode on `f`, unless the kernel already gave it at creation.
    pub(super) fn set_mode(&self, f: &fs::File) -> io::Result<()> {
        match self.masked {
            true => Ok(()),
            false => fstree::dir::chmod_fd(f, self.mode),
        }
    }
}

impl Engine<'_> {
    /// Copies the regular file `s` (`src`: already open) to a temporary in `d` and renames it
    /// over `s`'s name; false when it was not written (reported).
    pub(super) fn write_file(
        &self,
        r: &mut Res,
        d: &Dir,
        s: &Src,
        src: Option<fs::File>,
        a: &NewAttrs,
    ) -> bool {
        let Some(mut src) = open_source(r, s, src) else {
            return false;
        };
        // `--delay-updates`: written into `.~tmp~`, renamed into place at the end.
        let waiting = match self.o.delay_updates.then(|| self.delay_dir(d)).transpose() {
            Ok(w) => w,
            Err(e) => {
                r.io_error("mkdir", &s.rel, &e);
                return false;
            }
        };
        let mut tmp = match waiting.as_ref().unwrap_or(d).create_temp(
            &s.name,
            TempStyle::Rsync,
            a.first_mode(),
        ) {
            Ok(t) => t,
            Err(e) => {
                r.io_error("mkstemp", &s.rel, &e);
                return false;
            }
        };
        // Dropped uncommitted (a changing source, an error), the temporary is removed.
        let result = (|| -> io::Result<Copied> {
            if self.o.preallocate {
                fstree::sparse::preallocate(&tmp.file, s.size)?;
            }
            let how = match (self.o.sparse, self.o.preallocate) {
                (false, _) => Layout::Dense,
                (true, false) => Layout::Sparse,
                (true, true) => Layout::Punched,
            };
            let how = match (how, &self.bw) {
                (Layout::Dense, Some(t)) => Layout::Paced(t),
                (how, _) => how,
            };
            let copied = copy_consistent(&mut src, &mut tmp.file, how)?;
            let Copied::Read(read_mtime) = copied else {
                return Ok(copied);
            };
            if self.carries_xattrs() {
                let want = self.xattrs_of(&src)?;
                self.sync_xattrs(&want, &tmp.file)?;
            }
            fstree::dir::chown_fd(&tmp.file, a.uid, a.gid)?;
            a.set_mode(&tmp.file)?;
            fstree::dir::set_times_fd(&tmp.file, a.atime, a.mtime.map(|_| read_mtime))?;
            if a.backup && waiting.is_none() {
                self.back_up(d, &s.name, &s.rel)?;
            }
            tmp.commit().map_err(|e| e.source)?;
            if let Some(w) = waiting.clone() {
                self.delay(d, w, &s.name, &s.rel, a.backup);
            }
            Ok(copied)
        })();
        self.report_write(r, s, result)
    }

    /// Says how writing `s` ended (rsync's words); true when it was written.
    fn report_write(&self, r: &mut Res, s: &Src, result: io::Result<Copied>) -> bool {
        match result {
            Ok(Copied::Read(_)) => true,
            Ok(Copied::Changing) => {
                let _ = writeln!(
                    r.err,
                    "file has changed during the transfer: \"{}\" (left as it was)",
                    r.show(&s.rel)
                );
                r.vanished = true;
                false
            }
            Err(e) => {
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG)
                ) {
                    // As rsync's receiver: no room in DEST ends the run (exit 11).
                    let _ = writeln!(
                        r.err,
                        "treesync: write failed on \"{}\": {e}",
                        r.show(&s.rel)
                    );
                    r.fatal = true;
                    self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                } else {
                    r.io_error("write", &s.rel, &e);
                }
                false
            }
        }
    }

    /// Makes the symlink (to `target`), device or special `s` under a temporary name in `d`
    /// and renames it over `s`'s name; false when it was not made (reported).
    pub(super) fn write_other(
        &self,
        r: &mut Res,
        d: &Dir,
        s: &Src,
        target: Option<&[u8]>,
        a: &NewAttrs,
    ) -> bool {
        let made = match target {
            Some(t) => d.symlink_temp(OsStr::from_bytes(t), &s.name, TempStyle::Rsync),
            None => d.mknod_temp(&s.name, s.ft, a.mode, s.rdev, TempStyle::Rsync),
        };
        let tmp_name = match made {
            Ok(n) => n,
            Err(e) => {
                r.io_error(
                    if target.is_some() { "symlink" } else { "mknod" },
                    &s.rel,
                    &e,
                );
                return false;
            }
        };
        let result = (|| -> io::Result<()> {
            d.chown(&tmp_name, a.uid, a.gid)?;
            if target.is_none() && !a.masked {
                d.chmod(&tmp_name, a.mode)?;
            }
            d.set_times(&tmp_name, a.atime, a.mtime)?;
            if a.backup {
                self.back_up(d, &s.name, &s.rel)?;
            }
            d.rename(&tmp_name, d, &s.name)
        })();
        if let Err(e) = result {
            let _ = d.remove_file(&tmp_name);
            r.io_error("create", &s.rel, &e);
            return false;
        }
        true
    }
}

/// How a copy lays out its blocks: all written, zero blocks skipped (`-S`), or skipped and
/// punched out of a preallocated file (`-S --preallocate`); or all written at a pace.
#[derive(Debug, Clone, Copy)]
enum Layout<'t> {
    Dense,
    Sparse,
    Punched,
    /// Dense, no faster than `--bwlimit` allows.
    Paced(&'t super::bwlimit::Throttle),
}

/// What [`copy_consistent`] copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    /// A consistent read: the source's size, mtime and ctime were the same before and after
    /// it; carries that mtime.
    Read(Timestamp),
    /// The source kept changing while it was read (every attempt); nothing usable copied.
    Changing,
}

/// How often a source file that changes while it is copied is read again.
const COPY_ATTEMPTS: usize = 3;

/// Copy `src` into `dst` (both at offset 0) so that what lands in `dst` is one consistent
/// read of `src`: its `fstat` (size, mtime, ctime) is the same before and after the copy and
/// the bytes copied equal that size. A file that grows or is rewritten during the copy is read
/// again from the start, a few times; rsync instead copies whatever it happened to read.
fn copy_consistent(src: &mut fs::File, dst: &mut fs::File, how: Layout<'_>) -> io::Result<Copied> {
    use std::io::Seek;
    /// Size, mtime and ctime.
    type Stamp = (u64, Timestamp, Timestamp);
    let stamp = |f: &fs::File| -> io::Result<Stamp> {
        let m = fstree::dir::stat_fd(f)?;
        Ok((m.size, m.mtime, m.ctime))
    };
    for attempt in 0..COPY_ATTEMPTS {
        if attempt > 0 {
            src.seek(io::SeekFrom::Start(0))?;
            dst.seek(io::SeekFrom::Start(0))?;
            dst.set_len(0)?;
        }
        let before = stamp(src)?;
        let n = match how {
            Layout::Dense => fstree::content::copy(src, dst)?,
            Layout::Paced(t) => t.copy(src, dst)?,
            Layout::Sparse => fstree::sparse::copy_sparse(src, dst, false)?,
            Layout::Punched => fstree::sparse::copy_sparse(src, dst, true)?,
        };
        if n == before.0 && stamp(src)? == before {
            return Ok(Copied::Read(before.1));
        }
    }
    Ok(Copied::Changing)
}

/// `s` opened for reading (or `src`, when it already is), reporting a file that vanished
/// (exit 24) or cannot be opened (exit 23) as rsync words them.
pub(super) fn open_source(r: &mut Res, s: &Src, src: Option<fs::File>) -> Option<fs::File> {
    match src.map_or_else(|| s.open().map(|(f, _)| f), Ok) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            r.vanished(&s.rel);
            None
        }
        Err(e) => {
            r.io_error("send_files failed to open", &s.rel, &e);
            None
        }
    }
}
