//! `treesync` between machines, over `-e` with a local command: a shell script that drops the
//! host argument and runs the rest under `sh -c`, as sshd does on the other side. A push
//! (`SRC/ h:DEST`) and a pull (`h:SRC/ DEST`) must leave the same tree and print the same
//! `-i` lines as local treesync on the same trees; rsync itself, run over the same shell, is
//! the oracle for the tree, the `-v` lines and the modes. The hostile peer is in
//! `remote_hostile.rs`, a real sshd in `remote_ssh.rs`.

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

/// stdout as lines, in order (the `*deleting` lines included: a directory's deletions come
/// before its line, as local treesync prints them).
fn lines(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
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

/// `--chmod` changes the list's modes as if the sender had supplied them, in both directions
/// (new and existing entries, with and without `-p`).
#[test]
fn chmod_over_the_shell_equals_local_treesync() {
    let (src, old) = src_and_old();
    for pull in [false, true] {
        same_as_local(&src, None, &["-rlt", "-i", "--chmod=u+w,g-w,o=,Dg+s"], pull);
        same_as_local(&src, Some(&old), &["-a", "-i", "--chmod=D750,F640"], pull);
    }
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

/// Several SRC operands holding the same names: the first operand's file wins and the
/// directories merge, as in rsync's list (the receiver refuses a file listed twice, so the
/// sender must leave the later ones out).
#[test]
fn several_operands_with_the_same_names_match_rsync_over_the_same_shell() {
    require_tool("rsync");
    let tree = |tag: &str| {
        Tree::new()
            .file("f", format!("{tag} f\n"))
            .file(format!("only-{tag}"), "x\n")
            .file("sub/x", format!("{tag} x\n"))
            .file(format!("sub/{tag}"), "y\n")
            .symlink("l", tag)
    };
    for pull in [false, true] {
        let t = tempdir();
        for side in ["rsync", "ours"] {
            let w = t.path().join(side);
            tree("a").build(w.join("a"));
            tree("b").build(w.join("b"));
            let script = rsh(&w);
            let run = match side {
                "rsync" => cmd("rsync").arg("-e").arg(&script),
                _ => tool("treesync").args(over_shell(&w)),
            };
            let ops = if pull {
                ["h:a/", "h:b/", "dst"]
            } else {
                ["a/", "b/", "h:dst"]
            };
            run.args(["-rl"]).args(ops).cwd(&w).success();
        }
        assert_same_tree(
            t.path().join("rsync/dst"),
            t.path().join("ours/dst"),
            Compare::contents(),
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

/// `-v` prints rsync's lines: the file-list header, the names, and the closing counters, whose
/// byte counts are this run's own (only their shape is compared) but whose total size is
/// SRC's, as rsync's.
#[test]
fn verbose_lines_match_rsync_over_the_same_shell() {
    require_tool("rsync");
    let src = edge_case_tree_portable();
    let shape = |out: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(out);
        text.lines()
            .map(|l| match l.strip_prefix("sent ") {
                Some(rest) => {
                    assert!(rest.ends_with(" bytes/sec") && rest.contains(" bytes  received "));
                    "sent N bytes  received N bytes  N bytes/sec".to_string()
                }
                None => match l.split_once("  speedup is ") {
                    Some((total, _)) => format!("{total}  speedup is N"),
                    None => l.to_string(),
                },
            })
            .collect()
    };
    for pull in [false, true] {
        let t = tempdir();
        let mut outs = Vec::new();
        for side in ["rsync", "ours"] {
            let w = t.path().join(side);
            src.build(w.join("src"));
            let run = match side {
                "rsync" => cmd("rsync").arg("-e").arg(rsh(&w)),
                _ => tool("treesync").args(over_shell(&w)),
            };
            let ops = if pull {
                ["h:src/", "dst"]
            } else {
                ["src/", "h:dst"]
            };
            outs.push(run.clone().arg("-av").args(ops).cwd(&w).success());
            // Again, with a directory's mtime changed: `-v` names it, as rsync.
            let t = filetime::FileTime::from_unix_time(1_700_000_000, 0);
            filetime::set_file_times(w.join("src/sub"), t, t).unwrap();
            outs.push(run.arg("-av").args(ops).cwd(&w).success());
        }
        for k in 0..2 {
            let (rsync, ours) = (&outs[k], &outs[k + 2]);
            assert_eq!(
                shape(&rsync.stdout),
                shape(&ours.stdout),
                "pull {pull}, run {k}"
            );
        }
    }
}

/// A remote end that is not there (the program is missing, the shell fails) is rsync's
/// protocol error, exit 12, in its words; nothing is written.
#[test]
fn missing_remote_program_is_a_protocol_error() {
    let t = tempdir();
    Tree::new().file("src/f", "x\n").build(t.path());
    let o = tool("treesync")
        .arg("-r")
        .arg("-e")
        .arg(rsh(t.path()))
        .args(["--rsync-path", "/nonexistent/treesync", "src/", "h:dst"])
        .cwd(t.path())
        .run();
    let err = o.stderr_text();
    assert_eq!(o.code(), Some(12), "{err}");
    assert!(
        err.contains("treesync error: error in protocol data stream (code 12)"),
        "{err}"
    );
    assert!(!t.path().join("dst").exists());
}

/// Without `-p` a new entry's set-id and sticky bits do not come from the other side (rsync
/// drops them too); with `-p` they do, as rsync carries them.
#[test]
fn special_mode_bits_come_only_with_perms_as_rsync() {
    require_tool("rsync");
    use std::os::unix::fs::MetadataExt;
    for flags in [&["-r"][..], &["-rp"][..]] {
        for pull in [false, true] {
            let t = tempdir();
            let mut modes = Vec::new();
            for side in ["rsync", "ours"] {
                let w = t.path().join(side);
                Tree::new()
                    .file_mode("src/setuid", "x\n", 0o4755)
                    .file_mode("src/setgid", "x\n", 0o2750)
                    .dir_mode("src/sticky", 0o1777)
                    .build(&w);
                let run = match side {
                    "rsync" => cmd("rsync").arg("-e").arg(rsh(&w)),
                    _ => tool("treesync").args(over_shell(&w)),
                };
                let ops = if pull {
                    ["h:src/", "dst"]
                } else {
                    ["src/", "h:dst"]
                };
                run.args(flags).args(ops).cwd(&w).success();
                let mode = |n: &str| fs::symlink_metadata(w.join("dst").join(n)).unwrap().mode();
                modes.push([mode("setuid"), mode("setgid"), mode("sticky")]);
            }
            assert_eq!(modes[0], modes[1], "{flags:?} pull {pull}: rsync, ours");
        }
    }
}

/// An option the remote engine does not carry yet is refused (exit 1), not ignored.
#[test]
fn options_the_remote_engine_lacks_are_refused() {
    let t = tempdir();
    Tree::new().file("src/f", "x\n").build(t.path());
    for flag in [
        "--exclude=f",
        "--safe-links",
        "-H",
        "--chown=0:0",
        "--max-size=1",
        "--bwlimit=100",
        "--inplace",
        "-R",
    ] {
        let o = tool("treesync")
            .args(["-r", flag])
            .args(over_shell(t.path()))
            .args(["src/", "h:dst"])
            .cwd(t.path())
            .run();
        let err = o.stderr_text();
        assert_eq!(o.code(), Some(1), "{flag}: {err}");
        assert!(err.contains("not supported with a remote operand"), "{err}");
        assert!(!t.path().join("dst").exists());
    }
}

/// DEST reached through a symlink owned by another user (not root, not the receiving user)
/// is refused with exit 3 as local treesync and rsync 3.5 refuse it, at either end; with
/// `--insecure-links` it is followed.
#[test]
fn dest_through_an_untrusted_symlink_is_refused_at_either_end() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to give a symlink to another user");
        return;
    }
    for pull in [false, true] {
        let t = tempdir();
        let w = t.path();
        Tree::new().file("src/f", "x\n").dir("real").build(w);
        std::os::unix::fs::symlink("real", w.join("link")).unwrap();
        cmd("chown")
            .args(["-h", "nobody"])
            .arg(w.join("link"))
            .success();
        let ops = if pull {
            ["h:src/", "link"]
        } else {
            ["src/", "h:link"]
        };
        let o = tool("treesync")
            .arg("-r")
            .args(over_shell(w))
            .args(ops)
            .cwd(w)
            .run();
        assert_eq!(o.code(), Some(3), "pull {pull}: {}", o.stderr_text());
        assert!(!w.join("real/f").exists());
        tool("treesync")
            .args(["-r", "--insecure-links"])
            .args(over_shell(w))
            .args(ops)
            .cwd(w)
            .success();
        assert_eq!(fs::read(w.join("real/f")).unwrap(), b"x\n");
    }
}
