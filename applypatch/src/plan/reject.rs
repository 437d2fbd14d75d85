//! Rejects: which hunks of a file go to its `.rej` file (with `--reject`), where that file
//! goes, and when it is not written (a symlink or something else than a file in the way).
//! The file's text is `crate::reject`'s.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use treepatch::{FilePatch, Hunk};

use super::Planner;
use super::wording::{saving_rejects, w};
use crate::gnu::{RejectFormat, RejectTo};
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

impl Planner<'_> {
    /// The reject file for the `failed` hunks of `fp`, whose file is `beside`: its path
    /// (`FILE.rej`, or `-r FILE`; none for `-r -`) and content. Under the name `patch` it is
    /// headed by the file patch's names as stripped, with their timestamps; otherwise by the
    /// name of the file, on both lines.
    pub(super) fn reject_for(
        &mut self,
        fp: &FilePatch,
        beside: Option<&Path>,
        failed: &[(&Hunk, i64)],
    ) -> Option<(PathBuf, Vec<u8>)> {
        let d = beside?;
        let path = match &self.opts.reject_to {
            RejectTo::Discard => return None,
            RejectTo::File(p) => p.clone(),
            RejectTo::Beside => {
                // With `-o`, beside the output (GNU: `-.rej` for `-o -`).
                let d = self.opts.output.as_deref().unwrap_or(d);
                let mut name = d.as_os_str().to_os_string();
                name.push(".rej");
                PathBuf::from(name)
            }
        };
        // Under the name `patch`, the rejects of a context or normal diff are a context diff
        // (GNU's default follows the input); otherwise unified.
        use super::format::Format;
        let format = self.opts.gnu.then_some(self.gnu.format);
        let context = matches!(format, Some(Format::Context | Format::Normal));
        let style = self.opts.reject_format.unwrap_or(if context {
            RejectFormat::Context
        } else {
            RejectFormat::Unified
        });
        let header = match self.opts.gnu {
            true => self.gnu_reject_header(fp, style),
            false => None,
        };
        let header = header.unwrap_or_else(|| {
            let shown = crate::reject::quoted(d.as_os_str().as_bytes());
            crate::reject::header(style, (&shown, b""), (&shown, b""))
        });
        use crate::reject::Eof;
        let eof = if self.opts.gnu {
            Eof::Bare
        } else {
            Eof::Marked
        };
        if format == Some(Format::Normal) && style == RejectFormat::Context {
            return Some((path, crate::reject::format_normal(header, failed, eof)));
        }
        Some((path, crate::reject::format(style, header, failed, eof)))
    }

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
        if self.opts.gnu && self.opts.dry_run {
            return Ok(String::new());
        }
        match self.tree.shape(&p) {
            Ok(Shape::Absent | Shape::File(_)) => {
                let tail = saving_rejects(&p);
                // Two file patches failing on one file (or `-r FILE`): one reject file
                // with both, as GNU patch writes it.
                match self.rejects.iter_mut().find(|(q, _)| *q == p) {
                    Some((_, old)) => old.extend_from_slice(&data),
                    None => self.rejects.push((p, data)),
                }
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
