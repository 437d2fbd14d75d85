//! The command line, as a clap definition the binary parses and `xtask` turns into the man
//! page, plus its conversion into what to run ([`Invocation`]): treediff's tree patch
//! ([`Config`]) or GNU diff's comparison ([`GnuConfig`]), chosen by the program's name
//! ([`Name`]), `--gnu` and the operands. Flags GNU diff repeats freely (`-s -s`) may repeat.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{ArgAction, Parser, ValueEnum};
use fstree::Exclude;

use crate::gnu::ed::Script;
use crate::gnu::switches::{self, Takes};
use crate::gnu::{GnuConfig, Style};
use crate::operand::{self, Operand};
use crate::{Config, Error, Format, Output, Renames, TextMode};

mod argv;
mod gnuhelp;
mod options;
use argv::single;
pub use argv::{ambiguous_option, is_help, obsolete_context, write_help};

/// A command line that asks for something impossible, in GNU diff's words (exit status 2);
/// `try_help`: followed by the `Try '... --help'` line, as GNU does for most of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    /// What is wrong.
    pub message: String,
    /// Whether the `Try` line follows.
    pub try_help: bool,
}

impl UsageError {
    fn new(message: &str, try_help: bool) -> UsageError {
        UsageError {
            message: message.to_string(),
            try_help,
        }
    }
}

/// Why a command line cannot run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A usage error.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// Anything else (an unreadable exclude file, a bad pattern).
    #[error(transparent)]
    Other(#[from] Error),
}

/// Write one patch that carries every difference between two trees.
///
/// Two files (or a file and a directory, or `-`) are compared as GNU `diff -u` compares them;
/// under the name `diff` (a symlink) or with `--gnu`, everything is compared as GNU diff
/// compares it, with its defaults (normal format, directories one level deep unless `-r`).
///
/// The output is git's extended unified diff (a/ and b/ prefixes), which `git apply`, GNU
/// `patch -p1` (all but binary files) and `applypatch` read: text hunks, new and deleted files
/// (empty ones too), modes, symlinks, type changes, binary files as `GIT binary patch`, and
/// `# treediff: mkdir/rmdir` lines for directories. Symlinks are never followed.
///
/// Exit status: 0 no differences, 1 differences, 2 trouble (unreadable or special files;
/// wins over 1).
#[derive(Debug, Parser)]
#[command(
    name = "treediff",
    version,
    disable_version_flag = true,
    infer_long_args = true,
    after_help = "Examples:\n  treediff -ur old/ new/ > changes.patch\n  treediff --stat A B\n  treediff --manifest sources.mtree sources/ . > p\n  treediff file1 file2\n  ln -s treediff diff; ./diff -r old/ new/"
)]
pub struct Cli {
    /// Print version information and exit (`-V` too).
    #[arg(short = 'v', short_alias = 'V', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
    /// The old and the new tree (or files, or `-` for standard input); with `--from-file` or
    /// `--to-file`, any number of files to compare with that one.
    #[arg(value_name = "OLD NEW")]
    pub operands: Vec<PathBuf>,
    /// Compare FILE to each operand (FILE may be a directory).
    #[arg(long = "from-file", value_name = "FILE", allow_hyphen_values = true)]
    pub from_file: Vec<OsString>,
    /// Compare each operand to FILE (FILE may be a directory).
    #[arg(long = "to-file", value_name = "FILE", allow_hyphen_values = true)]
    pub to_file: Vec<OsString>,
    /// Compare subdirectories too (always so for treediff's own tree comparison).
    #[arg(short = 'r', long = "recursive", action = ArgAction::Count)]
    pub recursive: u8,
    /// Unified format (treediff's own; for two files GNU's `diff -u`).
    #[arg(short = 'u', action = ArgAction::Count)]
    pub unified_flag: u8,
    /// Context format with 3 lines (two files, or under the name `diff`).
    #[arg(short = 'c', action = ArgAction::Count)]
    pub context_flag: u8,
    /// Context format with NUM lines of context (two files, or under the name `diff`).
    #[arg(short = 'C', value_name = "NUM", allow_hyphen_values = true)]
    pub context_short: Vec<String>,
    /// Context format with NUM (default 3) lines of context.
    #[arg(long = "context", value_name = "NUM", num_args = 0..=1, require_equals = true, default_missing_value = "3")]
    pub context_long: Vec<String>,
    /// GNU's normal format (the default under the name `diff`).
    #[arg(long, overrides_with = "normal")]
    pub normal: bool,
    /// Compare as GNU diff does (as when invoked under the name `diff`): normal format unless
    /// asked otherwise, directories one level deep unless `-r`, `Only in` unless `-N`.
    #[arg(long, overrides_with = "gnu")]
    pub gnu: bool,
    /// Use LABEL instead of the file name and time in headers (given twice: the second file's).
    #[arg(long, value_name = "LABEL")]
    pub label: Vec<OsString>,
    /// Say when two files are the same (`Files A and B are identical`).
    #[arg(
        short = 's',
        long = "report-identical-files",
        overrides_with = "report_identical"
    )]
    pub report_identical: bool,
    /// Treat absent files as empty (always so for treediff's own tree comparison).
    #[arg(short = 'N', long = "new-file", action = ArgAction::Count)]
    pub new_file: u8,
    /// Treat files absent from the first operand as empty (two files, or under the name
    /// `diff`).
    #[arg(long = "unidirectional-new-file", action = ArgAction::Count)]
    pub unidirectional_new_file: u8,
    /// Compare symbolic links as links (treediff's tree comparison never follows them; GNU's
    /// does inside directories unless this is given).
    #[arg(long, overrides_with = "no_dereference")]
    pub no_dereference: bool,
    /// Unified format with NUM lines of context (default 3; the largest given wins, as in GNU
    /// diff, where `-u` and `-c` count as 3).
    #[arg(short = 'U', value_name = "NUM", allow_hyphen_values = true)]
    pub unified_short: Vec<String>,
    /// Unified format with NUM (default 3) lines of context.
    #[arg(long = "unified", value_name = "NUM", num_args = 0..=1, require_equals = true, default_missing_value = "3")]
    pub unified_long: Vec<String>,
    /// Treat every file as text (no binary detection).
    #[arg(short = 'a', long, action = ArgAction::Count)]
    pub text: u8,
    /// Write deleted+added files with equal content as renames (`similarity index 100%`).
    #[arg(short = 'M', long = "find-renames")]
    pub renames: bool,
    /// Output dialect: git (extended unified diff) or gnu (what `diff -ruN` writes).
    #[arg(long, value_enum, default_value_t = FormatArg::Git)]
    pub format: FormatArg,
    /// Only say which paths differ, one line each.
    #[arg(short = 'q', long = "brief", conflicts_with = "stat", action = ArgAction::Count)]
    pub brief: u8,
    /// Write a git-style diffstat instead of the patch.
    #[arg(long)]
    pub stat: bool,
    /// Leave out entries whose name matches GLOB (with `/`: the relative path); repeatable.
    #[arg(short = 'x', long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Leave out entries matching any glob listed in FILE (one per line); repeatable.
    #[arg(short = 'X', long = "exclude-from", value_name = "FILE")]
    pub exclude_from: Vec<PathBuf>,
    /// Color the output: never, always, or auto (only on a terminal, never with NO_COLOR).
    #[arg(long, value_enum, value_name = "WHEN", num_args = 0..=1, require_equals = true, default_value_t = ColorWhen::Never, default_missing_value = "auto", overrides_with = "color")]
    pub color: ColorWhen,
    /// Ignore case differences in file contents (ASCII letters).
    #[arg(short = 'i', long = "ignore-case", action = ArgAction::Count)]
    pub ignore_case: u8,
    /// Ignore changes due to tab expansion.
    #[arg(short = 'E', long = "ignore-tab-expansion", action = ArgAction::Count)]
    pub ignore_tab_expansion: u8,
    /// Ignore white space at line end.
    #[arg(short = 'Z', long = "ignore-trailing-space", action = ArgAction::Count)]
    pub ignore_trailing_space: u8,
    /// Ignore changes in the amount of white space.
    #[arg(short = 'b', long = "ignore-space-change", action = ArgAction::Count)]
    pub ignore_space_change: u8,
    /// Ignore all white space.
    #[arg(short = 'w', long = "ignore-all-space", action = ArgAction::Count)]
    pub ignore_all_space: u8,
    /// Ignore changes whose lines are all blank.
    #[arg(short = 'B', long = "ignore-blank-lines", action = ArgAction::Count)]
    pub ignore_blank_lines: u8,
    /// Ignore changes whose lines all match RE (a grep-style basic regular expression);
    /// repeatable.
    #[arg(
        short = 'I',
        long = "ignore-matching-lines",
        value_name = "RE",
        allow_hyphen_values = true
    )]
    pub ignore_matching_lines: Vec<OsString>,
    /// Strip a trailing carriage return on input.
    #[arg(long = "strip-trailing-cr", action = ArgAction::Count)]
    pub strip_trailing_cr: u8,
    /// Read and write data in binary mode (no effect on POSIX systems).
    #[arg(long = "binary", action = ArgAction::Count)]
    pub binary: u8,
    /// Try hard to find a smaller set of changes.
    #[arg(short = 'd', long = "minimal", action = ArgAction::Count)]
    pub minimal: u8,
    /// Assume large files and many scattered small changes (accepted; no effect).
    #[arg(long = "speed-large-files", action = ArgAction::Count)]
    pub speed_large_files: u8,
    /// Assume large files and many scattered small changes (accepted; no effect).
    #[arg(short = 'H', action = ArgAction::Count)]
    pub speed_large_files_h: u8,
    /// Keep NUM lines of the common prefix and suffix.
    #[arg(long = "horizon-lines", value_name = "NUM", allow_hyphen_values = true)]
    pub horizon_lines: Vec<String>,
    /// Tab stops every NUM (default 8) print columns.
    #[arg(long = "tabsize", value_name = "NUM", allow_hyphen_values = true)]
    pub tabsize: Vec<String>,
    /// Show which C function each change is in.
    #[arg(short = 'p', long = "show-c-function", action = ArgAction::Count)]
    pub show_c_function: u8,
    /// Show the most recent line matching RE; repeatable.
    #[arg(
        short = 'F',
        long = "show-function-line",
        value_name = "RE",
        allow_hyphen_values = true
    )]
    pub show_function_line: Vec<OsString>,
    /// Expand tabs to spaces in output.
    #[arg(short = 't', long = "expand-tabs", action = ArgAction::Count)]
    pub expand_tabs: u8,
    /// Make tabs line up by prepending a tab.
    #[arg(short = 'T', long = "initial-tab", action = ArgAction::Count)]
    pub initial_tab: u8,
    /// Do not output a space or tab before an empty line.
    #[arg(long = "suppress-blank-empty", action = ArgAction::Count)]
    pub suppress_blank_empty: u8,
    /// Output in two columns.
    #[arg(short = 'y', long = "side-by-side", action = ArgAction::Count)]
    pub side_by_side: u8,
    /// Two columns, each run of common or changed lines headed by `iN,M` or `cN,M` (what
    /// `sdiff` reads).
    #[arg(long = "sdiff-merge-assist", action = ArgAction::Count, hide = true)]
    pub sdiff_merge_assist: u8,
    /// Accepted as GNU diff accepts it (undocumented there; no effect on the output was found
    /// in black-box runs).
    #[arg(long = "inhibit-hunk-merge", action = ArgAction::Count, hide = true)]
    pub inhibit_hunk_merge: u8,
    /// Pass the output through `pr` to paginate it (laid out by treediff itself).
    #[arg(short = 'l', long = "paginate", action = ArgAction::Count)]
    pub paginate: u8,
    /// Output at most NUM (default 130) print columns.
    #[arg(
        short = 'W',
        long = "width",
        value_name = "NUM",
        allow_hyphen_values = true
    )]
    pub width: Vec<String>,
    /// Output only the left column of common lines.
    #[arg(long = "left-column", action = ArgAction::Count)]
    pub left_column: u8,
    /// Do not output common lines.
    #[arg(long = "suppress-common-lines", action = ArgAction::Count)]
    pub suppress_common_lines: u8,
    /// Output an ed script.
    #[arg(short = 'e', long = "ed", action = ArgAction::Count)]
    pub ed: u8,
    /// Output something like an ed script in forward order.
    #[arg(short = 'f', long = "forward-ed", action = ArgAction::Count)]
    pub forward_ed: u8,
    /// Output an RCS format diff.
    #[arg(short = 'n', long = "rcs", action = ArgAction::Count)]
    pub rcs: u8,
    /// Output merged file with `#ifdef NAME` diffs.
    #[arg(
        short = 'D',
        long = "ifdef",
        value_name = "NAME",
        allow_hyphen_values = true
    )]
    pub ifdef: Vec<OsString>,
    /// Format all input lines with LFMT.
    #[arg(long = "line-format", value_name = "LFMT", allow_hyphen_values = true)]
    pub line_format: Vec<OsString>,
    /// Format lines only from the first file with LFMT.
    #[arg(
        long = "old-line-format",
        value_name = "LFMT",
        allow_hyphen_values = true
    )]
    pub old_line_format: Vec<OsString>,
    /// Format lines only from the second file with LFMT.
    #[arg(
        long = "new-line-format",
        value_name = "LFMT",
        allow_hyphen_values = true
    )]
    pub new_line_format: Vec<OsString>,
    /// Format lines common to both files with LFMT.
    #[arg(
        long = "unchanged-line-format",
        value_name = "LFMT",
        allow_hyphen_values = true
    )]
    pub unchanged_line_format: Vec<OsString>,
    /// Format groups of lines only from the first file with GFMT.
    #[arg(
        long = "old-group-format",
        value_name = "GFMT",
        allow_hyphen_values = true
    )]
    pub old_group_format: Vec<OsString>,
    /// Format groups of lines only from the second file with GFMT.
    #[arg(
        long = "new-group-format",
        value_name = "GFMT",
        allow_hyphen_values = true
    )]
    pub new_group_format: Vec<OsString>,
    /// Format groups of lines from both files with GFMT.
    #[arg(
        long = "changed-group-format",
        value_name = "GFMT",
        allow_hyphen_values = true
    )]
    pub changed_group_format: Vec<OsString>,
    /// Format groups of lines common to both files with GFMT.
    #[arg(
        long = "unchanged-group-format",
        value_name = "GFMT",
        allow_hyphen_values = true
    )]
    pub unchanged_group_format: Vec<OsString>,
    /// The colors of `--color` (GNU's `rs=0:hd=1:ad=32:de=31:ln=36`).
    #[arg(long = "palette", value_name = "PALETTE", allow_hyphen_values = true)]
    pub palette: Vec<OsString>,
    /// Start with FILE when comparing directories.
    #[arg(
        short = 'S',
        long = "starting-file",
        value_name = "FILE",
        allow_hyphen_values = true
    )]
    pub starting_file: Vec<OsString>,
    /// GNU's obsolete `-NUM` (lines of context), taken out of the arguments before parsing
    /// ([`obsolete_context`]).
    #[arg(skip)]
    pub obsolete_context: Option<usize>,
    /// Ignore case when comparing file names.
    #[arg(
        long = "ignore-file-name-case",
        overrides_with_all = ["no_ignore_file_name_case", "ignore_file_name_case"]
    )]
    pub ignore_file_name_case: bool,
    /// Consider case when comparing file names.
    #[arg(
        long = "no-ignore-file-name-case",
        overrides_with_all = ["ignore_file_name_case", "no_ignore_file_name_case"]
    )]
    pub no_ignore_file_name_case: bool,
    /// Trust this mtree manifest of OLD (from `snap --manifest`) for sizes, modes, links and
    /// SHA-256 digests: only NEW is read to find what changed.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// git extended unified diff.
    Git,
    /// GNU `diff -ruN`.
    Gnu,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Never.
    Never,
    /// Always.
    Always,
    /// When stdout is a terminal and NO_COLOR is not set.
    Auto,
}

/// The name the program was invoked under, which picks the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// `treediff`: the tree patch for directories, GNU's unified format for two files.
    Treediff,
    /// `diff` (e.g. a symlink named so), or `treediff --gnu`: GNU diff's defaults.
    Diff,
}

impl Name {
    /// `diff` when the program's name (`argv[0]`) ends in `/diff` or is `diff`.
    pub fn from_argv0(argv0: Option<&std::ffi::OsStr>) -> Name {
        use std::os::unix::ffi::OsStrExt;
        let base = argv0
            .map(|a| a.as_bytes())
            .map(|a| a.rsplit(|&c| c == b'/').next().unwrap_or(a));
        if base == Some(b"diff") {
            Name::Diff
        } else {
            Name::Treediff
        }
    }

    /// The name in messages: `treediff`, or, as GNU diff does, the program name as invoked
    /// (`diff`, `/usr/local/bin/diff`).
    pub fn tool(self, argv0: Option<&std::ffi::OsStr>) -> String {
        match (self, argv0) {
            (Name::Diff, Some(a)) => a.to_string_lossy().into_owned(),
            (Name::Diff, None) => "diff".to_string(),
            (Name::Treediff, _) => "treediff".to_string(),
        }
    }
}

/// Options that take a value which may be the next argument (for the `diff OPTIONS A B` line).
const TAKES: Takes<'static> = Takes {
    short: b"UCxXIFWDS",
    long: &[
        "label",
        "exclude",
        "exclude-from",
        "manifest",
        "format",
        "ignore-matching-lines",
        "horizon-lines",
        "tabsize",
        "show-function-line",
        "width",
        "ifdef",
        "starting-file",
        "line-format",
        "old-line-format",
        "new-line-format",
        "unchanged-line-format",
        "old-group-format",
        "new-group-format",
        "changed-group-format",
        "unchanged-group-format",
        "from-file",
        "to-file",
        "palette",
    ],
};

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// treediff's own comparison of two trees.
    Tree(Config),
    /// GNU diff's comparison of pairs of operands (one pair, or one per operand with
    /// `--from-file`/`--to-file`).
    Gnu(Box<GnuConfig>, Vec<(Operand, Operand)>),
}

/// True when clap's error is about the number of operands (one missing, or an extra one),
/// not about an option, which GNU reports first.
pub fn is_operand_count_error(e: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match (e.kind(), e.get(ContextKind::InvalidArg)) {
        (ErrorKind::MissingRequiredArgument, _) => true,
        (ErrorKind::UnknownArgument, Some(ContextValue::String(arg))) => {
            !arg.starts_with('-') || arg == "-"
        }
        _ => false,
    }
}

/// GNU's words for a command line without exactly two operands (`missing operand after
/// 'LAST'`, `extra operand 'THIRD'`), or `None` when it has two. `program` is the name
/// (`diff`, `treediff`) named when there are no arguments at all.
pub fn operand_error(program: &str, args: &[OsString]) -> Option<UsageError> {
    let operands = switches::operands(args, TAKES);
    let message = match operands.len() {
        2 => return None,
        0 | 1 => {
            let last = args
                .last()
                .map_or(program.to_string(), |a| a.to_string_lossy().into_owned());
            format!("missing operand after '{last}'")
        }
        _ => format!("extra operand '{}'", String::from_utf8_lossy(&operands[2])),
    };
    Some(UsageError::new(&message, true))
}

impl Cli {
    /// Lines of context: the largest of `-U`, `-C`, `--unified=`, `--context=`, with `-u` and
    /// `-c` counting as 3 (as GNU diff takes them); 3 when none is given.
    pub fn context_lines(&self) -> usize {
        // GNU's obsolete `-NUM` counts, and then `-u` and `-c` do not.
        let flags = (self.obsolete_context.is_none()
            && (self.unified_flag > 0 || self.context_flag > 0))
            .then_some(3);
        self.context_values()
            .filter_map(|v| context_number(v))
            .chain(flags)
            .chain(self.obsolete_context)
            .max()
            .unwrap_or(3)
    }

    /// The values of `-U`, `--unified`, `-C` and `--context`.
    fn context_values(&self) -> impl Iterator<Item = &String> {
        self.unified_short
            .iter()
            .chain(&self.unified_long)
            .chain(&self.context_short)
            .chain(&self.context_long)
    }

    /// The output formats asked for, or the usage error GNU gives for more than one (or for
    /// a context length that is not a number).
    fn style(&self) -> Result<Option<Style>, UsageError> {
        if let Some(bad) = self.context_values().find(|v| context_number(v).is_none()) {
            let message = format!("invalid context length '{bad}'");
            return Err(UsageError::new(&message, true));
        }
        let unified = self.unified_flag > 0
            || !self.unified_short.is_empty()
            || !self.unified_long.is_empty();
        let context = self.context_flag > 0
            || !self.context_short.is_empty()
            || !self.context_long.is_empty();
        let styles = [
            (unified, Style::Unified),
            (context, Style::Context),
            (self.normal, Style::Normal),
            (
                self.side_by_side > 0 || self.sdiff_merge_assist > 0,
                Style::SideBySide,
            ),
            (self.ed > 0, Style::Script(Script::Ed)),
            (self.forward_ed > 0, Style::Script(Script::ForwardEd)),
            (self.rcs > 0, Style::Script(Script::Rcs)),
            (self.has_formats(), Style::IfThenElse),
        ];
        let mut chosen = styles.iter().filter(|(given, _)| *given).map(|&(_, s)| s);
        match (chosen.next(), chosen.next()) {
            (style, None) => Ok(style),
            _ => Err(UsageError::new("conflicting output style options", true)),
        }
    }

    /// Decides between treediff's tree comparison and GNU's, from the name the program was
    /// invoked under, the operands, and `args` (the arguments after the program name, for the
    /// `diff OPTIONS A B` lines).
    pub fn invocation(
        &self,
        (name, tool): (Name, &str),
        args: &[OsString],
        stdout_is_terminal: bool,
        no_color: bool,
    ) -> Result<Invocation, CliError> {
        let style = match self.style() {
            Ok(style) => style,
            // GNU stops at the first bad option: a format conflict may come first.
            Err(e) => match (self.formats_at(args), self.style_conflict_at(args)) {
                (Err((f, format)), Some(s)) if f < s => return Err(format.into()),
                _ => return Err(e.into()),
            },
        };
        let program = if name == Name::Diff {
            "diff"
        } else {
            "treediff"
        };
        let pairs = self.pairs(program, args)?;
        let gnu = name == Name::Diff || self.gnu;
        let trees = match pairs.as_slice() {
            [(old, new)] => {
                self.from_file.is_empty()
                    && self.to_file.is_empty()
                    && (self.manifest.is_some() || operand::are_trees(old, new))
            }
            _ => false,
        };
        if !gnu && trees {
            if matches!(style, Some(Style::Context | Style::Normal))
                || !self.label.is_empty()
                || self.report_identical
                || self.unidirectional_new_file > 0
                || self.gnu_only()
            {
                let msg = "-c, -C, --context, --normal, --label, -s, \
                           --unidirectional-new-file and the comparison options (-i, -b, -w, \
                           -B, -I, ...) apply to two files, or under the name diff (or with \
                           --gnu)";
                return Err(UsageError::new(msg, true).into());
            }
            return Ok(Invocation::Tree(self.config(stdout_is_terminal, no_color)?));
        }
        if self.label.len() > 2 {
            return Err(UsageError::new("too many file label options", false).into());
        }
        // GNU's `-p` alone asks for the context format.
        let default = match (gnu, self.show_c_function > 0) {
            (true, true) => Style::Context,
            (true, false) => Style::Normal,
            (false, _) => Style::Unified,
        };
        let mut cfg = self.gnu_config(tool, style.unwrap_or(default), args)?;
        self.colors(&mut cfg, stdout_is_terminal);
        Ok(Invocation::Gnu(Box::new(cfg), pairs))
    }

    /// The operands as the pairs to compare: the two operands, or with `--from-file=F`
    /// (`--to-file=F`) F against (each operand against F); GNU's words for a wrong number
    /// of operands or for both options.
    fn pairs(
        &self,
        program: &str,
        args: &[OsString],
    ) -> Result<Vec<(Operand, Operand)>, UsageError> {
        let (from, to) = (
            single("--from-file", &self.from_file)?.map(|f| Operand::from_arg(f)),
            single("--to-file", &self.to_file)?.map(|f| Operand::from_arg(f)),
        );
        let operands = self
            .operands
            .iter()
            .map(|p| Operand::from_arg(p.as_os_str()));
        match (from, to) {
            (Some(_), Some(_)) => Err(UsageError::new(
                "--from-file and --to-file both specified",
                false,
            )),
            (Some(f), None) => Ok(operands.map(|o| (f.clone(), o)).collect()),
            (None, Some(t)) => Ok(operands.map(|o| (o, t.clone())).collect()),
            (None, None) => match operand_error(program, args) {
                Some(e) => Err(e),
                None if self.operands.len() == 2 => Ok(vec![(
                    Operand::from_arg(self.operands[0].as_os_str()),
                    Operand::from_arg(self.operands[1].as_os_str()),
                )]),
                None => Err(UsageError::new("missing operand", true)),
            },
        }
    }

    /// The run's settings; `stdout_is_terminal` and `no_color` (NO_COLOR set) resolve `auto`.
    pub fn config(&self, stdout_is_terminal: bool, no_color: bool) -> Result<Config, Error> {
        let patterns = self.patterns()?;
        Ok(Config {
            old: self.operands.first().cloned().unwrap_or_default(),
            new: self.operands.get(1).cloned().unwrap_or_default(),
            manifest: self.manifest.clone(),
            format: match self.format {
                FormatArg::Git => Format::Git,
                FormatArg::Gnu => Format::Gnu,
            },
            output: if self.brief > 0 {
                Output::Brief
            } else if self.stat {
                Output::Stat
            } else {
                Output::Patch
            },
            context: self.context_lines(),
            text: if self.text > 0 {
                TextMode::Always
            } else {
                TextMode::Detect
            },
            renames: if self.renames {
                Renames::Exact
            } else {
                Renames::Off
            },
            exclude: Exclude::new(&patterns)?,
            color: match self.color {
                ColorWhen::Always => true,
                ColorWhen::Never => false,
                ColorWhen::Auto => stdout_is_terminal && !no_color,
            },
        })
    }
}

/// A context length as GNU reads it: a number ([`argv::gnu_number`]), or `-0`.
fn context_number(arg: &str) -> Option<usize> {
    argv::gnu_number(arg).or_else(|| {
        let zeros = arg.trim_start().strip_prefix('-')?;
        (!zeros.is_empty() && zeros.bytes().all(|b| b == b'0')).then_some(0)
    })
}
