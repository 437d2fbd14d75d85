//! `treediff`: one patch carrying every difference between two trees. See the library.

use std::io::{BufWriter, IsTerminal};
use std::process::ExitCode;

use toolkit::OnBrokenPipe;
use treediff::cli::Cli;
use treediff::{Exit, run};

fn main() -> ExitCode {
    let cli =
        match toolkit::parse_args::<Cli>("treediff", toolkit::Usage::Gnu(Exit::Trouble.code())) {
            Ok(cli) => cli,
            Err(code) => return code,
        };
    let stdout = std::io::stdout();
    let cfg = match cli.config(stdout.is_terminal(), std::env::var_os("NO_COLOR").is_some()) {
        Ok(cfg) => cfg,
        Err(e) => return toolkit::finish("treediff", Err::<Exit, _>(e), OnBrokenPipe::Report),
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = run(&cfg, &mut out, &mut std::io::stderr().lock());
    // The reader went away (`treediff A B | head -1`): there were differences; be quiet.
    toolkit::finish("treediff", result, OnBrokenPipe::Quiet(Exit::Differ.code()))
}
