//! The mtree manifest reader on arbitrary bytes: an error is fine, a panic is a bug; what it
//! accepts it can write back and read again to the same paths.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = fstree::manifest::Manifest::read(data) {
        for e in &m.entries {
            let esc = fstree::manifest::escape(std::os::unix::ffi::OsStrExt::as_bytes(
                e.path.as_os_str(),
            ));
            let back =
                fstree::manifest::unescape(esc.as_bytes()).expect("our own escapes read back");
            assert_eq!(
                back,
                std::os::unix::ffi::OsStrExt::as_bytes(e.path.as_os_str())
            );
        }
    }
});
