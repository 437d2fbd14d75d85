//! `treediff`: one patch carrying every difference between two trees (or GNU's unified diff of
//! two files). See the library.

use std::io::{BufWriter, IsTerminal};
use std::process::ExitCode;

use toolkit::OnBrokenPipe;
use treediff::cli::{Cli, CliError};
use treediff::{Exit, run_invocation};

fn main() -> ExitCode {
    let tool = "treediff";
    let usage = toolkit::Usage::Gnu(Exit::Trouble.code());
    let cli = match toolkit::parse_args::<Cli>(tool, usage) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let no_color = std::env::var_os("NO_COLOR").is_some();
    let inv = match cli.invocation(stdout.is_terminal(), no_color) {
        Ok(inv) => inv,
        Err(CliError::Usage(e)) => {
            eprintln!("{tool}: {e}");
            if e.try_help {
                eprintln!("{tool}: Try '{tool} --help' for more information.");
            }
            return ExitCode::from(Exit::Trouble.code());
        }
        Err(CliError::Other(e)) => {
            return toolkit::finish(tool, Err::<Exit, _>(e), OnBrokenPipe::Report);
        }
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = run_invocation(&inv, &mut out, &mut std::io::stderr().lock());
    // The reader went away (`treediff A B | head -1`): there were differences; be quiet.
    toolkit::finish(tool, result, OnBrokenPipe::Quiet(Exit::Differ.code()))
}
