//! `treesync` between machines, over `-e` with a local command: a shell script that drops the
//! host argument and runs the rest under `sh -c`, as ssh does on the other side. A push
//! (`SRC/ h:DEST`) and a pull (`h:SRC/ DEST`) must leave the same tree and print the same
//! `-i` lines as local treesync on the same trees (rsync itself is run over the same shell as
//! the oracle for the tree). A hostile peer is a script that ignores what it is told and
//! writes crafted frames (encoded here from the protocol's description, independently of the
//! implementation): nothing outside DEST may change, no file may be torn or left half-written,
//! and the run ends with rsync's exit 12 without a panic.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use checkpoint_tests::*;

/// The remote shell: `rsh HOST CMD...` runs `CMD...` here, through `sh -c` as sshd does.
fn rsh(dir: &Path) -> PathBuf {
    let p = dir.join("rsh");
    fs::write(&p, "#!/bin/sh\nshift\nexec sh -c \"$*\"\n").unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// `-e RSH --rsync-path=TREESYNC` for a run in `dir`.
fn over_shell(dir: &Path) -> Vec<std::ffi::OsString> {
    vec![
        "-e".into(),
        rsh(dir).into_os_string(),
        "--rsync-path".into(),
        bin("treesync").into_os_string(),
    ]
}

/// stdout split as the treesync differential tests do: transfer lines in order, and the
/// `*deleting` lines (whose place among the others is the engine's choice) as a set.
fn lines(out: &[u8]) -> (Vec<String>, Vec<String>) {
    let text = String::from_utf8_lossy(out);
    let (mut del, mut rest): (Vec<String>, Vec<String>) = text
        .lines()
        .map(str::to_string)
        .partition(|l| l.starts_with("*deleting"));
    del.sort();
    rest.retain(|l| !l.is_empty());
    (rest, del)
}

fn src_and_old() -> (Tree, Tree) {
    let (old, _) = edge_case_pair();
    (
        edge_case_tree(),
        old.with_mtimes(1_590_000_000 * NS + 123_456_789),
    )
}

fn faithful_enough() -> Compare {
    Compare {
        mtimes: true,
        dir_mtimes: true,
        ..Compare::default()
    }
}

/// Sync `src` into `dst` (holding `old`, if any) locally and over the shell (push or pull),
/// and require the same exit code, `-i` lines and tree.
#[track_caller]
fn same_as_local(src: &Tree, old: Option<&Tree>, flags: &[&str], pull: bool) {
    let t = tempdir();
    let mut outs = Vec::new();
    for side in ["local", "remote"] {
        let w = t.path().join(side);
        // Roots get no time from the Tree: pin them, so both sides start identical.
        let pin = |p: PathBuf, secs: i64| {
            let t = filetime::FileTime::from_unix_time(secs, 250_000_000);
            filetime::set_file_times(&p, t, t).unwrap();
        };
        pin(src.build(w.join("src")), 1_650_000_000);
        if let Some(o) = old {
            pin(o.build(w.join("dst")), 1_640_000_000);
        }
        let mut run = tool("treesync").args(flags).cwd(&w);
        run = match (side, pull) {
            ("local", _) => run.args(["src/", "dst"]),
            (_, false) => run.args(over_shell(&w)).args(["src/", "h:dst"]),
            (_, true) => run.args(over_shell(&w)).args(["h:src/", "dst"]),
        };
        outs.push(run.run());
    }
    let (local, remote) = (&outs[0], &outs[1]);
    let context = format!(
        "flags {flags:?} pull {pull}\n--- local (exit {:?}):\n{}{}\n--- remote (exit {:?}):\n{}{}",
        local.code(),
        show(&local.stdout),
        show(&local.stderr),
        remote.code(),
        show(&remote.stdout),
        show(&remote.stderr),
    );
    assert_eq!(local.code(), remote.code(), "exit codes differ\n{context}");
    assert_eq!(
        lines(&local.stdout),
        lines(&remote.stdout),
        "output differs\n{context}"
    );
    assert_same_tree(
        t.path().join("local/dst"),
        t.path().join("remote/dst"),
        faithful_enough(),
    );
}

#[test]
fn push_into_an_empty_dest_equals_local_treesync() {
    let (src, _) = src_and_old();
    same_as_local(&src, None, &["-a", "-i"], false);
}

#[test]
fn pull_into_an_empty_dest_equals_local_treesync() {
    let (src, _) = src_and_old();
    same_as_local(&src, None, &["-a", "-i"], true);
}

#[test]
fn push_onto_an_old_dest_with_delete_equals_local_treesync() {
    let (src, old) = src_and_old();
    same_as_local(&src, Some(&old), &["-a", "-i", "--delete"], false);
    same_as_local(&src, Some(&old), &["-rlt", "-c", "-i", "--delete"], false);
}

#[test]
fn pull_onto_an_old_dest_with_delete_equals_local_treesync() {
    let (src, old) = src_and_old();
    same_as_local(&src, Some(&old), &["-a", "-i", "--delete", "-z"], true);
    same_as_local(&src, Some(&old), &["-rlpt", "-c", "-i", "--delete"], true);
}

#[test]
fn dry_run_over_the_shell_prints_what_local_treesync_prints() {
    let (src, old) = src_and_old();
    same_as_local(&src, Some(&old), &["-a", "-n", "-i", "--delete"], false);
    same_as_local(&src, Some(&old), &["-a", "-n", "-i", "--delete"], true);
}

/// A large file edited in a few places travels as a delta and is rebuilt exactly (with and
/// without `-z`), in both directions.
#[test]
fn edited_large_file_is_rebuilt_from_a_delta() {
    let big: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut edited = big.clone();
    for at in [10usize, 1_000_000, 2_999_990] {
        edited[at] ^= 0xff;
    }
    edited.splice(500_000..500_000, b"inserted".iter().copied());
    let old = Tree::new()
        .file("big.bin", &big)
        .file("same", "same\n")
        .with_mtimes(1_500_000_000 * NS);
    let src = Tree::new()
        .file("big.bin", &edited)
        .file("same", "same\n")
        .with_mtimes(1_600_000_000 * NS);
    for pull in [false, true] {
        same_as_local(&src, Some(&old), &["-rt", "-i"], pull);
        same_as_local(&src, Some(&old), &["-rt", "-c", "-z", "-i"], pull);
    }
}

/// The tree rsync itself makes over the same shell is the tree treesync makes.
#[test]
fn push_and_pull_match_rsync_over_the_same_shell() {
    require_tool("rsync");
    let (src, old) = src_and_old();
    let src = src.retain(|p, _| !has_newline_name(p));
    for pull in [false, true] {
        let t = tempdir();
        for side in ["rsync", "ours"] {
            let w = t.path().join(side);
            src.build(w.join("src"));
            old.build(w.join("dst"));
            let script = rsh(&w);
            let run = match side {
                "rsync" => cmd("rsync").arg("-e").arg(&script),
                _ => tool("treesync").args(over_shell(&w)),
            };
            let ops = if pull {
                ["h:src/", "dst"]
            } else {
                ["src/", "h:dst"]
            };
            run.args(["-a", "--delete"]).args(ops).cwd(&w).success();
        }
        assert_same_tree(
            t.path().join("rsync/dst"),
            t.path().join("ours/dst"),
            faithful_enough(),
        );
    }
}

#[test]
fn the_remote_shell_comes_from_treesync_rsh() {
    let t = tempdir();
    Tree::new().file("f", "x\n").build(t.path().join("src"));
    let script = rsh(t.path());
    tool("treesync")
        .args(["-r", "--rsync-path"])
        .arg(bin("treesync"))
        .args(["src/", "h:dst"])
        .env("TREESYNC_RSH", &script)
        .cwd(t.path())
        .success();
    assert_eq!(fs::read(t.path().join("dst/f")).unwrap(), b"x\n");
}

#[test]
fn both_ends_remote_and_daemons_are_usage_errors() {
    let t = tempdir();
    for ops in [["a:x", "b:y"], ["h::mod", "d"]] {
        let o = tool("treesync").arg("-r").args(ops).cwd(t.path()).run();
        assert_eq!(o.code(), Some(1), "{}", o.stderr_text());
    }
}

// ---- a hostile peer ------------------------------------------------------------------------

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

const DIR: u32 = 0o040755;
const FILE: u32 = 0o100644;
const LINK: u32 = 0o120777;

/// Pull from a peer that sends `stream` (after its hello) whatever it is asked (and reads
/// until the end): returns the scratch directory (`outside/`, `dst/`) and the run.
fn pull_from_hostile(stream: &[u8]) -> (tempfile::TempDir, Output) {
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
        .args(["h:src/", "dst"])
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
