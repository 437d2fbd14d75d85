//! Deltas against the receiver's old copy, with `fast_rsync` (rsync's rolling checksum plus
//! MD4 block hashes, librsync's delta format), and the strong whole-file hash (SHA-256) that
//! the receiver checks before it renames a file into place: MD4 block matches are not trusted
//! on their own. Signatures from the peer are checked before `fast_rsync` sees them (block
//! size and hash length within bounds), and a delta is applied with an output limit, the
//! size the sender announced.

use std::io::{self, Write};

use fast_rsync::{Signature, SignatureOptions};
use sha2::{Digest, Sha256};

use super::frame::MAX_FRAME;

/// Largest block size a signature may use.
const MAX_BLOCK: u32 = 1 << 20;

/// The signature of `basis`, or `None` when it would not fit in a frame.
pub fn signature(basis: &[u8]) -> Option<Vec<u8>> {
    // rsync's choice: about the square root of the length, at least 512 bytes.
    let root = (basis.len() as f64).sqrt() as u32;
    let block_size = (root & !7).clamp(512, 128 << 10);
    let sig = Signature::calculate(
        basis,
        SignatureOptions {
            block_size,
            crypto_hash_size: 8,
        },
    );
    let bytes = sig.into_serialized();
    (bytes.len() <= MAX_FRAME - 64).then_some(bytes)
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

/// The delta that turns the basis described by `sig` into `data`.
pub fn diff(sig: &Signature, data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    fast_rsync::diff(&sig.index(), data, &mut out).map_err(io::Error::other)?;
    Ok(out)
}

/// Rebuild into `out` from `basis` and `delta`, writing at most `limit` bytes.
pub fn apply(basis: &[u8], delta: &[u8], out: &mut impl Write, limit: u64) -> io::Result<()> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    fast_rsync::apply_limited(basis, delta, out, limit).map_err(io::Error::other)
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

    #[test]
    fn a_delta_rebuilds_the_new_content() {
        let old: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut new = old.clone();
        new[1000] ^= 1;
        new.extend_from_slice(b"tail");
        let sig = parse_signature(signature(&old).expect("small")).expect("valid");
        let d = diff(&sig, &new).expect("diff");
        assert!(d.len() < new.len() / 10, "delta of {} bytes", d.len());
        let mut out = Vec::new();
        apply(&old, &d, &mut out, new.len() as u64).expect("apply");
        assert_eq!(out, new);
        let mut short = Vec::new();
        assert!(apply(&old, &d, &mut short, 10).is_err());
    }

    #[test]
    fn hostile_signatures_are_refused() {
        let mut sig = signature(b"some bytes").expect("small");
        sig[4..8].copy_from_slice(&0u32.to_be_bytes());
        assert!(parse_signature(sig.clone()).is_none());
        sig[4..8].copy_from_slice(&512u32.to_be_bytes());
        sig[8..12].copy_from_slice(&99u32.to_be_bytes());
        assert!(parse_signature(sig).is_none());
        assert!(parse_signature(vec![1, 2]).is_none());
    }
}
