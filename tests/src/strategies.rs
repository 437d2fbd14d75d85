//! proptest strategies for small random trees and pairs of trees that share most entries, for
//! round-trip properties such as `applypatch(treediff(A, B), A) == B`.
//!
//! Names come from a small alphabet (so edits collide with existing entries and type changes
//! happen), including a dotfile, a space, a non-UTF-8 byte and a newline. Contents are short
//! text (with and without a final newline, CRLF, Latin-1), empty, or binary with NULs.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::tree::{Node, Tree};

const NAMES: &[&[u8]] = &[
    b"a",
    b"b",
    b"c.txt",
    b".hidden",
    b"sp ace",
    b"caf\xe9",
    b"new\nline",
];

/// A relative path of 1 to 3 components from the name alphabet.
fn arb_path() -> impl Strategy<Value = Vec<u8>> {
    vec(0..NAMES.len(), 1..=3).prop_map(|idx| {
        let parts: Vec<&[u8]> = idx.into_iter().map(|i| NAMES[i]).collect();
        parts.join(&b'/')
    })
}

/// File contents: empty, text lines (LF or CRLF, with or without a final newline, some
/// Latin-1), or binary with NUL bytes.
pub fn arb_content() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just(b"x".to_vec()),
        Just(b"y".to_vec()),
        Just(b"same line".to_vec()),
        Just(b"caf\xe9".to_vec()),
        Just(b"--- a/x".to_vec()),
        Just(b"@@ -1 +1 @@".to_vec()),
        Just(Vec::new()),
        "[a-z ]{0,12}".prop_map(String::into_bytes),
    ];
    let text = (vec(line, 1..12), any::<bool>(), any::<bool>()).prop_map(|(lines, crlf, eol)| {
        let sep: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        let mut out = lines.join(sep);
        if eol {
            out.extend_from_slice(sep);
        }
        out
    });
    prop_oneof![
        1 => Just(Vec::new()),
        6 => text,
        2 => vec(any::<u8>(), 1..200).prop_map(|mut b| {
            b.insert(b.len() / 2, 0);
            b
        }),
    ]
}

fn arb_node() -> impl Strategy<Value = Node> {
    prop_oneof![
        6 => (arb_content(), prop_oneof![Just(0o644), Just(0o755), Just(0o600)])
            .prop_map(|(content, mode)| Node::File { content, mode }),
        1 => prop_oneof![Just(0o755), Just(0o700)].prop_map(|mode| Node::Dir { mode }),
        2 => prop_oneof![
            Just(b"a".to_vec()),
            Just(b"../b".to_vec()),
            Just(b"dangling".to_vec()),
            Just(b"/absolute/target".to_vec()),
        ]
        .prop_map(|target| Node::Symlink { target }),
    ]
}

/// Inserts what fits, skipping entries that would conflict (a file above another entry).
fn insert_all(mut tree: Tree, entries: Vec<(Vec<u8>, Node)>) -> Tree {
    for (path, node) in entries {
        let replaceable = tree.get(&path).is_some() || !tree.contains(&path);
        if replaceable && tree.can_insert(&path, &node) {
            tree = tree.with(path, node);
        }
    }
    tree
}

/// A small random tree: up to a dozen files, directories (some empty) and symlinks.
pub fn arb_tree() -> impl Strategy<Value = Tree> {
    vec((arb_path(), arb_node()), 0..12).prop_map(|entries| insert_all(Tree::new(), entries))
}

/// One random edit of a tree.
#[derive(Clone, Debug)]
enum Edit {
    /// Remove the n-th entry (and what is below it).
    Remove(usize),
    /// Replace the n-th entry's content (files) or target (symlinks) with a new node of the
    /// same kind, or of another kind (a type change).
    Replace(usize, Node),
    /// Change the mode of the n-th entry if it is a file.
    Chmod(usize),
    /// Add (or replace) an entry at a path.
    Put(Vec<u8>, Node),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => any::<usize>().prop_map(Edit::Remove),
        4 => (any::<usize>(), arb_node()).prop_map(|(i, n)| Edit::Replace(i, n)),
        1 => any::<usize>().prop_map(Edit::Chmod),
        3 => (arb_path(), arb_node()).prop_map(|(p, n)| Edit::Put(p, n)),
    ]
}

fn apply(tree: Tree, edit: Edit) -> Tree {
    let nth = |i: usize| {
        let n = tree.entries().count();
        (n > 0).then(|| {
            tree.entries()
                .nth(i % n)
                .map(|(p, n)| (p.to_vec(), n.clone()))
        })?
    };
    match edit {
        Edit::Remove(i) => match nth(i) {
            Some((path, _)) => tree.remove(path),
            None => tree,
        },
        Edit::Replace(i, node) => match nth(i) {
            Some((path, _)) => {
                let removed = tree.clone().remove(&path);
                if removed.can_insert(&path, &node) {
                    removed.with(path, node)
                } else {
                    tree
                }
            }
            None => tree,
        },
        Edit::Chmod(i) => match nth(i) {
            Some((path, Node::File { content, mode })) => {
                let mode = if mode == 0o755 { 0o644 } else { 0o755 };
                tree.with(path, Node::File { content, mode })
            }
            _ => tree,
        },
        Edit::Put(path, node) => insert_all(tree, vec![(path, node)]),
    }
}

/// A pair of small random trees (OLD, NEW) where NEW is OLD with 1 to 6 random edits:
/// content and target changes, removals, additions, mode changes and type changes.
pub fn arb_tree_pair() -> impl Strategy<Value = (Tree, Tree)> {
    (arb_tree(), vec(arb_edit(), 1..6)).prop_map(|(old, edits)| {
        let new = edits.into_iter().fold(old.clone(), apply);
        (old, new)
    })
}
