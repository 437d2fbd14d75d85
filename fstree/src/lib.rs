//! The tree model shared by the checkpoint tools.
//!
//! Every tool in this workspace looks at directory trees the same way, and this crate is that
//! way: a sorted walk that never follows symlinks and never skips dotfiles ([`walk`]), one entry
//! model with nanosecond times and raw-byte names ([`entry`]), the BSD mtree manifest that `snap`
//! writes and `treediff`/`treesync` trust ([`manifest`]), content hashing and copying in one read
//! ([`content`]), and writes beneath a root that can never be redirected outside it by a symlink
//! and never leave a torn file under its final name ([`root`]), all through one capability-style
//! directory handle ([`dir`]) that is the only way any tool reaches the file system beneath a
//! root. Errors carry the path and the
//! operation ([`error`]).

pub mod content;
pub mod dir;
pub mod dir_cache;
pub mod entry;
pub mod error;
pub mod exclude;
pub mod manifest;
pub mod root;
pub mod sparse;
pub mod trust;
pub mod walk;
pub mod xattr;

pub use dir::{Atime, Dir, DirEntry, TempFile, TempStyle, create_anonymous, is_run_temp_name};
pub use dir_cache::DirCache;
pub use entry::{Entry, Kind, Meta, Timestamp};
pub use error::{Error, Op, Result};
pub use exclude::Exclude;
pub use root::Root;
pub use walk::Walk;
