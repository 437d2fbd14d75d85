//! A file's content as it arrives: written to `.NAME.XXXXXX` beside its final name (raw
//! bytes streamed straight to disk, or a delta rebuilt against the old copy), checked for
//! size and SHA-256, given its mode, owner and times, and only then renamed into place. A
//! sender that sends more than it announced ends the run (exit 12); a size or hash mismatch
//! leaves the old file and ends 23; either way no temporary is left behind.

use std::ffi::OsStr;
use std::io::{self, BufWriter, Read, Write};

use fstree::{Atime, Dir, TempStyle};

use super::apply::mtime;
use super::frame::{Frame, flag};
use super::receiver::{Pending, Receiver};
use super::{Fatal, frame};
use super::{command, delta};
use crate::itemize::Type;

impl<R: Read> Receiver<'_, R> {
    /// The content of the file at the front of the queue: written to a temporary name,
    /// checked, renamed into place.
    pub(super) fn file(&mut self, index: u32, size: u64, is_delta: bool) -> Result<(), Fatal> {
        Fatal::check_signal()?;
        let p = self
            .pending
            .pop_front()
            .ok_or_else(|| Fatal::protocol("content that was not requested"))?;
        if p.index != index {
            return Err(Fatal::protocol("content out of order"));
        }
        if size > p.e.size {
            return Err(Fatal::protocol("content larger than its listed size"));
        }
        let dir = self.dir_at(&p.parent);
        let temp = dir
            .as_ref()
            .map_err(|e| io::Error::new(e.kind(), e.to_string()))
            .and_then(|d| d.create_temp(&p.name, TempStyle::Rsync, 0o600));
        let mut local_err: Option<io::Error> = None;
        let (temp, dir) = match (temp, dir) {
            (Ok(t), Ok(d)) => (Some(t), Some(d)),
            (Err(e), _) | (_, Err(e)) => {
                local_err = Some(e);
                (None, None)
            }
        };
        let got = self.receive_content(
            &p,
            size,
            is_delta,
            temp.as_ref().map(|t| &t.file),
            dir.as_ref(),
            &mut local_err,
        )?;
        let rel = p.e.path.clone();
        if let Some(e) = local_err {
            return self.error("write", &rel, &e);
        }
        let (Some(temp), Some(ok)) = (temp, got) else {
            // The sender could not read it (it said why): nothing is written.
            self.partial = true;
            return Ok(());
        };
        if !ok {
            self.partial = true;
            let msg = format!(
                "treesync: checksum or size mismatch for \"{}\": not written\n",
                self.show(&rel)
            );
            return self.say(frame::Stream::Err, msg.into_bytes());
        }
        let (u, g) = self.want_owner(&p.e);
        let finish = fstree::dir::chown_fd(&temp.file, u, g)
            .and_then(|()| temp.set_mode(p.mode).map_err(io::Error::other))
            .and_then(|()| match self.on(flag::TIMES) {
                true => temp
                    .set_times(None, Some(mtime(&p.e)))
                    .map_err(io::Error::other),
                false => Ok(()),
            })
            .and_then(|()| temp.commit().map_err(io::Error::other));
        if let Err(e) = finish {
            return self.error("rename", &rel, &e);
        }
        let line = self.announce(&rel, Type::File, &p.change, None);
        self.lines.fill(p.slot, line);
        Ok(())
    }

    /// Read the `Data` frames of one file into `out`: `Some(true)` when size and hash match,
    /// `Some(false)` when not, `None` when the sender gave up on the file.
    #[allow(clippy::too_many_arguments)]
    fn receive_content(
        &mut self,
        p: &Pending,
        size: u64,
        is_delta: bool,
        out: Option<&std::fs::File>,
        dir: Option<&Dir>,
        local_err: &mut Option<io::Error>,
    ) -> Result<Option<bool>, Fatal> {
        let w = delta::Hashing::new(BufWriter::new(out.map(Sink::File).unwrap_or(Sink::None)));
        let mut sink = match is_delta {
            true => match open_basis(dir, &p.name) {
                Ok(basis) => Content::Delta(Box::new(command::Patcher::new(basis, w, size))),
                Err(e) => {
                    local_err.get_or_insert(e);
                    Content::Raw(w)
                }
            },
            false => Content::Raw(w),
        };
        let limit = if is_delta {
            delta::max_delta(size)
        } else {
            size
        };
        let mut got = 0u64;
        loop {
            match self.next()? {
                Frame::Data { compressed, bytes } => {
                    let bytes = match compressed {
                        true => zstd::bulk::decompress(&bytes, frame::CHUNK)
                            .map_err(|_| Fatal::protocol("bad compressed data"))?,
                        false => bytes,
                    };
                    got = got.saturating_add(bytes.len() as u64);
                    if got > limit {
                        return Err(Fatal::protocol("more data than announced"));
                    }
                    if local_err.is_none()
                        && let Err(e) = sink.write(&bytes)
                    {
                        *local_err = Some(e);
                    }
                }
                Frame::FileEnd { sha256 } => {
                    return Ok(Some(match sink.finish() {
                        Ok(w) => w.len == size && w.digest() == sha256,
                        Err(e) => {
                            local_err.get_or_insert(e);
                            false
                        }
                    }));
                }
                Frame::FileError => return Ok(None),
                _ => return Err(Fatal::protocol("unexpected frame inside a file")),
            }
        }
    }
}

type Out<'f> = delta::Hashing<BufWriter<Sink<'f>>>;

/// Where a file's `Data` goes: straight to the temporary, or through a delta's commands.
enum Content<'f> {
    Raw(Out<'f>),
    Delta(Box<command::Patcher<Out<'f>>>),
}

impl<'f> Content<'f> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Content::Raw(w) => w.write_all(bytes),
            Content::Delta(p) => p.feed(bytes),
        }
    }

    /// The written content, flushed (an error when a delta is incomplete or a write failed).
    fn finish(self) -> io::Result<Out<'f>> {
        let mut w = match self {
            Content::Raw(w) => w,
            Content::Delta(p) => p.finish()?,
        };
        w.flush()?;
        Ok(w)
    }
}

/// Where rebuilt content goes: the temporary file, or nowhere (it could not be made, but
/// the frames must still be read).
enum Sink<'f> {
    File(&'f std::fs::File),
    None,
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => (&**f).write(buf),
            Sink::None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The old copy's signature (nothing when it cannot be read or is too large to describe),
/// read a window at a time.
pub(super) fn basis_signature(d: &Dir, name: &OsStr) -> Vec<u8> {
    open_basis(Some(d), name)
        .ok()
        .and_then(|mut f| {
            let len = f.metadata().ok()?.len();
            delta::signature(&mut f, len)
        })
        .unwrap_or_default()
}

fn open_basis(d: Option<&Dir>, name: &OsStr) -> io::Result<std::fs::File> {
    let d = d.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
    d.open_file(name, Atime::Keep).map(|(f, _)| f)
}
