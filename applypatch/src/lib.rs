//! `applypatch`: apply a GNU unified or git extended patch to a directory tree, all or nothing,
//! never outside the target directory.
//!
//! The patch is parsed by `treepatch`; every file patch is then checked against an in-memory
//! overlay of the target (`tree`): names are stripped and checked (`paths`), hunks are
//! located like GNU patch with offsets and fuzz (`locate`, `text`), binary patches are
//! verified against their full `index` hashes. The patch is read one item at a time, in two
//! passes ([`run`]), and each new content is staged in a hidden temporary file as soon as it is
//! checked (`tree`), so memory stays bounded by the largest file, not by the patch. Only when
//! every file passed (or with `--reject`, which writes `.rej` files like GNU patch,
//! `reject`) does anything visible change: the temporaries are renamed into place; otherwise
//! they are removed. Messages follow GNU patch's
//! wording on the `out` writer; warnings and failures go to `err`. Nothing here prints to the
//! terminal or exits.

pub mod cli;
pub mod gnu;
pub(crate) mod locate;
pub(crate) mod paths;
pub(crate) mod reject;
pub(crate) mod text;
pub(crate) mod transcript;
pub(crate) mod tree;

mod plan;

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

pub use gnu::ReadOnly;
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
    /// GNU patch without `-N`, `-t` or `-f`: it asks (`Assume -R? [n]`, `Apply anyway? [n]`);
    /// with no terminal to answer, both answers are no, so the file is skipped.
    Ask,
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
    /// `-F N`: maximum fuzz (default 2).
    pub fuzz: usize,
    /// `-s`: no `patching file` / hunk messages.
    pub quiet: bool,
    /// `-E`: remove files left empty.
    pub remove_empty: bool,
    /// `--reject` or all-or-nothing.
    pub on_failure: OnFailure,
    /// Already-applied handling (`-N`, `-t`, `-f`, `--idempotent`).
    pub applied: Applied,
    /// GNU patch's personality (the name `patch`, or `--gnu`): items in patch order, GNU's
    /// words where they differ from applypatch's (see [`gnu`]).
    pub gnu: bool,
    /// `--posix`.
    pub posix: bool,
    /// `--verbose`.
    pub verbose: bool,
    /// GNU patch's ORIGFILE operand: every file patch applies to this file (relative to
    /// `dir`, not stripped), whatever its headers say; the way to name the file of a normal
    /// diff or an ed script that has no `Index:` line.
    pub origfile: Option<PathBuf>,
    /// `-o FILE`: the patched files are written there, one after the other (`-`: stdout).
    pub output: Option<PathBuf>,
    /// `-r`: where rejects go.
    pub reject_to: gnu::RejectTo,
    /// `--reject-format`.
    pub reject_format: Option<gnu::RejectFormat>,
    /// Backups (`-b`, `-V`, `-B`, `-Y`, `-z`, backup-if-mismatch).
    pub backup: gnu::Backup,
    /// `--quoting-style`.
    pub quoting: gnu::Quoting,
    /// `--read-only`.
    pub read_only: ReadOnly,
    /// `-Z`/`-T`: set patched files' times from the patch.
    pub set_time: Option<gnu::SetTime>,
    /// `--follow-symlinks`: patch the file a symlink leads to, inside the target.
    pub follow_symlinks: bool,
    /// `-l`: blanks match loosely.
    pub ignore_whitespace: bool,
    /// `--binary`: CRs in the patch are content (GNU's note about stripping them is not said).
    pub binary: bool,
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
            gnu: false,
            posix: false,
            verbose: false,
            origfile: None,
            output: None,
            reject_to: gnu::RejectTo::Beside,
            reject_format: None,
            backup: gnu::Backup::default(),
            quoting: gnu::Quoting::Shell,
            read_only: ReadOnly::Warn,
            set_time: None,
            follow_symlinks: false,
            ignore_whitespace: false,
            binary: false,
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

impl toolkit::ExitStatus for Status {
    fn exit_status(&self) -> u8 {
        match self {
            Status::Applied => 0,
            Status::Failed => 1,
        }
    }
}

/// Trouble: the patch cannot be read or the tree cannot be read or written (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input holds text but not one patch (GNU patch: "Only garbage was found").
    #[error("only garbage was found in the patch input")]
    OnlyGarbage,
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
    /// An ed script's command does not fit the file (GNU patch: `ed FAILED`).
    #[error("patch line {line}: ed command {what}")]
    EdFailed {
        /// The command's line in the patch.
        line: usize,
        /// What is wrong with it.
        what: String,
    },
    /// The patch file (`-i FILE`) cannot be opened.
    #[error("cannot open {}", paths::display(.0))]
    Open(PathBuf, #[source] std::io::Error),
    /// Standard input (the patch, without `-i`) cannot be taken.
    #[error("cannot read standard input")]
    Stdin(#[source] std::io::Error),
    /// Reading or rewinding the patch failed.
    #[error("cannot read the patch")]
    Input(#[source] std::io::Error),
    /// Copying a piped patch to a temporary file (to read it twice) failed.
    #[error("cannot copy the patch to a temporary file in {}", std::env::temp_dir().display())]
    Spool(#[source] std::io::Error),
    /// `-d DIR` cannot be entered.
    #[error("cannot change to directory {}", paths::display(.0))]
    Chdir(PathBuf, #[source] std::io::Error),
    /// The `-o` output cannot be created.
    #[error("cannot create {}", paths::display(.0))]
    Create(PathBuf, #[source] std::io::Error),
    /// Writing the `-o` output failed.
    #[error("cannot write {}", paths::display(.0))]
    Write(PathBuf, #[source] std::io::Error),
    /// Writing messages failed.
    #[error("cannot write messages")]
    Output(#[source] std::io::Error),
}

/// What went wrong, with its causes, as GNU patch words trouble after `patch: **** `.
pub fn describe(e: &Error) -> String {
    let strerror = |e: &std::io::Error| {
        let t = e.to_string();
        match t.rfind(" (os error ") {
            Some(i) => t[..i].to_string(),
            None => t,
        }
    };
    match e {
        Error::Open(p, io) => format!("Can't open patch file {} : {}", p.display(), strerror(io)),
        Error::Chdir(p, io) => format!(
            "Can't change to directory {} : {}",
            p.display(),
            strerror(io)
        ),
        Error::Create(p, io) => format!("Can't create file {} : {}", p.display(), strerror(io)),
        Error::OnlyGarbage => "Only garbage was found in the patch input.".into(),
        Error::EdFailed { .. } => "ed FAILED".into(),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    }
}

/// The exit code for trouble.
pub const EXIT_TROUBLE: i32 = 2;

impl toolkit::ExitStatus for Error {
    /// Trouble, always.
    fn exit_status(&self) -> u8 {
        EXIT_TROUBLE as u8
    }
}

/// The order items are planned in, as git apply does: deletions first, then renames, then
/// directory removals, then everything else, so a path can change type (git writes the new
/// file before the deletions below it, and a rename may empty a directory that a file then
/// replaces). Within each class, patch order.
fn class(item: &treepatch::Item) -> u8 {
    match item {
        treepatch::Item::File(fp) if fp.op == treepatch::Operation::Delete => 0,
        treepatch::Item::File(fp) if fp.op == treepatch::Operation::Rename => 1,
        treepatch::Item::Rmdir { .. } => 2,
        _ => 3,
    }
}

/// A streaming parser over `patch` from its current position.
fn parse<S: Read>(patch: &mut S) -> treepatch::parse::Parser<BufReader<&mut S>> {
    treepatch::parse::Parser::new(BufReader::with_capacity(1 << 16, patch))
}

/// Applies the patch read from `patch` (from its current position) to `opts.dir`, writing
/// GNU-style progress to `out` and warnings to `err`.
///
/// The patch is read twice (three times when it renames), one item at a time, so memory does
/// not grow with it: the first pass parses all of it (a malformed patch is refused before
/// anything is planned) and plans the deletions, keeping no hunk lines but theirs; then the
/// renames are planned, then directory removals, then everything else. `-R` is the
/// exception: the items are planned in reverse order, so the parsed patch is held in memory.
pub fn run<S: Read + Seek>(
    mut patch: S,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Status, Error> {
    let root = fstree::Root::open(&opts.dir)?;
    let mut planner = Planner::new(root, opts);
    if opts.on_failure != OnFailure::Abort || opts.dry_run {
        plan_items(&mut patch, opts, &mut planner, out, err)?;
        return planner.finish(out, err);
    }
    // All or nothing: what is said of each file waits until it is known whether anything will
    // be written, so that no file is said to be patched when nothing was.
    let mut said = transcript::Transcript::default();
    let planned = plan_items(&mut patch, opts, &mut planner, &mut said, err);
    let writes = planned.is_ok() && planner.will_write();
    said.tell(out, writes).map_err(Error::Output)?;
    planned?;
    planner.finish(out, err)
}

/// Applies the patch `patch` (from its current position) as GNU patch does (the name `patch`,
/// `--gnu`): one item after the other in patch order, each inverted for `-R`, the hunks that
/// fit applied and the rest sent to reject files. The patch is read once by the parser, and
/// again by line number where GNU shows its text (the `gnu::echo` module). With `-o -` the
/// patched files go to `out` and every message to `err`.
pub fn run_gnu(
    patch: File,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Status, Error> {
    if opts.output.as_deref() != Some(Path::new("-")) {
        if let Some(name) = &opts.output {
            // GNU creates the output first: a missing directory is trouble before anything.
            let parent = opts.dir.join(name);
            let parent = parent.parent().unwrap_or(Path::new("."));
            if let Err(e) = std::fs::metadata(parent) {
                return Err(Error::Create(name.clone(), e));
            }
        }
        return gnu_plan(patch, opts, out, err, None);
    }
    let mut warnings = Vec::new();
    let status = gnu_plan(patch, opts, err, &mut warnings, Some(out));
    err.write_all(&warnings).map_err(Error::Output)?;
    status
}

/// [`run_gnu`] with its writers chosen: `data` for `-o -`.
fn gnu_plan(
    mut patch: File,
    opts: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
    data: Option<&mut dyn Write>,
) -> Result<Status, Error> {
    let _quoting = paths::QuotingScope::new(opts.quoting);
    let root = fstree::Root::open(&opts.dir)?;
    let start = patch.stream_position().map_err(Error::Input)?;
    let text = gnu::echo::PatchText::new(patch.try_clone().map_err(Error::Input)?, start);
    let mut planner = Planner::new(root, opts);
    planner.show_text(text);
    note_renames(&mut patch, start, opts, &mut planner)?;
    let mut any = false;
    for item in parse(&mut patch) {
        let item = item?;
        if nameless_script(&item, opts) {
            continue;
        }
        any = true;
        let item = if opts.reverse {
            plan::invert(item)
        } else {
            item
        };
        planner.item(&item, out, err)?;
    }
    // GNU patch: anything but an empty input without a patch in it is garbage (blank lines
    // too, which applypatch lets pass).
    let len = patch.metadata().map_err(Error::Input)?.len();
    if !any && len > start {
        if opts.verbose {
            let hmm = b"Hmm...  I can't seem to find a patch in there anywhere.\n";
            out.write_all(hmm).map_err(Error::Output)?;
        }
        return Err(Error::OnlyGarbage);
    }
    let output = planner.take_output();
    match (data, &opts.output) {
        (Some(data), _) => data.write_all(&output).map_err(Error::Output)?,
        // A name outside the target (given on the command line, never by the patch).
        // `--dry-run -o FILE`: GNU writes FILE all the same (measured), by its name.
        (None, Some(name)) if opts.dry_run || !planner.plan_output(name, output.clone())? => {
            let status = planner.finish(out, err)?;
            write_output(&opts.dir.join(name), &output)
                .map_err(|e| Error::Write(name.clone(), e))?;
            return Ok(status);
        }
        _ => {}
    }
    planner.finish(out, err)
}

/// Writes `-o FILE` by the name given on the command line (never one from the patch): a new
/// file gets 0600, as GNU patch creates it; an existing one keeps its mode.
fn write_output(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

/// Whether GNU patch takes `item` for garbage: a normal diff or an ed script with no name
/// (no `Index:` line) and no ORIGFILE operand (checked black-box: skipped in silence; a patch
/// of nothing else is "Only garbage").
fn nameless_script(item: &treepatch::Item, opts: &Options) -> bool {
    matches!(item, treepatch::Item::File(fp)
        if (fp.ed.is_some() || !fp.hunks.is_empty())
            && fp.old_path.is_none()
            && fp.new_path.is_none()
            && opts.origfile.is_none())
}

/// Lets `planner` know the patch's renames before it plans the first item (a swap of two
/// names: GNU patch applies `g` -> `f` then `f` -> `g`), reading the patch once without its
/// hunk lines and going back to `start`. A malformed item ends the look-ahead: the planning
/// pass reports it where it stands.
fn note_renames(
    patch: &mut File,
    start: u64,
    opts: &Options,
    planner: &mut Planner<'_>,
) -> Result<(), Error> {
    for item in parse(&mut *patch).skim_hunks() {
        let Ok(item) = item else { break };
        planner.note(&if opts.reverse {
            plan::invert(item)
        } else {
            item
        });
    }
    patch.seek(SeekFrom::Start(start)).map_err(Error::Input)?;
    Ok(())
}

/// Plans every item of the patch, in git apply's order (deletions, directory removals, the
/// rest; reversed for `-R`).
fn plan_items<S: Read + Seek>(
    patch: &mut S,
    opts: &Options,
    planner: &mut Planner<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Error> {
    if opts.reverse {
        let start = patch.stream_position().map_err(Error::Input)?;
        let mut items = Vec::new();
        for item in parse(&mut *patch) {
            let item = plan::invert(item?);
            planner.note(&item);
            items.push(item);
        }
        if items.is_empty() {
            refuse_garbage(patch, start)?;
        }
        items.reverse();
        items.sort_by_key(class);
        for item in &items {
            planner.item(item, out, err)?;
        }
        return Ok(());
    }
    let start = patch.stream_position().map_err(Error::Input)?;
    let mut rmdirs = Vec::new();
    let (mut any, mut renames) = (false, false);
    // Deletions and renames go first, except of a file an earlier item changes (patched, then
    // deleted or renamed): that one waits for its turn in the last pass. Names are compared
    // by hash, so memory stays a few bytes per file patch.
    let mut changed = std::collections::HashSet::new();
    let mut deferred = std::collections::HashSet::new();
    for (i, item) in parse(&mut *patch).skim_hunks().enumerate() {
        let item = item?;
        any = true;
        planner.note(&item);
        match class(&item) {
            0 | 1 if names_hash(&item).is_some_and(|h| changed.contains(&h.0)) => {
                deferred.insert(i);
            }
            0 => planner.item(&item, out, err)?,
            1 => renames = true,
            2 => rmdirs.push(item),
            // Creations are left out: a patch of a million new files keeps no set at all.
            _ if is_creation(&item) => {}
            _ => changed.extend(names_hash(&item).into_iter().flat_map(|(a, b)| [a, b])),
        }
    }
    if !any {
        refuse_garbage(patch, start)?;
    }
    // Renames (read once more, only when there are any), then directory removals.
    if renames {
        let pick = |i: usize, item: &treepatch::Item| class(item) == 1 && !deferred.contains(&i);
        sweep(patch, start, true, planner, (out, err), pick)?;
    }
    for item in &rmdirs {
        planner.item(item, out, err)?;
    }
    drop(rmdirs);
    let pick = |i: usize, item: &treepatch::Item| class(item) == 3 || deferred.contains(&i);
    sweep(patch, start, false, planner, (out, err), pick)
}

/// Reads the patch once more from `start` (keeping hunk lines only where [`Parser::skim_hunks`]
/// does, when `skim`) and plans, in patch order, the items `pick` chooses by their index.
///
/// [`Parser::skim_hunks`]: treepatch::parse::Parser::skim_hunks
fn sweep<S: Read + Seek>(
    patch: &mut S,
    start: u64,
    skim: bool,
    planner: &mut Planner<'_>,
    (out, err): (&mut dyn Write, &mut dyn Write),
    pick: impl Fn(usize, &treepatch::Item) -> bool,
) -> Result<(), Error> {
    patch.seek(SeekFrom::Start(start)).map_err(Error::Input)?;
    let items = parse(&mut *patch);
    let items = if skim { items.skim_hunks() } else { items };
    for (i, item) in items.enumerate() {
        let item = item?;
        if pick(i, &item) {
            planner.item(&item, out, err)?;
        }
    }
    Ok(())
}

/// Whether `item` creates a file.
fn is_creation(item: &treepatch::Item) -> bool {
    matches!(item, treepatch::Item::File(fp) if fp.op == treepatch::Operation::Create)
}

/// Hashes of a file patch's old and new names (the old one twice when there is no new one).
fn names_hash(item: &treepatch::Item) -> Option<(u64, u64)> {
    use std::hash::{BuildHasher, RandomState};
    static STATE: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    let treepatch::Item::File(fp) = item else {
        return None;
    };
    let state = STATE.get_or_init(RandomState::new);
    let old = fp.old_path.as_ref().or(fp.new_path.as_ref())?;
    let new = fp.new_path.as_ref().unwrap_or(old);
    Some((state.hash_one(old), state.hash_one(new)))
}

/// An input without a single patch in it is fine when it is empty or blank (an empty patch
/// applies as nothing, which `checkpoint-build` relies on for an unchanged tree) and an error
/// otherwise, as GNU patch says "Only garbage was found in the patch input".
fn refuse_garbage<S: Read + Seek>(patch: &mut S, start: u64) -> Result<(), Error> {
    patch.seek(SeekFrom::Start(start)).map_err(Error::Input)?;
    let mut buf = [0u8; 1 << 14];
    loop {
        let n = patch.read(&mut buf).map_err(Error::Input)?;
        if n == 0 {
            return Ok(());
        }
        if buf[..n].iter().any(|b| !b.is_ascii_whitespace()) {
            return Err(Error::OnlyGarbage);
        }
    }
}

/// The patch to read: the file `path` (`-i`), else standard input, made readable twice
/// ([`seekable`]).
pub fn open_input(path: Option<&Path>) -> Result<File, Error> {
    let input = match path {
        Some(p) => File::open(p).map_err(|e| Error::Open(p.to_path_buf(), e))?,
        None => std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map(File::from)
            .map_err(Error::Stdin)?,
    };
    seekable(input)
}

/// The patch for a run with `opts`: as [`open_input`], except that under GNU's defaults a
/// relative name is taken in `-d DIR`, which must exist first, as GNU patch changes
/// directory before it opens the patch.
pub fn open_input_for(opts: &Options, path: Option<&Path>) -> Result<File, Error> {
    if !opts.gnu {
        return open_input(path);
    }
    std::fs::read_dir(&opts.dir).map_err(|e| Error::Chdir(opts.dir.clone(), e))?;
    let Some(p) = path else {
        return open_input(None);
    };
    let input = File::open(opts.dir.join(p)).map_err(|e| Error::Open(p.to_path_buf(), e))?;
    seekable(input)
}

/// Makes `input` readable twice: a regular file is returned as it is; anything else (a pipe,
/// a terminal) is copied into an unnamed temporary file in `$TMPDIR` (or `/tmp`), which
/// disappears when closed.
pub fn seekable(input: File) -> Result<File, Error> {
    if input.metadata().map_err(Error::Input)?.is_file() {
        return Ok(input);
    }
    let mut spool = fstree::create_anonymous(&std::env::temp_dir()).map_err(Error::Spool)?;
    std::io::copy(&mut BufReader::new(input), &mut spool).map_err(Error::Spool)?;
    spool.seek(SeekFrom::Start(0)).map_err(Error::Spool)?;
    Ok(spool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_the_exit_codes_and_errors_are_trouble() {
        use toolkit::ExitStatus;
        for s in [Status::Applied, Status::Failed] {
            assert_eq!(i32::from(s.exit_status()), s.exit_code());
        }
        assert_eq!(i32::from(Error::OnlyGarbage.exit_status()), EXIT_TROUBLE);
        let missing = open_input(Some(Path::new("/nonexistent/patch"))).unwrap_err();
        assert!(matches!(missing, Error::Open(..)), "{missing:?}");
        assert_eq!(i32::from(missing.exit_status()), EXIT_TROUBLE);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Status::Applied.exit_code(), 0);
        assert_eq!(Status::Failed.exit_code(), 1);
        assert_eq!(EXIT_TROUBLE, 2);
    }
}
