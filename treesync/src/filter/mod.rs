//! rsync's filter rules (`--filter`, `--exclude`, `--include`, `-F`, `-C`), the FILTER RULES
//! section of `man rsync` as rsync 3.5 behaves.
//!
//! - Rules are tried in order; the first that matches decides (include or exclude); no match
//!   means include. A rule applies to the sender (what is transferred), the receiver (what
//!   `--delete` may remove: an exclude protects), or both: `-`/`+` both (sender only with
//!   `--delete-excluded`), `H`/`S` and the `s` modifier the sender, `P`/`R` and `r` the
//!   receiver. A perishable rule (`p`, the `-C` defaults) is ignored inside a directory being
//!   deleted; an `x` rule is about xattr names and never matches a file name.
//! - A pattern without a `/` (other than a trailing one) or `**` matches the last component;
//!   otherwise the path within the transfer, and unanchored it may match any trailing run of
//!   whole components. A leading `/` anchors it at the transfer root (in a per-directory file,
//!   at that file's directory); a trailing `/` matches directories only; `dir/***` is `dir` and
//!   everything beneath it; `!` inverts the match; the `/` modifier matches the absolute path.
//! - A dir-merge rule (`:`, `-F`'s `/.rsync-filter`, `-C`'s `.cvsignore`) stands in the list
//!   for the rules read from that file in each directory the walk enters ([`Scope`]): the
//!   nearest directory's rules first, then those inherited from its parents.
//!
//! The rules are parsed by [`parse`]; the walk builds a [`Scope`] per directory (sender: from
//! SRC's files, receiver: from DEST's, as rsync's receiver reads DEST's copies).

mod cvs;
pub(crate) mod glob;
mod parse;
mod scope;

use std::sync::Arc;

pub use parse::FilterError;
pub use scope::{Place, Scope, absolute};

/// Whether a rule includes or excludes what it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `+`, `--include`.
    Include,
    /// `-`, `--exclude`.
    Exclude,
}

/// Which end of the transfer asks: the sender lists SRC, the receiver protects DEST entries
/// from `--delete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Deciding what is transferred.
    Sender,
    /// Deciding what `--delete` may remove.
    Receiver,
}

/// A rule's modifiers (`/ ! s r p x`), also the defaults a merge file gives its rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Mods {
    negate: bool,
    absolute: bool,
    sender: bool,
    receiver: bool,
    perishable: bool,
    xattr: bool,
}

/// One include or exclude rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    action: Action,
    pattern: Vec<u8>,
    anchored: bool,
    dir_only: bool,
    full_path: bool,
    /// The pattern has a wildcard (`*?[`): else it is compared as it is, `\` included.
    wild: bool,
    mods: Mods,
}

/// How a merge file's lines are read (the modifiers of a `merge` or `dir-merge` rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FileRules {
    /// `+` or `-`: every line is a pattern of this kind (no prefixes).
    only: Option<Action>,
    /// `w`: split on white space, no comments.
    words: bool,
    /// `C`: a `.cvsignore` (`w`, `-`, `n`, and `!` clears).
    cvs: bool,
    /// `n`: not inherited by subdirectories.
    no_inherit: bool,
    /// `e`: the merge file itself is excluded.
    exclude_self: bool,
    /// Modifiers given to every rule read.
    mods: Mods,
}

/// A per-directory merge file: its name (maybe with a directory part, see
/// [`Filters::top_scope`]) and how it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MergeSpec {
    name: Vec<u8>,
    how: FileRules,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Rule(Rule),
    /// The rules of the per-directory file `merges[i]`, as the current [`Scope`] has them.
    DirMerge(usize),
}

/// The ordered rule list of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    items: Vec<Item>,
    merges: Vec<MergeSpec>,
    /// `--delete-excluded`: rules without a side are the sender's only.
    delete_excluded: bool,
    /// How deep `.` merges nest (a file merging itself stops here).
    depth: u8,
}

/// What a rule is asked about.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The path within the transfer (no trailing `/`).
    pub rel: &'a [u8],
    /// Whether it is a directory.
    pub is_dir: bool,
    /// Who asks.
    pub side: Side,
    /// It is inside a directory being deleted (perishable rules are ignored).
    pub dying: bool,
    /// Its absolute path without the leading `/` (for `/`-modifier rules), when known.
    pub absolute: Option<&'a [u8]>,
}

impl<'a> Query<'a> {
    /// The sender's question about `rel`.
    pub fn sender(rel: &'a [u8], is_dir: bool) -> Self {
        Query {
            rel,
            is_dir,
            side: Side::Sender,
            dying: false,
            absolute: None,
        }
    }
}

impl Filters {
    /// Append an old-style `--exclude`/`--include` pattern (no modifiers).
    pub fn push(&mut self, action: Action, pattern: &[u8]) {
        for r in Rule::new(action, pattern, Mods::default()) {
            self.items.push(Item::Rule(r));
        }
    }

    /// `--delete-excluded`: from now on rules without a side affect only the sender.
    pub fn set_delete_excluded(&mut self, on: bool) {
        self.delete_excluded = on;
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether some rule reads per-directory files (the walk then builds `Scope`s).
    pub fn has_dir_merge(&self) -> bool {
        self.items.iter().any(|i| matches!(i, Item::DirMerge(_)))
    }

    /// Whether some rule matches absolute paths (the `/` modifier).
    pub fn has_absolute(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, Item::Rule(r) if r.mods.absolute))
    }

    /// Whether the first rule that matches `q` (in `scope`'s directory) excludes it.
    pub fn is_excluded(&self, scope: Option<&Scope>, q: &Query<'_>) -> bool {
        self.decide(scope, q) == Some(Action::Exclude)
    }

    /// The action of the first rule matching `q`, if any.
    pub fn decide(&self, scope: Option<&Scope>, q: &Query<'_>) -> Option<Action> {
        for item in &self.items {
            match item {
                Item::Rule(r) => {
                    if self.applies(r, q) && r.matches(q, None) {
                        return Some(r.action);
                    }
                }
                Item::DirMerge(i) => {
                    let Some(s) = scope else { continue };
                    for pd in s.rules(*i) {
                        if self.applies(&pd.rule, q) && pd.rule.matches(q, Some(&pd.place)) {
                            return Some(pd.rule.action);
                        }
                    }
                }
            }
        }
        None
    }

    /// Does `r` speak to this side, here?
    fn applies(&self, r: &Rule, q: &Query<'_>) -> bool {
        let m = &r.mods;
        if m.xattr || (m.perishable && q.dying) {
            return false;
        }
        if m.sender || m.receiver {
            return match q.side {
                Side::Sender => m.sender,
                Side::Receiver => m.receiver,
            };
        }
        q.side == Side::Sender || !self.delete_excluded
    }
}

/// A rule read from a per-directory file, with where that file was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerDir {
    rule: Rule,
    place: Place,
}

impl Rule {
    /// The rule(s) for one pattern: `dir/***` gives two (`dir` and `dir/**`).
    fn new(action: Action, pattern: &[u8], mods: Mods) -> Vec<Rule> {
        let mut p = pattern;
        let dir_only = p.len() > 1 && p.ends_with(b"/");
        if dir_only {
            p = &p[..p.len() - 1];
        }
        let anchored = p.starts_with(b"/");
        if anchored {
            p = &p[1..];
        }
        let make = |pat: Vec<u8>, dir_only: bool| {
            let wild = pat.iter().any(|b| matches!(b, b'*' | b'?' | b'['));
            let full_path = anchored || pat.contains(&b'/') || contains(&pat, b"**");
            Rule {
                action,
                pattern: pat,
                anchored,
                dir_only,
                full_path,
                wild,
                mods,
            }
        };
        match p.strip_suffix(b"/***") {
            Some(stem) => {
                let mut all = stem.to_vec();
                all.extend_from_slice(b"/**");
                vec![make(stem.to_vec(), true), make(all, dir_only)]
            }
            None => vec![make(p.to_vec(), dir_only)],
        }
    }

    /// Does the pattern match `q` (`place`: where its per-directory file was)?
    fn matches(&self, q: &Query<'_>, place: Option<&Place>) -> bool {
        let hit = (!self.dir_only || q.is_dir) && self.matches_path(q, place);
        hit != self.mods.negate
    }

    fn matches_path(&self, q: &Query<'_>, place: Option<&Place>) -> bool {
        if self.mods.absolute {
            return q.absolute.is_some_and(|a| self.matches_in(a));
        }
        match place {
            Some(p) if self.anchored => self.matches_in(&p.local(q.rel)),
            _ => self.matches_in(q.rel),
        }
    }

    /// Match against `path` (relative to where the rule is anchored).
    fn matches_in(&self, path: &[u8]) -> bool {
        let one = |text: &[u8]| match self.wild {
            true => glob::glob(&self.pattern, text),
            false => self.pattern == text,
        };
        if !self.full_path {
            let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
            return one(base);
        }
        if one(path) {
            return true;
        }
        if self.anchored {
            return false;
        }
        path.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'/')
            .any(|(i, _)| one(&path[i + 1..]))
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Shared per-directory rules (cheap to hand down the walk).
type Shared = Arc<PerDir>;

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rules: &[(Action, &str)]) -> Filters {
        let mut fl = Filters::default();
        for (a, p) in rules {
            fl.push(*a, p.as_bytes());
        }
        fl
    }

    fn excluded(fl: &Filters, path: &str, is_dir: bool) -> bool {
        fl.is_excluded(None, &Query::sender(path.as_bytes(), is_dir))
    }

    // Each case was checked against `rsync -ri --exclude=...` on a small tree.
    #[test]
    fn rsync_rules() {
        let ex = f(&[(Action::Exclude, "sub/foo")]);
        assert!(excluded(&ex, "sub/foo", true));
        assert!(excluded(&ex, "a/sub/foo", true));
        assert!(!excluded(&ex, "foo", true));
        let anchored = f(&[(Action::Exclude, "/foo")]);
        assert!(excluded(&anchored, "foo", true));
        assert!(!excluded(&anchored, "sub/foo", true));
        let dir = f(&[(Action::Exclude, "bar/")]);
        assert!(excluded(&dir, "bar", true));
        assert!(!excluded(&dir, "sub/bar", false));
        let starstar = f(&[(Action::Exclude, "sub/**")]);
        assert!(excluded(&starstar, "sub/bar", false));
        assert!(!excluded(&starstar, "sub", true));
        let first_wins = f(&[
            (Action::Include, "sub/"),
            (Action::Include, "sub/bar"),
            (Action::Exclude, "*"),
        ]);
        assert!(!excluded(&first_wins, "sub", true));
        assert!(!excluded(&first_wins, "sub/bar", false));
        assert!(excluded(&first_wins, "sub/foo", true));
        assert!(excluded(&first_wins, "bar", true));
        let triple = f(&[(Action::Exclude, "d/***")]);
        assert!(excluded(&triple, "d", true));
        assert!(excluded(&triple, "d/x/y", false));
        assert!(!excluded(&triple, "dd", false));
        let literal = f(&[(Action::Exclude, "a\\b")]);
        assert!(excluded(&literal, "a\\b", false));
    }

    #[test]
    fn sides_and_perishable() {
        let mut fl = Filters::default();
        fl.add_rule(b"P keep", false).unwrap();
        fl.add_rule(b"-p *.o", false).unwrap();
        let recv = |rel: &'static str, dying| Query {
            side: Side::Receiver,
            dying,
            ..Query::sender(rel.as_bytes(), false)
        };
        assert!(fl.is_excluded(None, &recv("keep", false)));
        assert!(!excluded(&fl, "keep", false), "P is the receiver's");
        assert!(fl.is_excluded(None, &recv("x.o", false)));
        assert!(!fl.is_excluded(None, &recv("x.o", true)), "perishable");
        fl.set_delete_excluded(true);
        assert!(!fl.is_excluded(None, &recv("x.o", false)));
        assert!(fl.is_excluded(None, &recv("keep", false)));
    }
}
