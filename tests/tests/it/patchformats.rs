//! applypatch reads every format GNU patch 2.7.6 reads: context diffs (`diff -c`, `-C N`,
//! `-rc`), normal diffs and ed scripts (`diff -e`, applied by our own interpreter), named by
//! an `Index:` line. Each test makes the patch with /usr/bin/diff from generated files, applies
//! it with /usr/bin/patch and with applypatch on copies of the same target, and compares the
//! resulting trees byte for byte, the exit status and what each says on stdout.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use checkpoint_tests::*;

/// Old and new contents covering the edges: empty files, no trailing newline, first and last
/// lines changed, lines that look like context/normal diff syntax, a lone `.` (ed).
fn pairs() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let seq = |n: usize| -> String { (1..=n).map(|i| format!("line {i}\n")).collect() };
    let edited = |text: &str, f: &dyn Fn(usize, &str) -> Option<String>| -> String {
        text.lines()
            .enumerate()
            .filter_map(|(i, l)| f(i + 1, l))
            .map(|l| l + "\n")
            .collect()
    };
    let base = seq(30);
    let middle = edited(&base, &|i, l| match i {
        3 => Some("three".into()),
        7 => None,
        25 => Some(format!("{l}\nadded after 25")),
        _ => Some(l.into()),
    });
    let ends = edited(&base, &|i, l| match i {
        1 => Some("first".into()),
        30 => Some("last".into()),
        _ => Some(l.into()),
    });
    let lookalikes = "*** x\n--- y\n***************\n< z\n> w\n---\n1,2c3\n.\n";
    let lookalikes2 =
        "*** x\n--- y changed\n***************\n< z\n> w changed\n---\n1,2d3\n.\n..\n";
    vec![
        ("middle", base.clone().into(), middle.into()),
        ("first-and-last", base.clone().into(), ends.into()),
        ("from-empty", Vec::new(), b"a\nb\n".to_vec()),
        ("to-empty", b"a\nb\n".to_vec(), Vec::new()),
        ("no-newline-both", b"a\nb".to_vec(), b"a\nc".to_vec()),
        ("newline-removed", b"a\nb\n".to_vec(), b"a\nb".to_vec()),
        ("newline-added", b"a\nb".to_vec(), b"a\nb\n".to_vec()),
        ("lookalikes", lookalikes.into(), lookalikes2.into()),
        ("dots", b"a\n.\nb\n".to_vec(), b".\na\n.\n.\nc\n".to_vec()),
    ]
}

/// `diff ARGS old new` in a scratch directory; the patch it writes (exit 1: they differ).
fn gnu_diff(args: &[&str], old: &[u8], new: &[u8]) -> Vec<u8> {
    let dir = scratch();
    std::fs::write(dir.join("old"), old).unwrap();
    std::fs::write(dir.join("new"), new).unwrap();
    let out = cmd("diff")
        .args(args)
        .args(["old", "new"])
        .cwd(dir.path())
        .run();
    assert_eq!(out.code(), Some(1), "{out}");
    out.stdout
}

/// GNU patch and applypatch, each with `args` and `patch` on stdin, in a copy of `target`:
/// the same files, exit status and stdout lines. Two things are left to the GNU-defaults
/// work (`patch` as a name): the order of the messages (applypatch plans deletions first),
/// and the `.orig` backups GNU makes when a hunk needed an offset, which are removed from
/// GNU's tree before comparing.
#[track_caller]
fn same_as_gnu_patch(target: &Tree, args: &[&str], patch: &[u8], what: &str) -> Output {
    require_tool("patch");
    let t = scratch();
    let (gnu, ours) = (target.build(t.join("gnu")), target.build(t.join("ours")));
    let theirs = cmd("patch")
        .args(args)
        .cwd(&gnu)
        .stdin(patch.to_vec())
        .run();
    let mine = tool("applypatch")
        .args(args)
        .cwd(&ours)
        .stdin(patch.to_vec())
        .run();
    let patch_text = String::from_utf8_lossy(patch);
    // When some hunk fails, applypatch writes nothing (all or nothing) and says so in its own
    // words; the hunk reports and the exit status are still GNU's.
    let failed = theirs.code() == Some(1);
    let lines = |o: &Output| {
        let text = String::from_utf8_lossy(&o.stdout);
        let mut l: Vec<String> = text
            .lines()
            .filter(|l| !failed || l.starts_with("Hunk #"))
            .map(str::to_string)
            .collect();
        l.sort();
        l
    };
    assert_eq!(
        (mine.code(), lines(&mine)),
        (theirs.code(), lines(&theirs)),
        "{what}\npatch:\n{patch_text}\nGNU:\n{theirs}\nours:\n{mine}"
    );
    if failed {
        return mine;
    }
    for p in Listing::read(&gnu).paths() {
        if p.ends_with(b".orig") {
            std::fs::remove_file(gnu.join(std::ffi::OsStr::from_bytes(p))).unwrap();
        }
    }
    assert_same_tree(&ours, &gnu, Compare::default());
    mine
}

/// A target holding `f` with `content`, shifted down by `shift` extra first lines.
fn target(content: &[u8], shift: usize) -> Tree {
    let mut data: Vec<u8> = (0..shift)
        .flat_map(|i| format!("extra {i}\n").into_bytes())
        .collect();
    data.extend_from_slice(content);
    Tree::new().file("f", data)
}

#[test]
fn context_diffs_apply_like_gnu_patch() {
    for (name, old, new) in pairs() {
        for fmt in [&["-c"][..], &["-C1"], &["-C2"], &["-C", "5"]] {
            let args = [fmt, &["--label", "f", "--label", "f"]].concat();
            let patch = gnu_diff(&args, &old, &new);
            for shift in [0, 2] {
                let what = format!("{name} {fmt:?} shifted by {shift}");
                same_as_gnu_patch(&target(&old, shift), &[], &patch, &what);
                same_as_gnu_patch(&target(&new, shift), &["-R"], &patch, &what);
            }
        }
    }
}

/// `diff -rcN` of two trees (files created, deleted and changed in subdirectories, with GNU's
/// timestamps, Epoch ones for the absent sides), applied with `-p1`.
#[test]
fn recursive_context_diffs_apply_like_gnu_patch() {
    let t = scratch();
    let old = Tree::new()
        .file("keep.txt", "a\nb\nc\n")
        .file("sub/change.txt", "1\n2\n3\n4\n5\n6\n7\n8\n")
        .file("sub/gone.txt", "bye\n")
        .file("nonl.txt", "x\ny");
    let new = Tree::new()
        .file("keep.txt", "a\nb\nc\n")
        .file("sub/change.txt", "1\n2\nthree\n4\n5\n6\n8\n9\n")
        .file("sub/deeper/new.txt", "hello\n*** not a header\n")
        .file("nonl.txt", "x\nz");
    old.build(t.join("a"));
    new.build(t.join("b"));
    for fmt in ["-rcN", "-rNC1"] {
        let patch = cmd("diff").args([fmt, "a", "b"]).cwd(t.path()).run();
        assert_eq!(patch.code(), Some(1), "{patch}");
        let out = same_as_gnu_patch(&old, &["-p1"], &patch.stdout, fmt);
        assert_eq!(out.code(), Some(0));
        let ours = old.build(t.join(format!("ours{fmt}")));
        tool("applypatch")
            .args(["-p1"])
            .cwd(&ours)
            .stdin(patch.stdout)
            .expect_code(0);
        assert_same_tree(&ours, t.join("b"), Compare::default());
    }
}

/// A normal diff (or an ed script) named by an `Index: f` line.
fn indexed(patch: &[u8]) -> Vec<u8> {
    [&b"Index: f\n"[..], patch].concat()
}

#[test]
fn normal_diffs_apply_like_gnu_patch_with_an_index_line() {
    for (name, old, new) in pairs() {
        // GNU diff cannot say a missing newline in a normal diff GNU patch reads back the
        // same way; both tools are still compared on it.
        let patch = indexed(&gnu_diff(&[], &old, &new));
        for shift in [0, 3] {
            let what = format!("{name} normal diff shifted by {shift}");
            same_as_gnu_patch(&target(&old, shift), &[], &patch, &what);
        }
        same_as_gnu_patch(&target(&new, 0), &["-R"], &patch, name);
    }
}

#[test]
fn ed_scripts_apply_like_gnu_patch_by_our_own_interpreter() {
    for (name, old, new) in pairs() {
        // diff -e cannot write a file without a final newline.
        if !old.is_empty() && !old.ends_with(b"\n") || !new.is_empty() && !new.ends_with(b"\n") {
            continue;
        }
        let patch = indexed(&gnu_diff(&["-e"], &old, &new));
        // Applied blindly at the stated lines, as GNU does: a shifted target gets the same
        // (wrong) result from both.
        for shift in [0, 1] {
            let what = format!("{name} ed script shifted by {shift}");
            same_as_gnu_patch(&target(&old, shift), &[], &patch, &what);
        }
        // With `w` and `q` at the end, as people write them by hand.
        let with_wq = [&patch[..], b"w\nq\n"].concat();
        same_as_gnu_patch(&target(&old, 0), &[], &with_wq, name);
    }
}

#[test]
fn ed_scripts_that_do_not_fit_fail_like_gnu_patch() {
    let old = b"a\nb\nc\n";
    for script in [&b"20d\n"[..], b"5a\nx\n.\n", b"3,1d\n"] {
        let out = same_as_gnu_patch(&target(old, 0), &[], &indexed(script), "bad ed");
        assert_eq!(out.code(), Some(2));
        assert!(out.stderr_text().contains("patch line"), "{out}");
    }
    // Text without its closing `.`: GNU's ed fails; we refuse the patch as truncated. Both
    // exit 2 and leave the file as it was.
    let t = scratch();
    let patch = indexed(b"2c\nx\n");
    let (gnu, ours) = (
        target(old, 0).build(t.join("g")),
        target(old, 0).build(t.join("o")),
    );
    let theirs = cmd("patch").cwd(&gnu).stdin(patch.clone()).run();
    let mine = tool("applypatch").cwd(&ours).stdin(patch).run();
    assert_eq!(
        (mine.code(), theirs.code()),
        (Some(2), Some(2)),
        "{mine}\n{theirs}"
    );
    assert!(
        mine.stderr_text()
            .contains("patch line 3: patch ends inside"),
        "{mine}"
    );
    assert_same_tree(&ours, &gnu, Compare::default());
}

/// GNU patch without a file name for a normal diff or an ed script: trouble (exit 2).
#[test]
fn nameless_normal_diffs_and_ed_scripts_are_trouble_like_gnu_patch() {
    let (old, new) = (b"a\nb\n", b"a\nc\n");
    for args in [&[][..], &["-e"]] {
        let patch = gnu_diff(args, old, new);
        let out = same_as_gnu_patch(&target(old, 0), &[], &patch, "nameless");
        assert_eq!(out.code(), Some(2));
    }
}

/// The one place we differ from GNU patch on purpose: it pipes the script into `ed`, skipping
/// commands it does not know; we refuse the whole script when a line is an ed command outside
/// diff's subset, and change nothing.
#[test]
fn ed_commands_outside_the_subset_are_refused() {
    for bad in [
        &b"1,$s/a/X/g\n"[..],
        b"!touch pwned\n",
        b"r /etc/passwd\n",
        b"w other\n",
        b"e !id\n",
        b"g/a/d\n",
    ] {
        let t = scratch();
        let dir = target(b"a\nb\nc\n", 0).build(t.join("t"));
        let before = Listing::read(&dir);
        let script = [&b"Index: f\n3c\nx\n.\n"[..], bad].concat();
        let out = tool("applypatch").cwd(&dir).stdin(script).run();
        assert_eq!(out.code(), Some(2), "{out}");
        assert!(
            out.stderr_text()
                .contains("patch line 5: ed command refused"),
            "{out}"
        );
        assert_same_listing(
            &before,
            &Listing::read(&dir),
            Compare {
                atimes: false,
                ..Compare::identical()
            },
        );
        assert!(!Path::new(&dir).join("pwned").exists());
    }
}

/// `git apply` and applypatch -p1 on copies of `target`: the same exit status and files.
#[track_caller]
fn same_as_git_apply(target: &Tree, patch: &[u8], what: &str) -> (Output, Scratch) {
    let t = scratch();
    let (theirs_dir, ours) = (target.build(t.join("git")), target.build(t.join("ours")));
    std::fs::write(t.join("p"), patch).unwrap();
    let theirs = git()
        .args(["apply"])
        .arg(t.join("p"))
        .cwd(&theirs_dir)
        .run();
    let mine = tool("applypatch")
        .args(["-p1"])
        .cwd(&ours)
        .stdin(patch.to_vec())
        .run();
    assert_eq!(
        mine.code(),
        theirs.code(),
        "{what}\ngit:\n{theirs}\nours:\n{mine}"
    );
    assert_same_tree(&ours, &theirs_dir, Compare::default());
    (mine, t)
}

fn new_file_with_mode(mode: &str) -> Vec<u8> {
    format!("diff --git a/n b/n\nnew file mode {mode}\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n")
        .into_bytes()
}

/// Issue 14, "Found by adversarial runs" and item 7: set-id and sticky bits never come from a
/// patch. Where GNU patch and git apply agree (0755 for every executable set-id mode), both are
/// compared; for the rest (GNU keeps `100600` as 0600, `107777` as 0777) git's rule decides.
#[test]
fn modes_from_a_patch_never_carry_set_id_or_sticky_bits() {
    let empty = Tree::new().file("f", "a\n");
    for mode in ["104755", "102755", "106755", "101755", "100755", "100644"] {
        let patch = new_file_with_mode(mode);
        same_as_gnu_patch(&empty, &["-p1"], &patch, mode);
        same_as_git_apply(&empty, &patch, mode);
    }
    for mode in ["107777", "100600", "100700", "107666"] {
        same_as_git_apply(&empty, &new_file_with_mode(mode), mode);
    }
    // A mode change on an existing file (issue item 7), with and without a hunk.
    for new in ["104755", "106755", "107777"] {
        let patch = format!("diff --git a/f b/f\nold mode 100644\nnew mode {new}\n");
        same_as_git_apply(&empty, patch.as_bytes(), new);
        let patch = format!("{patch}--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n");
        if new != "107777" {
            same_as_gnu_patch(&empty, &["-p1"], patch.as_bytes(), new);
        }
        same_as_git_apply(&empty, patch.as_bytes(), new);
    }
}

/// Type bits other than a regular file's or a symlink's are refused, naming the mode and the
/// line; nothing is written (GNU patch makes a regular file of `140755`, git a directory).
#[test]
fn modes_of_other_types_are_refused() {
    for mode in ["140755", "040755", "020644", "000755"] {
        let t = scratch();
        let dir = Tree::new().file("f", "a\n").build(t.join("t"));
        let before = Listing::read(&dir);
        let patch = [
            new_file_with_mode(mode),
            b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n".to_vec(),
        ];
        let out = tool("applypatch")
            .args(["-p1"])
            .cwd(&dir)
            .stdin(patch.concat())
            .run();
        assert_eq!(out.code(), Some(2), "{out}");
        let says = format!("patch line 1: refusing mode {mode}");
        assert!(out.stderr_text().contains(&says), "{out}");
        assert_same_listing(
            &before,
            &Listing::read(&dir),
            Compare {
                atimes: false,
                ..Compare::identical()
            },
        );
    }
}

/// git's `Subproject commit` sections are skipped with a warning, as git apply skips them
/// outside a repository; the rest applies, exit 0.
#[test]
fn submodule_sections_are_skipped_with_a_warning_like_git_apply() {
    let target = Tree::new().dir("sub").file("f", "a\n");
    let patch = b"diff --git a/sub b/sub\nindex 1111111..2222222 160000\n--- a/sub\n+++ b/sub\n\
@@ -1 +1 @@\n-Subproject commit 1111111111111111111111111111111111111111\n\
+Subproject commit 2222222222222222222222222222222222222222\n\
diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n";
    let (out, _t) = same_as_git_apply(&target, patch, "submodule");
    assert_eq!(out.code(), Some(0));
    assert!(
        out.stderr_text()
            .contains("patch line 1: skipping submodule"),
        "{out}"
    );
}

/// Header quirks GNU patch accepts: hunks right after a git header (no `---`/`+++`), names
/// followed by spaces and a timestamp, svn's suffixes, ctime timestamps near the Epoch.
#[test]
fn header_quirks_are_read_like_gnu_patch() {
    let f = Tree::new().file("f", "a\n").file("gone", "x\n");
    let quirks: [&[u8]; 7] = [
        b"diff --git a/f b/f\nindex 1..2 100644\n@@ -1 +1 @@\n-a\n+b\n",
        b"--- f  2020-01-01 00:00:00.000000000 +0100\n+++ f  2020-01-02 00:00:00 +0100\n@@ -1 +1 @@\n-a\n+b\n",
        b"--- f\t(revision 12)\n+++ f\t(working copy)\n@@ -1 +1 @@\n-a\n+b\n",
        b"--- new\t(nonexistent)\n+++ new\t(working copy)\n@@ -0,0 +1 @@\n+n\n",
        b"--- gone\t(revision 3)\n+++ gone\t(nonexistent)\n@@ -1 +0,0 @@\n-x\n",
        b"*** gone Thu Dec  3 10:00:00 2026\n--- gone Thu Jan  1 00:00:00 1970\n***************\n*** 1 ****\n- x\n--- 0 ----\n",
        b"Index: f\n===================================================================\n--- f\t(revision 1)\n+++ f\t(working copy)\n@@ -1 +1 @@\n-a\n+b\n",
    ];
    for patch in quirks {
        let what = String::from_utf8_lossy(patch).into_owned();
        let out = same_as_gnu_patch(&f, &[], patch, &what);
        assert_eq!(out.code(), Some(0), "{what}");
    }
}

/// Issue 14 item 4: which file GNU patch picks from the old and new names (the existing one;
/// else fewest components, shortest basename, shortest name), and that a missing file is
/// created from a hunk that adds to an empty one (svn's `(nonexistent)` new files too),
/// whatever the names say. Each case: the files that exist (holding `a`), the header, -p.
#[test]
fn file_to_patch_is_chosen_like_gnu_patch() {
    let change = "@@ -1 +1 @@\n-a\n+b\n";
    let create = "@@ -0,0 +1 @@\n+n\n";
    let cases: &[(&[&str], &str, &str, &[&str])] = &[
        (&["f"], "--- f\n+++ f.new\n", change, &[]),
        (&["f.new"], "--- f\n+++ f.new\n", change, &[]),
        (&["f", "f.new"], "--- f\n+++ f.new\n", change, &[]),
        (&["f.new", "f"], "--- f.new\n+++ f\n", change, &[]),
        (&["f.new", "ff"], "--- f.new\n+++ ff\n", change, &[]),
        (
            &["x/longname", "f"],
            "--- x/longname\n+++ f\n",
            change,
            &["-p0"],
        ),
        (&["abc/f", "xy"], "--- abc/f\n+++ xy\n", change, &["-p0"]),
        (&["abc/f", "xyz"], "--- xyz\n+++ abc/f\n", change, &["-p0"]),
        (&["f"], "--- old/f\n+++ new/f\n", change, &[]),
        (&["g", "f"], "Index: g\n--- f\n+++ f\n", change, &[]),
        (&["h"], "Index: g\n--- f\n+++ h\n", change, &[]),
        (&[], "--- f\n+++ f.new\n", create, &[]),
        (&[], "--- f.new\n+++ f\n", create, &[]),
        (&[], "--- a/dir/f\n+++ b/dir/f\n", create, &["-p1"]),
        (&[], "--- x/long/f\n+++ y/f\n", create, &["-p0"]),
        (
            &[],
            "--- newfile\t(nonexistent)\n+++ newfile\t(working copy)\n",
            create,
            &[],
        ),
        (&[], "Index: dir/g\n--- f\n+++ h\n", create, &["-p0"]),
    ];
    for (files, header, hunk, args) in cases {
        let target = files
            .iter()
            .fold(Tree::new().file("keep", "k\n"), |t, f| t.file(f, "a\n"));
        let patch = format!("{header}{hunk}");
        let out = same_as_gnu_patch(&target, args, patch.as_bytes(), &patch);
        assert_eq!(out.code(), Some(0), "{patch}");
    }
}

/// Issue 14 item 5: git sections that build on each other. Renames and copies take their
/// source as it was before the patch (a file patched, then copied or renamed: the copy has the
/// old content, the patched file stays); two files can swap names; a file patched and then
/// deleted is deleted; a rename already done (source gone, destination there) patches the
/// destination. Each as GNU patch does it; git apply agrees where it says so.
#[test]
fn git_sections_that_build_on_each_other_apply_like_gnu_patch() {
    let modify_a = "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n-one\n+ONE\n";
    let one = Tree::new().file("a", "one\n");
    let cases: [(&str, Tree, String, bool); 5] = [
        (
            "patched, then copied",
            one.clone(),
            format!("{modify_a}diff --git a/a b/c\nsimilarity index 100%\ncopy from a\ncopy to c\n"),
            true,
        ),
        (
            "patched, then renamed",
            one.clone(),
            format!("{modify_a}diff --git a/a b/c\nsimilarity index 100%\nrename from a\nrename to c\n"),
            true,
        ),
        (
            "names swapped",
            Tree::new().file("g", "G\n").file("f", "F\n"),
            "diff --git a/g b/f\nsimilarity index 100%\nrename from g\nrename to f\n\
diff --git a/f b/g\nsimilarity index 100%\nrename from f\nrename to g\n"
                .to_string(),
            true,
        ),
        (
            "patched, then deleted",
            one.clone(),
            format!("{modify_a}diff --git a/a b/a\ndeleted file mode 100644\n--- a/a\n+++ /dev/null\n@@ -1 +0,0 @@\n-ONE\n"),
            false,
        ),
        (
            "already renamed",
            Tree::new().file("h", "x\none\n"),
            "diff --git a/f b/h\nsimilarity index 90%\nrename from f\nrename to h\n--- a/f\n+++ b/h\n\
@@ -1,2 +1,2 @@\n x\n-one\n+ONE\n"
                .to_string(),
            false,
        ),
    ];
    for (what, target, patch, git_agrees) in cases {
        let out = same_as_gnu_patch(&target, &["-p1"], patch.as_bytes(), what);
        assert_eq!(out.code(), Some(0), "{what}");
        if git_agrees {
            same_as_git_apply(&target, patch.as_bytes(), what);
        }
    }
}

/// Issue 14 item 6: renames that cross a type change (`dir-to-file/inside.txt` moves to
/// `file-to-dir/inside.txt` while `file-to-dir` was a file and `dir-to-file` becomes one):
/// git's own `git diff -M --binary` applies as git apply applies it, and `treediff -M`
/// round-trips. Renames are planned after deletions and before the rest, as git orders them.
#[test]
fn renames_across_a_type_change_apply_like_git_apply() {
    let t = scratch();
    let inside = "inside content line 1\nline 2\nline 3\n";
    let old = Tree::new()
        .file("dir-to-file/inside.txt", inside)
        .file("file-to-dir", "i was a file\n");
    let new = Tree::new()
        .file("file-to-dir/inside.txt", inside)
        .file("dir-to-file", "now a file\n");
    old.build(t.join("a"));
    new.build(t.join("b"));
    let patch = git()
        .args(["diff", "--no-index", "-M", "--binary", "a", "b"])
        .cwd(t.path())
        .run();
    assert_eq!(patch.code(), Some(1), "{patch}");
    let (git_dir, ours) = (old.build(t.join("git")), old.build(t.join("ours")));
    std::fs::write(t.join("p"), &patch.stdout).unwrap();
    git()
        .args(["apply", "-p2"])
        .arg(t.join("p"))
        .cwd(&git_dir)
        .expect_code(0);
    tool("applypatch")
        .args(["-p2"])
        .cwd(&ours)
        .stdin(patch.stdout)
        .expect_code(0);
    assert_same_tree(&ours, &git_dir, Compare::default());
    assert_same_tree(&ours, t.join("b"), Compare::default());
    let ours = old.build(t.join("treediff"));
    let patch = tool("treediff")
        .args(["-M", "a", "b"])
        .cwd(t.path())
        .expect_code(1);
    tool("applypatch")
        .args(["-p1"])
        .cwd(&ours)
        .stdin(patch.stdout)
        .expect_code(0);
    assert_same_tree(&ours, t.join("b"), Compare::default());
}
