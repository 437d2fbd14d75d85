//! GNU patch 2.7.6 and the newline at the end of a file, side by side through the parent
//! module's [`Case`]: a line without a newline matches only a line without one (unless `-l`),
//! and a reject file writes such a line bare (no newline, no `\ No newline at end of file`),
//! so the next line of the reject follows on the same line. A name that `-p` strips away is
//! `/dev/null` in the reject file's header.

use super::*;

const STAMPS: (&str, &str) = (
    "\t2026-01-02 03:04:05.000000000 +0000",
    "\t2026-01-02 03:04:06.000000000 +0000",
);

/// `g` (no newline) into `G` (with one), in the three formats.
fn last_line_patches() -> Vec<String> {
    let (a, b) = STAMPS;
    vec![
        format!(
            "--- x.orig{a}\n+++ x.new{b}\n@@ -4,4 +4,4 @@\n d\n e\n f\n-g\n\\ No newline at end of file\n+G\n"
        ),
        format!(
            "*** x.orig{a}\n--- x.new{b}\n***************\n*** 4,7 ****\n  d\n  e\n  f\n! g\n\
\\ No newline at end of file\n--- 4,7 ----\n  d\n  e\n  f\n! G\n"
        ),
        "7c7\n< g\n\\ No newline at end of file\n---\n> G\n".to_string(),
        // A change that fails (`c` is `Z`) with the newline removed in the same hunk.
        format!(
            "--- x.orig{a}\n+++ x.new{b}\n@@ -1,7 +1,7 @@\n a\n b\n-c\n+C\n d\n e\n f\n-g\n+g\n\
\\ No newline at end of file\n"
        ),
        format!(
            "*** x.orig{a}\n--- x.new{b}\n***************\n*** 1,7 ****\n  a\n  b\n! c\n  d\n  e\n  f\n! g\n\
--- 1,7 ----\n  a\n  b\n! C\n  d\n  e\n  f\n! g\n\\ No newline at end of file\n"
        ),
    ]
}

#[test]
fn a_missing_newline_matches_only_a_missing_newline_and_rejects_write_it_bare() {
    let files = [
        "a\nb\nc\nd\ne\nf\ng\n",
        "a\nb\nc\nd\ne\nf\ng",
        "a\nb\nZ\nd\ne\nf\ng\n",
    ];
    for patch in last_line_patches() {
        for content in files {
            for args in [
                &["x"][..],
                &["-l", "x"],
                &["-R", "x"],
                &["-R", "-f", "x"],
                &["--reject-format=unified", "x"],
                &["--reject-format=context", "x"],
                &["-p1", "x"],
                &["-p1", "-R", "x"],
            ] {
                let tree = Tree::new().file("x", content);
                Case::new(tree, args).stdin(&patch).same();
            }
        }
    }
}
