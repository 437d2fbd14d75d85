//! Large inputs (issue 8): a 1 GiB file with one changed line, a 1-million-line file, a
//! directory of 100,000 entries. Each tool must get the right answer with peak memory bounded
//! — by a constant for the streaming tools (snap, treesync), by a small multiple of the
//! largest file for the ones that hold a file's lines (treediff, applypatch). Memory is
//! measured (`/usr/bin/time -f %M`), time is not asserted.

use std::io::Write;
use std::path::Path;

use checkpoint_tests::*;

const MIB: u64 = 1024 * 1024;

fn assert_rss(what: &str, rss: u64, bound: u64) {
    eprintln!(
        "{what}: peak RSS {} MiB (bound {} MiB)",
        rss / MIB,
        bound / MIB
    );
    assert!(
        rss <= bound,
        "{what}: peak RSS {} MiB is over the bound of {} MiB",
        rss / MIB,
        bound / MIB
    );
}

/// Writes `lines` numbered lines to `path`, with line `changed` (1-based) altered if given.
fn numbered_file(path: &Path, lines: u64, changed: Option<u64>) -> u64 {
    let f = std::fs::File::create(path).unwrap();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    for i in 1..=lines {
        if Some(i) == changed {
            writeln!(w, "line {i:>10} was changed in the new tree").unwrap();
        } else {
            writeln!(w, "line {i:>10} of a large file, with some padding").unwrap();
        }
    }
    w.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// Every tool on an OLD/NEW pair holding one big file that differs in one line.
fn one_changed_line_in_a_big_file(lines: u64) {
    let t = scratch();
    for d in ["old", "new"] {
        std::fs::create_dir(t.join(d)).unwrap();
    }
    let size = numbered_file(&t.join("old/big.txt"), lines, None);
    numbered_file(&t.join("new/big.txt"), lines, Some(lines / 2));
    // Holding a file's old and new content plus its line index: linear, about 2.5x measured.
    let per_file = 3 * size + 64 * MIB;

    let (out, rss) = with_peak_rss(
        tool("treediff").args(["old", "new"]).cwd(t.path()),
        t.path(),
    );
    let patch = out.expect_code(1).stdout;
    assert!(
        patch.len() < 2048,
        "a one-line change gives a small patch, not {} bytes",
        patch.len()
    );
    assert_rss("treediff", rss, per_file);

    let (out, rss) = with_peak_rss(tool("snap").arg("old").arg("snap").cwd(t.path()), t.path());
    out.expect_code(0);
    assert_rss("snap", rss, 64 * MIB);

    std::fs::write(t.join("p"), &patch).unwrap();
    let (out, rss) = with_peak_rss(
        tool("applypatch")
            .args(["-p1", "-i", "../p"])
            .cwd(t.join("snap")),
        t.path(),
    );
    out.expect_code(0);
    assert_rss("applypatch", rss, per_file);
    assert_same_tree(t.join("snap"), t.join("new"), Compare::contents());

    let (out, rss) = with_peak_rss(
        tool("treesync")
            .args(["-r", "-c", "-t", "old/", "snap/"])
            .cwd(t.path()),
        t.path(),
    );
    out.expect_code(0);
    assert_rss("treesync -c", rss, 64 * MIB);
    assert_same_tree(t.join("snap"), t.join("old"), Compare::contents());
}

#[test]
fn million_line_file_with_one_changed_line() {
    one_changed_line_in_a_big_file(1_000_000);
}

#[test]
fn gib_file_with_one_changed_line() {
    // 1 GiB: 18.6 M lines of 58 bytes.
    one_changed_line_in_a_big_file((1 << 30) / 58);
}

#[test]
fn directory_of_100k_entries() {
    let t = scratch();
    let old = t.join("old");
    std::fs::create_dir(&old).unwrap();
    for i in 0..100_000 {
        std::fs::File::create(old.join(format!("entry-{i:06}"))).unwrap();
    }
    let bound = 256 * MIB;
    let (out, rss) = with_peak_rss(tool("snap").args(["old", "new"]).cwd(t.path()), t.path());
    out.expect_code(0);
    assert_rss("snap", rss, bound);
    std::fs::write(t.join("new/entry-050000"), "now with content\n").unwrap();
    std::fs::write(t.join("new/zz-added"), "").unwrap();

    let (out, rss) = with_peak_rss(
        tool("treediff").args(["old", "new"]).cwd(t.path()),
        t.path(),
    );
    let patch = out.expect_code(1).stdout;
    assert_rss("treediff", rss, bound);
    assert_eq!(
        patch.windows(11).filter(|w| w == b"diff --git ").count(),
        2,
        "{}",
        show(&patch)
    );

    let (out, rss) = with_peak_rss(
        tool("applypatch")
            .args(["-p1", "-d", "old"])
            .stdin(patch)
            .cwd(t.path()),
        t.path(),
    );
    out.expect_code(0);
    assert_rss("applypatch", rss, bound);
    assert_same_tree(t.join("old"), t.join("new"), Compare::contents());

    let (out, rss) = with_peak_rss(
        tool("treesync").args(["-r", "new/", "copy"]).cwd(t.path()),
        t.path(),
    );
    out.expect_code(0);
    assert_rss("treesync", rss, bound);
    assert_eq!(std::fs::read_dir(t.join("copy")).unwrap().count(), 100_001);
}
