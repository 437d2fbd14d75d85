//! `--delay-updates`: every file written goes first to `.~tmp~/NAME` in its directory, and
//! all of them are renamed into place at the end of the run, so DEST changes in one short
//! burst. Each directory keeps the mtime the run gave it (a rename changes it), as rsync's
//! directories do, and an emptied `.~tmp~` is removed.

use std::ffi::{OsStr, OsString};
use std::io;

use fstree::Dir;

use super::Engine;
use crate::Error;
use crate::pipeline::Sink;

/// The directory the delayed files wait in, in each DEST directory.
pub(super) const DELAY_DIR: &str = ".~tmp~";

/// A file waiting in `.~tmp~` for the end of the run.
pub(super) struct Delayed {
    dir: Dir,
    waiting: Dir,
    name: OsString,
    rel: Vec<u8>,
    backup: bool,
}

impl Engine<'_> {
    /// `d`'s `.~tmp~` (made when missing, mode 0700).
    pub(super) fn delay_dir(&self, d: &Dir) -> io::Result<Dir> {
        let name = OsStr::new(DELAY_DIR);
        match d.mkdir(name, 0o700) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        d.open_dir(name)
    }

    /// Remembers a file written to `waiting` (`d`'s `.~tmp~`) for the end of the run.
    pub(super) fn delay(&self, d: &Dir, waiting: Dir, name: &OsStr, rel: &[u8], backup: bool) {
        let mut all = self.delayed.lock().unwrap_or_else(|p| p.into_inner());
        all.push(Delayed {
            dir: d.clone(),
            waiting,
            name: name.to_os_string(),
            rel: rel.to_vec(),
            backup,
        });
    }

    /// Renames every delayed file into place, in the order they were written.
    pub(super) fn finish_delayed(&self, sink: &mut Sink<'_, '_>) -> Result<(), Error> {
        let all = std::mem::take(&mut *self.delayed.lock().unwrap_or_else(|p| p.into_inner()));
        for f in all {
            let mut r = self.res();
            if let Err(e) = self.put_in_place(&f) {
                r.io_error("rename", &f.rel, &e);
            }
            sink.take(r)?;
        }
        Ok(())
    }

    fn put_in_place(&self, f: &Delayed) -> io::Result<()> {
        let before = f.dir.stat()?.mtime;
        if f.backup {
            self.back_up(&f.dir, &f.name, &f.rel)?;
        }
        f.waiting.rename(&f.name, &f.dir, &f.name)?;
        let _ = f.dir.remove_dir(OsStr::new(DELAY_DIR));
        f.dir.set_times_self(None, Some(before))
    }
}
