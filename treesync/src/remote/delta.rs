//! Deltas against the receiver's old copy, with `fast_rsync` (rsync's rolling checksum plus
//! MD4 block hashes, librsync's delta format), and the strong whole-file hash (SHA-256) that
//! the receiver checks before it renames a file into place: MD4 block matches are not trusted
//! on their own. Signatures from the peer are checked before `fast_rsync` sees them (block
//! size and hash length within bounds), and a delta is applied with an output limit, the
//! size the sender announced.

use std::io::{self, Read, Write};

use fast_rsync::{Signature, SignatureOptions};
use sha2::{Digest, Sha256};

use super::command::{self, Op};
use super::frame::MAX_FRAME;

/// Largest block size a signature may use.
const MAX_BLOCK: u32 = 1 << 20;

/// Bytes of the new file diffed at a time (plus what the previous window left unmatched).
const WINDOW: usize = 8 << 20;

/// A signature's header: magic, block size, hash length.
const HEADER: usize = 12;

/// rsync's block size for a file of `len` bytes: about its square root, at least 512.
fn block_size(len: u64) -> u32 {
    let root = (len as f64).sqrt() as u32;
    (root & !7).clamp(512, 128 << 10)
}

/// The signature of the `len`-byte old file `r`, read a window at a time, or `None` when it
/// cannot be read or would not fit in a frame.
pub fn signature(r: &mut dyn Read, len: u64) -> Option<Vec<u8>> {
    let block = block_size(len);
    let options = SignatureOptions {
        block_size: block,
        crypto_hash_size: 8,
    };
    let step = (WINDOW / block as usize).max(1) * block as usize;
    let mut buf = Vec::with_capacity(step);
    let mut out: Vec<u8> = Vec::new();
    let mut r = r.take(len);
    loop {
        buf.clear();
        (&mut r).take(step as u64).read_to_end(&mut buf).ok()?;
        if buf.is_empty() && !out.is_empty() {
            break;
        }
        let sig = Signature::calculate(&buf, options).into_serialized();
        // Blocks are whole in every window but the last: their records simply follow.
        out.extend_from_slice(sig.get(if out.is_empty() { 0 } else { HEADER }..)?);
        if out.len() > MAX_FRAME - 64 {
            return None;
        }
        if buf.len() < step {
            break;
        }
    }
    Some(out)
}

/// A signature from the peer, checked.
pub fn parse_signature(bytes: Vec<u8>) -> Option<Signature> {
    let field = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (block, hash) = (field(4)?, field(8)?);
    if block == 0 || block > MAX_BLOCK || hash == 0 || hash > 16 {
        return None;
    }
    Signature::deserialize(bytes).ok()
}

/// The delta that turns the basis described by `sig` into what `r` yields (`len` bytes),
/// a window at a time: each piece of delta goes to `send` as soon as its window is diffed,
/// and the bytes read go through `seen` (the whole-file hash). A window's unmatched tail
/// (where a block could still start) is carried into the next window, so the windows find
/// the matches one pass over the whole file would.
pub fn diff(
    sig: &Signature,
    r: &mut dyn Read,
    len: u64,
    seen: &mut (dyn Write + Send),
    send: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let index = sig.index();
    let block = sig_block(sig) as usize;
    let mut r = r.take(len);
    let mut window: Vec<u8> = Vec::with_capacity(WINDOW + block);
    let mut out = command::MAGIC.to_vec();
    let mut raw = Vec::new();
    loop {
        let before = window.len();
        (&mut r).take(WINDOW as u64).read_to_end(&mut window)?;
        let last = window.len() - before < WINDOW;
        raw.clear();
        // The window's delta and the whole-file hash, on both cores.
        let (d, h) = rayon::join(
            || fast_rsync::diff(&index, &window, &mut raw).map_err(io::Error::other),
            || seen.write_all(&window[before..]),
        );
        d.and(h)?;
        let carry = reencode(&raw, &window, block, last, &mut out)?;
        send(&out)?;
        out.clear();
        window.drain(..window.len() - carry);
        if last {
            break;
        }
    }
    let mut end = Vec::new();
    command::write(&mut end, Op::End);
    send(&end)
}

/// The block size a signature was made with.
fn sig_block(sig: &Signature) -> u32 {
    let b = sig.serialized();
    b.get(4..8)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(512)
}

/// Append `raw`'s commands (one window's delta) to `out`, without its end and, unless it is
/// the `last` window, without the unmatched tail a block could still start in: returns how
/// many bytes of `window` that tail is.
fn reencode(
    raw: &[u8],
    window: &[u8],
    block: usize,
    last: bool,
    out: &mut Vec<u8>,
) -> io::Result<usize> {
    let short = || io::Error::other("fast_rsync wrote a short delta");
    let mut at = command::MAGIC.len();
    let mut pos = 0usize;
    loop {
        let (op, used) = command::parse(raw.get(at..).ok_or_else(short)?)?.ok_or_else(short)?;
        at += used;
        match op {
            Op::End => return Ok(0),
            Op::Copy { len, .. } => {
                command::write(out, op);
                pos += len as usize;
            }
            Op::Literal(n) => {
                let n = n as usize;
                let bytes = raw.get(at..at + n).ok_or_else(short)?;
                at += n;
                let tail = pos + n == window.len() && !last;
                let keep = if tail { n - n.min(block - 1) } else { n };
                command::write(out, Op::Literal(keep as u64));
                out.extend_from_slice(&bytes[..keep]);
                pos += n;
                if tail {
                    return Ok(n - keep);
                }
            }
        }
    }
}

/// The largest delta accepted for a file of `size` bytes: its literal bytes plus the
/// commands (a copy command per block of at least 512 bytes is well under 1/16 of it).
pub fn max_delta(size: u64) -> u64 {
    size.saturating_add(size / 16).saturating_add(64 << 10)
}

/// A writer that counts and hashes what passes through it.
pub struct Hashing<W> {
    /// Where the bytes go.
    pub inner: W,
    /// SHA-256 so far.
    pub hash: Sha256,
    /// Bytes so far.
    pub len: u64,
}

impl<W: Write> Hashing<W> {
    /// Wrap `inner`.
    pub fn new(inner: W) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            len: 0,
        }
    }

    /// The digest of everything written.
    pub fn digest(&self) -> [u8; 32] {
        self.hash.clone().finalize().into()
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 of everything `r` yields.
pub fn sha256_of(r: &mut dyn io::Read) -> io::Result<[u8; 32]> {
    let mut h = Hashing::new(io::sink());
    io::copy(r, &mut h)?;
    Ok(h.digest())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The delta of `new` against `old`, applied back by the streaming patcher.
    fn round(old: &[u8], new: &[u8]) -> (Vec<u8>, usize) {
        let dir = std::env::temp_dir().join(format!("treesync-delta-{}", std::process::id()));
        std::fs::write(&dir, old).expect("write basis");
        let sig = signature(&mut &old[..], old.len() as u64).expect("fits");
        assert_eq!(
            sig,
            Signature::calculate(
                old,
                SignatureOptions {
                    block_size: block_size(old.len() as u64),
                    crypto_hash_size: 8,
                }
            )
            .into_serialized()
        );
        let sig = parse_signature(sig).expect("valid");
        let mut d = Vec::new();
        let mut hashed = Hashing::new(io::sink());
        diff(
            &sig,
            &mut &new[..],
            new.len() as u64,
            &mut hashed,
            &mut |b| {
                d.extend_from_slice(b);
                Ok(())
            },
        )
        .expect("diff");
        assert_eq!(hashed.len, new.len() as u64);
        let basis = std::fs::File::open(&dir).expect("open basis");
        let mut p = command::Patcher::new(basis, Vec::new(), new.len() as u64);
        for piece in d.chunks(1000) {
            p.feed(piece).expect("feed");
        }
        let out = p.finish().expect("complete");
        let _ = std::fs::remove_file(&dir);
        (out, d.len())
    }

    #[test]
    fn a_delta_rebuilds_the_new_content() {
        let old: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut new = old.clone();
        new[1000] ^= 1;
        new.extend_from_slice(b"tail");
        let (out, len) = round(&old, &new);
        assert_eq!(out, new);
        assert!(len < new.len() / 10, "delta of {len} bytes");
    }

    #[test]
    fn windows_lose_no_matches() {
        // 20 MiB of pseudo-random bytes with a few edits: three windows, and matches that
        // straddle their edges.
        let mut x = 1u64;
        let old: Vec<u8> = (0..20 << 20)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut new = old.clone();
        for at in [
            5usize,
            WINDOW - 3,
            WINDOW + 100,
            2 * WINDOW + 7,
            (20 << 20) - 9,
        ] {
            new[at] ^= 0x55;
        }
        new.drain(12_345..12_400);
        let (out, len) = round(&old, &new);
        assert_eq!(out, new);
        // Each edit costs a block or two of literal bytes, whatever the windows.
        let block = block_size(old.len() as u64) as usize;
        assert!(len < 12 * block, "delta of {len} bytes, block {block}");
    }

    #[test]
    fn hostile_signatures_are_refused() {
        let mut sig = signature(&mut &b"some bytes"[..], 10).expect("small");
        sig[4..8].copy_from_slice(&0u32.to_be_bytes());
        assert!(parse_signature(sig.clone()).is_none());
        sig[4..8].copy_from_slice(&512u32.to_be_bytes());
        sig[8..12].copy_from_slice(&99u32.to_be_bytes());
        assert!(parse_signature(sig).is_none());
        assert!(parse_signature(vec![1, 2]).is_none());
    }
}
