//! git binary deltas: applying hostile deltas never panics; a delta we create applies back.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b))
        .min(data.len().saturating_sub(1));
    let (base, rest) = data.split_at(split.min(data.len()));
    let _ = treepatch::binary::apply_delta(base, rest);
    if let Some(delta) = treepatch::binary::create_delta(base, rest) {
        let back = treepatch::binary::apply_delta(base, &delta).expect("our delta applies");
        assert_eq!(back, rest);
    }
});
