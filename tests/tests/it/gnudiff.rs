//! treediff with two files: what GNU `diff -u` writes (or `diff -c`, `diff --normal` when
//! asked), byte for byte on the same inputs, stdout and exit status, and its messages with
//! `treediff:` where GNU's say `diff:`.
//!
//! Inputs are chosen so that the changes are unambiguous (distinct lines): how changes are
//! computed is hunk.rs's business, how they are printed is what is tested here.

use std::path::Path;

use checkpoint_tests::*;

/// GNU `diff GNU_ARGS ARGS` and `treediff ARGS` in `dir`, in time zone `tz`; the same output,
/// status, and messages (GNU's `diff:` read as `treediff:`).
#[track_caller]
fn like_gnu(dir: &Path, gnu_args: &[&str], args: &[&str], tz: &str) {
    require_tool("diff");
    let gnu = cmd("diff")
        .args(gnu_args)
        .args(args)
        .cwd(dir)
        .env("TZ", tz)
        .run();
    let ours = tool("treediff").args(args).cwd(dir).env("TZ", tz).run();
    let gnu_err = show(&gnu.stderr)
        .replace("diff: ", "treediff: ")
        .replace("'diff --help'", "'treediff --help'");
    assert_eq!(
        (show(&ours.stdout), show(&ours.stderr), ours.code()),
        (show(&gnu.stdout), gnu_err, gnu.code()),
        "\nGNU:\n{gnu}\nours:\n{ours}"
    );
}

/// `treediff ARGS` against `diff -u ARGS`, or `diff ARGS` when ARGS choose a format.
#[track_caller]
fn like_diff_u(dir: &Path, args: &[&str]) {
    let styled = args.iter().any(|a| {
        a.starts_with("-U")
            || a.starts_with("--unified")
            || a.starts_with("-c")
            || a.starts_with("-C")
            || *a == "--normal"
            || a.starts_with("--context")
    });
    let gnu: &[&str] = if styled { &[] } else { &["-u"] };
    like_gnu(dir, gnu, args, "UTC");
}

#[test]
fn two_files_in_every_format_are_written_as_gnu_writes_them() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for (a, b) in GNU_FILE_PAIRS {
        for format in GNU_TWO_FILE_FORMATS {
            let args: Vec<&str> = format.iter().copied().chain([a, b]).collect();
            like_diff_u(&dir.join("t"), &args);
        }
    }
}

#[test]
fn labels_replace_names_and_times_in_headers_and_messages() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    for args in [
        &["--label", "old file", "--label", "new", "num1", "num2"][..],
        &["--label=L1", "-c", "num1", "num2"],
        &["--label", "L1", "--label", "L2", "-q", "num1", "num2"],
        &["--label", "L1", "--label", "L2", "-s", "same1", "same2"],
        &["--label", "L1", "--label", "L2", "bin1", "bin2"],
        &[
            "--label", "a", "--label", "b", "--label", "c", "num1", "num2",
        ],
    ] {
        like_diff_u(&t, args);
    }
}

#[test]
fn header_times_are_local_as_tz_says() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for tz in [
        "UTC",
        "EST5EDT",
        "Asia/Kathmandu",
        "<+0330>-3:30",
        ":Europe/Paris",
    ] {
        like_gnu(&dir.join("t"), &["-u"], &["num1", "num2"], tz);
        like_gnu(&dir.join("t"), &[], &["-c", "num1", "num2"], tz);
        like_gnu(&dir.join("t"), &["-u"], &["-N", "num1", "gone"], tz);
    }
}

#[test]
fn operands_file_directory_stdin_dev_null_and_missing_are_taken_as_gnu_takes_them() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    std::fs::create_dir(t.join("d")).expect("mkdir");
    std::fs::write(t.join("d/num1"), "line 1\nline 2\n").expect("write");
    for args in [
        &["num1", "d"][..],
        &["d/", "num1"],
        &["num1", "d//"],
        &["num2", "d"],
        &["-N", "num2", "d"],
        &["nosuch", "num1"],
        &["num1", "nosuch"],
        &["-N", "nosuch", "num1"],
        &["-N", "num1", "nosuch"],
        &["-cN", "nosuch", "num1"],
        &["/dev/null", "num1"],
        &["-q", "num1", "/dev/null"],
        &["-", "d"],
        &["num1/", "num1"],
        &["-s", "num1", "num1"],
    ] {
        like_diff_u(&t, args);
    }
}

#[test]
fn usage_errors_are_gnu_s() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for args in [
        &["-u", "-c", "num1", "num2"][..],
        &["-C1", "-U1", "num1", "num2"],
    ] {
        like_gnu(&dir.join("t"), &[], args, "UTC");
    }
}

#[test]
fn treediff_compares_two_files_as_diff_u_does() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    for (a, b) in GNU_FILE_PAIRS {
        let gnu = cmd("diff")
            .args(["-u", a, b])
            .cwd(&t)
            .env("TZ", "EST5EDT")
            .run();
        let ours = tool("treediff")
            .args([a, b])
            .cwd(&t)
            .env("TZ", "EST5EDT")
            .run();
        assert_eq!(
            (show(&ours.stdout), ours.code()),
            (show(&gnu.stdout), gnu.code()),
            "\nGNU:\n{gnu}\nours:\n{ours}"
        );
    }
    // A file and a directory: the file and the directory's file of the same name.
    std::fs::create_dir(t.join("d")).expect("mkdir");
    std::fs::write(t.join("d/num1"), "line 1\nline 2\n").expect("write");
    let gnu = cmd("diff").args(["-u", "num1", "d/"]).cwd(&t).run();
    let ours = tool("treediff").args(["num1", "d/"]).cwd(&t).run();
    assert_eq!(show(&ours.stdout), show(&gnu.stdout), "{ours}");
    assert_eq!(ours.code(), Some(1));
}

#[test]
fn treediff_still_writes_its_tree_patch_for_two_directories() {
    let dir = scratch();
    Tree::new().file("f", "1\n").build(dir.join("a"));
    Tree::new().file("f", "2\n").build(dir.join("b"));
    let out = tool("treediff")
        .args(["a", "b"])
        .cwd(dir.path())
        .expect_code(1);
    assert!(
        out.stdout_str().starts_with("diff --git a/f b/f\n"),
        "{out}"
    );
    let out = tool("treediff")
        .args(["-c", "a", "b"])
        .cwd(dir.path())
        .expect_code(2);
    assert!(out.stderr_text().contains("apply to two files"), "{out}");
}
