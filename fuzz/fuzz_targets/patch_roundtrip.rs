//! parse -> write -> parse is stable: whatever the parser accepts, the writer spells in a form
//! the parser reads back to the same items, so a second write is byte-identical to the first.
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

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(items) = parse_all(data) else { return };
    let first = spell(&items);
    let again = parse_all(&first).unwrap_or_else(|e| {
        panic!("our own output does not parse: {e}\n{}", String::from_utf8_lossy(&first))
    });
    let second = spell(&again);
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second),
        "write(parse(write(parse(x)))) != write(parse(x))"
    );
});
