//! The command line: flags, and the small pieces of I/O the binary needs around the library
//! (manifest output written atomically, the progress bar).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;
use fstree::error::display_path;
use fstree::manifest::{Manifest, ManifestError};

use crate::SnapError;

/// Why a run failed (exit status 1). The messages are what `snap: ` is followed by; the
/// transparent variants show the library's own.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operand the mode needs is missing (`SRC` or `DEST`).
    #[error("missing {0} (see --help)")]
    Missing(&'static str),
    /// The manifest to verify against cannot be opened.
    #[error("cannot open {}", display_path(.0))]
    OpenManifest(PathBuf, #[source] io::Error),
    /// The manifest to verify against cannot be parsed.
    #[error("manifest {}", display_path(.0))]
    ReadManifest(PathBuf, #[source] ManifestError),
    /// `--manifest FILE` would land inside the snapshot.
    #[error("--manifest {} is inside DEST", .0.display())]
    ManifestInsideDest(PathBuf),
    /// `--manifest` names a path without a file name (`/`, `..`).
    #[error("manifest path has no file name")]
    ManifestHasNoName,
    /// A mode that writes a manifest got no writer for it.
    #[error("no manifest output")]
    NoManifestOutput,
    /// The manifest could not be flushed to stdout.
    #[error("cannot write manifest to stdout")]
    ManifestToStdout(#[source] io::Error),
    /// The manifest file could not be examined.
    #[error("cannot stat {}", display_path(.0))]
    StatManifest(PathBuf, #[source] io::Error),
    /// The manifest file could not be written.
    #[error("cannot write {}", display_path(.0))]
    WriteManifest(PathBuf, #[source] io::Error),
    /// An `--exclude` pattern is invalid.
    #[error(transparent)]
    Pattern(#[from] fstree::exclude::PatternError),
    /// Copying or walking the tree failed.
    #[error(transparent)]
    Snap(#[from] SnapError),
    /// The tree or the manifest's directory failed.
    #[error(transparent)]
    Tree(#[from] fstree::Error),
    /// Writing `--verify` lines or warnings failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl toolkit::ExitStatus for Error {
    /// Trouble; the outcomes (special files skipped 1, differences 2) are not errors.
    fn exit_status(&self) -> u8 {
        1
    }

    fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Copy a tree into a new snapshot, faithfully, with a BSD mtree manifest.
///
/// Keeps bytes, permission bits, nanosecond mtimes, symlinks (never followed), empty
/// directories, dotfiles, any-byte names and hard links. The snapshot is built under a
/// temporary sibling of DEST and renamed into place when complete.
///
/// Exit status: 0 done; 1 trouble (or special files skipped); 2 `--verify` found differences.
#[derive(Debug, Parser)]
#[command(
    name = "snap",
    version,
    after_help = "Examples:\n  snap . ../ckpt/sources --manifest ../ckpt/sources.mtree\n  snap --manifest-only src > src.mtree\n  snap --verify src.mtree src"
)]
pub struct Cli {
    /// Source directory (with --verify: the directory to check).
    pub src: Option<PathBuf>,
    /// New snapshot directory; must not exist or be empty.
    #[arg(required_unless_present_any = ["manifest_only", "verify"])]
    pub dest: Option<PathBuf>,
    /// Write the mtree manifest of the snapshot to FILE (`-` for stdout), hashing each file
    /// in the same read that copies it.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Only write the manifest of SRC (to --manifest FILE, default stdout); copy nothing.
    #[arg(long, conflicts_with = "verify")]
    pub manifest_only: bool,
    /// Check DIR (the first operand) against MANIFEST, like `mtree -f MANIFEST -p DIR`:
    /// exit 0 when equal, 2 with one line per difference otherwise.
    #[arg(long, value_name = "MANIFEST")]
    pub verify: Option<PathBuf>,
    /// Stamp every entry with this modification and access time (seconds since the Epoch,
    /// 0 to 4294967295; the Nix store uses 1).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(i64).range(0..=0xffff_ffff))]
    pub mtime: Option<i64>,
    /// Drop all write permission bits in the snapshot (as the Nix store does).
    #[arg(long)]
    pub read_only: bool,
    /// Leave out entries whose name matches GLOB (a pattern with `/` matches the relative
    /// path); repeatable.
    #[arg(short = 'x', long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs what `cli` asks for, writing `--verify` lines to `out` and warnings to `err`; returns
/// the exit status (0 done, 1 special files skipped, 2 `--verify` found differences).
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let src = cli.src.as_ref().ok_or(Error::Missing("SRC"))?;
    if let Some(manifest) = &cli.verify {
        let diffs = crate::verify(&read_manifest(manifest)?, src, out)?;
        out.flush()?;
        return Ok(if diffs.is_empty() { 0 } else { 2 });
    }
    let mut opts = crate::Options {
        mtime: cli.mtime.map(fstree::Timestamp::from_secs),
        read_only: cli.read_only,
        exclude: fstree::Exclude::new(&cli.exclude)?,
        hash: cli.manifest.is_some() || cli.manifest_only,
        skip: Vec::new(),
    };
    let bar = progress_bar(io::stderr().is_terminal() && !cli.quiet);
    let tick = |n: u64| bar.set_position(n);
    let outcome = if cli.manifest_only {
        let target = cli.manifest.clone().unwrap_or_else(|| PathBuf::from("-"));
        with_manifest_output(Some(&target), |w, id| {
            opts.skip.extend(id);
            Ok(crate::manifest_only(
                src,
                &opts,
                w.ok_or(Error::NoManifestOutput)?,
            )?)
        })?
    } else {
        let dest = cli.dest.as_ref().ok_or(Error::Missing("DEST"))?;
        if let Some(m) = cli.manifest.as_ref().filter(|m| is_inside(m, dest)) {
            return Err(Error::ManifestInsideDest(m.clone()));
        }
        with_manifest_output(cli.manifest.as_deref(), |w, id| {
            opts.skip.extend(id);
            Ok(crate::snapshot(src, dest, &opts, w, &tick)?)
        })?
    };
    bar.finish_and_clear();
    for (path, kind) in &outcome.skipped {
        let shown = display_path(&src.join(path));
        writeln!(err, "snap: skipping {} {shown}", kind.describe())?;
    }
    Ok(if outcome.skipped.is_empty() { 0 } else { 1 })
}

/// True when `path` would be inside the directory `dir` (which may not exist yet).
pub fn is_inside(path: &Path, dir: &Path) -> bool {
    let abs = |p: &Path| -> Option<PathBuf> {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(std::fs::canonicalize(parent).ok()?.join(p.file_name()?))
    };
    let dir = std::fs::canonicalize(dir).ok().or_else(|| abs(dir));
    matches!((abs(path), dir), (Some(p), Some(d)) if p.starts_with(&d))
}

/// Reads a manifest file, naming it (and the line) on error.
pub fn read_manifest(path: &Path) -> Result<Manifest, Error> {
    let f = File::open(path).map_err(|e| Error::OpenManifest(path.to_path_buf(), e))?;
    Manifest::read(io::BufReader::new(f)).map_err(|e| Error::ReadManifest(path.to_path_buf(), e))
}

/// Runs `f` with the manifest writer for `target`: stdout for `-`, otherwise a temporary file
/// next to `target` renamed over it only when `f` succeeds (no half-written manifest). `f`
/// also gets the temporary file's (device, inode), so a walk can leave it out.
pub fn with_manifest_output<T>(
    target: Option<&Path>,
    f: impl FnOnce(Option<&mut dyn Write>, Option<(u64, u64)>) -> Result<T, Error>,
) -> Result<T, Error> {
    match target {
        None => f(None, None),
        Some(p) if p == Path::new("-") => {
            let mut out = BufWriter::new(io::stdout().lock());
            let r = f(Some(&mut out), None)?;
            out.flush().map_err(Error::ManifestToStdout)?;
            Ok(r)
        }
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = p.file_name().ok_or(Error::ManifestHasNoName)?;
            let root = fstree::Root::open(dir)?;
            let mut tmp = root.create_temp(Path::new(name), 0o644)?;
            let meta = tmp
                .file
                .metadata()
                .map_err(|e| Error::StatManifest(p.to_path_buf(), e))?;
            let id = (
                std::os::unix::fs::MetadataExt::dev(&meta),
                std::os::unix::fs::MetadataExt::ino(&meta),
            );
            let mut out = BufWriter::new(&mut tmp.file);
            let r = f(Some(&mut out), Some(id))?;
            out.flush()
                .map_err(|e| Error::WriteManifest(p.to_path_buf(), e))?;
            drop(out);
            tmp.set_mode(0o644 & !toolkit::umask())?;
            tmp.commit()?;
            Ok(r)
        }
    }
}

/// A progress bar on stderr, or a hidden one.
pub fn progress_bar(visible: bool) -> indicatif::ProgressBar {
    if !visible {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} files copied ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

#[cfg(test)]
mod error_tests {
    use super::*;
    use toolkit::ExitStatus;

    #[test]
    fn errors_exit_1_with_anyhow_s_former_words() {
        let missing = Error::Missing("SRC");
        assert_eq!(missing.to_string(), "missing SRC (see --help)");
        assert_eq!(missing.exit_status(), 1);
        let inside = Error::ManifestInsideDest(PathBuf::from("d/m"));
        assert_eq!(inside.to_string(), "--manifest d/m is inside DEST");
        let open = Error::OpenManifest(PathBuf::from("m"), io::Error::other("gone"));
        assert_eq!(
            format!("{:#}", anyhow::Error::new(open)),
            "cannot open 'm': gone"
        );
    }

    #[test]
    fn only_a_bare_broken_pipe_says_so_itself() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(Error::Io(pipe()).is_broken_pipe());
        assert!(!Error::Io(io::Error::other("x")).is_broken_pipe());
        // A described one is found through the chain of causes instead.
        assert!(!Error::ManifestToStdout(pipe()).is_broken_pipe());
        assert!(fstree::error::is_broken_pipe(&Error::ManifestToStdout(
            pipe()
        )));
    }
}
