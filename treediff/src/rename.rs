//! `-M`: exact-content renames. A regular file deleted from the old tree and a regular file
//! added to the new tree with the same bytes become one `rename from`/`rename to` section with
//! `similarity index 100%` (git does not pair empty files, nor do we).
//!
//! Candidates are matched by size first; only files whose size occurs on both sides are read
//! and hashed (in parallel). Each added file takes the first unmatched deleted file with equal
//! content, in path order, so the result is deterministic. The rename is written where the
//! deletion would have been, before any `rmdir` of the old file's directory.

use std::collections::HashMap;

use fstree::Kind;
use rayon::prelude::*;

use crate::plan::Action;
use crate::render::Ctx;
use crate::side::Node;

fn present(nodes: &[Node], path: &[u8]) -> bool {
    nodes
        .binary_search_by(|n| n.path.as_slice().cmp(path))
        .is_ok()
}

fn digest(ctx: &Ctx<'_>, old_side: bool, node: &Node) -> Option<[u8; 32]> {
    if let Some(d) = node.sha256 {
        return Some(d);
    }
    let (root, path) = if old_side {
        (&ctx.old_root, &ctx.cfg.old)
    } else {
        (&ctx.new_root, &ctx.cfg.new)
    };
    crate::side::read(root.as_ref(), path, node)
        .ok()
        .map(|b| fstree::content::sha256_bytes(&b))
}

/// Replaces matching `Delete`/`Add` pairs in `actions` by `Rename`s.
pub fn detect(ctx: &Ctx<'_>, actions: Vec<Action>) -> Vec<Action> {
    let candidate = |n: &Node| n.kind == Kind::File && n.size > 0;
    let deleted: Vec<usize> = actions
        .iter()
        .filter_map(|a| match *a {
            Action::Delete(o) if candidate(&ctx.old[o]) && !present(ctx.new, &ctx.old[o].path) => {
                Some(o)
            }
            _ => None,
        })
        .collect();
    let added: Vec<usize> = actions
        .iter()
        .filter_map(|a| match *a {
            Action::Add(n) if candidate(&ctx.new[n]) && !present(ctx.old, &ctx.new[n].path) => {
                Some(n)
            }
            _ => None,
        })
        .collect();
    let sizes: std::collections::HashSet<u64> = deleted.iter().map(|&o| ctx.old[o].size).collect();
    let added: Vec<usize> = added
        .into_iter()
        .filter(|&n| sizes.contains(&ctx.new[n].size))
        .collect();
    let added_sizes: std::collections::HashSet<u64> =
        added.iter().map(|&n| ctx.new[n].size).collect();
    let deleted: Vec<usize> = deleted
        .into_iter()
        .filter(|&o| added_sizes.contains(&ctx.old[o].size))
        .collect();
    if added.is_empty() {
        return actions;
    }
    let old_digests: Vec<Option<[u8; 32]>> = deleted
        .par_iter()
        .map(|&o| digest(ctx, true, &ctx.old[o]))
        .collect();
    let new_digests: Vec<Option<[u8; 32]>> = added
        .par_iter()
        .map(|&n| digest(ctx, false, &ctx.new[n]))
        .collect();
    let mut by_digest: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
    for (&o, d) in deleted.iter().zip(&old_digests).rev() {
        if let Some(d) = d {
            by_digest.entry(*d).or_default().push(o);
        }
    }
    // old index -> new index
    let mut pairs: HashMap<usize, usize> = HashMap::new();
    let mut renamed_new = std::collections::HashSet::new();
    for (&n, d) in added.iter().zip(&new_digests) {
        if let Some(o) = d.and_then(|d| by_digest.get_mut(&d)).and_then(Vec::pop) {
            pairs.insert(o, n);
            renamed_new.insert(n);
        }
    }
    actions
        .into_iter()
        .filter_map(|a| match a {
            Action::Delete(o) => Some(pairs.get(&o).map_or(a, |&n| Action::Rename(o, n))),
            Action::Add(n) if renamed_new.contains(&n) => None,
            _ => Some(a),
        })
        .collect()
}
