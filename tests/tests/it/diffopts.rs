//! GNU diff's options beyond the formats, under the name `diff`: how lines compare (`-i`,
//! `-E`, `-Z`, `-b`, `-w`, `--strip-trailing-cr`), which changes are left out (`-B`, `-I RE`),
//! and how the changes are searched (`-d`, `--horizon-lines`, `-H`, `--speed-large-files`).
//! Every case runs /usr/bin/diff and ours on the same inputs (see diffname.rs) and compares
//! stdout, stderr and the exit status byte for byte.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::{agree, both, same};

/// Pairs of files that differ in white space, case, blank lines and line ends.
fn loose_pairs(t: &Path) {
    Tree::new()
        .file("sp1", "a  b\nsame\nX y\nctx\nend\nfoo  \nmid\nbar\ny\n")
        .file("sp2", "a b\nsame\nx Y\nctx\nEnd\nfoo\nmid\nBAR\ny\n")
        .file("tab1", "x\tb\nab\tc\n\tlead\nx \tb\nkeep\n")
        .file("tab2", "x       b\nab      c\n        lead\nx\tb\nkeep\n")
        .file("ws1", "a\n a\na b\nab\na\r\na\u{b}b\n\u{a0}\nz\n")
        .file("ws2", " a\n  a\nab\na  b\na\na b\n \nZ\n")
        .file("nonl", "a\nb")
        .file("nl", "a\nb \n")
        .file("blank1", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n")
        .file("blank2", "1\n2\n\n3\n4\n5\n6\nSIX\n7\n8\n9\n10\n\n11\n12\n")
        .file("blank3", "1\n2\n \n3\n4\n5\n6\n7\n8\n9\n10\n\t\n11\n12\n")
        .file("crlf1", "a\r\nb\r\nc\r\r\nd\r")
        .file("crlf2", "a\nB\nc\r\nd\r")
        .file("crlf3", "a\nb\nc\r\nd\r")
        .build(t);
}

const PAIRS: [(&str, &str); 9] = [
    ("sp1", "sp2"),
    ("tab1", "tab2"),
    ("ws1", "ws2"),
    ("nonl", "nl"),
    ("nl", "nonl"),
    ("blank1", "blank2"),
    ("blank1", "blank3"),
    ("crlf1", "crlf2"),
    ("crlf1", "crlf3"),
];

#[test]
fn white_space_and_case_options_compare_lines_as_gnu_does() {
    let dir = scratch();
    let t = dir.join("t");
    loose_pairs(&t);
    let options: [&[&str]; 14] = [
        &["-i"],
        &["--ignore-case", "-u"],
        &["-E"],
        &["--ignore-tab-expansion", "--tabsize=4"],
        &["-Z", "-c"],
        &["-E", "-Z"],
        &["-b", "-u"],
        &["--ignore-space-change"],
        &["-w", "-c"],
        &["--ignore-all-space", "-b", "-E"],
        &["-i", "-w", "-U1"],
        &["-b", "-q"],
        &["-w", "-s"],
        &["--strip-trailing-cr", "-s"],
    ];
    for (a, b) in PAIRS {
        for opts in options {
            let args: Vec<&str> = opts.iter().copied().chain([a, b]).collect();
            same(&t, &args);
        }
    }
}

#[test]
fn blank_and_matching_changes_are_left_out_unless_near_a_printed_one() {
    let dir = scratch();
    let t = dir.join("t");
    loose_pairs(&t);
    let options: [&[&str]; 12] = [
        &["-B"],
        &["-B", "-u"],
        &["-B", "-U1"],
        &["-B", "-U0"],
        &["--ignore-blank-lines", "-c"],
        &["-B", "-b", "-u"],
        &["-B", "-Z", "-q"],
        &["-B", "-w", "-s"],
        &["-I", "^[0-9]*$", "-u"],
        &["-I", "SIX", "-I", "^$", "-U2"],
        &["--ignore-matching-lines=a\\|b", "-c"],
        &["-I", "X", "-i", "-s"],
    ];
    for (a, b) in PAIRS {
        for opts in options {
            let args: Vec<&str> = opts.iter().copied().chain([a, b]).collect();
            same(&t, &args);
        }
    }
}

#[test]
fn an_ignorable_change_joins_a_hunk_only_within_the_context() {
    let dir = scratch();
    let t = dir.join("t");
    let numbered: Vec<String> = (1..=20).map(|i| format!("{i}\n")).collect();
    let mut tree = Tree::new().file("base", numbered.concat());
    for gap in 0..5 {
        let mut lines = numbered.clone();
        lines.insert(5 + gap, "\n".to_string());
        lines.insert(5, "SIX\n".to_string());
        tree = tree.file(format!("gap{gap}"), lines.concat());
    }
    tree.build(&t);
    for gap in 0..5 {
        let name = format!("gap{gap}");
        for ctx in ["-U0", "-U1", "-U2", "-u", "-c"] {
            same(&t, &["-B", ctx, "base", &name]);
            same(&t, &["-B", ctx, &name, "base"]);
        }
    }
}

#[test]
fn ignore_matching_lines_takes_grep_s_basic_expressions() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("r1", "keep\nfoo a\nkeep2\n")
        .file("r2", "keep\nfoo b\nkeep2\n")
        .build(&t);
    for re in [
        "foo",
        "^foo",
        "a$",
        "[ab]$",
        "o\\{2\\}",
        "o{2}",
        "fo\\+",
        "fo+",
        "x\\|foo",
        "x|foo",
        "\\(fo\\)o",
        "\\<foo\\>",
        "\\bfoo",
        "\\w\\+ [ab]",
        "FOO",
        ".*",
        "",
        "a\\|b$",
        "[[:alpha:]]* [[:lower:]]",
        "*foo",
        "^*",
        "foo$\\|x",
        "\\`foo",
        "b\\'",
        "[]a]$",
        "[\\]",
        "x\\{,2\\}",
        "a\\{1,\\}",
        "\\{",
        "a\\|*b",
        "\\(*a\\)",
        "a^b",
        "a$b",
        "[a-]",
        "[^]a]",
        "[[.a.]]",
        "[[=a=]]",
        "\\w\\W\\s\\S",
        "\\n",
        "a**",
    ] {
        same(&t, &["-I", re, "r1", "r2"]);
    }
}

#[test]
fn a_bad_expression_is_reported_in_gnu_s_words() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new().file("r1", "a\n").file("r2", "b\n").build(&t);
    for re in [
        "[",
        "[a",
        "[[:alpha:]",
        "a\\{1",
        "a\\{x\\}",
        "a\\{99999\\}",
        "\\(",
        "\\)",
        "a\\",
        "[[:foo:]]",
        "a\\{2,1\\}",
        "[b-a]",
        "\\1",
        "[]",
    ] {
        same(&t, &["-I", re, "r1", "r2"]);
    }
    // An expression may start with `-`.
    same(&t, &["-I", "-x", "r1", "r2"]);
}

/// `n` pseudo-random lines from a small alphabet of look-alikes (xorshift64 from `seed`).
fn lookalike_lines(seed: &mut u64, n: usize) -> Vec<&'static str> {
    const PIECES: [&str; 16] = [
        "a\n", "A\n", "b\n", " a\n", "a \n", "\n", " \n", "\t\n", "x\n", "a\tb\n", "a  b\n",
        "a b\n", "c\n", "a\r\n", "B\n", "x y\n",
    ];
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            PIECES[(*seed % 16) as usize]
        })
        .collect()
}

#[test]
fn random_look_alike_lines_compare_as_gnu_compares_them() {
    let dir = scratch();
    let t = dir.join("t");
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut tree = Tree::new();
    for i in 0..12 {
        let old = lookalike_lines(&mut seed, 10 + i * 3);
        let mut new = old.clone();
        let edits = lookalike_lines(&mut seed, 6);
        for (k, e) in edits.iter().enumerate() {
            let at = (seed as usize >> 8) % (new.len() + 1);
            seed = seed.rotate_left(7);
            match k % 3 {
                0 => new.insert(at, e),
                1 if at < new.len() => drop(new.remove(at)),
                _ if at < new.len() => new[at] = e,
                _ => {}
            }
        }
        let (old, mut new) = (old.concat(), new.concat());
        if i % 4 == 1 {
            new.pop();
        }
        tree = tree.file(format!("o{i}"), old).file(format!("n{i}"), new);
    }
    tree.build(&t);
    let options: [&[&str]; 12] = [
        &["-i"],
        &["--inhibit-hunk-merge"],
        &["--inhibit-hunk-merge", "-B", "-I", "a", "-U1"],
        &["-b"],
        &["-w", "-u"],
        &["-Z", "-B"],
        &["-E", "-Z", "-c"],
        &["-B", "-U1"],
        &["-I", "a", "-u"],
        &["-i", "-b", "-B", "-U2"],
        &["--strip-trailing-cr", "-u"],
        &["-d", "-u"],
    ];
    for i in 0..12 {
        let (a, b) = (format!("o{i}"), format!("n{i}"));
        for opts in options {
            let args: Vec<&str> = opts
                .iter()
                .copied()
                .chain([a.as_str(), b.as_str()])
                .collect();
            same(&t, &args);
        }
    }
}

#[test]
fn search_options_give_gnu_s_hunks() {
    let dir = scratch();
    let t = dir.join("t");
    // Runs of equal lines, where the horizon decides how far a change may slide.
    Tree::new()
        .file("h1", "x\na\na\na\na\na\na\nb\nc\nd\ne\nf\ng\na\na\n")
        .file("h2", "x\na\na\na\na\na\nb\nc\nd\ne\nf\ng\na\na\na\n")
        .build(&t);
    for opts in [
        &["--horizon-lines=0"][..],
        &["--horizon-lines=1"],
        &["--horizon-lines", "9"],
        &["--horizon-lines=2", "-U1"],
        &["--horizon-lines=0", "-u"],
        &["-d"],
        &["--minimal", "-u"],
        &["-H", "-c"],
        &["--speed-large-files"],
        &["--binary", "-u"],
        &["--horizon-lines=-1"],
        &["--horizon-lines", "x"],
        &["--horizon-lines="],
        &["--horizon-lines= +3", "-u"],
        &["--horizon-lines=99999999999999999999", "-U0"],
    ] {
        let args: Vec<&str> = opts.iter().copied().chain(["h1", "h2"]).collect();
        same(&t, &args);
    }
}

#[test]
fn comparison_options_apply_inside_directories_and_are_echoed() {
    let dir = scratch();
    Tree::new()
        .file("a/f", "A b\n1\n2\n")
        .file("a/g", "x\n")
        .file("a/sub/h", "tab\there\n")
        .build(dir.join("t"));
    Tree::new()
        .file("b/f", "a  B\n1\n2\n")
        .file("b/g", "y\n")
        .file("b/sub/h", "TAB  here\n")
        .build(dir.join("t"));
    let t = dir.join("t");
    for args in [
        &["-r", "-q", "-i", "a", "b"][..],
        &["-r", "-i", "-b", "a", "b"],
        &["-rw", "-i", "a", "b"],
        &["-r", "-u", "-b", "-i", "-s", "a", "b"],
        &["-r", "-I", "x\\|y", "-c", "a", "b"],
    ] {
        same(&t, args);
    }
    let (gnu, ours) = both(&t, &["-ri", "a", "b"], None, "UTC");
    agree(&gnu, &ours);
}
