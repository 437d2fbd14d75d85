//! `snap`: faithful tree snapshots plus a BSD mtree manifest. See the library for the logic.

use std::process::ExitCode;

use clap::Parser;
use snap::cli::Cli;

fn main() -> ExitCode {
    // Usage errors exit 1 (2 means `--verify` found differences), `--help` and `--version` 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
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
