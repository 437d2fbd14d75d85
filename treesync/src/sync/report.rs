//! What a run says about each entry. Nothing here prints: every unit of work (a pool job, a
//! step of the walk, a directory's final fix-up) writes its stdout and stderr bytes, its
//! exit-status flags and its counts into its own [`Res`], and the ordered pipeline
//! ([`crate::pipeline`]) merges them in rsync's order. The rules of wording: an
//! `--itemize-changes` line only when something changed; with `-v` alone, only new or
//! transferred names (a directory's with a trailing `/`, a symlink's with `-> TARGET`);
//! `--progress` leaves a slot for the transfer number, which is counted as lines are printed;
//! names are escaped for the charset of the run (taken once from the locale by the binary).

use std::io::{self, Write};

use super::Engine;
use super::source::{Kind, Src};
use crate::Error;
use crate::itemize::{self, Change, Charset, Type};
use crate::logformat::{Item, LogFormat};
use crate::pipeline::{Res, Sink};

impl Res {
    /// `rel` escaped for this run's charset.
    pub(super) fn show(&self, rel: &[u8]) -> String {
        show(rel, self.cs)
    }

    pub(super) fn error(&mut self, msg: impl std::fmt::Display) {
        let _ = writeln!(self.err, "treesync: {msg}");
        self.partial = true;
    }

    pub(super) fn io_error(&mut self, op: &str, rel: &[u8], e: &io::Error) {
        self.error(format_args!("{op} \"{}\" failed: {e}", self.show(rel)));
    }

    pub(super) fn vanished(&mut self, rel: &[u8]) {
        let _ = writeln!(self.err, "file has vanished: \"{}\"", self.show(rel));
        self.vanished = true;
    }
}

/// `--log-file-format`'s default, rsync's.
fn default_log_format() -> LogFormat {
    LogFormat::parse(b"%i %n%L").expect("rsync's default log format is valid")
}

/// `rel` escaped for `cs`, as rsync prints a name inside quotes.
fn show(rel: &[u8], cs: Charset) -> String {
    let mut v = Vec::new();
    itemize::push_name(&mut v, rel, cs);
    String::from_utf8_lossy(&v).into_owned()
}

impl Engine<'_> {
    /// An empty result for this run.
    pub(super) fn res(&self) -> Res {
        Res::new(self.o.charset)
    }

    /// `rel` escaped for this run's charset.
    pub(super) fn show(&self, rel: &[u8]) -> String {
        show(rel, self.o.charset)
    }

    pub(super) fn announce(&self, r: &mut Res, s: &Src, change: &Change, target: Option<&[u8]>) {
        let o = self.o;
        let ty = s.kind.item();
        let link = target.map(|t| (" -> ", t));
        // rsync's log leaves out a non-directory whose attributes alone changed.
        let logged = change.new || change.transferred;
        self.file_log(r, &change.code(ty), s, link, logged);
        if let Some(f) = &o.out_format {
            if change.is_change() {
                self.log_line(
                    r,
                    (f, self.o.charset),
                    &change.code(ty),
                    s,
                    link,
                    change.transferred,
                );
            }
        } else if o.itemize {
            if change.is_change() {
                r.out.extend_from_slice(&itemize::line(
                    &change.code(ty),
                    &s.rel,
                    ty,
                    target,
                    self.o.charset,
                ));
            }
        } else if o.info.name > 0 && (change.new || change.transferred) {
            itemize::push_name(&mut r.out, &s.rel, self.o.charset);
            if let Some(t) = target {
                r.out.extend_from_slice(b" -> ");
                itemize::push_name(&mut r.out, t, self.o.charset);
            }
            r.out.push(b'\n');
        }
        if o.progress && s.kind == Kind::File && (change.new || change.transferred) {
            if o.info.name == 0 && !o.itemize {
                itemize::push_name(&mut r.out, &s.rel, self.o.charset);
                r.out.push(b'\n');
            }
            let _ = write!(
                r.out,
                "{:>15} 100%    0.00kB/s    0:00:00 (xfr#",
                crate::stats::size(s.size, o.human)
            );
            r.xfr_at.push(r.out.len());
            r.out.extend_from_slice(b")\n");
        }
    }

    /// `--out-format`'s line for `s` (`code`: its change; `link`: `%L`'s text; `sent`: its
    /// content was written, for `%b`).
    pub(super) fn log_line(
        &self,
        r: &mut Res,
        (f, cs): (&LogFormat, Charset),
        code: &[u8],
        s: &Src,
        link: Option<(&'static str, &[u8])>,
        sent: bool,
    ) {
        let mut name = s.rel.clone();
        let mut path = s.path.as_os_str().as_encoded_bytes().to_vec();
        if s.kind == Kind::Dir {
            if name.is_empty() {
                name.push(b'.');
                while path.len() > 1 && path.ends_with(b"/") {
                    path.pop();
                }
                path.extend_from_slice(b"/.");
            }
            name.push(b'/');
        }
        let it = Item {
            code,
            name: &name,
            link,
            len: s.size,
            mtime: s.mtime.secs,
            mode: s.mode,
            uid: s.uid,
            gid: s.gid,
            op: "send",
            path: &path,
            bytes: if sent { s.size } else { 0 },
        };
        r.out.extend_from_slice(&f.render(&it, cs));
    }

    /// `--log-file`'s line for `s` (as [`Engine::log_line`]), when it changed; a dry run logs
    /// no regular file (nor deletion), as rsync's does.
    pub(super) fn file_log(
        &self,
        r: &mut Res,
        code: &[u8],
        s: &Src,
        link: Option<(&'static str, &[u8])>,
        changed: bool,
    ) {
        if self.o.log_file.is_none() || !changed || (self.o.dry_run && s.kind == Kind::File) {
            return;
        }
        let f = self.o.log_format.clone().unwrap_or_else(default_log_format);
        // The log keeps bytes from 0x80 up as they are (control bytes escaped), as rsync's.
        let mut line = self.res();
        self.log_line(&mut line, (&f, Charset::EightBit), code, s, link, false);
        r.log.extend_from_slice(&line.out);
    }

    pub(super) fn print_dir_line(
        &self,
        sink: &mut Sink<'_, '_>,
        change: &Change,
        s: &Src,
        name: &[u8],
    ) -> Result<(), Error> {
        let o = self.o;
        let mut r = self.res();
        self.file_log(&mut r, &change.code(Type::Dir), s, None, change.is_change());
        if let Some(f) = &o.out_format {
            if change.is_change() {
                self.log_line(
                    &mut r,
                    (f, self.o.charset),
                    &change.code(Type::Dir),
                    s,
                    None,
                    false,
                );
            }
        } else if o.itemize && change.is_change() {
            r.out = itemize::line(
                &change.code(Type::Dir),
                name,
                Type::Dir,
                None,
                self.o.charset,
            );
        } else if !o.itemize && o.info.name > 0 && change.is_change() {
            // rsync -v names a directory on any change it would itemize (mode, time, owner,
            // xattrs), where a file is named only when created or transferred (measured).
            itemize::push_name(&mut r.out, name, self.o.charset);
            if !r.out.ends_with(b"/") {
                r.out.push(b'/');
            }
            r.out.push(b'\n');
        }
        sink.take(r)
    }

    pub(super) fn announce_delete(&self, r: &mut Res, rel: &[u8], is_dir: bool) {
        let mut name = rel.to_vec();
        if is_dir {
            name.push(b'/');
        }
        let it = Item {
            code: b"*deleting  ",
            name: &name,
            link: None,
            len: 0,
            mtime: 0,
            mode: 0,
            uid: 0,
            gid: 0,
            op: "del.",
            path: rel,
            bytes: 0,
        };
        // A dry run's log has no deletions, as rsync's.
        if self.o.log_file.is_some() && !self.o.dry_run {
            let f = self.o.log_format.clone().unwrap_or_else(default_log_format);
            r.log.extend_from_slice(&f.render(&it, Charset::EightBit));
        }
        if let Some(f) = &self.o.out_format {
            r.out.extend_from_slice(&f.render(&it, self.o.charset));
        } else if self.o.itemize {
            r.out
                .extend_from_slice(&itemize::deleting(rel, is_dir, self.o.charset));
        } else if self.o.info.del > 0 {
            let _ = writeln!(
                r.out,
                "deleting {}{}",
                self.show(rel),
                if is_dir { "/" } else { "" }
            );
        }
        if is_dir {
            r.stats.deleted.dir += 1;
        } else {
            r.stats.deleted.reg += 1;
        }
    }
}
