//! `treediff`: one patch carrying every difference between two trees. See the library.

use std::io::{BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use treediff::cli::Cli;
use treediff::{Exit, run};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let cfg = match cli.config(stdout.is_terminal(), std::env::var_os("NO_COLOR").is_some()) {
        Ok(cfg) => cfg,
        Err(e) => return fail(&anyhow::Error::new(e)),
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = std::io::stderr().lock();
    match run(&cfg, &mut out, &mut err) {
        Ok(exit) => ExitCode::from(exit.code()),
        // The reader went away (`treediff A B | head -1`): there were differences; be quiet.
        Err(e) if fstree::error::is_broken_pipe(&e) => ExitCode::from(Exit::Differ.code()),
        Err(e) => fail(&anyhow::Error::new(e)),
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "treediff: {e:#}");
    ExitCode::from(Exit::Trouble.code())
}
