//! `applypatch`: apply a GNU unified or git extended patch to a directory tree, all or nothing,
//! never outside the target directory.
//!
//! The patch is parsed by `treepatch`; every file patch is then checked against an in-memory
//! overlay of the target ([`tree`]): names are stripped and checked ([`paths`]), hunks are
//! located like GNU patch with offsets and fuzz ([`locate`], [`text`]), binary patches are
//! verified against their full `index` hashes. Only when every file passed (or with
//! `--reject`, which writes `.rej` files like GNU patch, [`reject`]) is anything written, each
//! file to a temporary name beside it and renamed into place. Messages follow GNU patch's
//! wording on the `out` writer; warnings and failures go to `err`. Nothing here prints to the
//! terminal or exits.

pub mod locate;
pub mod paths;
pub mod reject;
pub mod text;
pub mod tree;

mod plan;

use std::io::{BufRead, Write};
use std::path::PathBuf;

pub use plan::Planner;

/// What to do when some hunks or files cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// Write nothing at all (the default).
    #[default]
    Abort,
    /// Apply what fits and write `FILE.rej` for the rest (GNU patch's behaviour).
    Reject,
}

/// What to do about a file patch that looks already applied (its first hunk applies reversed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Applied {
    /// Report it and skip the file, as GNU patch without a terminal: the file counts as failed.
    #[default]
    Skip,
    /// `-t`/`--batch`: assume the patch is reversed and un-apply it (GNU's trap, kept for
    /// compatibility).
    AssumeReversed,
    /// `-f`/`--force`: do not look; try to apply it forward (and fail).
    Ignore,
    /// `--idempotent`: a file patch that is already fully applied is a no-op that succeeds.
    NoOp,
}

/// The options of one run (GNU patch's flags, as far as they are supported).
#[derive(Debug, Clone)]
pub struct Options {
    /// `-d DIR`: the target directory.
    pub dir: PathBuf,
    /// `-p N`; `None` means GNU patch's default (basename) for GNU diffs and 1 for git diffs.
    pub strip: Option<usize>,
    /// `-R`: apply the patch in reverse.
    pub reverse: bool,
    /// `--dry-run`/`--check`: check only, write nothing.
    pub dry_run: bool,
    /// `-F N`: maximum fuzz.
    pub fuzz: usize,
    /// `-s`: no `patching file` / hunk messages.
    pub quiet: bool,
    /// `-E`: remove files left empty.
    pub remove_empty: bool,
    /// `--reject` or all-or-nothing.
    pub on_failure: OnFailure,
    /// Already-applied handling (`-N`, `-t`, `-f`, `--idempotent`).
    pub applied: Applied,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dir: PathBuf::from("."),
            strip: None,
            reverse: false,
            dry_run: false,
            fuzz: 2,
            quiet: false,
            remove_empty: false,
            on_failure: OnFailure::Abort,
            applied: Applied::Skip,
        }
    }
}

/// How a run ended when it was not trouble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything applied (exit 0).
    Applied,
    /// Some hunks or files were not applied, or the patch announced changes it does not carry
    /// (exit 1).
    Failed,
}

impl Status {
    /// The process exit code: 0 or 1 (trouble, an `Err`, is 2).
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Applied => 0,
            Status::Failed => 1,
        }
    }
}

/// Trouble: the patch cannot be read or the tree cannot be read or written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The patch is malformed, truncated, or in a refused format.
    #[error(transparent)]
    Parse(#[from] treepatch::parse::ParseError),
    /// An I/O error on the target tree.
    #[error(transparent)]
    Tree(#[from] fstree::Error),
    /// A path in the patch is unsafe or names something that cannot be patched.
    #[error("patch line {line}: {message}")]
    Refused {
        /// The patch line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Writing messages failed.
    #[error("cannot write messages")]
    Output(#[source] std::io::Error),
}

/// The exit code for trouble.
pub const EXIT_TROUBLE: i32 = 2;

/// Applies the patch read from `patch` to `opts.dir`, writing GNU-style progress to `out` and
/// warnings to `err`.
pub fn run<R: BufRead>(
    patch: R,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Status, Error> {
    let root = fstree::Root::open(&opts.dir)?;
    let mut items = Vec::new();
    for item in treepatch::parse::Parser::new(patch) {
        items.push(item?);
    }
    if opts.reverse {
        items = items.into_iter().rev().map(plan::invert).collect();
    }
    // As git apply does: deletions first, then directory removals, then everything else, so a
    // path can change type (git writes the new file before the deletions below it).
    items.sort_by_key(|i| match i {
        treepatch::Item::File(fp) if fp.op == treepatch::Operation::Delete => 0,
        treepatch::Item::Rmdir { .. } => 1,
        _ => 2,
    });
    let mut planner = Planner::new(root, opts);
    for item in &items {
        planner.item(item, out, err)?;
    }
    planner.finish(out, err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(Status::Applied.exit_code(), 0);
        assert_eq!(Status::Failed.exit_code(), 1);
        assert_eq!(EXIT_TROUBLE, 2);
    }
}
