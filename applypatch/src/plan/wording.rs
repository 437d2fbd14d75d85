//! GNU patch's words for what the planner does, in one place: the line announcing each file
//! or directory (`patching file F`, `checking file F` for a dry run), one line per hunk that
//! did not apply exactly where the patch said (`Hunk #2 succeeded at 40 with fuzz 1 (offset
//! 3 lines).`, `Hunk #3 FAILED at 52.`), and the count of failed hunks with the reject file
//! they went to. The planner decides; these functions only word it.

use std::io::Write;
use std::path::{Path, PathBuf};

use treepatch::Operation;

use crate::Error;
use crate::paths::display;
use crate::text::HunkResult;

/// Writes `s` to the messages.
pub(super) fn w(out: &mut dyn Write, s: &str) -> Result<(), Error> {
    out.write_all(s.as_bytes()).map_err(Error::Output)
}

/// `word`, with an `s` unless `n` is 1.
pub(super) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// The verb for an action: `checking` in a dry run, else `doing`.
pub(super) fn verb(dry_run: bool, doing: &'static str) -> &'static str {
    if dry_run { "checking" } else { doing }
}

/// `patching file F` (or `symbolic link`), with `(renamed from S)`, `(copied from S)` or,
/// for a rename found done (`already`, its source), `(already renamed from S)`.
pub(super) fn announce_file(
    out: &mut dyn Write,
    verb: &str,
    is_link: bool,
    shown: &Path,
    op: Operation,
    (src, already): (Option<&Path>, Option<PathBuf>),
) -> Result<(), Error> {
    let what = if is_link { "symbolic link" } else { "file" };
    let from = match (op, src) {
        _ if already.is_some() => {
            format!(
                " (already renamed from {})",
                display(already.as_deref().unwrap_or(shown))
            )
        }
        (Operation::Rename, Some(s)) => format!(" (renamed from {})", display(s)),
        (Operation::Copy, Some(s)) => format!(" (copied from {})", display(s)),
        _ => String::new(),
    };
    w(out, &format!("{verb} {what} {}{from}\n", display(shown)))
}

/// One line per hunk that applied with an offset or fuzz, or failed (none for a hunk that
/// applied exactly where the patch said); under the name `patch` (`gnu`), GNU's warning
/// before a hunk that failed because it would go before the previous one.
/// With `--verbose`, a line for every hunk.
pub(super) fn hunk_results(
    out: &mut dyn Write,
    results: &[HunkResult],
    gnu: bool,
    verbose: bool,
) -> Result<(), Error> {
    for (i, h) in results.iter().enumerate() {
        let msg = match *h {
            HunkResult::Applied {
                offset: 0, fuzz: 0, ..
            } if !verbose => continue,
            HunkResult::Applied { at, offset, fuzz } => {
                let f = if fuzz > 0 {
                    format!(" with fuzz {fuzz}")
                } else {
                    String::new()
                };
                let o = match offset {
                    0 => String::new(),
                    1 => " (offset 1 line)".to_string(),
                    n => format!(" (offset {n} lines)"),
                };
                format!("Hunk #{} succeeded at {at}{f}{o}.\n", i + 1)
            }
            HunkResult::Failed { at, misordered } => {
                let warn = if gnu && misordered {
                    "misordered hunks! output would be garbled\n"
                } else {
                    ""
                };
                format!("{warn}Hunk #{} FAILED at {at}.\n", i + 1)
            }
        };
        w(out, &msg)?;
    }
    Ok(())
}

/// `K out of N hunks FAILED -- saving rejects to file F.rej` (`what` is `FAILED` or
/// `ignored`; `tail` the part about the reject file, if one is written).
pub(super) fn out_of(
    out: &mut dyn Write,
    k: usize,
    n: usize,
    what: &str,
    tail: &str,
) -> Result<(), Error> {
    w(
        out,
        &format!("{k} out of {n} {} {what}{tail}\n", plural(n, "hunk")),
    )
}

/// ` -- saving rejects to file F`.
pub(super) fn saving_rejects(rej: &Path) -> String {
    format!(" -- saving rejects to file {}", display(rej))
}
