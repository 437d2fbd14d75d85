//! Owners and groups against rsync: `--usermap` and `--groupmap` (ids, ranges, names with
//! wildcards, `*`, first match wins, an unknown TO name only warned about) and `--no-super`
//! (root acting as a plain user), as root; as any other user the test says why it checks
//! nothing.

use std::os::unix::fs::lchown;

use checkpoint_tests::*;

use super::{both_sides, build_pinned, mtimes_and_modes, same_outcome};

#[test]
fn user_and_group_maps_match_rsync() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("SKIPPED: --usermap/--groupmap need root to give files other owners");
        return;
    }
    let src = Tree::new()
        .file("a", "a\n")
        .file("b", "b\n")
        .file("c", "c\n")
        .file("d", "d\n")
        .file("sub/e", "e\n")
        .with_mtimes(1_600_000_000 * NS + 123_456_789);
    // (file, uid, gid): an id in a range, named ids (daemon, bin), an id with no name.
    let owners = [
        ("a", 1234, 4321),
        ("b", 1, 1),
        ("c", 2, 2),
        ("d", 70000, 70000),
        ("sub/e", 1500, 2),
    ];
    for maps in [
        &[
            "--usermap=1000-2000:nobody,daemon:sys,70000:bin",
            "--groupmap=4321:100,bin:0,*:daemon",
        ][..],
        &["--usermap=*:bin"],
        &["--usermap=:nobody", "--groupmap=:nogroup"],
        &["--usermap=d*:3,1234:nosuchuser"],
        &["--groupmap=4000-5000:2,70000:sys", "--no-o"],
        &["--no-super"],
        &["--no-super", "--super"],
        &["--no-super", "--usermap=*:bin"],
    ] {
        let t = tempdir();
        let mut args = vec!["-ai"];
        args.extend_from_slice(maps);
        args.extend_from_slice(&["src/", "dst"]);
        let (theirs, ours) = both_sides(
            t.path(),
            |w| {
                let root = build_pinned(&src, w.join("src"), 1_650_000_000);
                for (name, uid, gid) in owners {
                    lchown(root.join(name), Some(uid), Some(gid)).unwrap();
                }
            },
            &args,
        );
        same_outcome(&theirs, &ours, &format!("{maps:?}"));
        assert_eq!(
            theirs
                .stderr_text()
                .lines()
                .filter(|l| l.starts_with("Unknown"))
                .count(),
            ours.stderr_text()
                .lines()
                .filter(|l| l.starts_with("Unknown"))
                .count(),
            "{maps:?}"
        );
        assert_same_listing(
            &Listing::read(t.path().join("rsync/dst")),
            &Listing::read(t.path().join("ours/dst")),
            Compare {
                dir_mtimes: false,
                ..mtimes_and_modes()
            },
        );
    }
}
