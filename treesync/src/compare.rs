//! Content comparison for `-c`, tuned for trees of many small files: both files are read with
//! one `read` each into per-thread buffers that are allocated once (no zeroing per file), and
//! exactly the size both sides had when they were `stat`ed is compared (no extra `read` to see
//! the end of file). Two files whose sizes already differ are never opened.

use std::cell::RefCell;
use std::fs::File;
use std::io;

/// Bytes compared per `read` of each side; most source files fit in one.
const CHUNK: usize = 256 * 1024;

thread_local! {
    static BUFS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// True when the first `size` bytes of `a` and `b` are equal and both have that many (the
/// caller has checked that both `stat`ed at `size` bytes). Stops at the first difference.
pub fn same_content(mut a: &File, mut b: &File, size: u64) -> io::Result<bool> {
    BUFS.with_borrow_mut(|(ba, bb)| {
        if ba.is_empty() {
            ba.resize(CHUNK, 0);
            bb.resize(CHUNK, 0);
        }
        let mut left = size;
        while left > 0 {
            let want = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            let na = fstree::content::read_full(&mut a, &mut ba[..want])?;
            let nb = fstree::content::read_full(&mut b, &mut bb[..want])?;
            if na != want || nb != want || ba[..want] != bb[..want] {
                return Ok(false);
            }
            left -= want as u64;
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &std::path::Path, name: &str, data: &[u8]) -> File {
        std::fs::write(dir.join(name), data).unwrap();
        File::open(dir.join(name)).unwrap()
    }

    #[test]
    fn equal_and_different_contents_across_chunks() {
        let t = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..(CHUNK * 2 + 77)).map(|i| (i % 251) as u8).collect();
        let mut other = data.clone();
        *other.last_mut().unwrap() ^= 1;
        let n = data.len() as u64;
        let a = file(t.path(), "a", &data);
        let b = file(t.path(), "b", &data);
        assert!(same_content(&a, &b, n).unwrap());
        let a = file(t.path(), "a", &data);
        let c = file(t.path(), "c", &other);
        assert!(!same_content(&a, &c, n).unwrap());
        let e1 = file(t.path(), "e1", b"");
        let e2 = file(t.path(), "e2", b"");
        assert!(same_content(&e1, &e2, 0).unwrap());
    }

    #[test]
    fn a_file_shorter_than_stated_is_different() {
        let t = tempfile::tempdir().unwrap();
        let a = file(t.path(), "a", b"abc");
        let b = file(t.path(), "b", b"abc");
        assert!(!same_content(&a, &b, 4).unwrap());
    }
}
