//! Checking each item of the patch against the planned tree and recording what it will do.
//!
//! One [`Planner`] walks the items in order. For each file patch it picks the names (git: old
//! and new; GNU diff: the existing one of the two, else the shorter, as GNU patch does), reads
//! the pre-image from the planned tree, produces the post-image (hunks or binary), prints GNU
//! patch's messages, and plans the result. Failures are counted, not fatal: with
//! [`OnFailure::Abort`] nothing is written if any file failed; with [`OnFailure::Reject`] the
//! hunks that fit are planned and the rest go to `.rej` files.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use treepatch::binary;
use treepatch::{BinaryPatch, FilePatch, Hunk, Item, LineKind, Operation, mode};

use crate::paths::{self, Strip, display};
use crate::text::{HunkResult, apply_hunks};
use crate::tree::{Node, Shape, Staging, Tree, TreeError};
use crate::{Applied, Error, OnFailure, Options, Status};

/// Walks the patch items, checks them and plans their effect.
pub struct Planner<'o> {
    tree: Tree,
    opts: &'o Options,
    failed_files: usize,
    notices: usize,
    rejects: Vec<(PathBuf, Vec<u8>)>,
}

/// The outcome of checking one file patch.
enum Check {
    /// Plan these nodes (in order).
    Plan(Vec<(PathBuf, Node)>),
    /// Nothing to do (already applied under `--idempotent`).
    Nothing,
    /// The file cannot be patched; the message was printed.
    Failed,
}

fn w(out: &mut dyn Write, s: &str) -> Result<(), Error> {
    out.write_all(s.as_bytes()).map_err(Error::Output)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

impl<'o> Planner<'o> {
    /// A planner over `root`.
    pub fn new(root: fstree::Root, opts: &'o Options) -> Self {
        Planner {
            tree: Tree::new(
                root,
                if opts.dry_run {
                    Staging::Memory
                } else {
                    Staging::Temporaries
                },
            ),
            opts,
            failed_files: 0,
            notices: 0,
            rejects: Vec::new(),
        }
    }

    fn strip_for(&self, git: bool) -> Strip {
        match self.opts.strip {
            Some(n) => Strip::Components(n),
            None if git => Strip::Components(1),
            None => Strip::Basename,
        }
    }

    fn resolve(&self, name: &[u8], git: bool, line: usize) -> Result<PathBuf, Error> {
        paths::resolve(name, self.strip_for(git)).map_err(|e| Error::Refused {
            line,
            message: format!(
                "refusing {}: {e}",
                display(Path::new(std::ffi::OsStr::from_bytes(name)))
            ),
        })
    }

    fn tree_err(e: TreeError, line: usize) -> Error {
        match e {
            TreeError::Io(e) => Error::Tree(e),
            other => Error::Refused {
                line,
                message: format!("refusing to patch: {other}"),
            },
        }
    }

    /// Checks and plans one item.
    pub fn item(
        &mut self,
        item: &Item,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Result<(), Error> {
        match item {
            Item::Notice { text, line } => {
                self.notices += 1;
                let t = String::from_utf8_lossy(text);
                writeln!(err, "applypatch: warning: patch line {line} announces a change it does not carry, not applied: {t}")
                    .map_err(Error::Output)
            }
            Item::Mkdir { path, mode, line } => {
                let p = self.resolve(path, true, *line)?;
                if !self.opts.quiet {
                    let verb = if self.opts.dry_run {
                        "checking"
                    } else {
                        "creating"
                    };
                    w(out, &format!("{verb} directory {}\n", display(&p)))?;
                }
                match self.tree.shape(&p).map_err(|e| Self::tree_err(e, *line))? {
                    Shape::Absent | Shape::Dir => self
                        .tree
                        .set(
                            &p,
                            Node::Dir {
                                mode: Some(*mode & 0o7777),
                            },
                        )
                        .map_err(|e| Self::tree_err(e, *line)),
                    _ => {
                        w(
                            out,
                            &format!(
                                "cannot create directory {}: a file is in the way\n",
                                display(&p)
                            ),
                        )?;
                        self.failed_files += 1;
                        Ok(())
                    }
                }
            }
            Item::Rmdir { path, line } => {
                let p = self.resolve(path, true, *line)?;
                if !self.opts.quiet {
                    let verb = if self.opts.dry_run {
                        "checking"
                    } else {
                        "removing"
                    };
                    w(out, &format!("{verb} directory {}\n", display(&p)))?;
                }
                let shape = self.tree.shape(&p).map_err(|e| Self::tree_err(e, *line))?;
                if shape == Shape::Absent && self.opts.applied == Applied::NoOp {
                    return Ok(());
                }
                if !self.tree.rmdir(&p).map_err(|e| Self::tree_err(e, *line))? {
                    w(
                        out,
                        &format!(
                            "cannot remove directory {}: not an empty directory\n",
                            display(&p)
                        ),
                    )?;
                    self.failed_files += 1;
                }
                Ok(())
            }
            Item::File(fp) => self.file(fp, out),
        }
    }

    /// Picks source and destination paths for a file patch.
    fn names(&self, fp: &FilePatch) -> Result<(Option<PathBuf>, Option<PathBuf>), Error> {
        let res = |n: &Option<Vec<u8>>| -> Result<Option<PathBuf>, Error> {
            n.as_ref()
                .map(|n| self.resolve(n, fp.git, fp.line))
                .transpose()
        };
        let (old, new) = (res(&fp.old_path)?, res(&fp.new_path)?);
        if fp.git {
            return Ok((old, new));
        }
        // GNU diff: one file, named by either header.
        let pick = match (old, new) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(a), Some(b)) => {
                let exists = |p: &Path| !matches!(self.tree.shape(p), Ok(Shape::Absent) | Err(_));
                let key = |p: &Path| {
                    (
                        p.components().count(),
                        p.file_name().map_or(0, |n| n.len()),
                        p.as_os_str().len(),
                    )
                };
                let (ea, eb) = (exists(&a), exists(&b));
                if ea != eb {
                    Some(if ea { a } else { b })
                } else if key(&b) < key(&a) {
                    Some(b)
                } else {
                    Some(a)
                }
            }
            (a, b) => a.or(b),
        };
        Ok((pick.clone(), pick))
    }

    fn file(&mut self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        let (old, new) = self.names(fp)?;
        let op = fp.op;
        let (src, dst) = match op {
            Operation::Create => (None, new.or(old)),
            Operation::Delete => (old.or(new), None),
            _ => (old.clone().or(new.clone()), new.or(old)),
        };
        let Some(shown) = dst.clone().or(src.clone()) else {
            return Err(Error::Refused {
                line: fp.line,
                message: "no file name in this file patch".into(),
            });
        };
        let is_link = fp.old_mode == Some(mode::SYMLINK) || fp.new_mode == Some(mode::SYMLINK);
        if !self.opts.quiet {
            let verb = if self.opts.dry_run {
                "checking"
            } else {
                "patching"
            };
            let what = if is_link { "symbolic link" } else { "file" };
            let from = match (op, &src) {
                (Operation::Rename, Some(s)) => format!(" (renamed from {})", display(s)),
                (Operation::Copy, Some(s)) => format!(" (copied from {})", display(s)),
                _ => String::new(),
            };
            w(out, &format!("{verb} {what} {}{from}\n", display(&shown)))?;
        }
        let check = self.check(fp, src.as_deref(), dst.as_deref(), is_link, out)?;
        match check {
            Check::Plan(nodes) => {
                for (p, n) in nodes {
                    self.tree
                        .set(&p, n)
                        .map_err(|e| Self::tree_err(e, fp.line))?;
                }
            }
            Check::Nothing => {}
            Check::Failed => self.failed_files += 1,
        }
        Ok(())
    }

    /// Reads the pre-image of `src` (empty for a creation): `Ok(None)` when it cannot be
    /// patched (message printed).
    fn pre_image(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
        is_link: bool,
        out: &mut dyn Write,
    ) -> Result<Option<PreImage>, Error> {
        let line = fp.line;
        if fp.op == Operation::Create {
            // The caller has checked that nothing is there.
            return Ok(dst.map(|_| (Vec::new(), None)));
        }
        let Some(s) = src else { return Ok(None) };
        let shape = self.tree.shape(s).map_err(|e| Self::tree_err(e, line))?;
        match shape {
            Shape::Absent => {
                w(
                    out,
                    &format!("can't find file to patch at input line {line}\n"),
                )?;
                Ok(None)
            }
            Shape::File(m) if !is_link => {
                let data = self.tree.read(s).map_err(|e| Self::tree_err(e, line))?;
                Ok(Some((data, Some(m))))
            }
            Shape::Link if is_link => {
                let t = self
                    .tree
                    .read_link(s)
                    .map_err(|e| Self::tree_err(e, line))?;
                Ok(Some((t, None)))
            }
            Shape::Link => {
                w(
                    out,
                    &format!("refusing to patch {}: it is a symbolic link\n", display(s)),
                )?;
                Ok(None)
            }
            Shape::File(_) => {
                w(
                    out,
                    &format!(
                        "refusing to patch {}: it is a regular file, the patch is for a symbolic link\n",
                        display(s)
                    ),
                )?;
                Ok(None)
            }
            Shape::Dir | Shape::Special => {
                w(
                    out,
                    &format!("refusing to patch {}: not a regular file\n", display(s)),
                )?;
                Ok(None)
            }
        }
    }

    fn check(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
        is_link: bool,
        out: &mut dyn Write,
    ) -> Result<Check, Error> {
        let idem = self.opts.applied == Applied::NoOp;
        // Already-applied shortcuts for whole-file operations.
        if fp.op == Operation::Create
            && let Some(d) = dst
            && self.tree.shape(d).map_err(|e| Self::tree_err(e, fp.line))? != Shape::Absent
            && !self
                .tree
                .is_empty_dir(d)
                .map_err(|e| Self::tree_err(e, fp.line))?
        {
            if idem && self.already_created(fp, d, is_link)? {
                if !self.opts.quiet {
                    let note = format!("File {} is already created; skipping.\n", display(d));
                    w(out, &note)?;
                }
                return Ok(Check::Nothing);
            }
            w(
                out,
                &format!(
                    "The next patch would create the file {}, which already exists!  Skipping patch.\n",
                    display(d)
                ),
            )?;
            return Ok(Check::Failed);
        }
        if idem
            && matches!(fp.op, Operation::Delete | Operation::Rename)
            && let Some(s) = src
            && self.tree.shape(s).map_err(|e| Self::tree_err(e, fp.line))? == Shape::Absent
            && (fp.op == Operation::Delete
                || dst.is_some_and(|d| !matches!(self.tree.shape(d), Ok(Shape::Absent) | Err(_))))
        {
            w(
                out,
                &format!(
                    "File {} is already {}; skipping.\n",
                    display(s),
                    if fp.op == Operation::Delete {
                        "deleted"
                    } else {
                        "renamed"
                    }
                ),
            )?;
            // Finish what an interrupted run began: parents it emptied still go.
            self.tree.note_deleted(s);
            return Ok(Check::Nothing);
        }
        let Some((pre, old_perm)) = self.pre_image(fp, src, dst, is_link, out)? else {
            return Ok(Check::Failed);
        };
        // Post-image.
        let post = if let Some(bin) = &fp.binary {
            match self.binary_post(fp, &pre, bin, src.or(dst), out)? {
                Some(p) => p,
                None => return Ok(Check::Failed),
            }
        } else if fp.hunks.is_empty() {
            pre.clone()
        } else {
            match self.text_post(fp, &pre, src.or(dst), dst.or(src), out)? {
                TextOutcome::Post(p) => p,
                TextOutcome::Nothing => return Ok(Check::Nothing),
                TextOutcome::Failed => return Ok(Check::Failed),
            }
        };
        // The planned nodes.
        let mut nodes = Vec::new();
        let perm = |m: u32| m & 0o7777;
        match fp.op {
            Operation::Delete => {
                // A reversed copy (see `invert`) removes the copy whatever it holds.
                let uncopy = fp.git && fp.similarity.is_some();
                if !post.is_empty() && !uncopy {
                    let s = src.map(display).unwrap_or_default();
                    w(
                        out,
                        &format!("Not deleting file {s} as content differs from patch\n"),
                    )?;
                    return Ok(Check::Failed);
                }
                if let Some(s) = src {
                    nodes.push((s.to_path_buf(), Node::Absent));
                }
            }
            _ => {
                let Some(d) = dst else {
                    return Ok(Check::Failed);
                };
                if matches!(fp.op, Operation::Rename | Operation::Copy)
                    && Some(d) != src
                    && self.tree.shape(d).map_err(|e| Self::tree_err(e, fp.line))? != Shape::Absent
                {
                    w(
                        out,
                        &format!("{}: already exists; not overwriting it\n", display(d)),
                    )?;
                    return Ok(Check::Failed);
                }
                let node = if fp.new_mode == Some(mode::SYMLINK)
                    || (is_link && fp.new_mode.is_none())
                {
                    if post.is_empty() || post.contains(&0) {
                        w(
                            out,
                            &format!("{}: invalid symbolic link target\n", display(d)),
                        )?;
                        return Ok(Check::Failed);
                    }
                    Node::Link { target: post }
                } else if self.opts.remove_empty && post.is_empty() && fp.op == Operation::Modify {
                    Node::Absent
                } else {
                    let mode = match (fp.op, fp.old_mode, fp.new_mode, old_perm) {
                        (Operation::Create, _, Some(n), _) => perm(n),
                        (Operation::Create, _, None, _) => 0o644,
                        (_, o, Some(n), _) if o != Some(n) => perm(n),
                        (_, _, _, Some(m)) => m,
                        (_, _, Some(n), None) => perm(n),
                        _ => 0o644,
                    };
                    Node::File { data: post, mode }
                };
                if fp.op == Operation::Rename
                    && let Some(s) = src
                    && s != d
                {
                    nodes.push((s.to_path_buf(), Node::Absent));
                }
                nodes.push((d.to_path_buf(), node));
            }
        }
        Ok(Check::Plan(nodes))
    }

    fn already_created(&mut self, fp: &FilePatch, d: &Path, is_link: bool) -> Result<bool, Error> {
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

    fn text_post(
        &mut self,
        fp: &FilePatch,
        pre: &[u8],
        src: Option<&Path>,
        rej_beside: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<TextOutcome, Error> {
        let fuzz = self.opts.fuzz;
        let mut hunks: std::borrow::Cow<'_, [Hunk]> = std::borrow::Cow::Borrowed(&fp.hunks);
        let mut r = apply_hunks(pre, &hunks, fuzz);
        let first_failed = matches!(r.hunks.first(), Some(HunkResult::Failed { .. }));
        if first_failed && self.opts.applied != Applied::Ignore {
            let inverted: Vec<Hunk> = fp.hunks.iter().map(invert_hunk).collect();
            let rev = apply_hunks(pre, &inverted, 0);
            if matches!(rev.hunks.first(), Some(HunkResult::Applied { .. })) {
                let msg = "Reversed (or previously applied) patch detected!";
                match self.opts.applied {
                    Applied::AssumeReversed => {
                        w(out, &format!("{msg}  Assuming -R.\n"))?;
                        hunks = std::borrow::Cow::Owned(inverted);
                        r = apply_hunks(pre, &hunks, fuzz);
                    }
                    Applied::NoOp if rev.failed() == 0 => {
                        if !self.opts.quiet {
                            w(out, &format!("{msg}  Already applied; skipping.\n"))?;
                        }
                        return Ok(TextOutcome::Nothing);
                    }
                    _ => {
                        w(out, &format!("{msg}  Skipping patch.\n"))?;
                        let n = fp.hunks.len();
                        let rej = self.reject_for(
                            fp,
                            rej_beside,
                            fp.hunks.iter().map(|h| (h, 0)).collect(),
                        );
                        let tail = self.reject_tail(rej, out)?;
                        w(
                            out,
                            &format!("{n} out of {n} {} ignored{tail}\n", plural(n, "hunk")),
                        )?;
                        return Ok(TextOutcome::Failed);
                    }
                }
            }
        }
        if !self.opts.quiet {
            for (i, h) in r.hunks.iter().enumerate() {
                let msg = match *h {
                    HunkResult::Applied {
                        offset: 0, fuzz: 0, ..
                    } => continue,
                    HunkResult::Applied { at, offset, fuzz } => {
                        let f = if fuzz > 0 {
                            format!(" with fuzz {fuzz}")
                        } else {
                            String::new()
                        };
                        let o = match offset {
                            0 => String::new(),
                            1 => " (offset 1 line)".to_string(),
                            n => format!(" (offset {n} lines)"),
                        };
                        format!("Hunk #{} succeeded at {at}{f}{o}.\n", i + 1)
                    }
                    HunkResult::Failed { at } => format!("Hunk #{} FAILED at {at}.\n", i + 1),
                };
                w(out, &msg)?;
            }
        }
        let failed = r.failed();
        if failed == 0 {
            return Ok(TextOutcome::Post(r.content));
        }
        // Line shift for each failed hunk: what applied hunks before it added.
        let mut shift = 0i64;
        let mut failed_hunks = Vec::new();
        for (h, res) in hunks.iter().zip(&r.hunks) {
            match res {
                HunkResult::Applied { .. } => shift += h.new_len as i64 - h.old_len as i64,
                HunkResult::Failed { .. } => failed_hunks.push((h, shift)),
            }
        }
        let n = hunks.len();
        let rej = self.reject_for(fp, rej_beside, failed_hunks);
        let tail = self.reject_tail(rej, out)?;
        w(
            out,
            &format!("{failed} out of {n} {} FAILED{tail}\n", plural(n, "hunk")),
        )?;
        let _ = src;
        if self.opts.on_failure == OnFailure::Reject {
            // GNU: the hunks that fit are applied. The file still counts as failed.
            if let Some(d) = rej_beside {
                let mode = match self.tree.shape(d) {
                    Ok(Shape::File(m)) => m,
                    _ => 0o644,
                };
                self.tree
                    .set(
                        d,
                        Node::File {
                            data: r.content,
                            mode,
                        },
                    )
                    .map_err(|e| Self::tree_err(e, fp.line))?;
            }
        }
        Ok(TextOutcome::Failed)
    }

    fn reject_for(
        &self,
        _fp: &FilePatch,
        beside: Option<&Path>,
        failed: Vec<(&Hunk, i64)>,
    ) -> Option<(PathBuf, Vec<u8>)> {
        let d = beside?;
        let mut name = d.as_os_str().to_os_string();
        name.push(".rej");
        // GNU patch heads a reject file with the name of the file it patched, on both lines.
        let shown = d.as_os_str().as_bytes();
        Some((
            PathBuf::from(name),
            crate::reject::format(shown, shown, &failed),
        ))
    }

    /// Records a reject file (with `--reject`) and returns the message tail for it.
    fn reject_tail(
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
                let tail = format!(" -- saving rejects to file {}", display(&p));
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

    /// Whether [`Planner::finish`] will write the plan (not a dry run, and nothing failed
    /// unless `--reject`).
    pub fn will_write(&self) -> bool {
        !self.opts.dry_run && (self.failed_files == 0 || self.opts.on_failure != OnFailure::Abort)
    }

    /// Ends the run: writes the plan unless something failed (all-or-nothing) or this is a dry run.
    pub fn finish(self, out: &mut dyn Write, err: &mut dyn Write) -> Result<Status, Error> {
        let _ = out;
        let failed = self.failed_files > 0;
        if failed && self.opts.on_failure == OnFailure::Abort {
            writeln!(
                err,
                "applypatch: {} {} could not be patched; nothing was written (use --reject to apply what fits)",
                self.failed_files,
                plural(self.failed_files, "file")
            )
            .map_err(Error::Output)?;
            return Ok(Status::Failed);
        }
        if !self.opts.dry_run {
            self.tree.commit(&self.rejects)?;
        }
        Ok(if failed || self.notices > 0 {
            Status::Failed
        } else {
            Status::Applied
        })
    }
}

/// A pre-image: content (or symlink target) and the file's permission bits.
type PreImage = (Vec<u8>, Option<u32>);

enum TextOutcome {
    Post(Vec<u8>),
    Nothing,
    Failed,
}

/// The same hunk, reversed.
pub fn invert_hunk(h: &Hunk) -> Hunk {
    let mut r = h.clone();
    std::mem::swap(&mut r.old_start, &mut r.new_start);
    std::mem::swap(&mut r.old_len, &mut r.new_len);
    for l in &mut r.lines {
        l.kind = match l.kind {
            LineKind::Add => LineKind::Remove,
            LineKind::Remove => LineKind::Add,
            LineKind::Context => LineKind::Context,
        };
    }
    // Keep removed lines before added ones within each change, as diff writes them.
    let mut lines = Vec::with_capacity(r.lines.len());
    let mut adds = Vec::new();
    for l in r.lines {
        match l.kind {
            LineKind::Add => adds.push(l),
            LineKind::Remove => lines.push(l),
            LineKind::Context => {
                lines.append(&mut adds);
                lines.push(l);
            }
        }
    }
    lines.append(&mut adds);
    r.lines = lines;
    r
}

/// The same item, reversed (`-R`).
pub fn invert(item: Item) -> Item {
    match item {
        Item::Mkdir { path, line, .. } => Item::Rmdir { path, line },
        Item::Rmdir { path, line } => Item::Mkdir {
            path,
            mode: 0o755,
            line,
        },
        Item::Notice { .. } => item,
        Item::File(mut fp) => {
            std::mem::swap(&mut fp.old_path, &mut fp.new_path);
            std::mem::swap(&mut fp.old_mode, &mut fp.new_mode);
            if let Some((a, b)) = fp.index.take() {
                fp.index = Some((b, a));
            }
            let was_copy = fp.op == Operation::Copy;
            fp.op = match fp.op {
                Operation::Create => Operation::Delete,
                Operation::Delete => Operation::Create,
                // Un-copying removes the copy; its hunks are checked on the way.
                Operation::Copy => Operation::Delete,
                other => other,
            };
            if was_copy {
                // A reversed copy: the copy (now old_path) goes away.
                fp.new_path = None;
                fp.hunks.clear();
                fp.binary = None;
                return Item::File(fp);
            }
            fp.hunks = fp.hunks.iter().map(invert_hunk).collect();
            match fp.binary.take() {
                None => {}
                Some(BinaryPatch {
                    forward,
                    reverse: Some(rev),
                }) => {
                    fp.binary = Some(BinaryPatch {
                        forward: rev,
                        reverse: Some(forward),
                    })
                }
                Some(BinaryPatch { reverse: None, .. }) => {
                    return Item::Notice {
                        text: b"GIT binary patch without a reverse block cannot be applied with -R"
                            .to_vec(),
                        line: fp.line,
                    };
                }
            }
            Item::File(fp)
        }
    }
}
