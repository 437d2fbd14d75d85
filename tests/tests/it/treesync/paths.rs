//! Which SRC paths land where, against rsync: `-R` with and without `/./`, implied
//! directories and `--no-implied-dirs`, `-d` without `-r`, and `--files-from` (its implied
//! `-R` and `-d`, `-0`, `--no-R`, names with `..`, `/` and comments).

use std::fs;

use checkpoint_tests::*;

use super::{Case, cmd, differential, mtimes_and_modes, treesync};

/// SRC with files at several depths and an empty directory; DEST an older copy of part of it
/// with extras (for `--delete`).
fn path_pair() -> (Tree, Tree) {
    let src = Tree::new()
        .file("top", "top\n")
        .file("a/h", "h\n")
        .file("a/b/f", "f\n")
        .file("a/b/deep/x", "x\n")
        .file("c/g", "g\n")
        .file("sp ace/n", "n\n")
        .dir("e")
        .dir_mode("a/b", 0o750)
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = Tree::new()
        .file("a/b/f", "old f\n")
        .file("a/stale", "s\n")
        .file("c/stale", "s\n")
        .file("extra", "e\n")
        .dir("a/old-dir")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    (src, old)
}

/// `flags SRC_ARG dst` with both tools on [`path_pair`] (mtimes compared when `-a` carries
/// them; not of directories `--no-implied-dirs` makes plain, stamped by each run).
#[track_caller]
fn check(flags: &[&str], src_arg: &str) {
    let (src, old) = path_pair();
    let plain_dirs = flags.contains(&"--no-implied-dirs");
    let cmp = match flags.iter().any(|f| f.starts_with("-a")) {
        true => Compare {
            dir_mtimes: !plain_dirs,
            ..mtimes_and_modes()
        },
        false => Compare {
            modes: true,
            ..Compare::default()
        },
    };
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags,
        src_arg,
        dest_arg: "dst",
        cmp,
    });
}

#[test]
fn relative_paths_and_dirs_match_rsync() {
    let lines: [(&[&str], &str); 16] = [
        (&["-ai", "-R"], "src/./a/b/f"),
        (&["-ai", "-R", "src/./a/h", "src/./top"], "src/./c"),
        (&["-ai", "-R", "--no-implied-dirs"], "src/./a/b/deep/x"),
        (&["-ai", "-R", "--delete"], "src/./a/"),
        (&["-i", "-R", "-d", "src/./c/"], "src/./a"),
        (&["-ai", "-R", "-n", "src/./a/b/f"], "src/./a/h"),
        (&["-ai", "-R"], "src/a"),
        (
            &["-ai", "-R", "src/./sp ace/n", "src/./a/../top"],
            "src/./e",
        ),
        (&["-i", "-R", "src/./a"], "src/./top"),
        (&["-i", "-d"], "src/"),
        (&["-i", "-d", "--delete"], "src/"),
        (&["-i", "-d"], "src"),
        (&["-i", "-d", "-t", "-p"], "src/c/"),
        (&["-ai", "-R", "--no-relative"], "src/./a/h"),
        // Several operands by name: one sorted list, files before directories.
        (&["-ai", "src/top", "src/c"], "src/a"),
        (&["-i", "-d", "src/c", "src/sp ace/n", "src/a"], "src/top"),
    ];
    for (flags, src_arg) in lines {
        check(flags, src_arg);
    }
}

#[test]
fn files_from_matches_rsync() {
    let t = tempdir();
    let list = |name: &str, body: &[u8]| {
        let p = t.path().join(name);
        fs::write(&p, body).unwrap();
        format!("--files-from={}", p.display())
    };
    let plain = list("plain", b"a/b/f\nc\ntop\n");
    let messy = list(
        "messy",
        b"../top\n/c\n# comment\n\n; another\na/../a/b/f\nx/../../sp ace/n\n",
    );
    let dot = list("dot", b"a/..\n");
    let zero = list("zero", b"a/\0top\0");
    let dirs = list("dirs", b"c/\na/h\ne\n");
    let lines: [&[&str]; 11] = [
        &["-i", &plain],
        &["-ri", &plain],
        &["-ai", &plain],
        &["-ai", &messy],
        &["-ri", &dot],
        &["-i", &dot],
        &["-i", "-0", &zero],
        &["-ai", &dirs],
        &["-ai", "--no-d", &dirs],
        &["-ai", "-r", "--delete", &dirs],
        &["-ai", "-n", &plain],
    ];
    for flags in lines {
        check(flags, "src");
    }
    // An unreadable list, or two SRCs: a usage error (exit 1) for both.
    let missing = format!("--files-from={}/nosuch", t.path().display());
    for args in [
        &["-a", missing.as_str(), "src", "dst"][..],
        &["-a", plain.as_str(), "src", "src", "dst"],
    ] {
        let theirs = cmd("rsync").args(args).cwd(t.path()).run();
        let ours = treesync().args(args).cwd(t.path()).run();
        assert_eq!(theirs.code(), Some(1), "{args:?}");
        assert_eq!(ours.code(), Some(1), "{args:?}: {}", ours.stderr_text());
    }
}

#[test]
fn prune_empty_dirs_matches_rsync() {
    let (src, old) = path_pair();
    let src = src
        .file("only-objects/x.o", "o\n")
        .dir("nested/empty/chain")
        .symlink("links-only/l", "nowhere")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = old
        .file("only-objects/stale", "s\n")
        .dir("nested/old")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    for flags in [
        &["-ai", "-m"][..],
        &["-ai", "-m", "--exclude=*.o"],
        &["-ai", "-m", "--delete", "--exclude=*.o"],
        &["-rti", "-m", "-f", "+ */", "-f", "- *.o"],
        &["-rpti", "-m"],
    ] {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            // Deleting inside a pruned DEST directory stamps it with each run's time.
            cmp: Compare {
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        });
    }
}

#[test]
fn delete_missing_args_matches_rsync() {
    let (src, old) = path_pair();
    let old = old
        .file("gone/x/f", "f\n")
        .file("miss", "m\n")
        .dir("gone-empty")
        .symlink("miss-link", "top")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    let lines: [(&[&str], &str); 6] = [
        (
            &["-ai", "--delete-missing-args", "src/gone", "src/miss"],
            "src/top",
        ),
        (
            &["-ai", "--delete-missing-args", "--delete", "src/gone"],
            "src/miss",
        ),
        (
            &["-i", "--delete-missing-args", "src/gone-empty"],
            "src/miss-link",
        ),
        (
            &["-ai", "-n", "--delete-missing-args", "src/gone-empty"],
            "src/miss",
        ),
        (
            &["-ai", "-R", "--delete-missing-args", "src/./a/stale"],
            "src/./top",
        ),
        (
            &["-ai", "--max-delete=1", "--delete-missing-args", "src/miss"],
            "src/miss-link",
        ),
    ];
    for (flags, src_arg) in lines {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg,
            dest_arg: "dst",
            cmp: Compare {
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        });
    }
}
