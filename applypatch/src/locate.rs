//! Finding where a hunk goes, the way GNU patch does (learnt black-box from GNU patch 2.7.6).
//!
//! - The first guess is the hunk's stated line plus the offset the previous hunk of the same
//!   file needed. From there the scan alternates forward and backward (`+1, -1, +2, -2, ...`);
//!   the nearest match wins, forward first on a tie.
//! - A hunk never goes before the end of the previous hunk of the same file (GNU patch writes
//!   its output front to back; such a hunk fails there too).
//! - If no place matches, the scan is repeated with fuzz 1, 2, ... up to `-F` (default 2):
//!   fuzz `f` ignores the outer `f` context lines at each end. Context is measured against the
//!   larger of the two ends: a hunk with 1 leading and 3 trailing context lines is a hunk at the
//!   start of its file, with 2 "virtual" leading lines that must be absorbed by fuzz first. While
//!   virtual lines remain the hunk is anchored: it must match at line 1 (leading side) or end
//!   exactly at the end of the file (trailing side). Trailing context lines that fuzz
//!   ignores may run past the end of the file (GNU applies such a hunk with fuzz 1). Checked
//!   cases: a start-of-file hunk fails
//!   on a file with lines prepended up to fuzz 2 and applies with fuzz 2 or 3 at an offset; a
//!   hunk with 1 leading line whose first line changed needs fuzz 3.

use treepatch::LineKind;

/// What the locator needs to know about one hunk.
#[derive(Debug, Clone, Copy)]
pub struct HunkShape<'a> {
    /// The old side: context and removed lines, in order.
    pub old: &'a [&'a [u8]],
    /// Leading context lines.
    pub prefix: usize,
    /// Trailing context lines.
    pub suffix: usize,
}

impl<'a> HunkShape<'a> {
    /// Computes prefix/suffix context from the line kinds of a hunk whose old side is `old`.
    pub fn new(old: &'a [&'a [u8]], kinds: &[LineKind]) -> Self {
        let prefix = kinds
            .iter()
            .take_while(|k| **k == LineKind::Context)
            .count();
        let suffix = if prefix == kinds.len() {
            prefix
        } else {
            kinds
                .iter()
                .rev()
                .take_while(|k| **k == LineKind::Context)
                .count()
        };
        HunkShape {
            old,
            prefix,
            suffix,
        }
    }
}

/// Where a hunk matched: the 0-based index of its first old line, the fuzz used, and where
/// the lines it matched end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Index in the file's lines where the hunk's old side starts.
    pub pos: usize,
    /// Fuzz needed (0 = exact).
    pub fuzz: usize,
    /// Index after the last line matched: trailing context that fuzz ignored is not part of
    /// it (the next hunk may start there, as in GNU patch).
    pub end: usize,
}

/// Finds the place for `hunk` in `lines`, no earlier than `min_pos`, nearest to `expected`,
/// with at most `max_fuzz` fuzz.
pub fn locate(
    lines: &[&[u8]],
    hunk: &HunkShape<'_>,
    expected: i64,
    min_pos: usize,
    max_fuzz: usize,
) -> Option<Found> {
    let n = lines.len();
    let len = hunk.old.len();
    let context = hunk.prefix.max(hunk.suffix);
    for fuzz in 0..=max_fuzz.min(context) {
        let pre_virtual = context - hunk.prefix;
        let suf_virtual = context - hunk.suffix;
        let drop_pre = fuzz.saturating_sub(pre_virtual).min(hunk.prefix);
        let drop_suf = fuzz.saturating_sub(suf_virtual).min(hunk.suffix);
        // Trailing context dropped by fuzz may lie past the end of the file.
        let Some(last) = n.checked_sub(len - drop_suf.min(len)) else {
            continue;
        };
        if min_pos > last {
            continue;
        }
        let need =
            &hunk.old[drop_pre.min(len)..len.saturating_sub(drop_suf).max(drop_pre.min(len))];
        let matches = |p: usize| -> bool {
            lines[p + drop_pre..p + drop_pre + need.len()]
                .iter()
                .zip(need)
                .all(|(a, b)| a == b)
        };
        let anchored_start = pre_virtual > fuzz;
        let anchored_end = suf_virtual > fuzz;
        if anchored_start || anchored_end {
            let p = if anchored_start { 0 } else { last };
            let ends_ok = !anchored_end || p == last;
            if p >= min_pos && ends_ok && matches(p) {
                let end = p + drop_pre + need.len();
                return Some(Found { pos: p, fuzz, end });
            }
            continue;
        }
        let found = |p: usize| Found {
            pos: p,
            fuzz,
            end: p + drop_pre + need.len(),
        };
        let e = expected.clamp(min_pos as i64, last as i64) as usize;
        if matches(e) {
            return Some(found(e));
        }
        let mut d = 1usize;
        loop {
            let fwd = e.checked_add(d).filter(|&p| p <= last);
            let back = e.checked_sub(d).filter(|&p| p >= min_pos);
            if fwd.is_none() && back.is_none() {
                break;
            }
            if let Some(p) = fwd
                && matches(p)
            {
                return Some(found(p));
            }
            if let Some(p) = back
                && matches(p)
            {
                return Some(found(p));
            }
            d += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use LineKind::{Add, Context as C, Remove};

    fn seq(n: usize) -> Vec<Vec<u8>> {
        (1..=n).map(|i| i.to_string().into_bytes()).collect()
    }

    /// Hunk of `diff -u` changing line `at` of `seq 1 30` (3 lines of context).
    fn mid_hunk(at: usize, n: usize) -> (Vec<Vec<u8>>, Vec<LineKind>) {
        let lo = at.saturating_sub(3).max(1);
        let hi = (at + 3).min(n);
        let mut old = Vec::new();
        let mut kinds = Vec::new();
        for i in lo..=hi {
            old.push(i.to_string().into_bytes());
            kinds.push(if i == at { Remove } else { C });
        }
        kinds.insert(at - lo + 1, Add);
        (old, kinds)
    }

    fn run(file: &[Vec<u8>], at: usize, expected: i64, fuzz: usize) -> Option<(usize, usize)> {
        let (old, kinds) = mid_hunk(at, 30);
        let old: Vec<&[u8]> = old.iter().map(Vec::as_slice).collect();
        let lines: Vec<&[u8]> = file.iter().map(Vec::as_slice).collect();
        locate(&lines, &HunkShape::new(&old, &kinds), expected, 0, fuzz).map(|f| (f.pos, f.fuzz))
    }

    fn with(mut f: Vec<Vec<u8>>, line: usize, text: &str) -> Vec<Vec<u8>> {
        f[line - 1] = text.as_bytes().to_vec();
        f
    }

    #[test]
    fn exact_then_nearest_offset() {
        assert_eq!(run(&seq(30), 10, 6, 2), Some((6, 0)));
        let mut f = seq(30);
        f.splice(0..0, [b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        assert_eq!(run(&f, 10, 6, 2), Some((9, 0)));
    }

    /// The cases below were run through GNU patch 2.7.6 (see the module docs).
    #[test]
    fn fuzz_like_gnu_patch() {
        // line 7 changed: fuzz 1; lines 7 and 8: fuzz 2; lines 7 and 12: fuzz 2
        assert_eq!(run(&with(seq(30), 7, "X"), 10, 6, 2), Some((6, 1)));
        let f = with(with(seq(30), 7, "X"), 8, "X");
        assert_eq!(run(&f, 10, 6, 2), Some((6, 2)));
        let f = with(with(seq(30), 7, "X"), 12, "Y");
        assert_eq!(run(&f, 10, 6, 2), Some((6, 2)));
        assert_eq!(run(&f, 10, 6, 1), None);
        // line 9 (innermost context) changed: fails at any fuzz up to 2
        assert_eq!(run(&with(seq(30), 9, "X"), 10, 6, 2), None);
    }

    #[test]
    fn start_of_file_hunks_are_anchored() {
        let mut pre = seq(30);
        pre.splice(0..0, [b"a".to_vec(), b"b".to_vec()]);
        // change on line 1: prefix 0, suffix 3
        assert_eq!(run(&pre, 1, 0, 2), None);
        assert_eq!(run(&pre, 1, 0, 3), Some((2, 3)));
        assert_eq!(run(&with(seq(30), 4, "X"), 1, 0, 2), Some((0, 1)));
        // change on line 2: prefix 1, suffix 3
        assert_eq!(run(&pre, 2, 0, 2), Some((2, 2)));
        assert_eq!(run(&with(seq(30), 1, "X"), 2, 0, 2), None);
        assert_eq!(run(&with(seq(30), 1, "X"), 2, 0, 3), Some((0, 3)));
    }

    #[test]
    fn end_of_file_hunks_are_anchored() {
        let mut app = seq(30);
        app.push(b"z".to_vec());
        assert_eq!(run(&app, 30, 26, 2), None);
        // change on line 29: prefix 3, suffix 1
        assert_eq!(run(&app, 29, 25, 2), Some((25, 2)));
        assert_eq!(run(&with(seq(30), 30, "X"), 29, 25, 2), None);
        assert_eq!(run(&with(seq(30), 30, "X"), 29, 25, 3), Some((25, 3)));
    }

    #[test]
    fn never_before_the_previous_hunk() {
        let lines: Vec<&[u8]> = vec![b"a", b"b", b"a", b"b"];
        let old: Vec<&[u8]> = vec![b"a", b"b"];
        let shape = HunkShape {
            old: &old,
            prefix: 1,
            suffix: 1,
        };
        assert_eq!(
            locate(&lines, &shape, 0, 1, 0).map(|f| (f.pos, f.fuzz)),
            Some((2, 0))
        );
        assert_eq!(locate(&lines, &shape, 0, 3, 0), None);
    }
}
