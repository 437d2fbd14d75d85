//! The command line before and beside clap, as GNU diff's getopt reads it: long options
//! abbreviated (and GNU's words for an ambiguous one), the obsolete `-NUM` context option
//! taken out of the arguments, numbers as GNU reads them, options GNU takes once, and
//! `--help`/`--version` into an output that cannot take them.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use super::{TAKES, UsageError};
use crate::operand;

/// A number as GNU diff reads an option's: leading blanks and a `+` allowed, nothing is 0,
/// too large is the largest; `None` when it is not a number.
pub(super) fn gnu_number(arg: &str) -> Option<usize> {
    let digits = arg.trim_start();
    let digits = digits.strip_prefix('+').unwrap_or(digits);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(
        digits
            .parse()
            .unwrap_or(if digits.is_empty() { 0 } else { usize::MAX }),
    )
}

/// The value of an option GNU takes once (the same value again is fine), or GNU's
/// `conflicting NAME option value 'X'`.
pub(super) fn single<'a>(
    name: &str,
    values: &'a [OsString],
) -> Result<Option<&'a OsString>, UsageError> {
    let Some(first) = values.first() else {
        return Ok(None);
    };
    match values.iter().find(|v| *v != first) {
        Some(other) => {
            let message = format!(
                "conflicting {name} option value '{}'",
                other.to_string_lossy()
            );
            Err(UsageError::new(&message, true))
        }
        None => Ok(Some(first)),
    }
}

/// GNU diff 3.8's long options, sorted (its `--help` ones and the hidden ones), for GNU's
/// message on an ambiguous abbreviation.
const GNU_LONG: [&str; 59] = [
    "binary",
    "brief",
    "changed-group-format",
    "color",
    "context",
    "ed",
    "exclude",
    "exclude-from",
    "expand-tabs",
    "forward-ed",
    "from-file",
    "help",
    "horizon-lines",
    "ifdef",
    "ignore-all-space",
    "ignore-blank-lines",
    "ignore-case",
    "ignore-file-name-case",
    "ignore-matching-lines",
    "ignore-space-change",
    "ignore-tab-expansion",
    "ignore-trailing-space",
    "inhibit-hunk-merge",
    "initial-tab",
    "label",
    "left-column",
    "line-format",
    "minimal",
    "new-file",
    "new-group-format",
    "new-line-format",
    "no-dereference",
    "no-ignore-file-name-case",
    "normal",
    "old-group-format",
    "old-line-format",
    "paginate",
    "palette",
    "rcs",
    "recursive",
    "report-identical-files",
    "sdiff-merge-assist",
    "show-c-function",
    "show-function-line",
    "side-by-side",
    "speed-large-files",
    "starting-file",
    "strip-trailing-cr",
    "suppress-blank-empty",
    "suppress-common-lines",
    "tabsize",
    "text",
    "to-file",
    "unchanged-group-format",
    "unchanged-line-format",
    "unidirectional-new-file",
    "unified",
    "version",
    "width",
];

/// GNU's words for the first long option among `args` that abbreviates several (`option
/// '--ignore' is ambiguous; possibilities: '--ignore-all-space' ...`), if any.
pub fn ambiguous_option(args: &[OsString]) -> Option<UsageError> {
    let mut skip_value = false;
    for arg in args {
        let arg = arg.as_bytes();
        if std::mem::take(&mut skip_value) || arg == b"--" {
            if arg == b"--" {
                return None;
            }
            continue;
        }
        let Some(long) = arg.strip_prefix(b"--") else {
            continue;
        };
        let name = long.split(|&b| b == b'=').next().unwrap_or(long);
        let name = String::from_utf8_lossy(name);
        if name.is_empty() || GNU_LONG.contains(&name.as_ref()) {
            skip_value = !long.contains(&b'=') && TAKES.long.contains(&name.as_ref());
            continue;
        }
        let mut matches: Vec<&str> = GNU_LONG
            .iter()
            .copied()
            .filter(|l| l.starts_with(name.as_ref()))
            .collect();
        matches.sort_unstable();
        if matches.len() > 1 {
            let list: Vec<String> = matches.iter().map(|m| format!("'--{m}'")).collect();
            let message = format!(
                "option '{}' is ambiguous; possibilities: {}",
                String::from_utf8_lossy(arg),
                list.join(" ")
            );
            return Some(UsageError::new(&message, true));
        }
        skip_value =
            matches.len() == 1 && !long.contains(&b'=') && TAKES.long.contains(&matches[0]);
    }
    None
}

/// GNU's obsolete `-NUM` option: the digits in short-option clusters (`-5`, `-u5`, `-1 -2`
/// is 12: digits run on across arguments while no other option comes between) taken out of
/// `args`, and the number they make (the last one, if several). Values of options that take
/// one (`-U 5`, `-U5`) are left alone.
pub fn obsolete_context(args: &[OsString]) -> (Vec<OsString>, Option<usize>) {
    let (mut out, mut number, mut digits) = (Vec::new(), None, String::new());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let bytes = arg.as_bytes();
        if bytes == b"--" {
            out.push(arg.clone());
            out.extend(it.cloned());
            break;
        }
        if bytes.starts_with(b"--") || bytes.len() < 2 || bytes[0] != b'-' {
            let takes = bytes.strip_prefix(b"--").is_some_and(|l| {
                !l.contains(&b'=') && TAKES.long.iter().any(|t| t.as_bytes().starts_with(l))
            });
            out.push(arg.clone());
            if takes && let Some(v) = it.next() {
                out.push(v.clone());
            }
            if bytes.starts_with(b"-") && bytes.len() > 1 {
                digits.clear();
            }
            continue;
        }
        let mut kept = vec![b'-'];
        let mut value_next = false;
        for (i, &c) in bytes.iter().enumerate().skip(1) {
            if c.is_ascii_digit() {
                digits.push(char::from(c));
                number = Some(digits.parse().unwrap_or(usize::MAX));
                continue;
            }
            digits.clear();
            kept.push(c);
            if TAKES.short.contains(&c) {
                kept.extend_from_slice(&bytes[i + 1..]);
                value_next = i + 1 == bytes.len();
                break;
            }
        }
        if kept.len() > 1 {
            out.push(OsString::from(std::ffi::OsStr::from_bytes(&kept)));
        }
        if value_next && let Some(v) = it.next() {
            out.push(v.clone());
        }
    }
    (out, number)
}

/// True when clap's "error" is `--help` or `--version`.
pub fn is_help(e: &clap::Error) -> bool {
    use clap::error::ErrorKind;
    matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
}

/// Writes the help or version text of `e` to `out`; when `out` cannot take it, GNU diff's
/// message (`write failed` for the help, `standard output: ERROR` for the version).
/// The texts are in GNU's layout (`gnuhelp`), `program` being `argv[0]` as given.
pub fn write_help<W: std::io::Write>(
    e: &clap::Error,
    program: &str,
    out: &mut W,
) -> Result<(), String> {
    let text = if e.kind() == clap::error::ErrorKind::DisplayHelp {
        super::gnuhelp::help(program)
    } else {
        super::gnuhelp::version()
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|err| {
            if e.kind() == clap::error::ErrorKind::DisplayHelp {
                "write failed".to_string()
            } else {
                format!("standard output: {}", operand::strerror(&err))
            }
        })
}
