//! Where the two halves of issue 14 meet: the formats applypatch reads (context and normal
//! diffs, ed scripts, git renames) under the name `patch`, side by side with GNU patch 2.7.6
//! through the parent module's [`Case`]. GNU's words depend on the format (`--verbose` names
//! it, a context hunk starts at its `***************` line, a normal diff or an ed script gets
//! no hint about `-p`, each format ends where its own lines end), and so do its decisions (a
//! missing file is created from a unified or context hunk that adds to an empty file, not from
//! a normal diff's `0a1`).

use super::*;

/// A context diff of `x` (the last line loses its newline), `y` and `z`, as `diff -rc a b`
/// writes it.
const CONTEXT: &str = "diff -rc a/x b/x\n\
*** a/x\t2026-01-02 03:04:05.000000000 +0000\n\
--- b/x\t2026-01-02 03:04:06.000000000 +0000\n\
***************\n\
*** 1,7 ****\n  1\n! 2\n  3\n  4\n  5\n! 6\n  7\n\
--- 1,8 ----\n  1\n! TWO\n  3\n  4\n  5\n! SIX\n  7\n+ no-nl\n\
\\ No newline at end of file\n\
diff -rc a/y b/y\n\
*** a/y\t2026-01-02 03:04:05.000000000 +0000\n\
--- b/y\t2026-01-02 03:04:06.000000000 +0000\n\
***************\n\
*** 1,2 ****\n  p\n! q\n--- 1,2 ----\n  p\n! Q\n\
diff -rc a/z b/z\n\
*** a/z\t2026-01-02 03:04:05.000000000 +0000\n\
--- b/z\t2026-01-02 03:04:06.000000000 +0000\n\
***************\n\
*** 1 ****\n--- 1,2 ----\n  k\n+ l\n";

/// The same change as normal diffs, each named by an `Index:` line.
const NORMAL: &str = "Index: x\n2c2\n< 2\n---\n> TWO\n6,7c6,8\n< 6\n< 7\n---\n> SIX\n> 7\n> no-nl\n\
\\ No newline at end of file\nIndex: y\n2c2\n< q\n---\n> Q\nIndex: z\n1a2\n> l\n";

/// The same change as ed scripts.
const ED: &str =
    "Index: x\n7a\nno-nl\n.\n6c\nSIX\n.\n2c\nTWO\n.\nIndex: y\n2c\nQ\n.\nIndex: z\n1a\nl\n.\n";

/// Targets for the three-file patches: all there, each one missing, and one where `y`'s
/// hunk fails.
fn targets() -> Vec<Tree> {
    let (x, y, z) = ("1\n2\n3\n4\n5\n6\n7\n", "p\nq\n", "k\n");
    vec![
        Tree::new().file("x", x).file("y", y).file("z", z),
        Tree::new().file("y", y).file("z", z),
        Tree::new().file("x", x).file("z", z),
        Tree::new().file("x", x).file("y", y),
        Tree::new().file("x", x).file("y", "p\nZ\n").file("z", z),
    ]
}

#[test]
fn context_normal_and_ed_patches_are_worded_as_gnu_words_them() {
    for patch in [CONTEXT, NORMAL, ED] {
        for tree in targets() {
            for args in [
                &[][..],
                &["--verbose"],
                &["-p1"],
                &["-p1", "--verbose"],
                &["-s"],
            ] {
                Case::new(tree.clone(), args).stdin(patch).same();
            }
        }
    }
}

#[test]
fn a_missing_file_is_created_from_a_hunk_adding_to_an_empty_one_unless_a_normal_diff() {
    let unified = "--- f\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n";
    let context = "*** f\n--- f\n***************\n*** 0 ****\n--- 1,2 ----\n+ a\n+ b\n";
    let normal = "Index: f\n0a1,2\n> a\n> b\n";
    let after_three = "--- f\n+++ f\n@@ -3,0 +4 @@\n+a\n";
    for patch in [unified, context, normal, after_three] {
        for args in [&[][..], &["--verbose"], &["-p1", "--verbose"]] {
            Case::new(Tree::new(), args).stdin(patch).same();
        }
    }
}

#[test]
fn renames_that_swap_two_names_apply_as_gnu_applies_them() {
    let swap = "diff --git a/g b/f\nsimilarity index 100%\nrename from g\nrename to f\n\
diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n";
    let tree = Tree::new().file("f", "F\n").file("g", "G\n");
    Case::new(tree, &["-p1"]).stdin(swap).same();
}

#[test]
fn a_nameless_normal_diff_or_ed_script_is_garbage_unless_origfile_names_it() {
    let tree = Tree::new().file("f", "a\nb\n");
    let unified = "--- f\n+++ f\n@@ -1 +1 @@\n-a\n+A\n";
    let (normal, ed) = ("2c2\n< b\n---\n> c\n", "2c\nc\n.\n");
    for script in [normal, ed] {
        for (patch, args) in [
            (script.to_string(), &[][..]),
            (script.to_string(), &["f"]),
            (format!("{script}{unified}"), &[]),
            (format!("{unified}{script}"), &[]),
            (format!("Index: f\n{script}"), &["-p1"]),
        ] {
            Case::new(tree.clone(), args).stdin(patch).same();
        }
    }
}

#[test]
fn a_normal_diffs_rejects_are_written_as_gnu_writes_them() {
    let patch = "Some text\ndiff -r a/f b/f\nIndex: f\n2,3c2,4\n< two\n< three\n---\n> 2b\n> 3b\n> 3c\n\
5d4\n< fivex\n7a9,10\n> new1\n> new2\nmore text\nIndex: g\n1c1\n< x\n---\n> y\n";
    let tree = Tree::new()
        .file("f", "1\n2\n3\n4\n5\n6\n7\n8\n9\n")
        .file("g", "a\nb\n");
    for args in [
        &[][..],
        &["--reject-format=unified"],
        &["--reject-format=context"],
        &["-R"],
    ] {
        Case::new(tree.clone(), args).stdin(patch).same();
    }
    // Without an `Index:` line, named by ORIGFILE.
    for args in [&["f"][..], &["-R", "f"], &["--reject-format=unified", "f"]] {
        Case::new(tree.clone(), args)
            .stdin("2c2\n< two\n---\n> 2b\n")
            .same();
    }
}

#[test]
fn an_ed_script_that_does_not_fit_fails_in_gnus_words() {
    let tree = Tree::new().file("f", "a\nb\nc\n");
    for script in ["Index: f\n20d\n", "Index: f\n5a\nx\n.\n"] {
        Case::new(tree.clone(), &[]).stdin(script).same();
    }
}

#[test]
fn modes_and_submodules_are_decided_as_gnu_decides_them() {
    let odd_type =
        "diff --git a/n b/n\nnew file mode 140755\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n";
    Case::new(Tree::new(), &["-p1"]).stdin(odd_type).same();
    let submodule = "diff --git a/sub b/sub\nindex 1111111..2222222 160000\n--- a/sub\n+++ b/sub\n\
@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n\
+Subproject commit 2222222222222222222222222222222222222222\n\
diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+A\n";
    let commit = "Subproject commit 1111111111111111111111111111111111111111\n";
    for tree in [
        Tree::new().dir("sub").file("f", "a\n"),
        Tree::new().file("sub", commit).file("f", "a\n"),
        Tree::new().file("f", "a\n"),
    ] {
        for args in [&["-p1"][..], &["-p1", "--verbose"]] {
            Case::new(tree.clone(), args).stdin(submodule).same();
        }
    }
}

/// A git rename onto a file already there (GNU replaces it, and with `-b` backs up both
/// names), a rename whose hunk fails (GNU renames all the same and rejects the hunk), and the
/// reverse with both names there (GNU patches the destination in place).
#[test]
fn renames_onto_existing_or_failing_renames_apply_as_gnu_applies_them() {
    let clean = "diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n";
    let edit = "diff --git a/f b/g\nsimilarity index 80%\nrename from f\nrename to g\n\
--- a/f\n+++ b/g\n@@ -1,3 +1,3 @@\n 1\n-2\n+TWO\n 3\n";
    let fits = Tree::new().file("f", "1\n2\n3\n").file("g", "G\n");
    let fails = Tree::new().file("f", "1\nX\n3\n").file("g", "G\n");
    let alone = Tree::new().file("f", "1\nX\n3\n");
    for tree in [&fits, &fails, &alone] {
        for patch in [clean, edit] {
            for args in [
                &["-p1"][..],
                &["-p1", "-b"],
                &["-p1", "-R"],
                &["-p1", "-R", "-b"],
            ] {
                Case::new(tree.clone(), args).stdin(patch).same();
            }
        }
    }
}

/// A patch found reversed (or, under `-R`, unreversed) and skipped leaves no backup, even with
/// `-b`.
#[test]
fn a_skipped_reversed_patch_leaves_no_backup() {
    let patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n 1\n-2\n+TWO\n 3\n";
    for (content, args) in [
        ("1\nTWO\n3\n", &["-p1", "-b"][..]),
        ("1\nTWO\n3\n", &["-p1", "-b", "-t"]),
        ("1\n2\n3\n", &["-p1", "-R", "-b"]),
    ] {
        let tree = Tree::new().file("f", content);
        Case::new(tree, args).stdin(patch).same();
    }
}
