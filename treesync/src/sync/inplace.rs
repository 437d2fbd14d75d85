//! `--inplace`, `--append`, `--append-verify`: DEST's regular file is written where it is
//! (so its other hard links see the new content, and a reader may see it half-written, as
//! rsync warns), not through a temporary and a rename. `--append` writes only what SRC has
//! beyond DEST's length (a DEST file as long or longer and not up to date is left alone); `--append-verify` then compares the whole file and, when it
//! differs, says so as rsync does and rewrites it whole (the caller itemizes that second
//! pass).

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};

use fstree::Dir;

use super::Engine;
use super::source::Src;
use super::transfer::{NewAttrs, open_source};
use crate::pipeline::Res;

impl Engine<'_> {
    /// Writes `s` into DEST's file in `d` in place; `None` when it was not written
    /// (reported), else whether `--append-verify` had to rewrite it whole.
    pub(super) fn write_in_place(
        &self,
        r: &mut Res,
        d: &Dir,
        s: &Src,
        src: Option<fs::File>,
        a: &NewAttrs,
    ) -> Option<bool> {
        let mut src = open_source(r, s, src)?;
        if a.backup
            && let Err(e) = self.back_up_copy(d, &s.name, &s.rel)
        {
            r.io_error("backup", &s.rel, &e);
            return None;
        }
        let (mut dst, meta) = match d.open_for_update(&s.name, a.first_mode()) {
            Ok(f) => f,
            Err(e) => {
                r.io_error("open", &s.rel, &e);
                return None;
            }
        };
        let start = match self.o.append {
            0 => 0,
            _ => meta.size.min(s.size),
        };
        let result = (|| -> io::Result<bool> {
            rewrite_from(&mut src, &mut dst, start)?;
            let mut again = false;
            if self.o.append == 2 && start > 0 && !same_bytes(&mut src, &mut dst)? {
                let _ = writeln!(
                    r.err,
                    "WARNING: {} failed verification -- update retained (will try again).",
                    r.show(&s.rel)
                );
                rewrite_from(&mut src, &mut dst, 0)?;
                again = true;
            }
            fstree::dir::chown_fd(&dst, a.uid, a.gid)?;
            a.set_mode(&dst)?;
            fstree::dir::set_times_fd(&dst, a.atime, a.mtime)?;
            Ok(again)
        })();
        match result {
            Ok(again) => Some(again),
            Err(e) => {
                r.io_error("write", &s.rel, &e);
                None
            }
        }
    }
}

impl Engine<'_> {
    /// The redo lines of `--append-verify` for the files directly in `dir` (a path within the
    /// transfer), taken out of the list.
    pub(super) fn take_redo(&self, dir: &[u8]) -> Res {
        let mut r = self.res();
        let mut all = self.redo.lock().unwrap_or_else(|p| p.into_inner());
        let parent = |rel: &[u8]| -> Vec<u8> {
            rel.iter()
                .rposition(|&b| b == b'/')
                .map_or_else(Vec::new, |i| rel[..i].to_vec())
        };
        let (mine, rest): (Vec<_>, Vec<_>) = all.drain(..).partition(|(rel, _)| parent(rel) == dir);
        *all = rest;
        for (_, line) in mine {
            r.out.extend_from_slice(&line);
        }
        r
    }
}

/// Copies `src` from `offset` on over `dst` at the same offset, and cuts `dst` there.
fn rewrite_from(src: &mut fs::File, dst: &mut fs::File, offset: u64) -> io::Result<()> {
    src.seek(SeekFrom::Start(offset))?;
    dst.seek(SeekFrom::Start(offset))?;
    let n = fstree::content::copy(src, dst)?;
    dst.set_len(offset + n)
}

/// Whether the two files hold the same bytes (read from the start).
fn same_bytes(a: &mut fs::File, b: &mut fs::File) -> io::Result<bool> {
    const CHUNK: usize = 1 << 16;
    a.seek(SeekFrom::Start(0))?;
    b.seek(SeekFrom::Start(0))?;
    let (mut x, mut y) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    loop {
        let n = read_full(a, &mut x)?;
        let m = read_full(b, &mut y)?;
        if n != m || x[..n] != y[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the file ends.
fn read_full(f: &mut fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
