//! `applypatch`: apply a GNU or git patch, all or nothing, never outside the target directory.

use std::io::Write;
use std::os::fd::AsFd;
use std::process::ExitCode;

use anyhow::Context;
use applypatch::cli::Cli;
use toolkit::{OnBrokenPipe, Trouble};

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
    let input = match &cli.input {
        Some(p) => std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display())),
        None => std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map(std::fs::File::from)
            .context("cannot read standard input"),
    };
    let result = input.and_then(|f| {
        let patch = applypatch::seekable(f)?;
        Ok(applypatch::run(patch, &opts, &mut out, &mut err)?)
    });
    let _ = out.flush();
    let result = result.map_err(|error| Trouble {
        status: applypatch::EXIT_TROUBLE as u8,
        error,
    });
    toolkit::finish("applypatch", result, OnBrokenPipe::Report)
}
