//! `snap`: copy a tree into a new snapshot, faithfully, and describe it in a BSD mtree
//! manifest; or write a tree's manifest without copying; or verify a tree against a manifest.
//!
//! A snapshot keeps file bytes, permission bits, nanosecond mtimes (directories stamped after
//! their contents), symlinks verbatim (never followed, dangling or not), empty directories,
//! dotfiles, names with any bytes and hard links within the tree. It is built under a
//! temporary sibling of the destination and renamed into place only when complete, so a
//! failed or interrupted run never leaves a half snapshot under the destination's name.
//! Files are copied on all cores with `copy_file_range`; when a manifest is asked for, each
//! file is hashed in the same read that copies it.

pub mod cli;
pub(crate) mod copy;
pub(crate) mod verify;

pub use copy::{Options, Outcome, SnapError, manifest_only, snapshot};
pub use verify::{Difference, verify};
