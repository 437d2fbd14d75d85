//! Self-tests of the harness: a tree reads back as built, and every kind of difference is
//! caught. A harness that cannot fail would make every other test meaningless.

use std::os::unix::ffi::OsStrExt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use checkpoint_tests::*;
use proptest::prelude::*;

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A small tree with one of each kind, with times set.
fn sample() -> Tree {
    Tree::new()
        .file("a/b.txt", "x\n")
        .exec("run.sh", "#!/bin/sh\n")
        .symlink("l", "a/b.txt")
        .symlink("dangling", "/no/such/target")
        .dir("empty/nested")
        .dir_mode("private", 0o700)
        .file(b"caf\xe9\nname".as_slice(), b"\0binary\xff")
        .with_mtimes(1_500_000_000 * NS + 42)
}

/// Builds `tree` twice and returns the single difference `change` makes between them.
fn one_change(tree: &Tree, cmp: Compare, change: impl FnOnce(&Path)) -> Vec<Difference> {
    let dir = tempdir();
    let (a, b) = (
        tree.build(dir.path().join("a")),
        tree.build(dir.path().join("b")),
    );
    assert_same_tree(&a, &b, cmp);
    change(&b);
    compare(&Listing::read(&a), &Listing::read(&b), &cmp)
}

#[test]
fn built_tree_reads_back_as_described() {
    let dir = tempdir();
    let root = sample().build(dir.path().join("t"));
    let listing = Listing::read(&root);
    let paths: Vec<String> = listing.paths().iter().map(show).collect();
    assert_eq!(
        paths,
        [
            "a",
            "a/b.txt",
            "caf\\xe9\\nname",
            "dangling",
            "empty",
            "empty/nested",
            "l",
            "private",
            "run.sh"
        ]
    );
    let file = listing.get("a/b.txt").expect("a/b.txt is listed");
    assert_eq!(
        (file.kind, file.perm, file.content.as_deref()),
        (Kind::File, 0o644, Some(&b"x\n"[..]))
    );
    assert_eq!(listing.get("run.sh").map(|e| e.perm), Some(0o755));
    assert_eq!(
        listing.get("private").map(|e| (e.kind, e.perm)),
        Some((Kind::Dir, 0o700))
    );
    let link = listing.get("dangling").expect("dangling is listed");
    assert_eq!(
        (link.kind, link.target.as_deref()),
        (Kind::Symlink, Some(&b"/no/such/target"[..]))
    );
    let odd = listing
        .get(b"caf\xe9\nname")
        .expect("the non-UTF-8 name is listed");
    assert_eq!(odd.content.as_deref(), Some(&b"\0binary\xff"[..]));
    assert_eq!(
        listing.get("a").map(|e| e.mtime),
        Some(1_500_000_000 * NS + 42)
    );
    assert_tree_matches(&root, &sample(), Compare::faithful());
}

#[test]
fn fifos_and_hard_links_are_built_and_compared() {
    let tree = Tree::new().file("f", "x").hardlink("g", "f").fifo("p");
    let dir = tempdir();
    let listing = Listing::read(tree.build(dir.path().join("t")));
    assert_eq!(listing.get("p").map(|e| e.kind), Some(Kind::Fifo));
    assert_eq!(
        listing.get("f").map(|e| e.hardlinks.clone()),
        Some(vec![b"g".to_vec()])
    );
    let diffs = one_change(
        &tree,
        Compare {
            hardlinks: true,
            ..Compare::default()
        },
        |b| {
            std::fs::remove_file(b.join("g")).expect("rm g");
            std::fs::write(b.join("g"), "x").expect("write g");
        },
    );
    assert_eq!(
        diffs,
        [
            Difference {
                path: b"f".to_vec(),
                what: What::HardLinks(vec![b"g".to_vec()], vec![])
            },
            Difference {
                path: b"g".to_vec(),
                what: What::HardLinks(vec![b"f".to_vec()], vec![])
            },
        ]
    );
}

#[test]
fn one_byte_change_is_detected() {
    let diffs = one_change(&sample(), Compare::default(), |b| {
        std::fs::write(b.join("a/b.txt"), "y\n").expect("write");
    });
    assert_eq!(
        diffs,
        [Difference {
            path: b"a/b.txt".to_vec(),
            what: What::Content {
                offset: 0,
                left: 2,
                right: 2
            }
        }]
    );
}

#[test]
fn mode_change_is_detected_unless_modes_are_ignored() {
    let chmod = |b: &Path| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(b.join("run.sh"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    };
    let diffs = one_change(&sample(), Compare::default(), chmod);
    assert_eq!(
        diffs,
        [Difference {
            path: b"run.sh".to_vec(),
            what: What::Mode(0o755, 0o644)
        }]
    );
    assert_eq!(one_change(&sample(), Compare::contents(), chmod), []);
}

#[test]
fn link_retarget_is_detected() {
    let diffs = one_change(&sample(), Compare::default(), |b| {
        std::fs::remove_file(b.join("l")).expect("rm");
        std::os::unix::fs::symlink("run.sh", b.join("l")).expect("ln -s");
    });
    assert_eq!(
        diffs,
        [Difference {
            path: b"l".to_vec(),
            what: What::Target(b"a/b.txt".to_vec(), b"run.sh".to_vec())
        }]
    );
}

#[test]
fn mtime_change_is_detected_only_when_compared() {
    let touch = |b: &Path| {
        let t = filetime::FileTime::from_unix_time(1_500_000_000, 43);
        filetime::set_file_mtime(b.join("a/b.txt"), t).expect("touch");
    };
    let diffs = one_change(&sample(), Compare::mtimes(), touch);
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(matches!(diffs[0].what, What::Mtime(..)) && diffs[0].path == b"a/b.txt");
    assert_eq!(one_change(&sample(), Compare::default(), touch), []);
}

#[test]
fn type_change_and_missing_entries_are_detected() {
    let diffs = one_change(&sample(), Compare::default(), |b| {
        std::fs::remove_file(b.join("l")).expect("rm");
        std::fs::write(b.join("l"), "a/b.txt").expect("write");
        std::fs::remove_dir(b.join("empty/nested")).expect("rmdir");
        std::fs::create_dir(b.join(".new")).expect("mkdir");
    });
    let whats: Vec<_> = diffs
        .iter()
        .map(|d| (show(&d.path), d.what.clone()))
        .collect();
    assert_eq!(
        whats,
        [
            (".new".to_string(), What::OnlyRight(Kind::Dir)),
            ("empty/nested".to_string(), What::OnlyLeft(Kind::Dir)),
            ("l".to_string(), What::Kind(Kind::Symlink, Kind::File)),
        ]
    );
}

#[test]
fn failure_message_names_the_difference_and_lists_both_trees() {
    let dir = tempdir();
    let a = sample().build(dir.path().join("a"));
    let b = sample()
        .file(b"caf\xe9\nname".as_slice(), "changed")
        .build(dir.path().join("b"));
    let msg = panic_message(|| assert_same_tree(&a, &b, Compare::default()));
    assert!(msg.contains("1 difference"), "{msg}");
    assert!(
        msg.contains("\"caf\\xe9\\nname\": contents differ at byte 0"),
        "{msg}"
    );
    assert!(
        msg.contains("left: ") && msg.contains("right: ") && msg.contains("run.sh"),
        "{msg}"
    );
}

#[test]
fn unchanged_tree_passes_and_a_rewrite_with_same_content_is_caught() {
    let dir = tempdir();
    let root = sample().build(dir.path().join("t"));
    let before = Listing::read(&root);
    // Reading twice must not disturb anything, atimes included.
    assert_unchanged(&before);
    assert_unchanged(&before);
    // Same bytes, new inode: what "rewrites only what differs" must not do.
    std::fs::remove_file(root.join("a/b.txt")).expect("rm");
    std::fs::write(root.join("a/b.txt"), "x\n").expect("write");
    let msg = panic_message(|| assert_unchanged(&before));
    assert!(
        msg.contains("\"a/b.txt\": ") && msg.contains("inode"),
        "{msg}"
    );
    let touched: Vec<String> = before
        .touched(&Listing::read(&root))
        .iter()
        .map(show)
        .collect();
    assert_eq!(touched, ["a", "a/b.txt"]);
}

#[test]
fn atime_change_is_detected() {
    let diffs = one_change(
        &sample(),
        Compare {
            atimes: true,
            ..Compare::default()
        },
        |b| {
            let t = filetime::FileTime::from_unix_time(1_700_000_000, 0);
            filetime::set_file_atime(b.join("run.sh"), t).expect("touch -a");
        },
    );
    assert_eq!(diffs.len(), 1, "{diffs:?}");
    assert!(matches!(diffs[0].what, What::Atime(..)));
}

#[test]
#[should_panic(expected = "cannot add \"a/b\"")]
fn tree_rejects_an_entry_below_a_file() {
    let _ = Tree::new().file("a", "x").file("a/b", "y");
}

#[test]
fn remove_then_add_writes_a_type_change() {
    let tree = Tree::new()
        .file("a/b", "x")
        .remove("a")
        .file("a", "now a file");
    assert_eq!(tree.entries().count(), 1);
    assert!(!tree.contains("a/b"));
}

#[test]
fn show_escapes_control_and_invalid_bytes() {
    assert_eq!(
        show(b"a b\t\n\\\"\xff\x01\xc3\xa9"),
        "a b\\t\\n\\\\\\\"\\xff\\x01\u{e9}"
    );
}

#[test]
fn run_captures_output_stdin_cwd_and_status() {
    let dir = tempdir();
    let out = cmd("sh")
        .args(["-c", "cat; pwd; echo err >&2; exit 3"])
        .cwd(dir.path())
        .stdin("in\n")
        .run();
    assert_eq!(out.code(), Some(3));
    let cwd = dir.path().canonicalize().expect("canonicalize");
    assert_eq!(
        out.stdout,
        [b"in\n".as_slice(), cwd.as_os_str().as_bytes(), b"\n"].concat()
    );
    assert_eq!(out.stderr, b"err\n");
    // Stdin is /dev/null when not given: cat ends at once.
    cmd("cat").expect_code(0);
}

#[test]
fn expect_code_failure_shows_command_stdout_and_stderr() {
    let msg = panic_message(|| {
        cmd("sh")
            .args([
                "-c",
                "echo to-stdout; echo to-stderr >&2; exit 2",
                "arg with space",
            ])
            .expect_code(0);
    });
    for want in [
        "expected exit code 0",
        "exit status: 2",
        "sh -c",
        "\"arg with space\"",
        "to-stdout",
        "to-stderr",
    ] {
        assert!(msg.contains(want), "missing {want:?} in:\n{msg}");
    }
}

#[test]
fn timeout_kills_and_fails() {
    let msg = panic_message(|| {
        cmd("sleep")
            .arg("10")
            .timeout(std::time::Duration::from_millis(200))
            .run();
    });
    assert!(msg.contains("timed out"), "{msg}");
}

#[test]
fn require_tool_finds_sh_and_fails_loudly_on_a_missing_tool() {
    assert!(require_tool("sh").is_file());
    let msg = panic_message(|| {
        require_tool("no-such-tool-xyz");
    });
    assert!(msg.contains("`no-such-tool-xyz` is not installed"), "{msg}");
}

#[test]
fn git_apply_works_in_a_scratch_directory_outside_any_repository() {
    require_tool("git");
    let dir = tempdir();
    let patch = "diff --git a/new.txt b/new.txt\nnew file mode 100755\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+hello\n";
    git()
        .args(["apply", "-"])
        .cwd(dir.path())
        .stdin(patch)
        .success();
    assert_tree_matches(
        dir.path(),
        &Tree::new().exec("new.txt", "hello\n"),
        Compare::default(),
    );
}

#[test]
fn bin_builds_and_finds_the_workspace_binaries() {
    for name in TOOLS {
        let path = bin(name);
        assert!(path.starts_with(target_profile_dir()), "{}", path.display());
        tool(name).arg("--help").success();
    }
}

/// `--help` on every tool ends with examples and the exit statuses, as the classic tools'
/// manuals do.
#[test]
fn every_tool_help_shows_examples_and_exit_statuses() {
    for name in TOOLS {
        let out = tool(name).arg("--help").success();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("\nExamples:\n"), "{name}: {help}");
        assert!(help.contains("Exit status"), "{name}: {help}");
    }
}

/// An unknown option fails as the classic tool's does (GNU getopt's words for the GNU-like
/// tools, rsync's for treesync), with its exit status and no tips that would mislead: clap
/// suggested `--batch` for `applypatch --bakcup` and `-- -h` for `treesync -h`.
#[test]
fn unknown_options_fail_in_the_classic_tools_words() {
    let gnu = |name: &str, arg: &str, code: i32, what: &str| {
        let out = tool(name).arg(arg).expect_code(code);
        let want = format!("{name}: {what}\n{name}: Try '{name} --help' for more information.\n");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{out}");
    };
    gnu(
        "applypatch",
        "--bakcup",
        2,
        "unrecognized option '--bakcup'",
    );
    gnu("applypatch", "-Q", 2, "invalid option -- 'Q'");
    gnu("treediff", "--foo", 2, "unrecognized option '--foo'");
    gnu("snap", "--foo", 1, "unrecognized option '--foo'");
    let out = tool("treesync").args(["--foo", "a", "b"]).expect_code(1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "treesync: --foo: unknown option\ntreesync error: syntax or usage error (code 1)\n"
    );
    // rsync: `-h` alone is help.
    let out = tool("treesync").arg("-h").expect_code(0);
    assert!(out.stdout.starts_with(b"rsync-compatible"), "{out}");
}

#[test]
fn edge_case_pair_builds_and_differs_everywhere_it_should() {
    let dir = tempdir();
    let (old, new) = edge_case_pair();
    let (a, b) = (
        old.build(dir.path().join("old")),
        new.build(dir.path().join("new")),
    );
    let diffs = compare(&Listing::read(&a), &Listing::read(&b), &Compare::default());
    let changed = |p: &str| diffs.iter().any(|d| d.path == p.as_bytes());
    for p in [
        "text/big.txt",
        "modes/to-exec.sh",
        "links/retarget",
        "types/file-to-dir",
        "emptydir-added",
        "gone-nested",
    ] {
        assert!(changed(p), "{p} should differ; differences:\n{diffs:#?}");
    }
    for p in [
        "unchanged.txt",
        "links/to-dir",
        "emptydir-kept",
        ".top-dotfile",
        "bin/unchanged.bin",
    ] {
        assert!(!changed(p), "{p} should not differ");
    }
    assert!(changed("names/new\nline"));
    assert!(diffs.iter().any(|d| d.path == b"names/latin1-caf\xe9"));
}

#[test]
fn portable_and_text_only_pairs_exclude_what_they_say() {
    let (old, new) = edge_case_pair_portable();
    for t in [&old, &new] {
        assert!(t.entries().all(|(p, _)| !has_newline_name(p)));
        assert!(t.contains(b"names/latin1-caf\xe9") && t.get("links/retarget").is_some());
    }
    let (old, new) = edge_case_pair_text_only();
    for t in [&old, &new] {
        assert!(t.entries().all(
            |(_, n)| matches!(n, Node::File { content, mode: 0o644 } if !content.contains(&0))
        ));
        assert!(t.get("text/big.txt").is_some() && t.get("types/file-to-dir").is_none());
    }
}

#[test]
fn edge_case_trees_build_with_their_times_and_modes() {
    let dir = tempdir();
    let root = edge_case_special_tree().build(dir.path().join("t"));
    let listing = Listing::read(&root);
    assert_eq!(listing.get("ro-dir").map(|e| e.perm), Some(0o555));
    assert_eq!(
        listing.get("special/fifo").map(|e| e.kind),
        Some(Kind::Fifo)
    );
    assert_eq!(listing.get("sub/link2.txt").map(|e| e.nlink), Some(3));
    assert!(
        listing.entries.iter().all(|e| e.mtime % NS != 0),
        "every mtime has nanoseconds"
    );
    assert_tree_matches(&root, &edge_case_special_tree(), Compare::faithful());
    let plain = edge_case_tree().build(dir.path().join("plain"));
    assert!(
        Listing::read(plain)
            .entries
            .iter()
            .all(|e| !matches!(e.kind, Kind::Fifo) && e.hardlinks.is_empty())
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_build_and_read_back((old, new) in arb_tree_pair()) {
        let dir = tempdir();
        let a = old.build(dir.path().join("old"));
        assert_tree_matches(&a, &old, Compare::default());
        let b = new.build(dir.path().join("new"));
        assert_tree_matches(&b, &new, Compare::default());
    }
}

/// Builds `pair` as `a` and `b`, diffs with GNU `diff -urN`, applies with GNU `patch -p1` to a
/// copy of `a`, and returns the differences between the result and `b`.
fn gnu_round_trip(pair: (Tree, Tree)) -> (Output, Vec<Difference>) {
    require_tool("diff");
    require_tool("patch");
    let dir = tempdir();
    pair.0.build(dir.path().join("a"));
    pair.1.build(dir.path().join("b"));
    let out = pair.0.build(dir.path().join("c"));
    let patch = cmd("diff").args(["-urN", "a", "b"]).cwd(dir.path()).run();
    cmd("patch")
        .args(["-p1", "-s", "-f"])
        .cwd(&out)
        .stdin(patch.stdout.clone())
        .run();
    let diffs = compare(
        &Listing::read(&out),
        &Listing::read(dir.path().join("b")),
        &Compare::default(),
    );
    (patch, diffs)
}

#[test]
fn text_only_pair_round_trips_exactly_through_gnu_diff_and_patch() {
    let (patch, diffs) = gnu_round_trip(edge_case_pair_text_only());
    assert_eq!(patch.code(), Some(1), "{patch}");
    assert!(diffs.is_empty(), "GNU diff | patch lost:\n{diffs:#?}");
    assert!(
        patch.stdout.windows(13).any(|w| w == b"\"a/names/new\\"),
        "a quoted newline name is in the patch"
    );
}

#[test]
fn full_pair_defeats_gnu_diff_and_patch() {
    let (patch, diffs) = gnu_round_trip(edge_case_pair());
    assert_eq!(
        patch.code(),
        Some(2),
        "diff exits 2 on dangling links\n{patch}"
    );
    // What the GNU pipeline loses, per kind: the fixture must exercise each.
    let lost = |p: &str| diffs.iter().any(|d| d.path == p.as_bytes());
    for p in [
        "added-empty",
        "deleted-empty",
        "emptydir-added",
        "emptydir-removed",
        "modes/to-exec.sh",
    ] {
        assert!(lost(p), "{p}: expected GNU to lose it; lost:\n{diffs:#?}");
    }
    for p in [
        "links/added-dangling",
        "links/retarget",
        "bin/changed.bin",
        "types/file-to-link",
    ] {
        assert!(lost(p), "{p}: expected GNU to lose it; lost:\n{diffs:#?}");
    }
}

#[test]
fn git_diff_and_apply_lose_only_empty_directories_and_odd_modes_of_the_full_pair() {
    require_tool("git");
    let dir = tempdir();
    let (old, new) = edge_case_pair();
    old.build(dir.path().join("a"));
    new.build(dir.path().join("b"));
    let out = old.build(dir.path().join("c"));
    let patch = git()
        .args(["diff", "--no-index", "--binary", "a", "b"])
        .cwd(dir.path())
        .expect_code(1);
    git()
        .args(["apply", "-p2", "-"])
        .cwd(&out)
        .stdin(patch.stdout)
        .success();
    let diffs = compare(
        &Listing::read(&out),
        &Listing::read(dir.path().join("b")),
        &Compare::default(),
    );
    let lost: Vec<String> = diffs.iter().map(|d| d.to_string()).collect();
    assert_eq!(
        lost,
        [
            "\"emptydir-added\": dir only on the right",
            "\"emptydir-removed\": dir only on the left",
            "\"gone-nested\": dir only on the left",
            "\"gone-nested/a\": dir only on the left",
            "\"gone-nested/a/b\": dir only on the left",
            // git knows only 644 and 755: a patched read-only file comes back 0644.
            "\"modes/read-only\": mode 0644 != 0444",
            "\"new-nested\": dir only on the right",
            "\"new-nested/a\": dir only on the right",
            "\"new-nested/a/b\": dir only on the right",
            "\"new-nested/a/b/c\": dir only on the right",
            "\"private-added\": dir only on the right",
            "\"types/empty-file-to-emptydir\": dir only on the right",
        ]
    );
}

#[test]
fn scratch_is_removed_even_with_read_only_directories_inside() {
    let dir = scratch();
    let root = Tree::new()
        .file("ro/sub/f", "x")
        .dir_mode("ro/sub", 0o555)
        .dir_mode("ro", 0o500)
        .build(dir.join("t"));
    make_writable(&root);
    let perm = |p: &str| Listing::read(&root).get(p).map(|e| e.perm);
    assert_eq!((perm("ro"), perm("ro/sub")), (Some(0o700), Some(0o755)));
    let path = dir.path().to_path_buf();
    std::fs::set_permissions(
        root.join("ro"),
        std::os::unix::fs::PermissionsExt::from_mode(0o500),
    )
    .expect("chmod");
    drop(dir);
    assert!(!path.exists(), "{} was left behind", path.display());
}

#[test]
fn a_real_tree_captured_with_to_tree_rebuilds_identically() {
    let dir = tempdir();
    let original = edge_case_special_tree().build(dir.path().join("a"));
    let captured = Listing::read(&original).to_tree();
    let copy = captured.build(dir.path().join("b"));
    assert_same_tree(&original, &copy, Compare::faithful());
}
