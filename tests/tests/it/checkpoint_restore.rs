//! `checkpoint-build` never loses an edit: the restore is proven with a dry run against the
//! checkpoint's outputs before the tree changes, and while the tree is being restored the
//! changes are kept in a journal inside it (`.checkpoint-build/`), which the next run reports and
//! `--resume` finishes. A refused run leaves every byte, mode and mtime of the tree as it was.

use std::fs;
use std::os::unix::fs::symlink;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use checkpoint_tests::{Compare, Listing, Scratch, bin, compare, scratch};

use super::checkpoint::{edit, fails, fresh, prepare, run_in, test_path, text};

/// The edit every scenario makes to the new sources.
fn change(tree: &Path) {
    edit(&tree.join("src/greet.c"), "\", world\"", "\", checkpoint\"");
}

/// Every entry of `tree` as in `before` (bytes, modes, mtimes, inodes, ctimes): only read, as
/// the diff against the checkpoint reads it (which may update access times).
#[track_caller]
fn assert_untouched(tree: &Path, before: &Listing) {
    let untouched = Compare {
        atimes: false,
        ..Compare::identical()
    };
    let diffs = compare(before, &Listing::read(tree), &untouched);
    assert!(diffs.is_empty(), "the tree changed: {diffs:?}");
}

/// A checkpoint of a build of the example at `scratch/checkpoint`, and a fresh copy of the
/// sources with [`change`] made, at `scratch/new`.
fn checkpoint_and_edit(scratch: &Scratch) -> (PathBuf, PathBuf) {
    let checkpoint = scratch.path().join("checkpoint");
    let old = fresh(scratch, "old");
    prepare(&old, &checkpoint);
    let new = fresh(scratch, "new");
    change(&new);
    (checkpoint, new)
}

/// Runs `checkpoint-build CHECKPOINT` in `tree`, expecting a refusal (exit 1) that says
/// `says`, and that the tree is exactly as before.
#[track_caller]
fn refused(tree: &Path, checkpoint: &Path, says: &str) {
    let before = Listing::read(tree);
    let output = run_in(tree, "checkpoint-build")
        .arg(checkpoint)
        .args(["--", "make"])
        .expect_code(1);
    let stderr = text(&output.stderr);
    assert!(stderr.contains(says), "should say {says:?}\n{output}");
    assert!(stderr.contains("Nothing was changed"), "{output}");
    assert!(!tree.join("hello").exists(), "the build ran\n{output}");
    assert_untouched(tree, &before);
}

/// The reported data loss: a second `checkpoint-build` on a tree it already built restored
/// the old sources, then applypatch refused the changes and the edit was gone.
#[test]
fn second_run_on_a_built_tree_is_refused_and_keeps_the_edit() {
    let scratch = scratch();
    let (checkpoint, new) = checkpoint_and_edit(&scratch);
    run_in(&new, "checkpoint-build")
        .arg(&checkpoint)
        .args(["--", "make"])
        .success();
    let before = Listing::read(&new);
    let output = run_in(&new, "checkpoint-build")
        .arg(&checkpoint)
        .args(["--", "make"])
        .expect_code(1);
    assert!(
        text(&output.stderr).contains("already built"),
        "should say why\n{output}"
    );
    assert_untouched(&new, &before);
    let greet = fs::read_to_string(new.join("src/greet.c")).expect("read");
    assert!(greet.contains("\", checkpoint\""), "the edit is gone");
}

/// A checkpoint whose outputs no longer match its sources: the changes do not apply to the
/// outputs, so the restore is refused before the tree is touched.
#[test]
fn corrupt_checkpoint_is_refused_before_anything_changes() {
    let scratch = scratch();
    let (checkpoint, new) = checkpoint_and_edit(&scratch);
    fs::write(checkpoint.join("outputs/src/greet.c"), "garbage\n").expect("write");
    refused(&new, &checkpoint, "do not apply to its outputs");
}

/// A file the changes touch is missing from the checkpoint's outputs.
#[test]
fn checkpoint_missing_a_changed_file_is_refused_before_anything_changes() {
    let scratch = scratch();
    let (checkpoint, new) = checkpoint_and_edit(&scratch);
    fs::remove_file(checkpoint.join("outputs/src/greet.c")).expect("rm");
    refused(&new, &checkpoint, "do not apply to its outputs");
}

/// The sources are not the ones the checkpoint was taken from (its `sources/` differs from
/// its `outputs/` where the changes apply).
#[test]
fn mismatched_checkpoint_sources_are_refused_before_anything_changes() {
    let scratch = scratch();
    let (checkpoint, new) = checkpoint_and_edit(&scratch);
    edit(
        &checkpoint.join("sources/src/greet.c"),
        "\", world\"",
        "\", elsewhere\"",
    );
    fs::remove_file(checkpoint.join("sources.mtree")).expect("rm");
    refused(&new, &checkpoint, "do not apply to its outputs");
}

/// A directory of tools whose `treesync` fails after doing nothing (exit 11), the others the
/// real ones.
fn tools_with_failing_treesync(scratch: &Scratch) -> PathBuf {
    let dir = scratch.path().join("failing-tools");
    fs::create_dir(&dir).expect("mkdir");
    for tool in ["treediff", "applypatch"] {
        symlink(bin(tool), dir.join(tool)).expect("symlink");
    }
    let script = dir.join("treesync");
    fs::write(
        &script,
        "#!/bin/sh\necho 'treesync: no space left' >&2\nexit 11\n",
    )
    .expect("write");
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    dir
}

/// A restore that fails half way keeps the changes in the journal, the next run refuses to go
/// on and says how to finish, and `--resume` finishes: the edit is there and the build works.
#[test]
fn interrupted_restore_is_reported_and_resumed() {
    let scratch = scratch();
    let (checkpoint, new) = checkpoint_and_edit(&scratch);
    let output = fails(
        run_in(&new, "checkpoint-build")
            .env(
                "CHECKPOINT_TOOLS_DIR",
                tools_with_failing_treesync(&scratch),
            )
            .arg(&checkpoint)
            .args(["--", "make"]),
    );
    assert!(
        text(&output.stderr).contains("--resume"),
        "should say how to finish\n{output}"
    );
    let saved = fs::read_to_string(new.join(".checkpoint-build/changes.patch")).expect("saved");
    assert!(
        saved.contains("+    return LANG_HELLO \", checkpoint\""),
        "{saved}"
    );

    let before = Listing::read(&new);
    let output = fails(
        run_in(&new, "checkpoint-build")
            .arg(&checkpoint)
            .args(["--", "make"]),
    );
    assert!(
        text(&output.stderr).contains("did not finish")
            && text(&output.stderr).contains("--resume"),
        "{output}"
    );
    assert_untouched(&new, &before);

    let other = scratch.path().join("other");
    for part in ["sources", "outputs"] {
        fs::create_dir_all(other.join(part)).expect("mkdir");
    }
    let output = fails(run_in(&new, "checkpoint-build").arg("--resume").arg(&other));
    assert!(text(&output.stderr).contains("not '"), "{output}");

    run_in(&new, "checkpoint-build")
        .arg("--resume")
        .arg(&checkpoint)
        .args(["--", "make"])
        .success();
    assert!(!new.join(".checkpoint-build").exists(), "journal left");
    let printed = run_in(&new, "./hello").success().stdout;
    assert!(
        text(&printed).contains("Hello, checkpoint!"),
        "{}",
        text(&printed)
    );
}

/// `checkpoint-build CHECKPOINT` (no build) in `tree`, in its own process group, killed with
/// SIGKILL (the whole group) after `after`.
fn killed_after(tree: &Path, checkpoint: &Path, after: Duration) {
    let mut child = Command::new("checkpoint-build")
        .arg(checkpoint)
        .current_dir(tree)
        .env("PATH", test_path())
        .env_remove("CHECKPOINT_TOOLS_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .expect("spawn checkpoint-build");
    std::thread::sleep(after);
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let _ = child.wait();
    // Let the group's last processes go before the tree is read.
    std::thread::sleep(Duration::from_millis(20));
}

/// What a tree killed at some point must be: the old tree exactly, or the complete new one;
/// anything else only with a journal that the next run reports and `--resume` finishes.
/// Returns which of these it was.
fn check_after_kill(
    tree: &Path,
    checkpoint: &Path,
    before: &Listing,
    complete: &Listing,
) -> &'static str {
    let now = Listing::read(tree);
    let is_complete = |l: &Listing| compare(l, complete, &Compare::default()).is_empty();
    if tree.join(".checkpoint-build").exists() {
        let output = fails(run_in(tree, "checkpoint-build").arg(checkpoint));
        assert!(text(&output.stderr).contains("--resume"), "{output}");
        run_in(tree, "checkpoint-build")
            .arg("--resume")
            .arg(checkpoint)
            .success();
        assert!(
            is_complete(&Listing::read(tree)),
            "not the complete new tree"
        );
        "journal"
    } else if tree.join(".checkpoint-build.tmp").exists()
        || tree.join(".checkpoint-build.done").exists()
    {
        let output = run_in(tree, "checkpoint-build").arg(checkpoint).run();
        assert!(
            text(&output.stderr).contains("left by a killed run"),
            "a leftover must be named\n{output}"
        );
        assert!(
            is_complete(&Listing::read(tree)),
            "not the complete new tree"
        );
        "leftover"
    } else {
        let untouched = Compare {
            atimes: false,
            ..Compare::identical()
        };
        let unchanged = compare(before, &now, &untouched).is_empty();
        assert!(
            unchanged || is_complete(&now),
            "killed run left a tree that is neither the old one nor the new one"
        );
        if unchanged { "old" } else { "complete" }
    }
}

/// SIGKILL at 20 points spread over a run never leaves a tree that is neither the old one nor
/// the complete new one without the next run saying what to do.
#[test]
fn killed_runs_leave_the_old_tree_the_new_one_or_a_journal() {
    let scratch = scratch();
    let (checkpoint, template) = checkpoint_and_edit(&scratch);
    let complete_dir = scratch.path().join("complete");
    fs::rename(fresh(&scratch, "complete-src"), &complete_dir).expect("mv");
    change(&complete_dir);
    let started = Instant::now();
    run_in(&complete_dir, "checkpoint-build")
        .arg(&checkpoint)
        .success();
    let full = started.elapsed();
    let complete = Listing::read(&complete_dir);
    let mut seen = std::collections::BTreeMap::new();
    for i in 0..20u32 {
        let tree = scratch.path().join(format!("run{i}"));
        checkpoint_tests::cmd("cp")
            .arg("-RPp")
            .arg(&template)
            .arg(&tree)
            .success();
        let before = Listing::read(&tree);
        killed_after(&tree, &checkpoint, full * (i + 1) / 18);
        *seen
            .entry(check_after_kill(&tree, &checkpoint, &before, &complete))
            .or_insert(0) += 1;
    }
    eprintln!("killed runs left (a run took {full:?}): {seen:?}");
}
