//! Applying the text hunks of one file patch to one file's bytes.
//!
//! Hunks are all located against the *original* lines (as GNU patch does, reading its input
//! front to back), then the result is built in one pass: context lines are copied from the file
//! (so lines ignored by fuzz keep the file's version), removed lines are skipped, added lines
//! come from the patch.
//!
//! Line endings: a file whose lines all end in CRLF, patched by a patch whose lines carry no
//! CR, is matched with its CRs set aside and written back with CRLF on every line, added ones
//! included (neither GNU patch nor git apply does this). A CRLF patch on an LF file has its
//! CRs stripped, as GNU patch does.

use treepatch::{Hunk, LineKind};

use crate::locate::{Found, HunkShape, locate};

/// What happened to one hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HunkResult {
    /// Applied; `at` is the 1-based line GNU patch reports, `offset` and `fuzz` as it reports.
    Applied {
        /// Reported line (new-file numbering, like GNU patch).
        at: i64,
        /// Lines away from the stated place.
        offset: i64,
        /// Context lines ignored.
        fuzz: usize,
    },
    /// Could not be placed; `at` is the line GNU patch names in `Hunk #N FAILED at L.`.
    Failed {
        /// Reported line.
        at: i64,
        /// It matches where it was expected, before the end of the previous hunk (GNU patch
        /// then says `misordered hunks! output would be garbled`).
        misordered: bool,
    },
}

/// The outcome of applying all hunks of one file.
#[derive(Debug)]
pub struct Applied {
    /// The new content (only meaningful when no hunk failed, or for `--reject`).
    pub content: Vec<u8>,
    /// One result per hunk, in order.
    pub hunks: Vec<HunkResult>,
}

impl Applied {
    /// Number of failed hunks.
    pub fn failed(&self) -> usize {
        self.hunks
            .iter()
            .filter(|h| matches!(h, HunkResult::Failed { .. }))
            .count()
    }
}

/// A file cut into lines: where each starts in the file's bytes (plus one entry for the end),
/// and each line's text for matching, without its newline (and without the CR of a CRLF
/// file whose CRs are set aside). Only the last line can lack a newline.
struct FileLines<'a> {
    starts: Vec<usize>,
    texts: Vec<&'a [u8]>,
    /// Every newline-terminated line ends in CRLF (and there is at least one).
    crlf: bool,
}

impl<'a> FileLines<'a> {
    fn new(data: &'a [u8]) -> Self {
        use bstr::ByteSlice;
        let guess = data.len() / 32 + 1;
        let mut starts = Vec::with_capacity(guess);
        let mut texts = Vec::with_capacity(guess);
        let mut at = 0;
        let mut crlf = true;
        let mut any_newline = false;
        for line in data.lines_with_terminator() {
            starts.push(at);
            at += line.len();
            let text = match line.strip_suffix(b"\n") {
                Some(t) => {
                    any_newline = true;
                    crlf &= t.ends_with(b"\r");
                    t
                }
                None => line,
            };
            texts.push(text);
        }
        starts.push(at);
        FileLines {
            starts,
            texts,
            crlf: crlf && any_newline,
        }
    }

    /// Sets the CR of every newline-terminated line aside.
    fn strip_cr(&mut self, data: &[u8]) {
        let last_open = !data.ends_with(b"\n");
        let n = self.texts.len();
        for (i, t) in self.texts.iter_mut().enumerate() {
            if !(last_open && i + 1 == n) {
                *t = &t[..t.len() - 1];
            }
        }
    }

    /// The bytes of lines `from..to`, terminators included (`to` may be past the end).
    fn bytes<'d>(&self, data: &'d [u8], from: usize, to: usize) -> &'d [u8] {
        let n = self.texts.len();
        &data[self.starts[from.min(n)]..self.starts[to.min(n)]]
    }
}

/// How lines of the patch are matched against lines of the file (by default byte for byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Matching {
    /// `-l`: a run of blanks (spaces, tabs) matches any run of blanks, and blanks at the end
    /// of a line are ignored; a blank at the start must still be matched by one (GNU patch
    /// 2.7.6, checked black-box).
    pub blanks: bool,
    /// A line without a newline (the file's last, or one marked `\ No newline at end of
    /// file`) matches only a line without one (GNU patch 2.7.6 compares the newline too:
    /// a hunk whose old side ends without one fails on a file that has it, and vice versa).
    pub newline: bool,
}

impl Matching {
    /// Whether lines are compared as they are.
    fn exact(self) -> bool {
        !self.blanks && !self.newline
    }

    /// A line's text as compared: blanks loosened with `-l`; a line without a newline gets one
    /// (a byte no line's text otherwise holds), so it matches only another such line.
    fn key(self, text: &[u8], open: bool) -> Vec<u8> {
        let mut k = if self.blanks {
            blanks(text)
        } else {
            text.to_vec()
        };
        if self.newline && open {
            k.push(b'\n');
        }
        k
    }
}

/// `t` with every run of blanks made one space and trailing blanks dropped.
fn blanks(t: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    let mut in_run = false;
    for &b in t {
        if b == b' ' || b == b'\t' {
            in_run = true;
            continue;
        }
        if in_run {
            out.push(b' ');
            in_run = false;
        }
        out.push(b);
    }
    out
}

/// Applies `hunks` to `data`, locating each like GNU patch with at most `max_fuzz` fuzz.
pub fn apply_hunks(data: &[u8], hunks: &[Hunk], max_fuzz: usize) -> Applied {
    apply_hunks_matching(data, hunks, max_fuzz, Matching::default())
}

/// [`apply_hunks`], lines matched as `matching` says.
pub fn apply_hunks_matching(
    data: &[u8],
    hunks: &[Hunk],
    max_fuzz: usize,
    matching: Matching,
) -> Applied {
    let mut lines = FileLines::new(data);
    let ends = LineEnds::choose(&lines, hunks);
    if ends.strip_file_cr {
        lines.strip_cr(data);
    }
    let (results, placed) = if matching.exact() {
        place(&lines.texts, hunks, &ends, max_fuzz)
    } else {
        let n = lines.texts.len();
        let open = |i: usize| i + 1 == n && !data.ends_with(b"\n");
        // Only the lines whose key differs from their text are copied.
        let keys: Vec<(usize, Vec<u8>)> = (0..n)
            .filter(|&i| matching.blanks || open(i))
            .map(|i| (i, matching.key(lines.texts[i], open(i))))
            .collect();
        let mut texts = lines.texts.clone();
        for (i, k) in &keys {
            texts[*i] = k;
        }
        let keyed: Vec<Hunk> = hunks
            .iter()
            .map(|h| {
                let mut h = h.clone();
                for l in &mut h.lines {
                    l.text = matching.key(ends.patch_text(&l.text), l.no_newline);
                }
                h
            })
            .collect();
        place(&texts, &keyed, &ends, max_fuzz)
    };
    Applied {
        content: build(data, &lines, hunks, &placed, &ends),
        hunks: results,
    }
}

/// Which carriage returns are set aside for matching (see the module documentation).
struct LineEnds {
    /// The file's lines all end in CRLF and the patch's carry no CR: match without the file's
    /// CRs, and end added lines with CRLF.
    strip_file_cr: bool,
    /// The patch's lines all end in CRLF and the file's do not: match without the patch's CRs.
    strip_patch_cr: bool,
}

impl LineEnds {
    fn choose(lines: &FileLines<'_>, hunks: &[Hunk]) -> Self {
        let patch_lines = || hunks.iter().flat_map(|h| h.lines.iter());
        let patch_has_cr = patch_lines().any(|l| l.text.ends_with(b"\r"));
        let patch_all_cr = patch_lines().all(|l| l.text.ends_with(b"\r") || l.no_newline);
        LineEnds {
            strip_file_cr: lines.crlf && !patch_has_cr,
            strip_patch_cr: !lines.crlf && patch_has_cr && patch_all_cr,
        }
    }

    /// A patch line's text as matched and written.
    fn patch_text<'t>(&self, t: &'t [u8]) -> &'t [u8] {
        if self.strip_patch_cr {
            t.strip_suffix(b"\r").unwrap_or(t)
        } else {
            t
        }
    }

    /// The line ending of added lines.
    fn eol(&self) -> &'static [u8] {
        if self.strip_file_cr { b"\r\n" } else { b"\n" }
    }
}

/// Locates every hunk against the original lines, front to back: each is looked for near its
/// stated line moved by the offset of the hunk before it, never before the end of that hunk.
/// Returns what happened to each hunk and where each that applied was placed.
fn place(
    texts: &[&[u8]],
    hunks: &[Hunk],
    ends: &LineEnds,
    max_fuzz: usize,
) -> (Vec<HunkResult>, Vec<Option<Found>>) {
    let mut results = Vec::with_capacity(hunks.len());
    let mut placed: Vec<Option<Found>> = Vec::with_capacity(hunks.len());
    let mut min_pos = 0usize;
    let mut last_offset = 0i64;
    let mut applied_delta = 0i64;
    let mut old: Vec<&[u8]> = Vec::new();
    let mut kinds: Vec<LineKind> = Vec::new();
    for h in hunks {
        old.clear();
        old.extend(
            h.lines
                .iter()
                .filter(|l| l.kind != LineKind::Add)
                .map(|l| ends.patch_text(&l.text)),
        );
        kinds.clear();
        kinds.extend(h.lines.iter().map(|l| l.kind));
        let shape = HunkShape::new(&old, &kinds);
        // A hunk that removes or keeps nothing inserts after its stated line.
        let base = if h.old_len == 0 {
            h.old_start as i64
        } else {
            h.old_start as i64 - 1
        };
        let found = locate(texts, &shape, base + last_offset, min_pos, max_fuzz);
        match found {
            Some(f) => {
                // A hunk with no old lines expected past the end goes at the end, and GNU
                // reports it where it was expected.
                let offset = match f.pos as i64 - base {
                    o if old.is_empty() && o < last_offset && f.pos == texts.len() => last_offset,
                    o => o,
                };
                // Where it landed in the file being written: the hunks before it that
                // applied moved it (those that failed did not).
                results.push(HunkResult::Applied {
                    at: base + offset + 1 + applied_delta,
                    offset,
                    fuzz: f.fuzz,
                });
                last_offset = offset;
                applied_delta += h.new_len as i64 - h.old_len as i64;
                min_pos = f.end;
            }
            None => results.push(HunkResult::Failed {
                at: h.old_start as i64 + applied_delta,
                misordered: misordered(texts, &shape, base + last_offset, min_pos, max_fuzz),
            }),
        }
        placed.push(found);
    }
    (results, placed)
}

/// Whether a hunk that failed matches right where it is expected, before the end of the hunk
/// before it: GNU patch looks there first, and then calls the hunks misordered.
fn misordered(
    texts: &[&[u8]],
    shape: &HunkShape<'_>,
    expected: i64,
    min_pos: usize,
    max_fuzz: usize,
) -> bool {
    let Ok(e) = usize::try_from(expected) else {
        return false;
    };
    e < min_pos && locate(texts, shape, expected, e, max_fuzz).is_some_and(|f| f.pos == e)
}

/// Builds the result front to back. Lines of the file (context lines too, so lines ignored
/// by fuzz keep the file's version) are copied with their own terminators; added lines get
/// the file's line ending.
fn build(
    data: &[u8],
    lines: &FileLines<'_>,
    hunks: &[Hunk],
    placed: &[Option<Found>],
    ends: &LineEnds,
) -> Vec<u8> {
    let eol = ends.eol();
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let mut cur = 0usize;
    for (h, found) in hunks.iter().zip(placed) {
        let Some(f) = found else { continue };
        out.extend_from_slice(lines.bytes(data, cur, f.pos));
        cur = f.pos;
        // Trailing context that fuzz ignored is left to what follows (the next hunk may
        // start in it).
        let mut old_left = f.end - f.pos;
        for pl in &h.lines {
            if pl.kind != LineKind::Add {
                if old_left == 0 {
                    break;
                }
                old_left -= 1;
            }
            match pl.kind {
                LineKind::Context => {
                    out.extend_from_slice(lines.bytes(data, cur, cur + 1));
                    cur += 1;
                }
                LineKind::Remove => cur += 1,
                LineKind::Add => {
                    out.extend_from_slice(ends.patch_text(&pl.text));
                    if !pl.no_newline {
                        out.extend_from_slice(eol);
                    }
                }
            }
        }
    }
    out.extend_from_slice(lines.bytes(data, cur, usize::MAX));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use treepatch::parse::parse_all;
    use treepatch::{FilePatch, Item};

    fn hunks(patch: &[u8]) -> Vec<Hunk> {
        match parse_all(patch).unwrap().remove(0) {
            Item::File(FilePatch { hunks, .. }) => hunks,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn applies_with_offset_and_keeps_missing_newline() {
        let h = hunks(b"--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+B\n\\ No newline at end of file\n");
        let r = apply_hunks(b"x\na\nb", &h, 2);
        assert_eq!(r.content, b"x\na\nB");
        assert_eq!(
            r.hunks,
            vec![HunkResult::Applied {
                at: 2,
                offset: 1,
                fuzz: 0
            }]
        );
    }

    #[test]
    fn crlf_file_lf_patch_keeps_crlf() {
        let h = hunks(b"--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+new\n c\n");
        let r = apply_hunks(b"a\r\nb\r\nc\r\n", &h, 0);
        assert_eq!(r.content, b"a\r\nB\r\nnew\r\nc\r\n");
    }

    #[test]
    fn crlf_patch_on_lf_file_is_stripped() {
        let h = hunks(b"--- a/f\r\n+++ b/f\r\n@@ -1,2 +1,2 @@\r\n a\r\n-b\r\n+B\r\n");
        let r = apply_hunks(b"a\nb\n", &h, 0);
        assert_eq!(r.content, b"a\nB\n");
    }

    #[test]
    fn fuzzed_context_keeps_the_file_version() {
        let h = hunks(b"--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n 2\n-3\n+T\n 4\n 5\n");
        let r = apply_hunks(b"0\n1\n2\n3\n4\nX\n", &h, 1);
        assert_eq!(r.content, b"0\n1\n2\nT\n4\nX\n");
        assert_eq!(r.failed(), 0);
    }

    #[test]
    fn failed_hunk_reports_line_and_leaves_others() {
        let h = hunks(b"--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n+a2\n b\n@@ -3 +4 @@\n-zz\n+ZZ\n");
        let r = apply_hunks(b"a\nb\nc\n", &h, 2);
        assert_eq!(r.failed(), 1);
        assert_eq!(
            r.hunks[1],
            HunkResult::Failed {
                at: 4,
                misordered: false
            }
        );
        assert_eq!(r.content, b"a\na2\nb\nc\n");
    }
}
