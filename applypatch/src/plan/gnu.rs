//! What the planner does differently under the name `patch`: GNU patch 2.7.6's words where a
//! file cannot be found or looks reversed, its backups, and its reject headers. Learnt
//! black-box; stdin is no terminal in scripts, so every question GNU would ask is answered
//! with its default, as GNU does then.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use treepatch::FilePatch;

use super::Planner;
use super::format::Format;
use super::wording::{out_of, w};
use crate::gnu::echo::PatchText;
use crate::paths::display;
use crate::tree::{Node, Shape};
use crate::{Applied, Error};

/// What GNU patch makes of a creation or deletion that does not fit the file it finds.
pub(super) enum OddEnds {
    /// Nothing odd: go on.
    No,
    /// The file patch is skipped (counted as failed; the words were said).
    Skipped,
    /// `-t`: apply it reversed.
    Reverse,
    /// `-f`: apply it anyway, a missing file taken as empty.
    Anyway,
}

/// What the GNU personality remembers across file patches.
#[derive(Default)]
pub(super) struct GnuState {
    /// The patch's text, for echoes and reject headers.
    pub text: Option<PatchText>,
    /// The first line after the previous file patch (where the next echo starts).
    pub echo_from: usize,
    /// Files backed up in this run (once each, before their first change).
    pub backed_up: HashSet<PathBuf>,
    /// The file being patched as it was before: path, content, permission bits.
    pub original: Option<(PathBuf, Node)>,
    /// A hunk of the file being patched needed offset or fuzz, or failed.
    pub mismatch: bool,
    /// `-o FILE`: the patched files, one after the other.
    pub output: Vec<u8>,
    /// A file patch was seen (`--verbose` says "The next patch" from then on, and "done" at
    /// the end).
    pub seen_one: bool,
    /// `-Z`/`-T`: the times to set once the plan is written.
    pub times: Vec<(PathBuf, fstree::Timestamp)>,
    /// `-Z`/`-T`: the target as it is, to read files' times (opened when first needed).
    pub disk: Option<fstree::Root>,
    /// `-f` on a deletion of a missing file: the file is taken as empty.
    pub as_empty: bool,
    /// The file patch was reversed by `-t` already: no second look for a reversed patch.
    pub reversed: bool,
    /// A rename found done already (under both names, see `Planner::already_renamed`): its
    /// source (`(already renamed from S)`).
    pub renamed_from: Option<PathBuf>,
    /// A rename found done already: the patch's own old name, for the reject file's header.
    pub header_old: Option<Option<Vec<u8>>>,
    /// The format of the file patch (read by `gnu_file_start`).
    pub format: Format,
    /// The `\ No newline at end of file` lines of the file patches before this one: GNU's
    /// "input line" numbers do not count them (checked black-box).
    pub marks: usize,
}

impl Planner<'_> {
    /// Lets the planner show the patch's own lines (the name `patch`).
    pub fn show_text(&mut self, text: PatchText) {
        self.gnu.text = Some(text);
        self.gnu.echo_from = 1;
    }

    /// Starts a file patch: nothing is known yet about its mismatches.
    pub(super) fn gnu_begin(&mut self) {
        self.gnu.mismatch = false;
        self.gnu.original = None;
        self.gnu.as_empty = false;
        self.gnu.reversed = false;
        self.gnu.renamed_from = None;
        self.gnu.header_old = None;
    }

    /// GNU's check of a deletion whose file is missing or already empty, or a creation whose
    /// file exists with something in it: its words (`The next patch would delete the file F,
    /// which does not exist!`) and the already-applied policy's answer.
    pub(super) fn gnu_odd_ends(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: Option<&Path>,
        out: &mut dyn Write,
    ) -> Result<OddEnds, Error> {
        if !self.opts.gnu || self.opts.applied == Applied::NoOp {
            return Ok(OddEnds::No);
        }
        // (A patch of an empty file, `@@ -0,0 ...`, creating a missing one is
        // `Planner::absent_as_empty`'s, one rule with applypatch's.)
        let what = match (fp.op, src, dst) {
            (treepatch::Operation::Delete, Some(s), _) => match self.shape_and_size(s, fp.line)? {
                (Shape::Absent, _) => {
                    format!("delete the file {},\nwhich does not exist!", display(s))
                }
                (Shape::File(_), 0) => format!(
                    "empty out the file {},\nwhich is already empty!",
                    display(s)
                ),
                _ => return Ok(OddEnds::No),
            },
            (treepatch::Operation::Create, _, Some(d)) => match self.shape_and_size(d, fp.line)? {
                (Shape::File(_), n) if n > 0 => {
                    format!("create the file {},\nwhich already exists!", display(d))
                }
                _ => return Ok(OddEnds::No),
            },
            _ => return Ok(OddEnds::No),
        };
        let (said, assume, assuming) = if self.opts.reverse {
            (
                format!("The next patch, when reversed, would {what}  "),
                "Ignore -R? [n] ",
                "Ignoring -R.\n",
            )
        } else {
            (
                format!("The next patch would {what}  "),
                "Assume -R? [n] ",
                "Assuming -R.\n",
            )
        };
        if self.opts.applied == Applied::Ignore {
            // (`-s` keeps this one quiet, not the others: checked black-box.)
            if !self.opts.quiet {
                w(out, &format!("{said}Applying it anyway.\n"))?;
            }
            return Ok(OddEnds::Anyway);
        }
        w(out, &said)?;
        let answer = match self.opts.applied {
            Applied::AssumeReversed => return w(out, assuming).map(|()| OddEnds::Reverse),
            Applied::Ask if self.opts.quiet => format!("{assume}\nApply anyway? [n] \n"),
            Applied::Ask => format!("{assume}\nApply anyway? [n] \nSkipping patch.\n"),
            _ => "Skipping patch.\n".to_string(),
        };
        w(out, &answer)?;
        let n = fp.hunks.len();
        if n > 0 {
            self.gnu_ignored(fp, out)?;
            out_of(out, n, n, "ignored", "")?;
        }
        Ok(OddEnds::Skipped)
    }

    /// What is at `p`, and the size of a regular file there (0 for anything else).
    fn shape_and_size(&mut self, p: &Path, line: usize) -> Result<(Shape, usize), Error> {
        let shape = self.tree.shape(p).map_err(|e| Self::tree_err(e, line))?;
        let size = match shape {
            Shape::File(_) => self
                .tree
                .read(p)
                .map_err(|e| Self::tree_err(e, line))?
                .len(),
            _ => 0,
        };
        Ok((shape, size))
    }

    /// The file to patch is a symlink, a directory or a special file: GNU refuses it
    /// (`File F is not a regular file -- refusing to patch`, its hunks to the reject file),
    /// except that `--follow-symlinks` reads the file a symlink points to, as long as it is
    /// inside the target (the result then replaces the symlink, as GNU writes it).
    pub(super) fn gnu_not_regular(
        &mut self,
        fp: &FilePatch,
        s: &Path,
        shape: Shape,
        out: &mut dyn Write,
    ) -> Result<Option<super::PreImage>, Error> {
        if shape == Shape::Link
            && self.opts.follow_symlinks
            && let Some(t) = self.resolve_link(s, fp.line)?
        {
            let data = self.tree.read(&t).map_err(|e| Self::tree_err(e, fp.line))?;
            let mode = match self
                .tree
                .shape(&t)
                .map_err(|e| Self::tree_err(e, fp.line))?
            {
                Shape::File(m) => m,
                _ => 0o644,
            };
            return Ok(Some((data, Some(mode))));
        }
        if self.opts.verbose {
            // (`announce` left it out with the `patching file` line.)
            self.gnu_echo(fp, out)?;
        }
        w(
            out,
            &format!(
                "File {} is not a regular file -- refusing to patch\n",
                display(s)
            ),
        )?;
        let n = fp.hunks.len();
        let all: Vec<(&treepatch::Hunk, i64)> = fp.hunks.iter().map(|h| (h, 0)).collect();
        let rej = self.reject_for(fp, Some(s), &all);
        let tail = self.reject_tail(rej, out)?;
        self.gnu_ignored(fp, out)?;
        out_of(out, n, n, "ignored", &tail)?;
        Ok(None)
    }

    /// The regular file the symlink `link` leads to, followed link by link (at most 40),
    /// if it stays inside the target.
    fn resolve_link(&self, link: &Path, line: usize) -> Result<Option<PathBuf>, Error> {
        use std::os::unix::ffi::OsStrExt;
        let mut at = link.to_path_buf();
        for _ in 0..40 {
            match self.tree.shape(&at).map_err(|e| Self::tree_err(e, line))? {
                Shape::File(_) => return Ok(Some(at)),
                Shape::Link => {}
                _ => return Ok(None),
            }
            let target = self
                .tree
                .read_link(&at)
                .map_err(|e| Self::tree_err(e, line))?;
            if target.first() == Some(&b'/') {
                return Ok(None);
            }
            let mut next = at.parent().map(Path::to_path_buf).unwrap_or_default();
            for c in target.split(|&b| b == b'/') {
                match c {
                    b"" | b"." => {}
                    b".." => {
                        if !next.pop() {
                            return Ok(None);
                        }
                    }
                    c => next.push(std::ffi::OsStr::from_bytes(c)),
                }
            }
            at = next;
        }
        Ok(None)
    }

    /// `--read-only` (GNU's default `warn`) for the file `s` about to be patched: `Ok(false)`
    /// when the file patch is refused (`fail`; its hunks go to the reject file). A file is
    /// read-only when it has no write bit and the user is not root (root may write anything,
    /// and GNU says nothing then either).
    pub(super) fn gnu_read_only(
        &mut self,
        fp: &FilePatch,
        s: &Path,
        out: &mut dyn Write,
    ) -> Result<bool, Error> {
        let read_only = match self.tree.shape(s) {
            Ok(Shape::File(mode)) => mode & 0o222 == 0 && !rustix::process::geteuid().is_root(),
            _ => false,
        };
        if !self.opts.gnu || !read_only || fp.op != treepatch::Operation::Modify {
            return Ok(true);
        }
        match self.opts.read_only {
            crate::ReadOnly::Ignore => Ok(true),
            crate::ReadOnly::Warn => {
                let msg = format!("File {} is read-only; trying to patch anyway\n", display(s));
                w(out, &msg).map(|()| true)
            }
            crate::ReadOnly::Fail => {
                w(
                    out,
                    &format!("File {} is read-only; refusing to patch\n", display(s)),
                )?;
                let n = fp.hunks.len();
                let all: Vec<(&treepatch::Hunk, i64)> = fp.hunks.iter().map(|h| (h, 0)).collect();
                let rej = self.reject_for(fp, Some(s), &all);
                let tail = self.reject_tail(rej, out)?;
                self.gnu_ignored(fp, out)?;
                out_of(out, n, n, "ignored", &tail)?;
                Ok(false)
            }
        }
    }

    /// Whether GNU lets a creation write over what is at `d`: an empty file.
    pub(super) fn gnu_may_create_over(&mut self, d: &Path, line: usize) -> Result<bool, Error> {
        Ok(self.opts.gnu && matches!(self.shape_and_size(d, line)?, (Shape::File(_), 0)))
    }

    /// Ends a file patch: the next echo starts after it.
    pub(super) fn gnu_end(&mut self, fp: &FilePatch) {
        self.gnu.echo_from = self.gnu.format.end_of(fp);
        self.gnu.marks += fp
            .hunks
            .iter()
            .flat_map(|h| &h.lines)
            .filter(|l| l.no_newline)
            .count();
    }

    /// GNU's report of a file patch whose file is not there: the text leading up to its
    /// first hunk, then no file (no terminal to ask for one), then its hunks ignored.
    pub(super) fn gnu_missing(&mut self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        let first = self
            .gnu
            .format
            .first_line(fp)
            .saturating_sub(self.gnu.marks);
        if !self.opts.quiet {
            w(
                out,
                &format!("can't find file to patch at input line {first}\n"),
            )?;
            let hint = if self.opts.strip.is_some() {
                "Perhaps you used the wrong -p or --strip option?\n"
            } else {
                "Perhaps you should have used the -p or --strip option?\n"
            };
            if self.gnu.format.hints_at_strip() {
                w(out, hint)?;
            }
        }
        self.gnu_echo(fp, out)?;
        match self.opts.applied {
            Applied::Ask => {
                w(out, "File to patch: \nSkip this patch? [y] \n")?;
                if !self.opts.quiet {
                    w(out, "Skipping patch.\n")?;
                }
            }
            _ => w(out, "No file to patch.  Skipping patch.\n")?,
        }
        let n = fp.hunks.len();
        if n > 0 {
            self.gnu_ignored(fp, out)?;
            out_of(out, n, n, "ignored", "")?;
        }
        Ok(())
    }

    /// `--verbose`: `Hunk #N ignored at L.` for every hunk of a file patch skipped whole.
    pub(super) fn gnu_ignored(&self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        if !self.opts.verbose {
            return Ok(());
        }
        for (i, h) in fp.hunks.iter().enumerate() {
            // (An insertion after line N is at N + 1.)
            let at = h.old_start + u64::from(h.old_len == 0);
            w(out, &format!("Hunk #{} ignored at {at}.\n", i + 1))?;
        }
        Ok(())
    }

    /// Before each file patch: GNU's note on a patch with CRLF lines (without `--binary`:
    /// the CRs are stripped, as applypatch strips them too where the file has none), and,
    /// with `--verbose`, what GNU makes of it.
    pub(super) fn gnu_file_start(
        &mut self,
        fp: &FilePatch,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        if !self.opts.gnu {
            return Ok(());
        }
        if !self.opts.binary
            && !self.opts.quiet
            && let Some((old, new)) = self.header_tails(fp)
            && (old.ends_with(b"\r") || new.ends_with(b"\r"))
        {
            w(
                out,
                "(Stripping trailing CRs from patch; use --binary to disable.)\n",
            )?;
        }
        self.gnu_read_format(fp);
        if !self.opts.verbose {
            return Ok(());
        }
        let next = if self.gnu.seen_one {
            "The next patch looks"
        } else {
            "Looks"
        };
        self.gnu.seen_one = true;
        w(
            out,
            &format!("Hmm...  {next} like {} to me...\n", self.gnu.format.words()),
        )
    }

    /// The text leading up to the first hunk of `fp`, each line after a `|`.
    pub(super) fn gnu_echo(&mut self, fp: &FilePatch, out: &mut dyn Write) -> Result<(), Error> {
        let first = self.gnu.format.first_line(fp);
        let from = self.gnu.echo_from.max(1);
        let lines = match &mut self.gnu.text {
            Some(t) => t.lines(from, first).map_err(Error::Input)?,
            None => Vec::new(),
        };
        if !lines.is_empty() {
            w(
                out,
                "The text leading up to this was:\n--------------------------\n",
            )?;
            for l in &lines {
                out.write_all(b"|").map_err(Error::Output)?;
                out.write_all(l).map_err(Error::Output)?;
                out.write_all(b"\n").map_err(Error::Output)?;
            }
            w(out, "--------------------------\n")?;
        }
        Ok(())
    }

    /// GNU's words for a patch that looks reversed (or, under `-R`, unreversed), by the
    /// already-applied policy.
    pub(super) fn gnu_reversed_words(&self) -> String {
        let (what, assume, assuming) = if self.opts.reverse {
            (
                "Unreversed patch detected!",
                "Ignore -R? [n] ",
                "Ignoring -R.",
            )
        } else {
            (
                "Reversed (or previously applied) patch detected!",
                "Assume -R? [n] ",
                "Assuming -R.",
            )
        };
        match self.opts.applied {
            Applied::Ask if self.opts.quiet => format!("{what}  {assume}\nApply anyway? [n] \n"),
            Applied::Ask => format!("{what}  {assume}\nApply anyway? [n] \nSkipping patch.\n"),
            Applied::AssumeReversed => format!("{what}  {assuming}\n"),
            _ => format!("{what}  Skipping patch.\n"),
        }
    }

    /// Remembers `src` as it was, when backups may be made of it.
    pub(super) fn gnu_original(&mut self, src: Option<&Path>, pre: &[u8], perm: Option<u32>) {
        let Some(s) = src else { return };
        if self.opts.backup.when == crate::gnu::BackupWhen::Never || self.gnu.backed_up.contains(s)
        {
            return;
        }
        // A symlink followed by `--follow-symlinks` is backed up as the symlink it is.
        let node = match self.tree.read_link(s) {
            Ok(target) if matches!(self.tree.shape(s), Ok(Shape::Link)) => Node::Link { target },
            _ => Node::File {
                data: pre.to_vec(),
                mode: perm.unwrap_or(0o644),
            },
        };
        self.gnu.original = Some((s.to_path_buf(), node));
    }

    /// With a rename, GNU backs up its destination too when it backs up (measured): as it was
    /// before the patch (read here, before the plan changes it), or as an empty file.
    pub(super) fn gnu_destination(
        &mut self,
        renamed: Option<&Path>,
        line: usize,
    ) -> Result<Option<(PathBuf, Node)>, Error> {
        let never = self.opts.backup.when == crate::gnu::BackupWhen::Never;
        let Some(d) = renamed.filter(|_| self.opts.gnu && !never) else {
            return Ok(None);
        };
        let node = match self.tree.shape(d) {
            Ok(Shape::File(mode)) => Node::File {
                data: self.tree.read(d).map_err(|e| Self::tree_err(e, line))?,
                mode,
            },
            _ => Node::File {
                data: Vec::new(),
                mode: 0o644,
            },
        };
        Ok(Some((d.to_path_buf(), node)))
    }

    /// Plans the backup of a rename's destination ([`Planner::gnu_destination`]).
    pub(super) fn gnu_backup_destination(
        &mut self,
        destination: Option<(PathBuf, Node)>,
        line: usize,
    ) -> Result<(), Error> {
        if destination.is_some() {
            self.gnu.original = destination;
            self.gnu_backup(None, line)?;
        }
        Ok(())
    }

    /// Plans the backup of the file just patched, when one is wanted and not made yet. A
    /// file the patch creates is backed up as an empty file (`-b`), as GNU does.
    pub(super) fn gnu_backup(&mut self, created: Option<&Path>, line: usize) -> Result<(), Error> {
        // (GNU makes no backup when the result goes to `-o`.)
        let wanted = self.opts.backup.wanted(self.gnu.mismatch) && self.opts.output.is_none();
        if self.opts.dry_run || !wanted {
            return Ok(());
        }
        let (path, node) = match (self.gnu.original.take(), created) {
            (Some(o), _) => o,
            (None, Some(c)) => (
                c.to_path_buf(),
                Node::File {
                    data: Vec::new(),
                    mode: 0o644,
                },
            ),
            (None, None) => return Ok(()),
        };
        if !self.gnu.backed_up.insert(path.clone()) {
            return Ok(());
        }
        let dir = path.parent().unwrap_or(Path::new(""));
        // (A directory this run creates has no names on disk yet.)
        let siblings = match self.tree.shape(dir) {
            Ok(Shape::Dir) => self.tree.names_in(dir).unwrap_or_default(),
            _ => Vec::new(),
        };
        let name = self.opts.backup.name(&path, &siblings);
        self.tree
            .set(&name, node)
            .map_err(|e| Self::tree_err(e, line))
    }

    /// Plans `p` to become `node`, or, with `-o`, appends a file's new content to the output
    /// instead (GNU writes every patched file there, one after the other, and leaves the
    /// originals alone).
    pub(super) fn place(&mut self, p: &Path, node: Node, line: usize) -> Result<(), Error> {
        if self.opts.output.is_some() {
            if let Node::File { data, .. } = node {
                self.gnu.output.extend_from_slice(&data);
            }
            return Ok(());
        }
        self.tree.set(p, node).map_err(|e| Self::tree_err(e, line))
    }

    /// The output of `-o` (taken out of the planner).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.gnu.output)
    }

    /// Plans the `-o FILE` output as a file of the target when its name is one (relative,
    /// without `..`): `Ok(false)` when it is not, and must be written by its name.
    pub fn plan_output(&mut self, name: &Path, data: Vec<u8>) -> Result<bool, Error> {
        use std::os::unix::ffi::OsStrExt;
        let Ok(p) = crate::paths::validate(name.as_os_str().as_bytes()) else {
            return Ok(false);
        };
        // A new output file gets 0600, as GNU makes it; an existing one keeps its mode.
        let mode = match self.tree.shape(&p).map_err(|e| Self::tree_err(e, 0))? {
            Shape::File(m) => m,
            _ => 0o600,
        };
        self.tree
            .set(&p, Node::File { data, mode })
            .map_err(|e| Self::tree_err(e, 0))?;
        Ok(true)
    }

    /// Whether a name GNU would not use (fewer components than `-p` strips, absolute, with a
    /// `..` component) stands for no name, as GNU takes it (the other header's name is used,
    /// or no file is found, exit 1), rather than a refusal of the whole patch (exit 2). Such
    /// a name is never opened either way.
    pub(super) fn gnu_unfound(&self, e: crate::paths::PathError) -> bool {
        use crate::paths::PathError;
        self.opts.gnu
            && matches!(
                e,
                PathError::TooShort | PathError::Absolute | PathError::DotDot
            )
    }

    /// `-Z`/`-T` for a file patch just planned (from `src` to `dst`): its new time from the
    /// `+++` line, if the file's time is the `---` line's (or `-f`); GNU's words if not.
    pub(super) fn gnu_times(
        &mut self,
        fp: &FilePatch,
        src: Option<&Path>,
        dst: &Path,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        let Some(how) = self.opts.set_time else {
            return Ok(());
        };
        if self.opts.output.is_some() || self.opts.dry_run {
            return Ok(());
        }
        let Some((old, new)) = self.header_tails(fp) else {
            return Ok(());
        };
        let Some(new_time) = how.parse(&new) else {
            return Ok(());
        };
        if let Some(s) = src.filter(|_| self.opts.applied != Applied::Ignore) {
            if self.gnu.disk.is_none() {
                self.gnu.disk = Some(fstree::Root::open(&self.opts.dir)?);
            }
            let disk = self.gnu.disk.as_ref().expect("opened above");
            let now = disk.lstat(s)?.map(|e| e.mtime);
            if now.is_none() || how.parse(&old) != now {
                let name = display(dst);
                return w(
                    out,
                    &format!("Not setting time of file {name} (time mismatch)\n"),
                );
            }
        }
        self.gnu.times.push((dst.to_path_buf(), new_time));
        Ok(())
    }

    /// What follows the names on the `---` and `+++` lines of `fp` (their timestamps), the
    /// lines swapped when the file patch was inverted (its lines were not).
    fn header_tails(&mut self, fp: &FilePatch) -> Option<(Vec<u8>, Vec<u8>)> {
        let first = fp.hunks.first()?.line;
        let lines = self.gnu.text.as_mut()?.lines(fp.line, first).ok()?;
        let find = |tag: &[u8]| lines.iter().rev().find(|l| l.starts_with(tag)).cloned();
        // A unified diff's `---`/`+++` lines, else a context diff's `***`/`---` lines.
        let (old, new) = match find(b"+++ ") {
            Some(new) => (find(b"--- ")?, new),
            None => (find(b"*** ")?, find(b"--- ")?),
        };
        let (old, new) = (
            after_name(&old[4..]).to_vec(),
            after_name(&new[4..]).to_vec(),
        );
        // Inverted once by `-R` or by `-t`'s answer; twice is not at all.
        Some(if self.opts.reverse != self.gnu.reversed {
            (new, old)
        } else {
            (old, new)
        })
    }

    /// The `---`/`+++` lines heading a reject file under the name `patch`: the names of the
    /// file patch as stripped, each followed by what followed it in the patch (its
    /// timestamp).
    pub(super) fn gnu_reject_header(
        &mut self,
        fp: &FilePatch,
        style: crate::gnu::RejectFormat,
    ) -> Option<Vec<u8>> {
        if self.gnu.format == Format::Normal {
            return Some(self.gnu_normal_reject_header(fp, style));
        }
        let (old, new) = self.header_tails(fp)?;
        // A name that `-p` strips away is `/dev/null` too; GNU writes `/dev/null` without its
        // timestamp.
        let name = |n: &Option<Vec<u8>>, tail: Vec<u8>| -> (Vec<u8>, Vec<u8>) {
            let stripped = n
                .as_deref()
                .and_then(|n| crate::paths::strip(n, self.strip_for(fp.git)).ok());
            match stripped {
                Some(s) => (s.to_vec(), tail),
                None => (b"/dev/null".to_vec(), Vec::new()),
            }
        };
        let old_path = self.gnu.header_old.as_ref().unwrap_or(&fp.old_path);
        let (old_name, old) = name(old_path, old);
        let (new_name, new) = name(&fp.new_path, new);
        let head = crate::reject::header(style, (&old_name, &old), (&new_name, &new));
        Some(head)
    }
}

impl Planner<'_> {
    /// The header of a normal diff's reject file, as GNU patch writes it: the `Index:` line
    /// that named the file patch, if one did, then `/dev/null` for both names.
    fn gnu_normal_reject_header(
        &mut self,
        fp: &FilePatch,
        style: crate::gnu::RejectFormat,
    ) -> Vec<u8> {
        let from = self.gnu.echo_from.max(1);
        let index = self
            .gnu
            .text
            .as_mut()
            .and_then(|t| t.lines(from, fp.line).ok())
            .and_then(|lines| lines.into_iter().rev().find(|l| l.starts_with(b"Index:")));
        let mut head = index.map_or_else(Vec::new, |l| [&l[..], b"\n"].concat());
        let null = (&b"/dev/null"[..], &b""[..]);
        head.extend(crate::reject::header(style, null, null));
        head
    }
}

/// What follows the name on a `---`/`+++` line: from the tab on (the timestamp), or nothing.
fn after_name(rest: &[u8]) -> &[u8] {
    if rest.first() == Some(&b'"') {
        let mut i = 1;
        while i < rest.len() {
            match rest[i] {
                b'\\' => i += 2,
                b'"' => return &rest[(i + 1).min(rest.len())..],
                _ => i += 1,
            }
        }
        return b"";
    }
    match rest.iter().position(|&b| b == b'\t') {
        Some(i) => &rest[i..],
        None => b"",
    }
}

/// Sets the times `-Z`/`-T` planned, once the plan is written.
pub(super) fn set_times(dir: &Path, times: &[(PathBuf, fstree::Timestamp)]) -> Result<(), Error> {
    if times.is_empty() {
        return Ok(());
    }
    let root = fstree::Root::open(dir)?;
    for (p, t) in times {
        root.set_times(p, Some(*t), Some(*t))?;
    }
    Ok(())
}
