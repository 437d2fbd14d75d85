//! The line diff GNU diff computes: which lines of two sequences are changed, so that the
//! hunks printed from it are GNU diff 3.8's, line for line.
//!
//! Lines are interned ids (`u32`, equal lines equal ids). The steps, as GNU's manual and
//! black-box runs of `/usr/bin/diff` show them (each rule has a unit test below with GNU's
//! output for its input):
//!
//! 1. **Discard lines without a match.** A line whose id does not occur in the other
//!    sequence is changed whatever the alignment; it is marked so and left out of the search.
//! 2. **Myers' O(ND) search, linear-space form** (E. Myers, "An O(ND) Difference Algorithm and
//!    Its Variations", 1986, section 4b): the common prefix and suffix of a range are equal;
//!    of the rest, the furthest-reaching forward and reverse paths are extended a step at a
//!    time, in alternation, until they overlap; the range is split at the meeting point and
//!    both halves are solved the same way (with an explicit stack, so no input recurses
//!    deeply). Ties prefer deleting (moving right) to inserting.
//! 3. **Shift the changes.** Each run of changed lines in one sequence is slid towards the end
//!    while the line after it equals its first line (the script stays valid: the same
//!    content is unchanged), so a run inside a block of repeated lines ends at the block's end.
//!
//! [`changes`] pairs the two sequences' runs into [`Change`]s, the unit a hunk is built of.

use std::ops::Range;

mod discard;

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
    let (mut old_changed, mut new_changed) = changed_lines(old, new);
    shift_boundaries(old, &mut old_changed, &new_changed);
    shift_boundaries(new, &mut new_changed, &old_changed);
    pair(&old_changed, &new_changed)
}

/// For each line of `old` and of `new`, whether it is changed (a minimal-cost edit script
/// found by Myers' search on the lines that have a match).
pub fn changed_lines(old: &[u32], new: &[u32]) -> (Vec<bool>, Vec<bool>) {
    let mut old_changed = vec![false; old.len()];
    let mut new_changed = vec![false; new.len()];
    let ids = old
        .iter()
        .chain(new)
        .map(|&i| i as usize + 1)
        .max()
        .unwrap_or(0);
    let (old_counts, new_counts) = (counts(old, ids), counts(new, ids));
    let (old_kept, old_map) = keep(old, &discard::discarded(old, &new_counts), &mut old_changed);
    let (new_kept, new_map) = keep(new, &discard::discarded(new, &old_counts), &mut new_changed);
    let mut found_old = vec![false; old_kept.len()];
    let mut found_new = vec![false; new_kept.len()];
    Search::new(&old_kept, &new_kept).run(&mut found_old, &mut found_new);
    for (i, &c) in found_old.iter().enumerate() {
        old_changed[old_map[i]] |= c;
    }
    for (i, &c) in found_new.iter().enumerate() {
        new_changed[new_map[i]] |= c;
    }
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

/// The lines of `lines` not `discarded`, and their indices; the discarded ones are marked in
/// `changed`.
fn keep(lines: &[u32], discarded: &[bool], changed: &mut [bool]) -> (Vec<u32>, Vec<usize>) {
    let mut kept = Vec::with_capacity(lines.len());
    let mut map = Vec::with_capacity(lines.len());
    for (i, (&l, &d)) in lines.iter().zip(discarded).enumerate() {
        if d {
            changed[i] = true;
        } else {
            kept.push(l);
            map.push(i);
        }
    }
    (kept, map)
}

/// Myers' linear-space search over two sequences.
struct Search<'a> {
    a: &'a [u32],
    b: &'a [u32],
    /// Furthest-reaching x per diagonal `k = x - y`, forward and reverse, indexed `k + off`.
    fd: Vec<isize>,
    bd: Vec<isize>,
    off: isize,
}

impl<'a> Search<'a> {
    fn new(a: &'a [u32], b: &'a [u32]) -> Self {
        let size = a.len() + b.len() + 3;
        Search {
            a,
            b,
            fd: vec![0; size],
            bd: vec![0; size],
            off: b.len() as isize + 1,
        }
    }

    /// Marks the changed lines of `a` and `b`.
    fn run(&mut self, ca: &mut [bool], cb: &mut [bool]) {
        let mut stack = vec![(0, self.a.len(), 0, self.b.len())];
        while let Some((mut x0, mut x1, mut y0, mut y1)) = stack.pop() {
            while x0 < x1 && y0 < y1 && self.a[x0] == self.b[y0] {
                x0 += 1;
                y0 += 1;
            }
            while x1 > x0 && y1 > y0 && self.a[x1 - 1] == self.b[y1 - 1] {
                x1 -= 1;
                y1 -= 1;
            }
            if x0 == x1 {
                cb[y0..y1].fill(true);
            } else if y0 == y1 {
                ca[x0..x1].fill(true);
            } else {
                let (x, y) = self.middle(x0, x1, y0, y1);
                stack.push((x, x1, y, y1));
                stack.push((x0, x, y0, y));
            }
        }
    }

    /// A point of a shortest edit path of `a[x0..x1]` to `b[y0..y1]`, neither end of it
    /// (the ranges are not empty and their first and last lines differ).
    fn middle(&mut self, x0: usize, x1: usize, y0: usize, y1: usize) -> (usize, usize) {
        let (x0, x1, y0, y1) = (x0 as isize, x1 as isize, y0 as isize, y1 as isize);
        let (dmin, dmax) = (x0 - y1, x1 - y0);
        let (fmid, bmid) = (x0 - y0, x1 - y1);
        let (mut fmin, mut fmax, mut bmin, mut bmax) = (fmid, fmid, bmid, bmid);
        let odd = (fmid - bmid) & 1 != 0;
        let off = self.off;
        self.fd[(fmid + off) as usize] = x0;
        self.bd[(bmid + off) as usize] = x1;
        loop {
            if fmin > dmin {
                fmin -= 1;
                self.fd[(fmin - 1 + off) as usize] = -1;
            } else {
                fmin += 1;
            }
            if fmax < dmax {
                fmax += 1;
                self.fd[(fmax + 1 + off) as usize] = -1;
            } else {
                fmax -= 1;
            }
            let mut d = fmax;
            while d >= fmin {
                let (lo, hi) = (
                    self.fd[(d - 1 + off) as usize],
                    self.fd[(d + 1 + off) as usize],
                );
                let mut x = if lo >= hi { lo + 1 } else { hi };
                let mut y = x - d;
                while x < x1 && y < y1 && self.a[x as usize] == self.b[y as usize] {
                    x += 1;
                    y += 1;
                }
                self.fd[(d + off) as usize] = x;
                if odd && bmin <= d && d <= bmax && self.bd[(d + off) as usize] <= x {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
            if bmin > dmin {
                bmin -= 1;
                self.bd[(bmin - 1 + off) as usize] = isize::MAX;
            } else {
                bmin += 1;
            }
            if bmax < dmax {
                bmax += 1;
                self.bd[(bmax + 1 + off) as usize] = isize::MAX;
            } else {
                bmax -= 1;
            }
            let mut d = bmax;
            while d >= bmin {
                let (lo, hi) = (
                    self.bd[(d - 1 + off) as usize],
                    self.bd[(d + 1 + off) as usize],
                );
                let mut x = if lo < hi { lo } else { hi - 1 };
                let mut y = x - d;
                while x > x0 && y > y0 && self.a[x as usize - 1] == self.b[y as usize - 1] {
                    x -= 1;
                    y -= 1;
                }
                self.bd[(d + off) as usize] = x;
                if !odd && fmin <= d && d <= fmax && x <= self.fd[(d + off) as usize] {
                    return (x as usize, y as usize);
                }
                d -= 2;
            }
        }
    }
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

    #[test]
    fn lines_without_a_match_are_changed() {
        assert_eq!(script("xay", "zaw"), [(0..1, 0..1), (2..3, 2..3)]);
        assert_eq!(script("", "ab"), [(0..0, 0..2)]);
        assert_eq!(script("ab", ""), [(0..2, 0..0)]);
        assert_eq!(script("same", "same"), []);
    }
}
