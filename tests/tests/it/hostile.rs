//! The hostile-patch corpus (issue 8): every file in `tests/hostile/` is applied with
//! `applypatch -p1` to a small target whose neighbourhood holds a sentinel directory (and a
//! symlink to it inside the target). Each must end with its documented exit code and a clear
//! message, never touch anything outside the target, and — where the default all-or-nothing
//! mode refuses — leave the target exactly as it was.

use std::path::{Path, PathBuf};

use checkpoint_tests::*;

/// (corpus file, exit code, what stderr must say; empty = nothing in particular).
/// Exit codes as documented: 2 trouble (refused or malformed patch), 1 not applied, 0 applied.
const CORPUS: &[(&str, i32, &str)] = &[
    ("dotdot-new-file", 2, "'..' component"),
    ("dotdot-gnu-header", 2, "'..' component"),
    ("rename-to-dotdot", 2, "'..' component"),
    ("copy-to-dotdot", 2, "'..' component"),
    ("through-existing-symlink", 2, "beyond a symbolic link"),
    (
        "modify-existing-symlink-target",
        2,
        "beyond a symbolic link",
    ),
    ("through-created-symlink", 2, "beyond a symbolic link"),
    ("nul-in-name", 2, "NUL"),
    ("ed-script", 2, "ed command refused"),
    ("overflowing-hunk-numbers", 2, "number out of range"),
    (
        "hunk-count-larger-than-file",
        2,
        "patch ends inside the hunk",
    ),
    ("truncated-hunk", 2, "patch ends inside the hunk"),
    ("truncated-binary", 2, "binary"),
    ("garbage-only", 2, "garbage"),
    (
        "binary-wrong-preimage",
        1,
        "not the one the patch was made from",
    ),
    ("rej-through-symlink", 1, "nothing was written"),
    // Not hostile after all: odd names are names, applied literally, and nothing runs.
    ("shell-metacharacters-are-just-names", 0, ""),
    ("newline-name-is-just-a-name", 0, ""),
    // A context diff is read like GNU patch reads it.
    ("context-diff", 0, "patching file a.txt"),
];

/// The absolute paths hostile patches aim at: whether each exists, and its mtime, so a test
/// can tell a write by this run from a leftover of another.
fn aimed_at() -> Vec<Option<std::time::SystemTime>> {
    ["/tmp/checkpoint-hostile-abs", "/tmp/checkpoint-hostile-ed"]
        .iter()
        .map(|p| {
            std::fs::symlink_metadata(p)
                .ok()
                .map(|m| m.modified().unwrap())
        })
        .collect()
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hostile")
}

/// `outside/` (the sentinel) and `target/`, which holds a file, a directory, a symlink to the
/// sentinel, and a `.rej` name that is a symlink into it.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempdir();
    let outside = Tree::new()
        .file("secret", "s\n")
        .dir("empty")
        .build(t.path().join("outside"));
    let target = Tree::new()
        .file("a.txt", "a\n")
        .file("sub/b.txt", "b\n")
        .symlink("lnk", "../outside")
        .symlink("a.txt.rej", "../outside/rej")
        .build(t.path().join("target"));
    (t, outside, target)
}

#[test]
fn every_corpus_file_is_listed_with_its_expected_outcome() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".patch")
                .to_owned()
        })
        .filter(|n| n != "absolute-p0") // applied with -p0: its own test below
        .collect();
    files.sort();
    let mut listed: Vec<String> = CORPUS.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn hostile_patches_are_refused_or_confined() {
    for &(name, code, says) in CORPUS {
        let (t, outside, target) = setup();
        let before_outside = Listing::read(&outside);
        let before_target = Listing::read(&target);
        let before_aimed = aimed_at();
        let patch = corpus_dir().join(format!("{name}.patch"));
        let out = tool("applypatch")
            .args(["-p1", "-i"])
            .arg(&patch)
            .cwd(&target)
            .run();
        assert_eq!(out.code(), Some(code), "{name}: exit code\n{out}");
        // Messages about the patch go to stderr; GNU-style per-file reports to stdout.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            out.stderr_text()
        );
        assert!(said.contains(says), "{name}: output lacks {says:?}\n{out}");
        assert_unchanged(&before_outside);
        assert_eq!(
            aimed_at(),
            before_aimed,
            "{name}: wrote to an absolute path"
        );
        if code != 0 {
            // All or nothing: a refused patch changes nothing inside either (reading a file
            // may update its atime, which is not a change).
            let untouched = Compare {
                atimes: false,
                ..Compare::identical()
            };
            assert_same_listing(&before_target, &Listing::read(&target), untouched);
        }
        assert_eq!(
            std::fs::read_dir(t.path()).unwrap().count(),
            2,
            "{name}: nothing next to target"
        );
        drop(t);
    }
}

#[test]
fn odd_names_are_created_literally_and_nothing_runs() {
    let (t, _outside, target) = setup();
    for name in [
        "shell-metacharacters-are-just-names",
        "newline-name-is-just-a-name",
    ] {
        tool("applypatch")
            .args(["-p1", "-i"])
            .arg(corpus_dir().join(format!("{name}.patch")))
            .cwd(&target)
            .success();
    }
    let l = Listing::read(&target);
    assert!(
        l.get(b"$(touch PWNED);!x `id` |&>").is_some(),
        "{}",
        l.render(&Compare::default())
    );
    assert!(l.get(b"new\nline").is_some());
    assert!(!target.join("PWNED").exists() && !t.path().join("PWNED").exists());
}

#[test]
fn absolute_names_are_refused_with_p0() {
    let (_t, outside, target) = setup();
    let before = (Listing::read(&outside), Listing::read(&target));
    let before_aimed = aimed_at();
    let untouched = Compare {
        atimes: false,
        ..Compare::identical()
    };
    let out = tool("applypatch")
        .args(["-p0", "-i"])
        .arg(corpus_dir().join("absolute-p0.patch"))
        .cwd(&target)
        .expect_code(2);
    assert!(out.stderr_text().contains("absolute"), "{out}");
    assert_eq!(aimed_at(), before_aimed, "wrote to an absolute path");
    assert_unchanged(&before.0);
    assert_same_listing(&before.1, &Listing::read(&target), untouched);
}

#[test]
fn reject_files_are_never_written_through_a_symlink() {
    let (_t, outside, target) = setup();
    let before = Listing::read(&outside);
    let out = tool("applypatch")
        .args(["--reject", "-p1", "-i"])
        .arg(corpus_dir().join("rej-through-symlink.patch"))
        .cwd(&target)
        .run();
    assert_eq!(out.code(), Some(1), "{out}");
    assert_unchanged(&before);
    assert!(
        !outside.join("rej").exists(),
        "the .rej went through the symlink"
    );
}
