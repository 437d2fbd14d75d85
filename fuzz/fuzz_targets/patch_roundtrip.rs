//! parse -> write -> parse is stable: whatever the parser accepts, the writer spells in a form
//! the parser reads back. The first write may normalise what the input left loose (a creation
//! whose `diff --git` names disagree, say); from then on writing and reading are a fixpoint.
#![no_main]

use treepatch::{Item, parse::parse_all, write};

fn spell(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::File(fp) => write::write_file_patch(&mut out, fp).expect("writing to a Vec"),
            Item::Mkdir { path, mode, .. } => {
                write::write_mkdir(&mut out, path, *mode).expect("Vec")
            }
            Item::Rmdir { path, .. } => write::write_rmdir(&mut out, path).expect("Vec"),
            Item::Notice { .. } => {}
        }
    }
    out
}

fn reparse(text: &[u8]) -> Vec<Item> {
    parse_all(text).unwrap_or_else(|e| {
        panic!(
            "our own output does not parse: {e}\n{}",
            String::from_utf8_lossy(text)
        )
    })
}

/// What the writer spells of an item: the item without its patch line numbers, and nothing of a
/// notice (the writer leaves notices to the tools that write them).
fn spelled(items: Vec<Item>) -> Vec<Item> {
    items
        .into_iter()
        .filter_map(|item| match item {
            Item::File(mut fp) => {
                fp.line = 0;
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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(items) = parse_all(data) else { return };
    let first = spell(&items);
    let read_first = spelled(reparse(&first));
    let second = spell(&read_first);
    let read_second = spelled(reparse(&second));
    let third = spell(&read_second);
    assert_eq!(
        String::from_utf8_lossy(&second),
        String::from_utf8_lossy(&third),
        "writing what we read back of our own output changed it"
    );
    // And nothing is lost once normalised: reading our own spelling gives the same model.
    assert_eq!(
        read_first, read_second,
        "reading our own output changed the model"
    );
});
