//! What the four binaries share around their libraries, in the image of ripgrep's
//! `crates/cli` and uucore's `bin!`: each `main.rs` parses its flags through [`parse_args`]
//! (which reports a command line it cannot parse in the words and with the exit status of the
//! classic tool the binary replaces, with no misleading tips), runs its library, and ends with
//! [`finish`], which prints `TOOL: message` for an error and exits with the status the
//! outcome or error names ([`ExitStatus`]). [`umask`] reads the process's umask.
//!
//! Broken pipes are the tools' own business (each decides what a reader leaving early means:
//! differences for treediff, success for the others); [`is_broken_pipe`] (fstree's) is the one
//! test.

use std::error::Error as StdError;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
pub use fstree::error::is_broken_pipe;

/// An outcome or error that names the process's exit status.
pub trait ExitStatus {
    /// The status to exit with.
    fn exit_status(&self) -> u8;
}

impl ExitStatus for u8 {
    fn exit_status(&self) -> u8 {
        *self
    }
}

/// How the classic tool a binary replaces reports a command line it cannot parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// GNU getopt's words (`TOOL: unrecognized option '--foo'`, `TOOL: invalid option -- 'Q'`,
    /// then `TOOL: Try 'TOOL --help' for more information.`) and this exit status (diff and
    /// patch use 2, cp 1).
    Gnu(u8),
    /// rsync's words (`TOOL: --foo: unknown option`, then `TOOL error: syntax or usage error
    /// (code 1)`), exit status 1.
    Rsync,
}

impl Usage {
    fn status(self) -> u8 {
        match self {
            Usage::Gnu(status) => status,
            Usage::Rsync => 1,
        }
    }
}

/// Parses the process's arguments into `C`. `--help` and `--version` are printed here and
/// end the process with status 0; an unparsable command line is reported as `usage` says
/// and ends it with that status.
pub fn parse_args<C: clap::Parser>(tool: &str, usage: Usage) -> Result<C, ExitCode> {
    C::try_parse_from(std::env::args_os()).map_err(|e| usage_error(tool, usage, &e))
}

/// Reports a clap error as [`parse_args`] does and returns the exit status for it.
pub fn usage_error(tool: &str, usage: Usage, e: &clap::Error) -> ExitCode {
    if !e.use_stderr() {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let _ = io::stderr().write_all(usage_message(tool, usage, e).as_bytes());
    ExitCode::from(usage.status())
}

/// The lines [`usage_error`] prints for `e` (an error, not `--help`).
pub fn usage_message(tool: &str, usage: Usage, e: &clap::Error) -> String {
    let what = match (e.kind(), e.get(ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(ContextValue::String(arg))) => match usage {
            Usage::Gnu(_) if arg.starts_with("--") => format!("unrecognized option '{arg}'"),
            Usage::Gnu(_) => {
                let c = arg.trim_start_matches('-').chars().next().unwrap_or('-');
                format!("invalid option -- '{c}'")
            }
            Usage::Rsync => format!("{arg}: unknown option"),
        },
        _ => first_line(e),
    };
    match usage {
        Usage::Gnu(_) => {
            format!("{tool}: {what}\n{tool}: Try '{tool} --help' for more information.\n")
        }
        Usage::Rsync => format!("{tool}: {what}\n{tool} error: syntax or usage error (code 1)\n"),
    }
}

/// clap's message without its `error: ` prefix, tips and usage lines (the indented lines
/// that continue it, such as the names of missing operands, are kept on the same line).
fn first_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let mut msg = first.strip_prefix("error: ").unwrap_or(first).to_string();
    for more in lines.take_while(|l| l.starts_with("  ") && !l.trim_start().starts_with("tip:")) {
        msg.push(' ');
        msg.push_str(more.trim());
    }
    msg
}

/// Ends `main`: the outcome's status, or `TOOL: error: its causes` on stderr and the error's
/// status.
pub fn finish<T, E>(tool: &str, result: Result<T, E>) -> ExitCode
where
    T: ExitStatus,
    E: ExitStatus + StdError + 'static,
{
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_status()),
        Err(e) => fail(tool, &e, e.exit_status()),
    }
}

/// Prints `TOOL: error: its causes` on stderr and returns `status`.
pub fn fail(tool: &str, e: &(dyn StdError + 'static), status: u8) -> ExitCode {
    let _ = writeln!(io::stderr(), "{tool}: {}", with_causes(e));
    ExitCode::from(status)
}

/// `e` with its chain of causes, `: `-separated (anyhow's `{:#}`).
pub fn with_causes(e: &(dyn StdError + 'static)) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// The process's umask (read by setting it and restoring it at once, before any thread that
/// creates files is started).
pub fn umask() -> u32 {
    let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    rustix::process::umask(old);
    old.bits()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    #[command(name = "t")]
    struct Cli {
        #[arg(short = 'p', long = "strip")]
        strip: Option<usize>,
        #[arg(long)]
        batch: bool,
    }

    fn message(usage: Usage, args: &[&str]) -> String {
        let e = Cli::try_parse_from(args).expect_err("a usage error");
        usage_message("tool", usage, &e)
    }

    #[test]
    fn unknown_options_in_gnu_words_without_tips() {
        assert_eq!(
            message(Usage::Gnu(2), &["t", "--backup"]),
            "tool: unrecognized option '--backup'\ntool: Try 'tool --help' for more information.\n"
        );
        assert_eq!(
            message(Usage::Gnu(2), &["t", "-Q"]),
            "tool: invalid option -- 'Q'\ntool: Try 'tool --help' for more information.\n"
        );
    }

    #[test]
    fn unknown_options_in_rsync_words() {
        assert_eq!(
            message(Usage::Rsync, &["t", "--foo"]),
            "tool: --foo: unknown option\ntool error: syntax or usage error (code 1)\n"
        );
    }

    #[test]
    fn other_usage_errors_keep_clap_s_first_line_only() {
        let m = message(Usage::Gnu(2), &["t", "-p"]);
        assert!(
            m.starts_with("tool: a value is required for '--strip"),
            "{m}"
        );
        assert!(!m.contains("tip") && !m.contains("Usage"), "{m}");
        assert_eq!(Usage::Gnu(2).status(), 2);
        #[derive(Debug, Parser)]
        #[command(name = "t")]
        struct Two {
            old: String,
            new: String,
        }
        let e = Two::try_parse_from(["t", "a"]).expect_err("missing operand");
        let m = usage_message("tool", Usage::Gnu(2), &e);
        assert!(
            m.starts_with("tool: the following required arguments were not provided: <NEW>\n"),
            "{m}"
        );
        assert_eq!(Usage::Rsync.status(), 1);
    }

    #[test]
    fn causes_are_joined_as_anyhow_joins_them() {
        #[derive(Debug)]
        struct Outer(io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("cannot write")
            }
        }
        impl StdError for Outer {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(io::Error::other("disk on fire"));
        assert_eq!(with_causes(&e), "cannot write: disk on fire");
    }

    #[test]
    fn umask_reads_back_what_was_set_and_leaves_it() {
        let before = umask();
        assert_eq!(umask(), before);
    }
}
