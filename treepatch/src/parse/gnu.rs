//! GNU sections: a `--- NAME[\tTIMESTAMP]` line directly followed by `+++ NAME...`, then hunks.
//!
//! GNU diff has no operation lines: a created or deleted file shows only as an absent side,
//! spelled either `/dev/null` or, with `diff -N`, a timestamp at the Unix Epoch. The Epoch is
//! an instant, not a spelling: `1969-12-31 16:00:00 -0800` is absent too, so the timestamp is
//! converted to seconds rather than compared as text. A name runs up to the TAB before the
//! timestamp (names may hold spaces), unless it is C-quoted. The same `---`/`+++` name rules
//! serve git sections, whose names are most precise there.

use std::io::BufRead;

use super::{ParseError, Parser, trim_cr};
use crate::quote::unquote_prefix;
use crate::types::{FilePatch, Item, Operation};

impl<R: BufRead> Parser<R> {
    /// Reads a GNU `---`/`+++` section whose `---` line is `first`.
    pub(super) fn gnu_section(&mut self, first: &[u8], no: usize) -> Result<Item, ParseError> {
        let (old, old_absent) = header_name(&first[4..], no)?;
        let (second, no2) = self
            .next_line()?
            .ok_or(ParseError::MissingNewName { line: no })?;
        let (new, new_absent) = header_name(&trim_cr(&second)[4..], no2)?;
        let mut fp = FilePatch {
            line: no,
            ..FilePatch::default()
        };
        match (old_absent, new_absent) {
            (true, false) => fp.op = Operation::Create,
            (false, true) => fp.op = Operation::Delete,
            _ => {}
        }
        fp.old_path = old;
        fp.new_path = new;
        self.hunks(&mut fp)?;
        Ok(Item::File(fp))
    }
}

/// Reads the name of a `---`/`+++` line (after the 4-byte marker): `None` for `/dev/null`, and
/// whether the side is absent (`/dev/null` or an Epoch timestamp).
pub(super) fn header_name(s: &[u8], no: usize) -> Result<(Option<Vec<u8>>, bool), ParseError> {
    let s = trim_cr(s);
    let (name, rest) = if s.first() == Some(&b'"') {
        let (name, used) =
            unquote_prefix(s).map_err(|source| ParseError::BadName { line: no, source })?;
        (name, &s[used..])
    } else {
        match s.iter().position(|&b| b == b'\t') {
            Some(t) => (s[..t].to_vec(), &s[t..]),
            None => (s.to_vec(), &s[s.len()..]),
        }
    };
    if name.is_empty() {
        return Err(ParseError::NoName { line: no });
    }
    let stamp = rest.strip_prefix(b"\t").unwrap_or(rest);
    if name == b"/dev/null" {
        return Ok((None, true));
    }
    Ok((Some(name), is_epoch(stamp)))
}

/// True when a GNU diff timestamp (`1970-01-01 00:00:00.000000000 +0000`, or the same instant
/// in another zone) is the Unix Epoch, which GNU diff -N writes for an absent file.
fn is_epoch(stamp: &[u8]) -> bool {
    let parts: Vec<&[u8]> = stamp
        .split(|&b| b == b' ')
        .filter(|p| !p.is_empty())
        .collect();
    let [date, time, zone] = parts.as_slice() else {
        return false;
    };
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0i64, |a, &d| a * 10 + i64::from(d - b'0')))
    };
    let parse = || -> Option<bool> {
        let d: Vec<i64> = date.split(|&b| b == b'-').map(num).collect::<Option<_>>()?;
        let time = time.split(|&b| b == b'.').next()?;
        let t: Vec<i64> = time.split(|&b| b == b':').map(num).collect::<Option<_>>()?;
        let (sign, z) = match zone.split_first()? {
            (b'+', z) => (1, z),
            (b'-', z) => (-1, z),
            _ => return None,
        };
        let [y, mo, da] = d.as_slice() else {
            return None;
        };
        let [h, mi, se] = t.as_slice() else {
            return None;
        };
        if z.len() != 4 {
            return None;
        }
        let zone_min = sign * (num(&z[..2])? * 60 + num(&z[2..])?);
        let days = days_from_civil(*y, *mo, *da);
        let secs = days * 86400 + h * 3600 + mi * 60 + se - zone_min * 60;
        Some(secs == 0)
    };
    parse().unwrap_or(false)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_all;
    use crate::parse::tests::files;

    /// `diff -ruN a b` (GNU diffutils 3.8) over the same pair.
    #[test]
    fn reads_gnu_diff_run_output() {
        let items = parse_all(include_bytes!("../../testdata/gnu-ruN.patch")).unwrap();
        assert!(
            matches!(&items[0], Item::Notice { text, line: 1 } if text.starts_with(b"Binary files a/bin"))
        );
        let f = files(&items);
        assert_eq!(f.len(), 6);
        assert!(f.iter().all(|f| !f.git));
        assert_eq!(f[0].op, Operation::Delete);
        assert_eq!(f[0].old_path.as_deref(), Some(&b"a/del.txt"[..]));
        assert_eq!(f[1].op, Operation::Modify);
        assert_eq!(f[2].op, Operation::Create);
        assert_eq!(f[3].op, Operation::Delete);
        assert_eq!(f[4].new_path.as_deref(), Some(&b"b/sp ace"[..]));
        assert_eq!(f[5].new_path.as_deref(), Some(&b"b/ta\tb"[..]));
        assert_eq!(f[5].op, Operation::Create);
        assert_eq!(f[5].line, 36);
        assert_eq!(f[5].hunks[0].line, 38);
    }

    #[test]
    fn epoch_in_any_zone_means_absent() {
        assert!(is_epoch(b"1970-01-01 00:00:00.000000000 +0000"));
        assert!(is_epoch(b"1969-12-31 16:00:00.000000000 -0800"));
        assert!(is_epoch(b"1970-01-01 01:00:00 +0100"));
        assert!(!is_epoch(b"1970-01-01 00:00:01.000000000 +0000"));
        assert!(!is_epoch(b"2026-11-24 12:22:31.750391088 +0000"));
        assert!(!is_epoch(b""));
        assert!(!is_epoch(b"garbage"));
    }
}
