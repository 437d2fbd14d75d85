//! The unified hunk printer: line changes as GNU diff 3.8 finds them ([`treepatch::lcs`], on
//! lines interned by imara-diff), grouped and printed byte for byte as GNU diff prints them.
//!
//! Rules encoded here:
//!
//! - A line is its bytes up to and including `\n`; the last line of a file may lack the `\n`,
//!   and then it is a *different* line from the same bytes with one (so adding a final newline
//!   is a change), printed followed by `\ No newline at end of file`.
//! - Each change gets `context` unchanged lines before and after. Two changes whose gap is at
//!   most `2 * context` lines share one hunk (their contexts overlap or touch), as both git and
//!   GNU diff group them.
//! - `@@ -S,L +S,L @@`: `S` is 1-based; an empty range names the line before it (`-0,0` at the
//!   top of a file); `,L` is left out when `L` is 1.
//! - Removed lines of a change come before its added lines.
//! - Which lines change, where equal-cost changes go and how they group are GNU's (see
//!   [`treepatch::lcs`]). GNU compares only the lines between the equal ends of the files
//!   plus its *horizon*, as many equal lines at each end as the context it prints: so a
//!   change may slide at most that far into an equal end, and the diff depends on `-U N`.

use std::io::{self, Write};

use bstr::ByteSlice;
use imara_diff::InternedInput;
use treepatch::LineKind;
use treepatch::lcs::{self, Change, Cost};

use crate::gnu::equivalence::Equivalence;
use crate::gnu::layout::Layout;
use treepatch::write::{write_hunk_header, write_line};

/// A computed line diff of two byte strings.
///
/// Only the middle part between the equal leading and trailing lines (and the horizon: as many
/// equal lines at each end as GNU diff keeps) is split into lines and interned; the few
/// context lines needed from the equal ends are found by scanning for newlines around the
/// cut, so a one-line edit of a large file never builds a line table of the whole file.
pub struct TextDiff<'a> {
    old: &'a [u8],
    new: &'a [u8],
    /// Equal lines at both ends kept in the comparison (GNU diff's horizon).
    horizon: usize,
    /// Equal leading lines left out, and their length in bytes (the same on both sides).
    prefix: usize,
    head: usize,
    /// The middle lines of both sides.
    input: InternedInput<&'a [u8]>,
    /// Where the equal trailing lines left out start in `old`, and how many there are.
    tail: usize,
    suffix: usize,
    changes: Vec<Change>,
    /// For each change, whether it is ignorable (empty unless `-B` or `-I` was given).
    ignored: Vec<bool>,
}

/// Lines in `data`: newlines, plus a last line without one.
pub fn count_lines(data: &[u8]) -> usize {
    let newlines = data.iter().filter(|&&b| b == b'\n').count();
    newlines + usize::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Length of the common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + BLOCK <= n && a[i..i + BLOCK] == b[i..i + BLOCK] {
        i += BLOCK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Length of the common suffix of two byte strings.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + BLOCK <= n && a[n - i - BLOCK..n - i] == b[n - i - BLOCK..n - i] {
        i += BLOCK;
    }
    i + a[..n - i]
        .iter()
        .rev()
        .zip(b[..n - i].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// True when `at` starts a line of `data`.
fn line_start(data: &[u8], at: usize) -> bool {
    at == 0 || data[at - 1] == b'\n'
}

/// The start of the line `n` lines before the line starting at `at` (or of the first line).
fn lines_back(data: &[u8], mut at: usize, n: usize) -> usize {
    for _ in 0..n {
        if at == 0 {
            break;
        }
        at = data[..at - 1].rfind_byte(b'\n').map_or(0, |i| i + 1);
    }
    at
}

/// The start of the line `n` lines after the line starting at `at` (or the end of `data`).
fn lines_forward(data: &[u8], mut at: usize, n: usize) -> usize {
    for _ in 0..n {
        match data[at..].find_byte(b'\n') {
            Some(i) => at += i + 1,
            None => return data.len(),
        }
    }
    at
}

/// For each interned line, the id of its key under `eq` (equal keys, equal ids), or `None`
/// when lines compare byte for byte.
fn key_classes(input: &InternedInput<&[u8]>, eq: &Equivalence) -> Option<Vec<u32>> {
    if eq.is_exact() {
        return None;
    }
    let mut ids: std::collections::HashMap<Vec<u8>, u32> = std::collections::HashMap::new();
    let mut key = Vec::new();
    let n = input.interner.num_tokens();
    let mut classes = Vec::with_capacity(n as usize);
    for t in 0..n {
        eq.key(input.interner[imara_diff::Token(t)], &mut key);
        let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
        classes.push(*ids.entry(key.clone()).or_insert(next));
    }
    Some(classes)
}

/// The context GNU diff prints by default (`-u`), and the horizon [`TextDiff::new`] keeps.
const DEFAULT_CONTEXT: usize = 3;

/// The most lines the diff engine accepts per side (its line indices are 32-bit).
const MAX_LINES: usize = i32::MAX as usize - 1;

impl<'a> TextDiff<'a> {
    /// Diffs `old` against `new` line by line, as GNU diff does for the default context (3
    /// lines). Returns `None` when a side has more lines than the diff engine supports (about
    /// 2^31).
    pub fn new(old: &'a [u8], new: &'a [u8]) -> Option<Self> {
        Self::with_horizon(old, new, DEFAULT_CONTEXT)
    }

    /// Diffs `old` against `new`, keeping `horizon` of the equal lines at each end in the
    /// comparison: GNU diff keeps as many as the lines of context it prints (0 in its normal
    /// and ed formats, N with `-C N`/`-U N`), and its shifting of changes (see [`lcs`]) may
    /// move a change that many lines into the equal end, no more.
    pub(crate) fn with_horizon(old: &'a [u8], new: &'a [u8], horizon: usize) -> Option<Self> {
        Self::compare(old, new, horizon, &Equivalence::default(), Cost::Bounded)
    }

    /// [`TextDiff::with_horizon`], with lines compared as `eq` says (GNU's `-i`, `-b`, ...),
    /// its ignorable changes marked (`-B`, `-I`), and the search's cost bound chosen (`-d`).
    pub(crate) fn compare(
        old: &'a [u8],
        new: &'a [u8],
        horizon: usize,
        eq: &Equivalence,
        cost: Cost,
    ) -> Option<Self> {
        if (old.len() > MAX_LINES && count_lines(old) > MAX_LINES)
            || (new.len() > MAX_LINES && count_lines(new) > MAX_LINES)
        {
            return None;
        }
        // Lines equal at both ends cannot be part of a change: leave them out of the diff
        // engine (a one-line edit of a huge file then costs a compare, not an interning of
        // every line), and shift the changes back afterwards. Equal bytes up to the last
        // newline before the first difference are whole equal lines on both sides.
        let common = common_prefix(old, new);
        let head = if common == old.len() && common == new.len() {
            common
        } else {
            old[..common].rfind_byte(b'\n').map_or(0, |i| i + 1)
        };
        // The equal trailing part must start a line on both sides; else it starts after its
        // first newline (the bytes before that newline are the end of a differing line).
        let (ro, rn) = (&old[head..], &new[head..]);
        let common = common_suffix(ro, rn);
        let (so, sn) = (ro.len() - common, rn.len() - common);
        let start = if line_start(ro, so) && line_start(rn, sn) {
            so
        } else {
            ro[so..].find_byte(b'\n').map_or(ro.len(), |i| so + i + 1)
        };
        let tail = lines_forward(old, head + start, horizon);
        let head = lines_back(old, head, horizon);
        let prefix = count_lines(&old[..head]);
        let new_tail = new.len() - (old.len() - tail);
        let suffix = count_lines(&old[tail..]);
        let input = InternedInput::new(&old[head..tail], &new[head..new_tail]);
        let classes = key_classes(&input, eq);
        let ids = |t: &[imara_diff::Token]| {
            t.iter()
                .map(|&t| classes.as_ref().map_or(u32::from(t), |c| c[t.0 as usize]))
                .collect::<Vec<_>>()
        };
        let changes: Vec<Change> = lcs::changes_with(&ids(&input.before), &ids(&input.after), cost)
            .into_iter()
            .map(|c| Change {
                old: c.old.start + prefix..c.old.end + prefix,
                new: c.new.start + prefix..c.new.end + prefix,
            })
            .collect();
        let mut diff = TextDiff {
            old,
            new,
            horizon,
            prefix,
            head,
            input,
            tail,
            suffix,
            ignored: Vec::new(),
            changes,
        };
        if eq.ignores_changes() {
            diff.ignored = diff
                .changes
                .iter()
                .map(|c| {
                    diff.old_lines(c.old.start, c.old.end)
                        .chain(diff.new_lines(c.new.start, c.new.end))
                        .all(|l| eq.ignorable(l))
                })
                .collect();
        }
        Some(diff)
    }

    /// Whether change `i` is ignorable (GNU's `-B`, `-I`).
    fn is_ignored(&self, i: usize) -> bool {
        self.ignored.get(i).copied().unwrap_or(false)
    }

    /// True when some change is not ignorable: what GNU prints and counts as a difference.
    pub(crate) fn differs(&self) -> bool {
        (0..self.changes.len()).any(|i| !self.is_ignored(i))
    }

    /// The hunks to print with `context` lines of context, as ranges of change indices. A
    /// change joins the hunk before it when fewer than `2 * context + 1` unchanged lines lie
    /// between them, or, for an ignorable change, fewer than `context`; a hunk of ignorable
    /// changes only is left out (GNU diff's grouping).
    pub(crate) fn hunks(&self, context: usize) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.changes.len() {
            let mut j = i + 1;
            while j < self.changes.len() {
                let gap = self.changes[j].old.start - self.changes[j - 1].old.end;
                let limit = if self.is_ignored(j) {
                    context
                } else {
                    context.saturating_mul(2).saturating_add(1)
                };
                if gap >= limit {
                    break;
                }
                j += 1;
            }
            if (i..j).any(|k| !self.is_ignored(k)) {
                out.push(i..j);
            }
            i = j;
        }
        out
    }

    /// The changes of hunk `h` (from [`TextDiff::hunks`]).
    pub(crate) fn hunk_changes(
        &self,
        h: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (std::ops::Range<usize>, std::ops::Range<usize>)> + '_ {
        self.changes[h]
            .iter()
            .map(|c| (c.old.clone(), c.new.clone()))
    }

    /// Number of lines of the old side.
    pub(crate) fn old_len(&self) -> usize {
        self.prefix + self.input.before.len() + self.suffix
    }

    /// Old lines `from..to`.
    pub(crate) fn old_lines(&self, from: usize, to: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        let mid_end = self.prefix + self.input.before.len();
        // From the equal leading lines: walk back from their end.
        let lead = from.min(self.prefix)..to.min(self.prefix);
        let mut start = self.head;
        let back = if lead.is_empty() {
            0
        } else {
            self.prefix - lead.start
        };
        for _ in 0..back {
            start = self.old[..start - 1].rfind_byte(b'\n').map_or(0, |i| i + 1);
        }
        let lead = self.old[start..self.head]
            .lines_with_terminator()
            .take(lead.len());
        let mid = from.clamp(self.prefix, mid_end)..to.clamp(self.prefix, mid_end);
        let mid = self.input.before[mid.start - self.prefix..mid.end - self.prefix]
            .iter()
            .map(|&t| self.input.interner[t]);
        let trail = from.max(mid_end)..to.max(mid_end);
        let trail = self.old[self.tail..]
            .lines_with_terminator()
            .skip(trail.start - mid_end)
            .take(trail.len());
        lead.chain(mid).chain(trail)
    }

    /// New lines `from..to`, all within the middle part.
    pub(crate) fn new_lines(&self, from: usize, to: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.input.after[from - self.prefix..to - self.prefix]
            .iter()
            .map(|&t| self.input.interner[t])
    }

    /// Number of lines of the new side.
    pub(crate) fn new_len(&self) -> usize {
        self.prefix + self.input.after.len() + self.suffix
    }

    /// New lines `from..to`, anywhere (the equal ends are the old side's bytes).
    pub(crate) fn new_lines_any(
        &self,
        from: usize,
        to: usize,
    ) -> impl Iterator<Item = &'a [u8]> + '_ {
        let (mid_old, mid_new) = (
            self.prefix + self.input.before.len(),
            self.prefix + self.input.after.len(),
        );
        // Equal leading lines are the same lines on both sides, and so are the trailing ones
        // (shifted by the difference of the middle parts' lengths).
        let lead = from.min(self.prefix)..to.min(self.prefix);
        let mid = from.clamp(self.prefix, mid_new)..to.clamp(self.prefix, mid_new);
        let trail = from.max(mid_new) - mid_new + mid_old..to.max(mid_new) - mid_new + mid_old;
        self.old_lines(lead.start, lead.end)
            .chain(self.new_lines(mid.start, mid.end))
            .chain(self.old_lines(trail.start, trail.end))
    }

    /// Number of added lines.
    pub fn added(&self) -> u64 {
        self.changes.iter().map(|c| c.new.len() as u64).sum()
    }

    /// Number of removed lines.
    pub fn removed(&self) -> u64 {
        self.changes.iter().map(|c| c.old.len() as u64).sum()
    }

    /// Writes every hunk with `context` lines of context.
    pub fn write_hunks<W: Write + ?Sized>(&self, w: &mut W, context: usize) -> io::Result<()> {
        if context != self.horizon {
            // GNU's changes depend on the context (through the horizon): compute them again.
            if let Some(d) = TextDiff::with_horizon(self.old, self.new, context) {
                return d.write_unified(w, context);
            }
        }
        self.write_unified(w, context)
    }

    /// Writes the hunks of [`TextDiff::hunks`] with `context` lines of context, as computed
    /// (whatever the horizon).
    pub(crate) fn write_unified<W: Write + ?Sized>(
        &self,
        w: &mut W,
        context: usize,
    ) -> io::Result<()> {
        self.write_unified_with(w, context, &mut |_, _| Vec::new(), &Layout::default())
    }

    /// [`TextDiff::write_unified`], with `heading(self, first old line)` written after each
    /// hunk's `@@` (GNU's `-p`, `-F`).
    pub(crate) fn write_unified_with<W: Write + ?Sized>(
        &self,
        w: &mut W,
        context: usize,
        heading: &mut dyn FnMut(&Self, usize) -> Vec<u8>,
        layout: &Layout,
    ) -> io::Result<()> {
        for h in self.hunks(context) {
            let first = self.changes[h.start].old.start;
            let text = heading(self, first.saturating_sub(context));
            self.write_group(w, &self.changes[h], context, &text, layout)?;
        }
        Ok(())
    }

    fn write_group<W: Write + ?Sized>(
        &self,
        w: &mut W,
        group: &[Change],
        context: usize,
        heading: &[u8],
        layout: &Layout,
    ) -> io::Result<()> {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            return Ok(());
        };
        let lead = first.old.start.min(context);
        let old_start = first.old.start - lead;
        let new_start = first.new.start - lead;
        let trail = (self.old_len() - last.old.end).min(context);
        let old_end = last.old.end + trail;
        let new_end = last.new.end + trail;
        let old_len = old_end - old_start;
        let new_len = new_end - new_start;
        let start = |s: usize, len: usize| if len == 0 { s as u64 } else { s as u64 + 1 };
        let mut text = Vec::with_capacity(32);
        write_hunk_header(
            &mut text,
            start(old_start, old_len),
            old_len as u64,
            start(new_start, new_len),
            new_len as u64,
            b"",
        )?;
        text.pop();
        layout.numbers_line(w, &text, heading)?;
        let mut pos = old_start;
        for change in group {
            let (before, after) = (&change.old, &change.new);
            for line in self.old_lines(pos, before.start) {
                layout.write_unified(w, b" ", line)?;
            }
            for line in self.old_lines(before.start, before.end) {
                layout.write_unified(w, b"-", line)?;
            }
            for line in self.new_lines(after.start, after.end) {
                layout.write_unified(w, b"+", line)?;
            }
            pos = before.end;
        }
        for line in self.old_lines(pos, old_end) {
            layout.write_unified(w, b" ", line)?;
        }
        Ok(())
    }
}

fn emit<W: Write + ?Sized>(w: &mut W, kind: LineKind, line: &[u8]) -> io::Result<()> {
    match line.strip_suffix(b"\n") {
        Some(text) => write_line(w, kind, text, false),
        None => write_line(w, kind, line, true),
    }
}

/// Writes a whole side as one hunk of added (or removed) lines: a created (deleted) file.
pub fn write_all_lines<W: Write + ?Sized>(
    w: &mut W,
    data: &[u8],
    kind: LineKind,
) -> io::Result<u64> {
    let n = count_lines(data) as u64;
    if n == 0 {
        return Ok(0);
    }
    match kind {
        LineKind::Add => write_hunk_header(w, 0, 0, 1, n, b"")?,
        _ => write_hunk_header(w, 1, n, 0, 0, b"")?,
    }
    for line in data.lines_with_terminator() {
        emit(w, kind, line)?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn udiff(old: &str, new: &str, ctx: usize) -> String {
        let d = TextDiff::new(old.as_bytes(), new.as_bytes()).unwrap();
        let mut out = Vec::new();
        d.write_hunks(&mut out, ctx).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("{i}\n")).collect()
    }

    /// `numbered(n)` with lines `at` replaced by `x`.
    fn edited(n: usize, at: &[usize]) -> String {
        (1..=n)
            .map(|i| {
                if at.contains(&i) {
                    "x\n".to_owned()
                } else {
                    format!("{i}\n")
                }
            })
            .collect()
    }

    #[test]
    fn one_change_in_the_middle() {
        let old = numbered(10);
        let new = old.replace("5\n", "five\n");
        assert_eq!(
            udiff(&old, &new, 3),
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn changes_whose_contexts_touch_share_a_hunk_and_others_do_not() {
        let old = numbered(20);
        // gap of 6 lines between changes at 3 and 10: merged with context 3
        let new = edited(20, &[3, 10]);
        assert_eq!(udiff(&old, &new, 3).matches("@@ -").count(), 1);
        // gap of 7 lines: two hunks
        let new = edited(20, &[3, 11]);
        let out = udiff(&old, &new, 3);
        assert_eq!(out.matches("@@ -").count(), 2, "{out}");
        assert!(out.starts_with("@@ -1,6 +1,6 @@\n"), "{out}");
        assert!(out.contains("@@ -8,7 +8,7 @@\n"), "{out}");
    }

    #[test]
    fn no_newline_markers_and_empty_ranges() {
        assert_eq!(
            udiff("a\nb", "a\nc", 3),
            "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
        );
        assert_eq!(
            udiff("a\n", "a", 3),
            "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n"
        );
        assert_eq!(udiff("a\nb\n", "x\na\nb\n", 0), "@@ -0,0 +1 @@\n+x\n");
        assert_eq!(udiff("a\nb\nc\n", "a\nc\n", 0), "@@ -2 +1,0 @@\n-b\n");
        let mut out = Vec::new();
        assert_eq!(
            write_all_lines(&mut out, b"1\n2", LineKind::Remove).unwrap(),
            2
        );
        assert_eq!(
            out,
            b"@@ -1,2 +0,0 @@\n-1\n-2\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn equal_ends_are_trimmed_without_moving_the_hunks() {
        // Changes at the very first and last lines, a repeated line at the edge of the trimmed
        // part, and an insertion into a run of equal lines.
        let old = "x\na\na\na\nb\nz\n";
        assert_eq!(
            udiff(old, "y\na\na\na\nb\nz\n", 1),
            "@@ -1,2 +1,2 @@\n-x\n+y\n a\n"
        );
        assert_eq!(
            udiff(old, "x\na\na\na\nb\nw\n", 1),
            "@@ -5,2 +5,2 @@\n b\n-z\n+w\n"
        );
        let d = TextDiff::new(old.as_bytes(), b"x\na\na\na\na\nb\nz\n").unwrap();
        assert_eq!((d.added(), d.removed()), (1, 0));
        let big = numbered(100_000);
        let edited = big.replace("\n50000\n", "\nfifty thousand\n");
        assert_eq!(
            udiff(&big, &edited, 1),
            "@@ -49999,3 +49999,3 @@\n 49999\n-50000\n+fifty thousand\n 50001\n"
        );
    }

    #[test]
    fn changes_shift_into_the_equal_end_by_at_most_the_context() {
        // GNU diff keeps as many equal lines at each end as it prints context (its horizon):
        // the deleted S's slide down the run of S's that far, no further.
        let old = "c\nX\nS\nS\nS\nS\nS\nS\nS\nS\nv\n";
        let new = "C\nX\nS\nS\nS\nS\nS\nS\nv\n";
        assert_eq!(
            udiff(old, new, 0),
            "@@ -1 +1 @@\n-c\n+C\n@@ -3,2 +2,0 @@\n-S\n-S\n"
        );
        assert_eq!(
            udiff(old, new, 1),
            "@@ -1,6 +1,4 @@\n-c\n+C\n X\n S\n-S\n-S\n S\n"
        );
        assert_eq!(
            udiff(old, new, 3),
            "@@ -1,10 +1,8 @@\n-c\n+C\n X\n S\n S\n S\n-S\n-S\n S\n S\n S\n"
        );
    }

    /// Applies unified hunks to `old`, checking every context and removed line.
    fn apply(old: &[u8], patch: &[u8]) -> Vec<u8> {
        let lines: Vec<&[u8]> = old.lines_with_terminator().collect();
        let mut out = Vec::new();
        let mut pos = 0;
        let mut body = patch.lines_with_terminator().peekable();
        while let Some(h) = body.next() {
            let h = std::str::from_utf8(h).unwrap();
            let old_range = h.split(' ').nth(1).unwrap().trim_start_matches('-');
            let mut it = old_range.split(',');
            let start: usize = it.next().unwrap().parse().unwrap();
            let len: usize = it.next().map_or(1, |l| l.parse().unwrap());
            let at = if len == 0 { start } else { start - 1 };
            for l in &lines[pos..at] {
                out.extend_from_slice(l);
            }
            pos = at;
            while let Some(l) = body.next_if(|l| !l.starts_with(b"@@")) {
                let mut text = l[1..].to_vec();
                if body.next_if(|n| n.starts_with(b"\\")).is_some() {
                    text.pop();
                }
                match l[0] {
                    b' ' | b'-' => {
                        assert_eq!(lines[pos], &text[..], "line {pos}");
                        pos += 1;
                        if l[0] == b' ' {
                            out.extend_from_slice(&text);
                        }
                    }
                    _ => out.extend_from_slice(&text),
                }
            }
        }
        for l in &lines[pos..] {
            out.extend_from_slice(l);
        }
        out
    }

    #[test]
    fn random_edits_round_trip_with_any_context() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let pieces: [&[u8]; 6] = [b"a\n", b"b\n", b"c\n", b"a", b"\n", b"dd\n"];
        for _ in 0..3000 {
            let make = |n: u64, next: &mut dyn FnMut() -> u64| {
                let mut v = Vec::new();
                for _ in 0..n {
                    v.extend_from_slice(pieces[(next() % 6) as usize]);
                }
                v
            };
            let n = next() % 30;
            let base = make(n, &mut next);
            let (h, t) = (next() % 3, next() % 3);
            let (head, tail) = (make(h, &mut next), make(t, &mut next));
            let cut = base.len() / 2;
            let old = [head.as_slice(), &base].concat();
            let new = [&base[..cut], tail.as_slice(), &base[cut..]].concat();
            let (old, new) = if next() % 2 == 0 {
                (old, new)
            } else {
                (new, old)
            };
            for ctx in 0..4 {
                let d = TextDiff::new(&old, &new).unwrap();
                let mut patch = Vec::new();
                d.write_hunks(&mut patch, ctx).unwrap();
                assert_eq!(
                    apply(&old, &patch),
                    new,
                    "{:?} -> {:?}\n{}",
                    old.as_bstr(),
                    new.as_bstr(),
                    patch.as_bstr()
                );
            }
        }
    }

    #[test]
    fn counts() {
        let d = TextDiff::new(b"a\nb\nc\n", b"a\nB\nc\nd\n").unwrap();
        assert_eq!((d.added(), d.removed()), (2, 1));
        let same = TextDiff::new(b"same", b"same").unwrap();
        assert_eq!((same.added(), same.removed()), (0, 0));
    }
}
