//! The delta's command stream (librsync's format, which `fast_rsync` writes): parsed and
//! written here so that neither end holds a whole delta. The sender re-encodes the commands
//! of each window it diffs; the receiver applies commands as their bytes arrive, copying
//! from the old file with positioned reads, so what it buffers is one `Data` frame and a
//! copy buffer, whatever the file's or the delta's size.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

/// The first four bytes of a delta.
pub const MAGIC: [u8; 4] = 0x7273_0236u32.to_be_bytes();
const END: u8 = 0;
const LITERAL_64: u8 = 0x40;
const LITERAL_N1: u8 = 0x41;
const LITERAL_N8: u8 = 0x44;
const COPY_N1_N1: u8 = 0x45;
const COPY_N8_N8: u8 = 0x54;
/// Bytes copied from the old file per read.
const COPY_BUF: usize = 256 << 10;

/// One command of a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The next `.0` bytes of the delta are new content.
    Literal(u64),
    /// `len` bytes of the old file from `offset`.
    Copy {
        /// Where in the old file.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// The delta ends.
    End,
}

/// The command at the front of `buf` and its header's length; `Ok(None)` when `buf` holds
/// only part of it.
pub fn parse(buf: &[u8]) -> io::Result<Option<(Op, usize)>> {
    let Some(&cmd) = buf.first() else {
        return Ok(None);
    };
    let int = |at: usize, n: usize| {
        buf.get(at..at + n)
            .map(|b| b.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    };
    let op = match cmd {
        END => Some((Op::End, 1)),
        1..=LITERAL_64 => Some((Op::Literal(u64::from(cmd)), 1)),
        LITERAL_N1..=LITERAL_N8 => {
            let n = 1 << (cmd - LITERAL_N1);
            int(1, n).map(|len| (Op::Literal(len), 1 + n))
        }
        COPY_N1_N1..=COPY_N8_N8 => {
            let (o, l) = (1 << ((cmd - COPY_N1_N1) / 4), 1 << ((cmd - COPY_N1_N1) % 4));
            match (int(1, o), int(1 + o, l)) {
                (Some(offset), Some(len)) => Some((Op::Copy { offset, len }, 1 + o + l)),
                _ => None,
            }
        }
        _ => return Err(bad("unknown delta command")),
    };
    Ok(op)
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// The smallest width (1, 2, 4 or 8 bytes) that holds `v`, as a class 0..=3.
fn class(v: u64) -> u8 {
    match v {
        0..=0xff => 0,
        0x100..=0xffff => 1,
        0x1_0000..=0xffff_ffff => 2,
        _ => 3,
    }
}

fn put_int(out: &mut Vec<u8>, v: u64, class: u8) {
    out.extend_from_slice(&v.to_be_bytes()[8 - (1 << class)..]);
}

/// Append `op`'s header to `out` (a literal's bytes follow it).
pub fn write(out: &mut Vec<u8>, op: Op) {
    match op {
        Op::End => out.push(END),
        Op::Literal(0) => {}
        Op::Literal(n @ 1..=64) => out.push(n as u8),
        Op::Literal(n) => {
            let c = class(n);
            out.push(LITERAL_N1 + c);
            put_int(out, n, c);
        }
        Op::Copy { offset, len } => {
            let (o, l) = (class(offset), class(len));
            out.push(COPY_N1_N1 + o * 4 + l);
            put_int(out, offset, o);
            put_int(out, len, l);
        }
    }
}

/// A delta applied as it arrives, against the old file, into `out`, writing at most `limit`
/// bytes.
pub struct Patcher<W> {
    basis: File,
    out: W,
    limit: u64,
    /// Bytes received but not yet used: at most one command header and one chunk.
    held: Vec<u8>,
    /// Literal bytes still to come of the current command.
    literal: u64,
    magic: bool,
    ended: bool,
}

impl<W: Write> Patcher<W> {
    /// Apply against `basis` into `out`.
    pub fn new(basis: File, out: W, limit: u64) -> Self {
        Patcher {
            basis,
            out,
            limit,
            held: Vec::new(),
            literal: 0,
            magic: false,
            ended: false,
        }
    }

    /// The next bytes of the delta.
    pub fn feed(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.held.extend_from_slice(bytes);
        let mut at = 0;
        let result = self.run(&mut at);
        self.held.drain(..at.min(self.held.len()));
        result
    }

    fn run(&mut self, at: &mut usize) -> io::Result<()> {
        if !self.magic {
            let Some(m) = self.held.get(..4) else {
                return Ok(());
            };
            if m != MAGIC {
                return Err(bad("not a delta"));
            }
            (self.magic, *at) = (true, 4);
        }
        loop {
            if self.literal > 0 {
                let rest = &self.held[*at..];
                let n = rest
                    .len()
                    .min(usize::try_from(self.literal).unwrap_or(usize::MAX));
                if n == 0 {
                    return Ok(());
                }
                let piece = &rest[..n];
                emit(&mut self.out, &mut self.limit, piece)?;
                self.literal -= n as u64;
                *at += n;
                continue;
            }
            let Some((op, used)) = parse(&self.held[*at..])? else {
                return Ok(());
            };
            if self.ended {
                return Err(bad("bytes after the end of the delta"));
            }
            *at += used;
            match op {
                Op::End => self.ended = true,
                Op::Literal(n) => self.literal = n,
                Op::Copy { offset, len } => self.copy(offset, len)?,
            }
        }
    }

    fn copy(&mut self, offset: u64, len: u64) -> io::Result<()> {
        if len == 0 || len > self.limit {
            return Err(bad("delta copies more than the file's size"));
        }
        let mut buf = vec![0; COPY_BUF.min(len as usize)];
        let (mut pos, end) = (offset, offset.checked_add(len).ok_or_else(|| bad("copy"))?);
        while pos < end {
            let want = buf.len().min((end - pos) as usize);
            let n = self.basis.read_at(&mut buf[..want], pos)?;
            if n == 0 {
                return Err(bad("delta copies beyond the old file"));
            }
            emit(&mut self.out, &mut self.limit, &buf[..n])?;
            pos += n as u64;
        }
        Ok(())
    }

    /// The delta is complete: its end command was seen and nothing follows it.
    pub fn finish(self) -> io::Result<W> {
        if !self.ended || self.literal > 0 || !self.held.is_empty() {
            return Err(bad("the delta ended early"));
        }
        Ok(self.out)
    }
}

fn emit(out: &mut impl Write, limit: &mut u64, bytes: &[u8]) -> io::Result<()> {
    *limit = limit
        .checked_sub(bytes.len() as u64)
        .ok_or_else(|| bad("delta writes more than the file's size"))?;
    out.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip() {
        for op in [
            Op::End,
            Op::Literal(1),
            Op::Literal(64),
            Op::Literal(65),
            Op::Literal(70_000),
            Op::Literal(1 << 40),
            Op::Copy { offset: 0, len: 1 },
            Op::Copy {
                offset: 1 << 33,
                len: 300,
            },
        ] {
            let mut v = Vec::new();
            write(&mut v, op);
            assert_eq!(parse(&v).expect("valid"), Some((op, v.len())));
            assert_eq!(parse(&v[..v.len() - 1]).expect("partial"), None);
        }
        assert!(parse(&[0x99]).is_err());
    }
}
