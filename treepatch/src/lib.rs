//! The patch format shared by `treediff` (which writes it) and `applypatch` (which reads it):
//! git's extended unified diff plus GNU diff's unified output, with `treediff`'s
//! empty-directory extension lines. One crate owns the spelling so the two tools cannot drift.
//! The reader also takes what GNU patch reads besides: context diffs, normal diffs and ed
//! scripts, the last for our own interpreter (`ed`), never for a real ed.

pub mod binary;
pub mod ed;
pub mod lcs;
pub mod parse;
pub mod quote;
pub mod roundtrip;
pub mod types;
pub mod write;

pub use types::*;
