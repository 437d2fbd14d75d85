//! `--out-format=FORMAT`: rsync's per-item log line, the `log format` escapes of rsyncd.conf as
//! rsync 3.5 expands them on a local transfer: `%n` name (a directory's with `/`), `%L`
//! (` -> TARGET`, ` => LEADER`), `%i` the 11-character change code (`*deleting  ` for a
//! deletion), `%o` operation (`send`, `del.`), `%l` length, `%M` mtime
//! (`YYYY/MM/DD-HH:MM:SS`, local time), `%B` permission bits (`rwxr-xr-x`), `%U`/`%G` uid
//! and gid, `%f` the path as SRC names it, `%b` bytes written, `%t` the time now, `%p` the
//! process id, `%m` (no module: empty) and `%%`; a width (`%-10n`, `%8l`) pads, `%'l` groups
//! thousands. Escapes rsync leaves as they are locally (`%h %a %u %P`, unknown letters) stay
//! verbatim; `%c`/`%C` (checksums of the transfer) are refused.

use crate::itemize::{Charset, push_name};

/// A parsed `--out-format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    text: Vec<u8>,
}

/// One item as the format sees it.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// `%i`.
    pub code: &'a [u8],
    /// `%n`: the path within the transfer (a directory's ends in `/`).
    pub name: &'a [u8],
    /// `%L`: ` -> ` or ` => ` and the target.
    pub link: Option<(&'static str, &'a [u8])>,
    /// `%l`.
    pub len: u64,
    /// `%M`, seconds since the epoch.
    pub mtime: i64,
    /// `%B`.
    pub mode: u32,
    /// `%U`, `%G`.
    pub uid: u32,
    pub gid: u32,
    /// `%o`.
    pub op: &'static str,
    /// `%f`.
    pub path: &'a [u8],
    /// `%b`.
    pub bytes: u64,
}

impl LogFormat {
    /// Checks `text` (rsync's escapes; `%c`/`%C` are refused).
    pub fn parse(text: &[u8]) -> Result<LogFormat, String> {
        let mut i = 0;
        while let Some(p) = text[i..].iter().position(|&b| b == b'%') {
            let (_, _, letter, next) = spec(text, i + p);
            if matches!(letter, Some(b'c' | b'C')) {
                return Err(
                    "--out-format's %c and %C (checksums of the transfer) are not supported by treesync"
                        .into(),
                );
            }
            i = next;
        }
        Ok(LogFormat {
            text: text.to_vec(),
        })
    }

    /// Whether the format shows the change code (rsync then logs every changed item).
    pub fn has_itemize(&self) -> bool {
        self.text.windows(2).any(|w| w == b"%i")
    }

    /// The line for `it`, newline included.
    pub fn render(&self, it: &Item<'_>, cs: Charset) -> Vec<u8> {
        let t = &self.text;
        let mut out = Vec::new();
        let mut i = 0;
        while i < t.len() {
            if t[i] != b'%' {
                out.push(t[i]);
                i += 1;
                continue;
            }
            let (width, commas, letter, next) = spec(t, i);
            match letter.and_then(|l| value(l, it, cs, commas)) {
                Some(v) => pad(&mut out, &v, width),
                None => out.extend_from_slice(&t[i..next]),
            }
            i = next;
        }
        out.push(b'\n');
        out
    }
}

/// The escape at `t[at]` (a `%`): its width (negative: left-justified), `'` flag, letter, and
/// where the text goes on.
fn spec(t: &[u8], at: usize) -> (i64, bool, Option<u8>, usize) {
    let mut i = at + 1;
    let commas = t.get(i) == Some(&b'\'');
    if commas {
        i += 1;
    }
    let minus = t.get(i) == Some(&b'-');
    if minus {
        i += 1;
    }
    let start = i;
    while t.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let digits = std::str::from_utf8(&t[start..i]).unwrap_or("0");
    let w: i64 = digits.parse().unwrap_or(0);
    let width = if minus { -w } else { w };
    match t.get(i) {
        Some(&l) => (width, commas, Some(l), i + 1),
        None => (width, commas, None, i),
    }
}

fn pad(out: &mut Vec<u8>, v: &[u8], width: i64) {
    let fill = (width.unsigned_abs() as usize).saturating_sub(v.len());
    if width > 0 {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
    out.extend_from_slice(v);
    if width < 0 {
        out.extend(std::iter::repeat_n(b' ', fill));
    }
}

/// The text of escape `l` for `it` (`None`: left as written).
fn value(l: u8, it: &Item<'_>, cs: Charset, commas: bool) -> Option<Vec<u8>> {
    let num = |n: u64| match commas {
        true => crate::stats::size(n, 1).into_bytes(),
        false => n.to_string().into_bytes(),
    };
    let named = |name: &[u8]| {
        let mut v = Vec::new();
        push_name(&mut v, name, cs);
        v
    };
    Some(match l {
        b'n' => named(it.name),
        b'L' => match it.link {
            Some((sep, target)) => [sep.as_bytes(), &named(target)].concat(),
            None => Vec::new(),
        },
        b'i' => it.code.to_vec(),
        b'o' => it.op.as_bytes().to_vec(),
        b'l' => num(it.len),
        b'b' => num(it.bytes),
        b'M' => local_time(it.mtime, b'-'),
        b't' => local_time(now(), b' '),
        b'B' => perms(it.mode),
        b'U' => it.uid.to_string().into_bytes(),
        b'G' => it.gid.to_string().into_bytes(),
        b'f' => named(it.path),
        b'p' => std::process::id().to_string().into_bytes(),
        b'm' => Vec::new(),
        b'%' => b"%".to_vec(),
        _ => return None,
    })
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// `YYYY/MM/DD` SEP `HH:MM:SS` in the local time zone (`TZ`, else the system's; UTC when
/// neither is known), as the C library's `localtime` gives rsync.
pub(crate) fn local_time(secs: i64, sep: u8) -> Vec<u8> {
    static ZONE: std::sync::OnceLock<jiff::tz::TimeZone> = std::sync::OnceLock::new();
    let zone =
        ZONE.get_or_init(|| jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC));
    let pattern = format!("%Y/%m/%d{}%H:%M:%S", char::from(sep));
    match jiff::Timestamp::from_second(secs) {
        Ok(t) => t
            .to_zoned_datetime(zone.clone())
            .strftime(&pattern)
            .to_string()
            .into_bytes(),
        Err(_) => secs.to_string().into_bytes(),
    }
}

/// `rwxr-xr-x`, with `s`/`S` and `t`/`T` for the set-id and sticky bits.
pub(crate) fn perms(mode: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(9);
    for (shift, special, on, off) in [
        (6, 0o4000, b's', b'S'),
        (3, 0o2000, b's', b'S'),
        (0, 0o1000, b't', b'T'),
    ] {
        let bits = (mode >> shift) & 7;
        v.push(if bits & 4 != 0 { b'r' } else { b'-' });
        v.push(if bits & 2 != 0 { b'w' } else { b'-' });
        v.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => on,
            (false, true) => off,
            (true, false) => b'x',
            (false, false) => b'-',
        });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_widths() {
        let f = LogFormat::parse(b"[%i] %-6n|%4l|%o|%B|%U:%G|%%|%h|%m|%L").unwrap();
        let it = Item {
            code: b">f+++++++++",
            name: b"top",
            link: Some((" -> ", b"t")),
            len: 2,
            mtime: 0,
            mode: 0o4755,
            uid: 1,
            gid: 2,
            op: "send",
            path: b"s/top",
            bytes: 2,
        };
        assert_eq!(
            f.render(&it, Charset::Utf8),
            b"[>f+++++++++] top   |   2|send|rwsr-xr-x|1:2|%|%h|| -> t\n".to_vec()
        );
        assert!(f.has_itemize());
        assert!(LogFormat::parse(b"%C %n").is_err());
    }
}
