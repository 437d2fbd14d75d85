//! When GNU diff takes two different lines for the same (`-i`, `-E`, `-Z`, `-b`, `-w`), and
//! which changes it leaves unprinted (`-B`, `-I RE`). Lines are compared through a *key*: the
//! line rewritten so that equivalent lines have equal keys; the diff runs on the keys and the
//! printers write the lines themselves.
//!
//! Rules encoded here (from GNU diff 3.8, black-box):
//!
//! - White space is ASCII `isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
//! - `-Z` drops the white space at the end of a line, its newline included (so `b` at the end
//!   of a file without a newline equals `b\n`); `-E` expands tabs to the next multiple of the
//!   tab size (`--tabsize`, 8). Given together, `-E` and `-Z` compare as `-Z` alone does
//!   (`a\tb` and `a       b` differ: so GNU 3.8 does). `-b` (stronger) drops the white space
//!   at the end and writes every other run of it as one space; `-w` drops all of it. `-b` and
//!   `-w` win over `-E` and `-Z`; `-w` over `-b`.
//! - `-i` folds ASCII letters only, whatever the locale.
//! - A change (removed and added lines at one place) is *ignorable* when each of its lines is
//!   blank (`-B`: empty; with `-b`, `-w` or `-Z`, white space only) or matches one of the
//!   `-I` expressions (matched against the line without its newline, case-sensitive even
//!   with `-i`). Hunks made only of ignorable changes are not printed, and an ignorable
//!   change joins the hunk before it only when fewer than N lines (the context) lie between
//!   them (see `TextDiff::hunks`).

use super::bre::Bre;

/// What `-E`, `-Z`, `-b` and `-w` ignore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Space {
    /// Lines compare byte for byte.
    #[default]
    Exact,
    /// `-E`.
    TabExpansion,
    /// `-Z` (and `-E -Z`).
    Trailing,
    /// `-b`.
    Change,
    /// `-w`.
    All,
}

impl Space {
    /// The combination of `self` and `other` given together: the stronger one.
    pub fn with(self, other: Space) -> Space {
        self.max(other)
    }

    fn trailing(self) -> bool {
        !matches!(self, Space::Exact | Space::TabExpansion)
    }
}

/// How lines are compared, and which changes are ignorable.
#[derive(Debug, Clone)]
pub struct Equivalence {
    /// `-i`.
    pub case: bool,
    /// `-E`, `-Z`, `-b`, `-w`.
    pub space: Space,
    /// Columns between tab stops (`--tabsize`), for `-E`.
    pub tabsize: usize,
    /// `-B`.
    pub blank_lines: bool,
    /// `-I RE`, each.
    pub matching: Vec<Bre>,
}

impl Default for Equivalence {
    fn default() -> Self {
        Equivalence {
            case: false,
            space: Space::Exact,
            tabsize: 8,
            blank_lines: false,
            matching: Vec::new(),
        }
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

impl Equivalence {
    /// True when lines compare byte for byte.
    pub fn is_exact(&self) -> bool {
        !self.case && self.space == Space::Exact
    }

    /// True when some changes may be ignorable.
    pub fn ignores_changes(&self) -> bool {
        self.blank_lines || !self.matching.is_empty()
    }

    /// The key of `line` (with its newline, if it has one) into `out` (cleared first).
    pub fn key(&self, line: &[u8], out: &mut Vec<u8>) {
        out.clear();
        let line = if self.space.trailing() {
            let end = line
                .iter()
                .rposition(|&b| !is_space(b))
                .map_or(0, |i| i + 1);
            &line[..end]
        } else {
            line
        };
        match self.space {
            Space::Exact | Space::Trailing => out.extend_from_slice(line),
            Space::TabExpansion => self.expand(line, out),
            Space::Change => {
                let mut in_space = false;
                for &b in line {
                    if is_space(b) {
                        in_space = true;
                        continue;
                    }
                    if in_space {
                        out.push(b' ');
                        in_space = false;
                    }
                    out.push(b);
                }
            }
            Space::All => out.extend(line.iter().copied().filter(|&b| !is_space(b))),
        }
        if self.case {
            out.make_ascii_lowercase();
        }
    }

    /// `line` with its tabs expanded to spaces.
    fn expand(&self, line: &[u8], out: &mut Vec<u8>) {
        let tab = self.tabsize.max(1);
        let mut column = 0;
        for &b in line {
            if b == b'\t' {
                let n = tab - column % tab;
                out.extend(std::iter::repeat_n(b' ', n));
                column += n;
            } else {
                out.push(b);
                column += 1;
            }
        }
    }

    /// Whether a changed `line` (with its newline, if any) is ignorable.
    pub fn ignorable(&self, line: &[u8]) -> bool {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let blank = if self.space.trailing() {
            text.iter().all(|&b| is_space(b))
        } else {
            text.is_empty()
        };
        (self.blank_lines && blank) || self.matching.iter().any(|re| re.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(space: Space, case: bool, line: &str) -> String {
        let eq = Equivalence {
            case,
            space,
            ..Equivalence::default()
        };
        let mut out = Vec::new();
        eq.key(line.as_bytes(), &mut out);
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn keys_are_equal_for_lines_gnu_takes_for_equal() {
        use Space::*;
        assert_eq!(key(Change, false, " a \t b \r\n"), " a b");
        assert_ne!(key(Change, false, "a\n"), key(Change, false, " a\n"));
        assert_eq!(key(All, false, " a \t b \r\n"), "ab");
        assert_eq!(key(Trailing, false, "b"), key(Trailing, false, "b \n"));
        assert_eq!(
            key(TabExpansion, false, "x \tb"),
            key(TabExpansion, false, "x\tb")
        );
        assert_ne!(
            key(TabExpansion, false, "b"),
            key(TabExpansion, false, "b\n")
        );
        assert_eq!(key(Exact, true, "AbC\u{c9}"), "abc\u{c9}");
        assert_eq!(Trailing.with(TabExpansion), Trailing);
        assert_eq!(Change.with(TabExpansion), Change);
        assert_eq!(Change.with(All), All);
    }
}
