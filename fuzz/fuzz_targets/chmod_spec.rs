//! treesync's `--chmod` parser on arbitrary text: an error is fine, a panic is a bug. What it
//! accepts applies to any mode without panicking, yields permission bits only, and reads the
//! same clause by clause (`A,B` is `A` extended by `B`, as repeated `--chmod` options are).
#![no_main]

use treesync::ChmodSpec;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The last line, if any, holds the mode and umask to try; the rest is the spec.
    let (spec, probe) = text.rsplit_once('\n').unwrap_or((text, ""));
    let Ok(parsed) = ChmodSpec::parse(spec) else {
        return;
    };
    let mut joined = ChmodSpec::default();
    for clause in spec.split(',') {
        joined.extend(ChmodSpec::parse(clause).expect("a clause of an accepted spec parses"));
    }
    assert_eq!(joined, parsed, "clause-by-clause parse differs");
    let seed = probe
        .bytes()
        .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(u32::from(b)));
    for (mode, umask) in [
        (seed, seed >> 12),
        (0o100644, 0o022),
        (0o40755, 0o027),
        (0, 0o777),
    ] {
        for is_dir in [false, true] {
            let out = parsed.apply(mode, is_dir, umask & 0o777);
            assert_eq!(out & !0o7777, 0, "apply gave more than permission bits");
            assert_eq!(out, parsed.apply(mode & 0o7777, is_dir, umask & 0o777));
        }
    }
});
