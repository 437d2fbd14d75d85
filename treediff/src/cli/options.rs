//! The settings of GNU diff's comparison ([`GnuConfig`]) from the command line: how lines
//! compare, the formats, the columns, the colors, the exclusions, each option's value read
//! and checked as GNU diff checks it.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use fstree::Exclude;
use treepatch::lcs::Cost;

use super::argv::{gnu_number, obsolete_context, single};
use super::{Cli, CliError, ColorWhen, TAKES, UsageError};
use crate::gnu::bre::Bre;
use crate::gnu::equivalence::{Equivalence, Space};
use crate::gnu::function;
use crate::gnu::ifdef::{FormatOption, Formats};
use crate::gnu::layout::{Layout, Palette};
use crate::gnu::paginate::Pager;
use crate::gnu::sidebyside::{Columns, Common};
use crate::gnu::{GnuConfig, Report, Style, switches};
use crate::{Error, operand};

/// Compiles a grep-style expression, or GNU's message for a bad one (`RE: Unmatched ( or \(`).
fn compile(re: &[u8]) -> Result<Bre, UsageError> {
    Bre::new(re).map_err(|m| {
        let re = String::from_utf8_lossy(re);
        UsageError::new(&format!("{re}: {m}"), false)
    })
}

impl Cli {
    /// GNU's `--color`: always, or (`auto`) when standard output is a terminal and `TERM` is
    /// not `dumb`; the palette's problems become warnings (and no color).
    pub(super) fn colors(&self, cfg: &mut GnuConfig, stdout_is_terminal: bool) {
        let dumb = std::env::var_os("TERM").is_none_or(|t| t == "dumb");
        let on = match self.color {
            ColorWhen::Always => true,
            ColorWhen::Auto => stdout_is_terminal && !dumb,
            ColorWhen::Never => false,
        };
        if !on || cfg.report == Report::Brief {
            return;
        }
        match Palette::parse(self.palette.last().map(|p| p.as_bytes())) {
            Ok(p) => cfg.layout.palette = Some(p),
            Err(messages) => cfg.warnings = messages,
        }
    }

    /// [`Cli::patterns`], with an unreadable `-X` file in GNU's words (`diff: F: No such file
    /// or directory`, exit status 2).
    pub(super) fn gnu_patterns(&self) -> Result<Vec<String>, CliError> {
        self.patterns().map_err(|e| match e {
            Error::ExcludeFile(file, io) => {
                let message = format!("{}: {}", file.display(), operand::strerror(&io));
                CliError::Usage(UsageError::new(&message, false))
            }
            e => CliError::Other(e),
        })
    }

    /// `patterns`, lowercased (ASCII) under `--ignore-file-name-case`, where names are
    /// matched lowercased.
    fn folded(&self, patterns: Vec<String>) -> Vec<String> {
        if self.ignore_file_name_case {
            patterns.iter().map(|p| p.to_ascii_lowercase()).collect()
        } else {
            patterns
        }
    }

    /// The `-x` patterns and those of the `-X` files.
    pub(super) fn patterns(&self) -> Result<Vec<String>, Error> {
        let mut patterns = self.exclude.clone();
        for file in &self.exclude_from {
            let data = std::fs::read(file).map_err(|e| Error::ExcludeFile(file.clone(), e))?;
            patterns.extend(Exclude::patterns_from_file(&data));
        }
        Ok(patterns)
    }

    /// GNU diff's settings, in `style`.
    pub(super) fn gnu_config(
        &self,
        tool: &str,
        style: Style,
        args: &[OsString],
    ) -> Result<GnuConfig, CliError> {
        Ok(GnuConfig {
            tool: tool.to_string(),
            style,
            context: self.context_lines(),
            labels: self.label.iter().map(|l| l.as_bytes().to_vec()).collect(),
            report: if self.brief > 0 {
                Report::Brief
            } else {
                Report::Differences
            },
            report_identical: self.report_identical,
            new_file: self.new_file > 0,
            unidirectional_new_file: self.unidirectional_new_file > 0,
            recursive: self.recursive > 0,
            text: self.text > 0,
            dereference: !self.no_dereference,
            switches: switches::from_args(args, TAKES)
                .into_iter()
                .filter(|s| s != b"--gnu")
                .collect(),
            exclude: Exclude::new(self.folded(self.gnu_patterns()?)).map_err(Error::from)?,
            equivalence: self.equivalence()?,
            cost: if self.minimal > 0 {
                Cost::Minimal
            } else {
                Cost::Bounded
            },
            horizon: self.horizon()?,
            strip_trailing_cr: self.strip_trailing_cr > 0,
            function: self.function_lines()?,
            layout: Layout {
                expand_tabs: self.expand_tabs > 0,
                initial_tab: self.initial_tab > 0,
                tabsize: self.tabsize()?,
                suppress_blank_empty: self.suppress_blank_empty > 0,
                palette: None,
            },
            columns: self.columns()?,
            formats: Formats {
                expand_tabs: (self.expand_tabs > 0).then_some(self.tabsize()?),
                ..self.formats(args)?
            },
            warnings: Vec::new(),
            starting_file: single("-S", &self.starting_file)?.map(|f| f.as_bytes().to_vec()),
            ignore_file_name_case: self.ignore_file_name_case,
            pager: (self.paginate > 0).then(Pager::default),
        })
    }

    /// True when a line or group format option (or `-D`) is given.
    pub(super) fn has_formats(&self) -> bool {
        [
            &self.ifdef,
            &self.line_format,
            &self.old_line_format,
            &self.new_line_format,
            &self.unchanged_line_format,
            &self.old_group_format,
            &self.new_group_format,
            &self.changed_group_format,
            &self.unchanged_group_format,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    /// The format options in command-line order (`args`, after the program's name), as
    /// [`Formats`], or GNU's message for two that conflict.
    pub(super) fn formats(&self, args: &[OsString]) -> Result<Formats, UsageError> {
        self.formats_at(args).map_err(|(_, e)| e)
    }

    /// [`Cli::formats`]; an error comes with the position among the arguments of the option
    /// that caused it.
    pub(super) fn formats_at(&self, args: &[OsString]) -> Result<Formats, (usize, UsageError)> {
        if !self.has_formats() {
            return Ok(Formats::default());
        }
        let matches = reparse(args).map_err(|e| (0, e))?;
        let mut given = Vec::new();
        for (id, option) in FORMAT_OPTIONS {
            let (Some(at), Some(values)) =
                (matches.indices_of(id), matches.get_many::<OsString>(id))
            else {
                continue;
            };
            given.extend(
                at.zip(values)
                    .map(|(i, v)| (i, option, v.as_bytes().to_vec())),
            );
        }
        given.sort_by_key(|&(i, ..)| i);
        let at: Vec<usize> = given.iter().map(|&(i, ..)| i).collect();
        let given: Vec<_> = given.into_iter().map(|(_, o, v)| (o, v)).collect();
        Formats::from_options(&given).map_err(|(k, m)| (at[k], UsageError::new(&m, true)))
    }

    /// The position among the arguments of the first option that asks for a second output
    /// style (GNU stops there: `conflicting output style options`).
    pub(super) fn style_conflict_at(&self, args: &[OsString]) -> Option<usize> {
        let matches = reparse(args).ok()?;
        let groups: [(&[&str], u8); 8] = [
            (&["unified_flag", "unified_short", "unified_long"], 0),
            (&["context_flag", "context_short", "context_long"], 1),
            (&["normal"], 2),
            (&["side_by_side", "sdiff_merge_assist"], 3),
            (&["ed"], 4),
            (&["forward_ed"], 5),
            (&["rcs"], 6),
            (&FORMAT_OPTIONS.map(|(id, _)| id), 7),
        ];
        let mut given: Vec<(usize, u8)> = groups
            .iter()
            .flat_map(|(ids, style)| {
                ids.iter()
                    .filter_map(|id| matches.indices_of(id))
                    .flatten()
                    .map(move |i| (i, *style))
            })
            .collect();
        given.sort_unstable();
        let first = given.first()?.1;
        given.iter().find(|&&(_, s)| s != first).map(|&(i, _)| i)
    }

    /// `-W`, `--left-column`, `--suppress-common-lines`, or GNU's `invalid width 'X'`.
    pub(super) fn columns(&self) -> Result<Columns, UsageError> {
        let width = positive("width", &self.width)?.unwrap_or(130);
        let common = if self.suppress_common_lines > 0 {
            Common::Suppress
        } else if self.left_column > 0 {
            Common::LeftColumn
        } else {
            Common::Both
        };
        // The locale's character set, as the C library picks it.
        let ctype = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ctype = ctype.as_bytes();
        let utf8 =
            ctype.windows(5).any(|w| w == b"utf-8") || ctype.windows(4).any(|w| w == b"utf8");
        Ok(Columns {
            width,
            common,
            utf8,
            merge_assist: self.sdiff_merge_assist > 0,
        })
    }

    /// True when an option only GNU's comparison knows is given (treediff's tree patch carries
    /// every difference, byte for byte).
    pub(super) fn gnu_only(&self) -> bool {
        let counts = [
            self.ignore_case,
            self.ignore_tab_expansion,
            self.ignore_trailing_space,
            self.ignore_space_change,
            self.ignore_all_space,
            self.ignore_blank_lines,
            self.strip_trailing_cr,
            self.minimal,
        ];
        counts.iter().any(|&c| c > 0)
            || !self.ignore_matching_lines.is_empty()
            || !self.horizon_lines.is_empty()
            || !self.tabsize.is_empty()
            || self.show_c_function > 0
            || self.expand_tabs > 0
            || self.initial_tab > 0
            || self.suppress_blank_empty > 0
            || self.paginate > 0
            || self.inhibit_hunk_merge > 0
            || self.sdiff_merge_assist > 0
            || self.side_by_side > 0
            || self.ed > 0
            || self.forward_ed > 0
            || self.rcs > 0
            || self.has_formats()
            || !self.palette.is_empty()
            || !self.starting_file.is_empty()
            || self.left_column > 0
            || self.suppress_common_lines > 0
            || !self.width.is_empty()
            || !self.show_function_line.is_empty()
    }

    /// How lines compare (`-i`, `-E`, `-Z`, `-b`, `-w`), which changes are ignorable (`-B`,
    /// `-I`), or GNU's message for a bad `-I` expression (`RE: Unmatched ( or \(`).
    pub(super) fn equivalence(&self) -> Result<Equivalence, UsageError> {
        let mut space = Space::Exact;
        for (count, s) in [
            (self.ignore_tab_expansion, Space::TabExpansion),
            (self.ignore_trailing_space, Space::Trailing),
            (self.ignore_space_change, Space::Change),
            (self.ignore_all_space, Space::All),
        ] {
            if count > 0 {
                space = space.with(s);
            }
        }
        let matching = self
            .ignore_matching_lines
            .iter()
            .map(|re| compile(re.as_bytes()))
            .collect::<Result<_, _>>()?;
        Ok(Equivalence {
            case: self.ignore_case > 0,
            space,
            tabsize: self.tabsize()?,
            blank_lines: self.ignore_blank_lines > 0,
            matching,
        })
    }

    /// The expressions of `-F` (and `-p`), compiled.
    pub(super) fn function_lines(&self) -> Result<Vec<Bre>, UsageError> {
        let p = (self.show_c_function > 0).then_some(function::C_FUNCTION);
        let res = self.show_function_line.iter().map(|r| r.as_bytes());
        p.into_iter().chain(res).map(compile).collect()
    }

    /// `--horizon-lines` (the last one given), 0 by default, or GNU's `invalid horizon length
    /// 'X'`.
    pub(super) fn horizon(&self) -> Result<usize, UsageError> {
        let Some(arg) = self.horizon_lines.last() else {
            return Ok(0);
        };
        gnu_number(arg)
            .ok_or_else(|| UsageError::new(&format!("invalid horizon length '{arg}'"), true))
    }

    /// `--tabsize` (the last one given), 8 by default, or GNU's `invalid tabsize 'X'`.
    pub(super) fn tabsize(&self) -> Result<usize, UsageError> {
        Ok(positive("tabsize", &self.tabsize)?.unwrap_or(8))
    }
}

/// The value of a positive number option GNU takes once (the same number again is fine), in
/// GNU's words for the first bad value in order: `invalid NAME 'X'` or `conflicting NAME
/// options`.
fn positive(name: &str, values: &[String]) -> Result<Option<usize>, UsageError> {
    let mut first = None;
    for arg in values {
        let n = match gnu_number(arg) {
            Some(n) if n > 0 => n,
            _ => return Err(UsageError::new(&format!("invalid {name} '{arg}'"), true)),
        };
        match first {
            Some(f) if f != n => {
                return Err(UsageError::new(
                    &format!("conflicting {name} options"),
                    false,
                ));
            }
            _ => first = Some(n),
        }
    }
    Ok(first)
}

/// The options that set line or group formats (`-D` among them), by clap id.
const FORMAT_OPTIONS: [(&str, FormatOption); 9] = [
    ("ifdef", FormatOption::Ifdef),
    ("line_format", FormatOption::Line),
    ("old_line_format", FormatOption::OldLine),
    ("new_line_format", FormatOption::NewLine),
    ("unchanged_line_format", FormatOption::UnchangedLine),
    ("old_group_format", FormatOption::OldGroup),
    ("new_group_format", FormatOption::NewGroup),
    ("changed_group_format", FormatOption::ChangedGroup),
    ("unchanged_group_format", FormatOption::UnchangedGroup),
];

/// The arguments parsed again, for the positions of the options (clap's indices).
fn reparse(args: &[OsString]) -> Result<clap::ArgMatches, UsageError> {
    use clap::CommandFactory;
    let (args, _) = obsolete_context(args);
    let argv = std::iter::once(OsString::from("diff")).chain(args);
    Cli::command()
        .try_get_matches_from(argv)
        .map_err(|e| UsageError::new(&e.to_string(), true))
}
