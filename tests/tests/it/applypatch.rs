//! applypatch against its oracles (GNU patch 2.7.6 and git apply) on the same inputs, plus the
//! safety rules: nothing outside the target, nothing through a symlink, nothing written when
//! anything fails (unless `--reject`).

use std::io::Write;
use std::path::Path;

use checkpoint_tests::*;

/// Runs `applypatch ARGS` in `dir` with `patch` on stdin.
fn apply(dir: &Path, args: &[&str], patch: &[u8]) -> Output {
    tool("applypatch")
        .args(args)
        .cwd(dir)
        .stdin(patch.to_vec())
        .run()
}

/// Runs GNU `patch ARGS` in `dir` with `patch` on stdin.
fn gnu_patch(dir: &Path, args: &[&str], patch: &[u8]) -> Output {
    require_tool("patch");
    cmd("patch").args(args).cwd(dir).stdin(patch.to_vec()).run()
}

/// Nothing written: the same tree, inodes, mtimes and ctimes (atimes move: checking reads).
fn unchanged(before: &Listing) {
    let after = Listing::read(&before.dir);
    assert_same_listing(
        before,
        &after,
        Compare {
            atimes: false,
            ..Compare::identical()
        },
    );
}

fn seq(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

fn edit(text: &str, f: impl Fn(usize, &str) -> Option<String>) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| f(i + 1, l).unwrap_or_else(|| l.to_string()) + "\n")
        .collect()
}

/// `diff -u` of two strings as files `f`.
fn unified(old: &str, new: &str) -> Vec<u8> {
    let dir = scratch();
    std::fs::write(dir.join("old"), old).unwrap();
    std::fs::write(dir.join("new"), new).unwrap();
    let out = cmd("diff")
        .args(["-u", "--label", "a/f", "--label", "b/f", "old", "new"])
        .cwd(dir.path())
        .run();
    assert_eq!(out.code(), Some(1), "{out}");
    out.stdout
}

/// The `Hunk #...` lines of an output.
fn hunk_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Hunk #"))
        .map(str::to_string)
        .collect()
}

#[test]
fn offsets_and_fuzz_decide_and_report_like_gnu_patch() {
    let base = seq(30);
    // (line changed by the patch, edits to the target before patching)
    type Edit = fn(usize, &str) -> Option<String>;
    let targets: Vec<(&str, Edit)> = vec![
        ("exact", |_, _| None),
        ("prepend", |i, l| (i == 1).then(|| format!("a\nb\n{l}"))),
        ("append", |i, l| (i == 30).then(|| format!("{l}\nz"))),
        ("ctx7", |i, _| (i == 7).then(|| "X".into())),
        ("ctx7-8", |i, _| matches!(i, 7 | 8).then(|| "X".into())),
        ("ctx7-12", |i, _| matches!(i, 7 | 12).then(|| "Y".into())),
        ("ctx9", |i, _| (i == 9).then(|| "X".into())),
        ("line1", |i, _| (i == 1).then(|| "X".into())),
        ("line4", |i, _| (i == 4).then(|| "X".into())),
        ("line27", |i, _| (i == 27).then(|| "X".into())),
        ("line30", |i, _| (i == 30).then(|| "X".into())),
        ("prepend+ctx7", |i, l| match i {
            1 => Some(format!("a\nb\n{l}")),
            7 => Some("X".into()),
            _ => None,
        }),
    ];
    let mut compared = 0;
    for changed in [1, 2, 10, 29, 30] {
        let new = edit(&base, |i, _| (i == changed).then(|| "CHANGED".into()));
        let patch = unified(&base, &new);
        for (name, f) in &targets {
            for fuzz in ["0", "1", "2", "3"] {
                let target = edit(&base, f);
                let (ours, theirs) = (scratch(), scratch());
                std::fs::write(ours.join("f"), &target).unwrap();
                std::fs::write(theirs.join("f"), &target).unwrap();
                let args = ["-p1", "-F", fuzz];
                let o = apply(ours.path(), &args, &patch);
                let t = gnu_patch(
                    theirs.path(),
                    &[&args[..], &["--no-backup-if-mismatch", "-r", "-"]].concat(),
                    &patch,
                );
                let ctx =
                    format!("change at {changed}, target {name}, -F {fuzz}\nours: {o}\ngnu: {t}");
                assert_eq!(o.code(), t.code(), "{ctx}");
                assert_eq!(hunk_lines(&o), hunk_lines(&t), "{ctx}");
                if o.code() == Some(0) {
                    assert_eq!(
                        std::fs::read(ours.join("f")).unwrap(),
                        std::fs::read(theirs.join("f")).unwrap(),
                        "{ctx}"
                    );
                } else {
                    assert_eq!(
                        std::fs::read(ours.join("f")).unwrap(),
                        target.as_bytes(),
                        "all or nothing: {ctx}"
                    );
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 5 * 12 * 4);
}

#[test]
fn multi_hunk_offsets_report_like_gnu_patch() {
    let base = seq(40);
    let new = edit(&base, |i, l| match i {
        5 => Some(format!("{l}\na\nb")),
        30 => Some("THIRTY".into()),
        _ => None,
    });
    let patch = unified(&base, &new);
    for (name, target) in [
        (
            "inserted",
            edit(&base, |i, l| (i == 20).then(|| format!("{l}\nzz"))),
        ),
        (
            "removed-first",
            edit(&base, |i, _| (i == 1).then(String::new)).replacen("\n", "", 1),
        ),
    ] {
        let (ours, theirs) = (scratch(), scratch());
        std::fs::write(ours.join("f"), &target).unwrap();
        std::fs::write(theirs.join("f"), &target).unwrap();
        let o = apply(ours.path(), &["-p1"], &patch).expect_code(0);
        let t = gnu_patch(theirs.path(), &["-p1"], &patch).expect_code(0);
        assert_eq!(hunk_lines(&o), hunk_lines(&t), "{name}");
        assert!(!hunk_lines(&o).is_empty(), "{name}: offsets expected");
        assert_eq!(
            std::fs::read(ours.join("f")).unwrap(),
            std::fs::read(theirs.join("f")).unwrap()
        );
    }
}

#[test]
fn diff_run_output_applies_like_gnu_patch() {
    let (old, new) = edge_case_pair_text_only();
    assert!(new.entries().any(|(p, _)| has_newline_name(p)));
    let dir = scratch();
    old.build(dir.join("a"));
    new.build(dir.join("b"));
    old.build(dir.join("ours"));
    old.build(dir.join("gnu"));
    let patch = cmd("diff").args(["-ruN", "a", "b"]).cwd(dir.path()).run();
    assert_eq!(patch.code(), Some(1), "{patch}");
    apply(&dir.join("ours"), &["-p1"], &patch.stdout).expect_code(0);
    gnu_patch(&dir.join("gnu"), &["-p1"], &patch.stdout).expect_code(0);
    assert_same_tree(dir.join("ours"), dir.join("gnu"), Compare::default());
    assert_same_tree(dir.join("ours"), dir.join("b"), Compare::default());
    // The seed's spelling: -p 1 -i FILE.
    std::fs::write(dir.join("p"), &patch.stdout).unwrap();
    old.build(dir.join("seed"));
    tool("applypatch")
        .args(["-p", "1", "-i"])
        .arg(dir.join("p"))
        .cwd(dir.join("seed"))
        .expect_code(0);
    assert_same_tree(dir.join("seed"), dir.join("b"), Compare::default());
}

/// `git diff --binary -M` over the edge-case pair (every kind of change git can express):
/// our result equals git apply's, and B apart from empty directories (git cannot say them).
#[test]
fn git_binary_rename_patch_applies_like_git_apply() {
    let (old, new) = edge_case_pair();
    let dir = scratch();
    old.build(dir.join("a"));
    new.build(dir.join("b"));
    let patch = git()
        .args(["diff", "--no-index", "--binary", "-M", "a", "b"])
        .cwd(dir.path())
        .run();
    assert_eq!(patch.code(), Some(1), "{patch}");
    for who in ["ours", "git"] {
        old.build(dir.join(who));
    }
    apply(&dir.join("ours"), &["-p2"], &patch.stdout).expect_code(0);
    git()
        .args(["apply", "-p2", "--unsafe-paths"])
        .cwd(dir.join("git"))
        .stdin(patch.stdout.clone())
        .expect_code(0);
    let no_empty_dirs = |p: &Path| {
        let l = Listing::read(p);
        let files: Vec<Vec<u8>> = l
            .paths()
            .iter()
            .filter(|p| l.get(p).is_some_and(|e| e.kind != Kind::Dir))
            .map(|p| p.to_vec())
            .collect();
        l.without(|e| {
            e.kind == Kind::Dir
                && !files
                    .iter()
                    .any(|f| f.starts_with(&e.path) && f.get(e.path.len()) == Some(&b'/'))
        })
    };
    // git apply knows only 0644/0755 and writes 0644 over a 0444 file; modes are compared with B.
    assert_same_listing(
        &no_empty_dirs(&dir.join("ours")),
        &no_empty_dirs(&dir.join("git")),
        Compare::contents(),
    );
    assert_same_listing(
        &no_empty_dirs(&dir.join("ours")),
        &no_empty_dirs(&dir.join("b")),
        Compare::default(),
    );
}

#[test]
fn reverse_matches_gnu_patch() {
    let (old, new) = edge_case_pair_text_only();
    assert!(new.entries().any(|(p, _)| has_newline_name(p)));
    let dir = scratch();
    old.build(dir.join("a"));
    new.build(dir.join("b"));
    new.build(dir.join("ours"));
    new.build(dir.join("gnu"));
    let patch = cmd("diff").args(["-ruN", "a", "b"]).cwd(dir.path()).run();
    apply(&dir.join("ours"), &["-p1", "-R"], &patch.stdout).expect_code(0);
    gnu_patch(&dir.join("gnu"), &["-p1", "-R"], &patch.stdout).expect_code(0);
    assert_same_tree(dir.join("ours"), dir.join("gnu"), Compare::default());
    assert_same_tree(dir.join("ours"), dir.join("a"), Compare::default());
}

fn second_file_fails() -> (Tree, Vec<u8>) {
    let tree = Tree::new()
        .file("f1", "one\n")
        .file("f2", seq(10))
        .file("f3", "three\n");
    let patch = b"--- a/f1\n+++ b/f1\n@@ -1 +1 @@\n-one\n+ONE\n\
--- a/f2\n+++ b/f2\n@@ -1,3 +1,3 @@\n 1\n-2\n+TWO\n 3\n@@ -7,3 +7,3 @@\n 7\n-NOT-EIGHT\n+EIGHT\n 9\n\
--- a/f3\n+++ b/f3\n@@ -1 +1 @@\n-three\n+THREE\n"
        .to_vec();
    (tree, patch)
}

#[test]
fn failure_on_second_file_writes_nothing_by_default() {
    let (tree, patch) = second_file_fails();
    let dir = scratch();
    tree.build(dir.path());
    let before = Listing::read(dir.path());
    let out = apply(dir.path(), &["-p1"], &patch).expect_code(1);
    assert!(out.stdout_str().contains("Hunk #2 FAILED at 7."), "{out}");
    assert!(out.stderr_text().contains("nothing was written"), "{out}");
    unchanged(&before);
    // --dry-run on a good patch writes nothing either and says "checking".
    let good = b"--- a/f1\n+++ b/f1\n@@ -1 +1 @@\n-one\n+ONE\n";
    let out = apply(dir.path(), &["-p1", "--dry-run"], good).expect_code(0);
    assert!(out.stdout_str().contains("checking file f1"), "{out}");
    unchanged(&before);
}

#[test]
fn reject_mode_behaves_like_gnu_patch() {
    let (tree, patch) = second_file_fails();
    let dir = scratch();
    tree.build(dir.join("ours"));
    tree.build(dir.join("gnu"));
    let o = apply(&dir.join("ours"), &["-p1", "--reject"], &patch).expect_code(1);
    let t = gnu_patch(
        &dir.join("gnu"),
        &["-p1", "--no-backup-if-mismatch"],
        &patch,
    )
    .expect_code(1);
    assert_eq!(o.stdout_str(), t.stdout_str());
    // Same tree, rejects included (GNU's .rej repeats its own header with timestamps; ours
    // has none here either since the input had none).
    assert_same_tree(dir.join("ours"), dir.join("gnu"), Compare::contents());
}

#[test]
fn crlf_file_keeps_crlf_under_an_lf_patch() {
    let dir = scratch();
    Tree::new().file("f", "a\r\nb\r\nc\r\n").build(dir.path());
    apply(
        dir.path(),
        &["-p1"],
        b"--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+new\n c\n",
    )
    .expect_code(0);
    assert_eq!(
        std::fs::read(dir.join("f")).unwrap(),
        b"a\r\nB\r\nnew\r\nc\r\n"
    );
}

#[test]
fn notices_are_warned_about_and_exit_1() {
    let dir = scratch();
    Tree::new().file("f", "a\n").build(dir.path());
    let p = b"Only in b: lost-file\nBinary files a/x and b/x differ\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
    let out = apply(dir.path(), &["-p1"], p).expect_code(1);
    let err = out.stderr_text();
    assert!(
        err.contains("Only in b: lost-file") && err.contains("Binary files a/x and b/x differ"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(dir.join("f")).unwrap(),
        b"b\n",
        "the rest is applied"
    );
}

#[test]
fn empty_directory_lines_create_and_remove_directories() {
    let dir = scratch();
    Tree::new()
        .dir("old/inner")
        .file("keep", "k\n")
        .build(dir.path());
    let p = b"# treediff: mkdir b/new/deep 700\n# treediff: rmdir a/old/inner\n# treediff: rmdir a/old\n";
    apply(dir.path(), &["-p1"], p).expect_code(0);
    assert_tree_matches(
        dir.path(),
        &Tree::new().dir_mode("new/deep", 0o700).file("keep", "k\n"),
        Compare::default(),
    );
}

#[test]
fn already_applied_patch_forward_and_idempotent() {
    let dir = scratch();
    Tree::new().file("f", "a\nB\nc\n").build(dir.path());
    let p = b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n";
    let before = Listing::read(dir.path());
    let out = apply(dir.path(), &["-p1", "-N"], p).expect_code(1);
    assert!(
        out.stdout_str()
            .contains("Reversed (or previously applied) patch detected!  Skipping patch."),
        "{out}"
    );
    unchanged(&before);
    apply(dir.path(), &["-p1", "--idempotent"], p).expect_code(0);
    unchanged(&before);
    // -t is GNU's trap: it un-applies.
    apply(dir.path(), &["-p1", "-t"], p).expect_code(0);
    assert_eq!(std::fs::read(dir.join("f")).unwrap(), b"a\nb\nc\n");
}

#[test]
fn binary_patch_refused_when_preimage_hash_differs() {
    let dir = scratch();
    Tree::new()
        .file("x", b"x\0y".as_slice())
        .build(dir.join("a"));
    Tree::new()
        .file("x", b"x\0yz".as_slice())
        .build(dir.join("b"));
    let patch = git()
        .args(["diff", "--no-index", "--binary", "a", "b"])
        .cwd(dir.path())
        .run();
    Tree::new()
        .file("x", b"x\0Q".as_slice())
        .build(dir.join("t"));
    let before = Listing::read(dir.join("t"));
    let out = apply(&dir.join("t"), &["-p2"], &patch.stdout).expect_code(1);
    assert!(
        out.stdout_str()
            .contains("not the one the patch was made from"),
        "{out}"
    );
    unchanged(&before);
    Tree::new()
        .file("x", b"x\0y".as_slice())
        .build(dir.join("u"));
    apply(&dir.join("u"), &["-p2"], &patch.stdout).expect_code(0);
    assert_eq!(std::fs::read(dir.join("u/x")).unwrap(), b"x\0yz");
}

// ---------------------------------------------------------------------------------------------
// Safety: each refused, nothing outside touched, nothing inside written.

/// A target `t` with a file, and an `outside` directory next to it holding `victim`.
fn safety_setup() -> (Scratch, Listing, Listing) {
    let dir = scratch();
    Tree::new().file("f", "a\n").build(dir.join("t"));
    Tree::new()
        .file("victim", "precious\n")
        .build(dir.join("outside"));
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("t/lnk")).unwrap();
    let t = Listing::read(dir.join("t"));
    let o = Listing::read(dir.join("outside"));
    (dir, t, o)
}

fn refused(patch: &[u8], args: &[&str], code: i32, says: &str) {
    let (dir, t, o) = safety_setup();
    let out = apply(&dir.join("t"), args, patch).expect_code(code);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        out.stderr_text()
    );
    assert!(all.contains(says), "expected {says:?}\n{out}");
    unchanged(&t);
    unchanged(&o);
}

const NEW_VICTIM: &[u8] = b"@@ -0,0 +1 @@\n+pwned\n";

#[test]
fn refuses_absolute_paths() {
    let p = [&b"--- /dev/null\n+++ /tmp/abs-victim\n"[..], NEW_VICTIM].concat();
    refused(&p, &["-p0"], 2, "absolute file name");
}

#[test]
fn refuses_dotdot_paths_also_in_rename_to() {
    let p = [
        &b"--- /dev/null\n+++ b/../outside/victim2\n"[..],
        NEW_VICTIM,
    ]
    .concat();
    refused(&p, &["-p1"], 2, "'..'");
    let r = b"diff --git a/f b/../outside/f\nsimilarity index 100%\nrename from f\nrename to ../outside/f\n";
    refused(r, &["-p1"], 2, "'..'");
    let c = b"diff --git a/f b/x\nsimilarity index 100%\ncopy from f\ncopy to ../outside/x\n";
    refused(c, &[], 2, "'..'");
}

#[test]
fn refuses_paths_through_a_symlink() {
    let p = [&b"--- /dev/null\n+++ b/lnk/victim3\n"[..], NEW_VICTIM].concat();
    refused(&p, &["-p1"], 2, "beyond a symbolic link");
    let m = b"--- a/lnk/victim\n+++ b/lnk/victim\n@@ -1 +1 @@\n-precious\n+pwned\n";
    refused(m, &["-p1"], 2, "beyond a symbolic link");
}

#[test]
fn refuses_paths_through_a_symlink_the_same_patch_creates() {
    let p = b"diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+../outside\n\\ No newline at end of file\n\
diff --git a/evil/victim4 b/evil/victim4\nnew file mode 100644\n--- /dev/null\n+++ b/evil/victim4\n@@ -0,0 +1 @@\n+pwned\n";
    refused(p, &["-p1"], 2, "beyond a symbolic link");
}

#[test]
fn refuses_to_patch_a_symlink_as_a_file() {
    let dir = scratch();
    Tree::new().symlink("f", "/etc/hostname").build(dir.path());
    let before = Listing::read(dir.path());
    let out = apply(
        dir.path(),
        &["-p1"],
        b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
    )
    .expect_code(1);
    assert!(out.stdout_str().contains("is a symbolic link"), "{out}");
    unchanged(&before);
}

#[test]
fn never_writes_a_reject_file_through_a_symlink() {
    let (dir, _, o) = safety_setup();
    std::os::unix::fs::symlink(dir.join("outside/victim"), dir.join("t/f.rej")).unwrap();
    let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-zzz\n+b\n";
    let out = apply(&dir.join("t"), &["-p1", "--reject"], p).expect_code(1);
    assert!(
        out.stdout_str().contains("not writing reject file"),
        "{out}"
    );
    unchanged(&o);
    assert!(
        std::fs::symlink_metadata(dir.join("t/f.rej"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn refuses_nul_names_and_applies_quoted_newline_names() {
    let p = [&b"--- /dev/null\n+++ b/nul\0byte\n"[..], NEW_VICTIM].concat();
    refused(&p, &["-p1"], 2, "NUL");
    let p = [&b"--- /dev/null\n+++ \"b/nul\\000byte\"\n"[..], NEW_VICTIM].concat();
    refused(&p, &["-p1"], 2, "NUL");
    // A newline arrives C-quoted (as git and GNU diff write it) and is an ordinary byte.
    let dir = scratch();
    Tree::new()
        .file("d/old\nname", "one\ntwo\n")
        .build(dir.path());
    let p = b"--- /dev/null\n+++ \"b/new\\nline\"\n@@ -0,0 +1 @@\n+made\n\
--- \"a/d/old\\nname\"\n+++ \"b/d/old\\nname\"\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n";
    let out = apply(dir.path(), &["-p1"], p).expect_code(0);
    assert!(
        out.stdout_str().contains("patching file 'new\\012line'"),
        "{out}"
    );
    assert_tree_matches(
        dir.path(),
        &Tree::new()
            .file("new\nline", "made\n")
            .file("d/old\nname", "one\nTWO\n"),
        Compare::default(),
    );
}

#[test]
fn refuses_absurd_hunk_numbers_and_truncated_patches() {
    let p = b"--- a/f\n+++ b/f\n@@ -1,99999999999999999999999 +1 @@\n-a\n+b\n";
    refused(p, &["-p1"], 2, "patch line 3: number out of range");
    let p = b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n-a\n+b\n";
    refused(p, &["-p1"], 2, "patch ends inside the hunk");
    let p = b"*** a/f\n--- b/f\n***************\n";
    refused(p, &["-p1"], 2, "patch line 3: patch ends inside the hunk");
    let p = b"1c\nhello\n.\n1,$s/a/b/\n";
    refused(p, &["-p1"], 2, "patch line 4: ed command refused");
}

#[test]
fn writes_no_temporary_files_and_stamps_now() {
    let dir = scratch();
    Tree::new()
        .file("d/f", "a\n")
        .mtime("d/f", 1_000_000_000 * NS)
        .build(dir.path());
    apply(
        dir.path(),
        &["-p1"],
        b"--- a/d/f\n+++ b/d/f\n@@ -1 +1 @@\n-a\n+b\n",
    )
    .expect_code(0);
    let names: Vec<_> = std::fs::read_dir(dir.join("d"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("f")]);
    let m = std::fs::metadata(dir.join("d/f"))
        .unwrap()
        .modified()
        .unwrap();
    assert!(m.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() > 1_600_000_000);
}

#[test]
fn deletion_removes_emptied_parent_directories() {
    let dir = scratch();
    Tree::new()
        .file("a/b/f", "x\n")
        .file("keep", "k\n")
        .build(dir.path());
    let p = b"diff --git a/a/b/f b/a/b/f\ndeleted file mode 100644\n--- a/a/b/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
    apply(dir.path(), &[], p).expect_code(0);
    assert_tree_matches(
        dir.path(),
        &Tree::new().file("keep", "k\n"),
        Compare::default(),
    );
}

/// The round trip the checkpoint build relies on: `treediff A B | applypatch -d COPY_OF_A`.
#[test]
fn treediff_round_trip_on_the_edge_case_pair() {
    // The full pair: names with a newline included (C-quoted in the patch).
    let (old, new) = edge_case_pair();
    round_trip(&old, &new);
}

/// `treediff -urN a b | applypatch -p1 -d w` with `w` a copy of `old` gives `new` exactly.
fn round_trip(old: &Tree, new: &Tree) {
    round_trip_via(old, new, |apply| apply);
}

/// [`round_trip`], with the applypatch command changed by `how` (wrapped, more flags); no
/// temporary is left behind.
fn round_trip_via(old: &Tree, new: &Tree, how: impl FnOnce(Run) -> Run) {
    let dir = scratch();
    old.build(dir.join("a"));
    new.build(dir.join("b"));
    old.build(dir.join("w"));
    let patch = tool("treediff")
        .args(["-urN", "a", "b"])
        .cwd(dir.path())
        .run();
    assert_eq!(patch.code(), Some(1), "{patch}");
    how(tool("applypatch")
        .args(["-p1", "-d"])
        .arg(dir.join("w"))
        .stdin(patch.stdout.clone()))
    .expect_code(0);
    assert_same_tree(dir.join("w"), dir.join("b"), Compare::default());
    assert!(hidden_temporaries(&dir.join("w")).is_empty());
}

/// A file or a symlink replaced by a directory with a subdirectory: the new files are
/// staged above the path being replaced, which cannot be looked into before the commit.
#[test]
fn round_trip_replaces_a_file_and_a_symlink_by_nested_directories() {
    round_trip(
        &Tree::new().file("l", "x\n").symlink("m", "elsewhere"),
        &Tree::new()
            .file("l/sub/f", "f\n")
            .file("m/sub/deeper/g", "g\n"),
    );
}

/// A directory whose files are all deleted but that stays (empty) in the new tree: patch
/// tools remove directories their deletions empty, so treediff says it stays.
#[test]
fn round_trip_keeps_a_directory_emptied_by_deletions() {
    round_trip(
        &Tree::new()
            .file("d/f", "f\n")
            .file("d/sub/g", "g\n")
            .file("k", "k\n"),
        &Tree::new().dir("d").file("k", "k\n"),
    );
}

/// A path longer than the kernel's PATH_MAX is refused as `patch` refuses it (exit 2,
/// nothing written), although each of its directories could be opened from the one above.
#[test]
fn refuses_paths_longer_than_path_max() {
    let deep = format!("{}/", "a".repeat(250)).repeat(20) + "f";
    let p = format!("--- /dev/null\n+++ b/{deep}\n@@ -0,0 +1 @@\n+x\n");
    let dir = scratch();
    Tree::new().file("keep", "k\n").build(dir.path());
    let before = Listing::read(dir.path());
    let out = apply(dir.path(), &["-p1"], p.as_bytes()).expect_code(2);
    assert!(out.stderr_text().contains("too long"), "{out}");
    unchanged(&before);
}

/// Few file descriptors (`ulimit -n 32`) and a patch touching 120 directories: the
/// directory cache stays within the limit.
#[test]
fn applies_within_a_low_descriptor_limit() {
    let mut old = Tree::new();
    let mut new = Tree::new();
    for i in 0..120 {
        old = old.file(format!("d{i:03}/f"), "old\n");
        new = new.file(format!("d{i:03}/f"), "new\n");
    }
    round_trip_via(&old, &new, |apply| {
        apply.wrap("sh", ["-c", "ulimit -n 32 && exec \"$@\"", "sh"])
    });
}

// ---------------------------------------------------------------------------------------------
// Hardening (issue 8): memory, interrupted runs, full disks, read-only targets.

const MIB: u64 = 1024 * 1024;

/// The tree is as before in everything a reader sees (kinds, contents, modes, file mtimes,
/// inodes); only directory times may move (a temporary was created and removed in them).
fn unchanged_but_dir_times(before: &Listing) {
    let after = Listing::read(&before.dir);
    assert_same_listing(
        before,
        &after,
        Compare {
            atimes: false,
            dir_mtimes: false,
            ctimes: false,
            ..Compare::identical()
        },
    );
}

/// Names in `dir` (recursively) that are not in `expected`: leftovers such as temporaries.
fn hidden_temporaries(dir: &Path) -> Vec<Vec<u8>> {
    Listing::read(dir)
        .paths()
        .into_iter()
        .filter(|p| {
            let name = p.rsplit(|&b| b == b'/').next().unwrap_or(p);
            name.starts_with(b".") && name.ends_with(b".tmp~")
        })
        .map(<[u8]>::to_vec)
        .collect()
}

/// Content of a new file in the 100k-file patch: 24 lines of 64 bytes.
fn block_of_lines(i: usize) -> String {
    (0..24)
        .map(|l| format!("file {i:>7} line {l:>2} of a generated tree, with some padding..\n"))
        .collect()
}

/// 100,000 new files in 300 directories (about 150 MiB of new content): applied exactly, and
/// the peak RSS stays far below what holding the patch or the new contents would take.
#[test]
fn a_patch_of_100k_files_applies_with_memory_bounded() {
    const FILES: usize = 100_000;
    let t = scratch();
    let patch_path = t.join("p");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&patch_path).unwrap());
        for i in 0..FILES {
            let name = format!("d{:03}/f{i:06}", i % 300);
            let body = block_of_lines(i);
            write!(
                w,
                "diff --git a/{name} b/{name}\nnew file mode 100644\n--- /dev/null\n+++ b/{name}\n@@ -0,0 +1,24 @@\n"
            )
            .unwrap();
            for l in body.lines() {
                writeln!(w, "+{l}").unwrap();
            }
        }
        w.flush().unwrap();
    }
    let size = std::fs::metadata(&patch_path).unwrap().len();
    assert!(
        size > 150 * MIB,
        "the patch should be larger than the bound"
    );
    std::fs::create_dir(t.join("w")).unwrap();
    let (out, rss) = with_peak_rss(
        tool("applypatch")
            .args(["-p1", "-s", "-i"])
            .arg(&patch_path)
            .cwd(t.join("w"))
            .timeout(std::time::Duration::from_secs(600)),
        t.path(),
    );
    out.expect_code(0);
    eprintln!(
        "applypatch, 100k new files ({} MiB patch): peak RSS {} MiB",
        size / MIB,
        rss / MIB
    );
    assert!(
        rss < 200 * MIB,
        "peak RSS {} MiB is over 200 MiB",
        rss / MIB
    );
    let mut count = 0;
    for d in std::fs::read_dir(t.join("w")).unwrap() {
        count += std::fs::read_dir(d.unwrap().path()).unwrap().count();
    }
    assert_eq!(count, FILES, "every file created, nothing else left");
    for i in [0, 1, 299, 300, 54_321, FILES - 1] {
        let p = t.join(format!("w/d{:03}/f{i:06}", i % 300));
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            block_of_lines(i),
            "{}",
            p.display()
        );
    }
}

/// An OLD/NEW pair of about 3000 files in 30 directories: 2400 edited, 300 added, 300 deleted.
fn three_thousand_files() -> (Tree, Tree) {
    let (mut old, mut new) = (Tree::new(), Tree::new());
    for i in 0..3000 {
        let name = format!("d{:02}/f{i:04}.txt", i % 30);
        let body = |tag: &str| format!("header {i}\n{tag}\nline a\nline b\nline c\n");
        match i % 10 {
            0 => new = new.file(&name, body("added")),
            1 => old = old.file(&name, body("deleted")),
            _ => {
                old = old.file(&name, body("old"));
                new = new.file(&name, body("NEW"));
            }
        }
    }
    (old, new)
}

/// SIGKILL at many points while applying a patch of 3000 files: every file has its old or its
/// new content (or is absent where one side has no file), no temporary sits under a final
/// name, and running the same patch again with --idempotent gives NEW exactly.
#[test]
fn killed_runs_leave_old_or_new_content_and_rerun_converges() {
    let (old, new) = three_thousand_files();
    let t = scratch();
    old.build(t.join("a"));
    new.build(t.join("b"));
    let patch = cmd("diff").args(["-ruN", "a", "b"]).cwd(t.path()).run();
    assert_eq!(patch.code(), Some(1), "{patch}");
    std::fs::write(t.join("p"), &patch.stdout).unwrap();
    let (a, b) = (Listing::read(t.join("a")), Listing::read(t.join("b")));
    // How long a whole run takes here, to spread the kill points over it.
    let mut whole = std::time::Duration::MAX;
    for run in ["timing1", "timing2"] {
        old.build(t.join(run));
        let start = std::time::Instant::now();
        apply(&t.join(run), &["-p1", "-s"], &patch.stdout).expect_code(0);
        whole = whole.min(start.elapsed());
        assert_same_tree(t.join(run), t.join("b"), Compare::default());
    }
    eprintln!("a whole run takes {whole:?}");

    let spawn = |dir: &Path| {
        std::process::Command::new(bin("applypatch"))
            .args(["-p1", "-s", "-i"])
            .arg(t.join("p"))
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut killed, mut mixed) = (0, 0);
    // Fractions of a whole run; the last point waits for the commit to start (the first
    // deleted file is gone) and kills at once.
    let points = [0.0, 0.2, 0.4, 0.6, 0.8, 0.95, -1.0];
    for (k, f) in points.into_iter().enumerate() {
        let w = t.join(format!("w{k}"));
        old.build(&w);
        let mut child = spawn(&w);
        let t0 = std::time::Instant::now();
        if f >= 0.0 {
            std::thread::sleep(whole.mul_f64(f));
        } else {
            let first_deleted = w.join("d01/f0001.txt");
            let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while first_deleted.exists()
                && std::time::Instant::now() < until
                && child.try_wait().ok().flatten().is_none()
            {
                std::hint::spin_loop();
            }
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        eprintln!("point {k}: {:?} after start, {status}", t0.elapsed());
        if !status.success() {
            killed += 1;
        }
        // Every path: old content, new content, or absent where a side has nothing.
        let now = Listing::read(&w);
        let temps = hidden_temporaries(&w);
        for p in now.paths() {
            if temps.iter().any(|t| t == p) {
                continue;
            }
            let e = now.get(p).unwrap();
            if e.kind == Kind::Dir {
                continue;
            }
            let same = |l: &Listing| {
                l.get(p)
                    .is_some_and(|x| x.kind == e.kind && x.content == e.content)
            };
            assert!(
                same(&a) || same(&b),
                "point {k}: {} is neither old nor new",
                show(p)
            );
        }
        for p in a.paths().into_iter().chain(b.paths()) {
            assert!(
                now.get(p).is_some() || a.get(p).is_none() || b.get(p).is_none(),
                "point {k}: {} vanished",
                show(p)
            );
        }
        let changed = a.paths().iter().filter(|p| now.get(p).is_none()).count()
            + b.paths()
                .iter()
                .filter(|p| a.get(p).is_none() && now.get(p).is_some())
                .count();
        if changed > 0
            && !now
                .paths()
                .iter()
                .all(|p| b.get(p).is_some() || temps.iter().any(|t| t == p))
        {
            mixed += 1;
        }
        // Converges: the same patch again, already-applied parts skipped.
        tool("applypatch")
            .args(["-p1", "-s", "--idempotent", "-i"])
            .arg(t.join("p"))
            .cwd(&w)
            .expect_code(0);
        let after = Listing::read(&w).without(|e| {
            let name = e.path.rsplit(|&b| b == b'/').next().unwrap_or(&e.path);
            name.starts_with(b".") && name.ends_with(b".tmp~")
        });
        assert_same_listing(&after, &b, Compare::default());
    }
    eprintln!(
        "{killed} of {} runs killed before the end, {mixed} half-committed",
        points.len()
    );
    assert!(
        killed > 0,
        "no run was killed before it finished; make the tree larger"
    );
}

#[test]
fn full_disk_fails_naming_the_file_and_changes_nothing() {
    let t = scratch();
    let Some(_fs) = SmallFs::mount(&t.join("small"), "1m") else {
        return;
    };
    let w = t.join("small/w");
    Tree::new()
        .file("a.txt", "a\n")
        .file("sub/b.txt", "b\n")
        .build(&w);
    let before = Listing::read(&w);
    // Edit a.txt (fits), then create sub/big.txt of 2 MiB (does not).
    let mut p = b"--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+A\n--- /dev/null\n+++ b/sub/big.txt\n@@ -0,0 +1,32768 @@\n".to_vec();
    for i in 0..32768 {
        p.extend_from_slice(format!("+{i:>62}\n").as_bytes());
    }
    let out = apply(&w, &["-p1"], &p).expect_code(2);
    let err = out.stderr_text();
    assert!(
        err.contains("No space left on device") && err.contains("sub/big.txt"),
        "{out}"
    );
    unchanged_but_dir_times(&before);
    assert!(hidden_temporaries(&w).is_empty(), "temporaries left behind");
}

#[test]
fn read_only_targets_fail_clearly_or_behave_like_gnu_patch() {
    // A read-only file is patched as GNU patch does it: replaced, mode kept.
    let t = scratch();
    for who in ["ours", "gnu"] {
        Tree::new()
            .file_mode("f", "one\n", 0o444)
            .build(t.join(who));
    }
    let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-one\n+ONE\n";
    apply(&t.join("ours"), &["-p1"], p).expect_code(0);
    gnu_patch(&t.join("gnu"), &["-p1"], p).expect_code(0);
    assert_same_tree(t.join("ours"), t.join("gnu"), Compare::default());
    assert_tree_matches(
        t.join("ours"),
        &Tree::new().file_mode("f", "ONE\n", 0o444),
        Compare::default(),
    );
    // A directory that cannot be written (a read-only mount, which binds root too): exit 2,
    // the path named, nothing changed, for an edit and for a deletion alone.
    let Some(fs) = SmallFs::mount(&t.join("ro"), "1m") else {
        return;
    };
    let w = t.join("ro/w");
    Tree::new()
        .file("f", "one\n")
        .file("d/g", "gone\n")
        .build(&w);
    fs.remount_ro();
    let before = Listing::read(&w);
    let out = apply(&w, &["-p1"], p).expect_code(2);
    assert!(
        out.stderr_text().contains("Read-only file system") && out.stderr_text().contains("./f"),
        "{out}"
    );
    unchanged(&before);
    let del = b"--- a/d/g\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n";
    let out = apply(&w, &["-p1"], del).expect_code(2);
    assert!(
        out.stderr_text().contains("Read-only file system") && out.stderr_text().contains("./d"),
        "{out}"
    );
    unchanged(&before);
}

#[test]
fn a_reader_leaving_early_does_not_stop_the_run() {
    // `applypatch ... | head -1`: the messages' reader goes away after one line; the patch
    // must still be applied whole, quietly, with exit 0.
    let t = scratch();
    let mut old = Tree::new();
    let mut new = Tree::new();
    for i in 0..3000 {
        old = old.file(format!("d{}/f{i}", i % 10), "old\n");
        new = new.file(format!("d{}/f{i}", i % 10), "new\n");
    }
    old.build(t.join("a"));
    new.build(t.join("b"));
    let patch = tool("treediff")
        .args(["a", "b"])
        .cwd(t.path())
        .expect_code(1)
        .stdout;
    std::fs::write(t.join("p"), patch).unwrap();
    let script = format!(
        "'{}' -p1 -d a -i p | head -1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        bin("applypatch").display()
    );
    let out = cmd("bash")
        .arg("-c")
        .arg(script)
        .cwd(t.path())
        .success()
        .expect_quiet();
    assert_eq!(out.stdout_str().trim(), "0");
    assert_same_tree(t.join("a"), t.join("b"), Compare::default());
}

/// All or nothing: when one file fails, nothing is written, so no file is said to be patched
/// (`checking file`, as GNU words a dry run); when everything applies, GNU's `patching file`.
#[test]
fn all_or_nothing_says_checking_when_nothing_was_written() {
    let dir = scratch();
    Tree::new()
        .file("x", "a\nb\nc\n")
        .file("y", "one\n")
        .build(dir.path());
    let good = "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n";
    let bad = "--- a/y\n+++ b/y\n@@ -1 +1 @@\n-zzz\n+two\n";
    let before = Listing::read(dir.path());
    let out = apply(dir.path(), &["-p1"], format!("{good}{bad}").as_bytes()).expect_code(1);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("checking file x\nchecking file y\n"),
        "{out}"
    );
    assert!(!text.contains("patching"), "{out}");
    unchanged(&before);
    let out = apply(dir.path(), &["-p1"], good.as_bytes()).expect_code(0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "patching file x\n");
}

/// `-s` silences `--idempotent`'s notes about what was already applied, as it silences
/// `patching file`: a big already-applied patch prints nothing.
#[test]
fn quiet_silences_idempotent_notes() {
    let dir = scratch();
    Tree::new()
        .file("f", "a\nB\nc\n")
        .file("new", "n\n")
        .build(dir.path());
    let p = b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+n\n";
    let out = apply(dir.path(), &["-p1", "-s", "--idempotent"], p).expect_code(0);
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out}");
    let out = apply(dir.path(), &["-p1", "--idempotent"], p).expect_code(0);
    assert!(!out.stdout.is_empty(), "{out}");
}

/// A dry run checks directories as it checks files; it does not say it creates them.
#[test]
fn dry_run_checks_directories_without_claiming_to_create_them() {
    let dir = scratch();
    Tree::new().dir("old").build(dir.path());
    let p = b"# treediff: mkdir b/new 755\n# treediff: rmdir a/old\n";
    let before = Listing::read(dir.path());
    let out = apply(dir.path(), &["-p1", "--dry-run"], p).expect_code(0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("checking directory new\n"), "{out}");
    assert!(text.contains("checking directory old\n"), "{out}");
    assert!(
        !text.contains("creating") && !text.contains("removing"),
        "{out}"
    );
    unchanged(&before);
}

/// 50,000 new one-line files say more than a MiB of `patching file` lines, which an
/// all-or-nothing run holds back (in a temporary file past a MiB) until it knows whether it
/// writes: told as GNU patch tells them when everything applies; when a last section fails,
/// nothing is written and the lines read as GNU patch's `--dry-run` of the new files.
#[test]
fn more_than_a_mib_of_messages_is_told_as_gnu_tells_it() {
    let t = scratch();
    let mut good = Vec::new();
    for i in 0..50_000 {
        write!(
            good,
            "--- /dev/null\n+++ b/d{:02}/f{i:05}\n@@ -0,0 +1 @@\n+{i}\n",
            i % 50
        )
        .unwrap();
    }
    let dirs: Vec<_> = ["g", "dry", "w", "r"].iter().map(|d| t.join(d)).collect();
    for d in &dirs {
        std::fs::create_dir(d).unwrap();
    }
    let gnu = gnu_patch(&dirs[0], &["-p1"], &good);
    let dry = gnu_patch(&dirs[1], &["-p1", "--dry-run"], &good);
    let ours = apply(&dirs[2], &["-p1"], &good);
    assert_eq!(ours.code(), gnu.code(), "ours: {ours}\nGNU: {gnu}");
    assert!(
        gnu.stdout.len() > MIB as usize,
        "{} bytes",
        gnu.stdout.len()
    );
    assert!(
        ours.stdout == gnu.stdout,
        "the messages differ from GNU patch's"
    );
    assert_same_tree(&dirs[2], &dirs[0], Compare::contents());

    let mut bad = good.clone();
    bad.extend_from_slice(b"--- a/keep\n+++ b/keep\n@@ -1 +1 @@\n-not k\n+x\n");
    std::fs::write(dirs[3].join("keep"), "k\n").unwrap();
    let refused = apply(&dirs[3], &["-p1"], &bad);
    assert_eq!(refused.code(), Some(1), "{refused}");
    let left = std::fs::read_dir(&dirs[3]).unwrap().count();
    assert_eq!(left, 1, "something was written");
    assert!(
        refused.stdout.starts_with(&dry.stdout),
        "not GNU's dry-run lines: {}",
        String::from_utf8_lossy(&refused.stdout[..200.min(refused.stdout.len())])
    );
}
