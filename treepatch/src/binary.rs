//! Git's binary patch encoding: base85 lines over zlib, `literal` and `delta` blocks, the git
//! delta format, and git blob ids.
//!
//! A `GIT binary patch` section holds one or two blocks. Each block starts with `literal N` (the
//! new content follows) or `delta N` (a git delta against the other side follows), where `N` is
//! the size of the *inflated* payload. The payload is zlib-deflated, then split into lines of at
//! most 52 bytes; each line is one length character (`A`..`Z` = 1..26, `a`..`z` = 27..52)
//! followed by git's base85 of those bytes, 4 bytes to 5 characters, the last group padded with
//! zeros. An empty line ends the block.
//!
//! The git delta format (as in pack files): two little-endian base-128 varints (source size,
//! target size), then opcodes. An opcode with the high bit set copies from the source: bits 0-3
//! say which of 4 offset bytes follow, bits 4-6 which of 3 size bytes follow (size 0 means
//! 0x10000). An opcode 1..=127 inserts that many literal bytes that follow it. Opcode 0 is
//! reserved and rejected. Everything here is bounds-checked: hostile input gives an error,
//! never a panic or an unbounded allocation.

use std::collections::HashMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use sha1::{Digest, Sha1};

use crate::types::BinaryBlock;

/// Git's base85 alphabet (not RFC 1924's order).
const ALPHABET: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";

/// Bytes of payload per base85 line, as git writes them.
pub const LINE_BYTES: usize = 52;

/// Why a binary block could not be decoded or applied.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BinaryError {
    /// A base85 line is empty, has a bad length character, or a length that does not match.
    #[error("corrupt binary line: bad length")]
    LineLength,
    /// A character outside git's base85 alphabet.
    #[error("corrupt binary line: invalid base85 character {0:#04x}")]
    BadChar(u8),
    /// A 5-character group that decodes to more than 32 bits.
    #[error("corrupt binary line: base85 group overflows")]
    Overflow,
    /// The zlib stream is damaged or truncated.
    #[error("corrupt binary patch: zlib stream is damaged")]
    Inflate,
    /// The inflated payload does not have the size the block header announced.
    #[error("corrupt binary patch: expected {expected} bytes, inflated {actual}")]
    SizeMismatch {
        /// Size from the `literal N`/`delta N` line.
        expected: u64,
        /// Size actually inflated (capped at `expected + 1`).
        actual: u64,
    },
    /// A `literal`/`delta` header line that is not one.
    #[error("not a binary block header")]
    BadHeader,
    /// The delta's header or an opcode is truncated.
    #[error("corrupt delta: truncated")]
    DeltaTruncated,
    /// The delta was made for a source of another size.
    #[error("delta does not apply: made for a {expected}-byte source, this one has {actual}")]
    DeltaSource {
        /// Source size recorded in the delta.
        expected: u64,
        /// Size of the content it is applied to.
        actual: u64,
    },
    /// Opcode 0, or a copy outside the source, or output beyond the announced target size.
    #[error("corrupt delta: invalid opcode or range")]
    DeltaOp,
    /// The result does not have the size the delta announced.
    #[error("corrupt delta: result size differs from the announced size")]
    DeltaResultSize,
}

/// The kind of a binary block, from its header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `literal N`: the payload is the full content.
    Literal,
    /// `delta N`: the payload is a git delta against the other side.
    Delta,
}

/// A block ready to be written: its kind, inflated size and deflated payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBlock {
    /// Literal or delta.
    pub kind: BlockKind,
    /// Size of the inflated payload (the `N` of the header line).
    pub size: u64,
    /// The zlib-deflated payload, to be base85-encoded in lines.
    pub deflated: Vec<u8>,
}

// ---------------------------------------------------------------------------------------------
// base85

fn decode_char(c: u8) -> Result<u32, BinaryError> {
    let v = match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'Z' => c - b'A' + 10,
        b'a'..=b'z' => c - b'a' + 36,
        _ => match ALPHABET[62..].iter().position(|&a| a == c) {
            Some(p) => 62 + p as u8,
            None => return Err(BinaryError::BadChar(c)),
        },
    };
    Ok(u32::from(v))
}

/// Encodes `data` in git's base85, 4 bytes to 5 characters, padding the last group with zeros.
pub fn encode_base85(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(4) * 5);
    for chunk in data.chunks(4) {
        let mut group = [0u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let mut acc = u32::from_be_bytes(group);
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = ALPHABET[(acc % 85) as usize];
            acc /= 85;
        }
        out.extend_from_slice(&digits);
    }
    out
}

/// Decodes `len` bytes from git base85 text (which must be exactly `ceil(len/4)*5` characters).
pub fn decode_base85(text: &[u8], len: usize) -> Result<Vec<u8>, BinaryError> {
    if text.len() != len.div_ceil(4) * 5 {
        return Err(BinaryError::LineLength);
    }
    let mut out = Vec::with_capacity(len);
    for group in text.chunks(5) {
        let mut acc: u32 = 0;
        for (i, &c) in group.iter().enumerate() {
            let d = decode_char(c)?;
            acc = if i < 4 {
                acc * 85 + d
            } else {
                acc.checked_mul(85)
                    .and_then(|a| a.checked_add(d))
                    .ok_or(BinaryError::Overflow)?
            };
        }
        let bytes = acc.to_be_bytes();
        let take = (len - out.len()).min(4);
        out.extend_from_slice(&bytes[..take]);
    }
    Ok(out)
}

/// Writes `payload` as git's base85 lines (each ending in `\n`), without the closing empty line.
pub fn write_base85_lines<W: Write + ?Sized>(w: &mut W, payload: &[u8]) -> std::io::Result<()> {
    for chunk in payload.chunks(LINE_BYTES) {
        let n = chunk.len() as u8;
        let lenc = if n <= 26 { b'A' + n - 1 } else { b'a' + n - 27 };
        w.write_all(&[lenc])?;
        w.write_all(&encode_base85(chunk))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Decodes one base85 line (length character plus data, no newline) to its bytes.
pub fn decode_base85_line(line: &[u8]) -> Result<Vec<u8>, BinaryError> {
    let (&lenc, rest) = line.split_first().ok_or(BinaryError::LineLength)?;
    let len = match lenc {
        b'A'..=b'Z' => lenc - b'A' + 1,
        b'a'..=b'z' => lenc - b'a' + 27,
        _ => return Err(BinaryError::LineLength),
    };
    decode_base85(rest, usize::from(len))
}

// ---------------------------------------------------------------------------------------------
// zlib

/// Deflates `data` with zlib at level 1 (`Z_BEST_SPEED`), as git does by default, so the output
/// matches git's byte for byte.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::with_capacity(data.len() / 2 + 64), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Inflates a zlib stream that must yield exactly `expected` bytes. Never produces more than
/// `expected + 1` bytes, whatever the input claims (no zip bombs).
pub fn inflate(data: &[u8], expected: u64) -> Result<Vec<u8>, BinaryError> {
    let cap = usize::try_from(expected.min(1 << 26)).unwrap_or(1 << 26);
    let mut out = Vec::with_capacity(cap);
    let mut dec = ZlibDecoder::new(data).take(expected.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|_| BinaryError::Inflate)?;
    if out.len() as u64 != expected {
        return Err(BinaryError::SizeMismatch {
            expected,
            actual: out.len() as u64,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// blocks

/// Parses a block header line (`literal 12` or `delta 7`, no newline).
pub fn parse_block_header(line: &[u8]) -> Result<(BlockKind, u64), BinaryError> {
    let (kind, num) = if let Some(n) = line.strip_prefix(b"literal ") {
        (BlockKind::Literal, n)
    } else if let Some(n) = line.strip_prefix(b"delta ") {
        (BlockKind::Delta, n)
    } else {
        return Err(BinaryError::BadHeader);
    };
    if num.is_empty() || num.len() > 19 || !num.iter().all(u8::is_ascii_digit) {
        return Err(BinaryError::BadHeader);
    }
    let size = num
        .iter()
        .fold(0u64, |acc, &d| acc * 10 + u64::from(d - b'0'));
    Ok((kind, size))
}

/// Decodes a block from its kind, announced size and base85 lines (without newlines and without
/// the closing empty line): base85, then inflate, checking the size.
pub fn decode_block<'a, I>(kind: BlockKind, size: u64, lines: I) -> Result<BinaryBlock, BinaryError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut deflated = Vec::new();
    for line in lines {
        deflated.extend_from_slice(&decode_base85_line(line)?);
    }
    let payload = inflate(&deflated, size)?;
    Ok(match kind {
        BlockKind::Literal => BinaryBlock::Literal(payload),
        BlockKind::Delta => BinaryBlock::Delta(payload),
    })
}

/// Applies a decoded block to `base` (the content on the other side): a literal is the result,
/// a delta is applied with [`apply_delta`].
pub fn apply_block(block: &BinaryBlock, base: &[u8]) -> Result<Vec<u8>, BinaryError> {
    match block {
        BinaryBlock::Literal(data) => Ok(data.clone()),
        BinaryBlock::Delta(delta) => apply_delta(base, delta),
    }
}

/// Encodes the block that turns `from` into `to`, as git chooses: a delta when both sides are
/// non-empty and the deflated delta is smaller than the deflated literal, else a literal.
pub fn encode_block(from: &[u8], to: &[u8]) -> EncodedBlock {
    let literal = EncodedBlock {
        kind: BlockKind::Literal,
        size: to.len() as u64,
        deflated: deflate(to),
    };
    if from.is_empty() || to.is_empty() {
        return literal;
    }
    match create_delta(from, to) {
        Some(delta) => {
            let deflated = deflate(&delta);
            if deflated.len() < literal.deflated.len() {
                EncodedBlock {
                    kind: BlockKind::Delta,
                    size: delta.len() as u64,
                    deflated,
                }
            } else {
                literal
            }
        }
        None => literal,
    }
}

/// Writes one block: header line, base85 lines, closing empty line.
pub fn write_block<W: Write + ?Sized>(w: &mut W, block: &EncodedBlock) -> std::io::Result<()> {
    let word: &[u8] = match block.kind {
        BlockKind::Literal => b"literal ",
        BlockKind::Delta => b"delta ",
    };
    w.write_all(word)?;
    w.write_all(block.size.to_string().as_bytes())?;
    w.write_all(b"\n")?;
    write_base85_lines(w, &block.deflated)?;
    w.write_all(b"\n")
}

// ---------------------------------------------------------------------------------------------
// git delta

fn read_varint(data: &[u8], pos: &mut usize) -> Result<u64, BinaryError> {
    let mut value: u64 = 0;
    let mut shift = 0u32;
    loop {
        let &b = data.get(*pos).ok_or(BinaryError::DeltaTruncated)?;
        *pos += 1;
        if shift >= 64 {
            return Err(BinaryError::DeltaOp);
        }
        value |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Applies a git delta to `base`. Checks the recorded source size, every copy range, and the
/// result size; never panics and never allocates more than the announced target size (capped).
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, BinaryError> {
    let mut pos = 0usize;
    let src_size = read_varint(delta, &mut pos)?;
    if src_size != base.len() as u64 {
        return Err(BinaryError::DeltaSource {
            expected: src_size,
            actual: base.len() as u64,
        });
    }
    let dst_size = read_varint(delta, &mut pos)?;
    let cap = usize::try_from(dst_size.min(1 << 26)).unwrap_or(1 << 26);
    let mut out: Vec<u8> = Vec::with_capacity(cap);
    while pos < delta.len() {
        let cmd = delta[pos];
        pos += 1;
        if cmd & 0x80 != 0 {
            let mut offset: u64 = 0;
            for i in 0..4 {
                if cmd & (1 << i) != 0 {
                    let &b = delta.get(pos).ok_or(BinaryError::DeltaTruncated)?;
                    pos += 1;
                    offset |= u64::from(b) << (8 * i);
                }
            }
            let mut size: u64 = 0;
            for i in 0..3 {
                if cmd & (0x10 << i) != 0 {
                    let &b = delta.get(pos).ok_or(BinaryError::DeltaTruncated)?;
                    pos += 1;
                    size |= u64::from(b) << (8 * i);
                }
            }
            if size == 0 {
                size = 0x10000;
            }
            let end = offset.checked_add(size).ok_or(BinaryError::DeltaOp)?;
            if end > base.len() as u64 || out.len() as u64 + size > dst_size {
                return Err(BinaryError::DeltaOp);
            }
            // Both bounds were checked against base.len() (a usize) just above.
            out.extend_from_slice(&base[offset as usize..end as usize]);
        } else if cmd != 0 {
            let n = usize::from(cmd);
            let data = delta.get(pos..pos + n).ok_or(BinaryError::DeltaTruncated)?;
            if out.len() as u64 + n as u64 > dst_size {
                return Err(BinaryError::DeltaOp);
            }
            out.extend_from_slice(data);
            pos += n;
        } else {
            return Err(BinaryError::DeltaOp);
        }
    }
    if out.len() as u64 != dst_size {
        return Err(BinaryError::DeltaResultSize);
    }
    Ok(out)
}

/// Block size of the source index used by [`create_delta`].
const BLOCK: usize = 16;

/// Largest copy emitted in one opcode (git's own writer splits at 64 KiB).
const MAX_COPY: usize = 0x10000;

fn push_insert(out: &mut Vec<u8>, mut data: &[u8]) {
    while !data.is_empty() {
        let n = data.len().min(127);
        out.push(n as u8);
        out.extend_from_slice(&data[..n]);
        data = &data[n..];
    }
}

fn push_copy(out: &mut Vec<u8>, mut offset: usize, mut len: usize) {
    while len > 0 {
        let n = len.min(MAX_COPY);
        let mut cmd = 0x80u8;
        let mut args = Vec::with_capacity(7);
        for i in 0..4 {
            let b = ((offset >> (8 * i)) & 0xff) as u8;
            if b != 0 {
                cmd |= 1 << i;
                args.push(b);
            }
        }
        // A size of 0x10000 is written as no size bytes at all.
        let size = if n == MAX_COPY { 0 } else { n };
        for i in 0..3 {
            let b = ((size >> (8 * i)) & 0xff) as u8;
            if b != 0 {
                cmd |= 0x10 << i;
                args.push(b);
            }
        }
        out.push(cmd);
        out.extend_from_slice(&args);
        offset += n;
        len -= n;
    }
}

/// Creates a git delta that turns `base` into `target`: the source is indexed in 16-byte blocks,
/// the target scanned for matches that are extended both ways and emitted as copies, the rest
/// as inserts. Returns `None` when the source is too large for the format (offsets are 32-bit).
pub fn create_delta(base: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    if base.len() > u32::MAX as usize {
        return None;
    }
    let mut index: HashMap<&[u8], u32> = HashMap::with_capacity(base.len() / BLOCK + 1);
    for (i, block) in base.chunks_exact(BLOCK).enumerate() {
        index.entry(block).or_insert((i * BLOCK) as u32);
    }
    let mut out = Vec::new();
    write_varint(&mut out, base.len() as u64);
    write_varint(&mut out, target.len() as u64);
    let mut pending = 0usize; // start of bytes not yet emitted
    let mut i = 0usize;
    while i + BLOCK <= target.len() {
        let Some(&src) = index.get(&target[i..i + BLOCK]) else {
            i += 1;
            continue;
        };
        let mut s = src as usize;
        let mut t = i;
        // Extend backwards into the not yet emitted bytes.
        while t > pending && s > 0 && base[s - 1] == target[t - 1] {
            s -= 1;
            t -= 1;
        }
        let mut len = (i - t) + BLOCK;
        while s + len < base.len() && t + len < target.len() && base[s + len] == target[t + len] {
            len += 1;
        }
        push_insert(&mut out, &target[pending..t]);
        push_copy(&mut out, s, len);
        i = t + len;
        pending = i;
    }
    push_insert(&mut out, &target[pending..]);
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// blob ids

/// Git's blob id of `content`: SHA-1 of `blob <len>\0` followed by the content.
pub fn git_blob_sha1(content: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", content.len()).as_bytes());
    h.update(content);
    h.finalize().into()
}

/// Lowercase hex of a 20-byte id, as in `index` lines.
pub fn hex(id: &[u8; 20]) -> [u8; 40] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 40];
    for (i, b) in id.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 15)];
    }
    out
}

/// The all-zero id git writes for a missing side.
pub const NULL_ID_HEX: &[u8; 40] = b"0000000000000000000000000000000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn base85_round_trips_every_length() {
        for n in 0..=60 {
            let data = pseudo_random(n, n as u64 + 1);
            let enc = encode_base85(&data);
            assert_eq!(enc.len(), n.div_ceil(4) * 5);
            assert_eq!(decode_base85(&enc, n).unwrap(), data);
        }
        assert_eq!(encode_base85(&[0xff; 4]), b"|NsC0");
        assert_eq!(decode_base85(b"|NsC1", 4), Err(BinaryError::Overflow));
        assert_eq!(decode_base85(b"|Ns\"0", 4), Err(BinaryError::BadChar(b'"')));
    }

    #[test]
    fn lines_use_the_length_letters() {
        let mut out = Vec::new();
        write_base85_lines(&mut out, &[7u8; 53]).unwrap();
        let lines: Vec<&[u8]> = out
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0][0], b'z');
        assert_eq!(lines[1][0], b'A');
        assert_eq!(decode_base85_line(lines[0]).unwrap(), vec![7u8; 52]);
        assert_eq!(decode_base85_line(b"B"), Err(BinaryError::LineLength));
        assert_eq!(decode_base85_line(b"1abcde"), Err(BinaryError::LineLength));
    }

    /// `printf '\0\1\2hello' > f; git diff --binary` of a new file wrote this block.
    #[test]
    fn decodes_what_git_wrote() {
        let lines: [&[u8]; 1] = [b"PcmZQzWXed*$;k%*20{WD"];
        let block = decode_block(BlockKind::Literal, 8, lines).unwrap();
        assert_eq!(block, BinaryBlock::Literal(b"\0\x01\x02hello".to_vec()));
        // And git's empty literal.
        let lines: [&[u8]; 1] = [b"HcmV?d00001"];
        assert_eq!(
            decode_block(BlockKind::Literal, 0, lines).unwrap(),
            BinaryBlock::Literal(vec![])
        );
    }

    /// git 2.47's delta blocks for a 3000-byte file `(i*7)%251` with bytes 100..103 set to
    /// `XYZ` and `tail` appended, both directions.
    #[test]
    fn applies_deltas_git_wrote() {
        let old: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut new = old.clone();
        new[100..103].copy_from_slice(b"XYZ");
        new.extend_from_slice(b"tail");
        let fwd: [&[u8]; 1] = [b"jcmdlXzDImQ3Ufqc)MNwhj?E94Z?FT2k4!8jiJ3V7t?&z{"];
        let block = decode_block(BlockKind::Delta, 29, fwd).unwrap();
        assert_eq!(apply_block(&block, &old).unwrap(), new);
        let rev: [&[u8]; 1] = [b"YcmdlZzC(OM%H{x;4ED_rnBOo1069Yjk^lez"];
        let block = decode_block(BlockKind::Delta, 16, rev).unwrap();
        assert_eq!(apply_block(&block, &new).unwrap(), old);
        assert_eq!(
            &hex(&git_blob_sha1(&old)),
            b"7e5818891cf4ff710f8ef8ff1d16dadd593935dd"
        );
    }

    #[test]
    fn inflate_checks_the_size() {
        let d = deflate(b"abcdef");
        assert_eq!(inflate(&d, 6).unwrap(), b"abcdef");
        assert!(matches!(
            inflate(&d, 5),
            Err(BinaryError::SizeMismatch { .. })
        ));
        assert!(matches!(
            inflate(&d, 7),
            Err(BinaryError::SizeMismatch { .. })
        ));
        assert_eq!(inflate(b"garbage", 3), Err(BinaryError::Inflate));
    }

    #[test]
    fn headers_parse() {
        assert_eq!(
            parse_block_header(b"literal 0").unwrap(),
            (BlockKind::Literal, 0)
        );
        assert_eq!(
            parse_block_header(b"delta 1234").unwrap(),
            (BlockKind::Delta, 1234)
        );
        assert!(parse_block_header(b"literal ").is_err());
        assert!(parse_block_header(b"literal -1").is_err());
        assert!(parse_block_header(b"literal 99999999999999999999").is_err());
    }

    #[test]
    fn delta_round_trips() {
        let base = pseudo_random(100_000, 7);
        let mut target = base.clone();
        target[500..520].copy_from_slice(&[1; 20]);
        target.splice(40_000..40_000, b"inserted".iter().copied());
        target.drain(70_000..71_000);
        target.extend_from_slice(&base[..3000]);
        let delta = create_delta(&base, &target).unwrap();
        assert!(delta.len() < 1000, "delta of {} bytes", delta.len());
        assert_eq!(apply_delta(&base, &delta).unwrap(), target);
        let block = encode_block(&base, &target);
        assert_eq!(block.kind, BlockKind::Delta);
        for (b, t) in [
            (&b""[..], &b"x"[..]),
            (b"abc", b""),
            (b"0123456789abcdefXYZ", b"Z0123456789abcdef"),
        ] {
            let d = create_delta(b, t).unwrap();
            assert_eq!(apply_delta(b, &d).unwrap(), t);
        }
    }

    #[test]
    fn delta_of_unrelated_data_is_a_literal() {
        let block = encode_block(&pseudo_random(5000, 1), &pseudo_random(5000, 2));
        assert_eq!(block.kind, BlockKind::Literal);
        assert_eq!(
            inflate(&block.deflated, block.size).unwrap(),
            pseudo_random(5000, 2)
        );
    }

    #[test]
    fn hostile_deltas_are_errors() {
        let base = b"hello world";
        // wrong source size
        assert!(matches!(
            apply_delta(base, &[3, 1, 1, b'x']),
            Err(BinaryError::DeltaSource { .. })
        ));
        // copy beyond the source
        assert_eq!(
            apply_delta(base, &[11, 5, 0x91, 10, 5]),
            Err(BinaryError::DeltaOp)
        );
        // opcode 0
        assert_eq!(apply_delta(base, &[11, 1, 0]), Err(BinaryError::DeltaOp));
        // truncated insert and header
        assert_eq!(
            apply_delta(base, &[11, 3, 3, b'x']),
            Err(BinaryError::DeltaTruncated)
        );
        assert_eq!(apply_delta(base, &[0x8b]), Err(BinaryError::DeltaTruncated));
        // output beyond the announced size, and short of it
        assert_eq!(
            apply_delta(base, &[11, 1, 2, b'x', b'y']),
            Err(BinaryError::DeltaOp)
        );
        assert_eq!(
            apply_delta(base, &[11, 3, 1, b'x']),
            Err(BinaryError::DeltaResultSize)
        );
        // a huge announced size does not allocate it
        assert_eq!(
            apply_delta(base, &[11, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, b'x']),
            Err(BinaryError::DeltaResultSize)
        );
        // every truncation of a valid delta is an error, never a panic
        let d = create_delta(b"0123456789abcdef0123", b"xx0123456789abcdef0123yy").unwrap();
        for n in 0..d.len() {
            assert!(apply_delta(b"0123456789abcdef0123", &d[..n]).is_err());
        }
    }

    #[test]
    fn blob_ids_match_git() {
        // `git hash-object /dev/null` and `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            &hex(&git_blob_sha1(b"")),
            b"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            &hex(&git_blob_sha1(b"hello\n")),
            b"ce013625030ba8dba906f756967f9e9ca394464a"
        );
    }
}
