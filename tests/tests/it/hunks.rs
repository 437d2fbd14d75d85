//! treediff's hunks against GNU diff's, byte for byte: for the same two files, `treediff
//! --format=gnu` must print the very hunks `diff -u` prints (same changes, same placement of
//! equal-cost changes, same grouping), for every context size. The pairs are made to hit
//! each of GNU's choices: ties in the search, runs of changes slid through repeated lines
//! (and no further into the equal ends than the context), lines with many matches discarded
//! inside rewritten blocks, and the cost bound on very different large files.

use checkpoint_tests::*;
use proptest::prelude::*;

/// `n` pseudo-random numbers below `below` (xorshift64 from `seed`).
fn random(mut seed: u64, n: usize, below: u64) -> Vec<u64> {
    (0..n)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        })
        .collect()
}

/// Lines from words: each word a line, `_` an empty line.
fn lines(words: &str) -> String {
    words
        .split(' ')
        .map(|w| {
            if w == "_" {
                "\n".to_owned()
            } else {
                format!("{w}\n")
            }
        })
        .collect()
}

/// A C-like file: functions of numbered statements, blank lines and braces between them
/// (lines with many matches), `salt` making some statements differ.
fn code(functions: u64, salt: u64) -> String {
    let mut out = String::new();
    for f in 0..functions {
        out.push_str(&format!("int f{f}(void)\n{{\n"));
        for s in 0..(3 + f % 5) {
            if (f * 7 + s * 3 + salt).is_multiple_of(11) {
                out.push_str(&format!("\tchanged{salt}_{f}_{s}();\n"));
            } else {
                out.push_str(&format!("\tcall{f}_{s}();\n"));
            }
            if s % 2 == 1 {
                out.push('\n');
            }
        }
        out.push_str("\treturn 0;\n}\n\n");
    }
    out
}

/// The tricky pairs, by name: (old, new).
fn pairs() -> Vec<(String, String, String)> {
    let mut v: Vec<(&str, String, String)> = vec![
        ("swap", lines("a b"), lines("b a")),
        ("reverse", lines("a b c"), lines("c b a")),
        (
            "repeated-block-inserted",
            lines("x a b y"),
            lines("x a b a b a b y"),
        ),
        (
            "one-of-several-deleted",
            lines("x a a a a y"),
            lines("x a a a y"),
        ),
        ("merge-up", lines("o h h k p"), lines("h n k i h b c l")),
        (
            "face-other-side",
            lines("a a a b a b b b a"),
            lines("a b b b a b b b b a a"),
        ),
        ("run-end", lines("b a a b a a a a"), lines("b a b a a")),
        (
            "blank-runs",
            lines("p _ _ _ q _ _ r"),
            lines("p _ q _ _ _ _ r _"),
        ),
        (
            "slide-into-equal-end",
            lines("c X S S S S S S S S v"),
            lines("C X S S S S S S v"),
        ),
        (
            "blank-inside-rewrite",
            lines("k u1 u2 u3 u4 _ u5 u6 u7 m _ _ _ _ _ _ _ _"),
            lines("k w1 w2 w3 _ w4 w5 m _ _ _ _ _ _ _ _"),
        ),
        (
            "moved-block",
            lines("h1 h2 m1 m2 m3 t1 t2 t3 t4"),
            lines("h1 h2 t1 t2 m1 m2 m3 t3 t4"),
        ),
        ("no-eol", "a\nb\nc".to_owned(), "a\nB\nc".to_owned()),
        ("gains-eol", "a\nb".to_owned(), "a\nb\n".to_owned()),
        (
            "crlf",
            "1\r\n2\r\n3\r\n".to_owned(),
            "1\r\n2\n3\r\n".to_owned(),
        ),
        ("code", code(40, 0), code(43, 5)),
    ];
    // Many scattered edits of a file of few distinct lines (blank-heavy).
    let base = random(7, 3000, 20);
    let edited: Vec<u64> = base
        .iter()
        .zip(random(11, 3000, 29))
        .filter(|&(_, r)| r != 0)
        .map(|(&b, r)| if r == 1 { 100 + b } else { b })
        .collect();
    let show = |v: &[u64]| -> String {
        v.iter()
            .map(|&i| {
                if i < 6 {
                    "\n".to_owned()
                } else {
                    format!("w{i}\n")
                }
            })
            .collect()
    };
    v.push(("scattered-edits", show(&base), show(&edited)));
    v.into_iter()
        .map(|(n, a, b)| (n.to_owned(), a, b))
        .collect()
}

/// The output of a `diff -ruN`-style command without its `diff ...` lines (GNU echoes the
/// switches as given) and with the header times blanked.
fn comparable(patch: &[u8]) -> String {
    let mut out = String::new();
    for line in String::from_utf8_lossy(patch).split_inclusive('\n') {
        if line.starts_with("diff ") {
            continue;
        }
        match (
            line.starts_with("--- ") || line.starts_with("+++ "),
            line.rfind('\t'),
        ) {
            (true, Some(tab)) => {
                out.push_str(&line[..tab]);
                out.push_str("\tTIME\n");
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// `treediff --format=gnu -U context a b` and `diff -rN -U context a b` in `dir` print the
/// same (not `diff -ruN -U`: GNU takes the larger of `-u`'s 3 and `-U`'s context).
fn assert_same_hunks(dir: &Scratch, context: &str) {
    let ours = tool("treediff")
        .args(["--format=gnu", "-U", context, "a", "b"])
        .cwd(dir.path())
        .expect_code(1)
        .expect_quiet();
    let theirs = cmd(require_tool("diff"))
        .args(["-rN", "-U", context, "a", "b"])
        .cwd(dir.path())
        .env("LC_ALL", "C")
        .env("TZ", "UTC0")
        .expect_code(1);
    let (ours, theirs) = (comparable(&ours.stdout), comparable(&theirs.stdout));
    if ours != theirs {
        let first = ours
            .lines()
            .zip(theirs.lines())
            .position(|(o, t)| o != t)
            .unwrap_or(0);
        let window = |s: &str| {
            s.lines()
                .skip(first.saturating_sub(8))
                .take(24)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "-U {context}: hunks differ from GNU diff's at line {first}\n--- ours:\n{}\n--- GNU:\n{}",
            window(&ours),
            window(&theirs)
        );
    }
}

/// Lines `l0`..: `n` pseudo-random ones below `below`.
fn numbers(seed: u64, n: usize, below: u64) -> String {
    random(seed, n, below)
        .into_iter()
        .map(|i| format!("l{i}\n"))
        .collect()
}

#[test]
fn hunks_are_gnu_diffs_where_gnu_bounds_the_cost_of_its_search() {
    // Very different files: GNU diff stops searching for the shortest script (this pair's
    // script is 5 lines longer than `diff --minimal`'s each way) and so must we.
    let dir = scratch();
    let old = numbers(0x9e37_79b9_7f4a_7c15, 7000, 500);
    let new = numbers(0x2545_f491_4f6c_dd1d, 6500, 500);
    Tree::new().file("f", &old).build(dir.join("a"));
    Tree::new().file("f", &new).build(dir.join("b"));
    assert_same_hunks(&dir, "3");
}

#[test]
fn hunks_are_gnu_diffs_byte_for_byte_on_tricky_pairs() {
    let (mut old, mut new) = (Tree::new(), Tree::new());
    for (name, a, b) in pairs() {
        old = old.file(&name, &a);
        new = new.file(&name, &b);
    }
    let dir = scratch();
    old.build(dir.join("a"));
    new.build(dir.join("b"));
    for context in ["0", "1", "3", "5"] {
        assert_same_hunks(&dir, context);
    }
}

/// A line of a random file: mostly a few frequent lines (blank, a brace), some rarer ones.
fn line() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        4 => Just("\n"),
        2 => Just("}\n"),
        2 => prop::sample::select(vec!["a\n", "b\n", "c\n"]),
        3 => prop::sample::select(vec!["d\n", "e\n", "f\n", "g\n", "h\n", "i\n", "j\n", "k\n"]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hunks_are_gnu_diffs_on_random_files(
        old in prop::collection::vec(line(), 0..60),
        new in prop::collection::vec(line(), 0..60),
        context in prop::sample::select(vec!["0", "1", "3"]),
    ) {
        let (old, new) = (old.concat(), new.concat());
        prop_assume!(old != new);
        let dir = scratch();
        Tree::new().file("f", &old).build(dir.join("a"));
        Tree::new().file("f", &new).build(dir.join("b"));
        assert_same_hunks(&dir, context);
    }
}
