//! The command line, as a clap definition the binary parses and `xtask` turns into the man
//! page, plus its conversion into a [`Config`].

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use fstree::Exclude;

use crate::{Config, Error, Format, Output, Renames, TextMode};

/// Write one patch that carries every difference between two trees.
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
    after_help = "Examples:\n  treediff -ur old/ new/ > changes.patch\n  treediff --stat A B\n  treediff --manifest sources.mtree sources/ . > p"
)]
pub struct Cli {
    /// The old tree.
    pub old: PathBuf,
    /// The new tree.
    pub new: PathBuf,
    /// Accepted for `diff` compatibility (always recursive).
    #[arg(short = 'r', long = "recursive")]
    pub recursive: bool,
    /// Accepted for `diff` compatibility (always unified).
    #[arg(short = 'u')]
    pub unified_flag: bool,
    /// Accepted for `diff` compatibility (absent files are always treated as empty).
    #[arg(short = 'N', long = "new-file")]
    pub new_file: bool,
    /// Accepted for `diff` compatibility (symlinks are never followed).
    #[arg(long)]
    pub no_dereference: bool,
    /// Lines of context around each change.
    #[arg(short = 'U', long = "unified", value_name = "NUM", default_value_t = 3)]
    pub context: usize,
    /// Treat every file as text (no binary detection).
    #[arg(short = 'a', long)]
    pub text: bool,
    /// Write deleted+added files with equal content as renames (`similarity index 100%`).
    #[arg(short = 'M', long = "find-renames")]
    pub renames: bool,
    /// Output dialect: git (extended unified diff) or gnu (what `diff -ruN` writes).
    #[arg(long, value_enum, default_value_t = FormatArg::Git)]
    pub format: FormatArg,
    /// Only say which paths differ, one line each.
    #[arg(short = 'q', long = "brief", conflicts_with = "stat")]
    pub brief: bool,
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
    #[arg(long, value_enum, value_name = "WHEN", num_args = 0..=1, require_equals = true, default_value_t = ColorWhen::Never, default_missing_value = "auto")]
    pub color: ColorWhen,
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

impl Cli {
    /// The run's settings; `stdout_is_terminal` and `no_color` (NO_COLOR set) resolve `auto`.
    pub fn config(&self, stdout_is_terminal: bool, no_color: bool) -> Result<Config, Error> {
        let mut patterns = self.exclude.clone();
        for file in &self.exclude_from {
            let data = std::fs::read(file).map_err(|e| Error::ExcludeFile(file.clone(), e))?;
            patterns.extend(Exclude::patterns_from_file(&data));
        }
        Ok(Config {
            old: self.old.clone(),
            new: self.new.clone(),
            manifest: self.manifest.clone(),
            format: match self.format {
                FormatArg::Git => Format::Git,
                FormatArg::Gnu => Format::Gnu,
            },
            output: if self.brief {
                Output::Brief
            } else if self.stat {
                Output::Stat
            } else {
                Output::Patch
            },
            context: self.context,
            text: if self.text {
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
