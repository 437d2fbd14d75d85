//! parse -> write -> parse is stable: see `treepatch::roundtrip` for the property.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(broke) = treepatch::roundtrip::check(data) {
        panic!("{broke}");
    }
});
