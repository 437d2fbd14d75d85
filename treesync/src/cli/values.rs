//! The values of options, checked and worded as rsync checks and words them: sizes
//! (`--max-size=1.5M`), numbers (`--modify-window=2`) and `--info` items.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::{Action, Error, Filters, Options};

/// One `--exclude`/`--include` pattern, or line of a `*-from` file: a leading `+ ` or `- `
/// makes it an include or exclude rule whichever option gave it, as rsync reads them.
pub(super) fn rule(filters: &mut Filters, action: Action, text: &[u8]) {
    match text {
        [b'+', b' ', rest @ ..] => filters.push(Action::Include, rest),
        [b'-', b' ', rest @ ..] => filters.push(Action::Exclude, rest),
        _ => filters.push(action, text),
    }
}

/// The patterns of an `--exclude-from`/`--include-from` FILE (`-`: standard input): one per
/// line (per NUL-terminated record with `-0`), without a trailing CR; blank lines and lines
/// starting with `#` or `;` are comments.
pub(super) fn rules_file(path: &[u8], from0: bool) -> Result<Vec<Vec<u8>>, Error> {
    let mut data = Vec::new();
    let read = if path == b"-" {
        std::io::stdin().lock().read_to_end(&mut data)
    } else {
        std::fs::File::open(OsStr::from_bytes(path)).and_then(|mut f| f.read_to_end(&mut data))
    };
    read.map_err(|source| Error::ExcludeFile {
        path: PathBuf::from(OsStr::from_bytes(path)),
        source,
    })?;
    let sep = if from0 { b'\0' } else { b'\n' };
    Ok(data
        .split(|&b| b == sep)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && !l.starts_with(b"#") && !l.starts_with(b";"))
        .map(<[u8]>::to_vec)
        .collect())
}

/// A `--filter` rule's error as rsync reports it: bad text exit 1, an unreadable merge file
/// exit 11.
pub(super) fn filter_error(e: crate::filter::FilterError) -> Error {
    match e {
        crate::filter::FilterError::Open { name, source } => Error::ExcludeFile {
            path: PathBuf::from(name),
            source,
        },
        other => Error::Usage(other.to_string()),
    }
}

/// The names of a `--files-from` FILE (`-`: standard input), one per line (NUL-terminated
/// with `-0`), blank lines and `#`/`;` comments skipped; a leading `/` is dropped and `..`
/// resolved, never above the SRC directory (`a/..` is `.`).
pub(super) fn files_from(path: &[u8], from0: bool) -> Result<Vec<Vec<u8>>, Error> {
    let mut data = Vec::new();
    let read = if path == b"-" {
        std::io::stdin().lock().read_to_end(&mut data)
    } else {
        std::fs::File::open(OsStr::from_bytes(path)).and_then(|mut f| f.read_to_end(&mut data))
    };
    read.map_err(|e| {
        let text = e.to_string();
        let what = text.split(" (os error").next().unwrap_or(&text);
        Error::Usage(format!(
            "failed to open files-from file {}: {what}",
            String::from_utf8_lossy(path)
        ))
    })?;
    let sep = if from0 { b'\0' } else { b'\n' };
    Ok(data
        .split(|&b| b == sep)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && !l.starts_with(b"#") && !l.starts_with(b";"))
        .map(resolve)
        .collect())
}

/// A `--files-from` name made relative: no leading `/`, no `.`, each `..` taking away the
/// component before it (none at the top); a trailing `/` is kept.
fn resolve(name: &[u8]) -> Vec<u8> {
    let mut comps: Vec<&[u8]> = Vec::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                comps.pop();
            }
            _ => comps.push(c),
        }
    }
    let mut out = match comps.is_empty() {
        true => b".".to_vec(),
        false => comps.join(&b'/'),
    };
    if name.ends_with(b"/") && !comps.is_empty() {
        out.push(b'/');
    }
    out
}

/// `--bwlimit=RATE`: bytes per second, in KiB unless a unit says otherwise (`1.5m`, `100K`,
/// `2kb`, `600b`); 0 is no limit, anything else must be at least 512 bytes.
pub(super) fn bwlimit(value: &[u8]) -> Result<Option<u64>, Error> {
    let bare = value
        .last()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'.');
    let mut bytes = size("bwlimit", value)?.unwrap_or(0);
    if bare {
        bytes = size("bwlimit", &[value, b"k"].concat())?.unwrap_or(0);
    }
    match bytes {
        0 => Ok(None),
        1..512 => Err(Error::Usage(format!(
            "--bwlimit={} is too small (min: 512 or 0 for unlimited)",
            String::from_utf8_lossy(value)
        ))),
        n => Ok(Some(n)),
    }
}

/// `--modify-window=NUM`: an integer, possibly negative.
pub(super) fn number(name: &str, value: &[u8]) -> Result<i64, Error> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "--{name}={}: invalid numeric value",
                String::from_utf8_lossy(value)
            ))
        })
}

/// `--max-size`/`--min-size=SIZE`: bytes, possibly fractional, with an optional multiplier
/// (`K`, `M`, `G`, `T`, `P`: powers of 1024, also spelled `KiB`...; `KB`... powers of 1000;
/// `B` bytes; any case) and an optional `+1` or `-1` at the end.
pub(super) fn size(name: &str, value: &[u8]) -> Result<Option<u64>, Error> {
    let text = String::from_utf8_lossy(value);
    let bad = |why: &str| Error::Usage(format!("--{name}={text} is {why}"));
    if text.starts_with('-') {
        return Err(bad("too large"));
    }
    let (body, offset) = match text.strip_suffix("+1") {
        Some(b) => (b, 1i128),
        None => match text.strip_suffix("-1") {
            Some(b) => (b, -1),
            None => (&*text, 0),
        },
    };
    let digits = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(digits);
    let unit = unit.to_ascii_lowercase();
    let mult: u64 = match unit.as_str() {
        "" | "b" => 1,
        _ => {
            let mut chars = unit.chars();
            let power = match chars.next() {
                Some('k') => 1,
                Some('m') => 2,
                Some('g') => 3,
                Some('t') => 4,
                Some('p') => 5,
                _ => return Err(bad("invalid")),
            };
            let base: u64 = match chars.as_str() {
                "" | "ib" => 1024,
                "b" => 1000,
                _ => return Err(bad("invalid")),
            };
            base.pow(power)
        }
    };
    let n: f64 = match num.parse() {
        Ok(n) if !num.is_empty() => n,
        _ => return Err(bad("invalid")),
    };
    let bytes = (n * mult as f64) as i128 + offset;
    u64::try_from(bytes).map(Some).map_err(|_| bad("too large"))
}

/// rsync's `--info=help`, for the items treesync honours.
pub(super) const INFO_HELP: &str =
    "Use OPT or OPT1 for level 1 output, OPT2 for level 2, etc.; OPT0 silences.

BACKUP     Mention files backed up (accepted: treesync says nothing more)
COPY       Mention files copied locally on the receiving side (accepted, as BACKUP)
DEL        Mention deletions on the receiving side
FLIST      Mention file-list receiving/sending (levels 1-2)
MISC       Mention miscellaneous information (accepted, as BACKUP)
MOUNT      Mention mounts that were found or skipped (accepted, as BACKUP)
NAME       Mention 1) updated file/dir names, 2) unchanged names
NONREG     Mention skipped non-regular files (default 1, 0 disables)
PROGRESS   Mention 1) per-file progress or 2) total transfer progress
REMOVE     Mention files removed on the sending side (accepted, as BACKUP)
SKIP       Mention files skipped due to transfer overrides (accepted, as BACKUP)
STATS      Mention statistics at end of run (levels 1-3)
SYMSAFE    Mention symlinks that are unsafe

NONE       Silence all --info options (same as all0)
HELP       Output this help message
";

/// Does this argument ask for `--info=help`?
pub(super) fn asks_info_help(arg: &[u8]) -> bool {
    arg.strip_prefix(b"--info=").is_some_and(|v| {
        v.split(|&b| b == b',')
            .any(|i| i.eq_ignore_ascii_case(b"help"))
    })
}

/// `--info=ITEM[LEVEL],...`: `progress` (1: a line per file, 2: the total), `stats` and
/// `none`/`all0` here; every item also goes to `later`, for [`crate::info::Info`] once the
/// `-v`s are counted. An unknown item is rsync's error.
pub(super) fn info(
    o: &mut Options,
    value: &[u8],
    later: &mut Vec<(String, u8)>,
) -> Result<(), Error> {
    for item in value.split(|&b| b == b',').filter(|i| !i.is_empty()) {
        let text = String::from_utf8_lossy(item).to_ascii_lowercase();
        let cut = text.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (word, digits) = text.split_at(cut);
        let level: u8 = if digits.is_empty() {
            1
        } else {
            digits.parse().unwrap_or(u8::MAX)
        };
        // The message items apply once every `-v` is counted.
        later.push((word.to_string(), level));
        match word {
            "progress" => (o.progress, o.progress2) = (level == 1, level >= 2),
            "stats" => o.stats = level > 0,
            "none" => (o.progress, o.progress2, o.stats) = (false, false, false),
            "all" if level == 0 => (o.progress, o.progress2, o.stats) = (false, false, false),
            w if crate::info::Info::default().set(w, level) => {}
            _ => {
                return Err(Error::Usage(format!(
                    "Unknown --info item: \"{}\"",
                    String::from_utf8_lossy(item)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_rsync_reads_them() {
        let s = |v: &str| size("max-size", v.as_bytes()).map_err(|e| e.to_string());
        assert_eq!(s("1000"), Ok(Some(1000)));
        assert_eq!(s("1k"), Ok(Some(1024)));
        assert_eq!(s("1KiB"), Ok(Some(1024)));
        assert_eq!(s("1kb"), Ok(Some(1000)));
        assert_eq!(s("1.5k"), Ok(Some(1536)));
        assert_eq!(s("1k+1"), Ok(Some(1025)));
        assert_eq!(s("1k-1"), Ok(Some(1023)));
        assert_eq!(s("2M"), Ok(Some(2 << 20)));
        assert_eq!(s("1b"), Ok(Some(1)));
        assert_eq!(s("12q"), Err("--max-size=12q is invalid".into()));
        assert_eq!(s("1.5.5"), Err("--max-size=1.5.5 is invalid".into()));
        assert_eq!(s("-5"), Err("--max-size=-5 is too large".into()));
    }

    #[test]
    fn info_items() {
        let mut o = Options::default();
        let mut later = Vec::new();
        info(&mut o, b"progress2", &mut later).unwrap();
        assert!(o.progress2 && !o.progress);
        info(&mut o, b"stats2,progress1", &mut later).unwrap();
        assert!(o.stats && o.progress && !o.progress2);
        info(&mut o, b"NONE", &mut later).unwrap();
        assert!(!o.stats && !o.progress);
        let e = info(&mut o, b"foo", &mut later).unwrap_err().to_string();
        assert_eq!(e, "Unknown --info item: \"foo\"");
        assert!(info(&mut o, b"del,name2", &mut later).is_ok());
        assert!(later.contains(&("name".to_string(), 2)));
        assert!(asks_info_help(b"--info=stats,help") && !asks_info_help(b"--infox=help"));
    }
}
