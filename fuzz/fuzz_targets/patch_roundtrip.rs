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
            Item::Mkdir { path, mode, .. } => write::write_mkdir(&mut out, path, *mode).expect("Vec"),
            Item::Rmdir { path, .. } => write::write_rmdir(&mut out, path).expect("Vec"),
            Item::Notice { .. } => {}
        }
    }
    out
}

fn reparse(text: &[u8]) -> Vec<Item> {
    parse_all(text).unwrap_or_else(|e| {
        panic!("our own output does not parse: {e}\n{}", String::from_utf8_lossy(text))
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(items) = parse_all(data) else { return };
    let first = spell(&items);
    let second = spell(&reparse(&first));
    let third = spell(&reparse(&second));
    assert_eq!(
        String::from_utf8_lossy(&second),
        String::from_utf8_lossy(&third),
        "writing what we read back of our own output changed it"
    );
});
