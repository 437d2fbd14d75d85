//! `-Z`/`--set-utc` and `-T`/`--set-time`: patched files get the time the patch's `+++` line
//! gives them, as GNU patch 2.7.6 does (learnt black-box): a timestamp with a zone
//! (`2026-01-02 03:04:06.5 +0000`) is taken as it is; one without is UTC under `-Z` and local
//! time (`TZ`) under `-T`. The time is set only when the file's own time is the one of the
//! `---` line, unless `-f`; otherwise GNU says `Not setting time of file F (time mismatch)`.

use fstree::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// Which zone a timestamp without one is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetTime {
    /// `-Z`.
    Utc,
    /// `-T`.
    Local,
}

impl SetTime {
    /// The time of a header line's tail (what follows the name: a tab and a timestamp),
    /// `None` when there is none or it cannot be read.
    pub fn parse(self, tail: &[u8]) -> Option<Timestamp> {
        let text = std::str::from_utf8(tail).ok()?.trim();
        let mut parts = text.split_whitespace();
        let (date, time, zone) = (parts.next()?, parts.next()?, parts.next());
        let mut d = date.split('-').map(str::parse::<i64>);
        let (y, m, dd) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut t = hms.split(':').map(str::parse::<i64>);
        let (h, mi, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
        let nanos: i64 = format!("{frac:0<9}").get(..9)?.parse().ok()?;
        let dt = jiff::civil::DateTime::new(
            i16::try_from(y).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(dd).ok()?,
            i8::try_from(h).ok()?,
            i8::try_from(mi).ok()?,
            i8::try_from(s).ok()?,
            i32::try_from(nanos).ok()?,
        )
        .ok()?;
        let tz = match zone {
            Some(z) => TimeZone::fixed(offset(z)?),
            None if self == SetTime::Utc => TimeZone::UTC,
            None => TimeZone::try_system().unwrap_or(TimeZone::UTC),
        };
        let ts = tz.to_timestamp(dt).ok()?;
        Some(Timestamp {
            secs: ts.as_second(),
            nanos: u32::try_from(ts.subsec_nanosecond()).ok()?,
        })
    }
}

/// `+HHMM` / `-HHMM`.
fn offset(z: &str) -> Option<Offset> {
    let (sign, digits) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_times_with_and_without_zones() {
        let t = SetTime::Utc.parse(b"\t2026-01-02 03:04:06.500000000 +0000");
        assert_eq!(
            t,
            Some(Timestamp {
                secs: 1_767_323_046,
                nanos: 500_000_000
            })
        );
        assert_eq!(SetTime::Utc.parse(b"\t2026-01-02 03:04:06.5"), t);
        let east = SetTime::Local.parse(b"\t2026-01-02 04:04:06.5 +0100");
        assert_eq!(east, t);
        assert_eq!(SetTime::Utc.parse(b""), None);
    }
}
