//! parse -> write -> parse on the inputs the `patch_roundtrip` fuzz target found breaking it,
//! one test per bug, each named after what broke. The property is the fuzz target's: whatever
//! the parser accepts, the writer spells so the parser reads it back; after the first
//! (normalising) write, writing what was read is a fixpoint, and reading it gives the same
//! items (line numbers aside).

/// Asserts the round-trip property on `input`, which the parser must accept; returns the first
/// normalised spelling.
fn assert_round_trips(input: &[u8]) -> Vec<u8> {
    match treepatch::roundtrip::check(input) {
        Ok(Some(first)) => first,
        Ok(None) => panic!(
            "the input does not parse: {}",
            String::from_utf8_lossy(input)
        ),
        Err(broke) => panic!("{broke}"),
    }
}

#[test]
fn unquoted_header_names_with_spaces_that_cannot_be_split() {
    // A GNU section whose two names differ and hold a space: the written `diff --git` line has
    // no `---`/`+++` lines after it (no hunks), so its names must be readable on their own.
    let p = b"--- \"a/sp #ace\"\t2026-11-24 12:30:04.015671214 +0000\n\
              +++ \"b/sp ace\"\t2026-11-24 12:30:04.015671214 +0000\n";
    let out = assert_round_trips(p);
    assert!(
        out.starts_with(b"diff --git \"a/sp #ace\" \"b/sp ace\"\n"),
        "{out:?}"
    );
}

#[test]
fn unquoted_header_names_that_split_in_the_wrong_place() {
    // Bare, these names split as (`a/a/f`, `32bec... 100644`) and as nothing else useful.
    let p = b"--- a/a/f\n+++ 32bec98268511dc9f9ef70b61d315d515acb 100644\n";
    assert_round_trips(p);
}

#[test]
fn names_with_spaces_that_split_unambiguously_stay_bare_as_git_writes_them() {
    let p = b"diff --git a/sp ace b/sp ace\nold mode 100644\nnew mode 100755\n";
    assert_eq!(assert_round_trips(p), p);
}

#[test]
fn rename_from_a_path_that_is_only_a_prefix() {
    // `--- /` names the path `/`: split as prefix `/` and name ``, `rename from` was empty.
    let p = b"diff --git a/x b/y\nrename from x\n--- /\n+++ b/y\n";
    let out = assert_round_trips(p);
    assert!(
        out.windows(14).any(|w| w == b"rename from /\n"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

#[test]
fn hunk_section_ending_in_carriage_returns() {
    // Each write + read took one `\r` off the end of the `@@` line's function context.
    assert_round_trips(b"--- a/f\n+++ b/f\n@@ -0,0 +1 @@\r\r\r\r\n+f\n");
}

#[test]
fn rename_with_spaces_stays_bare_as_git_writes_it() {
    // The bare header cannot be split, but the `rename` lines say both names: git's spelling.
    let p = b"diff --git a/old/name.txt b/new dir/name.txt\nold mode 100644\nnew mode 100755\n\
              similarity index 100%\nrename from old/name.txt\nrename to new dir/name.txt\n";
    assert_eq!(assert_round_trips(p), p);
}

#[test]
fn quoted_names_holding_carriage_returns_with_timestamps() {
    let p = b"--- \"a/x\\r\"\t2026-11-24 12:30:04.010407618 +0000\r\n\
              +++ \"b/x\\r\"\t2026-11-24 12:30:04.010407618 +0000\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n\
              --- a/y\r\r\n+++ b/y\r\t1970-01-01 00:00:00.000000000 +0000\r\n";
    let out = assert_round_trips(p);
    assert!(
        out.starts_with(b"diff --git \"a/x\\r\" \"b/x\\r\"\n"),
        "{out:?}"
    );
}
