//! `treediff`: one patch that carries every difference between two trees, as a replacement for
//! `diff -urN` whose output `git apply`, GNU `patch -p1` and `applypatch` all read.
//!
//! The default output is git's extended unified diff with `a/`/`b/` prefixes: text hunks, new
//! and deleted files (empty ones too), `old mode`/`new mode`, symlinks as mode 120000, type
//! changes as a delete plus an add, binary files as `GIT binary patch` with full `index` lines,
//! and the `# treediff: mkdir`/`rmdir` extension lines for directories (see DESIGN.md).
//! `--format=gnu` writes what GNU `diff -ruN` writes instead; `-q` and `--stat` summarise.
//!
//! How a run goes: scan both sides into path-sorted node lists, comparing files present on both
//! while their directories are open (`scan`, `side`; the old side possibly from an mtree
//! manifest), merge them into an ordered action list (`plan`), optionally pair
//! deletions with additions of equal content (`rename`), then render the actions in parallel
//! (`render`, `hunk`) and write the results in plan order through a bounded reorder window
//! (`stream`), so the output is deterministic and streamed. Per-file problems are reported and remembered, never fatal;
//! the remembered state picks the exit status ([`Exit`]).
//!
//! Two files (or a file and a directory, or standard input) are compared as GNU diff compares
//! them ([`operand`] decides what the operands name, [`gnu`] compares and prints), and so is
//! everything when the program runs under the name `diff` or with `--gnu`
//! ([`cli::Invocation`]).

pub mod cli;
pub(crate) mod color;
pub mod gnu;
pub(crate) mod hunk;
pub mod operand;
pub(crate) mod plan;
pub(crate) mod rename;
pub(crate) mod render;
pub(crate) mod scan;
pub(crate) mod side;
pub(crate) mod stat;
pub(crate) mod stream;

use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use fstree::Exclude;

/// Which patch dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// git's extended unified diff (the default).
    #[default]
    Git,
    /// GNU `diff -ruN`'s output.
    Gnu,
}

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// The patch.
    #[default]
    Patch,
    /// One line per differing path (`-q`).
    Brief,
    /// A git-style diffstat (`--stat`).
    Stat,
}

/// Whether files with NUL bytes are diffed as binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextMode {
    /// Binary when a NUL is in the first 8000 bytes, as git decides.
    #[default]
    Detect,
    /// Every file is text (`-a`).
    Always,
}

/// Whether to look for renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Renames {
    /// Deletions and additions as such.
    #[default]
    Off,
    /// Pair a deleted and an added regular file with equal content as a rename (`-M`).
    Exact,
}

/// The settings of one run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The old tree.
    pub old: PathBuf,
    /// The new tree.
    pub new: PathBuf,
    /// An mtree manifest of the old tree to trust for sizes, modes, links and digests.
    pub manifest: Option<PathBuf>,
    /// Patch dialect.
    pub format: Format,
    /// Patch, brief or stat.
    pub output: Output,
    /// Lines of context (`-U`).
    pub context: usize,
    /// Binary detection.
    pub text: TextMode,
    /// Rename detection.
    pub renames: Renames,
    /// Names to leave out (`-x`, `-X`).
    pub exclude: Exclude,
    /// Color the output with ANSI escapes.
    pub color: bool,
}

/// A problem that ends the run (per-file problems do not).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A root is missing or unreadable.
    #[error(transparent)]
    Tree(fstree::Error),
    /// A root is not a directory.
    #[error("{}: not a directory", fstree::error::display_path(.0))]
    NotADirectory(PathBuf),
    /// The manifest cannot be read.
    #[error("cannot read manifest {}: {reason}", fstree::error::display_path(path))]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An exclude file cannot be read.
    #[error("cannot read exclude file {}", fstree::error::display_path(.0))]
    ExcludeFile(PathBuf, #[source] io::Error),
    /// An exclude pattern is invalid.
    #[error(transparent)]
    Pattern(#[from] fstree::exclude::PatternError),
    /// Writing the output failed (a closed pipe included).
    #[error("cannot write output")]
    Output(#[source] io::Error),
}

/// The exit status: 0 when equal, 1 when different, 2 on trouble (2 wins).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// The trees are equal.
    Same = 0,
    /// The trees differ.
    Differ = 1,
    /// Something could not be compared (or the run failed).
    Trouble = 2,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl toolkit::ExitStatus for Exit {
    fn exit_status(&self) -> u8 {
        self.code()
    }
}

impl toolkit::ExitStatus for Error {
    /// Every error that ends the run is trouble.
    fn exit_status(&self) -> u8 {
        Exit::Trouble.code()
    }
}

/// How many actions may be rendered ahead of the one being written.
const WINDOW: usize = 64;

/// Rendered bytes waiting to be written plus the expected needs of the actions being rendered
/// ([`render::Ctx::cost`]) beyond which no further action is started (the one the writer
/// waits for always is).
const WINDOW_BYTES: usize = 16 << 20;

/// GNU's name for a root in headers: the operand without trailing slashes (`a/` -> `a`).
fn label(root: &Path) -> Vec<u8> {
    let b = root.as_os_str().as_bytes();
    let trimmed = b
        .iter()
        .rposition(|&c| c != b'/')
        .map_or(&b[..b.len().min(1)], |i| &b[..=i]);
    trimmed.to_vec()
}

/// Runs what the command line asked for ([`cli::Cli::invocation`]).
pub fn run_invocation<W: Write, E: Write>(
    inv: &cli::Invocation,
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    match inv {
        cli::Invocation::Tree(cfg) => run(cfg, out, err),
        cli::Invocation::Gnu(cfg, pairs) if cfg.pager.is_some() => {
            let pager = cfg.pager.clone().unwrap_or_default();
            let mut own = gnu::paginate::Deferred::new(out, pager);
            let status = run_gnu(cfg, pairs, &mut own, err);
            own.flush().map_err(Error::Output)?;
            status
        }
        cli::Invocation::Gnu(cfg, pairs) => run_gnu(cfg, pairs, out, err),
    }
}

/// Compares each pair of operands as GNU diff does.
fn run_gnu<W: Write, E: Write>(
    cfg: &gnu::GnuConfig,
    pairs: &[(operand::Operand, operand::Operand)],
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    let (mut status, mut differ) = (Exit::Same, false);
    let mut stdin = gnu::files::Stdin::default();
    for (old, new) in pairs {
        let names_stdin = [old, new].contains(&&operand::Operand::Stdin);
        let s = if names_stdin && !stdin.was_read() && [old, new].iter().any(|o| operand::is_dir(o))
        {
            // GNU gives up at once (once read, `-` is closed: gnu::run says so).
            out.flush().map_err(Error::Output)?;
            let _ = writeln!(err, "{}: cannot compare '-' to a directory", cfg.tool);
            return Ok(Exit::Trouble);
        } else {
            gnu::run(cfg, (old, new), &mut stdin, out, err)?
        };
        differ |= s == Exit::Differ;
        status = status.max(s);
    }
    // GNU reads the palette when it first colors something.
    if differ {
        for w in &cfg.warnings {
            let _ = writeln!(err, "{}: {w}", cfg.tool);
        }
    }
    Ok(status)
}

/// Compares the trees and writes the result to `out`, messages to `err`.
pub fn run<W: Write, E: Write>(cfg: &Config, out: &mut W, err: &mut E) -> Result<Exit, Error> {
    let (old, new) = scan_sides(cfg)?;
    let mut status = Exit::Same;
    for p in old.problems.iter().chain(&new.problems) {
        let _ = writeln!(err, "treediff: {p}");
        status = Exit::Trouble;
    }
    let ctx = render::Ctx {
        cfg,
        old: &old.nodes,
        new: &new.nodes,
        old_label: label(&cfg.old),
        new_label: label(&cfg.new),
        old_root: old.root.clone(),
        new_root: new.root.clone(),
    };
    let actions = actions(&ctx);
    let mut stats = Vec::new();
    let window = stream::Window {
        threads: rayon::current_num_threads(),
        items: WINDOW,
        bytes: WINDOW_BYTES,
    };
    let size = |r: &render::Rendered| r.out.len();
    stream::ordered(
        &actions,
        window,
        |&a| ctx.render(a),
        |&a| ctx.cost(a),
        size,
        |r| {
            status = status.max(match (r.trouble, r.differs) {
                (true, _) => Exit::Trouble,
                (false, true) => Exit::Differ,
                (false, false) => Exit::Same,
            });
            if cfg.color {
                color::paint(&r.out, cfg.format, out).map_err(Error::Output)?;
            } else {
                out.write_all(&r.out).map_err(Error::Output)?;
            }
            for m in &r.messages {
                let _ = writeln!(err, "treediff: {m}");
            }
            stats.extend(r.stat);
            Ok::<(), Error>(())
        },
    )?;
    if cfg.output == Output::Stat {
        stat::write(out, &stats, cfg.color).map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)?;
    Ok(status)
}

/// Both sides scanned (the old one from `--manifest` when given, in parallel with the new).
fn scan_sides(cfg: &Config) -> Result<(side::Side, side::Side), Error> {
    match &cfg.manifest {
        Some(m) => {
            let (old, new) = rayon::join(
                || side::from_manifest(m, &cfg.exclude),
                || scan::scan(None, &cfg.new, &cfg.exclude),
            );
            let mut old = old?;
            // The manifest stands for the tree at `cfg.old`, whose changed files are read.
            old.root = fstree::Dir::open_ambient(&cfg.old, fstree::Atime::Update).ok();
            Ok((old, new?.new))
        }
        None => {
            let s = scan::scan(Some(&cfg.old), &cfg.new, &cfg.exclude)?;
            Ok((s.old.unwrap_or_default(), s.new))
        }
    }
}

/// What to write, in order: the plan, renames found, and files the scan found equal (with
/// equal modes) left out.
fn actions(ctx: &render::Ctx<'_>) -> Vec<plan::Action> {
    let cfg = ctx.cfg;
    let order = match cfg.format {
        Format::Gnu => plan::Order::Gnu,
        _ => plan::Order::Git,
    };
    let mut actions = plan::plan(ctx.old, ctx.new, order);
    if cfg.renames == Renames::Exact && cfg.format == Format::Git {
        actions = rename::detect(ctx, actions);
    }
    actions.retain(|&a| match a {
        plan::Action::Pair(o, n) => {
            let (a, b) = (&ctx.old[o], &ctx.new[n]);
            !(b.content == side::Content::Same && a.mode == b.mode)
        }
        _ => true,
    });
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_the_codes_and_errors_are_trouble() {
        use toolkit::ExitStatus;
        for e in [Exit::Same, Exit::Differ, Exit::Trouble] {
            assert_eq!(e.exit_status(), e.code());
        }
        let e = Error::NotADirectory(PathBuf::from("x"));
        assert_eq!(e.exit_status(), Exit::Trouble.code());
    }

    #[test]
    fn exit_codes() {
        assert_eq!(Exit::Same.code(), 0);
        assert_eq!(Exit::Differ.code(), 1);
        assert_eq!(Exit::Trouble.code(), 2);
        assert!(Exit::Trouble > Exit::Differ);
    }

    #[test]
    fn labels_drop_trailing_slashes() {
        assert_eq!(label(Path::new("a/")), b"a");
        assert_eq!(label(Path::new("./")), b".");
        assert_eq!(label(Path::new("x//")), b"x");
        assert_eq!(label(Path::new("/")), b"/");
    }
}
