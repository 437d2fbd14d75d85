//! `treesync` against a hostile peer: the remote shell is a script that ignores what it is
//! told and writes crafted frames (encoded here from the protocol's description in
//! `treesync/src/remote/frame.rs`, independently of the implementation). Nothing outside
//! DEST may change, no file may be torn or left half-written, the run ends with rsync's exit
//! 12 and no panic; the sender refuses requests for what it did not list.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use checkpoint_tests::*;

/// One frame as the protocol describes it: type, u32 little-endian length, payload.
fn frame(ty: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![ty];
    v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    v.extend_from_slice(payload);
    v
}

fn bytes(b: &[u8]) -> Vec<u8> {
    let mut v = (b.len() as u32).to_le_bytes().to_vec();
    v.extend_from_slice(b);
    v
}

/// The server's hello (magic, version 1, role "server sends", no flags, no operands).
fn hello() -> Vec<u8> {
    let mut p = b"TREESYNC".to_vec();
    p.extend_from_slice(&1u16.to_le_bytes());
    p.push(1);
    p.extend_from_slice(&0u32.to_le_bytes());
    p.push(0);
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(&bytes(b""));
    frame(1, &p)
}

/// An entry frame: path, st_mode, uid, gid, mtime, nsec, size, rdev, target, no digest.
fn entry(path: &[u8], mode: u32, size: u64, target: &[u8]) -> Vec<u8> {
    let mut p = bytes(path);
    for v in [mode, 0, 0] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p.extend_from_slice(&1_600_000_000u64.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(&size.to_le_bytes());
    p.extend_from_slice(&0u64.to_le_bytes());
    p.extend_from_slice(&bytes(target));
    p.push(0);
    frame(2, &p)
}

/// A file-begin frame: index, size, raw (no delta).
fn begin(index: u32, size: u64) -> Vec<u8> {
    let mut p = index.to_le_bytes().to_vec();
    p.extend_from_slice(&size.to_le_bytes());
    p.push(0);
    frame(5, &p)
}

const DIR: u32 = 0o040755;
const FILE: u32 = 0o100644;
const LINK: u32 = 0o120777;

/// Pull from a peer that sends `stream` (after its hello) whatever it is asked (and reads
/// until the end): returns the scratch directory (`outside/`, `dst/`) and the run.
fn pull_from_hostile(stream: &[u8]) -> (tempfile::TempDir, Output) {
    pull_from_hostile_as(stream, &["h:src/", "dst"])
}

/// [`pull_from_hostile`] with other operands.
fn pull_from_hostile_as(stream: &[u8], operands: &[&str]) -> (tempfile::TempDir, Output) {
    let t = tempdir();
    let w = t.path();
    Tree::new()
        .file("outside/keep", "precious\n")
        .file("dst/old", "old\n")
        .build(w);
    fs::write(w.join("crafted"), [hello(), stream.to_vec()].concat()).unwrap();
    let peer = w.join("peer");
    fs::write(
        &peer,
        "#!/bin/sh\ncat \"$(dirname \"$0\")/crafted\"\nexec >&-\ncat > /dev/null\n",
    )
    .unwrap();
    fs::set_permissions(&peer, fs::Permissions::from_mode(0o755)).unwrap();
    let o = tool("treesync")
        .arg("-rl")
        .arg("-e")
        .arg(&peer)
        .args(operands)
        .cwd(w)
        .run();
    (t, o)
}

/// Nothing outside DEST changed, DEST holds only `expected` (no temporary files), exit 12
/// with a message and no panic.
#[track_caller]
fn refused(stream: &[u8], expected: &[&str]) {
    let (t, o) = pull_from_hostile(stream);
    let err = o.stderr_text();
    assert_eq!(o.code(), Some(12), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("treesync"), "{err}");
    assert_tree_matches(
        t.path().join("outside"),
        &Tree::new().file("keep", "precious\n"),
        Compare::contents(),
    );
    let mut names: Vec<String> = fs::read_dir(t.path().join("dst"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected, "{err}");
    let top: Vec<String> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !["crafted", "peer", "outside", "dst"].contains(&n.as_str()))
        .collect();
    assert!(top.is_empty(), "written beside DEST: {top:?}");
}

#[test]
fn hostile_peer_dotdot_name_is_refused() {
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"../outside/keep", FILE, 3, b""),
    ]
    .concat();
    refused(&s, &["old"]);
    let s = [entry(b".", DIR, 0, b""), entry(b"a/../../x", FILE, 3, b"")].concat();
    refused(&s, &["old"]);
}

#[test]
fn hostile_peer_absolute_name_is_refused() {
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"/tmp/treesync-pwned", FILE, 3, b""),
    ]
    .concat();
    refused(&s, &["old"]);
    assert!(!Path::new("/tmp/treesync-pwned").exists());
}

#[test]
fn hostile_peer_file_through_its_own_symlink_is_refused() {
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"esc", LINK, 0, b"../outside"),
        entry(b"esc/keep", FILE, 3, b""),
    ]
    .concat();
    // The symlink itself is inside DEST (as rsync makes it); nothing goes through it.
    refused(&s, &["esc", "old"]);
}

#[test]
fn hostile_peer_name_in_an_unlisted_directory_is_refused() {
    let s = [entry(b".", DIR, 0, b""), entry(b"nodir/f", FILE, 3, b"")].concat();
    refused(&s, &["old"]);
}

#[test]
fn hostile_peer_oversized_length_is_refused() {
    let mut s = entry(b".", DIR, 0, b"");
    s.extend_from_slice(&[2, 0xff, 0xff, 0xff, 0x7f]);
    refused(&s, &["old"]);
}

#[test]
fn hostile_peer_truncated_frame_is_refused() {
    let e = entry(b"f", FILE, 3, b"");
    let s = [entry(b".", DIR, 0, b""), e[..e.len() - 4].to_vec()].concat();
    refused(&s, &["old"]);
    // A string length larger than its frame.
    let mut bad = entry(b".", DIR, 0, b"");
    bad.extend_from_slice(&frame(2, &[0xff, 0xff, 0, 0, b'x']));
    refused(&bad, &["old"]);
}

#[test]
fn hostile_peer_more_data_than_announced_leaves_nothing_torn() {
    let mut begin = 1u32.to_le_bytes().to_vec();
    begin.extend_from_slice(&3u64.to_le_bytes());
    begin.push(0);
    let mut data = vec![0];
    data.extend_from_slice(&bytes(&[b'x'; 100]));
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"f", FILE, 3, b""),
        frame(3, &[0]),
        frame(5, &begin),
        frame(6, &data),
    ]
    .concat();
    refused(&s, &["old"]);
}

#[test]
fn hostile_peer_content_with_a_wrong_hash_is_not_renamed_into_place() {
    let mut begin = 1u32.to_le_bytes().to_vec();
    begin.extend_from_slice(&3u64.to_le_bytes());
    begin.push(0);
    let mut data = vec![0];
    data.extend_from_slice(&bytes(b"abc"));
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"f", FILE, 3, b""),
        frame(3, &[0]),
        frame(5, &begin),
        frame(6, &data),
        frame(7, &[0; 32]),
    ]
    .concat();
    let (t, o) = pull_from_hostile(&s);
    assert_eq!(o.code(), Some(23), "{}", o.stderr_text());
    assert!(!t.path().join("dst/f").exists());
    let left: Vec<_> = fs::read_dir(t.path().join("dst")).unwrap().collect();
    assert_eq!(left.len(), 1, "only the old file is left");
}

/// A receiver (the server of a push) that asks for what the sender did not list as a file:
/// the sender refuses (exit 12) and reads nothing else.
#[test]
fn hostile_receiver_request_for_a_non_file_is_refused() {
    for index in [0u32, 999] {
        let t = tempdir();
        let w = t.path();
        Tree::new().file("src/f", "data\n").build(w);
        let mut reply = hello();
        reply[5 + 10] = 0; // role: the server receives
        let mut req = index.to_le_bytes().to_vec();
        req.extend_from_slice(&bytes(b""));
        fs::write(w.join("crafted"), [reply, frame(4, &req)].concat()).unwrap();
        let peer = w.join("peer");
        let script = "#!/bin/sh\ncat \"$(dirname \"$0\")/crafted\"\ncat > /dev/null\n";
        fs::write(&peer, script).unwrap();
        fs::set_permissions(&peer, fs::Permissions::from_mode(0o755)).unwrap();
        let o = tool("treesync")
            .arg("-r")
            .arg("-e")
            .arg(&peer)
            .args(["src/", "h:dst"])
            .cwd(w)
            .run();
        let err = o.stderr_text();
        assert_eq!(o.code(), Some(12), "{err}");
        assert!(err.contains("not a listed file"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// A symlink out of DEST, then a directory of the same name, then a file in it: the symlink
/// is replaced by a real directory and the file lands inside DEST, never through the link.
#[test]
fn hostile_peer_symlink_then_directory_of_the_same_name_stays_inside() {
    let mut data = vec![0];
    data.extend_from_slice(&bytes(b"abc"));
    // SHA-256("abc").
    let sha: Vec<u8> = (0..32)
        .map(|i| {
            let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()
        })
        .collect();
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"esc", LINK, 0, b"../outside"),
        entry(b"esc", DIR, 0, b""),
        entry(b"esc/keep", FILE, 3, b""),
        frame(3, &[0]),
        begin(3, 3),
        frame(6, &data),
        frame(7, &sha),
    ]
    .concat();
    let (t, o) = pull_from_hostile(&s);
    assert_eq!(o.code(), Some(0), "{}", o.stderr_text());
    assert_eq!(
        fs::read(t.path().join("outside/keep")).unwrap(),
        b"precious\n"
    );
    assert!(
        t.path()
            .join("dst/esc")
            .symlink_metadata()
            .unwrap()
            .is_dir()
    );
    assert_eq!(fs::read(t.path().join("dst/esc/keep")).unwrap(), b"abc");
}

#[test]
fn hostile_peer_content_nobody_asked_for_is_refused() {
    let s = [entry(b".", DIR, 0, b""), frame(3, &[0]), begin(0, 3)].concat();
    refused(&s, &["old"]);
    let s = [entry(b".", DIR, 0, b""), begin(7, 3)].concat();
    refused(&s, &["old"]);
}

/// Operands that name entries (`h:src`, `h:file`) allow only those names at the top: no `.`
/// (DEST's parent would be the top), no other name, and a single file written under DEST's
/// name is the only entry of its run.
#[test]
fn hostile_peer_names_the_operands_did_not_ask_for_are_refused() {
    let cases: [(Vec<u8>, [&str; 2]); 4] = [
        (entry(b"other", FILE, 3, b""), ["h:src", "dst"]),
        (entry(b".", DIR, 0, b""), ["h:src", "dst"]),
        (
            [entry(b"f", FILE, 0, b""), entry(b".", DIR, 0, b"")].concat(),
            ["h:f", "single"],
        ),
        (
            [entry(b"f", FILE, 0, b""), entry(b"f", DIR, 0, b"")].concat(),
            ["h:f", "single"],
        ),
    ];
    for (stream, ops) in cases {
        let (t, o) = pull_from_hostile_as(&stream, &ops);
        let err = o.stderr_text();
        assert_eq!(o.code(), Some(12), "{ops:?}: {err}");
        let mut top: Vec<String> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert_eq!(top, ["crafted", "dst", "outside", "peer"], "{ops:?}: {err}");
        assert_eq!(fs::read(t.path().join("dst/old")).unwrap(), b"old\n");
    }
}

/// The connection drops in the middle of a file: the run ends 12 and the half-received file's
/// temporary is gone (DEST keeps what it had).
#[test]
fn connection_dropped_mid_file_leaves_nothing_torn() {
    let mut data = vec![0];
    data.extend_from_slice(&bytes(b"half!"));
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"old", FILE, 10, b""),
        frame(3, &[0]),
        begin(1, 10),
        frame(6, &data),
    ]
    .concat();
    refused(&s, &["old"]);
    let (t, _) = pull_from_hostile(&s);
    assert_eq!(fs::read(t.path().join("dst/old")).unwrap(), b"old\n");
}

/// SIGINT during a pull (here sent by the peer to its parent, the client): the client stops,
/// keeps no temporary, and exits 20 in rsync's words, not 12 for the pipe the signal closed.
#[test]
fn interrupted_pull_exits_20() {
    let t = tempdir();
    let w = t.path();
    Tree::new().file("dst/old", "old\n").build(w);
    let s = [hello(), entry(b".", DIR, 0, b""), entry(b"f", FILE, 3, b"")].concat();
    fs::write(w.join("crafted"), s).unwrap();
    let peer = w.join("peer");
    let script = "#!/bin/sh\ncat \"$(dirname \"$0\")/crafted\"\nkill -INT $PPID\nsleep 1\n";
    fs::write(&peer, script).unwrap();
    fs::set_permissions(&peer, fs::Permissions::from_mode(0o755)).unwrap();
    let o = tool("treesync")
        .args(["-r", "-e"])
        .arg(&peer)
        .args(["h:src/", "dst"])
        .cwd(w)
        .run();
    let err = o.stderr_text();
    assert_eq!(o.code(), Some(20), "{err}");
    assert!(
        err.contains("received SIGINT, SIGTERM, or SIGHUP (code 20)"),
        "{err}"
    );
    let names: Vec<_> = fs::read_dir(w.join("dst")).unwrap().collect();
    assert_eq!(names.len(), 1, "{err}");
}

/// `--delete`'s list of names for a directory the list is not in (here DEST's parent, `..`
/// spelled as a directory of the transfer): refused before anything is deleted.
#[test]
fn hostile_peer_names_for_another_directory_are_refused() {
    let mut names = bytes(b"..");
    names.extend_from_slice(&0u32.to_le_bytes());
    let s = [entry(b".", DIR, 0, b""), frame(12, &names)].concat();
    let t = tempdir();
    let w = t.path();
    Tree::new()
        .file("outside/keep", "precious\n")
        .file("dst/old", "old\n")
        .build(w);
    fs::write(w.join("crafted"), [hello(), s].concat()).unwrap();
    let peer = w.join("peer");
    let script = "#!/bin/sh\ncat \"$(dirname \"$0\")/crafted\"\nexec >&-\ncat > /dev/null\n";
    fs::write(&peer, script).unwrap();
    fs::set_permissions(&peer, fs::Permissions::from_mode(0o755)).unwrap();
    let o = tool("treesync")
        .args(["-r", "--delete", "-e"])
        .arg(&peer)
        .args(["h:src/", "dst"])
        .cwd(w)
        .run();
    assert_eq!(o.code(), Some(12), "{}", o.stderr_text());
    assert_eq!(fs::read(w.join("dst/old")).unwrap(), b"old\n");
    assert_eq!(fs::read(w.join("outside/keep")).unwrap(), b"precious\n");
}

/// SHA-256 of `b`, from coreutils' `sha256sum`.
fn sha256(b: &[u8]) -> Vec<u8> {
    let t = tempdir();
    let f = t.path().join("data");
    fs::write(&f, b).unwrap();
    let out = cmd("sha256sum").arg(&f).success();
    let hex = out.stdout_str().to_string();
    (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The frames of one whole raw file: begin, one data frame, end with its hash.
fn content(index: u32, size: u64, body: &[u8]) -> Vec<u8> {
    let mut data = vec![0];
    data.extend_from_slice(&bytes(body));
    [begin(index, size), frame(6, &data), frame(7, &sha256(body))].concat()
}

/// Content larger than the size the list gave the file (here with a matching hash, so only
/// the bound stops it): the receiver refuses it before writing anything, whatever it says.
#[test]
fn hostile_peer_content_larger_than_listed_is_refused() {
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"f", FILE, 3, b""),
        frame(3, &[0]),
        content(1, 10, b"0123456789"),
    ]
    .concat();
    refused(&s, &["old"]);
}

/// A file listed twice in one directory (each with its content): refused while the list
/// arrives, before either is written.
#[test]
fn hostile_peer_name_listed_twice_is_refused() {
    let s = [
        entry(b".", DIR, 0, b""),
        entry(b"f", FILE, 3, b""),
        entry(b"f", FILE, 3, b""),
        frame(3, &[0]),
        content(1, 3, b"abc"),
        content(2, 3, b"xyz"),
    ]
    .concat();
    refused(&s, &["old"]);
}
