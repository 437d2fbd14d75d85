//! GNU diff's side-by-side format under the name `diff` (`-y`, `-W`, `--left-column`,
//! `--suppress-common-lines`): the column arithmetic for many widths and tab sizes, with
//! tabs, wide and invalid characters, control characters, incomplete lines and ignorable
//! changes, in the C and a UTF-8 locale. Every case runs /usr/bin/diff and ours on the same
//! inputs (see diffname.rs) and compares stdout, stderr and the exit status byte for byte.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::{agree, our_diff_dir, same};

fn pairs(t: &Path) {
    let long = |c: &str| c.repeat(200);
    Tree::new()
        .file(
            "y1",
            format!("{}\nsame\nleft only\nchanged a\n\tTAB\nab\tc\n", long("x")),
        )
        .file(
            "y2",
            format!("{}\nsame\nchanged b\n\tTAB\nab\tc\nright only\n", long("y")),
        )
        .file("z1", "\nsame\n\nL\nend")
        .file("z2", "\nsame\nx\n\nR\nend\n")
        .file("v1", "a\nb\nc\n")
        .file("v2", "a\n\nb\nc\n\n")
        .file("v5", "a\nfoo1\nfoo3\nc\n")
        .file("v6", "a\nfoo2\nc\n")
        .file("u1", "\u{e9}\tx\n\u{1}\tb\nab\u{8}c\td\n\r\tx\nabc\r\ty\n")
        .file("u2", "\u{e9}\ty\n")
        .file(
            "k1",
            "\u{6f22}\u{5b57}\u{6f22}\u{5b57}\u{6f22}\u{5b57}\nab\tc\n",
        )
        .file(
            "k2",
            "\u{6f22}\u{5b57}\u{6f22}\u{5b57}\u{6f22}\u{5b57}\nab\tC\n",
        )
        .file("e1", b"\xff\xfe\xfdxyzw\nab\n".as_slice())
        .file("e2", b"\xff\xfe\xfdxyzw\nAB\n".as_slice())
        .file("same1", "x\ny\n")
        .file("same2", "x\ny\n")
        .build(t);
}

const PAIRS: [(&str, &str); 9] = [
    ("y1", "y2"),
    ("z1", "z2"),
    ("v1", "v2"),
    ("v5", "v6"),
    ("u1", "u2"),
    ("k1", "k2"),
    ("e1", "e2"),
    ("same1", "same2"),
    ("y2", "y1"),
];

#[test]
fn columns_are_laid_out_as_gnu_lays_them_out_for_every_width() {
    let dir = scratch();
    let t = dir.join("t");
    pairs(&t);
    for (a, b) in PAIRS {
        for width in [
            "1", "2", "3", "5", "7", "9", "12", "17", "20", "31", "40", "72", "130",
        ] {
            for opts in [&[][..], &["-t"], &["--tabsize=3", "-t"], &["--tabsize=5"]] {
                let args: Vec<&str> = ["-y", "-W", width]
                    .iter()
                    .chain(opts)
                    .copied()
                    .chain([a, b])
                    .collect();
                same(&t, &args);
            }
        }
        same(&t, &["-y", a, b]);
        same(&t, &["--side-by-side", "--width=60", a, b]);
    }
}

#[test]
fn characters_take_the_locale_s_widths() {
    let dir = scratch();
    let t = dir.join("t");
    pairs(&t);
    let ours = our_diff_dir(dir.path());
    for locale in ["C", "C.UTF-8"] {
        for (a, b) in PAIRS {
            for width in ["1", "5", "9", "20"] {
                let run = |path: &Path| {
                    cmd("diff")
                        .args(["-y", "-W", width, a, b])
                        .cwd(&t)
                        .env("PATH", path)
                        .env("LC_ALL", locale)
                        .run()
                };
                agree(&run(Path::new("/usr/bin")), &run(&ours));
            }
        }
    }
}

#[test]
fn common_lines_ignored_changes_and_options_combine_as_gnu_s() {
    let dir = scratch();
    let t = dir.join("t");
    pairs(&t);
    for (a, b) in PAIRS {
        for opts in [
            &["--left-column"][..],
            &["--suppress-common-lines"],
            &["--left-column", "--suppress-common-lines"],
            &["-B"],
            &["-I", "foo"],
            &["-I", "foo", "--suppress-common-lines"],
            &["-i", "-s"],
            &["-T"],
            &["-t", "-w"],
            &["-q"],
        ] {
            let args: Vec<&str> = ["-y", "-W", "40"]
                .iter()
                .chain(opts)
                .copied()
                .chain([a, b])
                .collect();
            same(&t, &args);
        }
    }
}

#[test]
fn side_by_side_usage_errors_and_directories_are_gnu_s() {
    let dir = scratch();
    let t = dir.join("t");
    pairs(&t);
    Tree::new()
        .file("a/f", "1\n2\n")
        .file("a/same", "x\n")
        .file("b/f", "1\n3\n")
        .file("b/same", "x\n")
        .build(&t);
    for args in [
        &["-y", "-u", "v1", "v2"][..],
        &["-y", "-W", "0", "v1", "v2"],
        &["-y", "-W", "-1", "v1", "v2"],
        &["-y", "-W", "x", "v1", "v2"],
        &["-y", "--width=", "v1", "v2"],
        &["-y", "-W", " +9", "v1", "v2"],
        &["--left-column", "v1", "v2"],
        &["-W", "20", "v1", "v2"],
        &["-y", "-W", "30", "a", "b"],
        &["-r", "-y", "-W", "30", "-s", "a", "b"],
    ] {
        same(&t, args);
    }
}

#[test]
fn rows_of_incomplete_lines_and_carriage_returns_are_gnu_s() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("n1", "a\nb")
        .file("n2", "a\nc")
        .file("nl", "a\nb\n")
        .file("m1", "a\nb\nc")
        .file("m2", "A\nb\nc")
        .build(&t);
    for (a, b) in [
        ("n1", "n2"),
        ("nl", "n1"),
        ("n1", "nl"),
        ("m1", "m2"),
        ("n1", "m1"),
    ] {
        for opts in [
            &[][..],
            &["--left-column"],
            &["--suppress-common-lines"],
            &["-t"],
        ] {
            let args: Vec<&str> = ["-y", "-W", "30"]
                .iter()
                .chain(opts)
                .copied()
                .chain([a, b])
                .collect();
            same(&t, &args);
        }
    }
}

#[test]
fn sdiff_merge_assist_heads_each_run_as_gnu_does() {
    let dir = scratch();
    let t = dir.join("t");
    pairs(&t);
    Tree::new()
        .file("m1", "1\n2\n3\n4\n5\n")
        .file("m2", "1\nX\n3\n5\n6\n")
        .file("empty", "")
        .file("x/f", "a\nb\n")
        .file("y/f", "a\nc\n")
        .file("x/bin", b"\0bin".as_slice())
        .file("y/bin", b"\0bon".as_slice())
        .file("x/only", "o\n")
        .file("x/same", "s\n")
        .file("y/same", "s\n")
        .dir("x/sub")
        .dir("y/sub")
        .build(&t);
    // diff's own lines start with a space.
    for opts in [&["-r"][..], &["-q", "-r"], &["-s"], &["-rN"]] {
        let args: Vec<&str> = ["--sdiff-merge-assist"]
            .iter()
            .chain(opts)
            .copied()
            .chain(["x", "y"])
            .collect();
        same(&t, &args);
    }
    let extra = [("m1", "m2"), ("m2", "m1"), ("empty", "m1"), ("m1", "empty")];
    for (a, b) in PAIRS.iter().chain(&extra) {
        for opts in [
            &[][..],
            &["-W", "30"],
            &["--suppress-common-lines"],
            &["--left-column"],
            &["-y"],
            &["-t", "-W", "40"],
            &["-i"],
            &["-B", "-W", "20"],
            &["-u"],
            &["-q"],
        ] {
            let args: Vec<&str> = ["--sdiff-merge-assist"]
                .iter()
                .chain(opts)
                .copied()
                .chain([*a, *b])
                .collect();
            same(&t, &args);
        }
    }
}
