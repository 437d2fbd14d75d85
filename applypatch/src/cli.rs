//! The command line: GNU patch 2.7.6's flags as a clap `Cli`, public so an xtask can build the
//! man page and completions from `applypatch::cli::Cli::command()`, and their mapping to
//! [`Options`].
//!
//! GNU's rules for the line itself: any option may be given again (the last one wins), long
//! options may be abbreviated, options and operands mix (`patch f -p1 < p`), `--` ends the
//! options, and the operands are `[ORIGFILE [PATCHFILE]]`. `-v` is the version and `-V` the
//! backup method, as in GNU patch. Under the name `patch` (or with `--gnu`) the defaults are
//! GNU's ([`Cli::options`]); under `applypatch` they stay all or nothing.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

use crate::gnu::{Backup, BackupWhen, Method, Quoting, RejectFormat, RejectTo};
use crate::{Applied, OnFailure, Options, ReadOnly};

/// Apply a unified or git patch (GNU patch's flags; all or nothing unless --reject).
#[derive(Debug, Parser)]
#[command(
    name = "applypatch",
    version,
    disable_version_flag = true,
    disable_help_flag = true,
    args_override_self = true,
    infer_long_args = true,
    after_help = "Examples:\n  applypatch -p1 -i changes.patch       apply to the current directory\n  applypatch -p1 -d src --dry-run < p   check only; change nothing\n  applypatch -R -p1 -i changes.patch    take the patch back out\n\nUnder the name patch (a symlink) or with --gnu, the defaults are GNU patch 2.7.6's:\napply what fits, FILE.rej for the rest, FILE.orig when a hunk needed offset or fuzz.\n\nExit status (GNU patch's): 0 every hunk applied, 1 some hunks or files could not\nbe applied (nothing was written, or with --reject the rest went to FILE.rej),\n2 trouble (unreadable or malformed patch, unwritable tree, bad usage)."
)]
pub struct Cli {
    /// The file to patch (GNU's ORIGFILE): every file patch applies to it.
    #[arg(value_name = "ORIGFILE")]
    pub origfile: Option<PathBuf>,
    /// The patch (as -i PATCHFILE).
    #[arg(value_name = "PATCHFILE")]
    pub patchfile: Option<PathBuf>,
    /// GNU patch's defaults, as under the name `patch`.
    #[arg(long)]
    pub gnu: bool,
    /// Strip N leading components from file names (default: basename for GNU diffs, 1 for git).
    #[arg(short = 'p', long = "strip", value_name = "N")]
    pub strip: Option<String>,
    /// Read the patch from FILE instead of stdin (`-` is stdin).
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
    #[arg(short = 'F', long, value_name = "N")]
    pub fuzz: Option<String>,
    /// Print only errors.
    #[arg(short = 's', long, visible_alias = "silent")]
    pub quiet: bool,
    /// Say more about the work being done.
    #[arg(long)]
    pub verbose: bool,
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
    /// Write every patched file to FILE instead (`-` is stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write every reject to FILE (`-`: none at all).
    #[arg(short = 'r', long = "reject-file", value_name = "FILE")]
    pub reject_file: Option<PathBuf>,
    /// Rejects as `context` or `unified` diffs (default: as the patch).
    #[arg(long, value_name = "FORMAT")]
    pub reject_format: Option<String>,
    /// Back up the original of each patched file.
    #[arg(short = 'b', long)]
    pub backup: bool,
    /// Back up a file when a hunk needed offset or fuzz, or failed (GNU's default).
    #[arg(long, overrides_with = "no_backup_if_mismatch")]
    pub backup_if_mismatch: bool,
    /// Back up mismatches only if otherwise asked for.
    #[arg(long, overrides_with = "backup_if_mismatch")]
    pub no_backup_if_mismatch: bool,
    /// Backup method: simple, numbered, existing (and their aliases).
    #[arg(short = 'V', long = "version-control", value_name = "METHOD")]
    pub version_control: Option<String>,
    /// Prepend PREFIX to backup file names.
    #[arg(short = 'B', long = "prefix", value_name = "PREFIX")]
    pub prefix: Option<PathBuf>,
    /// Prepend PREFIX to backup file basenames.
    #[arg(short = 'Y', long = "basename-prefix", value_name = "PREFIX")]
    pub basename_prefix: Option<PathBuf>,
    /// Append SUFFIX to backup file names (default .orig, or $SIMPLE_BACKUP_SUFFIX).
    #[arg(short = 'z', long = "suffix", value_name = "SUFFIX")]
    pub suffix: Option<String>,
    /// Quote file names in messages: literal, shell, shell-always, c or escape.
    #[arg(long, value_name = "WORD")]
    pub quoting_style: Option<String>,
    /// Set patched files' times from the patch, timestamps without a zone in UTC.
    #[arg(short = 'Z', long = "set-utc", overrides_with = "set_time")]
    pub set_utc: bool,
    /// Set patched files' times from the patch, timestamps without a zone in local time.
    #[arg(short = 'T', long = "set-time", overrides_with = "set_utc")]
    pub set_time: bool,
    /// Patch the file a symlink leads to (only inside the target), not the symlink.
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Conform to POSIX: no backups on mismatch.
    #[arg(long)]
    pub posix: bool,
    /// Read-only files: ignore, warn (default) or fail.
    #[arg(long, value_name = "BEHAVIOR")]
    pub read_only: Option<String>,
    /// Accepted for GNU patch (binary and text are the same on POSIX).
    #[arg(long)]
    pub binary: bool,
    /// Blanks in the patch match any run of blanks in the file.
    #[arg(short = 'l', long)]
    pub ignore_whitespace: bool,
    /// Debugging flags (accepted, ignored).
    #[arg(
        short = 'x',
        long = "debug",
        value_name = "N",
        allow_hyphen_values = true
    )]
    pub debug: Option<String>,
    /// Get files from RCS or SCCS: refused.
    #[arg(
        short = 'g',
        long = "get",
        value_name = "NUM",
        allow_hyphen_values = true
    )]
    pub get: Option<String>,
    /// Merge into `#ifdef NAME` blocks: refused (not supported yet).
    #[arg(short = 'D', long = "ifdef", value_name = "NAME")]
    pub ifdef: Option<String>,
    /// Conflict markers instead of rejects: refused (not supported yet).
    #[arg(long, value_name = "STYLE", num_args = 0..=1, require_equals = true)]
    pub merge: Option<Option<String>>,
    /// Interpret the patch as a context diff.
    #[arg(short = 'c', long = "context")]
    pub context: bool,
    /// Interpret the patch as an ed script.
    #[arg(short = 'e', long = "ed")]
    pub ed: bool,
    /// Interpret the patch as a normal diff.
    #[arg(short = 'n', long = "normal")]
    pub normal: bool,
    /// Interpret the patch as a unified diff.
    #[arg(short = 'u', long = "unified")]
    pub unified: bool,
    /// Print the version and exit.
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
    /// Print this help and exit.
    #[arg(long = "help", action = ArgAction::Help)]
    pub help: Option<bool>,
}

/// A command line GNU patch refuses (exit 2), in its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The message after `patch: ` (it may hold more lines), if any.
    pub message: Option<String>,
    /// Whether GNU words it as a fatal error (`patch: **** ...`).
    pub fatal: bool,
    /// Whether the `patch: Try 'patch --help' for more information.` line follows.
    pub try_help: bool,
}

impl Refusal {
    fn fatal(message: String) -> Refusal {
        Refusal {
            message: Some(message),
            fatal: true,
            try_help: false,
        }
    }

    /// GNU's refusal of a bad value for some options: only the `Try` line.
    fn try_help() -> Refusal {
        Refusal {
            message: None,
            fatal: false,
            try_help: true,
        }
    }

    /// The text to print on stderr for the program `tool`.
    pub fn text(&self, tool: &str) -> String {
        let mut t = String::new();
        if let Some(m) = &self.message {
            let stars = if self.fatal { "**** " } else { "" };
            t.push_str(&format!("{tool}: {stars}{m}\n"));
        }
        if self.try_help {
            t.push_str(&format!(
                "{tool}: Try '{tool} --help' for more information.\n"
            ));
        }
        t
    }
}

impl Cli {
    /// The run's options; `gnu`: invoked as `patch` (or `--gnu`). `--idempotent` wins over
    /// `-f`, which wins over `-t`, then `-N`. `env` reads the environment
    /// (`SIMPLE_BACKUP_SUFFIX`, `VERSION_CONTROL`, `QUOTING_STYLE`, `POSIXLY_CORRECT`).
    pub fn options(
        &self,
        gnu: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Options, Refusal> {
        let gnu = gnu || self.gnu;
        if self.get.is_some() {
            return Err(Refusal::fatal(
                "-g/--get (fetching files from RCS or SCCS) is not supported: it would run an external program".into(),
            ));
        }
        if self.ifdef.is_some() || self.merge.is_some() {
            return Err(Refusal::fatal(
                "-D/--ifdef and --merge are not supported: use the reject files".into(),
            ));
        }
        let number = |v: &Option<String>, what: &str| -> Result<Option<usize>, Refusal> {
            v.as_deref()
                .map(|s| {
                    s.parse()
                        .map_err(|_| Refusal::fatal(format!("{what} {} is not a number", shown(s))))
                })
                .transpose()
        };
        self.check_debug()?;
        let strip = number(&self.strip, "strip count")?;
        let fuzz = number(&self.fuzz, "fuzz factor")?.unwrap_or(2);
        let reject_format = match self.reject_format.as_deref() {
            None => None,
            Some(s) => Some(RejectFormat::parse(s).ok_or_else(Refusal::try_help)?),
        };
        let read_only = match self.read_only.as_deref() {
            None => ReadOnly::default(),
            Some(s) => ReadOnly::parse(s).ok_or_else(Refusal::try_help)?,
        };
        let posix_env = gnu && env("POSIXLY_CORRECT").is_some();
        let posix = self.posix || posix_env;
        Ok(Options {
            dir: self.dir.clone(),
            strip,
            reverse: self.reverse,
            dry_run: self.dry_run,
            fuzz,
            quiet: self.quiet,
            verbose: self.verbose && !self.quiet,
            remove_empty: self.remove_empty,
            on_failure: if self.reject || gnu {
                OnFailure::Reject
            } else {
                OnFailure::Abort
            },
            applied: self.applied(gnu),
            gnu,
            posix,
            origfile: self.origfile.clone(),
            output: self.output.clone(),
            reject_to: match &self.reject_file {
                Some(p) if p.as_os_str() == "-" => RejectTo::Discard,
                Some(p) => RejectTo::File(p.clone()),
                None => RejectTo::Beside,
            },
            reject_format,
            backup: self.backups(gnu, posix_env, env)?,
            quoting: self.quoting(env)?,
            read_only,
            follow_symlinks: self.follow_symlinks,
            ignore_whitespace: self.ignore_whitespace,
            binary: self.binary,
            set_time: match (self.set_utc, self.set_time) {
                (true, _) => Some(crate::gnu::SetTime::Utc),
                (_, true) => Some(crate::gnu::SetTime::Local),
                _ => None,
            },
        })
    }

    /// `-x N` is accepted as GNU accepts it (a number, with an optional sign) and prints
    /// nothing: GNU's debugging output shows its own internals.
    fn check_debug(&self) -> Result<(), Refusal> {
        let Some(x) = self.debug.as_deref() else {
            return Ok(());
        };
        let digits = x.strip_prefix(['+', '-']).unwrap_or(x);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            let what = format!("debugging option {} is not a number", shown(x));
            return Err(Refusal::fatal(what));
        }
        Ok(())
    }

    fn applied(&self, gnu: bool) -> Applied {
        match (self.idempotent, self.force, self.batch, self.forward) {
            (true, ..) => Applied::NoOp,
            (_, true, ..) => Applied::Ignore,
            (_, _, true, _) => Applied::AssumeReversed,
            (_, _, _, true) => Applied::Skip,
            _ if gnu => Applied::Ask,
            _ => Applied::Skip,
        }
    }

    /// The backup settings: `-b`, GNU's backup-if-mismatch default (off under `--posix`
    /// and under the name `applypatch`), the method from `-V` or `$VERSION_CONTROL`, the
    /// suffix from `-z` or `$SIMPLE_BACKUP_SUFFIX`.
    fn backups(
        &self,
        gnu: bool,
        posix: bool,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Backup, Refusal> {
        let when = if self.backup {
            BackupWhen::Always
        } else if self.backup_if_mismatch || (gnu && !posix && !self.no_backup_if_mismatch) {
            // (GNU decides this default from `$POSIXLY_CORRECT` before it reads `--posix`,
            // which therefore keeps it: checked black-box.)
            BackupWhen::OnMismatch
        } else {
            BackupWhen::Never
        };
        let method = match self
            .version_control
            .clone()
            .or_else(|| env("PATCH_VERSION_CONTROL"))
            .or_else(|| env("VERSION_CONTROL"))
        {
            Some(word) if !word.is_empty() => Method::parse(&word).ok_or_else(|| Refusal {
                message: Some(Method::refusal(&word, self.version_control.is_some())),
                fatal: false,
                try_help: false,
            })?,
            // `-z`, `-B` or `-Y` without `-V` make simple backups (checked black-box).
            _ if self.suffix.is_some()
                || self.prefix.is_some()
                || self.basename_prefix.is_some() =>
            {
                Method::Simple
            }
            _ => Method::Existing,
        };
        let suffix = self
            .suffix
            .clone()
            .or_else(|| env("SIMPLE_BACKUP_SUFFIX").filter(|s| !s.is_empty() && !s.contains('/')))
            .unwrap_or_else(|| ".orig".into());
        let backup = Backup {
            when,
            method,
            prefix: self.prefix.clone(),
            basename_prefix: self.basename_prefix.clone(),
            suffix,
            suffix_given: self.suffix.is_some(),
        };
        backup.check().map_err(|e| Refusal::fatal(e.to_string()))?;
        Ok(backup)
    }

    fn quoting(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Quoting, Refusal> {
        match &self.quoting_style {
            Some(word) => Quoting::parse(word).ok_or_else(|| Refusal {
                message: Some(format!("invalid argument '{word}' for 'quoting style'")),
                fatal: false,
                try_help: true,
            }),
            None => Ok(env("QUOTING_STYLE")
                .and_then(|w| Quoting::parse(&w))
                .unwrap_or_default()),
        }
    }

    /// The patch to read: `-i FILE`, else the PATCHFILE operand (`-` or neither: stdin).
    pub fn patch_input(&self) -> Option<&std::path::Path> {
        self.input
            .as_deref()
            .or(self.patchfile.as_deref())
            .filter(|p| p.as_os_str() != "-")
    }
}

/// The name the program was run under, which picks its defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// `applypatch`: all or nothing.
    Applypatch,
    /// `patch` (e.g. a symlink named so): GNU patch's defaults.
    Patch,
}

impl Name {
    /// `patch` when the program's name (`argv[0]`) is `patch` or ends in `/patch`.
    pub fn from_argv0(argv0: Option<&std::ffi::OsStr>) -> Name {
        use std::os::unix::ffi::OsStrExt;
        let base = argv0
            .map(|a| a.as_bytes())
            .map(|a| a.rsplit(|&c| c == b'/').next().unwrap_or(a));
        if base == Some(b"patch") {
            Name::Patch
        } else {
            Name::Applypatch
        }
    }

    /// The name in messages: `applypatch`, or, as GNU patch does, the program name as invoked.
    pub fn tool(self, argv0: Option<&std::ffi::OsStr>) -> String {
        match (self, argv0) {
            (Name::Patch, Some(a)) => a.to_string_lossy().into_owned(),
            (Name::Patch, None) => "patch".to_string(),
            (Name::Applypatch, _) => "applypatch".to_string(),
        }
    }
}

/// A command-line word in a message, quoted as GNU quotes it (shell style, when needed).
fn shown(word: &str) -> String {
    let quoted = crate::gnu::Quoting::default().quote(word.as_bytes());
    String::from_utf8(quoted).unwrap_or_else(|_| word.to_string())
}

/// Parses `args` (after the program name) for the program `tool`. A command line that cannot
/// be parsed gives GNU getopt's words (`unrecognized option`, `invalid option -- 'Q'`, `FILE:
/// extra operand`) and status 2; `--help` and `--version` give their text and status 0.
pub fn parse(tool: &str, args: &[std::ffi::OsString]) -> Result<Cli, (String, u8)> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let argv = std::iter::once(std::ffi::OsString::from(tool)).chain(args.iter().cloned());
    let e = match Cli::try_parse_from(argv) {
        Ok(cli) => return Ok(cli),
        Err(e) => e,
    };
    if !e.use_stderr() {
        return Err((e.render().to_string(), 0));
    }
    let usage = toolkit::Usage::Gnu(crate::EXIT_TROUBLE as u8);
    let try_help = format!("{tool}: Try '{tool} --help' for more information.\n");
    if let Some(what) = missing_value(&e, args) {
        return Err((format!("{tool}: {what}\n{try_help}"), usage.status()));
    }
    if let (ErrorKind::UnknownArgument, Some(ContextValue::String(arg))) =
        (e.kind(), e.get(ContextKind::InvalidArg))
        && !arg.starts_with('-')
    {
        return Err((
            format!("{tool}: {arg}: extra operand\n{try_help}"),
            usage.status(),
        ));
    }
    Err((toolkit::usage_message(tool, usage, &e), usage.status()))
}

/// GNU getopt's words for an option given last without its value: `option requires an
/// argument -- 'D'` (short) or `option '--ifdef' requires an argument` (long).
fn missing_value(e: &clap::Error, args: &[std::ffi::OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let empty =
        matches!(e.get(ContextKind::InvalidValue), Some(ContextValue::String(v)) if v.is_empty());
    if e.kind() != ErrorKind::InvalidValue || !empty {
        return None;
    }
    let last = args.last()?.to_string_lossy();
    match last.strip_prefix("--") {
        Some(long) => Some(format!("option '--{long}' requires an argument")),
        None => last
            .chars()
            .last()
            .map(|c| format!("option requires an argument -- '{c}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn cli_is_consistent_and_reads_the_seed_line() {
        Cli::command().debug_assert();
        let cli = Cli::parse_from(["applypatch", "-p", "1", "-i", "p"]);
        assert_eq!(cli.strip.as_deref(), Some("1"));
        assert_eq!(cli.input, Some(PathBuf::from("p")));
        let o = Cli::parse_from(["applypatch", "-p1", "-N", "--idempotent", "--reject"])
            .options(false, &no_env)
            .unwrap();
        assert_eq!(o.applied, Applied::NoOp);
        assert_eq!(o.on_failure, OnFailure::Reject);
    }

    #[test]
    fn the_last_of_an_option_given_twice_wins() {
        let cli = Cli::parse_from(["patch", "-p1", "-p", "2", "-s", "-s", "-F1", "-F3"]);
        let o = cli.options(true, &no_env).unwrap();
        assert_eq!((o.strip, o.fuzz, o.quiet), (Some(2), 3, true));
        let o = Cli::parse_from(["patch", "f", "p"])
            .options(true, &no_env)
            .unwrap();
        assert_eq!(o.origfile, Some(PathBuf::from("f")));
        assert_eq!(o.applied, Applied::Ask);
        assert_eq!(o.backup.when, BackupWhen::OnMismatch);
        let posix = |k: &str| (k == "POSIXLY_CORRECT").then(String::new);
        let o = Cli::parse_from(["patch"]).options(true, &posix).unwrap();
        assert_eq!(o.backup.when, BackupWhen::Never);
        let o = Cli::parse_from(["applypatch"])
            .options(false, &no_env)
            .unwrap();
        assert_eq!(o.backup.when, BackupWhen::Never);
        assert_eq!(o.on_failure, OnFailure::Abort);
    }
}
