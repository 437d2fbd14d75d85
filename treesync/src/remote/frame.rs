//! The wire format between the two ends of a remote transfer: a versioned framed protocol of
//! our own over the remote shell's stdin/stdout (not rsync's: treesync only ever talks to
//! another treesync, so the protocol is shaped for our engine and for checking, not for
//! rsync daemons).
//!
//! Every frame is `TYPE (1 byte) LEN (u32 little-endian) PAYLOAD (LEN bytes)`, with `LEN` at
//! most [`MAX_FRAME`]. Inside a payload, integers are little-endian and byte strings are a
//! `u32` length then the bytes, each length checked against what is left of the payload; a
//! payload with bytes left over is malformed. The conversation:
//!
//! 1. the client sends `Hello` (magic, version, role, options, operands); the server answers
//!    with its own `Hello` (magic, version): a version or magic mismatch ends the run;
//! 2. the sender streams `Entry` frames (one per file, directory, symlink, device or special,
//!    depth-first in rsync's output order; the index of an entry is its position in the
//!    stream), then `EndList`;
//! 3. meanwhile the receiver answers each entry whose content it needs with a `Request` (the
//!    entry's index and the rolling-checksum signature of its old copy, or nothing);
//! 4. the sender answers requests in order: `FileBegin` (index, size), `Data` frames (raw
//!    bytes, or a delta against the signature; each optionally zstd-compressed), then
//!    `FileEnd` with the SHA-256 of the whole new content, or `FileError` when it could not
//!    read the file;
//! 5. the receiver's output lines travel back as `Log` frames when the receiver is the
//!    server; the end that finishes last sends `Done` with its exit status.
//!
//! Decoding ([`decode`]) is a pure function over bytes, so the fuzz target `frame` can drive
//! it; nothing in it allocates more than the frame's own length.

use std::io::{self, Read, Write};

/// The first bytes of a `Hello` payload.
pub const MAGIC: &[u8; 8] = b"TREESYNC";
/// The protocol version; both ends must speak the same one.
pub const VERSION: u16 = 1;
/// The largest payload a frame may announce.
pub const MAX_FRAME: usize = 4 << 20;
/// The largest `Data` payload a sender writes (before compression).
pub const CHUNK: usize = 256 << 10;
/// The longest path an entry may carry.
pub const MAX_PATH: usize = 4096;

/// Which way the data flows, as the client asks the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The server receives (a push: `treesync SRC... HOST:DEST`).
    ServerReceives,
    /// The server sends (a pull: `treesync HOST:SRC... DEST`).
    ServerSends,
}

/// The options both ends need, as bits of [`Hello::flags`].
pub mod flag {
    /// `-r`.
    pub const RECURSIVE: u32 = 1;
    /// `-l`.
    pub const LINKS: u32 = 1 << 1;
    /// `-p`.
    pub const PERMS: u32 = 1 << 2;
    /// `-t`.
    pub const TIMES: u32 = 1 << 3;
    /// `-o`.
    pub const OWNER: u32 = 1 << 4;
    /// `-g`.
    pub const GROUP: u32 = 1 << 5;
    /// `--devices`.
    pub const DEVICES: u32 = 1 << 6;
    /// `--specials`.
    pub const SPECIALS: u32 = 1 << 7;
    /// `-c`.
    pub const CHECKSUM: u32 = 1 << 8;
    /// `--delete`.
    pub const DELETE: u32 = 1 << 9;
    /// `-n`.
    pub const DRY_RUN: u32 = 1 << 10;
    /// `-i`.
    pub const ITEMIZE: u32 = 1 << 11;
    /// `-z`.
    pub const COMPRESS: u32 = 1 << 12;
    /// `-q`.
    pub const QUIET: u32 = 1 << 13;
    /// Names on output escaped as in a UTF-8 locale.
    pub const UTF8: u32 = 1 << 14;
    /// Names on output escaped as with `-8`.
    pub const EIGHT_BIT: u32 = 1 << 15;
    /// `--insecure-links`: DEST may be reached through anyone's symlink.
    pub const INSECURE_LINKS: u32 = 1 << 16;
}

/// The opening frame of each end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// The sender's protocol version.
    pub version: u16,
    /// Which way the data flows.
    pub role: Role,
    /// [`flag`] bits.
    pub flags: u32,
    /// `-v` count.
    pub verbose: u8,
    /// The SRC operands (paths on the sending side).
    pub sources: Vec<Vec<u8>>,
    /// The DEST operand (a path on the receiving side).
    pub dest: Vec<u8>,
}

/// One entry of the file list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// The path relative to the receiver's destination (`.` for the top directory).
    pub path: Vec<u8>,
    /// `st_mode`: type and permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time, seconds.
    pub mtime: i64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: u32,
    /// Size of a regular file.
    pub size: u64,
    /// Device number of a device.
    pub rdev: u64,
    /// A symlink's target.
    pub target: Vec<u8>,
    /// With `-c`, the SHA-256 of a regular file's content.
    pub digest: Option<[u8; 32]>,
}

/// Where a `Log` frame's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// See [`Hello`].
    Hello(Hello),
    /// See [`Entry`].
    Entry(Entry),
    /// No more entries; `io_error`: the sender could not read part of SRC.
    EndList {
        /// Part of SRC could not be listed (the receiver then does not delete).
        io_error: bool,
    },
    /// The receiver wants entry `index`'s content, as a delta against `signature` (empty:
    /// whole).
    Request {
        /// The entry's position in the list.
        index: u32,
        /// A `fast_rsync` signature of the receiver's old copy, or nothing.
        signature: Vec<u8>,
    },
    /// The content of entry `index` follows: `size` bytes once rebuilt.
    FileBegin {
        /// The entry's position in the list.
        index: u32,
        /// The content's size.
        size: u64,
        /// The `Data` frames carry a delta (true) or raw bytes (false).
        delta: bool,
    },
    /// A piece of content or delta.
    Data {
        /// The bytes are one zstd frame.
        compressed: bool,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// The content is complete; its SHA-256.
    FileEnd {
        /// SHA-256 of the whole new content.
        sha256: [u8; 32],
    },
    /// The sender could not read the file it began (the receiver drops it).
    FileError,
    /// Output of the other end.
    Log {
        /// Where it goes.
        stream: Stream,
        /// What it says.
        text: Vec<u8>,
    },
    /// The sender could not read part of SRC: the receiver deletes nothing from now on.
    IoError,
    /// With `--delete`: every name SRC has in the directory `dir` (the one just entered),
    /// sent before its contents, so the receiver deletes the rest first, as local treesync
    /// orders its output.
    Names {
        /// The directory, as its entry named it.
        dir: Vec<u8>,
        /// The names in it that the list carries.
        names: Vec<Vec<u8>>,
    },
    /// The end: the exit status of the end that sends it.
    Done {
        /// An rsync exit status.
        status: u8,
    },
}

/// Why bytes are not a frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A frame type we do not know.
    #[error("unknown frame type {0}")]
    UnknownType(u8),
    /// A length over the limit.
    #[error("frame of {0} bytes is over the limit")]
    TooLong(u64),
    /// A payload that ends before its fields do, or has bytes left over.
    #[error("malformed {0} frame")]
    Malformed(&'static str),
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame")]
    Truncated,
    /// A `Hello` from another program or another version.
    #[error("the other end does not speak this protocol (version {0:?})")]
    Version(Option<u16>),
}

const HELLO: u8 = 1;
const ENTRY: u8 = 2;
const END_LIST: u8 = 3;
const REQUEST: u8 = 4;
const FILE_BEGIN: u8 = 5;
const DATA: u8 = 6;
const FILE_END: u8 = 7;
const FILE_ERROR: u8 = 8;
const LOG: u8 = 9;
const DONE: u8 = 10;
const IO_ERROR: u8 = 11;
const NAMES: u8 = 12;

/// Decode one frame from the front of `buf`: `Ok(None)` when `buf` holds only part of one,
/// else the frame and how many bytes it took.
pub fn decode(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let Some(header) = buf.get(..5) else {
        return Ok(None);
    };
    let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLong(len as u64));
    }
    let Some(payload) = buf.get(5..5 + len) else {
        return Ok(None);
    };
    Ok(Some((decode_payload(header[0], payload)?, 5 + len)))
}

/// Decode a payload of type `ty`.
pub fn decode_payload(ty: u8, payload: &[u8]) -> Result<Frame, FrameError> {
    let mut c = Cursor {
        buf: payload,
        what: name_of(ty)?,
    };
    let f = match ty {
        HELLO => Frame::Hello(c.hello()?),
        ENTRY => Frame::Entry(c.entry()?),
        END_LIST => Frame::EndList {
            io_error: c.u8()? != 0,
        },
        REQUEST => Frame::Request {
            index: c.u32()?,
            signature: c.bytes(MAX_FRAME)?,
        },
        FILE_BEGIN => Frame::FileBegin {
            index: c.u32()?,
            size: c.u64()?,
            delta: c.u8()? != 0,
        },
        DATA => Frame::Data {
            compressed: c.u8()? != 0,
            bytes: c.bytes(MAX_FRAME)?,
        },
        FILE_END => Frame::FileEnd { sha256: c.array()? },
        FILE_ERROR => Frame::FileError,
        IO_ERROR => Frame::IoError,
        NAMES => c.names()?,
        LOG => Frame::Log {
            stream: if c.u8()? == 2 {
                Stream::Err
            } else {
                Stream::Out
            },
            text: c.bytes(MAX_FRAME)?,
        },
        _ => Frame::Done { status: c.u8()? },
    };
    c.end()?;
    Ok(f)
}

fn name_of(ty: u8) -> Result<&'static str, FrameError> {
    Ok(match ty {
        HELLO => "hello",
        ENTRY => "entry",
        END_LIST => "end-of-list",
        REQUEST => "request",
        FILE_BEGIN => "file-begin",
        DATA => "data",
        FILE_END => "file-end",
        FILE_ERROR => "file-error",
        LOG => "log",
        DONE => "done",
        IO_ERROR => "io-error",
        NAMES => "names",
        _ => return Err(FrameError::UnknownType(ty)),
    })
}

/// Reads a payload field by field, every length checked.
struct Cursor<'a> {
    buf: &'a [u8],
    what: &'static str,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], FrameError> {
        if self.buf.len() < n {
            return Err(FrameError::Malformed(self.what));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], FrameError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, FrameError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, FrameError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, FrameError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn bytes(&mut self, max: usize) -> Result<Vec<u8>, FrameError> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(FrameError::Malformed(self.what));
        }
        Ok(self.take(n)?.to_vec())
    }

    fn end(&self) -> Result<(), FrameError> {
        match self.buf.is_empty() {
            true => Ok(()),
            false => Err(FrameError::Malformed(self.what)),
        }
    }

    fn hello(&mut self) -> Result<Hello, FrameError> {
        if self.take(MAGIC.len()).ok() != Some(&MAGIC[..]) {
            return Err(FrameError::Version(None));
        }
        let version = u16::from_le_bytes(self.array()?);
        if version != VERSION {
            return Err(FrameError::Version(Some(version)));
        }
        let role = match self.u8()? {
            0 => Role::ServerReceives,
            _ => Role::ServerSends,
        };
        let (flags, verbose) = (self.u32()?, self.u8()?);
        let n = self.u32()? as usize;
        let mut sources = Vec::new();
        for _ in 0..n {
            sources.push(self.bytes(MAX_PATH)?);
        }
        let dest = self.bytes(MAX_PATH)?;
        Ok(Hello {
            version,
            role,
            flags,
            verbose,
            sources,
            dest,
        })
    }

    fn names(&mut self) -> Result<Frame, FrameError> {
        let dir = self.bytes(MAX_PATH)?;
        let n = self.u32()? as usize;
        // Each name takes at least its 4-byte length: a count beyond that is a lie.
        if n > self.buf.len() / 4 {
            return Err(FrameError::Malformed(self.what));
        }
        let mut names = Vec::with_capacity(n);
        for _ in 0..n {
            names.push(self.bytes(MAX_PATH)?);
        }
        Ok(Frame::Names { dir, names })
    }

    fn entry(&mut self) -> Result<Entry, FrameError> {
        let path = self.bytes(MAX_PATH)?;
        let (mode, uid, gid) = (self.u32()?, self.u32()?, self.u32()?);
        let mtime = self.u64()? as i64;
        let mtime_nsec = self.u32()?;
        let (size, rdev) = (self.u64()?, self.u64()?);
        let target = self.bytes(MAX_PATH)?;
        let digest = match self.u8()? {
            0 => None,
            _ => Some(self.array()?),
        };
        Ok(Entry {
            path,
            mode,
            uid,
            gid,
            mtime,
            mtime_nsec,
            size,
            rdev,
            target,
            digest,
        })
    }
}

/// Builds a payload.
#[derive(Default)]
struct Put(Vec<u8>);

impl Put {
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn raw(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
    fn bytes(self, v: &[u8]) -> Self {
        // Lengths are bounded by the callers (paths by MAX_PATH, data by CHUNK).
        self.u32(v.len() as u32).raw(v)
    }
}

/// The type byte and payload of `f`.
pub fn encode(f: &Frame) -> (u8, Vec<u8>) {
    let p = Put::default();
    let (ty, p) = match f {
        Frame::Hello(h) => (HELLO, put_hello(p, h)),
        Frame::Entry(e) => (ENTRY, put_entry(p, e)),
        Frame::EndList { io_error } => (END_LIST, p.u8(u8::from(*io_error))),
        Frame::Request { index, signature } => (REQUEST, p.u32(*index).bytes(signature)),
        Frame::FileBegin { index, size, delta } => {
            (FILE_BEGIN, p.u32(*index).u64(*size).u8(u8::from(*delta)))
        }
        Frame::Data { compressed, bytes } => (DATA, p.u8(u8::from(*compressed)).bytes(bytes)),
        Frame::FileEnd { sha256 } => (FILE_END, p.raw(sha256)),
        Frame::FileError => (FILE_ERROR, p),
        Frame::IoError => (IO_ERROR, p),
        Frame::Names { dir, names } => {
            let mut p = p.bytes(dir).u32(names.len() as u32);
            for n in names {
                p = p.bytes(n);
            }
            (NAMES, p)
        }
        Frame::Log { stream, text } => {
            let s = if *stream == Stream::Err { 2 } else { 1 };
            (LOG, p.u8(s).bytes(text))
        }
        Frame::Done { status } => (DONE, p.u8(*status)),
    };
    (ty, p.0)
}

fn put_hello(p: Put, h: &Hello) -> Put {
    let role = match h.role {
        Role::ServerReceives => 0,
        Role::ServerSends => 1,
    };
    let mut p = p
        .raw(MAGIC)
        .raw(&h.version.to_le_bytes())
        .u8(role)
        .u32(h.flags)
        .u8(h.verbose)
        .u32(h.sources.len() as u32);
    for s in &h.sources {
        p = p.bytes(s);
    }
    p.bytes(&h.dest)
}

fn put_entry(p: Put, e: &Entry) -> Put {
    let p = p
        .bytes(&e.path)
        .u32(e.mode)
        .u32(e.uid)
        .u32(e.gid)
        .u64(e.mtime as u64)
        .u32(e.mtime_nsec)
        .u64(e.size)
        .u64(e.rdev)
        .bytes(&e.target);
    match &e.digest {
        Some(d) => p.u8(1).raw(d),
        None => p.u8(0),
    }
}

/// Write `f` to `w` (not flushed).
pub fn write(w: &mut dyn Write, f: &Frame) -> io::Result<()> {
    let (ty, payload) = encode(f);
    let mut header = [ty, 0, 0, 0, 0];
    header[1..].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    w.write_all(&header)?;
    w.write_all(&payload)
}

/// Why reading a frame from a stream failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The stream ended cleanly between frames.
    #[error("connection closed unexpectedly")]
    Closed,
    /// Reading failed.
    #[error("reading from the other end: {0}")]
    Io(#[source] io::Error),
    /// The bytes are not a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
}

/// Read one frame from `r` (at most [`MAX_FRAME`] bytes are allocated, and only once the
/// header has announced them).
pub fn read(r: &mut dyn Read) -> Result<Frame, ReadError> {
    let mut header = [0u8; 5];
    let mut got = 0;
    while got < 5 {
        match r.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Err(ReadError::Closed),
            Ok(0) => return Err(FrameError::Truncated.into()),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    name_of(header[0])?;
    let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if len > MAX_FRAME {
        return Err(FrameError::TooLong(len as u64).into());
    }
    let mut payload = vec![0; len];
    r.read_exact(&mut payload).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => ReadError::Frame(FrameError::Truncated),
        _ => ReadError::Io(e),
    })?;
    Ok(decode_payload(header[0], &payload)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(f: Frame) {
        let mut buf = Vec::new();
        write(&mut buf, &f).expect("a Vec takes every write");
        let (back, used) = decode(&buf).expect("valid").expect("whole");
        assert_eq!((back, used), (f.clone(), buf.len()));
        for cut in 0..buf.len() {
            assert_eq!(decode(&buf[..cut]), Ok(None));
        }
        assert!(matches!(
            read(&mut &buf[..buf.len() - 1]),
            Err(ReadError::Frame(FrameError::Truncated)) | Err(ReadError::Closed)
        ));
    }

    #[test]
    fn frames_round_trip() {
        round(Frame::Hello(Hello {
            version: VERSION,
            role: Role::ServerSends,
            flags: flag::RECURSIVE | flag::DELETE,
            verbose: 2,
            sources: vec![b"a/".to_vec(), b"b\n".to_vec()],
            dest: b"d".to_vec(),
        }));
        round(Frame::Entry(Entry {
            path: b"x/\xff".to_vec(),
            mode: 0o100644,
            mtime: -5,
            digest: Some([7; 32]),
            ..Entry::default()
        }));
        round(Frame::Request {
            index: 3,
            signature: vec![1, 2, 3],
        });
        round(Frame::Data {
            compressed: true,
            bytes: vec![0; 10],
        });
        round(Frame::Done { status: 12 });
        round(Frame::Names {
            dir: b"a/b".to_vec(),
            names: vec![b"x".to_vec(), b"\n".to_vec()],
        });
    }

    #[test]
    fn oversized_and_unknown_frames_are_refused() {
        let big = [DATA, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&big), Err(FrameError::TooLong(u32::MAX as u64)));
        assert_eq!(decode(&[99, 0, 0, 0, 0]), Err(FrameError::UnknownType(99)));
        // A byte string longer than its payload.
        let lying = [REQUEST, 8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
        assert_eq!(decode(&lying), Err(FrameError::Malformed("request")));
        // Bytes left over.
        assert_eq!(
            decode(&[DONE, 2, 0, 0, 0, 0, 0]),
            Err(FrameError::Malformed("done"))
        );
    }
}
