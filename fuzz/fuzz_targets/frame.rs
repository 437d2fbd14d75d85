//! treesync's remote protocol decoder on arbitrary bytes: an error or "not a whole frame yet"
//! is fine, a panic (or an allocation beyond the frame's own length) is a bug. What decodes
//! re-encodes to the same frame, and every prefix of a whole frame decodes to "need more" or
//! the same error, never to another frame.
#![no_main]

use treesync::remote::frame;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some((f, used))) = frame::decode(rest) {
        assert!(used >= 5 && used <= rest.len());
        let (ty, payload) = frame::encode(&f);
        assert_eq!(frame::decode_payload(ty, &payload).as_ref(), Ok(&f));
        for cut in [0, 1, 4, used / 2, used - 1] {
            assert!(!matches!(frame::decode(&rest[..cut]), Ok(Some(_))));
        }
        rest = &rest[used..];
    }
    // The stream reader agrees with the slice decoder on the first frame.
    let mut r = data;
    match (frame::read(&mut r), frame::decode(data)) {
        (Ok(a), Ok(Some((b, _)))) => assert_eq!(a, b),
        (Ok(_), other) => panic!("read a frame that decode gives as {other:?}"),
        _ => {}
    }
});
