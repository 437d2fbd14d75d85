//! The test harness of checkpoint-tools: build trees from a compact description, run the real
//! binaries (and the oracle tools: GNU diff and patch, git, rsync, mtree, bsdtar) on them, and
//! compare whole trees exactly.
//!
//! A typical test:
//!
//! ```no_run
//! use checkpoint_tests::*;
//!
//! let dir = tempdir();
//! let (old, new) = edge_case_pair();
//! old.build(dir.path().join("a"));
//! new.build(dir.path().join("b"));
//! let patch = tool("treediff").args(["-urN", "a", "b"]).cwd(dir.path()).expect_code(1);
//! tool("applypatch").args(["-p1"]).cwd(dir.path().join("a")).stdin(patch.stdout).expect_code(0);
//! assert_same_tree(dir.path().join("a"), dir.path().join("b"), Compare::default());
//! ```
//!
//! The pieces:
//!
//! - [`Tree`]: a compact tree description (files with bytes and modes, symlinks, empty dirs,
//!   fifos, hard links, times, byte names) and [`Tree::build`].
//! - [`Listing`]: a real tree read back exactly; [`compare`], [`assert_same_tree`],
//!   [`assert_tree_matches`] and [`assert_unchanged`] under a [`Compare`] choice of fields.
//! - [`Run`]: [`tool`] (workspace binaries, built by [`bin`]), [`cmd`], [`git`];
//!   [`Run::expect_code`]; [`require_tool`] for oracles.
//! - Fixtures: [`edge_case_pair`] and its portable and text-only subsets, [`edge_case_tree`],
//!   [`edge_case_special_tree`].
//! - proptest: [`arb_tree`], [`arb_tree_pair`], [`arb_content`].
//! - Races: [`Swapper`] turns a directory into a symlink and back while a tool runs.
//! - Depth: [`build_chain`] / [`read_chain`], trees deeper than `PATH_MAX` allows to name.
//! - Scratch space: [`tempdir`], [`scratch`], [`make_writable`].
//!
//! Everything here panics with a full explanation instead of returning errors: a test harness
//! that makes a test fail loudly is the point. Paths and contents are bytes throughout; lossy
//! conversion happens only in failure messages (see [`show`]).

mod bins;
mod deep;
mod fixtures;
mod listing;
mod race;
mod run;
mod show;
mod strategies;
mod system;
mod tree;

pub use bins::{TOOLS, bin, target_profile_dir};
pub use deep::{build_chain, build_chain_named, chain_path, read_chain, read_chain_named};
pub use fixtures::{
    GNU_FILE_PAIRS, GNU_TWO_FILE_FORMATS, edge_case_pair, edge_case_pair_portable,
    edge_case_pair_text_only, edge_case_special_tree, edge_case_tree, edge_case_tree_portable,
    gnu_file_pairs, has_newline_name,
};
pub use listing::{
    Compare, Difference, Entry, Kind, Listing, What, assert_same_listing, assert_same_tree,
    assert_tree_matches, assert_unchanged, compare,
};
pub use race::Swapper;
pub use run::{Output, Run, cmd, git, require_tool, tool};
pub use show::{show, show_path};
pub use strategies::{arb_content, arb_tree, arb_tree_pair};
pub use system::{SmallFs, with_peak_rss};
pub use tree::{Node, Tree};

/// A fresh temporary directory (removed on drop, as far as permissions allow), under the
/// system temp dir so that no enclosing git repository is found by `git` run inside it.
/// Prefer [`scratch`] when a test may leave read-only directories behind.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ckpt-test-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

/// A fresh scratch directory, removed on drop even if read-only directories are left in it;
/// see [`Scratch`].
pub fn scratch() -> Scratch {
    Scratch(Some(tempdir()))
}

/// A temporary directory under the system temp dir (so no enclosing git repository is found
/// by `git` run inside it), removed on drop even when tests left read-only directories in it
/// (write permission is restored first, which matters when not running as root).
///
/// Set `CHECKPOINT_TESTS_KEEP=1` to keep every scratch directory for inspection; its path is
/// printed on stderr.
#[derive(Debug)]
pub struct Scratch(Option<tempfile::TempDir>);

impl Scratch {
    /// The directory.
    pub fn path(&self) -> &std::path::Path {
        self.0.as_ref().expect("present until drop").path()
    }

    /// `self.path().join(rel)`.
    pub fn join(&self, rel: impl AsRef<std::path::Path>) -> std::path::PathBuf {
        self.path().join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some(dir) = self.0.take() else { return };
        if std::env::var_os("CHECKPOINT_TESTS_KEEP").is_some() {
            eprintln!("kept scratch directory {}", dir.keep().display());
            return;
        }
        // On a thread with a large stack: removal recurses once per level, and tests build
        // trees 10,000 directories deep.
        let removal = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || {
                make_writable(dir.path());
                let _ = dir.close();
            });
        if let Ok(handle) = removal {
            let _ = handle.join();
        }
    }
}

/// Adds owner read, write and search permission to `root` and every directory below it,
/// without following symlinks, so the tree can be deleted.
pub fn make_writable(root: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(md) = std::fs::symlink_metadata(root) else {
        return;
    };
    if !md.is_dir() {
        return;
    }
    let mode = md.permissions().mode();
    if mode & 0o700 != 0o700 {
        let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(mode | 0o700));
    }
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        make_writable(&entry.path());
    }
}

/// Nanoseconds since the epoch, the unit of every time in this harness.
pub const NS: i64 = 1_000_000_000;
