//! The command line: GNU patch's flags as a clap `Cli`, public so an xtask can build the man
//! page and completions from `applypatch::cli::Cli::command()`, and their mapping to
//! [`Options`].

use std::path::PathBuf;

use clap::Parser;

use crate::{Applied, OnFailure, Options};

/// Apply a unified or git patch (GNU patch's flags; all or nothing unless --reject).
#[derive(Debug, Parser)]
#[command(
    name = "applypatch",
    version,
    after_help = "Examples:\n  applypatch -p1 -i changes.patch       apply to the current directory\n  applypatch -p1 -d src --dry-run < p   check only; change nothing\n  applypatch -R -p1 -i changes.patch    take the patch back out\n\nExit status (GNU patch's): 0 every hunk applied, 1 some hunks or files could not\nbe applied (nothing was written, or with --reject the rest went to FILE.rej),\n2 trouble (unreadable or malformed patch, unwritable tree, bad usage)."
)]
pub struct Cli {
    /// Strip N leading components from file names (default: basename for GNU diffs, 1 for git).
    #[arg(short = 'p', long = "strip", value_name = "N")]
    pub strip: Option<usize>,
    /// Read the patch from FILE instead of stdin.
    #[arg(short = 'i', long = "input", value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Change to DIR before doing anything.
    #[arg(
        short = 'd',
        long = "directory",
        value_name = "DIR",
        default_value = "."
    )]
    pub dir: PathBuf,
    /// Apply the patch in reverse.
    #[arg(short = 'R', long)]
    pub reverse: bool,
    /// Check only; change nothing.
    #[arg(long, visible_alias = "check")]
    pub dry_run: bool,
    /// Skip patches that look reversed or already applied (exit 1).
    #[arg(short = 'N', long)]
    pub forward: bool,
    /// Maximum fuzz (context lines that may be ignored at each end).
    #[arg(short = 'F', long, value_name = "N", default_value_t = 2)]
    pub fuzz: usize,
    /// Print only errors.
    #[arg(short = 's', long, visible_alias = "silent")]
    pub quiet: bool,
    /// Do not detect reversed patches; never ask.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Remove files left empty by the patch.
    #[arg(short = 'E', long = "remove-empty-files")]
    pub remove_empty: bool,
    /// Never ask; assume reversed patches are reversed (GNU's -t).
    #[arg(short = 't', long)]
    pub batch: bool,
    /// Apply the hunks that fit and write the rest to FILE.rej (GNU patch's behaviour).
    #[arg(long)]
    pub reject: bool,
    /// A patch that is already applied is a no-op that succeeds.
    #[arg(long)]
    pub idempotent: bool,
}

impl Cli {
    /// The run's options; `--idempotent` wins over `-f`, which wins over `-t`, then `-N`.
    pub fn options(&self) -> Options {
        let applied = match (self.idempotent, self.force, self.batch, self.forward) {
            (true, ..) => Applied::NoOp,
            (_, true, ..) => Applied::Ignore,
            (_, _, true, _) => Applied::AssumeReversed,
            _ => Applied::Skip,
        };
        Options {
            dir: self.dir.clone(),
            strip: self.strip,
            reverse: self.reverse,
            dry_run: self.dry_run,
            fuzz: self.fuzz,
            quiet: self.quiet,
            remove_empty: self.remove_empty,
            on_failure: if self.reject {
                OnFailure::Reject
            } else {
                OnFailure::Abort
            },
            applied,
            origfile: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent_and_reads_the_seed_line() {
        Cli::command().debug_assert();
        let cli = Cli::parse_from(["applypatch", "-p", "1", "-i", "p"]);
        assert_eq!(cli.strip, Some(1));
        assert_eq!(cli.input, Some(PathBuf::from("p")));
        let o = Cli::parse_from(["applypatch", "-p1", "-N", "--idempotent", "--reject"]).options();
        assert_eq!(o.applied, Applied::NoOp);
        assert_eq!(o.on_failure, OnFailure::Reject);
    }
}
