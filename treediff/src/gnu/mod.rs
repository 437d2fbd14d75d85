//! GNU diff's behaviour for what treediff's tree patch does not cover: two files (or a file and
//! a directory, or standard input), and, under the name `diff` (or `--gnu`), directories as GNU
//! compares them (one level unless `-r`, `Only in`, `Common subdirectories`).
//!
//! The line changes are `TextDiff` (hunk.rs)'s, whatever the format; this module only
//! prints them: GNU's normal format (`normal`), context format (`context`), unified format
//! (the hunk printer treediff's patches use), or a one-line verdict (`-q`, `-s`, binary files).
//! `files` compares two files, `dirs` two directories, `time` writes header timestamps
//! in the local time zone, [`switches`] echoes the command line's options in the `diff ...`
//! line GNU writes before each file of a directory.

pub mod bre;
pub(crate) mod context;
pub(crate) mod dirs;
pub(crate) mod ed;
pub mod equivalence;
pub(crate) mod files;
pub(crate) mod function;
pub mod ifdef;
pub mod layout;
pub(crate) mod normal;
pub mod paginate;
pub mod sidebyside;
pub mod switches;
pub(crate) mod time;

use std::io::Write;

use fstree::Exclude;

use crate::operand::{Absent, Lookup, Operand, Pair, Refused, pair_as};
use crate::{Error, Exit};

/// GNU's output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// `NcM` commands with `<`/`>` lines (`diff`'s default).
    #[default]
    Normal,
    /// `-u`: `---`/`+++` headers and `@@` hunks.
    Unified,
    /// `-c`: `***`/`---` headers and `***************` hunks with `! + -` lines.
    Context,
    /// `-y`: both files in two columns.
    SideBySide,
    /// `-e`, `-f`, `-n`: a script.
    Script(ed::Script),
    /// `-D NAME` and the line and group formats: both files merged.
    IfThenElse,
}

/// What to say about two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Report {
    /// The differences in the chosen [`Style`].
    #[default]
    Differences,
    /// `-q`: only `Files A and B differ`.
    Brief,
}

/// The settings of a GNU-style run.
#[derive(Debug, Clone, Default)]
pub struct GnuConfig {
    /// The program's name in messages (`diff` or `treediff`).
    pub tool: String,
    /// Output format.
    pub style: Style,
    /// Lines of context for the unified and context formats.
    pub context: usize,
    /// `--label`s: replace the first and the second name (and time) in headers and messages.
    pub labels: Vec<Vec<u8>>,
    /// Differences or `-q`.
    pub report: Report,
    /// `-s`: say `Files A and B are identical`.
    pub report_identical: bool,
    /// `-N`: a file present on one side only is compared with an empty one.
    pub new_file: bool,
    /// `--unidirectional-new-file`: so is a file present in the second only.
    pub unidirectional_new_file: bool,
    /// `-r`: compare subdirectories too.
    pub recursive: bool,
    /// `-a`: every file is text.
    pub text: bool,
    /// Follow symbolic links inside directories (GNU's default; `--no-dereference` turns it
    /// off).
    pub dereference: bool,
    /// The options as given, for the `diff OPTIONS A/x B/x` line ([`switches`]).
    pub switches: Vec<Vec<u8>>,
    /// Names to leave out in directories (`-x`, `-X`).
    pub exclude: Exclude,
    /// When two lines are the same, and which changes are not printed.
    pub equivalence: equivalence::Equivalence,
    /// `-d`: always a shortest script.
    pub cost: treepatch::lcs::Cost,
    /// `--horizon-lines`: equal lines kept at each end of the comparison (at least the
    /// context printed).
    pub horizon: usize,
    /// `--strip-trailing-cr`.
    pub strip_trailing_cr: bool,
    /// `-F RE` (and `-p`): the hunks' function lines.
    pub function: Vec<bre::Bre>,
    /// `-t`, `-T`, `--tabsize`, `--suppress-blank-empty`.
    pub layout: layout::Layout,
    /// `-W`, `--left-column`, `--suppress-common-lines`.
    pub columns: sidebyside::Columns,
    /// `-D NAME` and the line and group formats.
    pub formats: ifdef::Formats,
    /// Warnings to give once, before comparing (a bad `--palette`).
    pub warnings: Vec<String>,
    /// `-S FILE`: in the top directories, names before FILE are left out.
    pub starting_file: Option<Vec<u8>>,
    /// `--ignore-file-name-case`: names in directories match whatever their case.
    pub ignore_file_name_case: bool,
    /// `-l`: the changes of each pair of files laid out in pages, as `pr` would.
    pub pager: Option<paginate::Pager>,
}

impl GnuConfig {
    /// Which side may be absent (`-N`: either; `--unidirectional-new-file`: the old one).
    pub fn absent(&self) -> Absent {
        Absent {
            old: self.new_file || self.unidirectional_new_file,
            new: self.new_file,
        }
    }
}

/// Compares the two operands as GNU diff does and writes the result to `out`, messages (each
/// `TOOL: ...`) to `err`.
pub fn run<W: Write, E: Write>(
    cfg: &GnuConfig,
    (old, new): (&Operand, &Operand),
    stdin: &mut files::Stdin,
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    let lookup = Lookup {
        follow: cfg.dereference,
        fold: cfg.ignore_file_name_case,
        stdin_closed: stdin.was_read(),
    };
    let pair = match pair_as(old, new, cfg.absent(), lookup) {
        Ok(p) => p,
        Err(Refused(messages)) => {
            for m in messages {
                let _ = writeln!(err, "{}: {m}", cfg.tool);
            }
            return Ok(Exit::Trouble);
        }
    };
    let status = match pair {
        Pair::Files(a, b) => match files::types(&a, &b, cfg.dereference) {
            Some(types) => files::report_types(cfg, types, (&a, &b), out, err)?,
            None => {
                let a = files::label(a, cfg.labels.first());
                let b = files::label(b, cfg.labels.get(1));
                files::compare(cfg, &a, &b, stdin, None, out, err)?
            }
        },
        Pair::Dirs(..) if cfg.style == Style::IfThenElse => {
            let _ = writeln!(
                err,
                "{}: -D option not supported with directories",
                cfg.tool
            );
            Exit::Trouble
        }
        Pair::Dirs(a, b) => dirs::compare(cfg, &a, &b, out, err)?,
    };
    out.flush().map_err(Error::Output)?;
    Ok(status)
}
