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
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Engine;
use super::directory::Frame;
use super::report::{Res, show};
use super::source::{Src, open_dir_path};
use crate::Error;
use crate::dest::Meta;
use crate::pipeline::Sink;

/// `src/`, `src/.`, `.` and `/` copy the contents; anything else copies the entry by name.
fn copies_contents(src: &[u8]) -> bool {
    src.ends_with(b"/") || src == b"." || src.ends_with(b"/.")
}

fn trim_slashes(p: &[u8]) -> &[u8] {
    let mut p = p;
    while p.len() > 1 && p.ends_with(b"/") {
        p = &p[..p.len() - 1];
    }
    p
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
        let o = self.o;
        let sb = src_arg.as_bytes();
        let contents = copies_contents(sb);
        let src_path = PathBuf::from(src_arg);
        let meta = if contents {
            fs::metadata(&src_path)
        } else {
            fs::symlink_metadata(&src_path)
        };
        let meta = match meta {
            Ok(m) => m,
            Err(e) => {
                let mut r = Res::default();
                r.error(format_args!("link_stat \"{}\" failed: {e}", show(sb)));
                return sink.take(r);
            }
        };
        let base: OsString = {
            let t = trim_slashes(sb);
            let b = t.rsplit(|&c| c == b'/').next().unwrap_or(t);
            OsStr::from_bytes(if b.is_empty() || b == b"." { b"." } else { b }).to_os_string()
        };
        let is_dir = meta.is_dir();
        if is_dir && !o.recursive {
            let shown = if contents {
                ".".to_string()
            } else {
                show(base.as_bytes())
            };
            let mut r = Res::default();
            let _ = writeln!(r.out, "skipping directory {shown}");
            return sink.take(r);
        }
        let dest_show =
            String::from_utf8_lossy(trim_slashes(dest.as_os_str().as_bytes())).into_owned();

        if is_dir && contents {
            // DEST itself is the directory that corresponds to SRC.
            let top = Src::new(base, src_path.clone(), Vec::new(), &meta);
            let existing = fs::metadata(dest).ok();
            let mut fd = None;
            let mut created = false;
            match existing {
                Some(m) if m.is_dir() => {
                    fd = Some(open_root(dest)?);
                }
                Some(_) => {
                    return Err(Error::Dest {
                        op: "mkdir",
                        path: dest.to_path_buf(),
                        source: io::Error::from_raw_os_error(libc::EEXIST),
                    });
                }
                None => {
                    created = true;
                    if !o.dry_run {
                        fs::create_dir(dest).map_err(|e| Error::Dest {
                            op: "mkdir",
                            path: dest.to_path_buf(),
                            source: e,
                        })?;
                        fd = Some(open_root(dest)?);
                    }
                    if o.itemize || o.verbose > 0 {
                        writeln!(sink.out, "created directory {dest_show}")
                            .map_err(Error::Output)?;
                    }
                }
            }
            let dmeta = match &fd {
                Some(f) => Some(Meta::from(rustix::fs::fstat(f).map_err(|e| {
                    Error::Dest {
                        op: "stat",
                        path: dest.to_path_buf(),
                        source: e.into(),
                    }
                })?)),
                None => None,
            };
            let plan = self.dir_plan(&top, if created { None } else { dmeta.as_ref() });
            let listing = self.listing(sink, &top)?;
            self.own_notes(sink, &listing)?;
            if o.delete
                && let Some(fd) = &fd
            {
                self.delete_in_dir(sink, &listing, b"", fd)?;
            }
            self.print_dir_line(sink, &plan.change, b"./")?;
            sink.stats.files.dir += 1;
            if plan.change.new {
                sink.stats.created.dir += 1;
            }
            let fd = fd.map(Arc::new);
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
            return self.walk_dirs(sc, sink, frame);
        }

        // Everything else lands in a directory (DEST, or DEST's parent for a single file
        // copied to a new name).
        let (parent_path, name): (PathBuf, OsString) = if into_dir || is_dir {
            (dest.to_path_buf(), base.clone())
        } else {
            let parent = dest
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = dest
                .file_name()
                .map(OsStr::to_os_string)
                .unwrap_or_else(|| base.clone());
            (parent.to_path_buf(), name)
        };
        let mut parent_fd = None;
        match fs::metadata(&parent_path) {
            Ok(m) if m.is_dir() => parent_fd = Some(open_root(&parent_path)?),
            Ok(_) => {
                return Err(Error::Dest {
                    op: "mkdir",
                    path: parent_path,
                    source: io::Error::from_raw_os_error(libc::ENOTDIR),
                });
            }
            Err(_) => {
                if !o.dry_run {
                    fs::create_dir(&parent_path).map_err(|e| Error::Dest {
                        op: "mkdir",
                        path: parent_path.clone(),
                        source: e,
                    })?;
                    parent_fd = Some(open_root(&parent_path)?);
                }
                if o.itemize || o.verbose > 0 {
                    writeln!(sink.out, "created directory {dest_show}").map_err(Error::Output)?;
                }
            }
        }
        let rel = base.as_bytes().to_vec();
        let mut src = Src::new(name, src_path, rel, &meta);
        if o.filters.is_excluded(&src.rel, is_dir) {
            return Ok(());
        }
        if is_dir {
            self.sync_subdir(
                sc,
                sink,
                parent_fd.map(Arc::new).as_ref(),
                false,
                &src,
                true,
            )
        } else {
            let mut r = Res::default();
            if let Some(note) = self.skip_note(&src) {
                r.out.extend_from_slice(&note);
                return sink.take(r);
            }
            src.rel = base.as_bytes().to_vec();
            let r = self.sync_entry(parent_fd.as_ref(), false, &mut src);
            sink.take(r)
        }
    }
}

fn open_root(p: &Path) -> Result<OwnedFd, Error> {
    open_dir_path(p).map_err(|e| Error::Dest {
        op: "open",
        path: p.to_path_buf(),
        source: e,
    })
}
