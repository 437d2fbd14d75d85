//! Shared fixtures: trees that hold every edge case the tools must carry.
//!
//! [`edge_case_pair`] is an OLD and a NEW tree with every kind of difference (and unchanged
//! entries beside them); [`edge_case_tree`] is one rich tree (NEW, with fixed mtimes and
//! unusual directory modes) for `snap` and `treesync`; [`edge_case_special_tree`] adds fifos
//! and hard links for what `cp -a` preserves. All generated in code.
//!
//! What the pair deliberately leaves out: permission changes of directories that exist on
//! both sides (git's patch format has no way to say them), hard links and fifos (no patch
//! format carries them), and mtimes (a patch does not carry them).

use crate::tree::{Node, Tree};

/// The content of a 20,000-line file; `edited` changes a few lines, inserts and deletes some.
fn big_text(edited: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..20_000 {
        let line = match (edited, i) {
            (true, 10) => "line 10 was edited\n".to_string(),
            (true, 5_000) => continue,
            (true, 12_345) => format!("line {i}\ninserted after {i}\n"),
            (true, 19_999) => "the last line, edited\n".to_string(),
            _ => format!("line {i}\n"),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// A 100 kB single line (with a trailing newline); `edited` changes one byte in the middle.
fn long_line(edited: bool) -> Vec<u8> {
    let mut out: Vec<u8> = (0..100_000)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz"[i % 26])
        .collect();
    if edited {
        out[50_000] = b'#';
    }
    out.push(b'\n');
    out
}

/// Binary content: NUL bytes and every byte value, seeded so variants differ.
fn binary(seed: u8, len: usize) -> Vec<u8> {
    let mut out = b"\x7fBIN\0\0\x01".to_vec();
    out.extend((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    out
}

const PATCH_SYNTAX_OLD: &[u8] = b"--- a/README\n+++ b/README\n@@ -1 +1 @@\n\
diff --git a/x b/x\n\\ No newline at end of file\n-- \n++ x\nindex 0000000..1111111\n\
new file mode 100644\nGIT binary patch\nliteral 0\n# treediff: mkdir evil 755\nend\n";
const PATCH_SYNTAX_NEW: &[u8] = b"--- a/README\n+++ b/README\n@@ -1,2 +1,2 @@\n\
diff --git a/x b/y\n\\ No newline at end of file\n-- \n++ y\nindex 0000000..1111111\n\
deleted file mode 100644\nGIT binary patch\nliteral 0\n# treediff: rmdir evil\nend\n";

/// Names with special bytes, each holding a file that changes between OLD and NEW.
const SPECIAL_NAMES: &[&[u8]] = &[
    b"names/with space.txt",
    b"names/with\ttab",
    b"names/double\"quote",
    b"names/single'quote",
    b"names/back\\slash",
    b"names/new\nline",
    b"names/utf8-\xc3\xa9t\xc3\xa9-\xe2\x9c\x93.txt",
    b"names/latin1-caf\xe9",
    b"names/invalid-\xff\xfe",
    b"names/-leading-dash",
    b"names/#hash",
    b"names/star*question?",
    b"names/ trailing space ",
    b"names/dir with space/and\nnewline/file",
];

/// Everything both trees have in common, unchanged.
fn common() -> Tree {
    Tree::new()
        .file("unchanged.txt", "same in both\n")
        .file("empty-unchanged", "")
        .exec("exec-unchanged.sh", "#!/bin/sh\necho same\n")
        .file(".top-dotfile", "top-level dotfile, unchanged\n")
        .file("sub/.hidden", "nested dotfile, unchanged\n")
        .file(".deps/unchanged.d", "x.o: x.c\n")
        .dir("emptydir-kept")
        .dir("emptydir-kept-nested/a/b")
        .dir_mode("private-kept", 0o700)
        .file("bin/unchanged.bin", binary(1, 300))
        .symlink("links/unchanged", "../unchanged.txt")
        .symlink("links/dangling-kept", "does/not/exist")
        .symlink("links/absolute-kept", "/nonexistent/absolute/target")
        .symlink("links/to-dir", "../sub")
        .file(
            b"names/unchanged-\xff-\n".as_slice(),
            "unchanged special name\n",
        )
        .file("text/crlf-unchanged.txt", "a\r\nb\r\n")
}

/// An OLD and a NEW tree with every kind of difference the tools must carry (see the module
/// docs for what is left out). Build them with [`Tree::build`].
pub fn edge_case_pair() -> (Tree, Tree) {
    let mut old = common()
        // Text changes.
        .file(
            "text/changed.txt",
            "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n",
        )
        .file("text/crlf.txt", "first\r\nsecond\r\nthird\r\n")
        .file("text/no-eol.txt", "x\ny")
        .file("text/gains-eol.txt", "a\nb")
        .file("text/loses-eol.txt", "a\nb\n")
        .file("text/latin1.txt", b"caf\xe9\nna\xefve\n")
        .file("text/patch-syntax.txt", PATCH_SYNTAX_OLD)
        .file("text/long-line.txt", long_line(false))
        .file("text/big.txt", big_text(false))
        .file("text/becomes-empty.txt", "not empty yet\n")
        .file("text/was-empty.txt", "")
        .file(".changed-dotfile", "old dotfile\n")
        .file(".deps/x.d", "x.o: x.c x.h\n")
        .file("deleted.txt", "this file is deleted\n")
        .file("deleted-empty", "")
        .file("gone-dir/deep/file.txt", "whole directory deleted\n")
        // Empty directories removed (one nested).
        .dir("emptydir-removed")
        .dir("gone-nested/a/b")
        // Modes.
        .file("modes/to-exec.sh", "#!/bin/sh\n")
        .exec("modes/to-plain", "#!/bin/sh\n")
        .file("modes/mode-and-content", "old\n")
        .file_mode("modes/read-only", "read only\n", 0o444)
        // Symlinks.
        .symlink("links/removed", "../unchanged.txt")
        .symlink("links/retarget", "../unchanged.txt")
        .symlink("links/dangling-retarget", "nowhere-old")
        .symlink("links/absolute-retarget", "/old/absolute")
        // Type changes.
        .file("types/file-to-dir", "a file that becomes a directory\n")
        .file(
            "types/dir-to-file/inner.txt",
            "a directory that becomes a file\n",
        )
        .file("types/file-to-link", "a file that becomes a symlink\n")
        .symlink("types/link-to-file", "../unchanged.txt")
        .symlink("types/link-to-dir", "../sub")
        .dir("types/emptydir-to-file")
        .file("types/empty-file-to-emptydir", "")
        // Binary.
        .file("bin/changed.bin", binary(2, 5_000))
        .file("bin/deleted.bin", binary(3, 100))
        .file("bin/text-to-binary", "text for now\n")
        .file("bin/binary-to-text", binary(4, 64));
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        old = old.file(*name, format!("old content {i}\n"));
    }

    let mut new = common()
        .file(
            "text/changed.txt",
            "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\n",
        )
        .file("text/crlf.txt", "first\r\nSECOND\r\nthird\r\n")
        .file("text/no-eol.txt", "x\nz")
        .file("text/gains-eol.txt", "a\nb\n")
        .file("text/loses-eol.txt", "a\nb")
        .file("text/latin1.txt", b"caf\xe9 cr\xe8me\nna\xefve\n")
        .file("text/patch-syntax.txt", PATCH_SYNTAX_NEW)
        .file("text/long-line.txt", long_line(true))
        .file("text/big.txt", big_text(true))
        .file("text/becomes-empty.txt", "")
        .file("text/was-empty.txt", "now has content\n")
        .file(".changed-dotfile", "new dotfile\n")
        .file(".deps/x.d", "x.o: x.c x.h y.h\n")
        .file(".deps/added.d", "y.o: y.c\n")
        .file(".added-dotfile", "added at top level\n")
        .file("added.txt", "this file is added\n")
        .file("added-empty", "")
        .file("new-dir/deep/file.txt", "whole directory added\n")
        // Empty directories added (nested, and with a mode).
        .dir("emptydir-added")
        .dir("new-nested/a/b/c")
        .dir_mode("private-added", 0o700)
        // Modes.
        .exec("modes/to-exec.sh", "#!/bin/sh\n")
        .file("modes/to-plain", "#!/bin/sh\n")
        .exec("modes/mode-and-content", "new\n")
        .file_mode("modes/read-only", "read only, changed\n", 0o444)
        // Symlinks.
        .symlink("links/added", "../added.txt")
        .symlink("links/added-dangling", "nowhere")
        .symlink("links/added-absolute", "/nonexistent/new/absolute")
        .symlink("links/retarget", "../added.txt")
        .symlink("links/dangling-retarget", "nowhere-new")
        .symlink("links/absolute-retarget", "/new/absolute")
        // Type changes.
        .file("types/file-to-dir/inner.txt", "now inside a directory\n")
        .file("types/dir-to-file", "now a file\n")
        .symlink("types/file-to-link", "../unchanged.txt")
        .file("types/link-to-file", "was a symlink\n")
        .file(
            "types/link-to-dir/inner.txt",
            "was a symlink to a directory\n",
        )
        .file("types/emptydir-to-file", "was an empty directory\n")
        .dir("types/empty-file-to-emptydir")
        // Binary.
        .file("bin/changed.bin", {
            let mut b = binary(2, 5_000);
            b[100] ^= 0xff;
            b.extend_from_slice(b"\0tail");
            b
        })
        .file("bin/added.bin", binary(5, 2_000))
        .file("bin/text-to-binary", binary(6, 64))
        .file("bin/binary-to-text", "now text\n");
    for (i, name) in SPECIAL_NAMES.iter().enumerate() {
        new = new.file(*name, format!("new content {i}\n"));
    }
    new = new
        .file(
            b"names/added-\xe9\xff".as_slice(),
            "added with a non-UTF-8 name\n",
        )
        .file(
            b"names/added with\nnewline".as_slice(),
            "added with a newline in its name\n",
        );
    (old, new)
}

/// Whether some component of `path` contains a newline.
pub fn has_newline_name(path: &[u8]) -> bool {
    path.contains(&b'\n')
}

/// [`edge_case_pair`] without names that contain a newline, for oracles that mishandle them.
///
/// Measured here: GNU diff 3.8 C-quotes such names (`--- "a/new\nline"`) and GNU patch 2.7.6
/// and `git apply` read them back, so the full pair is fine for those; but NetBSD `mtree -c`
/// output for a directory whose name holds a newline does not verify against the tree it
/// came from, bsdtar misreads such a manifest, and older GNU diff wrote the raw newline into
/// the header. Everything else (tabs, quotes, backslashes, non-UTF-8 bytes) stays.
pub fn edge_case_pair_portable() -> (Tree, Tree) {
    let (old, new) = edge_case_pair();
    let keep = |p: &[u8], _: &Node| !has_newline_name(p);
    (old.retain(keep), new.retain(keep))
}

/// The part of [`edge_case_pair`] that plain `diff -urN | patch -p1` carries exactly (a
/// harness self-test checks this against the real tools): regular files with text content
/// (no NUL) and mode 0644 on each side where they exist, not a directory on the other side,
/// and not empty on one side while absent on the other (`diff -N` prints nothing for those).
/// What it excludes is what the GNU pipeline loses: symlinks, modes, binaries, empty
/// directories, type changes, added and deleted empty files.
///
/// For byte-for-byte comparison of `treediff --format=gnu` with GNU diff, and of `applypatch`
/// with GNU patch on GNU patches. Names with special bytes, newlines included, stay.
pub fn edge_case_pair_text_only() -> (Tree, Tree) {
    let (old, new) = edge_case_pair();
    let text = |n: &Node| matches!(n, Node::File { content, mode: 0o644 } if !content.contains(&0));
    let carried = |p: &[u8]| {
        let side_ok = |t: &Tree| t.get(p).is_none_or(text) && !has_dir_below(t, p);
        let absent = |t: &Tree| !t.contains(p);
        let empty =
            |t: &Tree| matches!(t.get(p), Some(Node::File { content, .. }) if content.is_empty());
        let empty_vs_absent = (absent(&old) && empty(&new)) || (empty(&old) && absent(&new));
        side_ok(&old) && side_ok(&new) && !empty_vs_absent
    };
    let keep = |p: &[u8], node: &Node| text(node) && carried(p);
    (old.clone().retain(keep), new.clone().retain(keep))
}

fn has_dir_below(tree: &Tree, path: &[u8]) -> bool {
    tree.entries()
        .any(|(p, _)| p.len() > path.len() && p.starts_with(path) && p[path.len()] == b'/')
}

/// [`edge_case_tree`] without names that contain a newline (see [`edge_case_pair_portable`]
/// for the oracles that need this).
pub fn edge_case_tree_portable() -> Tree {
    edge_case_tree().retain(|p, _| !has_newline_name(p))
}

/// One rich tree for `snap` and `treesync`: the NEW side of [`edge_case_pair`] with a fixed,
/// distinct mtime (with nanoseconds) on every entry, a read-only directory with content, and
/// a directory with mode 0700. No fifos or hard links (see [`edge_case_special_tree`]).
pub fn edge_case_tree() -> Tree {
    let (_, new) = edge_case_pair();
    new.file("ro-dir/file.txt", "in a read-only directory\n")
        .dir_mode("ro-dir", 0o555)
        .dir_mode("private/nested", 0o700)
        .with_mtimes(1_600_000_000 * crate::NS + 123_456_789)
}

/// [`edge_case_tree`] plus what only a faithful copy (`cp -a`) keeps: two hard links to one
/// file (one in another directory) and a fifo.
pub fn edge_case_special_tree() -> Tree {
    edge_case_tree()
        .file("hard/original.txt", "one inode, three names\n")
        .hardlink("hard/link1.txt", "hard/original.txt")
        .hardlink("sub/link2.txt", "hard/original.txt")
        .fifo("special/fifo")
        .with_mtimes(1_600_000_000 * crate::NS + 123_456_789)
}

/// The (old, new) pairs of [`gnu_file_pairs`] that the GNU diff tests compare.
pub const GNU_FILE_PAIRS: [(&str, &str); 14] = [
    ("num1", "num2"),
    ("num2", "num1"),
    ("nonl1", "nonl2"),
    ("nonl1", "nl"),
    ("nl", "nonl1"),
    ("crlf1", "crlf2"),
    ("long1", "long2"),
    ("empty", "num1"),
    ("num1", "empty"),
    ("many1", "many2"),
    ("moved1", "moved2"),
    ("same1", "same2"),
    ("bin1", "bin2"),
    ("bin1", "num1"),
];

/// The output formats every pair is compared in (the classic name and `treediff`'s own).
pub const GNU_TWO_FILE_FORMATS: [&[&str]; 12] = [
    &[],
    &["-u"],
    &["-c"],
    &["-U", "1"],
    &["-C0"],
    &["-U0"],
    &["-q"],
    &["-s"],
    &["-a"],
    &["-u", "-U1"],
    &["--normal", "-s"],
    &["--context=2"],
];

/// Pairs of files that differ in the ways the formats must print: additions at the top and
/// the end, deletions, changes, missing final newlines on either side, CRLF, long lines,
/// empty files, many small changes, a moved block, identical files.
pub fn gnu_file_pairs() -> Tree {
    let numbered = |n: usize| (1..=n).map(|i| format!("line {i}\n")).collect::<String>();
    let long = "x".repeat(5000);
    let many_old: String = (1..=60).map(|i| format!("row {i}\n")).collect();
    let many_new: String = (1..=60)
        .map(|i| match i % 7 {
            0 => format!("ROW {i}\n"),
            _ => format!("row {i}\n"),
        })
        .collect();
    let moved_old = "head\nA1\nA2\nA3\nmid1\nmid2\nmid3\nmid4\ntail\n";
    let moved_new = "head\nmid1\nmid2\nmid3\nmid4\nA1\nA2\nA3\ntail\n";
    Tree::new()
        .file("num1", numbered(10))
        .file(
            "num2",
            "top\nline 1\nline 2\nline 4\nline 5\nsix\nSIX\nline 7\nline 8\nline 9\nline 10\nend1\nend2\n",
        )
        .file("nonl1", "a\nb")
        .file("nonl2", "a\nc")
        .file("nl", "a\nb\n")
        .file("crlf1", "one\r\ntwo\r\nthree\r\n")
        .file("crlf2", "one\r\nTWO\r\nthree\r\n")
        .file("long1", format!("{long}a\nshort\n"))
        .file("long2", format!("{long}b\nshort\n"))
        .file("empty", "")
        .file("many1", many_old)
        .file("many2", many_new)
        .file("moved1", moved_old)
        .file("moved2", moved_new)
        .file("same1", numbered(5))
        .file("same2", numbered(5))
        .file("bin1", b"text\0with nul\n".as_slice())
        .file("bin2", b"text\0with NUL\n".as_slice())
        .with_mtimes(1_700_000_000 * crate::NS + 123_456_789)
}
