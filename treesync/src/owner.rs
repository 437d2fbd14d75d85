//! `--chown=USER:GROUP` resolution: numbers as they are, names through `/etc/passwd` and
//! `/etc/group` (files(5) format). The workspace denies `unsafe`, which rules out calling
//! `getpwnam(3)` directly; the files are what NSS reads on the systems this targets.

use std::fs;

/// Owner and group requested by `--chown`; `None` leaves that side unmapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chown {
    /// Forced owner.
    pub uid: Option<u32>,
    /// Forced group.
    pub gid: Option<u32>,
}

/// Why a `--chown` argument was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChownError {
    /// No such user.
    #[error("Unknown --usermap name on receiver: {0}")]
    User(String),
    /// No such group.
    #[error("Unknown --groupmap name on receiver: {0}")]
    Group(String),
}

/// Parse `USER:GROUP`, `USER`, `:GROUP` (names or numbers).
pub fn parse(spec: &str) -> Result<Chown, ChownError> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, g),
        None => (spec, ""),
    };
    let uid = if user.is_empty() {
        None
    } else {
        Some(lookup(user, "/etc/passwd").ok_or_else(|| ChownError::User(user.to_string()))?)
    };
    let gid = if group.is_empty() {
        None
    } else {
        Some(lookup(group, "/etc/group").ok_or_else(|| ChownError::Group(group.to_string()))?)
    };
    Ok(Chown { uid, gid })
}

pub(crate) fn lookup(name: &str, db: &str) -> Option<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Some(n);
    }
    let text = fs::read(db).ok()?;
    lookup_in(name, &text)
}

/// The name of `id` in the passwd/group-format file `db`, if it has one.
pub(crate) fn name_of(id: u32, db: &str) -> Option<String> {
    let text = fs::read(db).ok()?;
    text.split(|&b| b == b'\n').find_map(|line| {
        let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
        let n = std::str::from_utf8(f.get(2)?).ok()?.parse::<u32>().ok()?;
        (n == id).then(|| String::from_utf8_lossy(f[0]).into_owned())
    })
}

/// Find `name` in a passwd/group-format text (name in field 1, id in field 3).
fn lookup_in(name: &str, text: &[u8]) -> Option<u32> {
    text.split(|&b| b == b'\n').find_map(|line| {
        let mut fields = line.split(|&b| b == b':');
        let n = fields.next()?;
        if n != name.as_bytes() {
            return None;
        }
        let _password = fields.next()?;
        std::str::from_utf8(fields.next()?).ok()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        assert_eq!(
            parse("0:0").unwrap(),
            Chown {
                uid: Some(0),
                gid: Some(0)
            }
        );
        assert_eq!(
            parse("root").unwrap(),
            Chown {
                uid: Some(0),
                gid: None
            }
        );
        assert_eq!(
            parse(":root").unwrap(),
            Chown {
                uid: None,
                gid: Some(0)
            }
        );
        assert!(parse("no-such-user-here:").is_err());
        assert_eq!(
            lookup_in("bin", b"root:x:0:0::/:/bin/sh\nbin:x:2:2::/:/bin/sh\n"),
            Some(2)
        );
        assert_eq!(lookup_in("bi", b"bin:x:2:2::/:/bin/sh\n"), None);
    }
}
