//! The line diff GNU diff computes: which lines of two sequences are changed, so that the
//! hunks printed from it are GNU diff 3.8's, line for line.
//!
//! Lines are interned ids (`u32`, equal lines equal ids). The steps, as GNU's manual and
//! black-box runs of `/usr/bin/diff` show them (each rule has a unit test below with GNU's
//! output for its input):
//!
//! 1. **Discard lines without a match.** A line whose id does not occur in the other
//!    sequence is changed whatever the alignment; it is marked so and left out of the search.
//!    So is a line with many matches well inside a run of such lines (see `discard`).
//! 2. **Myers' O(ND) search, linear-space form**, on the lines left, with GNU's bound on its
//!    cost (see `myers`). With `--minimal` ([`Cost::Minimal`]), no line is discarded in step
//!    1 and the search has no bound.
//! 3. **Shift the changes** (GNU's manual: it "shifts the hunk's boundaries when this merges
//!    adjacent hunks, or shifts a hunk's lines towards the end of the file"). Each run of
//!    changed lines of the old sequence, then of the new one, slides up while the line before
//!    it equals its last line and down while the line after it equals its first (the script
//!    stays valid: the same content stays unchanged), taking in the runs it meets, until it
//!    stops growing; then it moves back up to the lowest place where it faces changed lines
//!    of the other sequence, if it passed one (so a deletion and an insertion pair up), else
//!    it stays at the end of the repeated lines.
//!
//! [`changes`] pairs the two sequences' runs into [`Change`]s, the unit a hunk is built of.

use std::ops::Range;

mod discard;
mod myers;

/// One change: old lines `old` are replaced by new lines `new` (either may be empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The removed lines, as indices into the old sequence.
    pub old: Range<usize>,
    /// The added lines, as indices into the new sequence.
    pub new: Range<usize>,
}

/// The changes that turn `old` into `new`, in order, as GNU diff finds them.
pub fn changes(old: &[u32], new: &[u32]) -> Vec<Change> {
    changes_with(old, new, Cost::Bounded)
}

/// How hard the search tries for a shortest script.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cost {
    /// GNU diff's default: give up on the shortest script when the search grows costly.
    #[default]
    Bounded,
    /// `--minimal`: always a shortest script, of all the lines (no line is discarded first,
    /// which changes where equal-cost changes land: GNU diff 3.8's `-d` output shows it).
    Minimal,
}

/// [`changes`], with the search's cost bound chosen.
pub fn changes_with(old: &[u32], new: &[u32], cost: Cost) -> Vec<Change> {
    let (mut old_changed, mut new_changed) = changed_lines_with(old, new, cost);
    shift_boundaries(old, &mut old_changed, &new_changed);
    shift_boundaries(new, &mut new_changed, &old_changed);
    pair(&old_changed, &new_changed)
}

/// For each line of `old` and of `new`, whether it is changed (a minimal-cost edit script
/// found by Myers' search on the lines that have a match).
pub fn changed_lines(old: &[u32], new: &[u32]) -> (Vec<bool>, Vec<bool>) {
    changed_lines_with(old, new, Cost::Bounded)
}

fn changed_lines_with(old: &[u32], new: &[u32], cost: Cost) -> (Vec<bool>, Vec<bool>) {
    let ids = old
        .iter()
        .chain(new)
        .map(|&i| i as usize + 1)
        .max()
        .unwrap_or(0);
    let (old_counts, new_counts) = (counts(old, ids), counts(new, ids));
    let (mut old_changed, mut new_changed) = match cost {
        Cost::Bounded => (
            discard::discarded(old, &new_counts),
            discard::discarded(new, &old_counts),
        ),
        Cost::Minimal => (vec![false; old.len()], vec![false; new.len()]),
    };
    let (old_kept, old_map) = kept(old, &old_changed);
    let (new_kept, new_map) = kept(new, &new_changed);
    let mut search = myers::Search::new(&old_kept, &new_kept);
    search.run(cost == Cost::Minimal, &mut |side, lines| {
        let (changed, map) = match side {
            myers::Side::A => (&mut old_changed, &old_map),
            myers::Side::B => (&mut new_changed, &new_map),
        };
        for &i in &map[lines] {
            changed[i as usize] = true;
        }
    });
    (old_changed, new_changed)
}

/// How many times each id occurs in `lines`.
fn counts(lines: &[u32], ids: usize) -> Vec<u32> {
    let mut counts = vec![0u32; ids];
    for &l in lines {
        counts[l as usize] = counts[l as usize].saturating_add(1);
    }
    counts
}

/// The lines of `lines` not `discarded`, and their indices.
fn kept(lines: &[u32], discarded: &[bool]) -> (Vec<u32>, Vec<u32>) {
    let mut kept = Vec::with_capacity(lines.len());
    let mut map = Vec::with_capacity(lines.len());
    for (i, (&l, &d)) in (0u32..).zip(lines.iter().zip(discarded)) {
        if !d {
            kept.push(l);
            map.push(i);
        }
    }
    (kept, map)
}

/// For each gap between unchanged lines of a sequence (before the first, between each two,
/// after the last), whether changed lines fill it.
fn filled_gaps(changed: &[bool]) -> Vec<bool> {
    let mut gaps = vec![false];
    for &c in changed {
        match gaps.last_mut() {
            Some(g) if c => *g = true,
            _ => gaps.push(false),
        }
    }
    gaps
}

/// Shifts the runs of changed lines of `lines`: each run slides up as far as it can (merging
/// with the runs it meets), then down as far as it can (merging again), until it stops
/// growing; then it moves back up to the lowest place where it faces changed lines of the
/// other sequence (`other_changed`), if there is one.
fn shift_boundaries(lines: &[u32], changed: &mut [bool], other_changed: &[bool]) {
    let gaps = filled_gaps(other_changed);
    let n = lines.len();
    // `u`: unchanged lines before `start`, the gap of the other sequence the run faces.
    let (mut i, mut u) = (0, 0);
    while i < n {
        if !changed[i] {
            i += 1;
            u += 1;
            continue;
        }
        let mut g = Run { start: i, end: i };
        g.extend_down(changed);
        let mut matching;
        loop {
            let size = g.end - g.start;
            while g.start > 0 && lines[g.start - 1] == lines[g.end - 1] {
                g.up(changed);
                u -= 1;
            }
            matching = gaps[u].then_some(g.end);
            while g.end < n && lines[g.start] == lines[g.end] {
                g.down(changed);
                u += 1;
                if gaps[u] {
                    matching = Some(g.end);
                }
            }
            if g.end - g.start == size {
                break;
            }
        }
        if let Some(end) = matching {
            while g.end > end {
                g.up(changed);
                u -= 1;
            }
        }
        i = g.end;
    }
}

/// A run of changed lines being shifted.
struct Run {
    start: usize,
    end: usize,
}

impl Run {
    /// Takes in the changed lines that follow.
    fn extend_down(&mut self, changed: &[bool]) {
        while self.end < changed.len() && changed[self.end] {
            self.end += 1;
        }
    }

    /// Moves up one line (the line before becomes changed, the last unchanged), then takes
    /// in the changed lines before it.
    fn up(&mut self, changed: &mut [bool]) {
        self.start -= 1;
        self.end -= 1;
        changed[self.start] = true;
        changed[self.end] = false;
        while self.start > 0 && changed[self.start - 1] {
            self.start -= 1;
        }
    }

    /// Moves down one line, then takes in the changed lines after it.
    fn down(&mut self, changed: &mut [bool]) {
        changed[self.start] = false;
        changed[self.end] = true;
        self.start += 1;
        self.end += 1;
        self.extend_down(changed);
    }
}

/// Pairs the runs of changed lines of the two sequences into changes.
fn pair(old: &[bool], new: &[bool]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let (si, sj) = (i, j);
        while i < old.len() && old[i] {
            i += 1;
        }
        while j < new.len() && new[j] {
            j += 1;
        }
        if i > si || j > sj {
            out.push(Change {
                old: si..i,
                new: sj..j,
            });
        }
        i += 1;
        j += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per byte of `s`.
    fn ids(s: &str) -> Vec<u32> {
        s.bytes().map(u32::from).collect()
    }

    /// The changes as (old range, new range) pairs.
    fn script(old: &str, new: &str) -> Vec<(Range<usize>, Range<usize>)> {
        changes(&ids(old), &ids(new))
            .into_iter()
            .map(|c| (c.old, c.new))
            .collect()
    }

    // The expected scripts are GNU diff 3.8's (`diff -U3`, whole files within its horizon),
    // written as ranges: `@@ -1 +0,0 @@ -a` is old 0..1 against new 0..0.

    #[test]
    fn ties_prefer_deleting_first() {
        // "@@ -1 +0,0 @@ -a" then "@@ -2,0 +2 @@ +a"
        assert_eq!(script("ab", "ba"), [(0..1, 0..0), (2..2, 1..2)]);
        // "-a -b", then "+b +a" after c
        assert_eq!(script("abc", "cba"), [(0..2, 0..0), (3..3, 1..3)]);
    }

    #[test]
    fn a_run_shifts_up_to_merge_with_the_run_before_it() {
        // "@@ -1,2 +0,0 @@ -o -h", "@@ -3,0 +2 @@ +n", "@@ -5 +4,5 @@ -p +i +h +b +c +l"
        assert_eq!(
            script("ohhkp", "hnkihbcl"),
            [(0..2, 0..0), (3..3, 1..2), (4..5, 3..8)]
        );
    }

    #[test]
    fn a_run_settles_where_it_faces_changes_of_the_other_side() {
        // "@@ -2,2 +2,2 @@ -a -a +b +b", "@@ -8,0 +9,2 @@ +b +a"
        assert_eq!(
            script("aaababbba", "abbbabbbbaa"),
            [(1..3, 1..3), (8..8, 8..10)]
        );
    }

    #[test]
    fn a_run_inside_repeated_lines_moves_to_their_end() {
        // "@@ -3 +2,0 @@ -a", then "-a -a" at old lines 7-8 (the end of the run of a's)
        assert_eq!(script("baabaaaa", "babaa"), [(2..3, 2..2), (6..8, 5..5)]);
    }

    /// `n` pseudo-random ids below `alpha` (xorshift64 from `seed`).
    fn random_ids(mut seed: u64, n: usize, alpha: u64) -> Vec<u32> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % alpha) as u32
            })
            .collect()
    }

    #[test]
    fn a_costly_search_gives_up_on_the_shortest_script_as_gnu_does() {
        // Two unrelated files of 10000 lines drawn from 1000: GNU diff 3.8 (`diff -U0`, lines
        // written as the ids in decimal) removes and adds 9405 lines each; `diff -d`, the
        // shortest script, 9401.
        let a = random_ids(0x9e37_79b9_7f4a_7c15, 10_000, 1000);
        let b = random_ids(0x2545_f491_4f6c_dd1d, 10_000, 1000);
        let (ca, cb) = changed_lines(&a, &b);
        let count = |c: &[bool]| c.iter().filter(|&&c| c).count();
        assert_eq!((count(&ca), count(&cb)), (9405, 9405));
    }

    #[test]
    fn lines_without_a_match_are_changed() {
        assert_eq!(script("xay", "zaw"), [(0..1, 0..1), (2..3, 2..3)]);
        assert_eq!(script("", "ab"), [(0..0, 0..2)]);
        assert_eq!(script("ab", ""), [(0..2, 0..0)]);
        assert_eq!(script("same", "same"), []);
    }

    /// Length of a longest common subsequence (quadratic dynamic programming).
    fn lcs_len(a: &[u32], b: &[u32]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for &x in a {
            let mut diag = 0;
            for (j, &y) in b.iter().enumerate() {
                let up = row[j + 1];
                row[j + 1] = if x == y { diag + 1 } else { up.max(row[j]) };
                diag = up;
            }
        }
        row[b.len()]
    }

    proptest::proptest! {
        /// The changes turn `old` into `new` (the unchanged lines pair up equal, in order, and
        /// the changes are in order and apart), and there are as few as possible when no line
        /// has more than 5 matches (then nothing is discarded provisionally, and inputs this
        /// small never reach the cost bound).
        #[test]
        fn changes_are_a_valid_script_and_minimal_without_provisional_lines(
            old in proptest::collection::vec(0u32..10, 0..30),
            new in proptest::collection::vec(0u32..10, 0..30),
        ) {
            let changes = changes(&old, &new);
            let (mut i, mut j, mut removed) = (0, 0, 0);
            for (n, c) in changes.iter().enumerate() {
                let apart = usize::from(n > 0);
                proptest::prop_assert!(c.old.start >= i + apart && c.new.start >= j + apart);
                proptest::prop_assert!(!c.old.is_empty() || !c.new.is_empty());
                proptest::prop_assert_eq!(c.old.start - i, c.new.start - j);
                proptest::prop_assert_eq!(&old[i..c.old.start], &new[j..c.new.start]);
                (i, j) = (c.old.end, c.new.end);
                removed += c.old.len();
            }
            proptest::prop_assert_eq!(&old[i..], &new[j..]);
            let most = |s: &[u32]| (0..10).map(|v| s.iter().filter(|&&x| x == v).count()).max();
            if most(&old) <= Some(5) && most(&new) <= Some(5) {
                proptest::prop_assert_eq!(old.len() - removed, lcs_len(&old, &new));
            }
        }
    }
}
