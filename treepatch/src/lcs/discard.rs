//! Which lines GNU diff leaves out of its search, as black-box runs of GNU diff 3.8 show it.
//!
//! - A line whose id does not occur in the other sequence cannot be matched: it is changed
//!   (discarded outright).
//! - A line that matches *many* lines of the other sequence is discarded *provisionally*:
//!   more than 5 matches, doubled for every factor of 4 the sequence's length reaches over
//!   256 (5 below 256 lines, 10 below 1024, 20 below 4096, ...).
//! - A provisional line stays discarded only well inside a run of discarded lines (a run:
//!   consecutive lines discarded either way). In each run:
//!   - provisional lines at its ends are kept, and the run shrinks to the lines between;
//!   - if more than a quarter of the run's lines are provisional, they are all kept;
//!   - a subrun of consecutive provisional lines as long as the run's *minimum* is kept (2
//!     for runs under 16 lines, 3 under 64, 5 under 256, 9 under 1024, ...);
//!   - from each end of the run, provisional lines are kept until three lines discarded
//!     outright follow one another, or until a line discarded outright at least 8 lines in.
//!
//! So a blank line inside a block of rewritten code is part of the change, not a stray
//! match splitting it, while lines near the edges of a change still align.

/// A line's standing before the search.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mark {
    /// Searched for a match.
    Keep,
    /// No match is possible: changed.
    Discard,
    /// Too many matches: changed, if well inside a run of discarded lines.
    Provisional,
}

/// For each line of `lines`, whether it is left out of the search (and so changed), given
/// how many times each id occurs in the other sequence (`other_counts`).
pub(super) fn discarded(lines: &[u32], other_counts: &[u32]) -> Vec<bool> {
    let many = many(lines.len());
    let mut provisional = Vec::new();
    let mut marks: Vec<Mark> = (0..)
        .zip(lines)
        .map(|(i, &l)| match other_counts[l as usize] {
            0 => Mark::Discard,
            n if n as usize > many => {
                provisional.push(i);
                Mark::Provisional
            }
            _ => Mark::Keep,
        })
        .collect();
    // Settle each run that holds a provisional line (the others have nothing to settle).
    let mut settled = 0;
    for p in provisional {
        if p < settled {
            continue;
        }
        let start = p - marks[..p]
            .iter()
            .rev()
            .take_while(|&&m| m != Mark::Keep)
            .count();
        settled = p + marks[p..].iter().take_while(|&&m| m != Mark::Keep).count();
        settle_run(&mut marks[start..settled]);
    }
    marks.into_iter().map(|m| m != Mark::Keep).collect()
}

/// The number of matches above which a line of a sequence of `len` lines is provisional.
fn many(len: usize) -> usize {
    let mut many = 5;
    let mut tem = len / 64;
    loop {
        tem >>= 2;
        if tem == 0 {
            return many;
        }
        many *= 2;
    }
}

/// Keeps the provisional lines of one run that are not well inside it.
fn settle_run(run: &mut [Mark]) {
    // Provisional lines at either end are kept, and the run shrinks to the lines between.
    let lead = run.iter().take_while(|&&m| m == Mark::Provisional).count();
    run[..lead].fill(Mark::Keep);
    let trail = run[lead..]
        .iter()
        .rev()
        .take_while(|&&m| m == Mark::Provisional)
        .count();
    let end = run.len() - trail;
    run[end..].fill(Mark::Keep);
    let run = &mut run[lead..end];
    let provisional = run.iter().filter(|&&m| m == Mark::Provisional).count();
    if provisional * 4 > run.len() {
        for m in run.iter_mut().filter(|m| **m == Mark::Provisional) {
            *m = Mark::Keep;
        }
        return;
    }
    let minimum = minimum(run.len());
    let mut j = 0;
    while j < run.len() {
        let sub = run[j..]
            .iter()
            .take_while(|&&m| m == Mark::Provisional)
            .count();
        if sub >= minimum {
            run[j..j + sub].fill(Mark::Keep);
        }
        j += sub.max(1);
    }
    keep_near_edge(run.iter_mut());
    keep_near_edge(run.iter_mut().rev());
}

/// The shortest subrun of provisional lines kept in a run of `len` lines.
fn minimum(len: usize) -> usize {
    let mut minimum = 1;
    let mut tem = len >> 2;
    loop {
        tem >>= 2;
        if tem == 0 {
            return minimum + 1;
        }
        minimum <<= 1;
    }
}

/// Keeps the provisional lines from one end of a run until three lines discarded outright in
/// a row, or until the first line discarded outright at least 8 lines in.
fn keep_near_edge<'a>(run: impl Iterator<Item = &'a mut Mark>) {
    let mut consecutive = 0;
    for (j, mark) in run.enumerate() {
        if j >= 8 && *mark == Mark::Discard {
            return;
        }
        match *mark {
            Mark::Provisional => {
                *mark = Mark::Keep;
                consecutive = 0;
            }
            Mark::Keep => consecutive = 0,
            Mark::Discard => consecutive += 1,
        }
        if consecutive == 3 {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `discarded` on a pattern: `u` a line without a match, `B` a line with 30 matches,
    /// `m` a line with one; returns the pattern with the discarded `B`s written `b`.
    fn settle(pattern: &str) -> String {
        let lines: Vec<u32> = pattern
            .bytes()
            .map(|c| match c {
                b'u' => 0,
                b'B' => 1,
                _ => 2,
            })
            .collect();
        let out = discarded(&lines, &[0, 30, 1]);
        pattern
            .bytes()
            .zip(out)
            .map(|(c, d)| if c == b'B' && d { 'b' } else { c as char })
            .collect()
    }

    // Expected: which blank-like lines GNU diff 3.8 showed as deleted for each pattern (old
    // file: the pattern; new file: the B line 30 times, around the m lines).

    #[test]
    fn a_provisional_line_needs_three_discarded_lines_on_each_side() {
        assert_eq!(settle("uuuBuuu"), "uuubuuu");
        assert_eq!(settle("uuBuuu"), "uuBuuu");
        assert_eq!(settle("uuuuuuuuBuu"), "uuuuuuuuBuu");
        assert_eq!(settle("muuuBuuum"), "muuubuuum");
        assert_eq!(settle("BuuuBuuuB"), "BuuubuuuB");
        assert_eq!(settle("uuuBuuBuuuu"), "uuubuubuuuu");
    }

    #[test]
    fn provisional_lines_are_kept_when_over_a_quarter_of_the_run() {
        // The run between its provisional ends: 11 lines, 3 provisional.
        assert_eq!(settle("uuuBuBBuuuu"), "uuuBuBBuuuu");
        assert_eq!(settle("uuuBuBBuuuuu"), "uuubuBBuuuuu");
        assert_eq!(settle("BuuuBuBBuuBuBB"), "BuuuBuBBuuBuBB");
        // Provisional ends do not count.
        assert_eq!(settle("BBBuuuBuuuuu"), "BBBuuubuuuuu");
        assert_eq!(settle("uuuuuBuuuuuBBBB"), "uuuuubuuuuuBBBB");
    }

    #[test]
    fn from_each_end_provisional_lines_are_kept_until_eight_lines_in() {
        assert_eq!(
            settle("uBuBuBuBuBuBuuuuuuuuuuuuuu"),
            "uBuBuBuBububuuuuuuuuuuuuuu"
        );
        assert_eq!(
            settle("uuuuuuuuuuuuuuBuBuBuBuBuBu"),
            "uuuuuuuuuuuuuububuBuBuBuBu"
        );
        assert_eq!(settle("uBBBuuBuuuuuuuuuuuuu"), "uBBBuuBuuuuuuuuuuuuu");
        assert_eq!(settle("BBuuBuuuuuuuuuuuuuuu"), "BBuuBuuuuuuuuuuuuuuu");
    }

    #[test]
    fn subruns_of_provisional_lines_as_long_as_the_minimum_are_kept() {
        let sym =
            |l: usize, a: usize| format!("{}{}{}", "u".repeat(a), "B".repeat(l), "u".repeat(a));
        assert!(!settle(&sym(2, 6)).contains('b'));
        assert!(settle(&sym(2, 7)).contains('b'));
        assert!(!settle(&sym(3, 30)).contains('b'));
        assert!(settle(&sym(3, 31)).contains('b'));
        assert!(!settle(&sym(5, 40)).contains('b'));
        assert!(settle(&sym(5, 126)).contains('b'));
    }

    #[test]
    fn many_matches_doubles_for_every_factor_of_four_in_length() {
        assert_eq!(
            (many(255), many(256), many(1023), many(1024)),
            (5, 10, 10, 20)
        );
        assert_eq!((many(4095), many(4096)), (20, 40));
    }
}
