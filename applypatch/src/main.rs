//! `applypatch`: apply a GNU or git patch, all or nothing, never outside the target directory.

use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use applypatch::{Applied, OnFailure, Options};
use clap::Parser;

/// Apply a unified or git patch (GNU patch's flags; all or nothing unless --reject).
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Strip N leading components from file names (default: basename for GNU diffs, 1 for git).
    #[arg(short = 'p', long = "strip", value_name = "N")]
    strip: Option<usize>,
    /// Read the patch from FILE instead of stdin.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    input: Option<PathBuf>,
    /// Change to DIR before doing anything.
    #[arg(
        short = 'd',
        long = "directory",
        value_name = "DIR",
        default_value = "."
    )]
    dir: PathBuf,
    /// Apply the patch in reverse.
    #[arg(short = 'R', long)]
    reverse: bool,
    /// Check only; change nothing.
    #[arg(long, visible_alias = "check")]
    dry_run: bool,
    /// Skip patches that look reversed or already applied (exit 1).
    #[arg(short = 'N', long)]
    forward: bool,
    /// Maximum fuzz (context lines that may be ignored at each end).
    #[arg(short = 'F', long, value_name = "N", default_value_t = 2)]
    fuzz: usize,
    /// Print only errors.
    #[arg(short = 's', long, visible_alias = "silent")]
    quiet: bool,
    /// Do not detect reversed patches; never ask.
    #[arg(short = 'f', long)]
    force: bool,
    /// Remove files left empty by the patch.
    #[arg(short = 'E', long = "remove-empty-files")]
    remove_empty: bool,
    /// Never ask; assume reversed patches are reversed (GNU's -t).
    #[arg(short = 't', long)]
    batch: bool,
    /// Apply the hunks that fit and write the rest to FILE.rej (GNU patch's behaviour).
    #[arg(long)]
    reject: bool,
    /// A patch that is already applied is a no-op that succeeds.
    #[arg(long)]
    idempotent: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let applied = match (cli.idempotent, cli.force, cli.batch, cli.forward) {
        (true, ..) => Applied::NoOp,
        (_, true, ..) => Applied::Ignore,
        (_, _, true, _) => Applied::AssumeReversed,
        _ => Applied::Skip,
    };
    let opts = Options {
        dir: cli.dir,
        strip: cli.strip,
        reverse: cli.reverse,
        dry_run: cli.dry_run,
        fuzz: cli.fuzz,
        quiet: cli.quiet,
        remove_empty: cli.remove_empty,
        on_failure: if cli.reject {
            OnFailure::Reject
        } else {
            OnFailure::Abort
        },
        applied,
    };
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    let result: anyhow::Result<applypatch::Status> = match &cli.input {
        Some(p) => std::fs::File::open(p)
            .with_context(|| format!("cannot open {}", p.display()))
            .and_then(|f| {
                Ok(applypatch::run(
                    BufReader::new(f),
                    &opts,
                    &mut out,
                    &mut err,
                )?)
            }),
        None => {
            applypatch::run(std::io::stdin().lock(), &opts, &mut out, &mut err).map_err(Into::into)
        }
    };
    let _ = out.flush();
    match result {
        Ok(status) => ExitCode::from(status.exit_code() as u8),
        Err(e) => {
            let _ = writeln!(err, "applypatch: {e:#}");
            ExitCode::from(applypatch::EXIT_TROUBLE as u8)
        }
    }
}
