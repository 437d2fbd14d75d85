//! `snap`: faithful tree snapshots plus a BSD mtree manifest. See the library for the logic.

use std::process::ExitCode;

use snap::cli::Cli;
use toolkit::Usage;

fn main() -> ExitCode {
    // Usage errors exit 1, as cp's (2 means `--verify` found differences).
    let cli: Cli = match toolkit::parse_args("snap", Usage::Gnu(1)) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr());
    match snap::cli::run(&cli, &mut out, &mut err) {
        Ok(code) => ExitCode::from(code),
        // `snap --manifest-only SRC | head` is a reader leaving early; a snapshot whose manifest
        // could not be written is a failure (the snapshot was removed), so it is reported.
        Err(e) if toolkit::is_broken_pipe(e.as_ref()) && cli.dest.is_none() => ExitCode::SUCCESS,
        Err(e) => toolkit::fail("snap", e.as_ref(), 1),
    }
}
