//! Ed scripts (`diff -e`): whatever the parser accepts, our interpreter applies to any file
//! without panicking (an error is fine). Input: the script, then, after the first NUL byte,
//! the file it edits (by default 20 numbered lines).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (script, file) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], data[i + 1..].to_vec()),
        None => (data, (1..=20).flat_map(|i| format!("{i}\n").into_bytes()).collect()),
    };
    let Ok(items) = treepatch::parse::parse_all(script) else {
        return;
    };
    for item in items {
        if let treepatch::Item::File(fp) = item
            && let Some(ed) = fp.ed
        {
            if let Ok(out) = treepatch::ed::apply(&ed.commands, &file) {
                assert!(out.is_empty() || out.ends_with(b"\n"), "ed writes whole lines");
            }
        }
    }
});
