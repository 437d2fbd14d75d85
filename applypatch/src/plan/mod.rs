//! Checking each item of the patch against the planned tree and recording what it will do.
//!
//! One [`Planner`] walks the items in order. For each file patch it picks the names (git: old
//! and new; GNU diff: the existing one of the two, else the shorter, as GNU patch does), reads
//! the pre-image from the planned tree, produces the post-image (hunks or binary), prints GNU
//! patch's messages, and plans the result. Failures are counted, not fatal: with
//! [`OnFailure::Abort`] nothing is written if any file failed; with [`OnFailure::Reject`] the
//! hunks that fit are planned and the rest go to `.rej` files.
//!
//! The jobs, one module each: this one picks names and plans; `post` makes post-images;
//! `format` tells GNU's formats apart; `modes` says which modes a patch may give; `reject` decides about reject files; `wording` holds GNU patch's words; `invert` reverses
//! a patch for `-R`.

mod format;
mod gnu;
mod invert;
mod modes;
mod post;
mod reject;
mod wording;

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use treepatch::{FilePatch, Item, Operation, mode};

use crate::paths::{self, Strip, display};
use crate::tree::{Node, Shape, Staging, Tree, TreeError};
use crate::{Applied, Error, OnFailure, Options, Status};

pub use invert::invert;
use wording::{announce_file, plural, verb, w};

/// Walks the patch items, checks them and plans their effect.
pub struct Planner<'o> {
    tree: Tree,
    opts: &'o Options,
    failed_files: usize,
    notices: usize,
    rejects: Vec<(PathBuf, Vec<u8>)>,
    /// Sources of the patch's renames ([`Planner::note`]): a rename or copy may land on one,
    /// as it moves away (a swap of two names).
    moved_away: HashSet<PathBuf>,
    gnu: gnu::GnuState,
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

/// What a file patch makes of a file's content.
enum Outcome {
    /// This new content.
    Post(Vec<u8>),
    /// Nothing to do (already applied under `--idempotent`).
    Nothing,
    /// The file cannot be patched; the message was printed.
    Failed,
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
            moved_away: HashSet::new(),
            gnu: gnu::GnuState::default(),
        }
    }

    /// Notes what the planning of later items needs to know of `item` in advance: the
    /// sources of renames (whose names may be taken by other renames of the same patch).
    pub fn note(&mut self, item: &Item) {
        if let Item::File(fp) = item
            && fp.op == Operation::Rename
            && let Some(old) = &fp.old_path
            && let Ok(p) = paths::resolve(old, self.strip_for(fp.git))
        {
            self.moved_away.insert(p);
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
                    let verb = verb(self.opts.dry_run, "creating");
                    w(out, &format!("{verb} directory {}\n", display(&p)))?;
                }
                match self.tree.shape(&p).map_err(|e| Self::tree_err(e, *line))? {
                    Shape::Absent | Shape::Dir => self
                        .tree
                        .set(
                            &p,
                            Node::Dir {
                                mode: Some(modes::dir_perm(*mode)),
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
                    let verb = verb(self.opts.dry_run, "removing");
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
            // Under the name `patch` modes are GNU's business: any type makes a regular file
            // (with git's permission rule), a submodule is "not a regular file".
            Item::File(fp) => {
                if !self.opts.gnu && modes::skip_submodule(fp, err)? {
                    return Ok(());
                }
                self.file(fp, out)
            }
        }
    }

    /// Picks source and destination paths for a file patch.
    fn names(&self, fp: &FilePatch) -> Result<(Option<PathBuf>, Option<PathBuf>), Error> {
        // The ORIGFILE operand: the one file every file patch applies to, unstripped.
        if let Some(o) = &self.opts.origfile {
            let p =
                paths::resolve(o.as_os_str().as_bytes(), Strip::Components(0)).map_err(|e| {
                    Error::Refused {
                        line: fp.line,
                        message: format!("refusing {}: {e}", display(o)),
                    }
                })?;
            return Ok((Some(p.clone()), Some(p)));
        }
        let res = |n: &Option<Vec<u8>>| -> Result<Option<PathBuf>, Error> {
            let Some(n) = n else { return Ok(None) };
            match paths::resolve(n, self.strip_for(fp.git)) {
                Err(e) if self.gnu_unfound(e) => Ok(None),
                _ => self.resolve(n, fp.git, fp.line).map(Some),
            }
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
                // GNU ranks the names in the patch's own order (`---` first), also when
                // `-R` inverted the file patch.
                let (a, b) = if self.opts.gnu && self.opts.reverse {
                    (b, a)
                } else {
                    (a, b)
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
        self.gnu_begin();
        self.gnu_file_start(fp, out)?;
        self.file_patch(fp, out)?;
        self.gnu_end(fp);
        Ok(())
    }

    fn file_patch(&mut self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        let (old, new) = self.names(fp)?;
        let op = fp.op;
        let (src, dst) = match op {
            Operation::Create => (None, new.or(old)),
            Operation::Delete => (old.or(new), None),
            _ => (old.clone().or(new.clone()), new.or(old)),
        };
        if let Some(m) = self.already_renamed(fp, src.as_deref(), dst.as_deref())? {
            return self.file_patch(&m, out);
        }
        match self.gnu_odd_ends(fp, src.as_deref(), dst.as_deref(), out)? {
            gnu::OddEnds::No => {}
            gnu::OddEnds::Skipped => {
                self.failed_files += 1;
                return Ok(());
            }
            gnu::OddEnds::Reverse => {
                if let Item::File(inv) = invert(Item::File(fp.clone())) {
                    self.gnu.reversed = true;
                    return self.file_patch(&inv, out);
                }
            }
            gnu::OddEnds::Anyway => self.gnu.as_empty = true,
        }
        let Some(shown) = dst.clone().or(src.clone()) else {
            return self.nameless(fp, out);
        };
        if fp.ed.is_some() && self.opts.reverse {
            return Err(Error::Refused {
                line: fp.line,
                message: "an ed script cannot be applied in reverse".into(),
            });
        }
        let is_link = fp.old_mode == Some(mode::SYMLINK) || fp.new_mode == Some(mode::SYMLINK);
        if let Some(s) = src.as_deref()
            && !self.gnu_read_only(fp, s, out)?
        {
            self.failed_files += 1;
            return Ok(());
        }
        self.announce(fp, (src.as_deref(), &shown), is_link, out)?;
        let renamed = (op == Operation::Rename && src != dst)
            .then_some(())
            .and(dst.as_deref());
        let destination = self.gnu_destination(renamed, fp.line)?;
        let check = self.check(fp, src.as_deref(), dst.as_deref(), is_link, out)?;
        let created = (op == Operation::Create).then_some(()).and(dst.as_deref());
        match check {
            Check::Plan(nodes) => {
                self.gnu_backup(created, fp.line)?;
                self.gnu_backup_destination(destination.clone(), fp.line)?;
                if let Some(d) = dst.as_deref().filter(|_| op != Operation::Delete) {
                    self.gnu_times(fp, src.as_deref().filter(|_| created.is_none()), d, out)?;
                }
                for (p, n) in nodes {
                    self.place(&p, n, fp.line)?;
                }
            }
            Check::Nothing => {}
            Check::Failed => {
                self.gnu_backup(None, fp.line)?;
                self.gnu_backup_destination(destination, fp.line)?;
                self.failed_files += 1;
            }
        }
        Ok(())
    }

    /// A file patch without a name it can use. A normal diff or an ed script without a name
    /// is trouble (under the name `patch` it is garbage, skipped before it gets here); a file
    /// patch whose names GNU cannot use (`-p` strips too much) is a missing file to GNU.
    fn nameless(&mut self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        let script = fp.ed.is_some() || !fp.hunks.is_empty() && fp.old_path.is_none();
        let unnamed = script && fp.new_path.is_none();
        if self.opts.gnu && !unnamed {
            self.failed_files += 1;
            return self.gnu_missing(fp, out);
        }
        let message = if script {
            "no file name for this normal diff or ed script (give an Index: line or the file to patch)"
        } else {
            "no file name in this file patch"
        };
        Err(Error::Refused {
            line: fp.line,
            message: message.into(),
        })
    }

    /// `patching file F` (GNU's words; `checking` for a dry run; with `-o`, `patching file
    /// OUT (read from F)`), unless quiet, or, under the name `patch`, the file is missing.
    fn announce(
        &mut self,
        fp: &FilePatch,
        (src, shown): (Option<&Path>, &Path),
        is_link: bool,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let op = fp.op;
        // GNU patch names the file only once it has found a file it will patch.
        let missing = self.opts.gnu
            && op != Operation::Create
            && src.is_some_and(|s| match self.tree.shape(s) {
                Ok(Shape::Absent | Shape::Dir | Shape::Special) => true,
                Ok(Shape::Link) => !is_link && !self.opts.follow_symlinks,
                Ok(Shape::File(_)) => modes::is_submodule(fp),
                _ => false,
            })
            && !self.absent_as_empty(fp);
        if self.opts.verbose && self.opts.gnu && !missing {
            self.gnu_echo(fp, out)?;
        }
        // GNU patch says nothing about the file an ed script edits.
        if !self.opts.quiet && !missing && fp.ed.is_none() {
            let verb = verb(self.opts.dry_run, "patching");
            match &self.opts.output {
                // `patching file OUT (read from F)`, as GNU says with `-o`.
                Some(o) => w(
                    out,
                    &format!(
                        "{verb} file {} (read from {})\n",
                        display(o),
                        display(shown)
                    ),
                )?,
                None => {
                    let from = (src, self.gnu.renamed_from.take());
                    announce_file(out, verb, is_link, shown, op, from)?;
                }
            }
            if self.opts.verbose && self.opts.gnu {
                w(out, "Using Plan A...\n")?;
            }
        }
        Ok(())
    }

    /// Whether a missing file to patch is taken as empty, one rule for both names. Under the
    /// name `patch`, as GNU patch 2.7.6 does (checked black-box): after `-f` on a deletion
    /// of a missing file (see `gnu_odd_ends`), or when the first hunk adds to an empty file
    /// (`@@ -0,0 ...`, `*** 0 ****`, git sections too), but not for a normal diff's `0a1`
    /// ("can't find file to patch"). Under `applypatch`, for any such hunk outside git
    /// sections (`0a1` included), git's sections keeping git apply's rule.
    fn absent_as_empty(&mut self, fp: &FilePatch) -> bool {
        let adds_to_empty = fp
            .hunks
            .first()
            .is_some_and(|h| h.old_start == 0 && h.old_len == 0);
        if self.opts.gnu {
            self.gnu.as_empty || adds_to_empty && self.gnu.format != format::Format::Normal
        } else {
            adds_to_empty && !fp.git
        }
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
        if let Some(pre) = self.moved_source(fp, s, is_link)? {
            return Ok(Some(pre));
        }
        let shape = self.tree.shape(s).map_err(|e| Self::tree_err(e, line))?;
        match shape {
            Shape::Absent if self.absent_as_empty(fp) => Ok(Some((Vec::new(), None))),
            Shape::Absent if self.opts.gnu => {
                self.gnu_missing(fp, out)?;
                Ok(None)
            }
            Shape::Absent => {
                w(
                    out,
                    &format!("can't find file to patch at input line {line}\n"),
                )?;
                Ok(None)
            }
            // GNU takes a submodule's section for one of a file that is not regular.
            Shape::File(_) if self.opts.gnu && modes::is_submodule(fp) => {
                self.gnu_not_regular(fp, s, Shape::Special, out)
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
            Shape::Link | Shape::Dir | Shape::Special if self.opts.gnu => {
                self.gnu_not_regular(fp, s, shape, out)
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

    /// The pre-image of a rename or copy of the regular file `s`: the source as it was before
    /// the patch, as git apply and GNU patch take it (a file patched, then copied: the copy
    /// has the old content); `None` for anything else.
    fn moved_source(
        &self,
        fp: &FilePatch,
        s: &Path,
        is_link: bool,
    ) -> Result<Option<PreImage>, Error> {
        if !matches!(fp.op, Operation::Rename | Operation::Copy) || is_link {
            return Ok(None);
        }
        let original = self
            .tree
            .original(s)
            .map_err(|e| Self::tree_err(e, fp.line))?;
        Ok(original.map(|(data, m)| (data, Some(m))))
    }

    /// Checks one file patch (from `src` to `dst`) against the planned tree and says what to
    /// plan.
    fn check(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
        is_link: bool,
        out: &mut dyn Write,
    ) -> Result<Check, Error> {
        if let Some(d) = dst
            && fp.op == Operation::Create
            && self.is_in_the_way(d, fp.line)?
            && !self.gnu_may_create_over(d, fp.line)?
        {
            return self.create_over_existing(fp, d, is_link, out);
        }
        if let Some(s) = src
            && self.already_gone(fp, s, dst)?
        {
            let done = if fp.op == Operation::Delete {
                "deleted"
            } else {
                "renamed"
            };
            w(
                out,
                &format!("File {} is already {done}; skipping.\n", display(s)),
            )?;
            // Finish what an interrupted run began: parents it emptied still go.
            self.tree.note_deleted(s);
            return Ok(Check::Nothing);
        }
        let Some((pre, old_perm)) = self.pre_image(fp, src, dst, is_link, out)? else {
            return Ok(Check::Failed);
        };
        if fp.op != Operation::Create {
            self.gnu_original(src, &pre, old_perm);
        }
        let post = match self.post_image(fp, pre, src, dst, out)? {
            Outcome::Post(p) => p,
            Outcome::Nothing => return Ok(Check::Nothing),
            Outcome::Failed => return Ok(Check::Failed),
        };
        match fp.op {
            Operation::Delete => self.deletion(fp, src, (post, old_perm), out),
            _ => self.result(fp, src, dst, is_link, (post, old_perm), out),
        }
    }

    /// Whether something a creation must not replace is at `d` (anything but nothing or an
    /// empty directory).
    fn is_in_the_way(&self, d: &Path, line: usize) -> Result<bool, Error> {
        let err = |e| Self::tree_err(e, line);
        Ok(self.tree.shape(d).map_err(err)? != Shape::Absent
            && !self.tree.is_empty_dir(d).map_err(err)?)
    }

    /// A creation finds `d` taken: skipped as already applied (`--idempotent`, when it holds
    /// what the patch creates), else failed, as GNU patch says.
    fn create_over_existing(
        &mut self,
        fp: &FilePatch,
        d: &Path,
        is_link: bool,
        out: &mut dyn Write,
    ) -> Result<Check, Error> {
        if self.opts.applied == Applied::NoOp && self.already_created(fp, d, is_link)? {
            if !self.opts.quiet {
                let note = format!("File {} is already created; skipping.\n", display(d));
                w(out, &note)?;
            }
            return Ok(Check::Nothing);
        }
        if self.opts.gnu && self.opts.applied == Applied::Ignore {
            return self.gnu_create_anyway(fp, d, out);
        }
        w(
            out,
            &format!(
                "The next patch would create the file {}, which already exists!  Skipping patch.\n",
                display(d)
            ),
        )?;
        Ok(Check::Failed)
    }

    /// A rename whose source is gone (or any, under `patch -R`) and whose destination is a
    /// regular file (done already):
    /// GNU patch patches the destination in place, `patching file D (already renamed from
    /// S)`, under both names. The file patch to apply instead, if so (`--idempotent` skips
    /// such a rename instead, see [`Planner::already_gone`]).
    fn already_renamed(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
    ) -> Result<Option<FilePatch>, Error> {
        let (Some(s), Some(d)) = (src, dst) else {
            return Ok(None);
        };
        if fp.op != Operation::Rename || self.opts.applied == Applied::NoOp || s == d {
            return Ok(None);
        }
        let shape = |p: &Path| self.tree.shape(p).map_err(|e| Self::tree_err(e, fp.line));
        // Under the name `patch` with `-R`, GNU finds it done whenever the destination (the
        // patch's `rename from`) is there, the source there or not (measured).
        let gone = shape(s)? == Shape::Absent || (self.opts.gnu && self.opts.reverse);
        if !gone || !matches!(shape(d)?, Shape::File(_)) {
            return Ok(None);
        }
        self.gnu.renamed_from = Some(s.to_path_buf());
        self.gnu.header_old = Some(fp.old_path.clone());
        let mut m = fp.clone();
        m.op = Operation::Modify;
        m.old_path.clone_from(&m.new_path);
        Ok(Some(m))
    }

    /// Whether a deletion or rename finds its work done (`--idempotent`): `src` is gone and,
    /// for a rename, `dst` is there.
    fn already_gone(&self, fp: &FilePatch, src: &Path, dst: Option<&Path>) -> Result<bool, Error> {
        if self.opts.applied != Applied::NoOp
            || !matches!(fp.op, Operation::Delete | Operation::Rename)
        {
            return Ok(false);
        }
        let shape = self.tree.shape(src);
        if shape.map_err(|e| Self::tree_err(e, fp.line))? != Shape::Absent {
            return Ok(false);
        }
        Ok(fp.op == Operation::Delete
            || dst.is_some_and(|d| !matches!(self.tree.shape(d), Ok(Shape::Absent) | Err(_))))
    }

    /// A deletion: `src` goes, provided the patch left nothing of its content (`post`).
    /// Under the name `patch`, a file with more in it keeps what the hunks left (GNU).
    fn deletion(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        (post, old_perm): PreImage,
        out: &mut dyn Write,
    ) -> Result<Check, Error> {
        // A reversed copy (see `invert`) removes the copy whatever it holds.
        let uncopy = fp.git && fp.similarity.is_some();
        if !post.is_empty() && !uncopy {
            let s = src.map(display).unwrap_or_default();
            w(
                out,
                &format!("Not deleting file {s} as content differs from patch\n"),
            )?;
            if let Some(s) = src.filter(|_| self.opts.gnu) {
                let mode = old_perm.unwrap_or(0o644);
                self.place(s, Node::File { data: post, mode }, fp.line)?;
            }
            return Ok(Check::Failed);
        }
        Ok(Check::Plan(
            src.map(|s| (s.to_path_buf(), Node::Absent))
                .into_iter()
                .collect(),
        ))
    }

    /// Anything but a deletion: `dst` becomes a symlink, a file (or nothing, for `-E` and an
    /// emptied file) with the post-image, and a renamed `src` goes.
    fn result(
        &self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
        is_link: bool,
        (post, old_perm): PreImage,
        out: &mut dyn Write,
    ) -> Result<Check, Error> {
        let Some(d) = dst else {
            return Ok(Check::Failed);
        };
        // (Under the name `patch` a file in the way is replaced, as GNU replaces it.)
        let in_way = self.tree.shape(d).map_err(|e| Self::tree_err(e, fp.line))?;
        if matches!(fp.op, Operation::Rename | Operation::Copy)
            && Some(d) != src
            && !self.moved_away.contains(d)
            && in_way != Shape::Absent
            && !(self.opts.gnu && matches!(in_way, Shape::File(_)))
        {
            w(
                out,
                &format!("{}: already exists; not overwriting it\n", display(d)),
            )?;
            return Ok(Check::Failed);
        }
        let node = if fp.new_mode == Some(mode::SYMLINK) || (is_link && fp.new_mode.is_none()) {
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
            let mode = modes::new_mode(fp, old_perm);
            Node::File { data: post, mode }
        };
        let mut nodes = Vec::new();
        // A source that an earlier item wrote (a swap, or a file patched and then renamed)
        // stays: the rename took its original content (see `pre_image`).
        if fp.op == Operation::Rename
            && let Some(s) = src
            && s != d
            && !self.tree.is_planned(s)
        {
            nodes.push((s.to_path_buf(), Node::Absent));
        }
        nodes.push((d.to_path_buf(), node));
        Ok(Check::Plan(nodes))
    }

    /// Whether [`Planner::finish`] will write the plan (not a dry run, and nothing failed
    /// unless `--reject`).
    pub fn will_write(&self) -> bool {
        !self.opts.dry_run && (self.failed_files == 0 || self.opts.on_failure != OnFailure::Abort)
    }

    /// Ends the run: writes the plan unless something failed (all-or-nothing) or this is a dry run.
    pub fn finish(self, out: &mut dyn Write, err: &mut dyn Write) -> Result<Status, Error> {
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
            if let Err(f) = self.tree.commit(&self.rejects) {
                if f.done > 0 {
                    writeln!(
                        err,
                        "applypatch: the tree is partly patched: {} of {} changes were made when the commit failed; running the same command again with --idempotent finishes the job",
                        f.done, f.total
                    )
                    .map_err(Error::Output)?;
                }
                return Err(Error::Tree(f.source));
            }
            gnu::set_times(&self.opts.dir, &self.gnu.times)?;
        }
        if self.opts.gnu && self.opts.verbose {
            match self.gnu.seen_one {
                true => w(out, "done\n")?,
                false => w(
                    out,
                    "Hmm...  I can't seem to find a patch in there anywhere.\n",
                )?,
            }
        }
        Ok(if failed || self.notices > 0 {
            Status::Failed
        } else {
            Status::Applied
        })
    }
}

/// A pre-image (or post-image): content (or symlink target) and the file's permission bits.
pub(super) type PreImage = (Vec<u8>, Option<u32>);

#[cfg(test)]
mod tests {
    use crate::{Options, Status, run};

    /// `Options::origfile` (GNU patch's ORIGFILE operand) names the file of a nameless normal
    /// diff or ed script, and overrides the names of the others.
    #[test]
    fn origfile_names_the_file_to_patch() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        let opts = Options {
            dir: t.path().to_path_buf(),
            origfile: Some("sub/t".into()),
            ..Options::default()
        };
        let patches: [&[u8]; 3] = [
            b"2c2\n< b\n---\n> B\n",
            b"2c\nB\n.\n",
            b"--- other\n+++ other\n@@ -2 +2 @@\n-b\n+B\n",
        ];
        for p in patches {
            std::fs::write(t.path().join("sub/t"), "a\nb\n").unwrap();
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let status = run(std::io::Cursor::new(p), &opts, &mut out, &mut err).unwrap();
            assert_eq!(status, Status::Applied, "{}", String::from_utf8_lossy(&err));
            assert_eq!(std::fs::read(t.path().join("sub/t")).unwrap(), b"a\nB\n");
        }
        // Without it, a nameless normal diff is trouble.
        let plain = Options {
            dir: t.path().to_path_buf(),
            ..Options::default()
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let e = run(std::io::Cursor::new(patches[0]), &plain, &mut out, &mut err).unwrap_err();
        assert!(e.to_string().contains("no file name"), "{e}");
    }
}
