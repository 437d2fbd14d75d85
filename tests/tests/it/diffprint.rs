//! How GNU diff writes what it found, under the name `diff`: function lines after the hunk
//! headers (`-p`, `-F RE`), tabs (`-t`, `-T`, `--tabsize`) and empty lines
//! (`--suppress-blank-empty`). Every case runs /usr/bin/diff and ours on the same inputs (see
//! diffname.rs) and compares stdout, stderr and the exit status byte for byte.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::same;

/// C-like sources with functions, long and indented heading candidates, and lines for tabs.
fn sources(t: &Path) {
    let old = [
        "int main(void)   ",
        "{",
        "  a;",
        "  b;",
        "  c;",
        "  d;",
        "  e;",
        "}",
        "static int very_long_function_name_that_is_long(int argument_one, int two)\t ",
        "{",
        "  x;",
        "  y;",
        "  z;",
        "  w;",
        "  v;",
        "}",
        "$dollar",
        "_under",
        "9digit",
        "\t  \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        "x\tyy  \t",
        "  q;",
        "",
        "  r;",
    ];
    let mut new = old.to_vec();
    new[4] = "  C;";
    new[12] = "  Z;";
    new[17] = "_UNDER";
    new[21] = "  Q;";
    new[23] = "  R;";
    let join = |l: &[&str]| l.iter().map(|l| format!("{l}\n")).collect::<String>();
    Tree::new()
        .file("f1", join(&old))
        .file("f2", join(&new))
        .file(
            "t1",
            "a\tb\n\n\tx\nab\tc\nkeep\n\u{e9}\tx\n\u{1}\tb\nab\u{8}c\td\n\r\tx\nabc\r\ty\n\r\n",
        )
        .file(
            "t2",
            "a\tB\n\n\ty\nab\tc\nkeep\n\u{e9}\ty\n\u{1}\tB\nab\u{8}c\tD\n\r\tX\nabc\r\tY\n\r\n",
        )
        .file("s1", "a\n\nb\n\n")
        .file("s2", "A\n\nb\nc\n")
        .build(t);
}

#[test]
fn function_lines_name_the_last_match_before_each_hunk() {
    let dir = scratch();
    let t = dir.join("t");
    sources(&t);
    for args in [
        &["-p", "-u"][..],
        &["-p"],
        &["-p", "--normal"],
        &["-p", "-U0"],
        &["--show-c-function", "-C1"],
        &["-F", "^ ", "-U0"],
        &["-F", "x", "-U1"],
        &["--show-function-line=^[^ ]", "-U0"],
        &["-F", "x", "-F", "^\\$", "-u"],
        &["-p", "-F", "q", "-c"],
        &["-F", "x"],
        &["-F", "\\(", "-u"],
        &["-p", "-q"],
    ] {
        let args: Vec<&str> = args.iter().copied().chain(["f1", "f2"]).collect();
        same(&t, &args);
    }
}

#[test]
fn tabs_and_empty_lines_are_written_as_gnu_writes_them() {
    let dir = scratch();
    let t = dir.join("t");
    sources(&t);
    let options: [&[&str]; 9] = [
        &["-t"],
        &["-T"],
        &["--expand-tabs", "--initial-tab"],
        &["--tabsize=4", "-t"],
        &["--tabsize", "3", "-t", "-T", "--suppress-blank-empty"],
        &["--suppress-blank-empty"],
        &["-T", "--suppress-blank-empty"],
        &["-t", "--suppress-blank-empty"],
        &["--tabsize=1", "-t"],
    ];
    for (a, b) in [("t1", "t2"), ("s1", "s2"), ("f1", "f2")] {
        for opts in options {
            for format in [&[][..], &["-u"], &["-c"], &["-U0"]] {
                let args: Vec<&str> = opts.iter().chain(format).copied().chain([a, b]).collect();
                same(&t, &args);
            }
        }
    }
}

#[test]
fn a_bad_tab_size_is_refused_in_gnu_s_words() {
    let dir = scratch();
    let t = dir.join("t");
    sources(&t);
    for size in ["0", "-1", "x", "", "00", "+5", " 5", "05"] {
        same(&t, &["--tabsize", size, "-t", "t1", "t2"]);
    }
}

#[test]
fn printing_options_combine_with_comparison_options_and_directories() {
    let dir = scratch();
    let t = dir.join("t");
    sources(&t);
    Tree::new()
        .file("a/f", "int f()\n{\n\tone;\n\ttwo;\n}\n")
        .file("b/f", "int f()\n{\n\tONE;\n        two;\n}\n")
        .build(&t);
    for args in [
        &["-u", "-b", "-p", "f1", "f2"][..],
        &["-r", "-u", "-i", "-p", "-t", "a", "b"],
        &["-r", "-c", "-E", "-T", "a", "b"],
        &["-r", "-q", "-i", "-E", "a", "b"],
        &["-t", "-T", "-w", "-U1", "t1", "t2"],
    ] {
        same(&t, args);
    }
}
