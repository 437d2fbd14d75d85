//! Writing a new entry into DEST: a regular file, symlink, device or special is made under a
//! temporary name (`.NAME.XXXXXX`) in the same directory, given its owner, mode and times
//! there, and renamed over NAME, so DEST never shows a half-written entry under its name and a
//! symlink planted there is replaced, not written through. A regular file is copied as one
//! consistent read of SRC (read again a few times if it changes meanwhile, else left as it was
//! and reported like a vanished file, exit 24). Running out of room (`ENOSPC`, `EDQUOT`,
//! `EFBIG`) stops the whole run, as rsync's receiver does (exit 11).

use std::fs;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};

use super::Engine;
use super::report::{Res, show};
use super::source::Src;
use crate::dest::{self, Meta};

impl Engine<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_file(
        &self,
        r: &mut Res,
        d: &OwnedFd,
        s: &Src,
        src: Option<fs::File>,
        mode: u32,
        uid: Option<u32>,
        gid: Option<u32>,
        atime: Option<(i64, u32)>,
        mtime: Option<(i64, u32)>,
    ) -> bool {
        let Some(mut src) = open_source(r, s, src) else {
            return false;
        };
        let (mut tmp, tmp_name) = match dest::create_temp(d.as_fd(), &s.name) {
            Ok(t) => t,
            Err(e) => {
                r.io_error("mkstemp", &s.rel, &e);
                return false;
            }
        };
        let result = (|| -> io::Result<Copied> {
            let copied = copy_consistent(&mut src, &mut tmp)?;
            if copied == Copied::Changing {
                return Ok(copied);
            }
            dest::chown_fd(tmp.as_fd(), uid, gid)?;
            dest::chmod_fd(tmp.as_fd(), mode)?;
            let mtime = match copied {
                Copied::Read(m) => mtime.map(|_| m),
                Copied::Changing => mtime,
            };
            dest::set_times_fd(tmp.as_fd(), atime, mtime)?;
            dest::rename(d.as_fd(), &tmp_name, &s.name)?;
            Ok(copied)
        })();
        match result {
            Ok(Copied::Read(_)) => true,
            Ok(Copied::Changing) => {
                let _ = dest::unlink(d.as_fd(), &tmp_name);
                let _ = writeln!(
                    r.err,
                    "file has changed during the transfer: \"{}\" (left as it was)",
                    show(&s.rel)
                );
                r.vanished = true;
                false
            }
            Err(e) => {
                let _ = dest::unlink(d.as_fd(), &tmp_name);
                if matches!(
                    e.raw_os_error(),
                    Some(libc::ENOSPC | libc::EDQUOT | libc::EFBIG)
                ) {
                    // As rsync's receiver: no room in DEST ends the run (exit 11).
                    let _ = writeln!(r.err, "treesync: write failed on \"{}\": {e}", show(&s.rel));
                    r.fatal = true;
                    self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
                } else {
                    r.io_error("write", &s.rel, &e);
                }
                false
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_other(
        &self,
        r: &mut Res,
        d: &OwnedFd,
        s: &Src,
        target: Option<&[u8]>,
        mode: u32,
        uid: Option<u32>,
        gid: Option<u32>,
        atime: Option<(i64, u32)>,
        mtime: Option<(i64, u32)>,
    ) -> bool {
        let made = match target {
            Some(t) => dest::symlink_temp(d.as_fd(), &s.name, t),
            None => dest::mknod_temp(d.as_fd(), &s.name, s.ft, mode, s.rdev),
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
            dest::chown(d.as_fd(), &tmp_name, uid, gid)?;
            if target.is_none() {
                dest::chmod(d.as_fd(), &tmp_name, s.ft, mode)?;
            }
            dest::set_times(d.as_fd(), &tmp_name, atime, mtime)?;
            dest::rename(d.as_fd(), &tmp_name, &s.name)
        })();
        if let Err(e) = result {
            let _ = dest::unlink(d.as_fd(), &tmp_name);
            r.io_error("create", &s.rel, &e);
            return false;
        }
        true
    }
}

/// What [`copy_consistent`] copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    /// A consistent read: the source's size, mtime and ctime were the same before and after
    /// it; carries that mtime.
    Read((i64, u32)),
    /// The source kept changing while it was read (every attempt); nothing usable copied.
    Changing,
}

/// How often a source file that changes while it is copied is read again.
const COPY_ATTEMPTS: usize = 3;

/// Copy `src` into `dst` (both at offset 0) so that what lands in `dst` is one consistent
/// read of `src`: its `fstat` (size, mtime, ctime) is the same before and after the copy and
/// the bytes copied equal that size. A file that grows or is rewritten during the copy is read
/// again from the start, a few times; rsync instead copies whatever it happened to read.
fn copy_consistent(src: &mut fs::File, dst: &mut fs::File) -> io::Result<Copied> {
    use std::io::Seek;
    /// Size, mtime and ctime.
    type Stamp = (u64, (i64, u32), (i64, u32));
    let stamp = |f: &fs::File| -> io::Result<Stamp> {
        let st = rustix::fs::fstat(f)?;
        let m = Meta::from(st);
        #[allow(clippy::unnecessary_cast)]
        Ok((
            m.size,
            m.mtime,
            (st.st_ctime as i64, st.st_ctime_nsec as u32),
        ))
    };
    for attempt in 0..COPY_ATTEMPTS {
        if attempt > 0 {
            src.seek(io::SeekFrom::Start(0))?;
            dst.seek(io::SeekFrom::Start(0))?;
            dst.set_len(0)?;
        }
        let before = stamp(src)?;
        let n = fstree::content::copy(src, dst)?;
        if n == before.0 && stamp(src)? == before {
            return Ok(Copied::Read(before.1));
        }
    }
    Ok(Copied::Changing)
}

/// `s` opened for reading (or `src`, when it already is), reporting a file that vanished
/// (exit 24) or cannot be opened (exit 23) as rsync words them.
pub(super) fn open_source(r: &mut Res, s: &Src, src: Option<fs::File>) -> Option<fs::File> {
    match src.map_or_else(|| s.open(), Ok) {
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
