//! `treesync` against the real rsync: for each flag set, the same SRC and DEST are synced once
//! by rsync and once by treesync, and the resulting DEST trees (contents, modes, owners, and
//! mtimes/atimes where the flags carry them), the exit codes and the `-i` output must agree.
//!
//! About comparing output: rsync's sender, generator and receiver are separate processes that
//! write to one stdout, and the interleaving of their lines varies from run to run (measured:
//! `rsync -n -i` on one fixed tree printed `*deleting d/zz` before or after the top directory's
//! files in 3 of 6 runs each). treesync prints in one fixed order. So output is compared as
//! three streams, each byte for byte: the transfer lines in order, the `*deleting` lines in
//! order, and the notes (`skipping non-regular file`, `cannot delete non-empty directory`,
//! `IO error encountered -- skipping file deletion`, which rsync's generator prints ahead) as a
//! sorted set (and `-H`'s hard-link lines in order, see [`Streams::links`]). Within each stream
//! nothing is normalised.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use checkpoint_tests::*;
use proptest::prelude::*;

mod filters;
mod output;
mod owners;
mod paths;
mod updating;

fn treesync() -> Run {
    tool("treesync")
}

/// The three streams of an rsync-style output (see the module comment).
#[derive(Debug, PartialEq, Eq)]
struct Streams {
    transfer: Vec<String>,
    deleting: Vec<String>,
    notes: Vec<String>,
    /// `-H`'s `hf ... => LEADER` lines: rsync prints a waiting member's line whenever its
    /// receiver reports the leader done, so their place among the others varies; their order
    /// among themselves does not.
    links: Vec<String>,
}

fn streams(out: &[u8]) -> Streams {
    let text = String::from_utf8_lossy(out);
    let mut s = Streams {
        transfer: Vec::new(),
        deleting: Vec::new(),
        notes: Vec::new(),
        links: Vec::new(),
    };
    for line in text.lines() {
        // rsync's protocol byte counters, which treesync leaves out rather than invent.
        if line.starts_with("sent ") && line.ends_with(" bytes/sec") {
            continue;
        }
        let line = line.split("  speedup is ").next().unwrap_or(line);
        if line.starts_with("hf") {
            s.links.push(line.to_string());
        } else if line.starts_with("*deleting") {
            s.deleting.push(line.to_string());
        } else if line.starts_with("skipping non-regular file")
            || line.starts_with("ignoring unsafe symlink")
            || line.starts_with("cannot delete non-empty")
            || line.starts_with("IO error encountered")
        {
            s.notes.push(line.to_string());
        } else {
            s.transfer.push(line.to_string());
        }
    }
    s.notes.sort();
    s
}

/// One differential case: SRC tree, optional existing DEST tree, flags, and how SRC and DEST
/// are spelled on the command line (relative to a work directory holding `src` and `dst`).
struct Case<'a> {
    src: &'a Tree,
    dest: Option<&'a Tree>,
    flags: &'a [&'a str],
    src_arg: &'a str,
    dest_arg: &'a str,
    cmp: Compare,
}

struct Outcome {
    _dir: tempfile::TempDir,
    rsync_dir: PathBuf,
    ours_dir: PathBuf,
    rsync: Output,
    ours: Output,
}

fn run_both(c: &Case<'_>) -> Outcome {
    require_tool("rsync");
    let t = tempdir();
    let mut outs = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.path().join(side);
        // Roots get no time from the Tree: pin them, so both sides start identical.
        let pin = |p: PathBuf, secs: i64| {
            let t = filetime::FileTime::from_unix_time(secs, 250_000_000);
            filetime::set_file_times(&p, t, t).unwrap();
        };
        pin(c.src.build(w.join("src")), 1_650_000_000);
        if let Some(d) = c.dest {
            pin(d.build(w.join("dst")), 1_640_000_000);
        }
        let run = if side == "rsync" {
            cmd("rsync")
        } else {
            treesync()
        };
        outs.push(
            run.args(c.flags)
                .arg(c.src_arg)
                .arg(c.dest_arg)
                .cwd(&w)
                .run(),
        );
    }
    let ours = outs.pop().expect("two runs");
    let rsync = outs.pop().expect("two runs");
    Outcome {
        rsync_dir: t.path().join("rsync"),
        ours_dir: t.path().join("ours"),
        _dir: t,
        rsync,
        ours,
    }
}

/// Run both and require equal exit codes, equal output streams and equal DEST trees.
#[track_caller]
fn differential(c: &Case<'_>) -> Outcome {
    let o = run_both(c);
    let context = || {
        format!(
            "flags {:?} {} {}\n--- rsync (exit {:?}):\n{}{}\n--- treesync (exit {:?}):\n{}{}",
            c.flags,
            c.src_arg,
            c.dest_arg,
            o.rsync.code(),
            show(&o.rsync.stdout),
            show(&o.rsync.stderr),
            o.ours.code(),
            show(&o.ours.stdout),
            show(&o.ours.stderr)
        )
    };
    assert_eq!(
        o.rsync.code(),
        o.ours.code(),
        "exit codes differ\n{}",
        context()
    );
    assert_eq!(
        streams(&o.rsync.stdout),
        streams(&o.ours.stdout),
        "output differs\n{}",
        context()
    );
    let dst = |dir: &Path| {
        if c.dest.is_some() || dir.join("dst").exists() {
            dir.join("dst")
        } else {
            dir.to_path_buf()
        }
    };
    let cmp = Compare {
        atimes: false,
        ..c.cmp
    };
    let (left, right) = (
        Listing::read(dst(&o.rsync_dir)),
        Listing::read(dst(&o.ours_dir)),
    );
    assert_same_listing(&left, &right, cmp);
    if c.cmp.atimes {
        assert_file_atimes_equal(&left, &right);
    }
    o
}

/// [`differential`] of `src/` onto `dst` holding `old`, comparing modes and mtimes.
#[track_caller]
fn differential_onto_old(src: &Tree, old: &Tree, flags: &[&str]) -> Outcome {
    differential(&Case {
        src,
        dest: Some(old),
        flags,
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    })
}

/// `-U` carries the atimes of files (and symlinks, which no reader can check): compare those.
/// Directory atimes are not carried by rsync either, and reading a directory updates them.
#[track_caller]
fn assert_file_atimes_equal(left: &Listing, right: &Listing) {
    for l in left.entries.iter().filter(|e| e.kind == Kind::File) {
        let r = right.get(&l.path).expect("same entries (checked before)");
        assert_eq!(l.atime, r.atime, "atime of {}", show(&l.path));
    }
}

fn mtimes_and_modes() -> Compare {
    Compare {
        mtimes: true,
        dir_mtimes: true,
        owners: true,
        ..Compare::default()
    }
}

fn with_atimes() -> Compare {
    Compare {
        atimes: true,
        ..mtimes_and_modes()
    }
}

/// SRC: the rich edge-case tree; DEST: an older version of it (the OLD side of the edge-case
/// pair), so every kind of change, addition, deletion and type change is exercised.
fn src_and_old_dest() -> (Tree, Tree) {
    let (old, _) = edge_case_pair();
    // Fixed times on DEST too, with the same nanoseconds, so entries a run leaves alone are
    // comparable and some equal files differ in mtime only by whole seconds.
    (
        edge_case_tree(),
        old.with_mtimes(1_590_000_000 * NS + 123_456_789),
    )
}

#[test]
fn seed_line_matches_rsync() {
    let (src, old) = src_and_old_dest();
    let flags = [
        "--checksum",
        "--times",
        "--atimes",
        "--chown=0:0",
        "--chmod=+w",
        "-r",
        "-i",
    ];
    // Onto an older DEST (exit 23 on both sides: without --delete a non-empty directory cannot
    // make way for a file), and into an empty one as the seed does after `rm -r *`.
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &flags,
        src_arg: "src/",
        dest_arg: "dst",
        cmp: with_atimes(),
    });
    differential(&Case {
        src: &src,
        dest: Some(&Tree::new()),
        flags: &flags,
        src_arg: "src/",
        dest_arg: "dst",
        cmp: with_atimes(),
    });
}

#[test]
fn seed_line_runs_verbatim_inside_dest() {
    let src = edge_case_tree();
    let t = tempdir();
    src.build(t.path().join("src"));
    let dst = t.path().join("dst");
    fs::create_dir(&dst).unwrap();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let out = treesync()
        .args([
            "--checksum",
            "--times",
            "--atimes",
            &format!("--chown={user}:{user}"),
            "--chmod=+w",
            "-r",
        ])
        .arg("../src/")
        .arg(".")
        .cwd(&dst)
        .success();
    // Without -l the symlinks are skipped, each with rsync's note (and nothing else is said).
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.lines()
            .all(|l| l.starts_with("skipping non-regular file \"links/")
                || l.starts_with("skipping non-regular file \"types/")),
        "{text}"
    );
    let l = Listing::read(&dst);
    assert!(
        l.entries
            .iter()
            .filter(|e| e.kind == Kind::File)
            .all(|e| e.perm & 0o200 != 0),
        "--chmod=+w"
    );
    assert!(l.entries.iter().all(|e| e.kind != Kind::Symlink));
    let want = Listing::read(t.path().join("src")).without(|e| e.kind == Kind::Symlink);
    assert_same_listing(&want, &l, Compare::contents());
}

#[test]
fn checkpoint_script_line_matches_rsync() {
    let (src, old) = src_and_old_dest();
    let flags = [
        "-r",
        "-l",
        "--delete",
        "--checksum",
        "--times",
        "--chmod=u+w",
        "-i",
    ];
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &flags,
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    });
}

#[test]
fn archive_delete_matches_rsync() {
    let (src, old) = src_and_old_dest();
    let src = src
        .fifo("special/fifo")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &["-a", "--delete", "-i"],
        src_arg: "src/",
        dest_arg: "dst/",
        cmp: mtimes_and_modes(),
    });
}

#[test]
fn rlt_checksum_delete_matches_rsync() {
    let (src, old) = src_and_old_dest();
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &["-rlt", "--checksum", "--delete", "-i"],
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    });
}

#[test]
fn recursive_alone_matches_rsync() {
    let (src, old) = src_and_old_dest();
    // Without -t written files get "now" as mtime on both sides: compare contents and modes.
    differential(&Case {
        src: &src,
        dest: Some(&old),
        flags: &["-r", "-i"],
        src_arg: "src/",
        dest_arg: "dst",
        cmp: Compare {
            owners: true,
            ..Compare::default()
        },
    });
    differential(&Case {
        src: &src,
        dest: None,
        flags: &["-r", "-i"],
        src_arg: "src/",
        dest_arg: "new",
        cmp: Compare::default(),
    });
}

#[test]
fn chmod_variants_match_rsync() {
    let (src, old) = src_and_old_dest();
    for spec in [
        "+w",
        "u+w,go-w",
        "D755,F644",
        "Dg+s",
        "+X",
        "a-x,+X",
        "ug=rwx,o=",
        "u=rw,Fgo=r",
        "D2775,F664",
        "g=u",
    ] {
        let chmod = format!("--chmod={spec}");
        for base in [&["-rlt", "-i"][..], &["-rlpt", "-i"][..]] {
            let mut flags = base.to_vec();
            flags.push(&chmod);
            differential(&Case {
                src: &src,
                dest: Some(&old),
                flags: &flags,
                src_arg: "src/",
                dest_arg: "dst",
                cmp: mtimes_and_modes(),
            });
            differential(&Case {
                src: &src,
                dest: None,
                flags: &flags,
                src_arg: "src/",
                dest_arg: "dst",
                cmp: mtimes_and_modes(),
            });
        }
    }
}

#[test]
fn trailing_slashes_match_rsync() {
    let (src, old) = src_and_old_dest();
    let flags = ["-rlt", "--delete", "-i"];
    for (s, d, existing) in [
        ("src", "dst", true),
        ("src", "dst/", true),
        ("src/", "dst/", true),
        ("src", "dst", false),
        ("src/", "dst", false),
        ("src/.", "dst", false),
        ("src/text/big.txt", "dst", true),
        ("src/text/big.txt", "dst/copy.txt", true),
        ("src/text/big.txt", "newfile", false),
    ] {
        let dest = existing.then_some(&old);
        differential(&Case {
            src: &src,
            dest,
            flags: &flags,
            src_arg: s,
            dest_arg: d,
            cmp: mtimes_and_modes(),
        });
    }
}

#[test]
fn dry_run_itemize_matches_rsync_and_changes_nothing() {
    let (src, old) = src_and_old_dest();
    let src = src
        .fifo("special/fifo")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    for flags in [
        &["-n", "-i", "-rlt", "--checksum", "--delete"][..],
        &["-n", "-i", "-a", "--delete"][..],
        &["-n", "-i", "-r"][..],
        &["-n", "-i", "-rtc", "--chmod=+w", "--chown=0:0", "-U"][..],
        &[
            "-n",
            "-i",
            "-rlptD",
            "--exclude=*.txt",
            "--exclude=/modes/",
            "--delete",
        ][..],
    ] {
        let o = differential_onto_old(&src, &old, flags);
        assert!(!o.ours.stdout.is_empty());
        // And the dry run touched nothing at all (inodes, ctimes, atimes included).
        let t = tempdir();
        let s = src.build(t.path().join("src"));
        let d = old.build(t.path().join("dst"));
        let before = Listing::read(&d);
        treesync()
            .args(flags)
            .arg(format!("{}/", s.display()))
            .arg(&d)
            .run();
        assert_unchanged(&before);
    }
    // Into a DEST that does not exist yet.
    differential(&Case {
        src: &src,
        dest: None,
        flags: &["-n", "-i", "-a"],
        src_arg: "src/",
        dest_arg: "none",
        cmp: Compare::default(),
    });
}

#[test]
fn filters_match_rsync() {
    let (src, old) = src_and_old_dest();
    for rules in [
        &["--exclude=*.txt"][..],
        &["--exclude=/text/"][..],
        &["--exclude=deep/"][..],
        &["--exclude=names/**"][..],
        &["--include=*/", "--include=*.txt", "--exclude=*"][..],
        &["--exclude=text/*.txt", "--include=big.txt"][..],
        &["--include=big.txt", "--exclude=text/*.txt"][..],
    ] {
        let mut flags = vec!["-rlt", "--delete", "-i"];
        flags.extend_from_slice(rules);
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags: &flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
    }
}

#[test]
fn no_op_run_writes_nothing() {
    let (src, old) = src_and_old_dest();
    let t = tempdir();
    let s = src.build(t.path().join("src"));
    let d = old.build(t.path().join("dst"));
    for flags in [
        &["-rlt", "--checksum", "--delete", "--chmod=u+w"][..],
        &["-a", "--delete"][..],
        &["-rtU", "-c"][..],
    ] {
        treesync()
            .args(flags)
            .arg(format!("{}/", s.display()))
            .arg(&d)
            .success();
        let before = Listing::read(&d);
        let out = treesync()
            .args(flags)
            .arg("-i")
            .arg(format!("{}/", s.display()))
            .arg(&d)
            .success();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let changes: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("skipping non-regular file"))
            .collect();
        assert!(
            changes.is_empty(),
            "a second run with {flags:?} must itemize nothing:\n{text}"
        );
        // Same inodes, ctimes, mtimes and atimes: nothing was written, renamed or touched.
        // (Not with -lU: reading a symlink's target, which any comparison must, updates its
        // atime, so -U re-sets it on every run, as rsync does.)
        assert_unchanged(&before);
    }
}

#[test]
fn equal_file_with_other_mtime_only_gets_its_time_fixed() {
    let t = tempdir();
    let s = Tree::new()
        .file("f", "same bytes\n")
        .times("f", 1_500_000_000 * NS, 1_500_000_000 * NS)
        .build(t.path().join("src"));
    let d = Tree::new()
        .file("f", "same bytes\n")
        .build(t.path().join("dst"));
    let ino = fs::metadata(d.join("f")).unwrap().ino();
    let out = treesync()
        .args(["-rtc", "-i"])
        .arg(format!("{}/", s.display()))
        .arg(&d)
        .success();
    assert_eq!(String::from_utf8_lossy(&out.stdout), ".f..t...... f\n");
    let m = fs::metadata(d.join("f")).unwrap();
    assert_eq!(
        m.ino(),
        ino,
        "attribute-only change must not rewrite the file"
    );
    assert_eq!(m.mtime(), 1_500_000_000);
}

#[test]
fn symlink_in_dest_where_src_has_dir_is_replaced_not_followed() {
    for delete in [false, true] {
        let t = tempdir();
        let outside = Tree::new()
            .file("keep.txt", "outside\n")
            .file("sub/victim.txt", "outside\n")
            .build(t.path().join("outside"));
        let before = Listing::read(&outside);
        let src = Tree::new()
            .file("sub/new.txt", "new\n")
            .file("sub/victim.txt", "from src\n")
            .build(t.path().join("src"));
        let dst = Tree::new()
            .symlink("sub", "../outside")
            .symlink("gone", "../outside")
            .symlink("gone2", "../outside/sub")
            .build(t.path().join("dst"));
        let mut run = treesync().args(["-rlt", "-i"]);
        if delete {
            run = run.arg("--delete");
        }
        let out = run.arg(format!("{}/", src.display())).arg(&dst).success();
        assert!(
            !fs::symlink_metadata(dst.join("sub"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(dst.join("sub/victim.txt")).unwrap(), b"from src\n");
        assert_unchanged(&before);
        if delete {
            assert!(!dst.join("gone").exists() && fs::symlink_metadata(dst.join("gone")).is_err());
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("*deleting   gone\n") && text.contains("*deleting   gone2\n"),
                "{text}"
            );
        }
        // And rsync agrees on the result.
        let src_t = Listing::read(&src).to_tree();
        let dst_t = Tree::new()
            .symlink("sub", "../outside")
            .symlink("gone", "../outside")
            .symlink("gone2", "../outside/sub");
        let flags: &[&str] = if delete {
            &["-rlt", "--delete", "-i"]
        } else {
            &["-rlt", "-i"]
        };
        differential(&Case {
            src: &src_t,
            dest: Some(&dst_t),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: Compare::default(),
        });
    }
}

#[test]
fn dest_dir_with_symlinked_subdir_is_not_entered_by_delete() {
    let t = tempdir();
    let outside = Tree::new()
        .file("precious.txt", "do not delete\n")
        .build(t.path().join("outside"));
    let before = Listing::read(&outside);
    let src = Tree::new().file("a/x", "x\n").build(t.path().join("src"));
    // DEST/a is a symlink to outside: a --delete that followed it would delete precious.txt.
    let dst = Tree::new()
        .symlink("a", "../outside")
        .build(t.path().join("dst"));
    treesync()
        .args(["-r", "--delete"])
        .arg(format!("{}/", src.display()))
        .arg(&dst)
        .success();
    assert_unchanged(&before);
    assert_tree_matches(&dst, &Tree::new().file("a/x", "x\n"), Compare::contents());
}

#[test]
fn unreadable_source_file_is_named_exit_23_rest_synced() {
    require_tool("setpriv");
    require_tool("rsync");
    // Tests run as root, who can read anything: run both tools as `nobody` (uid 65534) on a
    // world-writable work dir, with one source file of mode 000.
    let t = tempdir();
    let w = t.path();
    fs::set_permissions(w, fs::Permissions::from_mode(0o777)).unwrap();
    for side in ["rsync", "ours"] {
        let src = Tree::new()
            .file("a.txt", "a\n")
            .file_mode("secret", "no\n", 0o000)
            .file("sub/z.txt", "z\n")
            .dir_mode("sub", 0o755)
            .with_mtimes(1_600_000_000 * NS)
            .build(w.join(side).join("src"));
        fs::set_permissions(w.join(side), fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(&src, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let as_nobody = |program: PathBuf, side: &str| {
        cmd("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program)
            .args(["-rt", "src/", "dst"])
            .cwd(w.join(side))
            .run()
    };
    let rsync_out = as_nobody(require_tool("rsync"), "rsync");
    let ours = as_nobody(bin("treesync"), "ours");
    assert_eq!(rsync_out.code(), Some(23), "{}", rsync_out.stderr_text());
    assert_eq!(ours.code(), Some(23), "{}", ours.stderr_text());
    assert!(
        ours.stderr_text().contains("\"secret\""),
        "the failed file is named: {}",
        ours.stderr_text()
    );
    assert!(
        ours.stderr_text().contains("Permission denied"),
        "{}",
        ours.stderr_text()
    );
    let expected = Tree::new().file("a.txt", "a\n").file("sub/z.txt", "z\n");
    assert_tree_matches(w.join("ours/dst"), &expected, Compare::contents());
    assert_same_tree(w.join("rsync/dst"), w.join("ours/dst"), Compare::mtimes());
}

#[test]
fn missing_source_is_exit_23_like_rsync() {
    let src = Tree::new().file("f", "x\n");
    differential(&Case {
        src: &src,
        dest: None,
        flags: &["-r"],
        src_arg: "nosuch/",
        dest_arg: "dst",
        cmp: Compare::default(),
    });
}

#[test]
fn usage_errors_exit_1() {
    treesync()
        .args(["--chmod=q+w", "-r", "a/", "b"])
        .expect_code(1);
    treesync().args(["--no-such-flag", "a", "b"]).expect_code(1);
    // A lone SRC is listed, as rsync lists it: a missing one is exit 23 for both.
    treesync().args(["-r", "onlyone"]).expect_code(23);
    cmd("rsync").args(["-r", "onlyone"]).expect_code(23);
    // Option values are checked as rsync checks them, in its words.
    for (bad, words) in [
        ("--max-size=12q", "--max-size=12q is invalid"),
        (
            "--modify-window=x",
            "--modify-window=x: invalid numeric value",
        ),
        ("--info=foo", "Unknown --info item: \"foo\""),
        (
            "--contimeout=5",
            "The --contimeout option may only be used when connecting to an rsync daemon.",
        ),
    ] {
        let ours = treesync().args(["-r", bad, "a/", "b"]).expect_code(1);
        let theirs = cmd("rsync").args(["-r", bad, "a/", "b"]).expect_code(1);
        for out in [&ours, &theirs] {
            let text = String::from_utf8_lossy(&out.stderr);
            assert!(text.contains(words), "{text}");
        }
        let last = |o: &Output| show(&o.stderr).contains("error: syntax or usage error (code 1)");
        assert!(last(&ours) && last(&theirs), "{}", show(&ours.stderr));
    }
}

#[test]
fn manifest_digests_are_trusted_with_checksum() {
    require_tool("sha256sum");
    let t = tempdir();
    let mtime = 1_600_000_000 * NS + 5;
    let s = Tree::new()
        .file("f", "source!\n")
        .times("f", mtime, mtime)
        .build(t.path().join("src"));
    let d = Tree::new()
        .file("f", "dest...\n")
        .times("f", mtime, mtime)
        .build(t.path().join("dst"));
    // A manifest whose digest is DEST's content: with -c it is trusted for SRC, so f counts as
    // equal and is not rewritten (proving the manifest is what was compared).
    let digest = cmd("sha256sum").arg(d.join("f")).success();
    let digest = String::from_utf8_lossy(&digest.stdout[..64]).into_owned();
    let manifest = t.path().join("src.mtree");
    fs::write(&manifest, format!("#mtree\n. type=dir mode=0755\n./f type=file mode=0644 size=8 time=1600000000.000000005 sha256digest={digest}\n")).unwrap();
    let srcarg = format!("{}/", s.display());
    let out = treesync()
        .args(["-rtc", "-i", "--manifest"])
        .arg(&manifest)
        .arg(&srcarg)
        .arg(&d)
        .success();
    assert!(!show(&out.stdout).contains(" f\n"), "{}", show(&out.stdout));
    assert_eq!(fs::read(d.join("f")).unwrap(), b"dest...\n");
    // Without the manifest the bytes are compared and f is rewritten.
    let out = treesync()
        .args(["-rtc", "-i"])
        .arg(&srcarg)
        .arg(&d)
        .success();
    assert_eq!(String::from_utf8_lossy(&out.stdout), ">fc........ f\n");
    // A manifest that does not describe SRC as it is now (size differs) is not trusted.
    fs::write(
        &manifest,
        format!("#mtree\n./f type=file size=9 sha256digest={digest}\n"),
    )
    .unwrap();
    fs::write(d.join("f"), "dest...\n").unwrap();
    let out = treesync()
        .args(["-rc", "-i", "--manifest"])
        .arg(&manifest)
        .arg(&srcarg)
        .arg(&d)
        .success();
    assert!(show(&out.stdout).contains(">fc"), "{}", show(&out.stdout));
}

#[test]
fn stats_and_verbose_are_accepted() {
    let (src, _) = src_and_old_dest();
    let t = tempdir();
    let s = src.build(t.path().join("src"));
    let out = treesync()
        .args(["-a", "--stats", "-v", "-W"])
        .arg(format!("{}/", s.display()))
        .arg(t.path().join("d"))
        .success();
    let text = show(&out.stdout);
    assert!(
        text.contains("Number of files: ")
            && text.contains("Number of regular files transferred: "),
        "{text}"
    );
    assert!(text.contains("big.txt"), "{text}");
}

/// A tree with more directories and files than the engine keeps in flight (its pipeline
/// window and per-job chunk): SRC old and new differ in every third file and DEST lacks some
/// directories, so work finishes out of order on the pool and must still print in rsync's order.
fn wide_pair() -> (Tree, Tree) {
    let (mut src, mut old) = (Tree::new(), Tree::new());
    for d in 0..12 {
        for e in 0..3 {
            for f in 0..40 {
                let path = format!("d{d:02}/e{e}/f{f:03}.txt");
                let body = format!("{path}\n").repeat(f % 7 + 1);
                src = src.file(&path, &body);
                if d % 5 != 4 {
                    let old_body = if f % 3 == 0 {
                        format!("old {body}")
                    } else {
                        body
                    };
                    old = old.file(&path, old_body);
                }
            }
        }
        src = src.file(format!("d{d:02}/top.txt"), "top\n");
    }
    (
        src.with_mtimes(1_600_000_000 * NS),
        old.with_mtimes(1_600_000_000 * NS),
    )
}

#[test]
fn wide_tree_itemizes_in_rsync_order() {
    let (src, old) = wide_pair();
    for flags in [&["-r", "-c", "-t", "-i"][..], &["-r", "-t", "-i", "-n"][..]] {
        differential_onto_old(&src, &old, flags);
    }
}

#[test]
fn progress_numbers_transfers_in_output_order() {
    let (src, _) = wide_pair();
    let t = tempdir();
    let s = src.build(t.path().join("src"));
    let out = treesync()
        .args(["-r", "--progress"])
        .arg(format!("{}/", s.display()))
        .arg(t.path().join("d"))
        .success();
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<usize> = text
        .lines()
        .filter_map(|l| l.split("(xfr#").nth(1))
        .map(|n| n.trim_end_matches(')').parse().expect("a number"))
        .collect();
    assert_eq!(numbers, (1..=12 * 121).collect::<Vec<_>>(), "{text}");
}

#[test]
fn closed_stdout_is_quiet() {
    let (src, _) = src_and_old_dest();
    let t = tempdir();
    let s = src.build(t.path().join("src"));
    let out = cmd("sh")
        .arg("-c")
        .arg(format!(
            "'{}' -ri '{}/' '{}' | head -1",
            bin("treesync").display(),
            s.display(),
            t.path().join("d").display()
        ))
        .success();
    assert_eq!(show(&out.stderr), "");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_pairs_match_rsync((old, new) in arb_tree_pair()) {
        let new = new.with_mtimes(1_700_000_000 * NS + 7);
        for flags in [&["-rlt", "--checksum", "--delete", "-i"][..], &["-a", "--delete", "-i"][..]] {
            differential(&Case { src: &new, dest: Some(&old), flags, src_arg: "src/", dest_arg: "dst", cmp: mtimes_and_modes() });
        }
    }
}

// ----- hardening (issue 8): killed runs, full disks, read-only targets, changing sources ----

/// The flags of the hardening tests: the checkpoint script's comparison rules, with deletion.
const HARD_FLAGS: [&str; 4] = ["-r", "-c", "-t", "--delete"];

/// Is `name` (a last path component) one of treesync's or rsync's temporaries, `.NAME.XXXXXX`?
fn is_temporary(path: &[u8]) -> bool {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    name.len() > 8
        && name.starts_with(b".")
        && name[name.len() - 7] == b'.'
        && name[name.len() - 6..].iter().all(u8::is_ascii_alphanumeric)
}

/// OLD (an existing DEST) and NEW (SRC) of 3000 files in 30 directories: a tenth added, a
/// tenth deleted, three tenths rewritten (same size and other size), the rest equal (some with
/// other mtimes), plus 8 MiB of large files rewritten. Bodies of 4 KiB, so a run takes long
/// enough to be killed at many points.
fn three_thousand_files() -> (Tree, Tree) {
    let (mut old, mut new) = (Tree::new(), Tree::new());
    let pad = "x".repeat(4000);
    for i in 0..3000 {
        let name = format!("d{:02}/f{i:04}", i % 30);
        let body = |tag: &str| format!("{i} {tag}\n{pad}\n");
        match i % 10 {
            0 => new = new.file(&name, body("added")),
            1 => old = old.file(&name, body("deleted")),
            2 | 3 => {
                old = old.file(&name, body("old"));
                new = new.file(&name, body("NEW"));
            }
            4 => {
                old = old.file(&name, body("old"));
                new = new.file(&name, body("longer"));
            }
            _ => {
                old = old.file(&name, body("same"));
                new = new.file(&name, body("same"));
            }
        }
    }
    // Some large files rewritten at the same size, so that kills land inside copies.
    for i in 0..16 {
        old = old.file(format!("big/b{i:02}"), vec![b'o'; 512 * 1024]);
        new = new.file(format!("big/b{i:02}"), vec![b'N'; 512 * 1024]);
    }
    // A few directories only SRC has, and one only DEST has.
    for i in 0..50 {
        new = new.file(format!("new{:02}/g{i}", i % 5), format!("{i}\n{pad}\n"));
        old = old.file(format!("gone/g{i}"), format!("{i}\n"));
    }
    (
        old.with_mtimes(1_500_000_000 * NS),
        new.with_mtimes(1_600_000_000 * NS + 123_456_789),
    )
}

/// SIGKILL `treesync -r -c -t --delete` at many points of a run over 3000 files: every file
/// has its old or its new content (whole), no temporary sits under a final name, nothing that
/// both sides have is lost, and the same command run again makes DEST equal to SRC (contents,
/// modes, mtimes of everything including directories). A killed run's `.NAME.XXXXXX`
/// temporaries are extraneous to the next `--delete` run, which removes them, as rsync does.
#[test]
fn killed_runs_leave_old_or_new_content_and_rerun_converges() {
    let (old, new) = three_thousand_files();
    let t = scratch();
    let src = new.build(t.join("src"));
    let src_arg = format!("{}/", src.display());
    let (a, b) = (Listing::read(old.build(t.join("old"))), Listing::read(&src));
    // How long a whole run takes here, to spread the kill points over it.
    let mut whole = std::time::Duration::MAX;
    for run in ["timing1", "timing2"] {
        let w = old.build(t.join(run));
        let start = std::time::Instant::now();
        treesync().args(HARD_FLAGS).arg(&src_arg).arg(&w).success();
        whole = whole.min(start.elapsed());
        assert_same_tree(&src, &w, Compare::faithful());
    }
    eprintln!("a whole run takes {whole:?}");
    let points = [0.0, 0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9];
    let (mut killed, mut temps_seen) = (0, 0);
    for (k, f) in points.into_iter().enumerate() {
        let w = old.build(t.join(format!("w{k}")));
        let mut child = std::process::Command::new(bin("treesync"))
            .args(HARD_FLAGS)
            .arg(&src_arg)
            .arg(&w)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(f));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() {
            killed += 1;
        }
        let now = Listing::read(&w);
        for e in &now.entries {
            if is_temporary(&e.path) {
                temps_seen += 1;
                continue;
            }
            if e.kind == Kind::Dir {
                continue;
            }
            let same = |l: &Listing| {
                l.get(&e.path)
                    .is_some_and(|x| x.kind == e.kind && x.content == e.content)
            };
            assert!(
                same(&a) || same(&b),
                "point {k} ({status}): {} is neither old nor new",
                show(&e.path)
            );
        }
        for p in a.paths().into_iter().filter(|p| b.get(p).is_some()) {
            assert!(now.get(p).is_some(), "point {k}: {} was lost", show(p));
        }
        // The same command again converges, and removes the temporaries with --delete.
        treesync().args(HARD_FLAGS).arg(&src_arg).arg(&w).success();
        assert_same_tree(&src, &w, Compare::faithful());
        // And a third run has nothing left to do.
        let again = treesync()
            .args(HARD_FLAGS)
            .arg("-i")
            .arg(&src_arg)
            .arg(&w)
            .success();
        assert_eq!(again.stdout_str(), "", "point {k}: a third run still works");
    }
    eprintln!(
        "{killed} of {} runs killed before the end, {temps_seen} temporaries left by them",
        points.len()
    );
    assert!(
        killed >= 2,
        "most runs finished before they were killed; make the tree larger"
    );
}

/// A killed run's temporaries survive a run without `--delete` (hidden, never under a final
/// name), as rsync's do; with `--delete` they are deleted like any extraneous file.
#[test]
fn temporaries_of_a_killed_run_are_removed_by_delete_like_rsync() {
    let src_tree = Tree::new().file("f", "new\n").file("d/g", "g\n");
    let dest_tree = Tree::new()
        .file("f", "old\n")
        .file(".f.a1B2c3", "ne")
        .file("d/.g.XyZ123", "");
    for (tool_name, flags) in [("rsync", &["-rc"][..]), ("treesync", &["-rc"][..])] {
        let t = tempdir();
        let src = src_tree.build(t.path().join("src"));
        let dst = dest_tree.build(t.path().join("dst"));
        let program = if tool_name == "rsync" {
            require_tool("rsync")
        } else {
            bin("treesync")
        };
        cmd(&program)
            .args(flags)
            .arg(format!("{}/", src.display()))
            .arg(&dst)
            .success();
        assert!(dst.join(".f.a1B2c3").exists(), "{tool_name} kept it");
        cmd(&program)
            .args(flags)
            .arg("--delete")
            .arg(format!("{}/", src.display()))
            .arg(&dst)
            .success();
        assert_same_tree(&src, &dst, Compare::contents());
    }
}

/// DEST on a 1 MiB tmpfs, SRC holding 2 MiB: treesync stops at the first file that does not
/// fit, names it, exits 11 like rsync ("error in file IO"), leaves no partial file under a
/// final name and no temporary, and every file in DEST has its old or its new content.
#[test]
fn full_disk_stops_naming_the_file_exit_11_like_rsync() {
    require_tool("rsync");
    let t = scratch();
    let mut src_tree = Tree::new().file("a.txt", "a\n");
    for i in 0..20 {
        let body: Vec<u8> = (0..100 * 1024).map(|j| (i * 7 + j % 251) as u8).collect();
        src_tree = src_tree.file(format!("sub/f{i:02}"), body);
    }
    let src_tree = src_tree.with_mtimes(1_600_000_000 * NS);
    let old_tree = Tree::new()
        .file("a.txt", "old a\n")
        .file("sub/f03", "old three\n")
        .file("extra", "extra\n");
    let src = src_tree.build(t.join("src"));
    let mut outs = Vec::new();
    let mut mounts = Vec::new();
    for side in ["rsync", "ours"] {
        let Some(fs) = SmallFs::mount(&t.join(side), "1m") else {
            return;
        };
        mounts.push(fs);
        let dst = old_tree.build(t.join(side).join("dst"));
        let program = if side == "rsync" {
            require_tool("rsync")
        } else {
            bin("treesync")
        };
        outs.push(
            cmd(program)
                .args(HARD_FLAGS)
                .arg(format!("{}/", src.display()))
                .arg(&dst)
                .run(),
        );
    }
    let (rsync_out, ours) = (&outs[0], &outs[1]);
    assert_eq!(rsync_out.code(), Some(11), "{rsync_out}");
    assert_eq!(ours.code(), Some(11), "{ours}");
    let err = ours.stderr_text();
    let failed: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("No space left on device"))
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "one file named, then the run stops:\n{err}"
    );
    assert!(failed[0].contains("write failed on \"sub/f"), "{err}");
    assert!(err.contains("error in file IO (code 11)"), "{err}");
    let named = failed[0]
        .split('"')
        .nth(1)
        .expect("the file is quoted")
        .to_string();
    let now = Listing::read(t.join("ours/dst"));
    for e in now.entries.iter().filter(|e| e.kind == Kind::File) {
        assert!(!is_temporary(&e.path), "temporary left: {}", show(&e.path));
        assert!(
            is_file_of(&old_tree, e) || is_file_of(&src_tree, e),
            "{} is neither old nor new (partial?)",
            show(&e.path)
        );
    }
    assert!(
        now.get(&named).is_none(),
        "{named} (not written) is not in DEST"
    );
    assert!(
        now.entries
            .iter()
            .any(|e| e.path.starts_with(b"sub/f") && is_file_of(&src_tree, e)),
        "what fitted was written"
    );
}

fn is_file_of(tree: &Tree, e: &Entry) -> bool {
    matches!(tree.get(&e.path), Some(Node::File { content, .. }) if Some(content) == e.content.as_ref())
}

/// DEST on a read-only file system (which binds root too): every entry that needed a change
/// is named on stderr, exit 23 as rsync, and nothing in DEST changed.
#[test]
fn read_only_dest_names_each_entry_exit_23_like_rsync() {
    require_tool("rsync");
    let t = scratch();
    let src = Tree::new()
        .file("a.txt", "new\n")
        .file("same", "same\n")
        .file("sub/added", "added\n")
        .with_mtimes(1_600_000_000 * NS)
        .build(t.join("src"));
    let old = Tree::new()
        .file("a.txt", "old\n")
        .file("same", "same\n")
        .file("sub/extra", "gone\n")
        .with_mtimes(1_500_000_000 * NS);
    let mut outs = Vec::new();
    let mut mounts = Vec::new();
    for side in ["rsync", "ours"] {
        let Some(fs) = SmallFs::mount(&t.join(side), "1m") else {
            return;
        };
        old.build(t.join(side).join("dst"));
        cmd("mount")
            .args(["-o", "remount,ro"])
            .arg(t.join(side))
            .success();
        mounts.push(fs);
        let before = Listing::read(t.join(side).join("dst"));
        let program = if side == "rsync" {
            require_tool("rsync")
        } else {
            bin("treesync")
        };
        let out = cmd(program)
            .args(HARD_FLAGS)
            .arg(format!("{}/", src.display()))
            .arg(t.join(side).join("dst"))
            .run();
        assert_same_listing(
            &before,
            &Listing::read(t.join(side).join("dst")),
            Compare {
                atimes: false,
                ..Compare::identical()
            },
        );
        outs.push(out);
    }
    assert_eq!(outs[0].code(), Some(23), "{}", outs[0]);
    assert_eq!(outs[1].code(), Some(23), "{}", outs[1]);
    let err = outs[1].stderr_text();
    for name in ["a.txt", "same", "sub/extra", "sub/added"] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("\"{name}\"")) && l.contains("Read-only file system")),
            "{name} is named:\n{err}"
        );
    }
}

/// A DEST directory its user cannot write (mode 0555, run as `nobody`): its entries are named
/// (mkstemp, unlink), exit 23, and everything else is synced exactly as rsync does it.
#[test]
fn unwritable_dest_dir_names_its_entries_exit_23_like_rsync() {
    require_tool("setpriv");
    require_tool("rsync");
    let t = tempdir();
    let w = t.path();
    fs::set_permissions(w, fs::Permissions::from_mode(0o777)).unwrap();
    for side in ["rsync", "ours"] {
        Tree::new()
            .file("a.txt", "new\n")
            .file("ro-file", "replaced\n")
            .file("sub/b.txt", "new b\n")
            .file("sub/added", "added\n")
            .with_mtimes(1_600_000_000 * NS)
            .build(w.join(side).join("src"));
        let dst = Tree::new()
            .file_mode("a.txt", "old\n", 0o666)
            .file_mode("ro-file", "old\n", 0o444)
            .file("sub/b.txt", "old b\n")
            .file("sub/extra", "gone\n")
            .dir_mode("sub", 0o555)
            .with_mtimes(1_500_000_000 * NS)
            .build(w.join(side).join("dst"));
        fs::set_permissions(w.join(side), fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(&dst, fs::Permissions::from_mode(0o777)).unwrap();
    }
    let as_nobody = |program: PathBuf, side: &str| {
        cmd("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(program)
            .args(HARD_FLAGS)
            .args(["src/", "dst"])
            .cwd(w.join(side))
            .run()
    };
    let rsync_out = as_nobody(require_tool("rsync"), "rsync");
    let ours = as_nobody(bin("treesync"), "ours");
    assert_eq!(rsync_out.code(), Some(23), "{rsync_out}");
    assert_eq!(ours.code(), Some(23), "{ours}");
    let err = ours.stderr_text();
    for name in ["sub/b.txt", "sub/added", "sub/extra"] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("\"{name}\"")) && l.contains("Permission denied")),
            "{name} is named:\n{err}"
        );
    }
    assert_same_tree(w.join("rsync/dst"), w.join("ours/dst"), Compare::mtimes());
    assert_tree_matches(
        w.join("ours/dst"),
        &Tree::new()
            .file_mode("a.txt", "new\n", 0o666)
            .file_mode("ro-file", "replaced\n", 0o444)
            .file("sub/b.txt", "old b\n")
            .file("sub/extra", "gone\n")
            .dir_mode("sub", 0o555),
        Compare::default(),
    );
}

/// Runs `treesync FLAGS src/ dst` in `t` while `meddle` runs on another thread (until the
/// run ends and `meddle` sees the stop flag).
fn run_while(
    t: &Path,
    flags: &[&str],
    meddle: impl FnOnce(&std::sync::atomic::AtomicBool) + Send,
) -> Output {
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|sc| {
        sc.spawn(|| meddle(&stop));
        let out = treesync().args(flags).args(["src/", "dst"]).cwd(t).run();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        out
    })
}

/// A source file that disappears and reappears (renamed out of SRC and back, over and over)
/// while treesync runs: in every outcome everything else is synced, and either the file was
/// seen and copied whole, or it was not listed, or the run names it ("file has vanished") and
/// exits 24, as rsync (or, caught mid-copy by a rename, "file has changed during the transfer",
/// also 24). Runs again until the vanishing has been seen (bounded).
#[test]
fn vanishing_source_file_is_exit_24_naming_it_or_synced() {
    let mut tree = Tree::new();
    for i in 0..2000 {
        tree = tree.file(format!("d{:02}/f{i:04}", i % 20), format!("{i}\n"));
    }
    let tree = tree
        .file("d07/victim", "victim\n".repeat(100))
        .with_mtimes(1_600_000_000 * NS);
    let expected = Listing::read(tree.build(tempdir().path().join("x")));
    let (mut vanished, mut attempts) = (0, 0);
    while vanished == 0 && attempts < 60 {
        attempts += 1;
        let t = scratch();
        tree.build(t.join("src"));
        let (here, away) = (t.join("src/d07/victim"), t.join("victim.away"));
        let out = run_while(t.path(), &["-r", "-c", "-t"], |stop| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                fs::rename(&here, &away).unwrap();
                fs::rename(&away, &here).unwrap();
            }
        });
        let now = Listing::read(t.join("dst"));
        let victim = now.get("d07/victim");
        match out.code() {
            Some(0) => {
                if let Some(v) = victim {
                    assert_eq!(v.content, expected.get("d07/victim").unwrap().content);
                }
            }
            Some(24) => {
                // (A rename changes the file's ctime: caught in the middle of a copy, it is a
                // file that changed during the transfer, which is exit 24 too.)
                let err = out.stderr_text();
                if err.contains("file has vanished: \"d07/victim\"") {
                    vanished += 1;
                } else {
                    assert!(
                        err.contains("file has changed during the transfer: \"d07/victim\""),
                        "{out}"
                    );
                }
                assert!(victim.is_none(), "a vanished file is not written");
            }
            _ => panic!("unexpected outcome: {out}"),
        }
        let rest = |l: Listing| l.without(|e| e.path == b"d07/victim");
        assert_same_listing(&rest(expected.clone()), &rest(now), Compare::mtimes());
    }
    eprintln!("{vanished} vanishing seen in {attempts} runs");
    assert!(vanished > 0, "the file never vanished under a run");
}

/// A source file appended to (and its mtime set to T0 + number of records after each append)
/// while treesync copies it: DEST gets one consistent read of it (a whole number of records,
/// with the mtime that went with them), or the run says "file has changed during the
/// transfer" naming it, exits 24 and leaves DEST as it was. Everything else is synced.
#[test]
fn growing_source_file_is_copied_consistently_or_named_exit_24() {
    use std::io::Write as _;
    const T0: i64 = 1_000_000_000;
    const REC: usize = 64;
    let record = |k: usize| format!("{:<width$}\n", format!("record {k}"), width = REC - 1);
    let start_records = 64 * 1024; // 4 MiB
    let mut tree = Tree::new();
    for i in 0..200 {
        tree = tree.file(format!("d{}/f{i:03}", i % 4), format!("{i}\n"));
    }
    let tree = tree.with_mtimes(1_600_000_000 * NS);
    for attempt in 0..4 {
        let t = scratch();
        let src = tree.build(t.join("src"));
        let grow = src.join("d1/grow");
        fs::write(&grow, (0..start_records).map(record).collect::<String>()).unwrap();
        let set_mtime = |k: usize| {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs((T0 + k as i64) as u64);
            fs::File::options()
                .append(true)
                .open(&grow)
                .unwrap()
                .set_modified(t)
                .unwrap();
        };
        set_mtime(start_records);
        let out = run_while(t.path(), &["-r", "-t"], |stop| {
            let mut f = fs::File::options().append(true).open(&grow).unwrap();
            let mut k = start_records;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                f.write_all(record(k).as_bytes()).unwrap();
                k += 1;
                let t =
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs((T0 + k as i64) as u64);
                f.set_modified(t).unwrap();
                std::thread::sleep(std::time::Duration::from_micros(200 * (attempt % 2)));
            }
        });
        let now = Listing::read(t.join("dst"));
        let final_content = fs::read(&grow).unwrap();
        match out.code() {
            Some(0) => {
                let g = now.get("d1/grow").expect("copied");
                let c = g.content.as_deref().unwrap();
                assert_eq!(c.len() % REC, 0, "a whole number of records");
                assert!(final_content.starts_with(c), "a read of the file");
                let k = (c.len() / REC) as i64;
                // Between an append and its mtime update the file is (k records, now): a
                // consistent read then carries a current time.
                assert!(
                    g.mtime / NS == T0 + k || g.mtime / NS > 1_500_000_000,
                    "{k} records copied with the mtime of {} records",
                    g.mtime / NS - T0
                );
            }
            Some(24) => {
                assert!(
                    out.stderr_text()
                        .contains("file has changed during the transfer: \"d1/grow\""),
                    "{out}"
                );
                assert!(now.get("d1/grow").is_none(), "left as it was (absent)");
            }
            _ => panic!("unexpected outcome: {out}"),
        }
        let rest = |l: Listing| l.without(|e| e.path == b"d1/grow");
        assert_same_listing(&rest(Listing::read(&src)), &rest(now), Compare::mtimes());
    }
}

/// A dry run leaves DEST's own directory alone too: rsync -n -t -p does not set its mtime
/// or mode, and neither may we (we once did, after the listing).
#[test]
fn dry_run_leaves_the_dest_directory_itself_alone() {
    let t = tempdir();
    let src = Tree::new()
        .file("f", "x\n")
        .with_mtimes(1_000_000_000 * NS)
        .build(t.path().join("src"));
    let dst = Tree::new().build(t.path().join("dst"));
    fs::set_permissions(&dst, fs::Permissions::from_mode(0o700)).expect("chmod");
    filetime::set_file_mtime(&dst, filetime::FileTime::from_unix_time(1_100_000_000, 0))
        .expect("mtime");
    let before = fs::metadata(&dst).expect("stat");
    for tool in [treesync(), cmd("rsync")] {
        tool.args(["-n", "-t", "-p", "-r"])
            .arg(format!("{}/", src.display()))
            .arg(format!("{}/", dst.display()))
            .success();
        let after = fs::metadata(&dst).expect("stat");
        assert_eq!(after.mtime(), before.mtime());
        assert_eq!(after.mode(), before.mode());
    }
}

/// 10,000 directories deep (a 20,001-byte path to the file): copied whole, without recursion,
/// and a second run finds nothing to do.
#[test]
fn a_tree_ten_thousand_directories_deep_is_synced() {
    let t = tempdir();
    let (src, dst) = (t.path().join("src"), t.path().join("dst"));
    build_chain(&src, 10_000, b"bottom\n");
    treesync()
        .arg("-a")
        .arg(format!("{}/", src.display()))
        .arg(&dst)
        .success();
    assert_eq!(read_chain(&dst), (10_000, Some(b"bottom\n".to_vec())));
    let again = treesync()
        .args(["-a", "-i"])
        .arg(format!("{}/", src.display()))
        .arg(&dst)
        .success();
    assert!(again.stdout.is_empty(), "{again}");
}

/// SIGTERM during a sync: like rsync, treesync stops with exit 20 and its message; no
/// temporary (`.NAME.XXXXXX`) is left in DEST, and every file there is whole.
#[test]
fn a_signal_during_the_sync_leaves_no_temporaries() {
    let t = tempdir();
    let mut src = Tree::new();
    for i in 0..4000 {
        src = src.file(format!("d{}/f{i}", i % 40), vec![b'x'; 32 * 1024]);
    }
    let src = src.build(t.path().join("src"));
    let dst = t.path().join("dst");
    let child = std::process::Command::new(bin("treesync"))
        .arg("-a")
        .arg(format!("{}/", src.display()))
        .arg(&dst)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn treesync");
    let started = std::time::Instant::now();
    while !dst.join("d0").exists() && started.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .expect("kill");
    let out = child.wait_with_output().expect("wait");
    if out.status.success() {
        return; // finished before the signal (a very fast machine): nothing to check
    }
    assert_eq!(out.status.code(), Some(20), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("received SIGINT, SIGTERM, or SIGHUP (code 20)"),
        "{stderr}"
    );
    for e in Listing::read(&dst).entries {
        let name = e.path.rsplit(|&b| b == b'/').next().unwrap_or_default();
        assert!(!name.starts_with(b"."), "temporary left: {}", show(&e.path));
        if e.kind == Kind::File {
            assert_eq!(e.size, 32 * 1024, "torn file {}", show(&e.path));
        }
    }
}

/// SRC and an older version of it as DEST whose mtimes are *newer* than SRC's (for `-u`).
fn src_and_newer_old_dest() -> (Tree, Tree) {
    let (old, _) = edge_case_pair();
    (edge_case_tree(), old.with_mtimes(1_610_000_000 * NS + 5))
}

#[test]
fn transfer_rules_match_rsync() {
    let (src, old) = src_and_old_dest();
    let (_, newer) = src_and_newer_old_dest();
    let lines: [(&[&str], &Tree); 13] = [
        (&["-a", "-i", "-u"], &old),
        (&["-a", "-i", "-u"], &newer),
        (
            &["-a", "-i", "--update", "--modify-window=20000000"],
            &newer,
        ),
        (&["-rt", "-i", "--size-only"], &old),
        (&["-rt", "-i", "-I"], &old),
        (&["-rt", "-i", "--ignore-times", "-c"], &old),
        (&["-a", "-i", "--existing"], &old),
        (&["-a", "-i", "--ignore-non-existing", "--delete"], &old),
        (&["-rt", "-i", "--modify-window=20000000"], &old),
        (&["-rt", "-i", "--modify-window=-1"], &old),
        (&["-a", "-i", "--max-size=10"], &old),
        (&["-a", "-i", "--min-size=1k"], &old),
        (&["-a", "--no-o", "--no-g", "--no-perms", "-i"], &old),
    ];
    for (flags, dest) in lines {
        differential(&Case {
            src: &src,
            dest: Some(dest),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
    }
    // Omitted times are the time of the run on each side: compare the rest.
    let no_dir_times = Compare {
        dir_mtimes: false,
        ..mtimes_and_modes()
    };
    let no_times = Compare {
        mtimes: false,
        ..no_dir_times
    };
    for (flags, cmp) in [
        (&["-a", "-i", "-O", "-J"][..], no_times),
        (&["-a", "-i", "--omit-dir-times"], no_dir_times),
    ] {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp,
        });
    }
    // `--ignore-existing` where DEST has a file or symlink for a SRC directory: rsync fails
    // on each entry inside (exit 23) or writes through the symlink; treesync leaves it alone
    // (README). Compared on the tree without those type changes.
    let plain = |t: &Tree| t.clone().retain(|p, _| !p.starts_with(b"types"));
    differential(&Case {
        src: &plain(&src),
        dest: Some(&plain(&old)),
        flags: &["-a", "-i", "--ignore-existing"],
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    });
}

#[test]
fn accepted_options_leave_the_same_tree_as_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 19] = [
        &["-a", "--delete-before", "-i"],
        &["-a", "--delete-during", "-i", "-n"],
        &["-aP", "-i", "--no-progress", "--info=none"],
        &["-a", "-i", "--info=progress0,stats0"],
        &["-az", "--compress-level=3", "-i"],
        &["-a", "-e", "ssh -p 2222", "--rsync-path=/bin/false", "-i"],
        &["-a", "--partial", "--timeout=30", "-i"],
        &["-a", "--contimeout=5", "-i"],
        &["-a", "--partial-dir=.rsync-partial", "-W", "--no-W", "-i"],
        &["-a", "--del", "--numeric-ids", "-s", "-i"],
        &["-a", "--delete-after", "--checksum-choice=md5", "-i"],
        &["-a", "--delete-delay", "--zc=zstd", "--zl=1", "-i"],
        &[
            "-a",
            "-y",
            "-B",
            "2048",
            "--checksum-seed=7",
            "--max-alloc=1G",
            "-i",
        ],
        &[
            "-a",
            "--port=873",
            "--address=127.0.0.1",
            "--sockopts=x",
            "-4",
            "-6",
            "-i",
        ],
        &[
            "-a",
            "--no-motd",
            "--outbuf=L",
            "--protocol=31",
            "--old-args",
            "-i",
        ],
        &[
            "-a",
            "--trust-sender",
            "--stderr=all",
            "--msgs2stderr",
            "--no-msgs2stderr",
            "-i",
        ],
        &["-a", "--drop-D", "-i"],
        &["-a", "-N", "-i"],
        &["-a", "-T", "no-such-dir", "-i"],
    ];
    for flags in lines {
        differential_onto_old(&src, &old, flags);
    }
    // -T DIR relative to DEST, existing there: accepted, the same tree, except that rsync's
    // temporaries passing through DIR change its mtime (treesync's stay beside their file).
    let with_temp_dir = old.clone().dir("tmpd").mtime("tmpd", 1_590_000_000 * NS);
    let o = run_both(&Case {
        src: &src,
        dest: Some(&with_temp_dir),
        flags: &["-a", "-T", "tmpd", "-i"],
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    });
    assert_eq!(o.ours.code(), o.rsync.code());
    assert_eq!(streams(&o.ours.stdout), streams(&o.rsync.stdout));
    for side in [&o.rsync_dir, &o.ours_dir] {
        fs::remove_dir(side.join("dst/tmpd")).unwrap();
    }
    assert_same_listing(
        &Listing::read(o.rsync_dir.join("dst")),
        &Listing::read(o.ours_dir.join("dst")),
        Compare {
            dir_mtimes: false,
            ..mtimes_and_modes()
        },
    );
}

/// Lines of `ours` (`--stats`, `-v`'s total) each found at the start of a line of rsync's
/// output: our subset of rsync's statistics, number for number, at each `-h` level.
#[test]
fn human_readable_numbers_match_rsync() {
    let (src, old) = src_and_old_dest();
    for level in [
        &["--no-h"][..],
        &[],
        &["-h"],
        &["-hh"],
        &["-hhh"],
        &["-h", "--no-h", "-h"],
    ] {
        let flags: Vec<&str> = ["-a", "--stats"].iter().chain(level).copied().collect();
        let o = run_both(&Case {
            src: &src,
            dest: Some(&old),
            flags: &flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
        assert_eq!(o.ours.code(), o.rsync.code(), "{}", show(&o.ours.stderr));
        let theirs = String::from_utf8_lossy(&o.rsync.stdout).into_owned();
        let ours = String::from_utf8_lossy(&o.ours.stdout).into_owned();
        for line in ours.lines().filter(|l| !l.is_empty()) {
            assert!(
                theirs.lines().any(|t| t.starts_with(line)),
                "{flags:?}: {line:?} not in rsync's output:\n{theirs}"
            );
        }
        assert!(ours.contains("Total file size: "), "{ours}");
    }
}

/// `--info=progress2`: the last progress line's bytes, percentage and counters as rsync's
/// (its rate and time are measured by rsync and left at 0 by treesync).
#[test]
fn progress2_total_matches_rsync() {
    let (src, old) = src_and_old_dest();
    for extra in [&[][..], &["-h"]] {
        let flags: Vec<&str> = ["-a", "--info=progress2"]
            .iter()
            .chain(extra)
            .copied()
            .collect();
        let o = run_both(&Case {
            src: &src,
            dest: Some(&old),
            flags: &flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
        let last = |out: &[u8]| {
            let text = String::from_utf8_lossy(out).into_owned();
            let seg = text
                .split(['\r', '\n'])
                .rfind(|l| l.contains("to-chk="))
                .unwrap_or("")
                .to_string();
            let words: Vec<String> = seg.split_whitespace().map(str::to_string).collect();
            let counters = seg.split('(').nth(1).unwrap_or("").to_string();
            (words.first().cloned(), words.get(1).cloned(), counters)
        };
        assert_eq!(last(&o.rsync.stdout), last(&o.ours.stdout), "{flags:?}");
    }
}

#[test]
fn filter_files_quiet_and_mkpath_match_rsync() {
    let (src, old) = src_and_old_dest();
    let t = tempdir();
    let rules = t.path().join("rules");
    fs::write(
        &rules,
        "# a comment\n; another\n\n+ keep.bin\n*.bin\r\n- names/\ntext/*.txt\n",
    )
    .unwrap();
    let rules0 = t.path().join("rules0");
    fs::write(&rules0, "*.bin\0- names/\0").unwrap();
    let r = rules.to_str().expect("a UTF-8 temporary path");
    let r0 = rules0.to_str().expect("a UTF-8 temporary path");
    let exclude_from = format!("--exclude-from={r}");
    let include_from = format!("--include-from={r}");
    let from0 = format!("--exclude-from={r0}");
    let lines: [&[&str]; 6] = [
        &["-a", "-i", &exclude_from],
        &["-a", "-i", &include_from, "--exclude=*.txt"],
        &["-a", "-i", "-0", &from0],
        &["-a", "-i", "--exclude=+ big.txt", "--exclude=text/*"],
        &["-a", "-q", "-v", "-i", "--stats"],
        &["-a", "-i", "-v", "-q"],
    ];
    for flags in lines {
        differential_onto_old(&src, &old, flags);
    }
    for dest_arg in ["new/x/y/", "new/x/"] {
        differential(&Case {
            src: &src,
            dest: None,
            flags: &["-a", "-i", "--mkpath"],
            src_arg: "src/",
            dest_arg,
            // The parents made by --mkpath carry the time of each run.
            cmp: Compare {
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        });
    }
    let missing = format!("--exclude-from={}/nosuch", t.path().display());
    let ours = treesync().args(["-r", &missing, "a/", "b"]).expect_code(11);
    let theirs = cmd("rsync")
        .args(["-r", &missing, "a/", "b"])
        .expect_code(11);
    for out in [ours, theirs] {
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(text.contains("failed to open exclude file"), "{text}");
        assert!(text.contains("error in file IO (code 11)"), "{text}");
    }
}

/// The edge-case tree with two hard-link groups: one spread over three directories with its
/// first member at the top (walked first), one in two sibling directories.
fn linked_tree() -> Tree {
    edge_case_tree()
        .file("hard/original.txt", "one inode, four names\n")
        .hardlink("hard/link1.txt", "hard/original.txt")
        .hardlink("sub/link2.txt", "hard/original.txt")
        .hardlink("a-first.txt", "hard/original.txt")
        .file("x/one", "two names\n")
        .hardlink("y/two", "x/one")
        .with_mtimes(1_600_000_000 * NS + 123_456_789)
}

fn with_hardlinks() -> Compare {
    Compare {
        hardlinks: true,
        ..mtimes_and_modes()
    }
}

#[test]
fn hard_links_match_rsync() {
    let src = linked_tree();
    let (_, old) = src_and_old_dest();
    // DEST with one member of the first group already up to date (the rest missing).
    let middle = old
        .clone()
        .file("sub/link2.txt", "one inode, four names\n")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    for dest in [None, Some(&old), Some(&middle)] {
        for flags in [&["-aH", "-i"][..], &["-aHi", "-n"], &["-rtH", "-i", "-c"]] {
            differential(&Case {
                src: &src,
                dest,
                flags,
                src_arg: "src/",
                dest_arg: "dst",
                cmp: with_hardlinks(),
            });
        }
    }
}

/// DEST copied without `-H` (each name its own inode, all up to date), then `-aH`: the first
/// member leads and the others are linked to it (`hf          NAME => LEADER`); a second run
/// changes nothing and says nothing.
#[test]
fn hard_links_over_separate_copies_match_rsync() {
    let src = linked_tree();
    let t = tempdir();
    let mut outs = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.path().join(side);
        src.build(w.join("src"));
        cmd("rsync").args(["-a", "src/", "dst"]).cwd(&w).success();
        let run = || {
            if side == "rsync" {
                cmd("rsync")
            } else {
                treesync()
            }
        };
        let first = run().args(["-aHi", "src/", "dst"]).cwd(&w).success();
        let again = run().args(["-aHi", "src/", "dst"]).cwd(&w).success();
        assert!(again.stdout.is_empty(), "{side}: {}", show(&again.stdout));
        outs.push(first);
    }
    assert_eq!(streams(&outs[0].stdout), streams(&outs[1].stdout));
    assert!(
        show(&outs[1].stdout).contains("hf          "),
        "{}",
        show(&outs[1].stdout)
    );
    let (left, right) = (
        Listing::read(t.path().join("rsync/dst")),
        Listing::read(t.path().join("ours/dst")),
    );
    assert_same_listing(&left, &right, with_hardlinks());
}

#[test]
fn max_delete_and_delete_excluded_match_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 7] = [
        &["-a", "-i", "--delete", "--max-delete=3"],
        &["-a", "-i", "--delete", "--max-delete=0"],
        &["-a", "-i", "-n", "--delete", "--max-delete=5"],
        &["-a", "-i", "--delete", "--max-delete=-1"],
        &[
            "-a",
            "-i",
            "--delete-excluded",
            "--exclude=*.bin",
            "--exclude=gone-dir/",
        ],
        &[
            "-a",
            "-i",
            "--delete",
            "--delete-excluded",
            "--exclude=text/",
        ],
        &["-a", "-i", "--delete-after", "--max-delete=4"],
    ];
    for flags in lines {
        let o = differential_onto_old(&src, &old, flags);
        let limit = |out: &Output| {
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .find(|l| l.starts_with("Deletions stopped"))
                .map(str::to_string)
        };
        assert_eq!(limit(&o.rsync), limit(&o.ours), "{flags:?}");
    }
}

/// `--link-dest`, `--copy-dest`, `--compare-dest` against rsync: SRC the edge-case tree, the
/// basis tree `prev` an older version of it (and, second, an exact copy), DEST new.
#[test]
fn basis_trees_match_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 7] = [
        &["-a", "-i", "--link-dest=../prev"],
        &["-a", "-i", "--compare-dest=../prev"],
        &["-a", "-i", "--copy-dest=../prev"],
        &["-a", "-i", "-c", "--link-dest=../prev"],
        &["-a", "-i", "--link-dest=../none", "--link-dest=../prev"],
        &["-rlt", "-i", "--link-dest=../prev"],
        &["-a", "-i", "-n", "--link-dest=../prev"],
    ];
    for prev in [&old, &src] {
        for flags in lines {
            let t = tempdir();
            let setup = |w: &Path| {
                build_pinned(&src, w.join("src"), 1_650_000_000);
                if std::ptr::eq(prev, &src) {
                    cmd("rsync").args(["-a", "src/", "prev"]).cwd(w).success();
                } else {
                    build_pinned(prev, w.join("prev"), 1_640_000_000);
                }
            };
            let args: Vec<&str> = flags.iter().copied().chain(["src/", "new"]).collect();
            let (theirs, ours) = both_sides(t.path(), setup, &args);
            same_outcome(&theirs, &ours, &format!("{flags:?}"));
            let new = |side: &str| t.path().join(side).join("new");
            if new("rsync").exists() || new("ours").exists() {
                // rsync 3.5 leaves a file written against a --link-dest basis with the basis's
                // mode when its mode changed (its line says `p`): treesync gives it SRC's mode,
                // as -p asks. So modes are compared with SRC's, the rest with rsync's.
                let cmp = Compare {
                    nlinks: true,
                    modes: false,
                    ..mtimes_and_modes()
                };
                let ours = Listing::read(new("ours"));
                assert_same_listing(&Listing::read(new("rsync")), &ours, cmp);
                if flags.contains(&"-a") {
                    let src_side = Listing::read(t.path().join("ours/src"));
                    for e in ours.entries.iter().filter(|e| e.kind != Kind::Symlink) {
                        let want = src_side.get(&e.path).map(|w| w.perm);
                        assert_eq!(want, Some(e.perm), "{flags:?}: mode of {}", show(&e.path));
                    }
                }
            }
        }
    }
}

#[test]
fn backups_match_rsync() {
    let (src, old) = src_and_old_dest();
    // Backup directories made by the run carry the time of each run.
    let no_dir_times = Compare {
        dir_mtimes: false,
        ..mtimes_and_modes()
    };
    let lines: [&[&str]; 6] = [
        &["-a", "-i", "-b"],
        &["-a", "-i", "-b", "--delete"],
        &["-a", "-i", "--backup", "--suffix=.old", "--delete"],
        &["-a", "-i", "--backup-dir=bak", "--delete"],
        &["-a", "-i", "-b", "--backup-dir=bak", "--suffix=.x"],
        &["-a", "-i", "-n", "-b", "--delete"],
    ];
    for flags in lines {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: no_dir_times,
        });
    }
    // A second run keeps the first run's backups (rsync's implied `P *~`), and says what rsync
    // says of the directories they keep. On the tree without type changes.
    let plain = |t: &Tree| t.clone().retain(|p, _| !p.starts_with(b"types"));
    let t = tempdir();
    let mut outs = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.path().join(side);
        build_pinned(&plain(&src), w.join("src"), 1_650_000_000);
        build_pinned(&plain(&old), w.join("dst"), 1_640_000_000);
        let run = || {
            if side == "rsync" {
                cmd("rsync")
            } else {
                treesync()
            }
        };
        run()
            .args(["-a", "-b", "--delete", "src/", "dst"])
            .cwd(&w)
            .success();
        let again = run()
            .args(["-ai", "-b", "--delete", "src/", "dst"])
            .cwd(&w)
            .run();
        outs.push(again);
    }
    assert_eq!(outs[0].code(), outs[1].code());
    assert_eq!(streams(&outs[0].stdout), streams(&outs[1].stdout));
    let (left, right) = (
        Listing::read(t.path().join("rsync/dst")),
        Listing::read(t.path().join("ours/dst")),
    );
    assert_same_listing(&left, &right, no_dir_times);
}

#[test]
fn removing_sources_missing_args_and_force_match_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 6] = [
        &["-a", "-i", "--remove-source-files"],
        &["-rlt", "-i", "--remove-source-files", "--delete"],
        &["-a", "-i", "-n", "--remove-source-files"],
        &["-a", "-i", "--ignore-missing-args", "nosuch"],
        &["-a", "-i", "nosuch"],
        &["-a", "-i", "--force"],
    ];
    for flags in lines {
        let o = differential_onto_old(&src, &old, flags);
        // What is left of SRC (directories only, after --remove-source-files).
        let cmp = Compare {
            dir_mtimes: false,
            ..mtimes_and_modes()
        };
        assert_same_listing(
            &Listing::read(o.rsync_dir.join("src")),
            &Listing::read(o.ours_dir.join("src")),
            cmp,
        );
    }
}

/// Builds `tree` at `at` with the root's times pinned too (a Tree sets the times of what is
/// in it, not of its root), so two sides built a second apart start identical.
fn build_pinned(tree: &Tree, at: PathBuf, secs: i64) -> PathBuf {
    let root = tree.build(at);
    pin_time(&root, secs);
    root
}

/// Runs `args` with rsync in `t/rsync` and with treesync in `t/ours`, each directory made
/// ready by `setup` first; returns (rsync's, ours).
fn both_sides(t: &Path, setup: impl Fn(&Path), args: &[&str]) -> (Output, Output) {
    let mut outs = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.join(side);
        fs::create_dir_all(&w).unwrap();
        setup(&w);
        let run = if side == "rsync" {
            cmd("rsync")
        } else {
            treesync()
        };
        outs.push(run.args(args).cwd(&w).run());
    }
    let ours = outs.pop().expect("two runs");
    (outs.pop().expect("two runs"), ours)
}

/// Requires the same exit status and the same output streams of rsync and treesync.
#[track_caller]
fn same_outcome(theirs: &Output, ours: &Output, what: &str) {
    let context = format!(
        "{what}\n--- rsync:\n{}{}\n--- treesync:\n{}{}",
        show(&theirs.stdout),
        show(&theirs.stderr),
        show(&ours.stdout),
        show(&ours.stderr)
    );
    assert_eq!(theirs.code(), ours.code(), "{context}");
    assert_eq!(streams(&theirs.stdout), streams(&ours.stdout), "{context}");
}

fn pin_time(p: &Path, secs: i64) {
    let t = filetime::FileTime::from_unix_time(secs, 250_000_000);
    filetime::set_file_times(p, t, t).unwrap();
}

/// Unmounts a tmpfs when dropped.
struct Mounted(PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// A tmpfs mounted at `at` (made), with a file and a directory in it; `None` when this user
/// cannot mount (the test then says so and checks nothing).
fn mount_tmpfs(at: &Path) -> Option<Mounted> {
    fs::create_dir_all(at).unwrap();
    let ok = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "none"])
        .arg(at)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return None;
    }
    let m = Mounted(at.to_path_buf());
    fs::write(at.join("on-the-mount"), "other file system\n").unwrap();
    fs::create_dir(at.join("sub")).unwrap();
    Some(m)
}

#[test]
fn one_file_system_matches_rsync() {
    let (src, old) = src_and_old_dest();
    let t = tempdir();
    let mut mounts = Vec::new();
    for side in ["rsync", "ours"] {
        let w = t.path().join(side);
        build_pinned(&src, w.join("src"), 1_650_000_000);
        match mount_tmpfs(&w.join("src/sub/mnt")) {
            Some(m) => mounts.push(m),
            None => {
                eprintln!("one_file_system_matches_rsync: cannot mount a tmpfs here; skipped");
                return;
            }
        }
        pin_time(&w.join("src/sub"), 1_650_000_100);
    }
    for flags in [
        &["-a", "-i", "-x"][..],
        &["-a", "-i", "-xx"],
        &["-a", "-i", "-x", "--delete"],
    ] {
        let mut outs = Vec::new();
        for side in ["rsync", "ours"] {
            let w = t.path().join(side);
            let _ = fs::remove_dir_all(w.join("dst"));
            build_pinned(&old, w.join("dst"), 1_640_000_000);
            let run = if side == "rsync" {
                cmd("rsync")
            } else {
                treesync()
            };
            outs.push(run.args(flags).args(["src/", "dst"]).cwd(&w).run());
        }
        assert_eq!(outs[0].code(), outs[1].code(), "{flags:?}");
        assert_eq!(
            streams(&outs[0].stdout),
            streams(&outs[1].stdout),
            "{flags:?}"
        );
        let cmp = Compare {
            dir_mtimes: false,
            ..mtimes_and_modes()
        };
        assert_same_listing(
            &Listing::read(t.path().join("rsync/dst")),
            &Listing::read(t.path().join("ours/dst")),
            cmp,
        );
    }
    drop(mounts);
}

/// Runs a command that must succeed (setfattr, setfacl, getfattr, getfacl).
fn sh(program: &str, args: &[&str], cwd: &Path) -> Vec<u8> {
    require_tool(program);
    cmd(program).args(args).cwd(cwd).success().stdout
}

/// Extended attributes and ACLs on both sides: SRC has some DEST lacks, DEST has some SRC
/// lacks and one with another value, on files and directories.
fn decorate(w: &Path) {
    let set = |args: &[&str]| sh("setfattr", args, w);
    set(&["-n", "user.color", "-v", "blue", "src/text/big.txt"]);
    set(&["-n", "user.empty", "src/unchanged.txt"]);
    set(&["-n", "user.dir", "-v", "d", "src/sub"]);
    set(&["-n", "user.color", "-v", "red", "dst/text/big.txt"]);
    set(&["-n", "user.stale", "-v", "x", "dst/unchanged.txt"]);
    sh("setfacl", &["-m", "u:nobody:r", "src/unchanged.txt"], w);
    sh("setfacl", &["-m", "g:nogroup:rx", "src/sub"], w);
    sh("setfacl", &["-d", "-m", "u:nobody:rwx", "src/sub"], w);
    sh("setfacl", &["-m", "u:nobody:rw", "dst/text/crlf.txt"], w);
}

#[test]
fn xattrs_and_acls_match_rsync() {
    let (src, old) = src_and_old_dest();
    for flags in [
        &["-a", "-i", "-X"][..],
        &["-a", "-i", "-A"],
        &["-a", "-i", "-A", "-X"],
        &["-a", "-i", "-n", "-AX"],
        &["-rt", "-i", "-X", "--delete"],
    ] {
        let t = tempdir();
        let setup = |w: &Path| {
            build_pinned(&src, w.join("src"), 1_650_000_000);
            build_pinned(&old, w.join("dst"), 1_640_000_000);
            decorate(w);
        };
        let args: Vec<&str> = flags.iter().copied().chain(["src/", "dst"]).collect();
        let (theirs, ours) = both_sides(t.path(), setup, &args);
        same_outcome(&theirs, &ours, &format!("{flags:?}"));
        let dump = |side: &str| {
            let w = t.path().join(side);
            let x = sh(
                "getfattr",
                &["-R", "-h", "-d", "-m", "-", "--absolute-names", "dst"],
                &w,
            );
            let a = sh("getfacl", &["-R", "-P", "-p", "dst"], &w);
            (
                String::from_utf8_lossy(&x).into_owned(),
                String::from_utf8_lossy(&a).into_owned(),
            )
        };
        assert_eq!(dump("rsync"), dump("ours"), "{flags:?}");
        assert_same_listing(
            &Listing::read(t.path().join("rsync/dst")),
            &Listing::read(t.path().join("ours/dst")),
            mtimes_and_modes(),
        );
    }
}

#[test]
fn copied_symlinks_match_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 7] = [
        &["-a", "-i", "-L"],
        &["-a", "-i", "-k"],
        &["-a", "-i", "--copy-unsafe-links"],
        &["-rt", "-i", "-L"],
        &["-a", "-i", "-L", "--delete"],
        &["-a", "-i", "-L", "--delete", "--ignore-errors"],
        &["-a", "-i", "-n", "--copy-unsafe-links", "--safe-links"],
    ];
    for flags in lines {
        let o = differential_onto_old(&src, &old, flags);
        // `symlink has no referent: "FULL PATH"`, the work directory taken off.
        let no_referent = |out: &Output, dir: &Path| {
            let prefix = format!("{}/", dir.display());
            let mut v: Vec<String> = String::from_utf8_lossy(&out.stderr)
                .lines()
                .filter(|l| l.starts_with("symlink has no referent"))
                .map(|l| l.replace(&prefix, ""))
                .collect();
            v.sort();
            v
        };
        let theirs = no_referent(&o.rsync, &o.rsync_dir);
        assert_eq!(theirs, no_referent(&o.ours, &o.ours_dir), "{flags:?}");
        if flags.contains(&"-L") {
            assert!(!theirs.is_empty(), "the edge-case tree has dangling links");
        }
    }
}

#[test]
fn eight_bit_output_matches_rsync() {
    let (src, old) = src_and_old_dest();
    for flags in [
        &["-a", "-i", "-8"][..],
        &["-a", "-i", "-8", "--no-8"],
        &["-rlt", "-i", "-8", "--delete"],
    ] {
        let o = differential_onto_old(&src, &old, flags);
        let raw = o.ours.stdout.windows(2).any(|w| w == [0xff, 0xfe]);
        assert_eq!(
            raw,
            !flags.contains(&"--no-8"),
            "{flags:?}: {}",
            show(&o.ours.stdout)
        );
    }
}

/// `--delete-after` on more directories than the process may hold open at once: each one's
/// deletions wait for the end of the run without keeping its directory open.
#[test]
fn delete_after_holds_no_descriptor_per_directory() {
    let t = tempdir();
    let (mut src, mut old) = (Tree::new(), Tree::new());
    for d in 0..300 {
        src = src.file(format!("d{d:03}/keep"), "k\n");
        old = old
            .file(format!("d{d:03}/keep"), "k\n")
            .file(format!("d{d:03}/gone"), "g\n");
    }
    let s = src.build(t.path().join("src"));
    let d = old.build(t.path().join("dst"));
    let script = format!(
        "ulimit -n 64 && exec '{}' -r --delete-after '{}/' '{}'",
        bin("treesync").display(),
        s.display(),
        d.display()
    );
    let out = cmd("sh").args(["-c", &script]).run();
    assert_eq!(out.code(), Some(0), "{}", show(&out.stderr));
    let left = Listing::read(&d);
    assert!(
        left.entries.iter().all(|e| !e.path.ends_with(b"gone")),
        "nothing left to delete"
    );
    assert_eq!(
        left.entries.len(),
        600,
        "300 directories with their kept file"
    );
}

/// Many files of one directory replaced at once under `--backup-dir`: the workers that back
/// them up make the backup directory's subdirectories concurrently, and none fails for it.
#[test]
fn backups_of_one_directory_made_at_once_all_land() {
    let (mut src, mut old) = (Tree::new(), Tree::new());
    for d in 0..4 {
        for f in 0..200 {
            let path = format!("d{d}/sub/f{f:03}");
            src = src.file(&path, format!("new {path}\n"));
            old = old.file(&path, format!("old content of {path}\n"));
        }
    }
    for _ in 0..5 {
        let t = tempdir();
        build_pinned(&src, t.path().join("src"), 1_650_000_000);
        build_pinned(&old, t.path().join("dst"), 1_640_000_000);
        let out = treesync()
            .args(["-r", "--backup-dir=bak", "src/", "dst"])
            .cwd(t.path())
            .run();
        assert_eq!(out.code(), Some(0), "{}", show(&out.stderr));
        let bak = Listing::read(t.path().join("dst/bak"));
        let files = bak.entries.iter().filter(|e| e.kind == Kind::File).count();
        assert_eq!(files, 800, "every replaced file backed up");
    }
}

/// The names `-v` prints between `sending incremental file list` and the blank line.
fn verbose_names(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .skip_while(|l| *l != "sending incremental file list")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn verbose_names_directories_whose_attributes_changed_like_rsync() {
    const T: i64 = 1_600_000_000 * NS;
    let src = Tree::new()
        .file_mode("f", "a\n", 0o644)
        .mtime("f", T)
        .dir_mode("sub", 0o755)
        .mtime("sub", T)
        .dir_mode("perm", 0o755)
        .mtime("perm", T)
        .dir_mode("same", 0o755)
        .mtime("same", T)
        .symlink("l", "x")
        .fifo("p")
        .mtime("p", T);
    // DEST: `f` differs in mode only, `sub` in mtime only, `perm` in mode only, `p` in mtime.
    let old = src
        .clone()
        .file_mode("f", "a\n", 0o600)
        .mtime("f", T)
        .mtime("sub", T - 5 * NS)
        .dir_mode("perm", 0o700)
        .mtime("perm", T)
        .symlink("l", "y")
        .mtime("p", T - 7 * NS);
    for flags in [["-av"].as_slice(), &["-rlptDv"], &["-rv"]] {
        let o = run_both(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
        assert_eq!(o.ours.code(), o.rsync.code(), "{flags:?}");
        assert_eq!(
            verbose_names(&o.ours.stdout),
            verbose_names(&o.rsync.stdout),
            "{flags:?}\nrsync:\n{}\nours:\n{}",
            show(&o.rsync.stdout),
            show(&o.ours.stdout)
        );
    }
}

/// The `--stats` lines both tools compute from the file list (not the protocol's counters).
fn list_stats(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| {
            l.starts_with("Number of ")
                || l.starts_with("Total file size")
                || l.starts_with("total size is")
        })
        .map(|l| l.split("  speedup").next().unwrap_or(l).to_string())
        .collect()
}

#[test]
fn stats_count_entries_the_receiver_skips_like_rsync() {
    let src = Tree::new()
        .file("f", "ab\n")
        .symlink("l", "xyz")
        .symlink("unsafe", "../../x")
        .fifo("p");
    for flags in [
        ["-r", "--stats"].as_slice(),
        &["-a", "--safe-links", "--stats"],
        &["-rl", "--safe-links", "--stats"],
        &["-rD", "--stats"],
        &["-rn", "--stats"],
    ] {
        let o = run_both(&Case {
            src: &src,
            dest: None,
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
        assert_eq!(o.ours.code(), o.rsync.code(), "{flags:?}");
        assert_eq!(
            list_stats(&o.ours.stdout),
            list_stats(&o.rsync.stdout),
            "{flags:?}"
        );
    }
}

/// Set-id and sticky bits in SRC, three DEST parents (plain, setgid, with a default ACL).
fn setid_setup(w: &Path) {
    Tree::new()
        .file_mode("suid", "x\n", 0o4755)
        .file_mode("sgid", "x\n", 0o2750)
        .file_mode("both", "x\n", 0o6777)
        .file_mode("sticky", "x\n", 0o1644)
        .file_mode("plain", "x\n", 0o640)
        .dir_mode("dsgid", 0o2755)
        .dir_mode("dsticky", 0o1777)
        .dir_mode("dplain", 0o750)
        .file_mode("dplain/inner", "y\n", 0o4711)
        .build(w.join("src"));
    for parent in ["plain", "setgid", "acl"] {
        fs::create_dir(w.join(parent)).unwrap();
    }
    fs::set_permissions(w.join("setgid"), fs::Permissions::from_mode(0o2755)).unwrap();
    sh("setfacl", &["-d", "-m", "u::rwx,g::rwx,o::rwx", "acl"], w);
}

#[test]
fn new_entries_never_take_set_id_bits_without_p_and_follow_umask_setgid_and_acls_like_rsync() {
    require_tool("rsync");
    let umask = |m: &str| ["-c".to_string(), format!("umask {m}; exec \"$0\" \"$@\"")];
    for mask in ["022", "077"] {
        for flags in [
            ["-r"].as_slice(),
            &["-r", "--chmod=+w"],
            &["-r", "--chmod=u+s,Dg+s"],
            &["-rp"],
            &["-a"],
            &["-rE"],
            &["-r", "--inplace"],
            &["-r", "--delay-updates"],
        ] {
            let t = tempdir();
            for side in ["rsync", "ours"] {
                let w = t.path().join(side);
                fs::create_dir_all(&w).unwrap();
                setid_setup(&w);
                for parent in ["plain", "setgid", "acl"] {
                    let run = if side == "rsync" {
                        cmd("rsync")
                    } else {
                        treesync()
                    };
                    run.args(flags)
                        .args(["src/", &format!("{parent}/new/")])
                        .cwd(&w)
                        .wrap("sh", umask(mask))
                        .expect_code(0);
                }
            }
            for parent in ["plain", "setgid", "acl"] {
                assert_same_listing(
                    &Listing::read(t.path().join("rsync").join(parent)),
                    &Listing::read(t.path().join("ours").join(parent)),
                    Compare {
                        modes: true,
                        ..Compare::default()
                    },
                );
            }
        }
    }
}

#[test]
fn executability_matches_rsync() {
    const T: i64 = 1_600_000_000 * NS;
    let src = Tree::new()
        .file_mode("on", "a\n", 0o750)
        .file_mode("off", "b\n", 0o640)
        .file_mode("other", "c\n", 0o700)
        .file_mode("same", "d\n", 0o755)
        .file_mode("new", "e\n", 0o711)
        .with_mtimes(T);
    let old = Tree::new()
        .file_mode("on", "a\n", 0o640)
        .file_mode("off", "bb\n", 0o751)
        .file_mode("other", "c\n", 0o604)
        .file_mode("same", "d\n", 0o711)
        .with_mtimes(T)
        .mtime("off", T - 9 * NS);
    for flags in [
        ["-rtiE"].as_slice(),
        &["-rti", "--executability"],
        &["-rtiE", "--chmod=a-x"],
        &["-rtiEp"],
        &["-rtiE", "--no-E"],
    ] {
        differential_onto_old(&src, &old, flags);
    }
}

#[test]
fn safe_links_judges_targets_like_rsync() {
    let targets = [
        "a/../x",
        "x/../..",
        "a/b/../c",
        "a/a/a/../../../x",
        "a/../../x",
        "./x",
        "x/..",
        "a/./../x",
        "a//../x",
        "../src/x",
        "..",
        ".",
        "x",
        "/etc/passwd",
        "../../x",
        "../..",
        "../../",
        "../../.",
        "./../x",
        ".././../x",
        "..//x",
        "..//../x",
        "../.",
        "./",
        "x/../",
        "../.x",
        "..x",
        ".../x",
        "./../..",
    ];
    let mut src = Tree::new().file("x", "x\n").dir("sub/deep");
    for (i, t) in targets.iter().enumerate() {
        src = src
            .symlink(format!("l{i}"), t)
            .symlink(format!("sub/l{i}"), t)
            .symlink(format!("sub/u{i}"), format!("../{t}"))
            .symlink(format!("sub/deep/d{i}"), format!("../../{t}"));
    }
    for flags in [
        ["-rli", "--safe-links"].as_slice(),
        &["-rlv", "--safe-links"],
    ] {
        for src_arg in ["src/", "src"] {
            differential(&Case {
                src: &src,
                dest: None,
                flags,
                src_arg,
                dest_arg: "dst",
                cmp: Compare {
                    mtimes: false,
                    ..mtimes_and_modes()
                },
            });
        }
    }
}

/// `d/sub -> out`, a symlink owned by `nobody`, and `d/mine -> out`, one of ours; `s/f` to
/// copy. `None` when not root (only root can give a symlink away).
fn untrusted_link_setup(w: &Path) -> Option<()> {
    if std::fs::metadata("/proc/self").ok()?.uid() != 0 {
        return None;
    }
    Tree::new().file("s/f", "a\n").dir("out").dir("d").build(w);
    std::os::unix::fs::symlink(w.join("out"), w.join("d/sub")).unwrap();
    std::os::unix::fs::symlink(w.join("out"), w.join("d/mine")).unwrap();
    cmd("chown")
        .args(["-h", "nobody", "d/sub"])
        .cwd(w)
        .success();
    Some(())
}

#[test]
fn dest_through_a_symlink_owned_by_another_user_is_refused_like_rsync() {
    require_tool("rsync");
    if untrusted_link_setup(&tempdir().path().join("probe")).is_none() {
        eprintln!("skipped: only root can make a symlink owned by another user");
        return;
    }
    for (args, code) in [
        (["-a", "s/", "d/sub/"].as_slice(), 3),
        (&["-a", "s/", "d/sub"], 3),
        (&["-a", "s/f", "d/sub"], 3),
        (&["-a", "s/", "d/sub/deeper/"], 3),
        (&["-a", "--insecure-links", "s/", "d/sub/"], 0),
        (
            &[
                "-a",
                "--insecure-links",
                "--no-insecure-links",
                "s/",
                "d/sub/",
            ],
            3,
        ),
        (&["-a", "s/", "d/mine/"], 0),
        (&["-ai", "--link-dest=../d/sub", "s/", "new/"], 0),
    ] {
        let t = tempdir();
        let (theirs, ours) = both_sides(
            t.path(),
            |w| {
                untrusted_link_setup(w);
            },
            args,
        );
        assert_eq!(
            (theirs.code(), ours.code()),
            (Some(code), Some(code)),
            "{args:?}\n{ours}"
        );
        assert!(
            show(&ours.stderr).contains("refusing to follow a symlink owned by an untrusted user")
                == show(&theirs.stderr).contains("refusing to follow a symlink owned"),
            "{args:?}\n{ours}\n{theirs}"
        );
        if args.contains(&"d/sub/deeper/") {
            continue; // rsync makes `deeper` through the link before refusing; we refuse first.
        }
        assert_same_listing(
            &Listing::read(t.path().join("rsync/out")),
            &Listing::read(t.path().join("ours/out")),
            Compare {
                modes: true,
                ..Compare::default()
            },
        );
    }
}

#[test]
fn empty_operands_and_hosts_that_look_like_options_are_usage_errors_like_rsync() {
    require_tool("rsync");
    let t = tempdir();
    Tree::new().file("s/f", "a\n").build(t.path());
    for args in [
        ["-a", "s/", ""].as_slice(),
        &["-a", "", "d"],
        &[
            "-a",
            "-e",
            "false",
            "--",
            "s/f",
            "-oProxyCommand=touch pwned:dst",
        ],
        &[
            "-a",
            "-e",
            "false",
            "--",
            "-oProxyCommand=touch pwned:src",
            "d",
        ],
    ] {
        let theirs = cmd("rsync").args(args).cwd(t.path()).run();
        let ours = treesync().args(args).cwd(t.path()).run();
        assert_eq!(
            (ours.code(), theirs.code()),
            (Some(1), Some(1)),
            "{args:?}\n{ours}"
        );
        let first = |o: &Output| {
            let text = String::from_utf8_lossy(&o.stderr).into_owned();
            text.lines().next().map(|l| {
                let l = l.strip_prefix("rsync: ").unwrap_or(l);
                l.strip_prefix("treesync: ").unwrap_or(l).to_string()
            })
        };
        assert_eq!(first(&ours), first(&theirs), "{args:?}");
        assert!(!t.path().join("pwned").exists() && !t.path().join("d").exists());
    }
}
