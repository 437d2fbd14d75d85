//! Rejects: which hunks of a file go to its `.rej` file (with `--reject`), where that file
//! goes, and when it is not written (a symlink or something else than a file in the way).
//! The file's text is `crate::reject`'s.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use treepatch::Hunk;

use super::Planner;
use super::wording::{saving_rejects, w};
use crate::paths::display;
use crate::text::HunkResult;
use crate::tree::{Shape, TreeError};
use crate::{Error, OnFailure};

/// The hunks that failed, each with the line shift the applied hunks before it made (what
/// they added), so the reject file numbers them as GNU patch does.
pub(super) fn failed_hunks<'h>(hunks: &'h [Hunk], results: &[HunkResult]) -> Vec<(&'h Hunk, i64)> {
    let mut shift = 0i64;
    let mut failed = Vec::new();
    for (h, res) in hunks.iter().zip(results) {
        match res {
            HunkResult::Applied { .. } => shift += h.new_len as i64 - h.old_len as i64,
            HunkResult::Failed { .. } => failed.push((h, shift)),
        }
    }
    failed
}

/// The reject file for the `failed` hunks of the file `beside`: its path and content.
pub(super) fn reject_for(
    beside: Option<&Path>,
    failed: &[(&Hunk, i64)],
) -> Option<(PathBuf, Vec<u8>)> {
    let d = beside?;
    let mut name = d.as_os_str().to_os_string();
    name.push(".rej");
    // GNU patch heads a reject file with the name of the file it patched, on both lines.
    let shown = d.as_os_str().as_bytes();
    Some((
        PathBuf::from(name),
        crate::reject::format(shown, shown, failed),
    ))
}

impl Planner<'_> {
    /// Records a reject file (with `--reject`) and returns the message tail for it.
    pub(super) fn reject_tail(
        &mut self,
        rej: Option<(PathBuf, Vec<u8>)>,
        out: &mut dyn Write,
    ) -> Result<String, Error> {
        if self.opts.on_failure != OnFailure::Reject {
            return Ok(String::new());
        }
        let Some((p, data)) = rej else {
            return Ok(String::new());
        };
        match self.tree.shape(&p) {
            Ok(Shape::Absent | Shape::File(_)) => {
                let tail = saving_rejects(&p);
                self.rejects.push((p, data));
                Ok(tail)
            }
            Ok(_) | Err(TreeError::BeyondSymlink(_) | TreeError::NotADirectory(_)) => {
                w(
                    out,
                    &format!(
                        "not writing reject file {}: it is a symbolic link or not a regular file\n",
                        display(&p)
                    ),
                )?;
                Ok(String::new())
            }
            Err(TreeError::Io(e)) => Err(Error::Tree(e)),
        }
    }
}
