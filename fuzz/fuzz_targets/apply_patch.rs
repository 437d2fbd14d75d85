//! `applypatch` on arbitrary patches: an error is fine, a panic is a bug, and nothing outside the
//! target directory may change, whatever the patch says (`../`, absolute names, renames out,
//! writes through symlinks that point out of the target).
//!
//! Input: the first byte picks the options (bit 0 `-R`, bit 1 `--reject`, bit 2 `--dry-run`,
//! bits 3-4 `-p` none/0/1/2, bit 5 `-E`, bits 6-7 the already-applied policy); the rest is the
//! patch. Each input gets a fresh scratch directory holding the target tree and, next to it, a
//! sentinel directory that the target's symlinks point into; afterwards everything in the
//! scratch directory but the target, and the process's working directory, must be as before.
#![no_main]

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Cursor};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use applypatch::{Applied, OnFailure, Options};

/// One entry of a listing: kind and permissions, plus content or link target.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Dir(u32),
    File(u32, Vec<u8>),
    Link(PathBuf),
}

/// Everything under `dir` but `skip`, by path relative to `dir`.
fn listing(dir: &Path, skip: Option<&Path>) -> BTreeMap<PathBuf, Entry> {
    fn walk(root: &Path, dir: &Path, skip: Option<&Path>, out: &mut BTreeMap<PathBuf, Entry>) {
        let entries = fs::read_dir(dir).expect("scratch directory is readable");
        for e in entries {
            let path = e.expect("scratch entry").path();
            if Some(path.as_path()) == skip {
                continue;
            }
            let meta = fs::symlink_metadata(&path).expect("scratch entry metadata");
            let rel = path.strip_prefix(root).expect("under root").to_path_buf();
            let perm = meta.mode() & 0o7777;
            let entry = if meta.file_type().is_symlink() {
                Entry::Link(fs::read_link(&path).expect("link target"))
            } else if meta.is_dir() {
                walk(root, &path, skip, out);
                Entry::Dir(perm)
            } else {
                Entry::File(perm, fs::read(&path).expect("scratch file is readable"))
            };
            out.insert(rel, entry);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, skip, &mut out);
    out
}

/// The scratch root for this process, and an empty directory made the working directory (a
/// write relative to the process's cwd instead of the target lands there).
fn base() -> &'static (PathBuf, PathBuf) {
    static BASE: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BASE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("fuzz-apply-patch-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let cwd = base.join("cwd");
        fs::create_dir_all(&cwd).expect("create the scratch root");
        std::env::set_current_dir(&cwd).expect("enter the scratch cwd");
        (base, cwd)
    })
}

/// Builds `scratch/target` (what the patch applies to) and `scratch/outside` (must not change).
fn build(scratch: &Path) -> io::Result<PathBuf> {
    let target = scratch.join("target");
    let outside = scratch.join("outside");
    fs::create_dir_all(target.join("a"))?;
    fs::create_dir_all(target.join("empty"))?;
    fs::create_dir_all(&outside)?;
    fs::write(outside.join("f"), "one\ntwo\nthree\n")?;
    fs::write(outside.join("secret"), "keep\n")?;
    fs::write(target.join("f"), "one\ntwo\nthree\n")?;
    fs::write(target.join("a/g"), "x\ny\n")?;
    fs::write(target.join("bin"), b"x\0y")?;
    fs::write(target.join("ro"), "read only\n")?;
    fs::set_permissions(target.join("ro"), fs::Permissions::from_mode(0o444))?;
    symlink("f", target.join("l"))?;
    symlink("../outside", target.join("out"))?;
    symlink(outside.join("f"), target.join("abs"))?;
    symlink("../outside/secret", target.join("a/secret"))?;
    Ok(target)
}

fn options(flags: u8, dir: PathBuf) -> Options {
    Options {
        dir,
        strip: match (flags >> 3) & 3 {
            0 => None,
            n => Some(usize::from(n - 1)),
        },
        reverse: flags & 1 != 0,
        dry_run: flags & 4 != 0,
        quiet: true,
        remove_empty: flags & 0x20 != 0,
        on_failure: if flags & 2 != 0 {
            OnFailure::Reject
        } else {
            OnFailure::Abort
        },
        applied: match flags >> 6 {
            0 => Applied::Skip,
            1 => Applied::AssumeReversed,
            2 => Applied::Ignore,
            _ => Applied::NoOp,
        },
        ..Options::default()
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&flags, patch)) = data.split_first() else {
        return;
    };
    let (base, cwd) = base();
    static N: AtomicU64 = AtomicU64::new(0);
    let scratch = base.join(N.fetch_add(1, Ordering::Relaxed).to_string());
    let target = build(&scratch).expect("build the scratch tree");
    let before = listing(&scratch, Some(&target));

    let opts = options(flags, target.clone());
    let _ = applypatch::run(Cursor::new(patch), &opts, &mut io::sink(), &mut io::sink());

    assert_eq!(
        listing(&scratch, Some(&target)),
        before,
        "the patch changed something outside the target"
    );
    assert!(
        listing(cwd, None).is_empty(),
        "the patch wrote into the working directory"
    );
    assert_eq!(
        fs::read_dir(base).expect("scratch root").count(),
        2,
        "the patch wrote next to the scratch directory"
    );
    // Make everything removable again (the patch may have made a directory read-only).
    for (rel, e) in listing(&target, None) {
        if matches!(e, Entry::Dir(_)) {
            let _ = fs::set_permissions(target.join(rel), fs::Permissions::from_mode(0o755));
        }
    }
    let _ = fs::set_permissions(&target, fs::Permissions::from_mode(0o755));
    fs::remove_dir_all(&scratch).expect("remove the scratch tree");
});
