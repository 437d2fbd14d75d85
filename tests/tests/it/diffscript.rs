//! GNU diff's scripts under the name `diff`: `-e` (ed), `-f` (forward ed) and `-n` (RCS),
//! with lines that are a lone `.`, incomplete last lines (which ed cannot say: GNU warns and
//! exits 2), binary files, ignorable changes and directories. Every case runs /usr/bin/diff
//! and ours on the same inputs (see diffname.rs) and compares stdout, stderr and the exit
//! status byte for byte.

use checkpoint_tests::*;

use crate::diffname::same;

#[test]
fn scripts_are_written_as_gnu_writes_them() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("ed1", "1\n2\n3\n4\n5\n6\n")
        .file("ed2", "0\n1\n.\n3\nfour\n5\n6\n7\n8\n")
        .file("dot0", "x\n")
        .file("dots", "x\n.\ny\n.\n.\nz\n")
        .file("dotend", "x\n.\n")
        .file("n1", "a\nb")
        .file("n2", "a\nc")
        .file("nl", "a\nb\n")
        .file("m1", "a\nb\nc")
        .file("m2", "A\nb\nc")
        .file("m3", "a\nb\nc\n")
        .file("n1c", "a\nb")
        .file("bz1", b"a\0b".as_slice())
        .file("bz2", b"a\0c".as_slice())
        .file("i1", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n")
        .file("i2", "1\n2\n\n3\n4\n5\n6\nSIX\n7\n8\n9\n10\n\n11\n12\n")
        .file("t1", "a\tb\n.\n")
        .file("t2", "x\n\tc\t.\n.\nab\x08\tz\n\t.")
        .build(&t);
    let pairs = [
        ("t1", "t2"),
        ("ed1", "ed2"),
        ("ed2", "ed1"),
        ("dot0", "dots"),
        ("dots", "dot0"),
        ("dot0", "dotend"),
        ("n1", "n2"),
        ("nl", "n1"),
        ("n1", "nl"),
        ("m1", "m2"),
        ("m1", "m3"),
        ("m3", "m1"),
        ("n1", "n1c"),
        ("n1", "n1"),
        ("bz1", "bz2"),
        ("i1", "i2"),
    ];
    let options: [&[&str]; 16] = [
        &["-e", "-t"],
        &["-f", "-t", "--tabsize=3"],
        &["-n", "-t"],
        &["-e", "-T"],
        &["-e"],
        &["--ed"],
        &["-f"],
        &["--forward-ed"],
        &["-n"],
        &["--rcs"],
        &["-e", "-B"],
        &["-n", "-B", "-i"],
        &["-e", "-s"],
        &["-f", "-q"],
        &["-e", "-a"],
        &["-n", "-a", "-s"],
    ];
    for (a, b) in pairs {
        for opts in options {
            let args: Vec<&str> = opts.iter().copied().chain([a, b]).collect();
            same(&t, &args);
        }
    }
    same(&t, &["-e", "-n", "ed1", "ed2"]);
}

#[test]
fn scripts_in_directories_are_gnu_s() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("a/f", "1\n2\n")
        .file("a/g", "x\ny")
        .file("a/sub/h", "h\n")
        .file("b/f", "1\n3\n")
        .file("b/g", "x\nz")
        .file("b/sub/h", "H\n")
        .build(&t);
    for args in [
        &["-e", "a", "b"][..],
        &["-r", "-f", "a", "b"],
        &["-r", "-n", "a", "b"],
    ] {
        same(&t, args);
    }
}
