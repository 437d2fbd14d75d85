//! GNU patch 2.7.6's less common options, side by side through the parent module's [`Case`]:
//! `--dry-run -o FILE` (GNU writes FILE all the same, 0600 when new), `-x N` (a number with an
//! optional sign, else trouble in GNU's words; GNU's own debugging output is not reproduced,
//! so only levels that print nothing are compared), numbers quoted as GNU quotes them.

use super::*;

const PATCH: &str = "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n";
const FAILING: &str = "--- f\n+++ f\n@@ -1,3 +1,3 @@\n a\n-X\n+B\n c\n";

fn tree() -> Tree {
    Tree::new()
        .file("f", "a\nb\nc\n")
        .file("p", PATCH)
        .file("q", FAILING)
        .file("out", "old output\n")
}

#[test]
fn dry_run_with_o_writes_the_output_as_gnu_does() {
    for args in [
        &["--dry-run", "-o", "new", "-i", "p"][..],
        &["--dry-run", "-o", "new", "-i", "q"],
        &["--dry-run", "-o", "out", "-i", "p"],
        &["--dry-run", "-b", "-o", "new", "-i", "q"],
        &["--dry-run", "-s", "-o", "new", "-i", "p"],
        &["--dry-run", "-o", "-", "-i", "p"],
        &["-o", "new", "-i", "q"],
    ] {
        Case::new(tree(), args).same();
    }
}

#[test]
fn x_takes_a_number_and_prints_nothing_at_levels_gnu_keeps_quiet() {
    for x in ["0", "8", "+16", "bad", "1x", "", " 3", "0x10", "--4", "a'b"] {
        Case::new(tree(), &["-x", x, "-i", "p"]).same();
        Case::new(tree(), &["--dry-run", "--debug", x, "-i", "q"]).same();
    }
    for fuzz in ["a b", "", "1x"] {
        Case::new(tree(), &["-F", fuzz, "-i", "p"]).same();
        Case::new(tree(), &["-p", fuzz, "-i", "p"]).same();
    }
}
