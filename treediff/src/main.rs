//! `treediff`: one patch carrying every difference between two trees. See the library.

use std::io::{BufWriter, IsTerminal};
use std::process::ExitCode;

use toolkit::{ExitStatus, Usage};
use treediff::cli::Cli;
use treediff::{Exit, run};

fn main() -> ExitCode {
    let cli: Cli = match toolkit::parse_args("treediff", Usage::Gnu(2)) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let cfg = match cli.config(stdout.is_terminal(), std::env::var_os("NO_COLOR").is_some()) {
        Ok(cfg) => cfg,
        Err(e) => return toolkit::fail("treediff", &e, e.exit_status()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = std::io::stderr().lock();
    match run(&cfg, &mut out, &mut err) {
        // The reader went away (`treediff A B | head -1`): there were differences; be quiet.
        Err(e) if toolkit::is_broken_pipe(&e) => ExitCode::from(Exit::Differ.code()),
        result => toolkit::finish("treediff", result),
    }
}
