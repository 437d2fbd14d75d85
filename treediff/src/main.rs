//! `treediff`: one patch carrying every difference between two trees, or, under the name
//! `diff`, GNU diff. See the library.

use std::io::{BufWriter, IsTerminal};
use std::process::ExitCode;

use clap::Parser;
use toolkit::OnBrokenPipe;
use treediff::cli::{self, Cli, CliError, Name, UsageError};
use treediff::{Error, Exit, operand, run_invocation};

fn main() -> ExitCode {
    let mut argv = std::env::args_os();
    let argv0 = argv.next();
    let name = Name::from_argv0(argv0.as_deref());
    let args: Vec<_> = argv.collect();
    let tool = &name.tool(argv0.as_deref());
    let usage = toolkit::Usage::Gnu(Exit::Trouble.code());
    if let Some(u) = cli::ambiguous_option(&args) {
        return usage_error(tool, &u);
    }
    let (parsed, obsolete) = cli::obsolete_context(&args);
    let cli = match Cli::try_parse_from(std::iter::once(tool.into()).chain(parsed)) {
        Ok(cli) => Cli {
            obsolete_context: obsolete,
            ..cli
        },
        Err(e) if name == Name::Diff && cli::is_help(&e) => return help(tool, &e),
        Err(e) => match cli::operand_error(name.tool(None).as_str(), &args) {
            Some(u) if cli::is_operand_count_error(&e) => return usage_error(tool, &u),
            _ => return toolkit::usage_error_checked(tool, usage, &e),
        },
    };
    let stdout = std::io::stdout();
    let no_color = std::env::var_os("NO_COLOR").is_some();
    let inv = match cli.invocation((name, tool), &args, stdout.is_terminal(), no_color) {
        Ok(inv) => inv,
        Err(CliError::Usage(e)) => return usage_error(tool, &e),
        Err(CliError::Other(e)) => {
            return toolkit::finish(tool, Err::<Exit, _>(e), OnBrokenPipe::Report);
        }
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = run_invocation(&inv, &mut out, &mut std::io::stderr().lock());
    if let (Name::Diff, Err(Error::Output(e))) = (name, &result)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        // GNU diff's words for an output it cannot write (a full disk, /dev/full).
        eprintln!("{tool}: standard output: {}", operand::strerror(e));
        return ExitCode::from(Exit::Trouble.code());
    }
    // The reader went away (`treediff A B | head -1`): there were differences; be quiet.
    toolkit::finish(tool, result, OnBrokenPipe::Quiet(Exit::Differ.code()))
}

/// `--help` or `--version` under the name `diff`, written; GNU's words and exit status 2 when
/// standard output cannot take it.
fn help(tool: &str, e: &clap::Error) -> ExitCode {
    match cli::write_help(e, tool, &mut std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{tool}: {message}");
            ExitCode::from(Exit::Trouble.code())
        }
    }
}

/// Reports a usage error in GNU diff's words; exit status 2.
fn usage_error(tool: &str, e: &UsageError) -> ExitCode {
    eprintln!("{tool}: {e}");
    if e.try_help {
        eprintln!("{tool}: Try '{tool} --help' for more information.");
    }
    ExitCode::from(Exit::Trouble.code())
}
