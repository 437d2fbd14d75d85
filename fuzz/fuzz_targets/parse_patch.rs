//! The patch parser on arbitrary bytes: an error is fine, a panic is a bug.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = treepatch::parse::parse_all(data);
});
