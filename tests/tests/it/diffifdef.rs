//! GNU diff's merged output under the name `diff`: `-D NAME` and the line and group formats
//! with every `%` escape (`%<`, `%>`, `%=`, `%l`, `%L`, `%c'C'`, printf conversions of the
//! line numbers, `%(A=B?T:E)`), malformed escapes, equal files and directories. Every case
//! runs /usr/bin/diff and ours on the same inputs (see diffname.rs) and compares stdout,
//! stderr and the exit status byte for byte.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::same;

fn inputs(t: &Path) {
    Tree::new()
        .file("ed1", "1\n2\n3\n4\n5\n6\n")
        .file("ed2", "0\n1\n.\n3\nfour\n5\n6\n7\n8\n")
        .file("n1", "a\nb")
        .file("n2", "a\nc")
        .file("nl", "a\nb\n")
        .file("i1", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n")
        .file("i2", "1\n2\n\n3\n4\n5\n6\nSIX\n7\n8\n9\n10\n\n11\n12\n")
        .file("same1", "x\ny\n")
        .file("same2", "x\ny\n")
        .file("a/f", "1\n2\n")
        .file("b/f", "1\n3\n")
        .file("t1", "a\tb\n\tsame\tx\x08\ty\n")
        .file("t2", "ccc\td\n\tsame\tx\x08\ty\n")
        .build(t);
}

const PAIRS: [(&str, &str); 8] = [
    ("t1", "t2"),
    ("ed1", "ed2"),
    ("ed2", "ed1"),
    ("n1", "n2"),
    ("nl", "n1"),
    ("n1", "nl"),
    ("i1", "i2"),
    ("same1", "same2"),
];

#[test]
fn ifdef_merges_both_files_as_gnu_does() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    for (a, b) in PAIRS {
        for opts in [
            &["-DTWO"][..],
            &["--ifdef=HAVE_X"],
            &["-D", "X", "-B"],
            &["-D", "X", "-i", "-s"],
            &["-D", "X", "-q"],
            &["-D", "X", "--old-group-format=OLD\n%<"],
            &["-D", "X", "--line-format=> %L"],
            &["-D", "X", "-t"],
            &["-D", "X", "-T"],
            &["--tabsize=3", "-t", "--changed-group-format=[%<|%>]"],
            &["-t", "--line-format=<%l>%c'\\n'"],
        ] {
            let args: Vec<&str> = opts.iter().copied().chain([a, b]).collect();
            same(&t, &args);
        }
    }
}

#[test]
fn group_and_line_formats_expand_every_escape_as_gnu_does() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    let all = "[%dn %df %dl %de %dm|%dN %dF %dL %dE %dM]\n";
    let groups = [
        "%z",
        "%",
        "%c",
        "%c'ab'",
        "%(",
        "%(n=1?a",
        "%5",
        "%d",
        "%c'\\101'",
        "%c':'",
        "%(N=0?no:%dN) line%(N=1?:s)",
        "%(1=1?x:y)",
        "%(n=n?x:y)",
        "%5.3dn",
        "%-5dn|",
        "%'dn",
        "%ld",
        "%(n=1?%(f=1?A:B):C)",
        "%(x=1?a:b)",
        "%<%<",
        "%=",
        "%l",
        "%(n=1?%c':':b)",
        "%o%xN%XN%05dm%-3dE|",
    ];
    for (a, b) in PAIRS {
        let old = format!("--old-group-format=O{all}");
        let new = format!("--new-group-format=N{all}");
        same(
            &t,
            &[
                "--unchanged-group-format=U[%=]",
                &old,
                &new,
                "--changed-group-format=C[%<|%>]\n",
                "--unchanged-line-format=u%dn:%l;",
                a,
                b,
            ],
        );
        same(&t, &["--line-format=%5dn|%-4xn|%05on|%.3dn %L", a, b]);
        for f in groups {
            let (old, changed) = (
                format!("--old-group-format={f}"),
                format!("--changed-group-format=[{f}]"),
            );
            same(
                &t,
                &[
                    &old,
                    "--new-group-format=",
                    &changed,
                    "--unchanged-group-format=",
                    a,
                    b,
                ],
            );
            let (old, new) = (
                format!("--old-line-format={f}"),
                format!("--new-line-format={f}|%l"),
            );
            same(&t, &[&old, &new, a, b]);
        }
    }
}

#[test]
fn formats_refuse_other_styles_conflicts_and_directories_as_gnu_does() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    for args in [
        &["-D", "X", "-u", "ed1", "ed2"][..],
        &["--line-format=x", "-c", "ed1", "ed2"],
        &["--line-format=x", "--normal", "ed1", "ed2"],
        &["-D", "X", "-y", "ed1", "ed2"],
        &["-r", "-D", "X", "a", "b"],
        &["--line-format=%L", "a", "b"],
        &["-D", "X", "ed1", "a"],
        &["--old-group-format=A", "-D", "X", "ed1", "ed2"],
        &["--old-group-format=A", "--old-group-format=B", "ed1", "ed2"],
        &["--old-group-format=A", "--old-group-format=A", "ed1", "ed2"],
        &["-D", "X", "-D", "Y", "ed1", "ed2"],
        &["-DX", "--ifdef=X", "ed1", "ed2"],
        &["--line-format=A", "--old-line-format=B", "ed1", "ed2"],
        &["--old-line-format=B", "--line-format=A", "ed1", "ed2"],
        &["--unchanged-group-format=%=", "-D", "X", "ed1", "ed2"],
        // The first conflict -D meets, in GNU's order (unchanged, old, new, changed).
        &[
            "--unchanged-group-format=",
            "--changed-group-format=%<%>",
            "-D",
            "X",
            "ed1",
            "ed2",
        ],
        &[
            "--new-group-format=x",
            "--changed-group-format=x",
            "-DX",
            "ed1",
            "ed2",
        ],
        &[
            "--changed-group-format=x",
            "--old-group-format=x",
            "-DX",
            "ed1",
            "ed2",
        ],
        // GNU stops at the first bad option: a format conflict before a style conflict.
        &["-DX", "--old-group-format=<%<>", "-C0", "ed1", "ed2"],
        &["--old-line-format=x", "--line-format=y", "-y", "ed1", "ed2"],
        &["-DX", "-u", "--old-group-format=x", "ed1", "ed2"],
        &["--line-format=x", "-u", "--line-format=y", "ed1", "ed2"],
    ] {
        same(&t, args);
    }
}
