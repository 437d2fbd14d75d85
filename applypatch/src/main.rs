//! `applypatch`: apply a GNU or git patch, all or nothing, never outside the target directory.

use std::io::Write;
use std::process::ExitCode;

use applypatch::cli::Cli;
use toolkit::OnBrokenPipe;

fn main() -> ExitCode {
    let cli = match toolkit::parse_args::<Cli>(
        "applypatch",
        toolkit::Usage::Gnu(applypatch::EXIT_TROUBLE as u8),
    ) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let opts = cli.options();
    // `applypatch ... | head -1`: the reader leaving early must not stop the run half-way.
    let mut out = fstree::error::QuietOnBrokenPipe::new(std::io::stdout().lock());
    let mut err = std::io::stderr().lock();
    let result = applypatch::open_input(cli.input.as_deref())
        .and_then(|patch| applypatch::run(patch, &opts, &mut out, &mut err));
    let _ = out.flush();
    toolkit::finish("applypatch", result, OnBrokenPipe::Report)
}
