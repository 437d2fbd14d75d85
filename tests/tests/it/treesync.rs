//! `treesync` against the real rsync: for each flag set, the same SRC and DEST are synced once
//! by rsync and once by treesync, and the resulting DEST trees (contents, modes, owners, and
//! mtimes/atimes where the flags carry them), the exit codes and the `-i` output must agree.
//!
//! About comparing output: rsync's sender, generator and receiver are separate processes that
//! write to one stdout, and the interleaving of their lines varies from run to run (measured:
//! `rsync -n -i` on one fixed tree printed `*deleting d/zz` before or after the top directory's
//! files in 3 of 6 runs each). treesync prints in one fixed order. So output is compared as
//! three streams, each byte for byte: the transfer lines in order, the `*deleting` lines in
//! order, and the notes (`skipping non-regular file`, `cannot delete non-empty directory`) as a
//! sorted set. Within each stream nothing is normalised.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use checkpoint_tests::*;
use proptest::prelude::*;

fn treesync() -> Run {
    tool("treesync")
}

/// The three streams of an rsync-style output (see the module comment).
#[derive(Debug, PartialEq, Eq)]
struct Streams {
    transfer: Vec<String>,
    deleting: Vec<String>,
    notes: Vec<String>,
}

fn streams(out: &[u8]) -> Streams {
    let text = String::from_utf8_lossy(out);
    let mut s = Streams {
        transfer: Vec::new(),
        deleting: Vec::new(),
        notes: Vec::new(),
    };
    for line in text.lines() {
        if line.starts_with("*deleting") {
            s.deleting.push(line.to_string());
        } else if line.starts_with("skipping non-regular file")
            || line.starts_with("cannot delete non-empty")
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
        let o = differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
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
    treesync().args(["-r", "onlyone"]).expect_code(1);
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
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
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
