//! How DEST's files are rewritten, against rsync: `--inplace` (DEST's own inode, so its hard
//! links see the new content; `-b` then keeps a copy), `--append` (only the bytes beyond
//! DEST's length; a longer DEST file is left alone) and `--append-verify` (a mismatch is said
//! on stderr and the file rewritten whole, with a second line); `-K` and `--munge-links`.

use checkpoint_tests::*;

use super::{Case, differential, mtimes_and_modes};

/// SRC, and a DEST whose files are shorter (a prefix, or not), longer, equal, or hard-linked.
fn update_pair() -> (Tree, Tree) {
    let src = Tree::new()
        .file("prefix", "hello world\n")
        .file("shorter", "xyz")
        .file("other", "HELLO WORLD 2\n")
        .file("new", "new\n")
        .file("same", "same\n")
        .file("sub/big", "b".repeat(200_000))
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = Tree::new()
        .file("prefix", "hello")
        .hardlink("prefix-link", "prefix")
        .file("shorter", "abcdef")
        .file("other", "hello")
        .file("same", "same\n")
        .file("sub/big", "b".repeat(100_000))
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    (src, old)
}

#[test]
fn in_place_and_append_match_rsync() {
    let (src, old) = update_pair();
    // rsync's second line for a file `--append-verify` rewrites comes after its directory's
    // files or at the very end (it varies): only the flat tree below pins it.
    let flat = |t: &Tree| t.clone().retain(|p, _| !p.starts_with(b"sub"));
    let lines: [&[&str]; 9] = [
        &["-ai", "--inplace"],
        &["-ai", "--append"],
        &["-ai", "--append-verify"],
        &["-ai", "--inplace", "-b"],
        &["-ai", "--append", "-c"],
        &["-ai", "--inplace", "-n"],
        &["-ai", "--inplace", "--no-inplace"],
        &["-rpi", "--inplace", "--size-only"],
        &["-ai", "--append", "--delete"],
    ];
    for flags in lines {
        let verify = flags.contains(&"--append-verify");
        let (src, old) = match verify {
            true => (flat(&src), flat(&old)),
            false => (src.clone(), old.clone()),
        };
        let o = differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: Compare {
                hardlinks: true,
                mtimes: flags[0].starts_with("-a"),
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        });
        let warnings = |out: &Output| -> Vec<String> {
            out.stderr_text()
                .lines()
                .filter(|l| l.starts_with("WARNING"))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(warnings(&o.rsync), warnings(&o.ours), "{flags:?}");
    }
}

/// `-K` against rsync: DEST's symlinks to directories beneath DEST are written through, one
/// leading out of DEST is not entered (rsync 3.5: exit 23, nothing written there), one to a
/// file is replaced; `--munge-links` changes nothing on a local transfer, as rsync.
#[test]
fn keep_dirlinks_matches_rsync() {
    let src = Tree::new()
        .file("sub/f", "x\n")
        .file("out-link/g", "y\n")
        .file("file-link/h", "z\n")
        .symlink("l", "target")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = Tree::new()
        .file("real/old", "o\n")
        .symlink("sub", "real")
        .symlink("out-link", "../out")
        .file("real3/k", "w\n")
        .symlink("file-link", "real3/k")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    let outside = Tree::new()
        .file("keep", "k\n")
        .with_mtimes(1_580_000_000 * NS + 123_456_789);
    for flags in [
        &["-ai", "-K"][..],
        &["-ai", "-K", "--delete"],
        &["-ai", "-K", "-n"],
        &["-ai", "--keep-dirlinks", "--no-K"],
        &["-ai", "--keep-dirlinks", "-O"],
        &["-ai", "--munge-links"],
    ] {
        let t = tempdir();
        let (theirs, ours) = super::both_sides(
            t.path(),
            |w| {
                super::build_pinned(&src, w.join("src"), 1_650_000_000);
                super::build_pinned(&old, w.join("dst"), 1_640_000_000);
                super::build_pinned(&outside, w.join("out"), 1_630_000_000);
            },
            &[flags, &["src/", "dst"]].concat(),
        );
        super::same_outcome(&theirs, &ours, &format!("{flags:?}"));
        for dir in ["dst", "out"] {
            assert_same_listing(
                &Listing::read(t.path().join("rsync").join(dir)),
                &Listing::read(t.path().join("ours").join(dir)),
                Compare {
                    dir_mtimes: false,
                    ..mtimes_and_modes()
                },
            );
        }
    }
}

/// `-S` and `--preallocate` against rsync: the same DEST, and the same blocks allocated for a
/// file with long runs of zeros (holes with `-S`, every block without it or with
/// `--preallocate`).
#[test]
fn sparse_and_preallocate_match_rsync() {
    use std::os::unix::fs::MetadataExt;
    let mut holes = vec![b'a'; 4096];
    holes.extend(vec![0u8; 1 << 20]);
    holes.extend(vec![b'b'; 5000]);
    holes.extend(vec![0u8; 3 * 4096]);
    let src = Tree::new()
        .file("holes", holes)
        .file("small", "s\n")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = Tree::new()
        .file("small", "old\n")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    for flags in [
        &["-ai", "-S"][..],
        &["-ai", "--sparse", "--preallocate"],
        &["-ai", "--preallocate"],
        &["-ai", "-S", "--no-S"],
    ] {
        let o = differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
        let blocks = |side: &std::path::Path| {
            std::fs::metadata(side.join("dst/holes"))
                .expect("the file was copied")
                .blocks()
        };
        assert_eq!(blocks(&o.rsync_dir), blocks(&o.ours_dir), "{flags:?}");
    }
}

/// `--delay-updates` against rsync: the same DEST, no `.~tmp~` left behind, with backups and
/// deletions. Directory mtimes are not compared: rsync leaves a directory it created with the
/// time of the final renames.
#[test]
fn delay_updates_matches_rsync() {
    let (src, old) = update_pair();
    for flags in [
        &["-ai", "--delay-updates"][..],
        &["-ai", "--delay-updates", "-b"],
        &["-ai", "--delay-updates", "--delete"],
        &["-ai", "--delay-updates", "--delete-after", "-n"],
        &["-ai", "--delay-updates", "--inplace"],
        &["-ai", "--append", "--delay-updates"],
    ] {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: Compare {
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        });
    }
}

/// `--bwlimit` against rsync: accepted with rsync's units (KiB by default) and the same DEST
/// (the pace itself is not measured: no timing here); bad rates are rsync's usage errors.
#[test]
fn bwlimit_is_accepted_and_honoured_like_rsync() {
    let (src, old) = update_pair();
    for rate in [
        "--bwlimit=100000",
        "--bwlimit=1.5m",
        "--bwlimit=50M",
        "--bwlimit=0",
        "--bwlimit=2gb",
    ] {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags: &["-ai", rate],
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
    }
    for bad in [
        "--bwlimit=abc",
        "--bwlimit=-5",
        "--bwlimit=10x",
        "--bwlimit=1b",
    ] {
        let theirs = super::cmd("rsync").args(["-a", bad, "a/", "b"]).run();
        let ours = super::treesync().args(["-a", bad, "a/", "b"]).run();
        assert_eq!(theirs.code(), Some(1), "{bad}");
        assert_eq!(ours.code(), Some(1), "{bad}");
        let first = |o: &Output| {
            let text = o.stderr_text();
            let line = text.lines().next().unwrap_or_default().to_string();
            line.split_once(": ")
                .map(|(_, m)| m.to_string())
                .unwrap_or(line)
        };
        assert_eq!(first(&theirs), first(&ours), "{bad}");
    }
}
