//! `snap`: faithful tree snapshots plus a BSD mtree manifest. See the library for the logic.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use snap::cli::{Cli, progress_bar, read_manifest, with_manifest_output};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        // `snap --manifest-only SRC | head` is a reader leaving early; a snapshot whose manifest
        // could not be written is a failure (the snapshot was removed), so it is reported.
        Err(e) if fstree::error::is_broken_pipe(e.as_ref()) && cli.dest.is_none() => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("snap: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let src = cli.src.as_ref().context("missing SRC (see --help)")?;
    if let Some(manifest) = &cli.verify {
        let mut out = std::io::stdout().lock();
        let diffs = snap::verify(&read_manifest(manifest)?, src, &mut out)?;
        out.flush()?;
        return Ok(ExitCode::from(if diffs.is_empty() { 0 } else { 2 }));
    }
    let mut opts = snap::Options {
        mtime: cli.mtime.map(fstree::Timestamp::from_secs),
        read_only: cli.read_only,
        exclude: fstree::Exclude::new(&cli.exclude)?,
        hash: cli.manifest.is_some() || cli.manifest_only,
        skip: Vec::new(),
    };
    let bar = progress_bar(std::io::stderr().is_terminal() && !cli.quiet);
    let tick = |n: u64| bar.set_position(n);
    let outcome = if cli.manifest_only {
        let target = cli.manifest.clone().unwrap_or_else(|| PathBuf::from("-"));
        with_manifest_output(Some(&target), |w, id| {
            opts.skip.extend(id);
            Ok(snap::manifest_only(
                src,
                &opts,
                w.context("no manifest output")?,
            )?)
        })?
    } else {
        let dest = cli.dest.as_ref().context("missing DEST (see --help)")?;
        if let Some(m) = &cli.manifest {
            anyhow::ensure!(
                !snap::cli::is_inside(m, dest),
                "--manifest {} is inside DEST",
                m.display()
            );
        }
        with_manifest_output(cli.manifest.as_deref(), |w, id| {
            opts.skip.extend(id);
            Ok(snap::snapshot(src, dest, &opts, w, &tick)?)
        })?
    };
    bar.finish_and_clear();
    for (path, kind) in &outcome.skipped {
        eprintln!(
            "snap: skipping {} {}",
            kind.describe(),
            fstree::error::display_path(&src.join(path))
        );
    }
    Ok(ExitCode::from(if outcome.skipped.is_empty() {
        0
    } else {
        1
    }))
}
