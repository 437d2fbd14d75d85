//! Header timestamps as GNU diff writes them for `-u` and `-c`: `%Y-%m-%d %H:%M:%S.%N %z` in
//! the local time zone, which `TZ` chooses as the C library's `localtime` would (an IANA name,
//! `:NAME`, a file path, a POSIX rule such as `EST5EDT` or `<+0330>-3:30`; unset: the
//! system's `/etc/localtime`; unknown or empty: UTC). jiff reads the same zone files and rules.
//!
//! The context format (`-c`) writes the same in a locale with real time conventions, but
//! `Fri Dec  4 05:15:43 2026` (C's `ctime`, no fraction, no zone) in the C or POSIX locale,
//! which is what a locale that is unset, `C`, `POSIX` or not installed (glibc then falls back
//! to C) amounts to. The locale is `LC_ALL`, else `LC_TIME`, else `LANG`.
//!
//! Standard input is dated the moment it is read (GNU diff does so whatever stdin is), and an
//! absent file (`-N`) the Epoch.

use std::sync::OnceLock;

use fstree::Timestamp;
use jiff::tz::TimeZone;

/// The process's local time zone, looked up once.
fn zone() -> &'static TimeZone {
    static ZONE: OnceLock<TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| TimeZone::try_system().unwrap_or(TimeZone::UTC))
}

/// The current time.
pub fn now() -> Timestamp {
    let t = jiff::Timestamp::now();
    Timestamp {
        secs: t.as_second(),
        nanos: u32::try_from(t.subsec_nanosecond()).unwrap_or(0),
    }
}

/// The current minute as `pr` dates the pages of `diff -l` (`%Y-%m-%d %H:%M`, local time).
pub fn now_for_pages() -> String {
    jiff::Timestamp::now()
        .to_zoned_datetime(zone().clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// `t` as GNU's headers show it in `zone`; a time beyond what a calendar can say is written
/// as its seconds since the Epoch (as GNU does when `localtime` fails).
fn format_in(t: Timestamp, zone: &TimeZone) -> String {
    let nanos = i32::try_from(t.nanos.min(999_999_999)).unwrap_or(0);
    match jiff::Timestamp::new(t.secs, nanos) {
        Ok(ts) => ts
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d %H:%M:%S.%N %z")
            .to_string(),
        Err(_) => t.secs.to_string(),
    }
}

/// `t` in the local time zone, as GNU's unified headers show it.
pub fn format(t: Timestamp) -> String {
    format_in(t, zone())
}

/// `t` in the local time zone, as GNU's context headers show it.
pub fn format_context(t: Timestamp) -> String {
    if c_locale() {
        ctime_in(t, zone())
    } else {
        format(t)
    }
}

fn ctime_in(t: Timestamp, zone: &TimeZone) -> String {
    match jiff::Timestamp::from_second(t.secs) {
        Ok(ts) => ts
            .to_zoned_datetime(zone.clone())
            .strftime("%a %b %e %H:%M:%S %Y")
            .to_string(),
        Err(_) => t.secs.to_string(),
    }
}

/// True when the time locale is C: unset, `C`, `POSIX`, or a locale that is not installed.
fn c_locale() -> bool {
    let var = ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|v| !v.is_empty());
    let Some(name) = var else { return true };
    let name = name.to_string_lossy();
    if name == "C" || name == "POSIX" {
        return true;
    }
    if name.starts_with("C.") {
        return false;
    }
    !installed(&name)
}

/// Whether glibc would find the locale `name` (`en_US.UTF-8` is installed as `en_US.utf8`).
fn installed(name: &str) -> bool {
    let (lang, codeset) = name.split_once('.').unwrap_or((name, ""));
    let codeset: String = codeset
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let dir = std::path::Path::new("/usr/lib/locale");
    dir.join(name).is_dir()
        || dir.join(format!("{lang}.{codeset}")).is_dir()
        || std::fs::read(dir.join("locale-archive"))
            .is_ok_and(|a| a.windows(name.len()).any(|w| w == name.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_the_zone_with_nanoseconds_and_offset() {
        let t = Timestamp {
            secs: 1_700_000_000,
            nanos: 1_234,
        };
        assert_eq!(
            format_in(t, &TimeZone::UTC),
            "2023-11-14 22:13:20.000001234 +0000"
        );
        let kathmandu = TimeZone::posix("<+0545>-5:45").expect("a POSIX rule");
        assert_eq!(
            format_in(t, &kathmandu),
            "2023-11-15 03:58:20.000001234 +0545"
        );
        let epoch = Timestamp::default();
        let est = TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").expect("a POSIX rule");
        assert_eq!(
            format_in(epoch, &est),
            "1969-12-31 19:00:00.000000000 -0500"
        );
        assert_eq!(ctime_in(t, &TimeZone::UTC), "Tue Nov 14 22:13:20 2023");
        assert_eq!(ctime_in(epoch, &est), "Wed Dec 31 19:00:00 1969");
    }
}
