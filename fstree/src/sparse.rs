//! How a new file's blocks are laid out (treesync's `-S`/`--sparse` and `--preallocate`):
//! the one place the tools call `fallocate`. With sparse copying, runs
//! of zero bytes (whole 4 KiB blocks) are skipped with a seek instead of written, so DEST's
//! file gets holes there as rsync's does; `--preallocate` reserves the file's length
//! (`fallocate`) before the data is written.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};

use rustix::fs::FallocateFlags;

/// The granularity of holes: a block of zeros this long is not written.
const BLOCK: usize = 4096;

/// Copies `src` (from its current offset) into `dst` (at its current offset), leaving holes
/// for zero blocks; with `punch` (a preallocated file) the zero runs before data are punched
/// out, not the one at the end, as rsync does. The file is cut at its final length. Returns
/// the bytes copied.
pub fn copy_sparse(src: &mut fs::File, dst: &mut fs::File, punch: bool) -> io::Result<u64> {
    let mut buf = vec![0u8; 16 * BLOCK];
    let mut total = 0u64;
    // Zero bytes skipped since the last data written.
    let mut zeros = 0u64;
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for block in buf[..n].chunks(BLOCK) {
            if block.iter().all(|&b| b == 0) {
                zeros += block.len() as u64;
                continue;
            }
            if zeros > 0 {
                let at = dst.seek(SeekFrom::Current(zeros as i64))?;
                if punch {
                    let how = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
                    let _ = rustix::fs::fallocate(&*dst, how, at - zeros, zeros);
                }
                zeros = 0;
            }
            dst.write_all(block)?;
        }
        total += n as u64;
    }
    let end = dst.stream_position()? + zeros;
    dst.set_len(end)?;
    Ok(total)
}

/// `--preallocate`: reserves `len` bytes for `f` (where the file system cannot, nothing).
pub fn preallocate(f: &fs::File, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    match rustix::fs::fallocate(f, FallocateFlags::empty(), 0, len) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::OPNOTSUPP | rustix::io::Errno::NOSYS) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
