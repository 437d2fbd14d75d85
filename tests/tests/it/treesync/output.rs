//! What treesync prints, against rsync: `--out-format` with rsync's escapes, widths and
//! verbatim unknowns, for files, directories, symlinks, deletions and hard links; the
//! listing of `--list-only` and of a lone SRC.

use checkpoint_tests::*;

use super::{Case, differential, linked_tree, mtimes_and_modes, src_and_old_dest};

#[test]
fn out_format_matches_rsync() {
    let (src, old) = src_and_old_dest();
    let formats = [
        "--out-format=%i %n%L",
        "--out-format=[%i] %-12n|%l|%o|%B|%U:%G|%%|%m|%h|%x",
        "--out-format=%i|%o|%n|%M|%10l|%'l",
        "--log-format=%i %f",
    ];
    for format in formats {
        // A line that does not start with `%i` cannot be told from the transfer lines, and
        // rsync interleaves its deletions with them in varying order: no `--delete` then.
        let leading = format.contains("format=%i");
        let extras: &[&[&str]] = match leading {
            true => &[&["--delete"], &["-n", "--delete"], &["-c"]],
            false => &[&["-n"], &["-c"]],
        };
        for extra in extras {
            let mut flags = vec!["-a", format];
            flags.extend_from_slice(extra);
            differential(&Case {
                src: &src,
                dest: Some(&old),
                flags: &flags,
                src_arg: "src/",
                dest_arg: "dst",
                cmp: mtimes_and_modes(),
            });
        }
    }
    // Without `%i` (deletions would mix into the transfer lines in rsync's varying order).
    for format in ["--out-format=%n%L", "--out-format=%o %n %l %M %B"] {
        differential(&Case {
            src: &src,
            dest: None,
            flags: &["-a", format],
            src_arg: "src/",
            dest_arg: "dst",
            cmp: mtimes_and_modes(),
        });
    }
    // Hard links (`hf ... => LEADER`) into a new DEST.
    differential(&Case {
        src: &linked_tree(),
        dest: None,
        flags: &["-aH", "--out-format=%i %n%L"],
        src_arg: "src/",
        dest_arg: "dst",
        cmp: mtimes_and_modes(),
    });
    // Checksums of the transfer are refused rather than made up.
    let ours = super::treesync()
        .args(["-a", "--out-format=%C %n", "a/", "b"])
        .run();
    assert_eq!(ours.code(), Some(1), "{}", ours.stderr_text());
}

/// `--list-only` and a lone SRC: the same lines as rsync (every non-directory, a symlink's
/// target with `-l`, sizes as `-h` says), and nothing written.
#[test]
fn list_only_matches_rsync() {
    let src = super::src_and_old_dest()
        .0
        .fifo("special/fifo")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    let t = tempdir();
    for args in [
        &["--list-only", "src/"][..],
        &["-r", "--list-only", "src/", "dst"],
        &["-r", "src/"],
        &["src/"],
        &["src"],
        &["-a", "src"],
        &["-rl", "src/"],
        &["-ah", "src/"],
        &["-a", "--no-h", "src/"],
        &["-r", "--exclude=text/", "--exclude=*.bin", "src/"],
        &["src/text/big.txt"],
    ] {
        let (theirs, ours) = super::both_sides(
            t.path(),
            |w| {
                if !w.join("src").exists() {
                    super::build_pinned(&src, w.join("src"), 1_650_000_000);
                }
            },
            args,
        );
        super::same_outcome(&theirs, &ours, &format!("{args:?}"));
        assert!(!t.path().join("ours/dst").exists(), "{args:?} wrote DEST");
    }
}

/// `--info` items with `-v` and alone, against rsync: names, deletions, the file-list line,
/// skipped non-regular files, unsafe symlinks, the closing total (silenced: rsync's has
/// protocol counters), and `all0`/`none`.
#[test]
fn info_items_match_rsync() {
    let (src, old) = src_and_old_dest();
    let lines: [&[&str]; 10] = [
        &["-r", "--info=name1"],
        &["-r", "--info=del1", "--delete"],
        &["-r", "-v", "--info=flist0,stats0"],
        &["-r", "--info=nonreg0"],
        &["-r", "-v", "--info=name0,stats0"],
        &["-r", "--info=all0", "-v"],
        &["-r", "-v", "--info=none"],
        &["-r", "--info=flist1"],
        &["-rl", "--safe-links", "--info=symsafe1"],
        &["-r", "--info=misc1,copy1,backup1,mount1,remove1,skip1"],
    ];
    for flags in lines {
        differential(&Case {
            src: &src,
            dest: Some(&old),
            flags,
            src_arg: "src/",
            dest_arg: "dst",
            cmp: Compare {
                modes: true,
                ..Compare::default()
            },
        });
    }
}

/// `--log-file` (and `--log-file-format`) against rsync: the same item lines in the log, after
/// the date and pid; rsync's `building file list` and closing byte counts are left out of the
/// comparison (treesync has no protocol to count; it logs `total size N`). Runs without errors:
/// rsync also logs its error messages, treesync does not.
#[test]
fn log_file_matches_rsync() {
    let (src, old) = src_and_old_dest();
    for extra in [
        &["--delete"][..],
        &["--delete", "--log-file-format=%o %n %l %B"],
        &["-n", "--delete"],
    ] {
        let t = tempdir();
        // rsync's log escapes some valid UTF-8 names its locale cannot print; names/ holds
        // them (see README), so it is left out here.
        let mut args = vec!["-a", "--log-file=run.log", "--exclude=names/"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["src/", "dst"]);
        let (theirs, ours) = super::both_sides(
            t.path(),
            |w| {
                super::build_pinned(&src, w.join("src"), 1_650_000_000);
                super::build_pinned(&old, w.join("dst"), 1_640_000_000);
            },
            &args,
        );
        super::same_outcome(&theirs, &ours, &format!("{extra:?}"));
        let items = |side: &str| {
            let text = std::fs::read(t.path().join(side).join("run.log")).expect("a log");
            let mut kept = Vec::new();
            for line in text.split_inclusive(|&b| b == b'\n') {
                // `YYYY/MM/DD HH:MM:SS [PID] `
                let Some(at) = line.windows(2).position(|w| w == b"] ") else {
                    continue;
                };
                let rest = &line[at + 2..];
                let counted = [&b"building file list"[..], b"sent ", b"total size"];
                if !counted.iter().any(|c| rest.starts_with(c)) {
                    kept.extend_from_slice(rest);
                }
            }
            let mut s = super::streams(&kept);
            // Without `%i` deletions cannot be told apart, and rsync interleaves them with
            // the rest in varying order: compared as a set then.
            if extra.iter().any(|e| e.starts_with("--log-file-format")) {
                s.transfer.sort();
            }
            s
        };
        assert_eq!(items("rsync"), items("ours"), "{extra:?}");
    }
}
