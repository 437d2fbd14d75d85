//! applypatch as GNU patch: under the name `patch` (a symlink) it must do what GNU patch 2.7.6
//! does. Every case builds the same tree twice, runs /usr/bin/patch in one and ours (through
//! a symlink named `patch`, found on `PATH`, so both name themselves `patch`) in the other
//! with the same arguments, stdin and environment, and compares exit status, stdout, stderr
//! and the whole resulting trees (`.orig` and `.rej` files, contents and modes included).
//!
//! Patches are written out literally (timestamps included) so both tools read the same bytes;
//! stdin is never a terminal, so GNU answers its own questions with their defaults.

use std::path::{Path, PathBuf};

use checkpoint_tests::*;

mod formats;
mod options;
mod rejects;

/// A directory holding `patch`, a symlink to applypatch.
fn our_patch_dir(dir: &Path) -> PathBuf {
    let bin_dir = dir.join("ourbin");
    if !bin_dir.exists() {
        std::fs::create_dir(&bin_dir).expect("mkdir ourbin");
        std::os::unix::fs::symlink(bin("applypatch"), bin_dir.join("patch")).expect("ln -s");
    }
    bin_dir
}

/// One differential run: the tree, `patch ARGS`, its stdin and environment.
struct Case<'a> {
    tree: Tree,
    args: Vec<&'a str>,
    stdin: Option<Vec<u8>>,
    env: Vec<(&'a str, &'a str)>,
    cmp: Compare,
}

impl<'a> Case<'a> {
    fn new(tree: Tree, args: &[&'a str]) -> Self {
        Case {
            tree,
            args: args.to_vec(),
            stdin: None,
            env: Vec::new(),
            cmp: Compare::modes(),
        }
    }

    /// Compares the trees with `cmp` (e.g. mtimes too).
    fn compare(mut self, cmp: Compare) -> Self {
        self.cmp = cmp;
        self
    }

    fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.stdin = Some(bytes.as_ref().to_vec());
        self
    }

    fn env(mut self, key: &'a str, value: &'a str) -> Self {
        self.env.push((key, value));
        self
    }

    /// Runs both and panics unless they agree; returns GNU's output.
    #[track_caller]
    fn same(&self) -> Output {
        require_tool("patch");
        let dir = scratch();
        let ours = our_patch_dir(dir.path());
        let run = |side: &str, path: &Path| {
            let root = self.tree.build(dir.join(side));
            let mut r = cmd("patch")
                .args(&self.args)
                .cwd(&root)
                .env("PATH", path)
                .env_remove("POSIXLY_CORRECT")
                .env_remove("VERSION_CONTROL")
                .env_remove("SIMPLE_BACKUP_SUFFIX")
                .env_remove("QUOTING_STYLE");
            for (k, v) in &self.env {
                r = r.env(k, v);
            }
            if let Some(input) = &self.stdin {
                r = r.stdin(input.clone());
            }
            (r.run(), root)
        };
        let (gnu, gnu_root) = run("gnu", Path::new("/usr/bin"));
        let (our, our_root) = run("ours", &ours);
        assert_eq!(
            (show(&our.stdout), show(&our.stderr), our.code()),
            (show(&gnu.stdout), show(&gnu.stderr), gnu.code()),
            "\nGNU:\n{gnu}\nours:\n{our}"
        );
        assert_same_tree(&gnu_root, &our_root, self.cmp);
        gnu
    }
}

/// `1`..`n`, one number a line.
fn seq(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

/// `seq(n)` with the given lines (1-based) replaced.
fn seq_with(n: usize, changes: &[(usize, &str)]) -> String {
    (1..=n)
        .map(|i| match changes.iter().find(|(l, _)| *l == i) {
            Some((_, t)) => format!("{t}\n"),
            None => format!("{i}\n"),
        })
        .collect()
}

/// A patch of `seq 1 30` into `TEN` at line 10 and `XXV` at line 25, naming `old` and `new`,
/// with timestamps.
fn two_hunks(old: &str, new: &str) -> String {
    format!(
        "--- {old}\t2026-01-02 03:04:05.000000000 +0000\n+++ {new}\t2026-01-02 03:04:06.000000000 +0000\n\
@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+TEN\n 11\n 12\n 13\n\
@@ -22,7 +22,7 @@\n 22\n 23\n 24\n-25\n+XXV\n 26\n 27\n 28\n"
    )
}

/// The tree `a` = `content`, with the patch `p` beside it.
fn with_patch(content: &str, patch: &str) -> Tree {
    Tree::new().file("a", content).file("p", patch)
}

const APPLIED: &[(usize, &str)] = &[(10, "TEN"), (25, "XXV")];

#[test]
fn offsets_and_fuzz_apply_with_gnus_words_and_an_orig_backup() {
    let p = two_hunks("a", "b");
    let shifted = format!("new0\nnew1\n{}", seq(30));
    for content in [
        seq(30),
        shifted,
        seq_with(30, &[(8, "E"), (27, "X")]),
        seq_with(30, &[(7, "E")]),
    ] {
        for args in [
            &["-i", "p"][..],
            &["--dry-run", "-i", "p"],
            &["-s", "-i", "p"],
        ] {
            Case::new(with_patch(&content, &p), args).same();
        }
    }
}

#[test]
fn failed_hunks_go_to_a_rej_file_headed_as_gnu_heads_it() {
    let failing = seq_with(30, &[(9, "N"), (24, "X")]);
    let one_fails = seq_with(30, &[(24, "X")]);
    for p in [
        two_hunks("a", "b"),
        two_hunks("x/a", "y/a"),
        two_hunks("a", "a"),
    ] {
        for content in [&failing, &one_fails] {
            for args in [
                &["-i", "p"][..],
                &["--dry-run", "-i", "p"],
                &["-p1", "-i", "p"],
            ] {
                Case::new(with_patch(content, &p), args).same();
            }
        }
    }
}

#[test]
fn a_reversed_patch_is_decided_as_gnu_decides_without_a_terminal() {
    let p = two_hunks("a", "b");
    let applied = seq_with(30, APPLIED);
    for args in [
        &["-i", "p"][..],
        &["-N", "-i", "p"],
        &["-t", "-i", "p"],
        &["-f", "-i", "p"],
        &["-s", "-i", "p"],
        &["-s", "-N", "-i", "p"],
        &["-s", "-t", "-i", "p"],
        &["--dry-run", "-i", "p"],
    ] {
        Case::new(with_patch(&applied, &p), args).same();
    }
    // -R on a patch that is not applied: "Unreversed patch detected!"
    for args in [
        &["-R", "-i", "p"][..],
        &["-R", "-N", "-i", "p"],
        &["-R", "-t", "-i", "p"],
        &["-R", "-f", "-i", "p"],
    ] {
        Case::new(with_patch(&seq(30), &p), args).same();
        Case::new(with_patch(&seq_with(30, &[(9, "N")]), &p), args).same();
    }
}

#[test]
fn a_missing_file_echoes_the_text_leading_up_to_it() {
    let p = two_hunks("a", "b");
    let garbage = format!("From: someone\nSubject: a change\n\n{p}");
    for patch in [&p, &garbage] {
        for args in [
            &["-i", "p"][..],
            &["-t", "-i", "p"],
            &["-f", "-i", "p"],
            &["-s", "-i", "p"],
            &["-s", "-f", "-i", "p"],
            &["-p0", "-i", "p"],
        ] {
            let tree = Tree::new().file("p", patch.as_str()).file("other", "x\n");
            Case::new(tree, args).same();
        }
    }
    // The second file patch is missing: its echo starts after the first one.
    let two = format!("{}{}", two_hunks("a", "a"), two_hunks("gone", "gone"));
    Case::new(with_patch(&seq(30), &two), &["-i", "p"]).same();
}

#[test]
fn backups_follow_b_v_z_b_y_and_the_environment() {
    let p = two_hunks("a", "b");
    let exact = seq(30);
    let offset = format!("zz\n{}", seq(30));
    let tree = |content: &str| {
        with_patch(content, &p)
            .file("a.~1~", "old backup\n")
            .file("a.orig", "older\n")
    };
    for args in [
        &["-b", "-i", "p"][..],
        &["-b", "-V", "numbered", "-i", "p"],
        &["-b", "-V", "t", "-i", "p"],
        &["-b", "-V", "existing", "-i", "p"],
        &["-b", "-V", "simple", "-i", "p"],
        &["-b", "-V", "none", "-i", "p"],
        &["-b", "-z", ".bak", "-i", "p"],
        &["-b", "-B", "bak/", "-i", "p"],
        &["-b", "-Y", ".del/", "-i", "p"],
        &["-b", "-B", "y", "-Y", "x", "-z", ".SUF", "-i", "p"],
        &["-V", "numbered", "-i", "p"],
        &["--no-backup-if-mismatch", "-i", "p"],
        &["--backup-if-mismatch", "-i", "p"],
        &["--posix", "-i", "p"],
    ] {
        Case::new(tree(&exact), args).same();
        Case::new(tree(&offset), args).same();
    }
    for (k, v) in [
        ("VERSION_CONTROL", "numbered"),
        ("VERSION_CONTROL", "existing"),
        ("SIMPLE_BACKUP_SUFFIX", ".sbs"),
        ("POSIXLY_CORRECT", "1"),
    ] {
        Case::new(tree(&offset), &["-i", "p"]).env(k, v).same();
        Case::new(tree(&exact), &["-b", "-i", "p"]).env(k, v).same();
    }
}

#[test]
fn a_created_or_deleted_file_is_backed_up_as_gnu_does() {
    let create = "--- /dev/null\t1970-01-01 00:00:00.000000000 +0000\n+++ new.txt\t2026-01-02 03:04:05.000000000 +0000\n@@ -0,0 +1,2 @@\n+x\n+y\n";
    let delete = "--- new.txt\t2026-01-02 03:04:05.000000000 +0000\n+++ /dev/null\t1970-01-01 00:00:00.000000000 +0000\n@@ -1,2 +0,0 @@\n-x\n-y\n";
    Case::new(Tree::new().file("p", create), &["-b", "-i", "p"]).same();
    Case::new(Tree::new().file("p", create), &["-i", "p"]).same();
    let there = Tree::new().file("p", delete).file("new.txt", "x\ny\n");
    Case::new(there.clone(), &["-b", "-i", "p"]).same();
    Case::new(there, &["-i", "p"]).same();
}

#[test]
fn rejects_go_where_r_says() {
    let p = two_hunks("a", "b");
    let failing = seq_with(30, &[(9, "N"), (24, "X")]);
    for args in [
        &["-r", "out.rej", "-i", "p"][..],
        &["-r", "-", "-i", "p"],
        &["--reject-file=sub/r", "-i", "p"],
    ] {
        Case::new(with_patch(&failing, &p).dir("sub"), args).same();
    }
    // Two failing file patches on one file: one reject file with both.
    let twice = format!("{p}{p}");
    Case::new(with_patch(&failing, &twice), &["-i", "p"]).same();
}

#[test]
fn operands_stdin_repeated_options_and_double_dash() {
    let p = two_hunks("x", "y");
    let tree = with_patch(&seq(30), &p);
    Case::new(tree.clone(), &["a", "p"]).same();
    Case::new(tree.clone(), &["a"]).stdin(&p).same();
    Case::new(tree.clone(), &["-i", "-"]).stdin(&p).same();
    Case::new(tree.clone(), &["a", "-"]).stdin(&p).same();
    Case::new(tree.clone(), &["-p5", "-p0", "-s", "-s", "a", "p"]).same();
    Case::new(tree.clone(), &["--", "a", "p"]).same();
    Case::new(tree.clone(), &["a", "-s", "p"]).same();
    Case::new(tree.clone(), &["--dry", "a", "p"]).same();
}

#[test]
fn bad_command_lines_are_refused_in_gnus_words() {
    let tree = with_patch(&seq(30), &two_hunks("a", "b"));
    for args in [
        &["--bogus"][..],
        &["-Q"],
        &["-h"],
        &["a", "p", "c"],
        &["-D"],
        &["-V", "bogus", "-i", "p"],
        &["-p", "x", "-i", "p"],
        &["-F", "x", "-i", "p"],
        &["--quoting-style=x", "-i", "p"],
        &["--reject-format=x", "-i", "p"],
        &["--read-only=x", "-i", "p"],
        &["-i", "missing"],
    ] {
        Case::new(tree.clone(), args).same();
    }
    Case::new(tree, &["-b", "-i", "p"])
        .env("VERSION_CONTROL", "bogus")
        .same();
}

#[test]
fn names_are_quoted_in_the_style_asked_for() {
    let names = [
        "sp ace", "it's", "tab\tx", "nl\nx", "a\"b", "bs\\x", "#a", "a=b", "é",
    ];
    for name in names {
        let tree = Tree::new()
            .file(name, seq_with(30, &[(9, "N")]))
            .file("p", two_hunks("x", "y"));
        for style in ["literal", "shell", "shell-always", "c", "escape"] {
            let flag = format!("--quoting-style={style}");
            Case::new(tree.clone(), &[flag.as_str(), name, "p"]).same();
        }
        Case::new(tree.clone(), &[name, "p"])
            .env("QUOTING_STYLE", "c")
            .same();
    }
}

#[test]
fn version_and_help_exit_zero_under_the_name_patch() {
    require_tool("patch");
    let dir = scratch();
    let ours = our_patch_dir(dir.path());
    for args in [&["-v"][..], &["--version"], &["--help"]] {
        let gnu = cmd("patch").args(args).run();
        let our = cmd("patch").args(args).env("PATH", &ours).run();
        assert_eq!((our.code(), gnu.code()), (Some(0), Some(0)), "{our}");
        assert!(!our.stdout.is_empty() && our.stderr.is_empty(), "{our}");
    }
}

/// Two file patches (`x/f`, `x/g` into `y/...`), as `diff -ru x y` writes them.
fn two_files() -> String {
    "diff -ru x/f y/f\n--- x/f\t2026-01-02 03:04:05.000000000 +0000\n+++ y/f\t2026-01-02 03:04:06.000000000 +0000\n@@ -1,5 +1,5 @@\n 1\n 2\n-3\n+T\n 4\n 5\n\
diff -ru x/g y/g\n--- x/g\t2026-01-02 03:04:05.000000000 +0000\n+++ y/g\t2026-01-02 03:04:06.000000000 +0000\n@@ -1,5 +1,5 @@\n 1\n-2\n+W\n 3\n 4\n 5\n"
        .to_string()
}

#[test]
fn o_writes_every_patched_file_into_one_output() {
    let tree = Tree::new()
        .file("f", seq(5))
        .file("g", seq(5))
        .file("p", two_files());
    let failing = tree.clone().file("f", seq_with(5, &[(3, "Q")]));
    let existing = tree.clone().file_mode("out", "old\n", 0o640);
    for t in [&tree, &failing, &existing] {
        for args in [
            &["-p1", "-o", "out", "-i", "p"][..],
            &["-p1", "-o", "-", "-i", "p"],
            &["-p1", "-R", "-o", "out", "-i", "p"],
            &["-p1", "-b", "-o", "out", "-i", "p"],
            &["-p1", "-o", "missing/out", "-i", "p"],
        ] {
            Case::new(t.clone(), args).same();
        }
    }
}

#[test]
fn reject_format_context_or_unified() {
    let mixed = "--- f\n+++ f\n@@ -3,4 +3,6 @@\n 3\n 4\n+A\n+B\n 5\n 6\n@@ -8,3 +10,2 @@\n 8\n-9\n 10\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n";
    let empty_sides = "--- f\n+++ f\n@@ -0,0 +1 @@\n+new\n@@ -5 +6,0 @@\n-5\n";
    let changes =
        "--- f\n+++ f\n@@ -0,0 +1 @@\n+new\n@@ -4,0 +6 @@\n+ins\n@@ -7,2 +8,2 @@\n-7\n-8\n+S\n+E\n";
    let other: String = (1..=10).map(|i| format!("x{i}\n")).collect();
    for p in [mixed, empty_sides, changes, &two_hunks("a", "f")] {
        for content in [other.as_str(), &seq_with(30, &[(9, "N"), (24, "X")])] {
            let tree = Tree::new().file("f", content).file("p", p);
            for args in [
                &["--reject-format=context", "-i", "p"][..],
                &["--reject-format=unified", "-i", "p"],
                &["--reject-format=context", "-R", "-i", "p"],
            ] {
                Case::new(tree.clone(), args).same();
            }
        }
    }
}

#[test]
fn verbose_says_what_gnu_says() {
    let p = two_hunks("a", "b");
    for content in [
        seq(30),
        format!("zz\n{}", seq(30)),
        seq_with(30, APPLIED),
        seq_with(30, &[(9, "N"), (24, "X")]),
    ] {
        for args in [
            &["--verbose", "-i", "p"][..],
            &["--verbose", "-s", "-i", "p"],
            &["--verbose", "--dry-run", "-i", "p"],
        ] {
            Case::new(with_patch(&content, &p), args).same();
        }
    }
    let two = Tree::new()
        .file("f", seq(5))
        .file("g", seq(5))
        .file("p", two_files());
    Case::new(two.clone(), &["--verbose", "-p1", "-i", "p"]).same();
    Case::new(two.remove("g"), &["--verbose", "-t", "-p1", "-i", "p"]).same();
}

#[test]
fn set_utc_and_set_time_take_times_from_the_patch() {
    let p = "--- a\t2026-01-02 03:04:05.000000000 +0000\n+++ b\t2026-01-02 03:04:06.500000000 +0000\n@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+TEN\n 11\n 12\n 13\n";
    let no_zone = p.replace(" +0000", "");
    let at = 1_767_323_045 * NS;
    for patch in [p, no_zone.as_str()] {
        let tree = with_patch(&seq(30), patch).with_mtimes(at);
        let stale = with_patch(&seq(30), patch).with_mtimes(at - NS);
        for (tz, args) in [
            ("UTC", &["-Z", "-i", "p"][..]),
            ("UTC", &["-T", "-i", "p"]),
            ("EST5", &["-T", "-i", "p"]),
            ("EST5", &["-Z", "-i", "p"]),
        ] {
            let case = Case::new(tree.clone(), args).env("TZ", tz);
            let out = case.same();
            if !show(&out.stdout).contains("Not setting time") {
                case.compare(Compare::mtimes()).same();
            }
            Case::new(stale.clone(), args).env("TZ", tz).same();
            let forced: Vec<&str> = ["-f"].iter().chain(args).copied().collect();
            let case = Case::new(stale.clone(), &forced).env("TZ", tz);
            case.compare(Compare::mtimes()).same();
        }
    }
}

/// Issue #14, GNU's decision 1: a small file that already has the change is "previously
/// applied" (the reversed hunk matches with less fuzz than the forward one needs), not
/// patched again with fuzz 2.
#[test]
fn already_applied_is_found_before_fuzz_applies_it_again() {
    let p = "--- f\n+++ f\n@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n";
    let applied = Tree::new().file("f", "a\nb\nnew\nc\n").file("p", p);
    for args in [
        &["-i", "p"][..],
        &["-N", "-i", "p"],
        &["-t", "-i", "p"],
        &["-f", "-i", "p"],
        &["-R", "-N", "-i", "p"],
    ] {
        Case::new(applied.clone(), args).same();
    }
}

/// Issue #14, GNU's decision 2: trailing context past the end of the file is ignored with
/// fuzz 1.
#[test]
fn trailing_context_past_the_end_applies_with_fuzz() {
    let tree = Tree::new().file("f", "1\n2\n3\n4\n5\n");
    for p in [
        "--- f\n+++ f\n@@ -3,4 +3,4 @@\n 3\n-4\n+FOUR\n 5\n 6\n",
        "--- f\n+++ f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n",
        "--- f\n+++ f\n@@ -1,4 +1,4 @@\n 0\n 1\n-2\n+TWO\n 3\n 4\n",
    ] {
        for args in [&["-i", "p"][..], &["-F0", "-i", "p"], &["-F1", "-i", "p"]] {
            Case::new(tree.clone().file("p", p), args).same();
        }
    }
}

/// Issue #14, GNU's decision 3: `-d DIR` is entered first, then the patch (and ORIGFILE)
/// opened there.
#[test]
fn d_is_entered_before_the_patch_is_opened() {
    let tree = Tree::new()
        .file("sub/a", seq(30))
        .file("sub/p", two_hunks("a", "b"));
    for args in [
        &["-d", "sub", "-i", "p"][..],
        &["-d", "sub", "a", "p"],
        &["-d", "sub", "-i", "sub/p"],
        &["-d", "missing", "-i", "p"],
    ] {
        Case::new(tree.clone(), args).same();
    }
}

/// Issue #14, GNU's decision 9: with both names there, `-R` still ranks them in the patch's
/// order (`---` first); a name GNU will not use (absolute, `..`) stands for no name, so the
/// other one is used or no file is found (exit 1, not 2).
#[test]
fn names_are_picked_as_gnu_picks_them() {
    let p = two_hunks("a", "b");
    let both = Tree::new()
        .file("a", seq(30))
        .file("b", seq_with(30, APPLIED))
        .file("p", p.as_str());
    for args in [
        &["-i", "p"][..],
        &["-R", "-i", "p"],
        &["-R", "-p0", "-i", "p"],
    ] {
        Case::new(both.clone(), args).same();
        Case::new(both.clone().remove("a"), args).same();
        Case::new(both.clone().remove("b"), args).same();
    }
    for patch in [
        two_hunks("/etc/a", "b"),
        two_hunks("../x/a", "b"),
        two_hunks("../b", "../a"),
        two_hunks("/etc/a", "a"),
    ] {
        let tree = Tree::new().file("a", seq(30)).file("p", patch);
        Case::new(tree, &["-p0", "-i", "p"]).same();
    }
}

/// Issue #14, GNU's decision 10: a deletion whose file holds more than the patch removes
/// is applied, and the file kept with what is left.
#[test]
fn a_deletion_of_a_file_with_more_in_it_keeps_the_rest() {
    let p = "--- f\t2026-01-01 00:00:00.000000000 +0000\n+++ /dev/null\t1970-01-01 00:00:00.000000000 +0000\n@@ -1,2 +0,0 @@\n-x\n-y\n";
    for content in ["x\ny\nextra\n", "x\ny\n", "extra\nx\ny\n"] {
        let tree = Tree::new().file("f", content).file("p", p);
        for args in [
            &["-i", "p"][..],
            &["-E", "-i", "p"],
            &["--dry-run", "-i", "p"],
        ] {
            Case::new(tree.clone(), args).same();
        }
    }
}

/// Issue #14, GNU's decision 11: a deletion whose file is missing or already empty, and a
/// creation whose file is there with content, are questions GNU answers by `-t`, `-f`, `-N`
/// (or, with no terminal, no); `-t` on an already-empty file reverses the patch.
#[test]
fn creations_and_deletions_that_do_not_fit_are_decided_as_gnu_decides() {
    let delete = "--- f\t2026-01-01 00:00:00.000000000 +0000\n+++ /dev/null\t1970-01-01 00:00:00.000000000 +0000\n@@ -1,2 +0,0 @@\n-x\n-y\n";
    let create = "--- /dev/null\t1970-01-01 00:00:00.000000000 +0000\n+++ f\t2026-01-01 00:00:00.000000000 +0000\n@@ -0,0 +1,2 @@\n+x\n+y\n";
    let empty = Tree::new().file("f", "").file("p", delete);
    let missing = Tree::new().file("p", delete);
    let full = Tree::new().file("f", "q\n").file("p", create);
    let created = Tree::new().file("f", "x\ny\n").file("p", create);
    let over_empty = Tree::new().file("f", "").file("p", create);
    for args in [
        &["-i", "p"][..],
        &["-t", "-i", "p"],
        &["-N", "-i", "p"],
        &["-s", "-i", "p"],
        &["-s", "-t", "-i", "p"],
        &["-s", "-N", "-i", "p"],
        &["--dry-run", "-i", "p"],
    ] {
        for tree in [&empty, &missing, &full, &created, &over_empty] {
            Case::new(tree.clone(), args).same();
        }
    }
    for args in [&["-f", "-i", "p"][..], &["-f", "-s", "-i", "p"]] {
        for tree in [&empty, &missing, &over_empty] {
            Case::new(tree.clone(), args).same();
        }
    }
    Case::new(empty, &["-R", "-i", "p"]).same();
}

#[test]
fn symlinks_are_refused_or_followed_inside_the_target() {
    let tree = Tree::new()
        .file("d/t", seq(30))
        .symlink("a", "d/t")
        .file("p", two_hunks("a", "a"));
    let chain = tree.clone().symlink("a", "l2").symlink("l2", "./d/../d/t");
    let to_dir = Tree::new().dir("a").file("p", two_hunks("a", "a"));
    for t in [&tree, &chain, &to_dir] {
        for args in [
            &["-i", "p"][..],
            &["--follow-symlinks", "-i", "p"],
            &["-b", "--follow-symlinks", "-i", "p"],
            &["-s", "-i", "p"],
        ] {
            Case::new(t.clone(), args).same();
        }
    }
}

#[test]
fn l_matches_runs_of_blanks_loosely() {
    for (file, patch_line) in [
        ("a  b", "a b"),
        ("a b", "ab"),
        ("a ", "a"),
        ("  a", "a"),
        ("a\tb", "a b"),
        ("a", "a "),
        ("ab", "a b"),
        (" a\t b ", "\ta b"),
    ] {
        let tree = Tree::new().file("f", format!("x\n{file}\ny\n")).file(
            "p",
            format!("--- f\n+++ f\n@@ -1,3 +1,3 @@\n x\n {patch_line}\n-y\n+Y\n"),
        );
        for args in [
            &["-l", "-i", "p"][..],
            &["-i", "p"],
            &["-l", "-F0", "-i", "p"],
        ] {
            Case::new(tree.clone(), args).same();
        }
    }
}

/// `--read-only` only matters to a user who may not write the file: run as `nobody` (when
/// the tests run as root and `runuser` is there), in directories anyone may write.
#[test]
fn read_only_files_are_warned_about_or_refused_as_gnu_does() {
    use std::os::unix::fs::PermissionsExt;
    if !rustix::process::geteuid().is_root() || which("runuser").is_none() {
        eprintln!("skipped: needs root and runuser");
        return;
    }
    require_tool("patch");
    let dir = scratch();
    let ours = our_patch_dir(dir.path());
    let open = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    open(dir.path(), 0o755).expect("chmod scratch");
    let tree = Tree::new()
        .file_mode("a", seq(30), 0o444)
        .file("p", two_hunks("a", "b"));
    for (i, args) in [
        &["-i", "p"][..],
        &["--read-only=fail", "-i", "p"],
        &["--read-only=ignore", "-i", "p"],
        &["--read-only=warn", "-i", "p"],
    ]
    .into_iter()
    .enumerate()
    {
        let mut outs = Vec::new();
        for (side, path) in [("gnu", Path::new("/usr/bin")), ("ours", ours.as_path())] {
            let root = tree.build(dir.join(format!("{side}{i}")));
            open(&root, 0o777).expect("chmod tree");
            let out = cmd("runuser")
                .args(["-u", "nobody", "--", "env"])
                .arg(format!("PATH={}", path.display()))
                .arg("patch")
                .args(args)
                .cwd(&root)
                .run();
            outs.push((out, root));
        }
        let ((gnu, gnu_root), (our, our_root)) = (&outs[0], &outs[1]);
        assert_eq!(
            (show(&our.stdout), show(&our.stderr), our.code()),
            (show(&gnu.stdout), show(&gnu.stderr), gnu.code()),
            "\nGNU:\n{gnu}\nours:\n{our}"
        );
        assert_same_tree(gnu_root, our_root, Compare::modes());
    }
}

/// The program `name` on `PATH`, if any.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// What is refused on purpose (GNU would run RCS/SCCS, or merge): a clear message, exit 2,
/// nothing changed. Not differential: GNU does these things.
#[test]
fn get_ifdef_and_merge_are_refused_clearly() {
    let dir = scratch();
    let ours = our_patch_dir(dir.path());
    let tree = with_patch(&seq(30), &two_hunks("a", "b"));
    for (i, args) in [
        &["-g", "1", "-i", "p"][..],
        &["--get=-1", "-i", "p"],
        &["-D", "NAME", "-i", "p"],
        &["--merge", "-i", "p"],
        &["--merge=diff3", "-i", "p"],
        &["-B", "/tmp/", "-b", "-i", "p"],
        &["-Y", "../", "-b", "-i", "p"],
    ]
    .into_iter()
    .enumerate()
    {
        let root = tree.build(dir.join(format!("t{i}")));
        let before = Listing::read(&root);
        let out = cmd("patch").args(args).cwd(&root).env("PATH", &ours).run();
        assert_eq!(out.code(), Some(2), "{out}");
        assert!(out.stderr_text().starts_with("patch: **** "), "{out}");
        assert!(out.stdout.is_empty(), "{out}");
        assert_unchanged(&before);
    }
}

#[test]
fn a_crlf_patch_on_an_lf_file_is_noted_and_applied() {
    let crlf = |p: String| p.replace('\n', "\r\n");
    let one = with_patch(&seq(30), &crlf(two_hunks("a", "b")));
    let two = Tree::new()
        .file("f", seq(5))
        .file("g", seq(5))
        .file("p", crlf(two_files()));
    for args in [
        &["-i", "p"][..],
        &["-s", "-i", "p"],
        &["--dry-run", "-i", "p"],
    ] {
        Case::new(one.clone(), args).same();
    }
    Case::new(two, &["-p1", "-i", "p"]).same();
}

/// A git patch (deletion, change, mode, rename, creation), forwards, backwards (creations
/// and deletions that do not fit, a rename already done) and again.
#[test]
fn git_patches_as_gnu_applies_them() {
    let p = "diff --git a/del b/del\ndeleted file mode 100644\nindex 8a1218a..0000000\n--- a/del\n+++ /dev/null\n@@ -1,5 +0,0 @@\n-1\n-2\n-3\n-4\n-5\n\
diff --git a/keep b/keep\nindex f00c965..e9bef1e 100644\n--- a/keep\n+++ b/keep\n@@ -1,6 +1,6 @@\n 1\n 2\n-3\n+THREE\n 4\n 5\n 6\n\
diff --git a/mode b/mode\nold mode 100644\nnew mode 100755\n\
diff --git a/mv b/moved\nsimilarity index 100%\nrename from mv\nrename to moved\n\
diff --git a/new b/new\nnew file mode 100644\nindex 0000000..3e75765\n--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+new\n";
    let before = Tree::new()
        .file("keep", seq(10))
        .file("mv", seq(10))
        .file("del", seq(5))
        .file("mode", "x\n")
        .file("p", p);
    for args in [
        &["-p1", "-i", "p"][..],
        &["-p1", "--dry-run", "-i", "p"],
        &["-p1", "-R", "-i", "p"],
        &["-p1", "-R", "-t", "-i", "p"],
        &["-p1", "-R", "-N", "-i", "p"],
        &["-p1", "-R", "-s", "-i", "p"],
        &["-i", "p"],
    ] {
        Case::new(before.clone(), args).same();
    }
}

/// A small deterministic generator (xorshift), so the random cases are the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }

    /// `lines` with up to `edits` random insertions, deletions and changes.
    fn edit(&mut self, lines: &[String], edits: usize, tag: &str) -> Vec<String> {
        let mut out = lines.to_vec();
        for _ in 0..=self.below(edits) {
            let i = self.below(out.len() + 1);
            match self.below(3) {
                0 => out.insert(i, format!("{tag}{}", self.below(10))),
                1 if i < out.len() => drop(out.remove(i)),
                _ if i < out.len() => out[i] = format!("{tag}C{}", self.below(10)),
                _ => {}
            }
        }
        out
    }
}

/// Random files, random edits made into a patch by GNU diff (with 0 to 3 lines of context),
/// applied to a randomly changed copy: offsets, fuzz, failures, misordered and past-the-end
/// hunks land where GNU puts them, with GNU's words.
#[test]
fn random_edits_apply_as_gnu_applies_them() {
    require_tool("diff");
    let dir = scratch();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..150 {
        let n = rng.below(50);
        let old: Vec<String> = (0..n)
            .map(|_| format!("{}{}", ["a", "b", "c", "x"][rng.below(4)], rng.below(6)))
            .collect();
        let new = rng.edit(&old, 6, "N");
        let target = match rng.below(5) {
            0 => new.clone(),
            _ => rng.edit(&old, 4, "T"),
        };
        let text = |l: &[String]| l.iter().map(|s| format!("{s}\n")).collect::<String>();
        std::fs::write(dir.join("old"), text(&old)).expect("write old");
        std::fs::write(dir.join("new"), text(&new)).expect("write new");
        let context = ["-U0", "-U1", "-U2", "-u"][case % 4];
        let diff = cmd("diff")
            .args([context, "--label", "f", "--label", "f", "old", "new"])
            .cwd(dir.path())
            .run();
        let tree = Tree::new().file("f", text(&target)).file("p", &diff.stdout);
        let args: &[&str] = match case % 5 {
            0 => &["-F1", "-i", "p"],
            1 => &["-N", "-i", "p"],
            _ => &["-i", "p"],
        };
        Case::new(tree, args).same();
    }
}

/// Random trees (files in subdirectories, some emptied, deleted or new), `diff -ruN` of
/// them applied with `-p1` to a randomly changed copy of the old tree (files changed or
/// missing): the same files, rejects, backups and words as GNU patch.
#[test]
fn random_tree_patches_apply_as_gnu_applies_them() {
    require_tool("diff");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for case in 0..60 {
        let dir = scratch();
        let (mut old, mut new, mut target) = (Tree::new(), Tree::new(), Tree::new());
        let text = |l: &[String]| l.iter().map(|s| format!("{s}\n")).collect::<String>();
        for i in 0..=rng.below(4) {
            let name = format!("{}f{i}", ["", "d/", "d/e/"][rng.below(3)]);
            let lines: Vec<String> = (0..rng.below(15))
                .map(|_| format!("{}{}", ["a", "b", "c"][rng.below(3)], rng.below(6)))
                .collect();
            old = old.file(&name, text(&lines));
            // (A deleted file is left as it was: diff -N dates its deletion with the Epoch,
            // which the parser does not read as a deletion yet.)
            let kept = rng.below(7) > 0;
            if kept {
                new = new.file(&name, text(&rng.edit(&lines, 3, "N")));
            }
            if rng.below(10) > 0 {
                let change = kept && rng.below(3) == 0;
                let changed = if change {
                    rng.edit(&lines, 1, "Z")
                } else {
                    lines
                };
                target = target.file(&name, text(&changed));
            }
        }
        for i in 0..rng.below(3) {
            let name = format!("{}n{i}", ["", "d/", "g/"][rng.below(3)]);
            new = new.file(name, format!("new{i}\n"));
        }
        old.build(dir.join("a"));
        new.build(dir.join("b"));
        let diff = cmd("diff").args(["-ruN", "a", "b"]).cwd(dir.path()).run();
        let args: &[&str] = match case % 3 {
            0 => &["-p1", "-b", "-i", "p"],
            _ => &["-p1", "-i", "p"],
        };
        Case::new(target.file("p", &diff.stdout), args).same();
    }
}

#[test]
fn verbose_on_insertions_and_on_no_patch_at_all() {
    let p = "--- f\n+++ f\n@@ -2 +1,0 @@\n-b\n@@ -28,0 +28 @@\n+N\n";
    let tree = Tree::new().file("f", "a\nZ\nc\n").file("p", p);
    Case::new(tree, &["--verbose", "-N", "-i", "p"]).same();
    for patch in ["", "\n\n"] {
        let tree = Tree::new().file("f", "a\n").file("p", patch);
        Case::new(tree, &["--verbose", "-i", "p"]).same();
    }
}
