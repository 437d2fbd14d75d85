//! File contents: copy (with `copy_file_range`, so the kernel can share extents or reflink),
//! copy-and-hash in one read (for a manifest written during a snapshot), hash alone, and
//! compare two files without reading past the first difference.

use std::fs::File;
use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

const CHUNK: usize = 256 * 1024;

/// Copies all of `src` into `dst` from their current offsets, in the kernel when it can
/// (`copy_file_range`: no user-space buffer, reflinks on filesystems that have them), falling
/// back to a read/write loop where the kernel refuses (e.g. across some filesystems).
/// Returns the bytes copied.
pub fn copy(src: &mut File, dst: &mut File) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        match rustix::fs::copy_file_range(&*src, None, &*dst, None, 1 << 30) {
            Ok(0) => return Ok(total),
            Ok(n) => total += n as u64,
            Err(e)
                if total == 0
                    && matches!(
                        e,
                        rustix::io::Errno::XDEV
                            | rustix::io::Errno::NOSYS
                            | rustix::io::Errno::INVAL
                            | rustix::io::Errno::OPNOTSUPP
                            | rustix::io::Errno::PERM
                    ) =>
            {
                return io::copy(src, dst);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Copies `src` into `dst` through one buffer, hashing every byte on the way: one read of
/// the source gives both the copy and its SHA-256. Returns the digest and the bytes copied.
pub fn copy_and_hash(src: &mut impl Read, dst: &mut impl Write) -> io::Result<([u8; 32], u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        total += n as u64;
    }
    Ok((hasher.finalize().into(), total))
}

/// SHA-256 of everything `r` yields.
pub fn sha256(r: &mut impl Read) -> io::Result<[u8; 32]> {
    copy_and_hash(r, &mut io::sink()).map(|(d, _)| d)
}

/// SHA-256 of a byte slice.
pub fn sha256_bytes(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

/// True when `a` and `b` yield the same bytes; stops at the first difference.
pub fn same_content(a: &mut impl Read, b: &mut impl Read) -> io::Result<bool> {
    let mut ba = vec![0u8; CHUNK];
    let mut bb = vec![0u8; CHUNK];
    loop {
        let na = read_full(a, &mut ba)?;
        let nb = read_full(b, &mut bb)?;
        if na != nb || ba[..na] != bb[..nb] {
            return Ok(false);
        }
        if na == 0 {
            return Ok(true);
        }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};

    #[test]
    fn copy_and_hash_agree_with_sha256() {
        let data: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let mut out = Vec::new();
        let (d, n) = copy_and_hash(&mut &data[..], &mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(n, data.len() as u64);
        assert_eq!(d, sha256_bytes(&data));
        assert_eq!(
            crate::manifest::hex(&sha256_bytes(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn kernel_copy_copies_everything() {
        let t = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 7) as u8).collect();
        std::fs::write(t.path().join("a"), &data).unwrap();
        let mut src = File::open(t.path().join("a")).unwrap();
        let mut dst = File::create(t.path().join("b")).unwrap();
        assert_eq!(copy(&mut src, &mut dst).unwrap(), data.len() as u64);
        assert_eq!(std::fs::read(t.path().join("b")).unwrap(), data);
        src.seek(SeekFrom::Start(0)).unwrap();
        let mut b = File::open(t.path().join("b")).unwrap();
        assert!(same_content(&mut src, &mut b).unwrap());
        assert!(!same_content(&mut &b"abc"[..], &mut &b"abd"[..]).unwrap());
        assert!(!same_content(&mut &b"abc"[..], &mut &b"abcd"[..]).unwrap());
    }
}
