//! `snap`: faithful copies (compared with `cp -a`), manifests accepted by NetBSD `mtree` and
//! bsdtar, `--verify` agreeing with `mtree -f`, the store-like mode, and the failure cases.

use std::path::Path;
use std::time::{Duration, Instant};

use checkpoint_tests::*;

fn snap() -> Run {
    tool("snap")
}

#[test]
fn snapshot_equals_source_and_cp_a() {
    let t = tempdir();
    let src = edge_case_special_tree().build(t.path().join("src"));
    let out = snap()
        .arg(&src)
        .arg(t.path().join("snap"))
        .arg("-q")
        .expect_code(1);
    // The fifo is the only thing skipped, and it is named.
    assert!(
        out.stderr_text().contains("skipping fifo") && out.stderr_text().contains("special/fifo"),
        "{}",
        out.stderr_text()
    );
    let no_fifo = |l: Listing| l.without(|e| e.kind == Kind::Fifo);
    let src_l = no_fifo(Listing::read(&src));
    assert_same_listing(
        &src_l,
        &Listing::read(t.path().join("snap")),
        Compare::faithful(),
    );

    require_tool("cp");
    cmd("cp")
        .arg("-a")
        .arg(&src)
        .arg(t.path().join("cp"))
        .success();
    assert_same_listing(
        &no_fifo(Listing::read(t.path().join("cp"))),
        &Listing::read(t.path().join("snap")),
        Compare::faithful(),
    );
}

#[test]
fn manifest_is_accepted_by_netbsd_mtree_and_bsdtar() {
    require_tool("mtree");
    require_tool("bsdtar");
    let t = tempdir();
    let src = edge_case_tree().build(t.path().join("src"));
    let dest = t.path().join("snap");
    let manifest = t.path().join("snap.mtree");
    snap()
        .arg(&src)
        .arg(&dest)
        .arg("--manifest")
        .arg(&manifest)
        .success();

    let text = std::fs::read(&manifest).unwrap();
    assert!(text.starts_with(b"#mtree\n"), "{}", show(&text));
    cmd("mtree")
        .arg("-f")
        .arg(&manifest)
        .arg("-p")
        .arg(&dest)
        .expect_code(0);
    snap()
        .arg("--verify")
        .arg(&manifest)
        .arg(&dest)
        .expect_code(0)
        .expect_quiet();
    // bsdtar reads every entry of the manifest (paths relative to the snapshot).
    let tar = cmd("bsdtar")
        .args(["-cf", "-"])
        .arg(format!("@{}", manifest.display()))
        .cwd(&dest)
        .success();
    let listing = cmd("bsdtar").args(["-tf", "-"]).stdin(tar.stdout).success();
    let entries = text
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"."))
        .count();
    assert_eq!(
        listing
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        entries
    );

    // A modified file: both tools exit 2 and name it.
    std::fs::write(
        dest.join("text/changed.txt"),
        "modified after the snapshot\n",
    )
    .unwrap();
    let theirs = cmd("mtree")
        .arg("-f")
        .arg(&manifest)
        .arg("-p")
        .arg(&dest)
        .expect_code(2);
    assert!(
        theirs.stdout_str().contains("text/changed.txt"),
        "{}",
        theirs.stdout_str()
    );
    let ours = snap()
        .arg("--verify")
        .arg(&manifest)
        .arg(&dest)
        .expect_code(2);
    let lines = ours.stdout_str();
    assert!(
        lines.contains("text/changed.txt: size (")
            && lines.contains("text/changed.txt: sha256 (0x"),
        "{lines}"
    );
}

#[test]
fn verify_reports_missing_extra_mode_and_link_changes_like_mtree() {
    require_tool("mtree");
    let t = tempdir();
    let src = Tree::new()
        .file("a", "1\n")
        .file("b", "2\n")
        .symlink("l", "a")
        .dir("d")
        .build(t.path().join("src"));
    let m = t.path().join("m");
    snap()
        .arg("--manifest-only")
        .arg(&src)
        .arg("--manifest")
        .arg(&m)
        .success();
    std::fs::remove_file(src.join("b")).unwrap();
    std::fs::write(src.join("new"), "").unwrap();
    std::fs::set_permissions(
        src.join("a"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    std::fs::remove_file(src.join("l")).unwrap();
    std::os::unix::fs::symlink("elsewhere", src.join("l")).unwrap();
    let theirs = cmd("mtree")
        .arg("-f")
        .arg(&m)
        .arg("-p")
        .arg(&src)
        .expect_code(2);
    let ours = snap().arg("--verify").arg(&m).arg(&src).expect_code(2);
    let o = ours.stdout_str();
    for want in [
        "missing: ./b",
        "extra: new",
        "a: permissions (0644, 0600)",
        "l: link target (a, elsewhere)",
    ] {
        assert!(o.contains(want), "ours lacks {want:?}:\n{o}");
    }
    let th = theirs.stdout_str();
    for want in ["missing: ./b", "extra: new", "permissions (0644, 0600)"] {
        assert!(
            th.contains(want),
            "mtree lacks {want:?} (oracle changed?):\n{th}"
        );
    }
}

#[test]
fn manifest_only_equals_the_manifest_written_during_the_copy() {
    let t = tempdir();
    let src = edge_case_special_tree().build(t.path().join("src"));
    let m1 = t.path().join("copy.mtree");
    snap()
        .arg(&src)
        .arg(t.path().join("s"))
        .arg("--manifest")
        .arg(&m1)
        .expect_code(1);
    let only = snap().arg("--manifest-only").arg(&src).expect_code(1);
    assert_eq!(show(std::fs::read(&m1).unwrap()), show(&only.stdout));
    // Hard links appear under each name with the same digest.
    let text = only.stdout_str().to_owned();
    let digest = |name: &str| {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} not in\n{text}"));
        line.split_once("sha256digest=").unwrap().1.to_owned()
    };
    assert_eq!(digest("./hard/link1.txt "), digest("./hard/original.txt "));
}

#[test]
fn store_like_snapshot_has_mtime_1_and_no_write_bits() {
    let t = tempdir();
    let src = edge_case_tree().build(t.path().join("src"));
    let dest = t.path().join("store");
    let m = t.path().join("store.mtree");
    snap()
        .args(["--mtime", "1", "--read-only", "--manifest"])
        .arg(&m)
        .arg(&src)
        .arg(&dest)
        .success();
    let l = Listing::read(&dest);
    assert!(l.entries.len() > 20);
    for e in &l.entries {
        assert_eq!(e.mtime, NS, "{} mtime", show(&e.path));
        if e.kind != Kind::Symlink {
            assert_eq!(e.perm & 0o222, 0, "{} mode {:o}", show(&e.path), e.perm);
        }
    }
    // Contents are still the source's, and the manifest describes what is on disk.
    assert_same_listing(&Listing::read(&src), &l, Compare::contents());
    snap().arg("--verify").arg(&m).arg(&dest).expect_code(0);
    make_writable(&dest);
}

#[test]
fn usage_errors_exit_1_not_the_verify_mismatch_code() {
    let t = tempdir();
    for args in [
        &["--bogus", "a", "b"][..],
        &[],
        &["--mtime", "abc", "a", "b"],
        &["--verify", "m"],
    ] {
        let out = snap().args(args).cwd(t.path()).expect_code(1);
        assert!(!out.stderr.is_empty(), "{out}");
    }
    snap().arg("--help").expect_code(0);
}

#[test]
fn missing_source_and_nonempty_destination_fail_without_leaving_anything() {
    let t = tempdir();
    let out = snap()
        .arg(t.path().join("nope"))
        .arg(t.path().join("d"))
        .expect_code(1);
    assert!(
        out.stderr_text().contains("nope") && out.stderr_text().contains("not a directory"),
        "{}",
        out.stderr_text()
    );
    assert!(!t.path().join("d").exists());

    let src = Tree::new().file("f", "x").build(t.path().join("src"));
    let dest = Tree::new()
        .file("keep", "mine")
        .build(t.path().join("dest"));
    let out = snap().arg(&src).arg(&dest).expect_code(1);
    assert!(
        out.stderr_text().contains("dest") && out.stderr_text().contains("not an empty directory"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(std::fs::read(dest.join("keep")).unwrap(), b"mine");
    assert_eq!(
        std::fs::read_dir(t.path()).unwrap().count(),
        2,
        "no temporary sibling left"
    );

    // An existing empty directory is fine.
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    snap().arg(&src).arg(&empty).success();
    assert_eq!(std::fs::read(empty.join("f")).unwrap(), b"x");
}

#[test]
fn snapshot_inside_its_source_does_not_copy_itself() {
    let t = tempdir();
    let src = Tree::new()
        .file("a.c", "int a;\n")
        .file(".hidden", "h")
        .build(t.path().join("src"));
    snap().args([".", "ckpt/sources"]).cwd(&src).expect_code(1); // ckpt missing: parent must exist
    std::fs::create_dir(src.join("ckpt")).unwrap();
    snap()
        .args([".", "ckpt/sources", "--manifest", "ckpt/sources.mtree"])
        .cwd(&src)
        .success();
    let l = Listing::read(src.join("ckpt/sources"));
    assert_eq!(l.paths(), vec![&b".hidden"[..], b"a.c", b"ckpt"]);
}

#[test]
fn unreadable_file_fails_naming_it_and_leaves_no_destination() {
    require_tool("setpriv");
    let t = tempdir();
    let src = Tree::new()
        .file("ok", "fine")
        .file("secret", "no")
        .build(t.path().join("src"));
    std::fs::set_permissions(
        src.join("secret"),
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();
    let out_dir = t.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for p in [t.path(), &src, &out_dir] {
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    }
    // As root every file is readable, so drop to an unprivileged user for this one.
    let out = cmd("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(bin("snap"))
        .arg(&src)
        .arg(out_dir.join("snap"))
        .expect_code(1);
    assert!(
        out.stderr_text().contains("secret") && out.stderr_text().contains("Permission denied"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(
        std::fs::read_dir(&out_dir).unwrap().count(),
        0,
        "neither DEST nor a temporary left"
    );
}

#[test]
fn killed_snapshot_leaves_no_destination() {
    let t = tempdir();
    let mut tree = Tree::new();
    let blob = vec![b'x'; 64 * 1024];
    for i in 0..3000 {
        tree = tree.file(format!("d{}/f{i}", i % 30), &blob);
    }
    let src = tree.build(t.path().join("src"));
    let dest = t.path().join("snap");
    let mut child = std::process::Command::new(bin("snap"))
        .arg(&src)
        .arg(&dest)
        .arg("--manifest")
        .arg(t.path().join("m"))
        .spawn()
        .unwrap();
    // Wait until the copy is under way (its temporary sibling exists), then kill it.
    let start = Instant::now();
    let mut saw_temp = false;
    while start.elapsed() < Duration::from_secs(20) {
        if std::fs::read_dir(t.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".snap.snap-"))
        {
            saw_temp = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(20));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(saw_temp, "never saw the copy in progress");
    assert!(
        !status.success(),
        "snap finished before it could be killed; make the tree larger"
    );
    assert!(!dest.exists(), "a killed snap left a half snapshot at DEST");
    assert!(
        !t.path().join("m").exists(),
        "a killed snap left a manifest"
    );

    // Running it again converges: the snapshot is complete and the killed run's hidden
    // temporary copy is gone.
    snap()
        .arg(&src)
        .arg(&dest)
        .arg("--manifest")
        .arg(t.path().join("m"))
        .success();
    assert_same_tree(&src, &dest, Compare::faithful());
    // (The killed run's manifest temporary, `.m.XXXXXXXX.tmp~`, may remain: hidden, never
    // under a final name.)
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !(n.starts_with(".m.") && n.ends_with(".tmp~")))
        .collect();
    assert_eq!(names.len(), 3, "only src, snap and m are left: {names:?}");
}

fn make_writable(p: &Path) {
    cmd("chmod").args(["-R", "u+w"]).arg(p).success();
}

#[test]
fn full_disk_fails_naming_the_file_and_leaves_nothing() {
    let t = tempdir();
    let mut tree = Tree::new();
    for i in 0..40 {
        tree = tree.file(format!("f{i:02}"), vec![b'z'; 100 * 1024]);
    }
    let src = tree.build(t.path().join("src"));
    let Some(_fs) = SmallFs::mount(&t.path().join("small"), "1m") else {
        return;
    };
    let dest = t.path().join("small/snap");
    let out = snap()
        .arg(&src)
        .arg(&dest)
        .arg("--manifest")
        .arg(t.path().join("small/m"))
        .expect_code(1);
    let err = out.stderr_text();
    assert!(
        err.contains("No space left on device") && err.contains("small/"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(
        std::fs::read_dir(t.path().join("small")).unwrap().count(),
        0,
        "nothing left behind"
    );
}

#[test]
fn verify_reads_what_netbsd_mtree_writes() {
    require_tool("mtree");
    let t = tempdir();
    // Times with few nanoseconds (NetBSD writes them unpadded) and names NetBSD escapes with
    // vis(3) meta and control forms.
    let src = edge_case_tree()
        .file("ü-utf8", "u\n")
        .file(b"latin\xff\x80".as_slice(), "l\n")
        .file(b"ctl\x01\x7f".as_slice(), "c\n")
        .with_mtimes(1_577_836_800 * NS + 12_345)
        .retain(|p, _| !p.contains(&b'\n'))
        .build(t.path().join("src"));
    let spec = cmd("mtree")
        .args(["-c", "-K", "sha256digest", "-p"])
        .arg(&src)
        .success();
    let m = t.path().join("netbsd.mtree");
    std::fs::write(&m, &spec.stdout).unwrap();
    cmd("mtree")
        .arg("-f")
        .arg(&m)
        .arg("-p")
        .arg(&src)
        .expect_code(0);
    snap()
        .arg("--verify")
        .arg(&m)
        .arg(&src)
        .expect_code(0)
        .expect_quiet();
    std::fs::write(src.join("ü-utf8"), "changed\n").unwrap();
    let ours = snap().arg("--verify").arg(&m).arg(&src).expect_code(2);
    assert!(
        ours.stdout_str().contains("sha256 (0x"),
        "{}",
        ours.stdout_str()
    );
}

#[test]
fn source_named_through_a_symlink_is_copied_as_the_directory() {
    let t = tempdir();
    let src = Tree::new()
        .file("f", "x")
        .symlink("l", "f")
        .build(t.path().join("real"));
    std::os::unix::fs::symlink("real", t.path().join("alias")).unwrap();
    snap()
        .arg(t.path().join("alias"))
        .arg(t.path().join("copy"))
        .success();
    assert_same_tree(&src, t.path().join("copy"), Compare::faithful());
}

#[test]
fn closed_stdout_for_the_manifest_fails_the_snapshot_loudly() {
    let t = tempdir();
    let mut tree = Tree::new();
    for i in 0..3000 {
        tree = tree.file(format!("f{i:04}"), "x\n");
    }
    let src = tree.build(t.path().join("src"));
    let dest = t.path().join("snap");
    let script = format!(
        "'{}' '{}' '{}' --manifest - | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        bin("snap").display(),
        src.display(),
        dest.display()
    );
    let out = cmd("bash").arg("-c").arg(script).success();
    assert_ne!(
        out.stdout_str().trim(),
        "0",
        "snap claimed success without its manifest"
    );
    assert!(!dest.exists(), "no snapshot without its manifest");
    // The same for the manifest alone is just a reader that left early: quiet, exit 0.
    let script = format!(
        "'{}' --manifest-only '{}' | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        bin("snap").display(),
        src.display()
    );
    let out = cmd("bash").arg("-c").arg(script).success().expect_quiet();
    assert_eq!(out.stdout_str().trim(), "0");
}

#[test]
fn dest_dot_missing_parent_and_manifest_inside_empty_dest() {
    let t = tempdir();
    let src = Tree::new()
        .file("a", "1")
        .dir("e")
        .build(t.path().join("src"));
    // DEST given as `.`: an empty current directory.
    let here = t.path().join("here");
    std::fs::create_dir(&here).unwrap();
    snap().arg(&src).arg(".").cwd(&here).success();
    assert_same_tree(&src, &here, Compare::faithful());
    // A DEST whose parent is missing is named as DEST, not as a temporary.
    let out = snap().arg(&src).arg(t.path().join("nope/d")).expect_code(1);
    let err = out.stderr_text();
    assert!(
        err.contains("nope/d") && err.contains("parent") && !err.contains(".tmp~"),
        "{err}"
    );
    // A manifest inside DEST would be part of the snapshot it describes: refused up front.
    let ed = t.path().join("ed");
    std::fs::create_dir(&ed).unwrap();
    let out = snap()
        .arg(&src)
        .arg(&ed)
        .arg("--manifest")
        .arg(ed.join("m"))
        .expect_code(1);
    assert!(
        out.stderr_text().contains("inside DEST"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(std::fs::read_dir(&ed).unwrap().count(), 0);
}

#[test]
fn a_file_growing_during_the_snapshot_fails_it_naming_the_file() {
    let t = tempdir();
    let mut tree = Tree::new();
    for i in 0..500 {
        tree = tree.file(format!("a{i:03}"), vec![b'x'; 4096]);
    }
    let src = tree
        .file("zz-growing.log", "start\n")
        .build(t.path().join("src"));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, path) = (stop.clone(), src.join("zz-growing.log"));
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                f.write_all(b"more\n").unwrap();
            }
        })
    };
    let out = snap()
        .arg(&src)
        .arg(t.path().join("snap"))
        .arg("--manifest")
        .arg(t.path().join("m"))
        .run();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    assert_eq!(out.code(), Some(1), "{out}");
    let err = out.stderr_text();
    assert!(
        err.contains("zz-growing.log") && err.contains("changed size while being read"),
        "{err}"
    );
    assert!(!t.path().join("snap").exists() && !t.path().join("m").exists());
}

/// A source directory exchanged with a symlink to an outside directory, over and over while
/// snap runs: a snapshot (and its manifest) holds only what was in the source, never the
/// outside files or symlinks (a run may fail instead, naming the path, and then leaves no DEST).
#[test]
fn a_directory_swapped_for_a_symlink_never_brings_outside_content() {
    let t = tempdir();
    let mut src = Tree::new();
    let mut outside = Tree::new();
    for i in 0..40 {
        src = src.file(format!("d/f{i:02}"), format!("inside {i}\n"));
        outside = outside
            .file(format!("f{i:02}"), "OUTSIDE SECRET\n")
            .symlink(format!("l{i:02}"), "OUTSIDE-LINK");
    }
    let src = src.build(t.path().join("src"));
    outside.build(t.path().join("outside"));
    let swapper = Swapper::start(src.join("d"), t.path().join("outside"));
    for i in 0..30 {
        let dest = t.path().join(format!("dest{i}"));
        let manifest = t.path().join(format!("m{i}"));
        let out = snap()
            .arg(&src)
            .arg(&dest)
            .arg("--manifest")
            .arg(&manifest)
            .run();
        if out.code() == Some(0) {
            let listing = Listing::read(&dest);
            for e in &listing.entries {
                assert_ne!(e.target.as_deref(), Some(&b"OUTSIDE-LINK"[..]), "{out}");
                let content = e.content.as_deref().unwrap_or_default();
                assert!(!content.starts_with(b"OUTSIDE"), "{out}");
            }
            let text = std::fs::read(&manifest).expect("manifest");
            assert!(!text.windows(7).any(|w| w == b"OUTSIDE"), "{out}");
        } else {
            assert_eq!(out.code(), Some(1), "{out}");
            assert!(!dest.exists(), "{out}");
        }
    }
    assert!(swapper.swaps() > 0);
}

/// 10,000 directories deep (20,001-byte path to the file, beyond PATH_MAX): snap copies the
/// whole chain, its manifest names the bottom file, and `--verify` checks it.
#[test]
fn a_tree_ten_thousand_directories_deep_is_snapshotted_and_verified() {
    let t = tempdir();
    let (src, dest, manifest) = (
        t.path().join("src"),
        t.path().join("dest"),
        t.path().join("m"),
    );
    build_chain(&src, 10_000, b"bottom\n");
    snap()
        .arg(&src)
        .arg(&dest)
        .arg("--manifest")
        .arg(&manifest)
        .success();
    assert_eq!(read_chain(&dest), (10_000, Some(b"bottom\n".to_vec())));
    let text = std::fs::read(&manifest).expect("manifest");
    let mut line = b"\n./".to_vec();
    line.extend_from_slice(&chain_path(10_000));
    line.extend_from_slice(b" type=file ");
    assert!(text.windows(line.len()).any(|w| w == line.as_slice()));
    snap().arg("--verify").arg(&manifest).arg(&dest).success();
}

/// SIGTERM (or SIGINT) during a snapshot: snap removes its staging directory and the
/// manifest's temporary, leaves no DEST, and ends as the signal would have ended it.
#[test]
fn a_signal_during_the_snapshot_leaves_nothing_behind() {
    use std::os::unix::process::ExitStatusExt;
    let t = tempdir();
    let mut src = Tree::new();
    for i in 0..4000 {
        src = src.file(format!("d{}/f{i}", i % 40), vec![b'x'; 32 * 1024]);
    }
    let src = src.build(t.path().join("src"));
    let mut interrupted = 0;
    for (sig, name) in [(libc::SIGTERM, "term"), (libc::SIGINT, "int")] {
        let dest = t.path().join(name);
        let mut child = std::process::Command::new(bin("snap"))
            .arg(&src)
            .arg(&dest)
            .arg("--manifest")
            .arg(t.path().join(format!("{name}.mtree")))
            .spawn()
            .expect("spawn snap");
        let started = Instant::now();
        let staging = |t: &Path| {
            std::fs::read_dir(t).expect("list").flatten().any(|e| {
                let n = e.file_name();
                n.as_encoded_bytes()
                    .starts_with(format!(".{name}.").as_bytes())
            })
        };
        while !staging(t.path()) && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(1));
        }
        rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::from_named_raw(sig).expect("signal"),
        )
        .expect("kill");
        let status = child.wait().expect("wait");
        if status.success() {
            continue; // finished before the signal: nothing to check this time
        }
        assert_eq!(status.signal(), Some(sig), "{status:?}");
        interrupted += 1;
        let left: Vec<_> = std::fs::read_dir(t.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != "src")
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
    assert!(interrupted > 0, "every run ended before its signal");
}
