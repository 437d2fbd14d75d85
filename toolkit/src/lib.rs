//! What the four binaries share around their libraries, in the image of ripgrep's
//! `crates/cli` and uucore's `bin!`, so that each `main.rs` is a few lines:
//!
//! - [`ExitStatus`]: one vocabulary for "this outcome or error names the exit status"; each
//!   tool's outcome and error types implement it next to their definition.
//! - [`parse_args`] / [`usage_error`]: a bad command line reported in the words of the
//!   classic tool the binary replaces ([`Usage`]: GNU getopt's or rsync's, no clap tips) with
//!   its status (rsync and cp say 1, diff and patch 2); `--help` and `--version` 0.
//! - [`finish`]: the end of `main`: the outcome's status, or `TOOL: error: causes` on stderr
//!   (anyhow's `{:#}`) and the error's status. What a reader leaving early (`tool | head -1`)
//!   means is the tool's business, so it is a parameter ([`OnBrokenPipe`]), not a fork.
//! - [`umask`]: the process's umask, read once.
//! - [`signals`]: SIGINT, SIGTERM and SIGHUP as a request to stop cleanly.
//!
//! Paths in messages go through `fstree::error::display_path`, which all tools already share.

pub mod signals;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

/// An outcome or error that names the process's exit status.
pub trait ExitStatus {
    /// The status to exit with.
    fn exit_status(&self) -> u8;

    /// True when this is a write to a reader that went away, in a way the chain of causes
    /// does not show: an `#[error(transparent)]` variant around a bare `io::Error` hides the
    /// `io::Error` itself from [`finish`]'s search of the chain, so such a type says it here.
    fn is_broken_pipe(&self) -> bool {
        false
    }
}

impl ExitStatus for u8 {
    fn exit_status(&self) -> u8 {
        *self
    }
}

/// An error that only a binary sees (e.g. anyhow with context), paired with its status.
#[derive(Debug)]
pub struct Trouble {
    /// The status to exit with.
    pub status: u8,
    /// What went wrong.
    pub error: anyhow::Error,
}

impl ExitStatus for Trouble {
    fn exit_status(&self) -> u8 {
        self.status
    }
}

impl From<Trouble> for anyhow::Error {
    fn from(t: Trouble) -> Self {
        t.error
    }
}

/// What a failed write to a reader that went away (`EPIPE` anywhere in the error's chain of
/// causes) means for a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBrokenPipe {
    /// It is an error like any other: reported, with the error's status.
    Report,
    /// The reader left early on purpose: nothing is printed and the process exits with this
    /// status (0 for most tools; 1, "differences", for treediff).
    Quiet(u8),
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
    /// The exit status for a command line that cannot be parsed.
    pub fn status(self) -> u8 {
        match self {
            Usage::Gnu(status) => status,
            Usage::Rsync => 1,
        }
    }
}

/// Parses the process's arguments into `C`. `--help` and `--version` are printed and yield 0;
/// a bad command line is reported in the classic tool's words (`usage`), with no tips (clap
/// suggested `--batch`, which un-applies, for `applypatch --backup`), and yields its status.
pub fn parse_args<C: clap::Parser>(tool: &str, usage: Usage) -> Result<C, ExitCode> {
    C::try_parse().map_err(|e| usage_error(tool, usage, &e))
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

/// [`usage_error`], except that `--help` and `--version` text that cannot be written (stdout
/// full or closed) is trouble, as GNU diff has it (measured): `TOOL: standard output: REASON`
/// for `--version`, `TOOL: write failed` for `--help`, exit status `usage.status()` (GNU patch
/// and rsync exit 0 there, which [`usage_error`] does).
pub fn usage_error_checked(tool: &str, usage: Usage, e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        return usage_error(tool, usage, e);
    }
    let text = e.render().to_string();
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = match e.kind() {
                clap::error::ErrorKind::DisplayVersion => {
                    writeln!(io::stderr(), "{tool}: standard output: {}", strerror(&err))
                }
                _ => writeln!(io::stderr(), "{tool}: write failed"),
            };
            ExitCode::from(usage.status())
        }
    }
}

/// The C library's text for an error, as the GNU tools print it: without Rust's
/// ` (os error N)` suffix.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The lines [`usage_error`] prints for `e` (an error, not `--help`).
pub fn usage_message(tool: &str, usage: Usage, e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
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

/// Ends `main`: the outcome's status, or the error (`TOOL: error: causes` on stderr) and its
/// status, unless it is a broken pipe and `pipe` says to be quiet about it.
pub fn finish<T, E>(tool: &str, result: Result<T, E>, pipe: OnBrokenPipe) -> ExitCode
where
    T: ExitStatus,
    E: ExitStatus + Into<anyhow::Error>,
{
    ExitCode::from(finish_into(tool, result, pipe, &mut io::stderr()))
}

/// [`finish`] writing the message to `err` and returning the status (for tests).
pub fn finish_into<T, E>(
    tool: &str,
    result: Result<T, E>,
    pipe: OnBrokenPipe,
    err: &mut dyn Write,
) -> u8
where
    T: ExitStatus,
    E: ExitStatus + Into<anyhow::Error>,
{
    match result {
        Ok(outcome) => outcome.exit_status(),
        Err(e) => {
            let (status, said) = (e.exit_status(), e.is_broken_pipe());
            let e: anyhow::Error = e.into();
            let broken_pipe = said || fstree::error::is_broken_pipe(e.as_ref());
            match pipe {
                OnBrokenPipe::Quiet(quiet) if broken_pipe => quiet,
                _ => {
                    let _ = writeln!(err, "{tool}: {e:#}");
                    status
                }
            }
        }
    }
}

/// The process's umask, read once and remembered.
///
/// POSIX has no call that only reads it; on Linux `/proc/self/status` shows it (`Umask:`), so
/// no other thread ever sees a wrong one. Elsewhere (or without `/proc`) it is set and
/// restored at once, which leaves a window where a file created by another thread gets the
/// provisional `022`; call this first thing in `main`, before any thread starts.
pub fn umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| umask_from_status(&s))
            .unwrap_or_else(|| {
                let old = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
                rustix::process::umask(old);
                old.bits()
            })
    })
}

/// The `Umask:` line of a `/proc/PID/status` text, in octal.
fn umask_from_status(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write {0}")]
    struct Failed(&'static str, #[source] io::Error);

    impl ExitStatus for Failed {
        fn exit_status(&self) -> u8 {
            7
        }
    }

    fn run(result: Result<u8, Failed>, pipe: OnBrokenPipe) -> (u8, String) {
        let mut err = Vec::new();
        let status = finish_into("tool", result, pipe, &mut err);
        (status, String::from_utf8(err).expect("utf-8"))
    }

    #[test]
    fn an_outcome_exits_with_its_status_quietly() {
        assert_eq!(run(Ok(23), OnBrokenPipe::Report), (23, String::new()));
    }

    #[test]
    fn an_error_is_printed_once_with_its_causes_and_status() {
        let e = Failed("out", io::Error::other("disk on fire"));
        let want = "tool: cannot write out: disk on fire\n".to_string();
        assert_eq!(run(Err(e), OnBrokenPipe::Quiet(0)), (7, want));
    }

    #[test]
    fn a_broken_pipe_is_quiet_or_reported_as_the_tool_says() {
        let pipe = || Failed("out", io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(run(Err(pipe()), OnBrokenPipe::Quiet(1)), (1, String::new()));
        let (status, msg) = run(Err(pipe()), OnBrokenPipe::Report);
        assert_eq!(status, 7);
        assert!(msg.starts_with("tool: cannot write out: "), "{msg}");
    }

    #[derive(Debug, thiserror::Error)]
    #[error(transparent)]
    struct Hidden(io::Error);

    impl ExitStatus for Hidden {
        fn exit_status(&self) -> u8 {
            3
        }
        fn is_broken_pipe(&self) -> bool {
            self.0.kind() == io::ErrorKind::BrokenPipe
        }
    }

    #[test]
    fn a_broken_pipe_hidden_by_a_transparent_variant_is_found_by_asking() {
        let hidden = || Hidden(io::Error::from(io::ErrorKind::BrokenPipe));
        let quiet = finish_into(
            "t",
            Err::<u8, _>(hidden()),
            OnBrokenPipe::Quiet(0),
            &mut Vec::new(),
        );
        assert_eq!(quiet, 0);
        assert!(
            !fstree::error::is_broken_pipe(&hidden()),
            "the chain hides it"
        );
    }

    #[test]
    fn trouble_carries_an_anyhow_error_and_its_status() {
        let e = Trouble {
            status: 2,
            error: anyhow::anyhow!("inner").context("outer"),
        };
        let mut err = Vec::new();
        let status = finish_into("t", Err::<u8, _>(e), OnBrokenPipe::Report, &mut err);
        assert_eq!((status, err), (2, b"t: outer: inner\n".to_vec()));
    }

    #[test]
    fn umask_is_read_from_proc_and_stays() {
        assert_eq!(
            umask_from_status("Name:\tx\nUmask:\t0027\nState:\tR\n"),
            Some(0o027)
        );
        assert_eq!(umask_from_status("Name:\tx\n"), None);
        let set = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
        rustix::process::umask(set);
        assert_eq!(umask(), set.bits());
        assert_eq!(umask(), set.bits());
    }

    #[derive(Debug, clap::Parser)]
    #[command(name = "t", version)]
    struct Cli {
        #[arg(short = 'p', long = "strip")]
        strip: Option<usize>,
        #[arg(long)]
        batch: bool,
    }

    #[derive(Debug, clap::Parser)]
    #[command(name = "t")]
    struct Two {
        old: String,
        new: String,
    }

    fn message<C: clap::Parser + std::fmt::Debug>(usage: Usage, args: &[&str]) -> String {
        let e = C::try_parse_from(args).expect_err("a usage error");
        usage_message("tool", usage, &e)
    }

    #[test]
    fn unknown_options_in_gnu_words_without_tips() {
        assert_eq!(
            message::<Cli>(Usage::Gnu(2), &["t", "--backup"]),
            "tool: unrecognized option '--backup'\ntool: Try 'tool --help' for more information.\n"
        );
        assert_eq!(
            message::<Cli>(Usage::Gnu(2), &["t", "-Q"]),
            "tool: invalid option -- 'Q'\ntool: Try 'tool --help' for more information.\n"
        );
    }

    #[test]
    fn unknown_options_in_rsync_words() {
        assert_eq!(
            message::<Cli>(Usage::Rsync, &["t", "--foo"]),
            "tool: --foo: unknown option\ntool error: syntax or usage error (code 1)\n"
        );
    }

    #[test]
    fn other_usage_errors_keep_clap_s_message_without_tips_or_usage() {
        let m = message::<Cli>(Usage::Gnu(2), &["t", "-p"]);
        assert!(
            m.starts_with("tool: a value is required for '--strip"),
            "{m}"
        );
        assert!(!m.contains("tip") && !m.contains("Usage"), "{m}");
        let m = message::<Two>(Usage::Gnu(2), &["t", "a"]);
        let want = "tool: the following required arguments were not provided: <NEW>\n";
        assert!(m.starts_with(want), "{m}");
        assert_eq!((Usage::Gnu(2).status(), Usage::Rsync.status()), (2, 1));
    }

    #[test]
    fn help_and_version_are_not_usage_errors() {
        for flag in ["--help", "--version"] {
            let e = Cli::try_parse_from(["t", flag]).expect_err("help is an Err");
            assert!(!e.use_stderr());
        }
    }
}
