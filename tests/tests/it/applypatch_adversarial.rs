//! applypatch on trees that fight back: a directory of the target swapped for a symlink to an
//! outside directory while it runs, and paths at the depth and length limits.

use std::path::Path;

use bstr::ByteSlice;

use checkpoint_tests::*;

/// `applypatch -p1 -i PATCH` in `dir`.
fn apply_file(dir: &Path, patch: &Path) -> Output {
    tool("applypatch")
        .args(["-p1", "-i"])
        .arg(patch)
        .cwd(dir)
        .run()
}

/// The same tree, byte for byte, inodes and times included (atimes move: reading is allowed
/// to be noticed, writing is not).
fn unchanged(before: &Listing) {
    let after = Listing::read(&before.dir);
    let cmp = Compare {
        atimes: false,
        ..Compare::identical()
    };
    assert_same_listing(before, &after, cmp);
}

/// The target of the race: 40 files in `d` to edit, one to delete, one to create.
fn race_target() -> Tree {
    let mut t = Tree::new().file("keep", "k\n").file("d/gone", "gone\n");
    for i in 0..40 {
        t = t.file(format!("d/f{i:02}"), format!("old {i}\n"));
    }
    t
}

/// The race's patch: every file of `d` edited, `d/gone` deleted, `d/added` created.
fn race_patch() -> Vec<u8> {
    let mut p = String::new();
    for i in 0..40 {
        p += &format!("--- a/d/f{i:02}\n+++ b/d/f{i:02}\n@@ -1 +1 @@\n-old {i}\n+new {i}\n");
    }
    p += "--- a/d/gone\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n";
    p += "--- /dev/null\n+++ b/d/added\n@@ -0,0 +1 @@\n+added\n";
    p.into_bytes()
}

/// The directory `d` of the target exchanged with a symlink to an outside directory, over and
/// over while applypatch runs (30 runs, each on a fresh target). The outside directory holds
/// files the patch would apply to (the same first lines, then `OUTSIDE`) and the file it
/// deletes: it must never change (nothing written, created or removed there), no file of the
/// target may ever hold a line read from it, and no hidden temporary is left. A run may fail
/// instead (exit 2, naming the path); one that succeeds leaves exactly the patched tree.
#[test]
fn a_directory_swapped_for_a_symlink_is_never_written_or_read_through() {
    let t = scratch();
    let mut outside = Tree::new().file("gone", "gone\n");
    for i in 0..40 {
        outside = outside.file(format!("f{i:02}"), format!("old {i}\nOUTSIDE\n"));
    }
    outside.build(t.join("outside"));
    let before = Listing::read(t.join("outside"));
    std::fs::write(t.join("p.patch"), race_patch()).expect("write the patch");
    let mut patched = Tree::new().file("keep", "k\n").file("d/added", "added\n");
    for i in 0..40 {
        patched = patched.file(format!("d/f{i:02}"), format!("new {i}\n"));
    }
    let (mut applied, mut refused, mut swaps) = (0, 0, 0);
    for run in 0..30 {
        let w = t.join(format!("w{run}"));
        race_target().build(&w);
        let swapper = Swapper::start(w.join("d"), t.join("outside"));
        let out = apply_file(&w, &t.join("p.patch"));
        swaps += swapper.swaps();
        drop(swapper);
        unchanged(&before);
        for e in &Listing::read(&w).entries {
            let content = e.content.as_deref().unwrap_or_default();
            assert!(!content.contains_str("OUTSIDE"), "{}: {out}", show(&e.path));
            // The commit and the clean-up work in the directories the check opened, so the
            // swap cannot leave temporaries behind either.
            assert!(!e.path.ends_with(b".tmp~"), "{}: {out}", show(&e.path));
        }
        match out.code() {
            Some(0) => {
                applied += 1;
                assert_tree_matches(&w, &patched, Compare::contents());
            }
            Some(2) => {
                refused += 1;
                let said = out.stderr_text();
                assert!(said.contains("./d") || said.contains("d/"), "{out}");
            }
            _ => panic!("{out}"),
        }
    }
    eprintln!("30 runs under the swap: {applied} applied, {refused} refused, {swaps} swaps");
    assert!(swaps > 0);
}

/// A patch against a file 2,040 directories deep, its path 4,081 bytes (just under
/// `PATH_MAX`): applied beneath descriptors, one directory at a time. (GNU patch 2.7.6 gives
/// up at 1,024 components, "can't find file to patch", so it is no oracle here; see the next
/// test for a depth it handles.)
#[test]
fn a_file_two_thousand_directories_deep_is_patched() {
    let t = scratch();
    build_chain(&t.join("w"), 2040, b"old\n");
    let path = String::from_utf8(chain_path(2040)).expect("ascii");
    assert_eq!(path.len(), 4081);
    let patch = format!("--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-old\n+new\n");
    std::fs::write(t.join("p.patch"), patch).expect("write the patch");
    apply_file(&t.join("w"), &t.join("p.patch")).expect_code(0);
    assert_eq!(read_chain(&t.join("w")), (2040, Some(b"new\n".to_vec())));
}

/// 1,020 directories (`ddd`), the file's path 4,081 bytes: applied as GNU patch applies it.
/// One byte more in the file's name makes the path 4,096 bytes, which the kernel would not
/// take as one path: refused (exit 2) with the reason, nothing written, although the
/// directory holding the file is within the limit. GNU patch 2.7.6 walks such a path one
/// directory at a time and applies it (exit 0); applypatch keeps its refusal of paths the
/// kernel cannot take (`refuses_paths_longer_than_path_max`).
#[test]
fn a_path_just_under_path_max_applies_and_one_at_path_max_is_refused() {
    let t = scratch();
    let patch_for = |name: &str| {
        let path = "ddd/".repeat(1020) + name;
        let p = format!("--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-old\n+new\n");
        (path.len(), p)
    };
    let (len, under) = patch_for("f");
    assert_eq!(len, 4081);
    for side in ["ours", "gnu"] {
        build_chain_named(&t.join(side), 1020, "ddd", "f", b"old\n");
    }
    std::fs::write(t.join("under.patch"), under).expect("write the patch");
    apply_file(&t.join("ours"), &t.join("under.patch")).expect_code(0);
    require_tool("patch");
    cmd("patch")
        .args(["-p1", "-i"])
        .arg(t.join("under.patch"))
        .cwd(t.join("gnu"))
        .expect_code(0);
    for side in ["ours", "gnu"] {
        let got = read_chain_named(&t.join(side), "ddd", "f");
        assert_eq!(got, (1020, Some(b"new\n".to_vec())), "{side}");
    }

    let name = "f".repeat(16);
    let (len, at) = patch_for(&name);
    assert_eq!(len, 4096);
    build_chain_named(&t.join("at"), 1020, "ddd", &name, b"old\n");
    std::fs::write(t.join("at.patch"), at).expect("write the patch");
    let out = apply_file(&t.join("at"), &t.join("at.patch")).expect_code(2);
    assert!(out.stderr_text().contains("too long"), "{out}");
    let left = read_chain_named(&t.join("at"), "ddd", &name);
    assert_eq!(left, (1020, Some(b"old\n".to_vec())), "{out}");
}
