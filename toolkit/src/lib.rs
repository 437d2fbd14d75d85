//! What the four binaries share around their libraries, in the image of ripgrep's
//! `crates/cli` and uucore's `bin!`, so that each `main.rs` is a few lines:
//!
//! - [`ExitStatus`]: one vocabulary for "this outcome or error names the exit status"; each
//!   tool's outcome and error types implement it next to their definition.
//! - [`parse_args`] / [`usage_error`]: clap's own report of a bad command line, with the
//!   tool's usage status (rsync and cp say 1, diff and patch 2); `--help` and `--version` 0.
//! - [`finish`]: the end of `main`: the outcome's status, or `TOOL: error: causes` on stderr
//!   (anyhow's `{:#}`) and the error's status. What a reader leaving early (`tool | head -1`)
//!   means is the tool's business, so it is a parameter ([`OnBrokenPipe`]), not a fork.
//! - [`umask`]: the process's umask, read once.
//!
//! Paths in messages go through `fstree::error::display_path`, which all tools already share.

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

/// Parses the process's arguments into `C`. A bad command line is reported as clap reports it
/// and yields `usage_status`; `--help` and `--version` are printed and yield 0.
pub fn parse_args<C: clap::Parser>(usage_status: u8) -> Result<C, ExitCode> {
    C::try_parse().map_err(|e| usage_error(&e, usage_status))
}

/// Prints `e` as clap does and returns `usage_status`, or 0 for `--help` and `--version`.
pub fn usage_error(e: &clap::Error, usage_status: u8) -> ExitCode {
    let _ = e.print();
    ExitCode::from(usage_status_for(e, usage_status))
}

fn usage_status_for(e: &clap::Error, usage_status: u8) -> u8 {
    if e.use_stderr() { usage_status } else { 0 }
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

    #[derive(Debug, Parser)]
    #[command(name = "t", version)]
    struct Cli {
        #[arg(long)]
        n: Option<u32>,
    }

    #[test]
    fn usage_errors_take_the_tool_s_status_help_and_version_zero() {
        let bad = Cli::try_parse_from(["t", "--bogus"]).expect_err("bad flag");
        assert_eq!(usage_status_for(&bad, 1), 1);
        assert_eq!(usage_status_for(&bad, 2), 2);
        for flag in ["--help", "--version"] {
            let e = Cli::try_parse_from(["t", flag]).expect_err("help is an Err");
            assert_eq!(usage_status_for(&e, 2), 0);
        }
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
}
