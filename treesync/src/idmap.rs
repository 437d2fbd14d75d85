//! `--usermap` and `--groupmap`: `FROM:TO,...`, the first FROM that matches the sender's id
//! decides. FROM is an id, an inclusive range `LOW-HIGH`, `*` (everything), an empty string
//! (ids without a name), or a name, possibly with wildcards, matched against the sender's
//! name for the id (the 0 id's name is not consulted, as rsync does not send it). TO is a
//! receiver-side name or id; an unknown name is rsync's warning and its rule is dropped.

use crate::filter::glob;

/// One side's mapping (users or groups).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    rules: Vec<(From, u32)>,
    /// rsync's warnings for TO names the receiver does not know (those rules are dropped).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum From {
    Id(u32),
    Range(u32, u32),
    Name(Vec<u8>),
}

/// Which database a map reads (`/etc/passwd` or `/etc/group`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    /// `--usermap`.
    Users,
    /// `--groupmap`.
    Groups,
}

impl Db {
    fn path(self) -> &'static str {
        match self {
            Db::Users => "/etc/passwd",
            Db::Groups => "/etc/group",
        }
    }

    fn option(self) -> &'static str {
        match self {
            Db::Users => "--usermap",
            Db::Groups => "--groupmap",
        }
    }
}

impl IdMap {
    /// Parses `spec` (`FROM:TO,...`), resolving every TO.
    pub fn parse(spec: &str, db: Db) -> Result<IdMap, String> {
        let mut map = IdMap::default();
        for pair in spec.split(',').filter(|p| !p.is_empty()) {
            let Some((from, to)) = pair.rsplit_once(':') else {
                return Err(format!("No colon found in {}: {pair}", db.option()));
            };
            match crate::owner::lookup(to, db.path()) {
                Some(id) => map.rules.push((parse_from(from), id)),
                None => map
                    .warnings
                    .push(format!("Unknown {} name on receiver: {to}", db.option())),
            }
        }
        Ok(map)
    }

    /// Whether no rule was given.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What `id` (the sender's) becomes; `None`: no rule matches, it stays.
    pub fn map(&self, id: u32, db: Db) -> Option<u32> {
        // rsync does not send the 0 id's name: only `*` matches it by name.
        let name = match id {
            0 => None,
            _ => Some(crate::owner::name_of(id, db.path()).unwrap_or_default()),
        };
        self.rules.iter().find_map(|(from, to)| {
            let hit = match (from, &name) {
                (From::Id(n), _) => *n == id,
                (From::Range(lo, hi), _) => (*lo..=*hi).contains(&id),
                (From::Name(p), Some(name)) => glob::glob(p, name.as_bytes()),
                (From::Name(p), None) => p == b"*",
            };
            hit.then_some(*to)
        })
    }
}

fn parse_from(from: &str) -> From {
    if let Ok(n) = from.parse::<u32>() {
        return From::Id(n);
    }
    if let Some((lo, hi)) = from.split_once('-')
        && let (Ok(lo), Ok(hi)) = (lo.parse::<u32>(), hi.parse::<u32>())
    {
        return From::Range(lo, hi);
    }
    From::Name(from.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_match_decides() {
        let m = IdMap {
            warnings: Vec::new(),
            rules: vec![
                (From::Range(10, 20), 1),
                (From::Id(30), 2),
                (From::Name(b"*".to_vec()), 3),
            ],
        };
        assert_eq!(m.map(15, Db::Users), Some(1));
        assert_eq!(m.map(30, Db::Users), Some(2));
        assert_eq!(m.map(4242, Db::Users), Some(3));
        assert!(matches!(parse_from("0-99"), From::Range(0, 99)));
        assert!(matches!(parse_from("wayne"), From::Name(_)));
    }
}
