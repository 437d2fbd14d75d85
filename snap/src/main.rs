//! `snap`: faithful tree snapshots plus a BSD mtree manifest. See the library for the logic.

use std::process::ExitCode;

use clap::Parser;
use snap::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    match snap::cli::run(&cli, &mut out, &mut err) {
        Ok(code) => ExitCode::from(code),
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
