//! `--list-only`, and rsync's listing when no DEST is given: each entry SRC would send, in
//! the transfer's order, as `PERMS SIZE DATE TIME NAME` (`drwxr-xr-x          4,096
//! 2020/01/01 00:00:00 a`, a symlink with ` -> TARGET`), the size as `-h` says (width 14, or 11
//! with `--no-h`) and the time local; every non-directory is listed (a symlink's target only
//! with `-l`). Without `-r` a directory's own entries are listed
//! (`src/`) or the directory alone (`src`), as rsync's implied `-d`. Nothing is written.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::Engine;
use super::listing::Listing;
use super::source::{Kind, Src};
use crate::Error;
use crate::itemize::push_name;
use crate::pipeline::Sink;

impl Engine<'_> {
    /// Lists every SRC operand.
    pub(super) fn list_sources(
        &self,
        sink: &mut Sink<'_, '_>,
        sources: &[OsString],
    ) -> Result<(), Error> {
        for arg in sources {
            let b = arg.as_bytes();
            let contents = b.ends_with(b"/") || b == b"." || b.ends_with(b"/.");
            let path = PathBuf::from(arg);
            let Some(meta) = self.stat_operand(sink, &path, arg, contents)? else {
                continue;
            };
            let base = super::operand::base_name(b);
            let rel = if contents {
                Vec::new()
            } else {
                base.as_bytes().to_vec()
            };
            let mut top = Src::new(base, path, rel, &meta);
            top.scope = self.top_scope(top.path.parent().unwrap_or(&top.path));
            if top.kind != Kind::Dir {
                let mut r = self.res();
                r.out = self.list_line(&top, top.name.as_bytes());
                sink.take(r)?;
                continue;
            }
            let shown = if contents {
                b".".to_vec()
            } else {
                top.rel.clone()
            };
            let mut r = self.res();
            r.out = self.list_line(&top, &shown);
            sink.take(r)?;
            if contents || self.o.recursive {
                self.list_dir(sink, &top)?;
            }
        }
        Ok(())
    }

    /// `dir`'s files, then each subdirectory's line and (with `-r`) its contents.
    fn list_dir(&self, sink: &mut Sink<'_, '_>, dir: &Src) -> Result<(), Error> {
        // Every non-directory, also those a transfer would leave out with a note.
        let Listing { all, dirs, .. } = self.listing(sink, dir)?;
        let mut r = self.res();
        for f in &all {
            let mut f = f.clone();
            if !f.statted
                && let Ok(m) = f.lstat()
            {
                f.set_meta(&m);
            }
            r.out.extend_from_slice(&self.list_line(&f, &f.rel));
        }
        sink.take(r)?;
        for d in &dirs {
            let mut r = self.res();
            r.out = self.list_line(d, &d.rel);
            sink.take(r)?;
            if self.o.recursive {
                self.list_dir(sink, d)?;
            }
        }
        Ok(())
    }

    /// One line of the listing for `s`, shown as `name`.
    fn list_line(&self, s: &Src, name: &[u8]) -> Vec<u8> {
        let kind = match s.ft {
            _ if s.kind == Kind::Dir => 'd',
            fstree::Kind::Symlink => 'l',
            fstree::Kind::BlockDevice => 'b',
            fstree::Kind::CharDevice => 'c',
            fstree::Kind::Fifo => 'p',
            fstree::Kind::Socket => 's',
            _ => '-',
        };
        let perms = String::from_utf8_lossy(&crate::logformat::perms(s.mode)).into_owned();
        let width = if self.o.human == 0 { 11 } else { 14 };
        let size = crate::stats::size(s.size, self.o.human);
        let when =
            String::from_utf8_lossy(&crate::logformat::local_time(s.mtime.secs, b' ')).into_owned();
        let mut line = format!("{kind}{perms} {size:>width$} {when} ").into_bytes();
        push_name(&mut line, name, self.o.charset);
        if s.kind == Kind::Link
            && self.o.links
            && let Ok(t) = s.readlink()
        {
            line.extend_from_slice(b" -> ");
            push_name(&mut line, &t, self.o.charset);
        }
        line.push(b'\n');
        line
    }
}
