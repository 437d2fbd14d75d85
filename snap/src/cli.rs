//! The command line: flags, and the small pieces of I/O the binary needs around the library
//! (manifest output written atomically, the progress bar).

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use fstree::manifest::Manifest;

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
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<u8> {
    let src = cli.src.as_ref().context("missing SRC (see --help)")?;
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
                w.context("no manifest output")?,
            )?)
        })?
    } else {
        let dest = cli.dest.as_ref().context("missing DEST (see --help)")?;
        if let Some(m) = &cli.manifest {
            anyhow::ensure!(
                !is_inside(m, dest),
                "--manifest {} is inside DEST",
                m.display()
            );
        }
        with_manifest_output(cli.manifest.as_deref(), |w, id| {
            opts.skip.extend(id);
            Ok(crate::snapshot(src, dest, &opts, w, &tick)?)
        })?
    };
    bar.finish_and_clear();
    for (path, kind) in &outcome.skipped {
        let shown = fstree::error::display_path(&src.join(path));
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
pub fn read_manifest(path: &Path) -> anyhow::Result<Manifest> {
    let f = File::open(path)
        .with_context(|| format!("cannot open {}", fstree::error::display_path(path)))?;
    Manifest::read(io::BufReader::new(f))
        .with_context(|| format!("manifest {}", fstree::error::display_path(path)))
}

/// Runs `f` with the manifest writer for `target`: stdout for `-`, otherwise a temporary file
/// next to `target` renamed over it only when `f` succeeds (no half-written manifest). `f`
/// also gets the temporary file's (device, inode), so a walk can leave it out.
pub fn with_manifest_output<T>(
    target: Option<&Path>,
    f: impl FnOnce(Option<&mut dyn Write>, Option<(u64, u64)>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    match target {
        None => f(None, None),
        Some(p) if p == Path::new("-") => {
            let mut out = BufWriter::new(io::stdout().lock());
            let r = f(Some(&mut out), None)?;
            out.flush().context("cannot write manifest to stdout")?;
            Ok(r)
        }
        Some(p) => {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let name = p.file_name().context("manifest path has no file name")?;
            let root = fstree::Root::open(dir)?;
            let mut tmp = root.create_temp(Path::new(name), 0o644)?;
            let meta = tmp
                .file
                .metadata()
                .with_context(|| format!("cannot stat {}", fstree::error::display_path(p)))?;
            let id = (
                std::os::unix::fs::MetadataExt::dev(&meta),
                std::os::unix::fs::MetadataExt::ino(&meta),
            );
            let mut out = BufWriter::new(&mut tmp.file);
            let r = f(Some(&mut out), Some(id))?;
            out.flush()
                .with_context(|| format!("cannot write {}", fstree::error::display_path(p)))?;
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
