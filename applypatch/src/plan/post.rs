//! Post-images: what a file patch makes of a file's content. Text hunks are applied with
//! GNU patch's offsets and fuzz (`crate::text`); when the first hunk does not apply, the patch
//! may be reversed or already applied, which the already-applied policy ([`Applied`])
//! decides about; failed hunks go to a reject file. A git binary patch is checked against
//! the full hashes of its `index` line before and after.

use std::io::Write;
use std::path::Path;

use treepatch::binary;
use treepatch::{BinaryPatch, FilePatch, Hunk};

use super::invert::invert_hunk;
use super::reject::failed_hunks;
use super::wording::{hunk_results, out_of, w};
use super::{Outcome, Planner};
use crate::paths::display;
use crate::text::{self, HunkResult, Matching, apply_hunks, apply_hunks_matching};
use crate::tree::{Node, Shape};
use crate::{Applied, Error, OnFailure};

/// What the check for a reversed patch found.
enum Reversed {
    /// The patch does not look reversed: go on with the forward result.
    No,
    /// Apply these (inverted) hunks instead (`-t`).
    Assume(Vec<Hunk>),
    /// Nothing more to do for this file.
    Done(Outcome),
}

impl Planner<'_> {
    /// The post-image of a file patch whose pre-image is `pre` (read from `src`; a reject file
    /// goes beside `dst`).
    pub(super) fn post_image(
        &mut self,
        fp: &FilePatch,
        pre: Vec<u8>,
        src: Option<&Path>,
        dst: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Outcome, Error> {
        if let Some(script) = &fp.ed {
            // Applied as written, with no search, as GNU patch applies ed scripts; one that
            // does not fit is trouble (GNU: "ed FAILED", exit 2).
            return match treepatch::ed::apply(&script.commands, &pre) {
                Ok(post) => Ok(Outcome::Post(post)),
                Err(e) => {
                    // What ed itself says of a command that fails, as GNU patch passes it on.
                    w(out, "?\n")?;
                    Err(Error::EdFailed {
                        line: e.line,
                        what: e.what,
                    })
                }
            };
        }
        if let Some(bin) = &fp.binary {
            return Ok(match self.binary_post(fp, &pre, bin, src.or(dst), out)? {
                Some(p) => Outcome::Post(p),
                None => Outcome::Failed,
            });
        }
        if fp.hunks.is_empty() {
            return Ok(Outcome::Post(pre));
        }
        self.text_post(fp, &pre, dst.or(src), out)
    }

    /// The post-image of a text file patch: `pre` with the hunks applied, unless one fails
    /// (then the rejects, see [`Planner::hunks_failed`]) or the patch looks reversed
    /// ([`Planner::reversed`]).
    fn text_post(
        &mut self,
        fp: &FilePatch,
        pre: &[u8],
        rej_beside: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Outcome, Error> {
        let fuzz = self.opts.fuzz;
        let mut r = apply_hunks_matching(pre, &fp.hunks, fuzz, self.matching());
        let mut inverted = None;
        // How much fuzz the reversed first hunk may need to count: GNU (and `--idempotent`)
        // tries the reversed hunk at each fuzz level right after the forward one, so a patch
        // already applied is found before its first hunk applies again with more fuzz.
        let interleaved = self.opts.gnu || self.opts.applied == Applied::NoOp;
        let rev_fuzz = match r.hunks.first() {
            Some(HunkResult::Failed { .. }) if self.opts.gnu => Some(fuzz),
            Some(HunkResult::Failed { .. }) => Some(0),
            Some(HunkResult::Applied { fuzz: f, .. }) if interleaved && *f > 0 => Some(f - 1),
            _ => None,
        };
        if let Some(rev_fuzz) = rev_fuzz
            && self.opts.applied != Applied::Ignore
            && !self.gnu.reversed
        {
            match self.reversed(fp, pre, rej_beside, out, rev_fuzz)? {
                Reversed::No => {}
                Reversed::Assume(hunks) => {
                    r = apply_hunks_matching(pre, &hunks, fuzz, self.matching());
                    inverted = Some(hunks);
                }
                Reversed::Done(outcome) => return Ok(outcome),
            }
        }
        self.gnu.mismatch |= r.hunks.iter().any(|h| {
            !matches!(
                h,
                HunkResult::Applied {
                    offset: 0,
                    fuzz: 0,
                    ..
                }
            )
        });
        if !self.opts.quiet {
            hunk_results(out, &r.hunks, self.opts.gnu, self.opts.verbose)?;
        }
        if r.failed() == 0 {
            return Ok(Outcome::Post(r.content));
        }
        let hunks = inverted.as_deref().unwrap_or(&fp.hunks);
        self.hunks_failed(fp, hunks, r, rej_beside, out)
    }

    /// The first hunk does not apply (or only with fuzz): does the patch look reversed (or
    /// already applied), its first hunk applying inverted with at most `fuzz`? If so, the
    /// already-applied policy says what to do.
    fn reversed(
        &mut self,
        fp: &FilePatch,
        pre: &[u8],
        rej_beside: Option<&Path>,
        out: &mut dyn Write,
        fuzz: usize,
    ) -> Result<Reversed, Error> {
        let inverted: Vec<Hunk> = fp.hunks.iter().map(invert_hunk).collect();
        let rev = apply_hunks_matching(pre, &inverted, fuzz, self.matching());
        if !matches!(rev.hunks.first(), Some(HunkResult::Applied { .. })) {
            return Ok(Reversed::No);
        }
        let msg = "Reversed (or previously applied) patch detected!";
        if self.opts.gnu && self.opts.applied != Applied::NoOp {
            return self.gnu_reversed(fp, inverted, rej_beside, out);
        }
        match self.opts.applied {
            Applied::AssumeReversed => {
                w(out, &format!("{msg}  Assuming -R.\n"))?;
                Ok(Reversed::Assume(inverted))
            }
            Applied::NoOp if rev.failed() == 0 => {
                if !self.opts.quiet {
                    w(out, &format!("{msg}  Already applied; skipping.\n"))?;
                }
                Ok(Reversed::Done(Outcome::Nothing))
            }
            _ => {
                w(out, &format!("{msg}  Skipping patch.\n"))?;
                let n = fp.hunks.len();
                let all: Vec<(&Hunk, i64)> = fp.hunks.iter().map(|h| (h, 0)).collect();
                let rej = self.reject_for(fp, rej_beside, &all);
                let tail = self.reject_tail(rej, out)?;
                out_of(out, n, n, "ignored", &tail)?;
                Ok(Reversed::Done(Outcome::Failed))
            }
        }
    }

    /// [`Planner::reversed`] under the name `patch`: GNU's words and decisions.
    fn gnu_reversed(
        &mut self,
        fp: &FilePatch,
        inverted: Vec<Hunk>,
        rej_beside: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Reversed, Error> {
        w(out, &self.gnu_reversed_words())?;
        if self.opts.applied == Applied::AssumeReversed {
            // GNU backs the file up as for a mismatch.
            self.gnu.mismatch = true;
            return Ok(Reversed::Assume(inverted));
        }
        // A patch skipped leaves no backup behind, even with `-b` (measured).
        self.gnu.original = None;
        let n = fp.hunks.len();
        let all: Vec<(&Hunk, i64)> = fp.hunks.iter().map(|h| (h, 0)).collect();
        let rej = self.reject_for(fp, rej_beside, &all);
        let tail = self.reject_tail(rej, out)?;
        self.gnu_ignored(fp, out)?;
        out_of(out, n, n, "ignored", &tail)?;
        Ok(Reversed::Done(Outcome::Failed))
    }

    /// `-f` on a creation whose file is there with content (GNU: "Applying it anyway."):
    /// every hunk fails, the file stays as it is (backed up) and the hunks go to its rejects.
    pub(super) fn gnu_create_anyway(
        &mut self,
        fp: &FilePatch,
        d: &Path,
        out: &mut dyn Write,
    ) -> Result<super::Check, Error> {
        let data = self.tree.read(d).map_err(|e| Self::tree_err(e, fp.line))?;
        let perm = match self.tree.shape(d) {
            Ok(Shape::File(m)) => Some(m),
            _ => None,
        };
        self.gnu_original(Some(d), &data, perm);
        self.gnu.mismatch = true;
        let hunks: Vec<HunkResult> = fp
            .hunks
            .iter()
            .map(|h| HunkResult::Failed {
                at: h.old_start.max(1) as i64,
                misordered: false,
            })
            .collect();
        if !self.opts.quiet {
            hunk_results(out, &hunks, true, self.opts.verbose)?;
        }
        let r = text::Applied {
            content: data,
            hunks,
        };
        self.hunks_failed(fp, &fp.hunks, r, Some(d), out)?;
        Ok(super::Check::Failed)
    }

    /// How lines are matched: `-l` loosens blanks; under the name `patch` a missing newline
    /// must match a missing newline, as in GNU patch (unless `-l`: GNU ignores it then).
    fn matching(&self) -> Matching {
        Matching {
            blanks: self.opts.ignore_whitespace,
            newline: self.opts.gnu && !self.opts.ignore_whitespace,
        }
    }

    /// Some hunks failed (`r`): they go to the reject file, and with `--reject` the hunks that
    /// fit are planned, as GNU patch does. The file counts as failed either way.
    fn hunks_failed(
        &mut self,
        fp: &FilePatch,
        hunks: &[Hunk],
        r: text::Applied,
        rej_beside: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Outcome, Error> {
        let line = fp.line;
        let failed = failed_hunks(hunks, &r.hunks);
        let rej = self.reject_for(fp, rej_beside, &failed);
        let tail = self.reject_tail(rej, out)?;
        let deleting = fp.op == treepatch::Operation::Delete;
        if self.opts.gnu && !self.opts.quiet && deleting && !r.content.is_empty() {
            let s = rej_beside.map(display).unwrap_or_default();
            w(
                out,
                &format!("Not deleting file {s} as content differs from patch\n"),
            )?;
        }
        out_of(out, failed.len(), hunks.len(), "FAILED", &tail)?;
        if self.opts.on_failure == OnFailure::Reject
            && let Some(d) = rej_beside
        {
            let mode = match self.tree.shape(d) {
                Ok(Shape::File(m)) => m,
                _ => 0o644,
            };
            // GNU removes a file a deletion it could not fully apply leaves empty.
            let gone = self.opts.gnu && fp.op == treepatch::Operation::Delete;
            let node = match (gone && r.content.is_empty(), self.tree.shape(d)) {
                (true, Ok(Shape::Absent)) => return Ok(Outcome::Failed),
                (true, _) => Node::Absent,
                _ => Node::File {
                    data: r.content,
                    mode,
                },
            };
            self.place(d, node, line)?;
            // A rename is done all the same under the name `patch` (measured).
            if self.opts.gnu
                && fp.op == treepatch::Operation::Rename
                && let (Some(s), _) = self.names(fp)?
                && s != d
            {
                self.place(&s, Node::Absent, line)?;
            }
        }
        Ok(Outcome::Failed)
    }

    /// The post-image of a git binary patch: `pre` must have the `index` line's full old hash,
    /// and the result its new hash; `Ok(None)` when not (message printed).
    fn binary_post(
        &self,
        fp: &FilePatch,
        pre: &[u8],
        bin: &BinaryPatch,
        name: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<Option<Vec<u8>>, Error> {
        let name = name.map(display).unwrap_or_default();
        let full = |id: &[u8]| id.len() == 40;
        let (old_id, new_id) = match &fp.index {
            Some((a, b)) if full(a) && full(b) => (a.as_slice(), b.as_slice()),
            _ => {
                w(
                    out,
                    &format!("cannot apply binary patch to {name} without full index line\n"),
                )?;
                return Ok(None);
            }
        };
        let is_null = |id: &[u8]| id.iter().all(|&b| b == b'0');
        let have = binary::hex(&binary::git_blob_sha1(pre));
        if !(is_null(old_id) && pre.is_empty()) && have.as_slice() != old_id {
            // Already applied?
            if self.opts.applied == Applied::NoOp && have.as_slice() == new_id {
                w(out, &format!("File {name} is already patched; skipping.\n"))?;
                return Ok(Some(pre.to_vec()));
            }
            w(
                out,
                &format!(
                    "the binary patch does not apply to {name}: its content is not the one the patch was made from (index {})\n",
                    String::from_utf8_lossy(old_id)
                ),
            )?;
            return Ok(None);
        }
        let post = match binary::apply_block(&bin.forward, pre) {
            Ok(p) => p,
            Err(e) => {
                w(
                    out,
                    &format!("the binary patch does not apply to {name}: {e}\n"),
                )?;
                return Ok(None);
            }
        };
        let got = binary::hex(&binary::git_blob_sha1(&post));
        if !(is_null(new_id) && post.is_empty()) && got.as_slice() != new_id {
            w(
                out,
                &format!("the binary patch for {name} gives a result with the wrong hash\n"),
            )?;
            return Ok(None);
        }
        Ok(Some(post))
    }

    /// Whether the file `d` a creation patch finds in its way already holds what the patch
    /// creates (`--idempotent`).
    pub(super) fn already_created(
        &mut self,
        fp: &FilePatch,
        d: &Path,
        is_link: bool,
    ) -> Result<bool, Error> {
        let shape = self.tree.shape(d).map_err(|e| Self::tree_err(e, fp.line))?;
        let current = match shape {
            Shape::File(_) if !is_link => self.tree.read(d),
            Shape::Link if is_link => self.tree.read_link(d),
            _ => return Ok(false),
        }
        .map_err(|e| Self::tree_err(e, fp.line))?;
        if let Some(bin) = &fp.binary {
            return Ok(binary::apply_block(&bin.forward, b"").is_ok_and(|p| p == current));
        }
        let r = apply_hunks(b"", &fp.hunks, 0);
        Ok(r.failed() == 0 && r.content == current)
    }
}
