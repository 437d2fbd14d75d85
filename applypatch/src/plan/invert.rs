//! `-R`: the same patch, reversed. Hunks swap their sides (removed lines kept before added
//! ones, as diff writes them), file operations turn around (a creation becomes a deletion, a
//! copy the removal of the copy), and a git binary patch uses its reverse block.

use treepatch::{BinaryPatch, Hunk, Item, LineKind, Operation};

/// The same hunk, reversed.
pub fn invert_hunk(h: &Hunk) -> Hunk {
    let mut r = h.clone();
    std::mem::swap(&mut r.old_start, &mut r.new_start);
    std::mem::swap(&mut r.old_len, &mut r.new_len);
    for l in &mut r.lines {
        l.kind = match l.kind {
            LineKind::Add => LineKind::Remove,
            LineKind::Remove => LineKind::Add,
            LineKind::Context => LineKind::Context,
        };
    }
    // Keep removed lines before added ones within each change, as diff writes them.
    let mut lines = Vec::with_capacity(r.lines.len());
    let mut adds = Vec::new();
    for l in r.lines {
        match l.kind {
            LineKind::Add => adds.push(l),
            LineKind::Remove => lines.push(l),
            LineKind::Context => {
                lines.append(&mut adds);
                lines.push(l);
            }
        }
    }
    lines.append(&mut adds);
    r.lines = lines;
    r
}

/// The same item, reversed (`-R`).
pub fn invert(item: Item) -> Item {
    match item {
        Item::Mkdir { path, line, .. } => Item::Rmdir { path, line },
        Item::Rmdir { path, line } => Item::Mkdir {
            path,
            mode: 0o755,
            line,
        },
        Item::Notice { .. } => item,
        Item::File(mut fp) => {
            std::mem::swap(&mut fp.old_path, &mut fp.new_path);
            std::mem::swap(&mut fp.old_mode, &mut fp.new_mode);
            if let Some((a, b)) = fp.index.take() {
                fp.index = Some((b, a));
            }
            let was_copy = fp.op == Operation::Copy;
            fp.op = match fp.op {
                Operation::Create => Operation::Delete,
                Operation::Delete => Operation::Create,
                // Un-copying removes the copy; its hunks are checked on the way.
                Operation::Copy => Operation::Delete,
                other => other,
            };
            if was_copy {
                // A reversed copy: the copy (now old_path) goes away.
                fp.new_path = None;
                fp.hunks.clear();
                fp.binary = None;
                return Item::File(fp);
            }
            fp.hunks = fp.hunks.iter().map(invert_hunk).collect();
            match fp.binary.take() {
                None => {}
                Some(BinaryPatch {
                    forward,
                    reverse: Some(rev),
                }) => {
                    fp.binary = Some(BinaryPatch {
                        forward: rev,
                        reverse: Some(forward),
                    })
                }
                Some(BinaryPatch { reverse: None, .. }) => {
                    return Item::Notice {
                        text: b"GIT binary patch without a reverse block cannot be applied with -R"
                            .to_vec(),
                        line: fp.line,
                    };
                }
            }
            Item::File(fp)
        }
    }
}
