//! The read floor of a checksum sync (`rsync -c`, `treesync -c`) of SRC onto a DEST holding
//! the same names: walk SRC, then open and read every regular file of SRC and the file of the
//! same name in DEST, once each, with one read into a reused buffer, on two threads. Nothing
//! is compared and nothing written: this is only the I/O that any tool must do to know that
//! same-size files are equal, done the simplest way. `bench.py` builds it with `rustc -O`
//! (standard library only) and runs it beside the treesync rows.
//!
//! Usage: read-floor SRC DEST. Prints the number of files and bytes read.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const O_NOATIME: i32 = 0o1_000_000;

fn walk(root: &Path, rel: &Path, out: &mut Vec<(PathBuf, u64)>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(root.join(rel))?.collect::<Result<Vec<_>, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let kind = e.file_type()?;
        let r = rel.join(e.file_name());
        if kind.is_dir() {
            walk(root, &r, out)?;
        } else if kind.is_file() {
            out.push((r, e.metadata()?.len()));
        }
    }
    Ok(())
}

fn read_share(files: &[(PathBuf, u64)], roots: [&Path; 2], me: usize) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    for (rel, len) in files.iter().skip(me).step_by(2) {
        for root in roots {
            let path = root.join(rel);
            let Ok(mut f) = File::options().read(true).custom_flags(O_NOATIME).open(&path) else {
                continue; // not in DEST: a sync would copy it, not compare it
            };
            let want = usize::try_from(*len).unwrap_or(usize::MAX).saturating_add(1);
            loop {
                let n = f.read(&mut buf[..want.min(1 << 20)])?;
                total += n as u64;
                if n == 0 || n < want.min(1 << 20) {
                    break;
                }
            }
        }
    }
    Ok(total)
}

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [src, dst] = &args[..] else {
        eprintln!("usage: read-floor SRC DEST");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    if let Err(e) = walk(src, Path::new(""), &mut files) {
        eprintln!("read-floor: {}: {e}", src.display());
        return ExitCode::from(1);
    }
    let results: Vec<std::io::Result<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|me| {
                let files = &files;
                s.spawn(move || read_share(files, [src, dst], me))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("thread panicked"))))
            .collect()
    });
    let mut bytes = 0;
    for r in results {
        match r {
            Ok(n) => bytes += n,
            Err(e) => {
                eprintln!("read-floor: {e}");
                return ExitCode::from(1);
            }
        }
    }
    println!("{} files, {bytes} bytes read", files.len());
    ExitCode::SUCCESS
}
