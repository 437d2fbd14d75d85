//! Trees deeper than any path: a chain of directories `d/d/d/...` with one file at the bottom,
//! built and read one directory descriptor at a time (`mkdirat`/`openat`), since a path to the
//! bottom is longer than `PATH_MAX` and `std::fs` cannot name it.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{CWD, Mode, OFlags, mkdirat, openat};

const DIR: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// Creates `root` holding `levels` nested directories named `d`, the last one holding the file
/// `f` with `leaf`. The path from `root` to `f` is `2 * levels + 1` bytes long.
pub fn build_chain(root: &Path, levels: usize, leaf: &[u8]) {
    build_chain_named(root, levels, "d", "f", leaf);
}

/// [`build_chain`] with directories named `dir` and the file named `file`.
pub fn build_chain_named(root: &Path, levels: usize, dir_name: &str, file: &str, leaf: &[u8]) {
    std::fs::create_dir_all(root).unwrap_or_else(|e| panic!("mkdir {}: {e}", root.display()));
    let mut dir: OwnedFd = openat(CWD, root, DIR, Mode::empty()).expect("open the root");
    for _ in 0..levels {
        mkdirat(&dir, dir_name, Mode::from_raw_mode(0o755)).expect("mkdirat");
        dir = openat(&dir, dir_name, DIR, Mode::empty()).expect("openat");
    }
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC;
    let fd = openat(&dir, file, flags, Mode::from_raw_mode(0o644)).expect("create the file");
    let mut data = leaf;
    while !data.is_empty() {
        let n = rustix::io::write(&fd, data).expect("write f");
        data = &data[n..];
    }
}

/// Follows the chain of `d` directories beneath `root` and returns how many there are and the
/// content of the file `f` at the bottom (`None` when there is none).
pub fn read_chain(root: &Path) -> (usize, Option<Vec<u8>>) {
    read_chain_named(root, "d", "f")
}

/// [`read_chain`] with directories named `dir` and the file named `file`.
pub fn read_chain_named(root: &Path, dir_name: &str, file: &str) -> (usize, Option<Vec<u8>>) {
    let mut dir: OwnedFd = openat(CWD, root, DIR, Mode::empty()).expect("open the root");
    let mut levels = 0;
    while let Ok(next) = openat(&dir, dir_name, DIR, Mode::empty()) {
        dir = next;
        levels += 1;
    }
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let leaf = openat(&dir, file, flags, Mode::empty()).ok().map(|fd| {
        let mut data = Vec::new();
        std::fs::File::from(fd)
            .read_to_end(&mut data)
            .expect("read f");
        data
    });
    (levels, leaf)
}

/// The path `d/d/.../d/f` of a chain of `levels` directories.
pub fn chain_path(levels: usize) -> Vec<u8> {
    let mut p = b"d/".repeat(levels);
    p.push(b'f');
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_longer_than_path_max_reads_back_as_built() {
        let t = tempfile::tempdir().expect("tempdir");
        let root = t.path().join("deep");
        build_chain(&root, 3000, b"bottom\n");
        assert!(chain_path(3000).len() > 4096);
        assert_eq!(read_chain(&root), (3000, Some(b"bottom\n".to_vec())));
    }
}
