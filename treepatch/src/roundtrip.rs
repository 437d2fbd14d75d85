//! The round-trip property of the format, in one place for the `patch_roundtrip` fuzz target
//! and the regression tests it produced: whatever the parser accepts, the writer spells so the
//! parser reads it back. The first write may normalise what the input left loose (a creation
//! whose `diff --git` names disagree, say); from then on writing what was read is a fixpoint,
//! and reading it gives the same items (patch line numbers aside).

use crate::parse::parse_all;
use crate::types::Item;
use crate::write::write_items;

/// Checks the property on `input`: `Ok(None)` when the parser refuses the input (nothing to
/// check), `Ok(Some(first spelling))` when it holds, `Err(what broke)` when it does not.
pub fn check(input: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Ok(mut items) = parse_all(input) else {
        return Ok(None);
    };
    // Ed scripts and nameless normal diffs have no spelling in the git format we write.
    items.retain(|i| {
        !matches!(i, Item::File(f) if f.ed.is_some() || (f.old_path.is_none() && f.new_path.is_none()))
    });
    let first = spell(&items);
    let read_first = comparable(reparse(&first)?);
    let second = spell(&read_first);
    let read_second = comparable(reparse(&second)?);
    let third = spell(&read_second);
    if second != third {
        return Err(format!(
            "writing what we read back of our own output changed it:\n{}\n---- became ----\n{}",
            String::from_utf8_lossy(&second),
            String::from_utf8_lossy(&third)
        ));
    }
    if read_first != read_second {
        return Err(format!(
            "reading our own output changed the model:\n{read_first:?}\n{read_second:?}"
        ));
    }
    Ok(Some(first))
}

fn spell(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_items(&mut out, items);
    out
}

fn reparse(text: &[u8]) -> Result<Vec<Item>, String> {
    parse_all(text).map_err(|e| {
        format!(
            "our own output does not parse: {e}\n{}",
            String::from_utf8_lossy(text)
        )
    })
}

/// What the writer spells of items: without their patch line numbers, and without notices
/// (the writer leaves those to the tools that write them).
fn comparable(items: Vec<Item>) -> Vec<Item> {
    items
        .into_iter()
        .filter_map(|item| match item {
            Item::File(mut fp) => {
                fp.line = 0;
                fp.context = false;
                fp.hunks.iter_mut().for_each(|h| h.line = 0);
                Some(Item::File(fp))
            }
            Item::Mkdir { path, mode, .. } => Some(Item::Mkdir {
                path,
                mode,
                line: 0,
            }),
            Item::Rmdir { path, .. } => Some(Item::Rmdir { path, line: 0 }),
            Item::Notice { .. } => None,
        })
        .collect()
}
