//! rsync's `--chmod=SPEC`: a comma-separated list of chmod(1)-style clauses, each optionally
//! prefixed with `D` (directories only) or `F` (everything that is not a directory).
//!
//! The rules, checked against rsync 3.5 black-box:
//! - a clause is either octal (`D755`, `F0644`: the permission bits become exactly that) or
//!   symbolic: `[ugoa]*` then one or more `[-+=][rwxXst]*` or `[-+=][ugo]` (copy another class);
//! - with no `ugoa`, the bits are masked by the umask, as chmod(1) does (`+X` under umask 027 adds
//!   `x` for user and group only);
//! - `X` adds execute only to directories and to files that had an execute bit *before the whole
//!   spec* was applied (`a-x,+X` on 0755 gives 0754 under umask 027, not 0644);
//! - clauses apply left to right.

use std::fmt;

/// One parsed `--chmod` specification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChmodSpec {
    clauses: Vec<Clause>,
}

/// Which entries a clause applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    All,
    Dirs,
    Files,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Clause {
    Octal(Target, u32),
    Symbolic(Target, Option<u32>, Vec<(Op, Perms)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
    Set,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Perms {
    /// Bits from `rwxst` (in the "all classes" form, masked by `who` later) and whether `X` was
    /// given.
    Bits {
        r: bool,
        w: bool,
        x: bool,
        big_x: bool,
        s: bool,
        t: bool,
    },
    /// Copy the permissions of a class (`g=u`): the shift of that class (6, 3 or 0).
    Copy(u32),
}

/// A `--chmod` spec that does not parse; carries the offending clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChmodError(pub String);

impl fmt::Display for ChmodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid argument passed to --chmod ({})", self.0)
    }
}

impl std::error::Error for ChmodError {}

const WHO_U: u32 = 0o4700;
const WHO_G: u32 = 0o2070;
const WHO_O: u32 = 0o1007;

impl ChmodSpec {
    /// Parse one `--chmod` argument. Several `--chmod` options are joined with [`ChmodSpec::extend`].
    pub fn parse(spec: &str) -> Result<Self, ChmodError> {
        let mut clauses = Vec::new();
        for raw in spec.split(',') {
            clauses.push(parse_clause(raw).ok_or_else(|| ChmodError(spec.to_string()))?);
        }
        Ok(ChmodSpec { clauses })
    }

    /// Append the clauses of another spec (rsync accepts `--chmod` more than once).
    pub fn extend(&mut self, other: ChmodSpec) {
        self.clauses.extend(other.clauses);
    }

    /// Apply the spec to `mode` (permission bits, `0o7777`) of a directory or not, with `umask`
    /// masking the clauses that name no class.
    pub fn apply(&self, mode: u32, is_dir: bool, umask: u32) -> u32 {
        let original = mode & 0o7777;
        let mut mode = original;
        for clause in &self.clauses {
            let target = match clause {
                Clause::Octal(t, _) | Clause::Symbolic(t, _, _) => *t,
            };
            let applies = match target {
                Target::All => true,
                Target::Dirs => is_dir,
                Target::Files => !is_dir,
            };
            if !applies {
                continue;
            }
            match clause {
                Clause::Octal(_, bits) => mode = *bits,
                Clause::Symbolic(_, who, ops) => {
                    let (mask, masked_by_umask) = match who {
                        Some(w) => (*w, false),
                        None => (0o7777, true),
                    };
                    for (op, perms) in ops {
                        let bits = match *perms {
                            Perms::Bits {
                                r,
                                w,
                                x,
                                big_x,
                                s,
                                t,
                            } => {
                                let mut b = 0;
                                if r {
                                    b |= 0o444;
                                }
                                if w {
                                    b |= 0o222;
                                }
                                if x || (big_x && (is_dir || original & 0o111 != 0)) {
                                    b |= 0o111;
                                }
                                if s {
                                    b |= 0o6000;
                                }
                                if t {
                                    b |= 0o1000;
                                }
                                b
                            }
                            Perms::Copy(shift) => {
                                let c = (mode >> shift) & 7;
                                c << 6 | c << 3 | c
                            }
                        };
                        let mut bits = bits & mask;
                        if masked_by_umask {
                            bits &= !umask;
                        }
                        match op {
                            Op::Add => mode |= bits,
                            Op::Remove => mode &= !bits,
                            Op::Set => {
                                // `=` clears the named classes (all of them without `ugoa`,
                                // except the umask-protected bits), keeping set-id bits of
                                // directories as chmod(1) does only when asked explicitly.
                                let clear = if masked_by_umask {
                                    0o7777 & !umask
                                } else {
                                    mask
                                };
                                mode = (mode & !clear) | bits;
                            }
                        }
                    }
                }
            }
        }
        mode & 0o7777
    }
}

fn parse_clause(raw: &str) -> Option<Clause> {
    let mut s = raw.as_bytes();
    let target = match s.first() {
        Some(b'D') => {
            s = &s[1..];
            Target::Dirs
        }
        Some(b'F') => {
            s = &s[1..];
            Target::Files
        }
        _ => Target::All,
    };
    if s.is_empty() {
        return None;
    }
    if s.iter().all(|b| (b'0'..=b'7').contains(b)) {
        if s.len() > 4 {
            return None;
        }
        let bits = s.iter().fold(0u32, |acc, b| acc * 8 + u32::from(b - b'0'));
        return Some(Clause::Octal(target, bits));
    }
    let who = parse_who(&mut s);
    let mut ops = Vec::new();
    while let Some(&c) = s.first() {
        let op = match c {
            b'+' => Op::Add,
            b'-' => Op::Remove,
            b'=' => Op::Set,
            _ => return None,
        };
        s = &s[1..];
        ops.push((op, parse_perms(&mut s)));
    }
    if ops.is_empty() {
        return None;
    }
    Some(Clause::Symbolic(target, who, ops))
}

/// The `ugoa` letters at the start of `s` (consumed), or `None` when there are none. The
/// sticky bit belongs to no class in particular: it stays with "o" and "a".
fn parse_who(s: &mut &[u8]) -> Option<u32> {
    let mut who = 0u32;
    let mut named = false;
    while let Some(&c) = s.first() {
        who |= match c {
            b'u' => WHO_U,
            b'g' => WHO_G,
            b'o' => WHO_O,
            b'a' => WHO_U | WHO_G | WHO_O,
            _ => break,
        };
        named = true;
        *s = &s[1..];
    }
    named.then_some(who)
}

/// What follows an operator: a class to copy (`u`, `g`, `o`) or `rwxXst` letters (consumed).
fn parse_perms(s: &mut &[u8]) -> Perms {
    let copy = match s.first() {
        Some(b'u') => Some(6),
        Some(b'g') => Some(3),
        Some(b'o') => Some(0),
        _ => None,
    };
    if let Some(shift) = copy {
        *s = &s[1..];
        return Perms::Copy(shift);
    }
    let (mut r, mut w, mut x, mut big_x, mut st, mut t) =
        (false, false, false, false, false, false);
    while let Some(&p) = s.first() {
        match p {
            b'r' => r = true,
            b'w' => w = true,
            b'x' => x = true,
            b'X' => big_x = true,
            b's' => st = true,
            b't' => t = true,
            _ => break,
        }
        *s = &s[1..];
    }
    Perms::Bits {
        r,
        w,
        x,
        big_x,
        s: st,
        t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(spec: &str, mode: u32, dir: bool, umask: u32) -> u32 {
        ChmodSpec::parse(spec).unwrap().apply(mode, dir, umask)
    }

    // Every expectation below was observed with rsync 3.5 (`-p --chmod=...`, umask 027).
    #[test]
    fn matches_rsync_observations() {
        assert_eq!(ap("+w", 0o444, false, 0o027), 0o644);
        assert_eq!(ap("u+w,go-w", 0o444, false, 0o027), 0o644);
        assert_eq!(ap("u+w,go-w", 0o777, true, 0o027), 0o755);
        assert_eq!(ap("D755,F644", 0o700, true, 0o027), 0o755);
        assert_eq!(ap("D755,F644", 0o600, false, 0o027), 0o644);
        assert_eq!(ap("Dg+s", 0o700, true, 0o027), 0o2700);
        assert_eq!(ap("Dg+s", 0o755, false, 0o027), 0o755);
        assert_eq!(ap("+X", 0o700, true, 0o027), 0o710);
        assert_eq!(ap("+X", 0o444, false, 0o027), 0o444);
        assert_eq!(ap("a-x,+X", 0o755, false, 0o027), 0o754);
        assert_eq!(ap("a-x,+X", 0o700, true, 0o027), 0o710);
        assert_eq!(ap("g=u", 0o600, false, 0o027), 0o660);
        assert_eq!(ap("ug=rwx,o=", 0o444, false, 0o027), 0o770);
        assert_eq!(ap("u=rw,Fgo=r", 0o755, false, 0o027), 0o644);
        assert_eq!(ap("u=rw,Fgo=r", 0o755, true, 0o027), 0o655);
        assert_eq!(ap("o+w", 0o444, false, 0o027), 0o446);
    }

    #[test]
    fn umask_only_masks_classless_clauses() {
        assert_eq!(ap("+w", 0o444, false, 0o022), 0o644);
        assert_eq!(ap("a+w", 0o444, false, 0o022), 0o666);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "D", "u", "q+w", "u+w,", "88", "F12345", "+w;x"] {
            assert!(ChmodSpec::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn several_ops_in_one_clause() {
        assert_eq!(ap("u+x-w", 0o644, false, 0), 0o544);
    }
}
