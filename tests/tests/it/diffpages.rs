//! `diff -l`/`--paginate` under the name `diff`: GNU diff passes each pair's changes through
//! `pr`; ours lays the pages out itself. Compared byte for byte with /usr/bin/diff (see
//! diffname.rs): page breaks at 56 lines and at form feeds, the centred title (the `diff
//! OPTIONS A B` line, quoted, labels), every output format, directories (where diff's own
//! lines come after the pages, as GNU's buffered output does in a pipe), exit status.
//! The header carries the minute the page was made: a run that straddles a minute is rerun.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::{agree, both};

/// Ours and GNU's agree on `diff ARGS` in `dir` (rerun once if a minute turned between them).
#[track_caller]
fn same_pages(dir: &Path, args: &[&str]) {
    let (mut gnu, mut ours) = both(dir, args, None, "UTC");
    if gnu.stdout != ours.stdout {
        (gnu, ours) = both(dir, args, None, "UTC");
    }
    agree(&gnu, &ours);
}

fn trees(t: &Path) {
    let long: String = (1..=130).map(|i| format!("line {i}\n")).collect();
    let other: String = (1..=130).map(|i| format!("LINE {i}\n")).collect();
    let title = "n".repeat(45);
    Tree::new()
        .file("a", "a\nb\nc\n")
        .file("b", "a\nB\nc\n")
        .file("long1", long.as_str())
        .file("long2", other.as_str())
        .file("ff1", "q\n")
        .file("ff2", "x\x0c\ny\n\x0cz\nw\x0c")
        .file("ff3", "x\x0c\x0c\ny\n")
        .file(&title, "a\nB\nc\nd\n")
        .file("name with space", "z\n")
        .file("x/f", "a\nb\n")
        .file("y/f", "a\nc\n")
        .file("x/g", "1\n")
        .file("y/g", "2\n")
        .file("x/bin", b"\0bin".as_slice())
        .file("y/bin", b"\0bon".as_slice())
        .file("x/only", "o\n")
        .file("x/same", "s\n")
        .file("y/same", "s\n")
        .dir("y/sub")
        .build(t);
}

#[test]
fn pages_are_laid_out_as_pr_lays_them_out() {
    let dir = scratch();
    let t = dir.join("t");
    trees(&t);
    let title = "n".repeat(45);
    for (a, b) in [
        ("a", "b"),
        ("long1", "long2"),
        ("ff1", "ff2"),
        ("ff1", "ff3"),
        ("ff2", "ff1"),
        ("a", title.as_str()),
        ("a", "name with space"),
        ("a", "a"),
    ] {
        for opts in [
            &["-l"][..],
            &["--paginate", "-u"],
            &["-lc"],
            &["-l", "-y", "-W", "40"],
            &["-l", "-e"],
            &["-l", "-n"],
            &["-l", "-D", "X"],
            &["-l", "-q"],
            &["-l", "-s"],
            &["-l", "--label", "L1", "--label", "L2"],
        ] {
            let args: Vec<&str> = opts.iter().copied().chain([a, b]).collect();
            same_pages(&t, &args);
        }
    }
}

#[test]
fn directories_page_each_file_and_keep_their_own_lines_for_last() {
    let dir = scratch();
    let t = dir.join("t");
    trees(&t);
    for opts in [
        &["-l"][..],
        &["-l", "-r"],
        &["-l", "-r", "-u"],
        &["-lrN"],
        &["-l", "-r", "-q"],
        &["-l", "-r", "-s"],
        &["-l", "-r", "x/", "y"],
        &["-l", "--sdiff-merge-assist", "-r"],
        &["-l", "--sdiff-merge-assist", "-q", "-r"],
    ] {
        let mut args: Vec<&str> = opts.to_vec();
        if !args.contains(&"x/") {
            args.extend(["x", "y"]);
        }
        same_pages(&t, &args);
    }
}
