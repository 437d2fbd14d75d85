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
//! Everything here panics with a full explanation instead of returning errors: a test harness
//! that makes a test fail loudly is the point. Paths and contents are bytes throughout; lossy
//! conversion happens only in failure messages (see [`show`]).

mod bins;
mod fixtures;
mod listing;
mod run;
mod show;
mod strategies;
mod tree;

pub use bins::{TOOLS, bin, target_profile_dir};
pub use fixtures::{
    edge_case_pair, edge_case_pair_portable, edge_case_pair_text_only, edge_case_special_tree,
    edge_case_tree, edge_case_tree_portable, has_newline_name,
};
pub use listing::{
    Compare, Difference, Entry, Kind, Listing, What, assert_same_listing, assert_same_tree,
    assert_tree_matches, assert_unchanged, compare,
};
pub use run::{Output, Run, cmd, git, require_tool, tool};
pub use show::{show, show_path};
pub use strategies::{arb_content, arb_tree, arb_tree_pair};
pub use tree::{Node, Tree};

/// A fresh temporary directory (removed on drop), created under the system temp dir so that no
/// enclosing git repository is found by `git apply` run inside it.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ckpt-test-")
        .tempdir()
        .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"))
}

/// Nanoseconds since the epoch, the unit of every time in this harness.
pub const NS: i64 = 1_000_000_000;
