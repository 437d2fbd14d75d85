//! `--filter` rules, `-F`, `-C` against rsync: the rule syntax (every rule kind and modifier),
//! per-directory merge files read from SRC for the transfer and from DEST for `--delete`,
//! perishable rules inside directories being deleted, and rsync's errors for bad rules.

use std::fs;
use std::path::Path;

use checkpoint_tests::*;

use super::{
    Case, build_pinned, cmd, differential, differential_onto_old, mtimes_and_modes, same_outcome,
    src_and_old_dest, treesync,
};

/// Modes and mtimes, but not of directories: DEST's `gone/` (which SRC lacks) keeps
/// protected entries, and deleting the others stamps it with the time of each run.
fn kept_dirs_aside() -> Compare {
    Compare {
        dir_mtimes: false,
        ..mtimes_and_modes()
    }
}

/// [`differential`] of `src/` onto `dst` holding `old`.
#[track_caller]
fn onto_old(src: &Tree, old: &Tree, flags: &[&str]) {
    differential(&Case {
        src,
        dest: Some(old),
        flags,
        src_arg: "src/",
        dest_arg: "dst",
        cmp: kept_dirs_aside(),
    });
}

/// SRC and an older DEST with object files, backups, CVS names, `.rsync-filter` files at
/// several levels (inherited, anchored, clearing) in both, and a directory SRC lost whose
/// contents are partly protected.
fn filter_pair() -> (Tree, Tree) {
    let src = Tree::new()
        .file("top.c", "int main;\n")
        .file("top.o", "obj\n")
        .file("core", "dump\n")
        .file("notes.txt~", "backup\n")
        .file("keep.log", "log\n")
        .file(".rsync-filter", "- *.log\n+ keep.me\n- /top.c\n")
        .file("a/x.c", "x\n")
        .file("a/x.o", "obj\n")
        .file("a/keep.log", "log\n")
        .file("a/.rsync-filter", "- /x.c\n+ *.log\n")
        .file("a/b/y.log", "log\n")
        .file("a/b/y.c", "y\n")
        .file("a/b/.rsync-filter", "!\n- y.c\n")
        .file("a/b/.cvsignore", "y.log *.tmp\n")
        .file("a/b/z.tmp", "tmp\n")
        .file(".git/config", "cfg\n")
        .file("c/.cvsignore", "!\n")
        .file("c/w.o", "obj\n")
        .file("c/keep.me", "k\n")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let old = Tree::new()
        .file("top.c", "old\n")
        .file("stale.o", "obj\n")
        .file("stale.log", "log\n")
        .file("keep.me", "dest only\n")
        .file("a/stale.c", "s\n")
        .file("a/stale.o", "s\n")
        .file("a/.rsync-filter", "- stale.c\n")
        .file("a/b/stale.log", "s\n")
        .file("gone/x.o", "obj\n")
        .file("gone/f.c", "c\n")
        .file("gone/sub/y.o", "obj\n")
        .file("gone/sub/.rsync-filter", "- *.c\n")
        .file("gone/sub/z.c", "c\n")
        .with_mtimes(1_590_000_000 * NS + 123_456_789);
    (src, old)
}

#[test]
fn filter_rules_match_rsync() {
    let (src, old) = filter_pair();
    let lines: [&[&str]; 16] = [
        &["-f", "- *.o"],
        &["-f", "-_*.o", "-f", "exclude core"],
        &["-f", "-! */"],
        &["-f", "+ */", "-f", "+ *.c", "-f", "- *"],
        &["-f", "H *.o", "-f", "P stale.*"],
        &["-f", "-s *.o", "-f", "-r *.log"],
        &[
            "-f",
            "S top.o",
            "-f",
            "- *.o",
            "-f",
            "R stale.o",
            "-f",
            "P stale.*",
        ],
        &["-f", "protect *.o", "--delete-excluded", "-f", "- *.log"],
        &["-f", "-p *.o", "-f", "-p *.c"],
        &["-f", "- *.o", "-f", "- *.c"],
        &["-f", "- /a/b/", "-f", "- a/x.*"],
        &["-f", "- a/***"],
        &["-f", "-/ src/a/*.c"],
        &["-f", "- *.o", "-f", "!", "-f", "- *.c"],
        &["-f", "-x *.o"],
        &["-f", "-C"],
    ];
    for rules in lines {
        let mut flags = vec!["-a", "-i", "--delete"];
        flags.extend_from_slice(rules);
        onto_old(&src, &old, &flags);
    }
    // Include/exclude ordering on the edge-case pair.
    let (src, old) = src_and_old_dest();
    for rules in [
        &["-f", "+ text/big.txt", "-f", "- text/*.txt", "-f", "-! */"][..],
        &["-f", "merge,-w /dev/null", "-f", "- **/deep/**"][..],
        &["--delete-excluded", "-f", "- bin/", "-f", "P gone-dir/"][..],
    ] {
        let mut flags = vec!["-a", "-i", "--delete"];
        flags.extend_from_slice(rules);
        differential_onto_old(&src, &old, &flags);
    }
}

#[test]
fn per_directory_merge_files_match_rsync() {
    let (src, old) = filter_pair();
    let lines: [&[&str]; 12] = [
        &["-F"],
        &["-F", "--delete"],
        &["-FF", "--delete"],
        &["-F", "--delete-after"],
        &["-F", "-F", "--delete", "--delete-excluded"],
        &["--filter=: .rsync-filter", "--delete"],
        &["--filter=:n .rsync-filter"],
        &["--filter=dir-merge,e .rsync-filter", "--delete"],
        &["--filter=:n- .cvsignore"],
        &["--filter=:w- .cvsignore", "-f", "- *.o"],
        &["-f", "- *.o", "-f", ":s .rsync-filter", "--delete"],
        &["-f", "+ top.o", "-F", "-f", "- *.o", "-n", "--delete"],
    ];
    for rules in lines {
        let mut flags = vec!["-a", "-i"];
        flags.extend_from_slice(rules);
        onto_old(&src, &old, &flags);
    }
    // SRC named without its slash: its directory's own file applies beneath it.
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &["-a", "-i", "-F", "--delete"],
        src_arg: "src",
        dest_arg: "dst",
        cmp: kept_dirs_aside(),
    });
}

/// Runs `flags SRC/ dst` with both tools, `env` set for both, and compares as
/// [`differential`] does.
fn with_env(src: &Tree, old: &Tree, flags: &[&str], env: &[(&str, &str)]) {
    let t = tempdir();
    let setup = |w: &Path| {
        build_pinned(src, w.join("src"), 1_650_000_000);
        build_pinned(old, w.join("dst"), 1_640_000_000);
        fs::create_dir_all(w.join("home")).unwrap();
        fs::write(w.join("home/.cvsignore"), "*.c\n").unwrap();
    };
    let mut outs = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.path().join(side);
        fs::create_dir_all(&w).unwrap();
        setup(&w);
        let mut run = if side == "rsync" {
            cmd("rsync")
        } else {
            treesync()
        };
        for (k, v) in env {
            run = run.env(k, v);
        }
        run = run.env("HOME", w.join("home"));
        outs.push(run.args(flags).args(["src/", "dst"]).cwd(&w).run());
    }
    let ours = outs.pop().expect("two runs");
    let theirs = outs.pop().expect("two runs");
    same_outcome(&theirs, &ours, &format!("{flags:?} {env:?}"));
    assert_same_listing(
        &Listing::read(t.path().join("rsync/dst")),
        &Listing::read(t.path().join("ours/dst")),
        kept_dirs_aside(),
    );
}

#[test]
fn cvs_exclude_matches_rsync() {
    let (src, old) = filter_pair();
    for flags in [
        &["-a", "-i", "-C"][..],
        &["-a", "-i", "-C", "--delete"],
        &["-a", "-i", "--cvs-exclude", "--delete", "-f", "+ core"],
        &["-a", "-i", "-f", ":C", "--delete"],
        &["-a", "-i", "-f", "-C", "--delete", "-n"],
    ] {
        with_env(&src, &old, flags, &[]);
        with_env(&src, &old, flags, &[("CVSIGNORE", "keep.* top.c")]);
    }
}

#[test]
fn merge_files_and_bad_rules_match_rsync() {
    let (src, old) = filter_pair();
    let t = tempdir();
    let rules = t.path().join("rules");
    let inner = t.path().join("inner");
    fs::write(&inner, "- *.log\n").unwrap();
    fs::write(
        &rules,
        format!(
            "# comment\n\n+ keep.log\nmerge {}\n: .rsync-filter\nP stale.o\n- *.o\n",
            inner.display()
        ),
    )
    .unwrap();
    let words = t.path().join("words");
    fs::write(&words, "-_core +_*.o\t-_top.*\n").unwrap();
    let zero = t.path().join("zero");
    fs::write(&zero, "- core\0- *.o\0").unwrap();
    let merge = format!("--filter=. {}", rules.display());
    let merge_w = format!("--filter=merge,w {}", words.display());
    let merge_ex = format!("--filter=.- {}", inner.display());
    let merge_0 = format!("--filter=. {}", zero.display());
    for flags in [
        &["-a", "-i", "--delete", &merge][..],
        &["-a", "-i", "--delete", &merge_w],
        &["-a", "-i", &merge_ex],
        &["-a", "-i", "-0", &merge_0],
    ] {
        onto_old(&src, &old, flags);
    }
    // Bad rules: rsync's exit status (1, or 11 for a missing merge file) and first line.
    let missing = format!("--filter=. {}/nosuch", t.path().display());
    for rule in [
        "xyz foo",
        "-z foo",
        "! x",
        "merge",
        "- ",
        "dir-merge,z .x",
        missing.as_str(),
    ] {
        let flag = match rule.starts_with("--") {
            true => rule.to_string(),
            false => format!("--filter={rule}"),
        };
        let theirs = cmd("rsync")
            .args(["-r", &flag, "a/", "b"])
            .cwd(t.path())
            .run();
        let ours = treesync()
            .args(["-r", &flag, "a/", "b"])
            .cwd(t.path())
            .run();
        assert_eq!(theirs.code(), ours.code(), "{rule}");
        // The first line without the program's name and the errno's spelling.
        let first = |o: &Output| {
            let text = o.stderr_text();
            let line = text.lines().next().unwrap_or_default();
            let line = line
                .trim_start_matches("rsync: ")
                .trim_start_matches("treesync: ");
            let line = line.trim_start_matches("[client] ");
            match line.rfind(" (") {
                Some(cut) if line.ends_with(')') => line[..cut].to_string(),
                _ => line.to_string(),
            }
        };
        assert_eq!(first(&theirs), first(&ours), "{rule}");
    }
    // A bad rule in a per-directory file stops the run with exit 1, as rsync.
    let bad = filter_pair().0.file("a/.rsync-filter", "bogus\n");
    let (theirs, ours) = super::both_sides(
        t.path(),
        |w| {
            build_pinned(&bad, w.join("src"), 1_650_000_000);
        },
        &["-r", "-F", "src/", "dst"],
    );
    assert_eq!(theirs.code(), Some(1));
    assert_eq!(ours.code(), Some(1), "{}", ours.stderr_text());
    assert!(
        ours.stderr_text()
            .contains("Unknown filter rule: <rule from ")
    );
}
