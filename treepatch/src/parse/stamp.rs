//! What follows a name on a `---`/`+++`/`***` header line: a timestamp or an svn suffix, and
//! whether it says the side is absent.
//!
//! GNU diff puts a TAB between name and timestamp; people and other tools use spaces
//! (`--- f  2020-01-01 00:00:00`), and svn writes `(revision 12)`, `(working copy)` or
//! `(nonexistent)`. Without a TAB the name therefore ends at the first space after which the
//! rest reads as one of these. Timestamps are ISO (`2020-01-01 00:00:00[.frac][ +ZZZZ]`) or
//! ctime-like (`Thu Jan  1 00:00:00 1970`, which `diff -c` writes in some locales).
//!
//! A side is absent (`diff -N`'s empty file dated the Epoch) when its timestamp lies less than
//! a day from the Epoch (svn's `(nonexistent)` is only a suffix: GNU patch keeps the emptied
//! file): GNU patch 2.7.6 removes the file for any
//! such time, with or without a zone (black-box: `1969-12-31 01:00:00` and
//! `1970-01-01 23:59:00` remove it, `1969-12-30 23:00:00` and `1970-01-02 12:00:00` do not),
//! as a zone-less Epoch written in any time zone is within a day of it.

/// Splits a header after its marker into the name and what follows it (a TAB and a
/// timestamp, or spaces and a timestamp or svn suffix); the name is all of `s` otherwise.
pub(super) fn split(s: &[u8]) -> (&[u8], &[u8]) {
    if let Some(t) = s.iter().position(|&b| b == b'\t') {
        return (&s[..t], &s[t + 1..]);
    }
    for (i, _) in s.iter().enumerate().filter(|&(_, &b)| b == b' ') {
        let rest = s[i..].trim_ascii_start();
        if i > 0 && (seconds(rest).is_some() || svn_suffix(rest)) {
            return (s[..i].trim_ascii_end(), rest);
        }
    }
    (s, &s[s.len()..])
}

/// True when what follows a name says the file does not exist on that side.
pub(super) fn means_absent(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii();
    seconds(rest).is_some_and(|t| t.abs() < 86_400)
}

fn svn_suffix(s: &[u8]) -> bool {
    s == b"(working copy)"
        || s == b"(nonexistent)"
        || s.strip_prefix(b"(revision ")
            .and_then(|r| r.strip_suffix(b")"))
            .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
}

/// A small decimal number (at most 4 digits).
fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i64, |a, &d| a * 10 + i64::from(d - b'0')))
}

/// Seconds since the Epoch of an ISO or ctime-like timestamp (a missing zone read as UTC).
fn seconds(stamp: &[u8]) -> Option<i64> {
    let parts: Vec<&[u8]> = stamp
        .split(|&b| b == b' ')
        .filter(|p| !p.is_empty())
        .collect();
    let (date, time, zone) = match parts.as_slice() {
        [date, time] => ((iso_date(date)?), *time, None),
        [date, time, zone] => (iso_date(date)?, *time, Some(*zone)),
        [_, month, day, time, year] => (ctime_date(month, day, year)?, *time, None),
        _ => return None,
    };
    let time = time.split(|&b| b == b'.').next()?;
    let t: Vec<i64> = time.split(|&b| b == b':').map(num).collect::<Option<_>>()?;
    let [h, mi, se] = t.as_slice() else {
        return None;
    };
    let zone_min = match zone {
        None => 0,
        Some(z) => {
            let (sign, z) = match z.split_first()? {
                (b'+', z) => (1, z),
                (b'-', z) => (-1, z),
                _ => return None,
            };
            if z.len() != 4 {
                return None;
            }
            sign * (num(&z[..2])? * 60 + num(&z[2..])?)
        }
    };
    Some(date * 86400 + h * 3600 + mi * 60 + se - zone_min * 60)
}

/// Days since the Epoch of `YYYY-MM-DD`.
fn iso_date(date: &[u8]) -> Option<i64> {
    let d: Vec<i64> = date.split(|&b| b == b'-').map(num).collect::<Option<_>>()?;
    let [y, mo, da] = d.as_slice() else {
        return None;
    };
    Some(days_from_civil(*y, *mo, *da))
}

/// Days since the Epoch of ctime's `Mmm DD YYYY`.
fn ctime_date(month: &[u8], day: &[u8], year: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let m = MONTHS.iter().position(|&m| m == month)? as i64 + 1;
    Some(days_from_civil(num(year)?, m, num(day)?))
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

    #[test]
    fn within_a_day_of_the_epoch_means_absent() {
        for absent in [
            &b"1970-01-01 00:00:00.000000000 +0000"[..],
            b"1969-12-31 16:00:00.000000000 -0800",
            b"1970-01-01 01:00:00 +0100",
            b"1970-01-01 00:00:01.000000000 +0000",
            b"Thu Jan  1 00:00:00 1970",
            b"1969-12-31 01:00:00",
            b"1970-01-01 23:59:00",
        ] {
            assert!(means_absent(absent), "{}", String::from_utf8_lossy(absent));
        }
        for present in [
            &b"1969-12-30 23:00:00"[..],
            b"1970-01-02 12:00:00",
            b"Fri Jan  2 12:00:00 1970",
            b"2026-11-24 12:22:31.750391088 +0000",
            b"(revision 0)",
            // GNU patch 2.7.6 keeps an emptied file whose new side is svn's `(nonexistent)`
            // (and creates a missing file from any `-0,0` hunk, whatever its header says).
            b"(nonexistent)",
            b"",
            b"garbage",
        ] {
            assert!(
                !means_absent(present),
                "{}",
                String::from_utf8_lossy(present)
            );
        }
    }

    #[test]
    fn names_end_at_a_tab_or_before_spaces_and_a_timestamp() {
        assert_eq!(split(b"a b\tx"), (&b"a b"[..], &b"x"[..]));
        assert_eq!(
            split(b"a/f  2020-01-01 00:00:00.1 +0100"),
            (&b"a/f"[..], &b"2020-01-01 00:00:00.1 +0100"[..])
        );
        assert_eq!(
            split(b"sp ace Thu Jan  1 00:00:00 1970"),
            (&b"sp ace"[..], &b"Thu Jan  1 00:00:00 1970"[..])
        );
        assert_eq!(
            split(b"f (revision 12)"),
            (&b"f"[..], &b"(revision 12)"[..])
        );
        assert_eq!(split(b"f (working copy)").0, b"f");
        assert_eq!(split(b"new (nonexistent)").0, b"new");
        assert_eq!(
            split(b"a name with spaces"),
            (&b"a name with spaces"[..], &b""[..])
        );
    }
}
