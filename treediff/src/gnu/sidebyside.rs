//! GNU diff's side-by-side format (`-y`, `-W N`, `--left-column`,
//! `--suppress-common-lines`): every line of both files in two columns, a gutter marker
//! between them.
//!
//! Rules encoded here (from GNU diff 3.8, black-box, widths 1 to 200):
//!
//! - With tab size T (1 under `-t`) and width W, the right column starts at
//!   `off = (W + T + 3) / (2T) * T` and each column holds `half = max(0, min(off - 3,
//!   W - off))` print columns; when `half` is 0 the right column starts at W. The marker
//!   sits at column `half + (off - half - 1) / 2`.
//! - A character that would pass the column's end is left out, but moves the position on (a
//!   carriage return brings it back, and what follows it is written); a tab that does not
//!   fit is left out, or under `-t` written as spaces up to the end; columns count as in
//!   `-t` (see `layout`), from the column's start, except that in a UTF-8 locale a UTF-8
//!   character takes its display width (`é` one column, `漢` two); an invalid byte takes
//!   none and is written when it starts before the column's end. Gaps are filled with tabs up
//!   to the last tab stop that fits, then spaces (only spaces under `-t`, which also expands
//!   the lines' own tabs).
//! - Markers: none for common lines (the right one follows only if it is not empty), `|` for
//!   changed lines (`\` if only the left one lacks its newline, `/` if only the right one),
//!   `<` and `>` for lines of one side. Lines between the printed changes are paired in
//!   order as common lines, even where an ignorable change (`-B`, `-I`) makes their counts
//!   differ: the left-over ones get `(` (left) or `)` (right).
//! - `--left-column` writes a common line as its left side and `(`; `--suppress-common-lines`
//!   leaves common (and left-over) lines out.
//! - A row's newline is left out when its lines have none (the last lines of both files).
//! - `--color`: a `<` row in the deleted color, a `>` row in the added color, the reset after
//!   the row's newline.

use std::io::{self, Write};
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::layout::{Layout, advance, spaces};
use crate::hunk::TextDiff;

/// How common lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Common {
    /// Both sides.
    #[default]
    Both,
    /// `--left-column`: the left side and `(`.
    LeftColumn,
    /// `--suppress-common-lines`: not at all.
    Suppress,
}

/// The side-by-side settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    /// `-W`: total width (130 by default).
    pub width: usize,
    /// How common lines are written.
    pub common: Common,
    /// The locale's characters are UTF-8 (`LC_ALL`, `LC_CTYPE` or `LANG` says so).
    pub utf8: bool,
    /// `--sdiff-merge-assist`: each run of common lines headed by `iN,M` and each change by
    /// `cN,M` (its lines on the left and on the right), for `sdiff`.
    pub merge_assist: bool,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            width: 130,
            common: Common::Both,
            utf8: false,
            merge_assist: false,
        }
    }
}

/// The printer of one comparison.
struct Printer<'l> {
    layout: &'l Layout,
    utf8: bool,
    common: Common,
    merge_assist: bool,
    /// Width of each column, start of the right one, the marker's column.
    half: usize,
    off: usize,
    marker: usize,
}

/// Writes `d` side by side.
pub fn write<W: Write + ?Sized>(
    w: &mut W,
    d: &TextDiff<'_>,
    columns: &Columns,
    layout: &Layout,
) -> io::Result<()> {
    let t = if layout.expand_tabs {
        1
    } else {
        layout.tabsize.max(1)
    };
    let width = columns.width;
    let off = width.saturating_add(t + 3) / (2 * t) * t;
    let half = off.saturating_sub(3).min(width.saturating_sub(off));
    let off = if half == 0 { width } else { off };
    let p = Printer {
        layout,
        utf8: columns.utf8,
        common: columns.common,
        merge_assist: columns.merge_assist,
        half,
        off,
        marker: half + (off - half).saturating_sub(1) / 2,
    };
    let (mut o, mut n) = (0, 0);
    for h in d.hunks(0) {
        for (old, new) in d.hunk_changes(h) {
            p.common_lines(w, d, o..old.start, n..new.start)?;
            p.change(w, d, old.clone(), new.clone())?;
            (o, n) = (old.end, new.end);
        }
    }
    p.common_lines(w, d, o..d.old_len(), n..d.new_len())
}

/// Whether byte `b` (a character's first), moving the position from `col` to `next`, is
/// written in a column of `half` print columns: a backspace only when it moves back to a
/// column before the end, a carriage return always.
fn fits(b: u8, col: usize, next: usize, half: usize) -> bool {
    match b {
        b'\x08' => col > 0 && next < half,
        b'\r' => true,
        _ => next <= half,
    }
}

/// A line's text without its newline, and whether it had one.
fn text(line: &[u8]) -> (&[u8], bool) {
    match line.strip_suffix(b"\n") {
        Some(t) => (t, true),
        None => (line, false),
    }
}

impl Printer<'_> {
    fn tabsize(&self) -> usize {
        self.layout.tabsize.max(1)
    }

    /// Writes the characters of `text` that fit in a column of `self.half` print columns
    /// (counted from the column's start); returns the column the output reached. A character
    /// that would pass the end is left out but still moves the position (so a carriage
    /// return brings the next ones back, and in the right column, `start`, is followed by
    /// the fill back to it); under `-t` a tab that does not fit is written as spaces up to
    /// the end.
    fn half<W: Write + ?Sized>(&self, w: &mut W, text: &[u8], start: usize) -> io::Result<usize> {
        let (mut col, mut out, mut i) = (0, 0, 0);
        while i < text.len() {
            let b = text[i];
            let (len, next, fits) = if b < 0x80 || !self.utf8 {
                let next = advance(col, b, self.tabsize());
                (1, next, fits(b, col, next, self.half))
            } else {
                // A valid character takes its width; an invalid byte none, and is written
                // when it starts before the end.
                let (ch, size) = bstr::decode_utf8(&text[i..]);
                let next = col + ch.map_or(0, |c| c.width().unwrap_or(0));
                let fits = if ch.is_some() {
                    next <= self.half
                } else {
                    col < self.half
                };
                (size.max(1), next, fits)
            };
            if b == b'\t' && self.layout.expand_tabs && col <= self.half {
                let end = next.min(self.half);
                spaces(w, end - col)?;
                out = end;
            } else if fits {
                w.write_all(&text[i..i + len])?;
                out = next;
                if b == b'\r' {
                    // Back at the left margin: move to the column's start again.
                    self.pad(w, 0, start)?;
                }
            }
            col = next;
            i += len;
        }
        Ok(out)
    }

    /// Fills from `from` to `to` with tabs (unless `-t`) and spaces.
    fn pad<W: Write + ?Sized>(&self, w: &mut W, mut from: usize, to: usize) -> io::Result<()> {
        if !self.layout.expand_tabs {
            let t = self.tabsize();
            while from + t - from % t <= to {
                w.write_all(b"\t")?;
                from += t - from % t;
            }
        }
        spaces(w, to.saturating_sub(from))
    }

    /// One output line: `left` (if any), the marker (if any), `right` (if any).
    fn row<W: Write + ?Sized>(
        &self,
        w: &mut W,
        left: Option<&[u8]>,
        marker: Option<u8>,
        right: Option<&[u8]>,
    ) -> io::Result<()> {
        let paint = match (self.layout.palette, marker) {
            (Some(p), Some(b'<')) => Some((p.deleted, p.reset)),
            (Some(p), Some(b'>')) => Some((p.added, p.reset)),
            _ => None,
        };
        if let Some((start, _)) = paint {
            start.write(w)?;
        }
        let mut col = match left {
            Some(l) => self.half(w, text(l).0, 0)?,
            None => 0,
        };
        if let Some(m) = marker {
            self.pad(w, col, self.marker)?;
            w.write_all(&[m])?;
            col = self.marker + 1;
        }
        if let Some(r) = right.map(|r| text(r).0).filter(|r| !r.is_empty()) {
            self.pad(w, col, self.off)?;
            self.half(w, r, self.off)?;
        }
        // A row of lines without their newlines has none either.
        if [left, right].iter().flatten().any(|l| text(l).1) {
            w.write_all(b"\n")?;
        }
        match paint {
            Some((_, reset)) => reset.write(w),
            None => Ok(()),
        }
    }

    /// `--sdiff-merge-assist`'s line before a run of lines: `iN,M` (common) or `cN,M`.
    fn run_header<W: Write + ?Sized>(
        &self,
        w: &mut W,
        kind: u8,
        old: &Range<usize>,
        new: &Range<usize>,
    ) -> io::Result<()> {
        if !self.merge_assist {
            return Ok(());
        }
        w.write_all(&[kind])?;
        writeln!(w, "{},{}", old.len(), new.len())
    }

    /// Lines between printed changes, paired in order.
    fn common_lines<W: Write + ?Sized>(
        &self,
        w: &mut W,
        d: &TextDiff<'_>,
        old: Range<usize>,
        new: Range<usize>,
    ) -> io::Result<()> {
        if self.common == Common::Suppress || (old.is_empty() && new.is_empty()) {
            return Ok(());
        }
        self.run_header(w, b'i', &old, &new)?;
        let mut lefts = d.old_lines(old.start, old.end);
        let mut rights = d.new_lines_any(new.start, new.end);
        loop {
            match (lefts.next(), rights.next()) {
                (Some(l), Some(_)) if self.common == Common::LeftColumn => {
                    self.row(w, Some(l), Some(b'('), None)?
                }
                (Some(l), Some(r)) => self.row(w, Some(l), None, Some(r))?,
                (Some(l), None) => self.row(w, Some(l), Some(b'('), None)?,
                (None, Some(r)) => self.row(w, None, Some(b')'), Some(r))?,
                (None, None) => return Ok(()),
            }
        }
    }

    /// A change: its lines paired (`|`, `\`, `/`), then the rest of one side (`<` or `>`).
    fn change<W: Write + ?Sized>(
        &self,
        w: &mut W,
        d: &TextDiff<'_>,
        old: Range<usize>,
        new: Range<usize>,
    ) -> io::Result<()> {
        self.run_header(w, b'c', &old, &new)?;
        let mut lefts = d.old_lines(old.start, old.end);
        let mut rights = d.new_lines(new.start, new.end);
        loop {
            match (lefts.next(), rights.next()) {
                (Some(l), Some(r)) => {
                    let marker = match (text(l).1, text(r).1) {
                        (false, true) => b'\\',
                        (true, false) => b'/',
                        _ => b'|',
                    };
                    self.row(w, Some(l), Some(marker), Some(r))?
                }
                (Some(l), None) => self.row(w, Some(l), Some(b'<'), None)?,
                (None, Some(r)) => self.row(w, None, Some(b'>'), Some(r))?,
                (None, None) => return Ok(()),
            }
        }
    }
}
