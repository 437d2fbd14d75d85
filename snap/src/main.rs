//! `snap`: faithful tree snapshots plus a BSD mtree manifest. See the library for the logic.

use std::process::ExitCode;

use snap::cli::Cli;
use toolkit::OnBrokenPipe;

fn main() -> ExitCode {
    // Usage errors exit 1 (2 means `--verify` found differences), `--help` and `--version` 0.
    let cli = match toolkit::parse_args::<Cli>("snap", toolkit::Usage::Gnu(1)) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    toolkit::signals::install();
    let result = snap::cli::run(&cli, &mut std::io::stdout().lock(), &mut std::io::stderr());
    // Interrupted: the partial snapshot and the manifest's temporary are gone by now; end as
    // the signal would have ended snap (as cp ends).
    if let (Err(_), Some(sig)) = (&result, toolkit::signals::caught()) {
        return toolkit::signals::die_of(sig);
    }
    // `snap --manifest-only SRC | head` is a reader leaving early; a snapshot whose manifest
    // could not be written is a failure (the snapshot was removed), so it is reported.
    let pipe = match cli.dest {
        None => OnBrokenPipe::Quiet(0),
        Some(_) => OnBrokenPipe::Report,
    };
    toolkit::finish("snap", result, pipe)
}
