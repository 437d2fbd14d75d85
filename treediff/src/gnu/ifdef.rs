//! GNU diff's if-then-else output (`-D NAME`, `--ifdef`) and the line and group formats it is
//! made of (`--line-format`, `--old/new/unchanged-line-format`,
//! `--old/new/changed/unchanged-group-format`): both files merged, each group of lines
//! written through a format with `%` escapes.
//!
//! Rules encoded here (from `info diff` and GNU diff 3.8, black-box):
//!
//! - The lines between changes are an unchanged group (`%=` by default; none when empty), a
//!   change of old lines only an old group (`%<`), of new lines only a new group (`%>`), of
//!   both a changed group (the old group's format then the new one's). An old or new group
//!   format left out is the changed group format, when that is given. `-D NAME` sets the four
//!   group formats, `--line-format` the three line formats; setting one format twice to
//!   different values is an error (`conflicting -D option value '...'`).
//! - Group escapes: `%<` `%>` `%=` (the group's old lines through the old, the new lines
//!   through the new, the old lines through the unchanged line format), `%%`, `%c'C'`,
//!   `%c'\OOO'`, `%[flags][width][.prec](d|o|x|X)V` with V one of `e f l m n` (old side: line
//!   before, first, last, after, count) or `E F L M N` (new side), and `%(A=B?THEN:ELSE)`
//!   with A and B numbers or such letters (ELSE may be missing, and so may `)`).
//! - Line escapes: `%l` (without the newline), `%L` (as is), `%%`, `%c`, and a printf
//!   conversion of `n`, the line's number (an unchanged line's: in the old file). The default
//!   line format is `%l` and a newline.
//! - Anything else after `%` is written as it is, `%` included.

use std::io::{self, Write};
use std::ops::Range;

use super::layout::write_expanded;
use crate::hunk::TextDiff;

/// The formats, as given (bytes), with GNU's defaults filled in by [`Formats::from_options`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Formats {
    /// Old, new, changed and unchanged group formats.
    pub old_group: Vec<u8>,
    /// `new-group`.
    pub new_group: Vec<u8>,
    /// `changed-group`.
    pub changed_group: Vec<u8>,
    /// `unchanged-group`.
    pub unchanged_group: Vec<u8>,
    /// Old, new and unchanged line formats.
    pub old_line: Vec<u8>,
    /// `new-line`.
    pub new_line: Vec<u8>,
    /// `unchanged-line`.
    pub unchanged_line: Vec<u8>,
    /// `-t`: the lines' tabs (`%l`, `%L`) expanded, to stops this far apart, counted from the
    /// line's own start.
    pub expand_tabs: Option<usize>,
}

/// An option that sets formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatOption {
    /// `-D NAME`: the four group formats.
    Ifdef,
    /// `--line-format`: the three line formats.
    Line,
    /// `--old-group-format`.
    OldGroup,
    /// `--new-group-format`.
    NewGroup,
    /// `--changed-group-format`.
    ChangedGroup,
    /// `--unchanged-group-format`.
    UnchangedGroup,
    /// `--old-line-format`.
    OldLine,
    /// `--new-line-format`.
    NewLine,
    /// `--unchanged-line-format`.
    UnchangedLine,
}

impl FormatOption {
    /// The option's name in messages.
    fn name(self) -> &'static str {
        match self {
            FormatOption::Ifdef => "-D",
            FormatOption::Line => "--line-format",
            FormatOption::OldGroup => "--old-group-format",
            FormatOption::NewGroup => "--new-group-format",
            FormatOption::ChangedGroup => "--changed-group-format",
            FormatOption::UnchangedGroup => "--unchanged-group-format",
            FormatOption::OldLine => "--old-line-format",
            FormatOption::NewLine => "--new-line-format",
            FormatOption::UnchangedLine => "--unchanged-line-format",
        }
    }

    /// The format slots (old, new, changed, unchanged group; old, new, unchanged line) the
    /// option sets, and to what.
    fn sets(self, value: &[u8]) -> Vec<(usize, Vec<u8>)> {
        let n = |parts: &[&[u8]]| parts.concat();
        match self {
            // GNU sets the unchanged group first: a conflict there is the one reported.
            FormatOption::Ifdef => vec![
                (3, b"%=".to_vec()),
                (
                    0,
                    n(&[b"#ifndef ", value, b"\n%<#endif /* ! ", value, b" */\n"]),
                ),
                (
                    1,
                    n(&[b"#ifdef ", value, b"\n%>#endif /* ", value, b" */\n"]),
                ),
                (
                    2,
                    n(&[
                        b"#ifndef ",
                        value,
                        b"\n%<#else /* ",
                        value,
                        b" */\n%>#endif /* ",
                        value,
                        b" */\n",
                    ]),
                ),
            ],
            FormatOption::Line => (4..7).map(|slot| (slot, value.to_vec())).collect(),
            FormatOption::OldGroup => vec![(0, value.to_vec())],
            FormatOption::NewGroup => vec![(1, value.to_vec())],
            FormatOption::ChangedGroup => vec![(2, value.to_vec())],
            FormatOption::UnchangedGroup => vec![(3, value.to_vec())],
            FormatOption::OldLine => vec![(4, value.to_vec())],
            FormatOption::NewLine => vec![(5, value.to_vec())],
            FormatOption::UnchangedLine => vec![(6, value.to_vec())],
        }
    }
}

impl Formats {
    /// The formats set by `options` (in command-line order), with GNU's defaults, or GNU's
    /// message when two set one format differently (`conflicting -D option value '...'`).
    /// The error is GNU's message and the index in `options` of the option that conflicts.
    pub fn from_options(options: &[(FormatOption, Vec<u8>)]) -> Result<Formats, (usize, String)> {
        let mut slots: [Option<Vec<u8>>; 7] = Default::default();
        for (at, (option, value)) in options.iter().enumerate() {
            for (slot, v) in option.sets(value) {
                match &slots[slot] {
                    Some(old) if *old != v => {
                        let v = String::from_utf8_lossy(&v);
                        let name = option.name();
                        return Err((at, format!("conflicting {name} option value '{v}'")));
                    }
                    _ => slots[slot] = Some(v),
                }
            }
        }
        let [
            old,
            new,
            changed,
            unchanged,
            old_line,
            new_line,
            unchanged_line,
        ] = slots;
        let old = old
            .or_else(|| changed.clone())
            .unwrap_or_else(|| b"%<".to_vec());
        let new = new
            .or_else(|| changed.clone())
            .unwrap_or_else(|| b"%>".to_vec());
        let line = || b"%l\n".to_vec();
        Ok(Formats {
            changed_group: changed.unwrap_or_else(|| [&old[..], &new[..]].concat()),
            old_group: old,
            new_group: new,
            unchanged_group: unchanged.unwrap_or_else(|| b"%=".to_vec()),
            old_line: old_line.unwrap_or_else(line),
            new_line: new_line.unwrap_or_else(line),
            unchanged_line: unchanged_line.unwrap_or_else(line),
            expand_tabs: None,
        })
    }
}

/// One group: its old and new lines (0-based ranges).
struct Group {
    old: Range<usize>,
    new: Range<usize>,
}

impl Group {
    /// The value of letter `v` (`e f l m n`, `E F L M N`), or `None` for another letter.
    fn value(&self, v: u8) -> Option<i64> {
        let r = if v.is_ascii_lowercase() {
            &self.old
        } else {
            &self.new
        };
        let (first, len) = (r.start as i64 + 1, r.len() as i64);
        match v.to_ascii_lowercase() {
            b'e' => Some(first - 1),
            b'f' => Some(first),
            b'l' => Some(first + len - 1),
            b'm' => Some(first + len),
            b'n' => Some(len),
            _ => None,
        }
    }
}

/// Writes `d` through the formats.
pub fn write<W: Write + ?Sized>(w: &mut W, d: &TextDiff<'_>, f: &Formats) -> io::Result<()> {
    let p = Printer { d, f };
    let (mut o, mut n) = (0, 0);
    for h in d.hunks(0) {
        for (old, new) in d.hunk_changes(h) {
            p.group(
                w,
                &f.unchanged_group,
                &Group {
                    old: o..old.start,
                    new: n..new.start,
                },
                true,
            )?;
            let fmt = match (old.is_empty(), new.is_empty()) {
                (_, true) => &f.old_group,
                (true, _) => &f.new_group,
                _ => &f.changed_group,
            };
            (o, n) = (old.end, new.end);
            p.group(w, fmt, &Group { old, new }, false)?;
        }
    }
    let rest = Group {
        old: o..d.old_len(),
        new: n..d.new_len(),
    };
    p.group(w, &f.unchanged_group, &rest, true)
}

struct Printer<'d, 'a> {
    d: &'d TextDiff<'a>,
    f: &'d Formats,
}

impl Printer<'_, '_> {
    /// Writes group `g` through `fmt` (an unchanged group only when it has lines).
    fn group<W: Write + ?Sized>(
        &self,
        w: &mut W,
        fmt: &[u8],
        g: &Group,
        unchanged: bool,
    ) -> io::Result<()> {
        if unchanged && g.old.is_empty() {
            return Ok(());
        }
        let mut i = 0;
        while i < fmt.len() {
            i = self.item(w, fmt, i, g)?;
        }
        Ok(())
    }

    /// Writes the format item at `fmt[i]`; returns where the next one starts.
    fn item<W: Write + ?Sized>(
        &self,
        w: &mut W,
        fmt: &[u8],
        i: usize,
        g: &Group,
    ) -> io::Result<usize> {
        if fmt[i] != b'%' {
            w.write_all(&fmt[i..=i])?;
            return Ok(i + 1);
        }
        match fmt.get(i + 1) {
            Some(b'<') => self.lines(w, g.old.clone(), true, &self.f.old_line)?,
            Some(b'>') => self.lines(w, g.new.clone(), false, &self.f.new_line)?,
            Some(b'=') => self.lines(w, g.old.clone(), true, &self.f.unchanged_line)?,
            Some(b'(') => {
                if let Some(next) = self.conditional(w, fmt, i + 2, g)? {
                    return Ok(next);
                }
                w.write_all(b"%(")?;
            }
            _ => return common(w, fmt, i, &|v| g.value(v)),
        }
        Ok(i + 2)
    }

    /// `%(A=B?T:E)` from `fmt[i]` (after `%(`): writes T or E and returns where the format
    /// goes on, or `None` when it is not one.
    fn conditional<W: Write + ?Sized>(
        &self,
        w: &mut W,
        fmt: &[u8],
        i: usize,
        g: &Group,
    ) -> io::Result<Option<usize>> {
        let operand = |at: usize| -> Option<(i64, usize)> {
            let digits = fmt[at.min(fmt.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 {
                let text = std::str::from_utf8(&fmt[at..at + digits]).ok()?;
                return Some((text.parse().unwrap_or(i64::MAX), at + digits));
            }
            Some((g.value(*fmt.get(at)?)?, at + 1))
        };
        let Some((a, at)) = operand(i) else {
            return Ok(None);
        };
        if fmt.get(at) != Some(&b'=') {
            return Ok(None);
        }
        let Some((b, at)) = operand(at + 1) else {
            return Ok(None);
        };
        if fmt.get(at) != Some(&b'?') {
            return Ok(None);
        }
        let then_end = skip(fmt, at + 1, b':');
        let else_end = if fmt.get(then_end) == Some(&b':') {
            skip(fmt, then_end + 1, b')')
        } else {
            then_end
        };
        let (from, to) = if a == b {
            (at + 1, then_end)
        } else {
            ((then_end + 1).min(else_end), else_end)
        };
        let mut k = from;
        while k < to {
            k = self.item(w, &fmt[..to], k, g)?;
        }
        Ok(Some((else_end + 1).min(fmt.len())))
    }

    /// Writes lines `r` of the old (`old`) or new file through line format `fmt`.
    fn lines<W: Write + ?Sized>(
        &self,
        w: &mut W,
        r: Range<usize>,
        old: bool,
        fmt: &[u8],
    ) -> io::Result<()> {
        let lines: Box<dyn Iterator<Item = &[u8]>> = if old {
            Box::new(self.d.old_lines(r.start, r.end))
        } else {
            Box::new(self.d.new_lines_any(r.start, r.end))
        };
        for (n, line) in (r.start as i64 + 1..).zip(lines) {
            let mut i = 0;
            while i < fmt.len() {
                i = match (fmt[i], fmt.get(i + 1)) {
                    (b'%', Some(b'l')) => {
                        write_expanded(
                            w,
                            line.strip_suffix(b"\n").unwrap_or(line),
                            self.f.expand_tabs,
                        )?;
                        i + 2
                    }
                    (b'%', Some(b'L')) => {
                        write_expanded(w, line, self.f.expand_tabs)?;
                        i + 2
                    }
                    (b'%', _) => common(w, fmt, i, &|v| (v == b'n').then_some(n))?,
                    _ => {
                        w.write_all(&fmt[i..=i])?;
                        i + 1
                    }
                };
            }
        }
        Ok(())
    }
}

/// Where the text that starts at `fmt[i]` ends: at the first `stop` not inside an escape or
/// a nested `%(...)` (or the end).
fn skip(fmt: &[u8], mut i: usize, stop: u8) -> usize {
    let mut depth = 0;
    while i < fmt.len() {
        match fmt[i] {
            b'%' if fmt.get(i + 1) == Some(&b'(') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'%' if fmt.get(i + 1) == Some(&b'c') && fmt.get(i + 2) == Some(&b'\'') => {
                let close = fmt[i + 3..]
                    .iter()
                    .position(|&b| b == b'\'')
                    .map_or(fmt.len(), |p| i + 3 + p);
                i = close + 1;
                continue;
            }
            b'%' => i += 1,
            b')' if depth > 0 => depth -= 1,
            c if c == stop && depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    fmt.len()
}

/// The escapes of both kinds of format at `fmt[i]` (a `%`): `%%`, `%c'C'`, `%c'\OOO'` and
/// printf conversions of the values `value` knows; anything else is written as it is.
fn common<W: Write + ?Sized>(
    w: &mut W,
    fmt: &[u8],
    i: usize,
    value: &dyn Fn(u8) -> Option<i64>,
) -> io::Result<usize> {
    let rest = &fmt[i + 1..];
    if rest.first() == Some(&b'%') {
        w.write_all(b"%")?;
        return Ok(i + 2);
    }
    if let Some((byte, len)) = character(rest) {
        w.write_all(&[byte])?;
        return Ok(i + 1 + len);
    }
    if let Some((text, len)) = conversion(rest, value) {
        w.write_all(text.as_bytes())?;
        return Ok(i + 1 + len);
    }
    w.write_all(b"%")?;
    Ok(i + 1)
}

/// `c'C'` or `c'\OOO'`: the byte and the length.
fn character(rest: &[u8]) -> Option<(u8, usize)> {
    if !rest.starts_with(b"c'") {
        return None;
    }
    match rest.get(2)? {
        b'\\' => {
            let digits = rest[3..]
                .iter()
                .take(3)
                .take_while(|b| (b'0'..=b'7').contains(b))
                .count();
            if digits == 0 || rest.get(3 + digits) != Some(&b'\'') {
                return None;
            }
            let v = rest[3..3 + digits]
                .iter()
                .fold(0u32, |v, &d| v * 8 + u32::from(d - b'0'));
            Some((v as u8, 4 + digits))
        }
        b'\'' => None,
        &c => (rest.get(3) == Some(&b'\'')).then_some((c, 4)),
    }
}

/// `[flags][width][.prec](d|o|x|X)V`: the text and the length.
fn conversion(rest: &[u8], value: &dyn Fn(u8) -> Option<i64>) -> Option<(String, usize)> {
    let mut i = 0;
    let (mut left, mut zero) = (false, false);
    while let Some(&f) = rest.get(i) {
        match f {
            b'-' => left = true,
            b'0' => zero = true,
            b'\'' => {}
            _ => break,
        }
        i += 1;
    }
    let number = |i: &mut usize| {
        let n = rest[*i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let v = std::str::from_utf8(&rest[*i..*i + n])
            .ok()
            .and_then(|s| s.parse::<usize>().ok());
        *i += n;
        v
    };
    let width = number(&mut i).unwrap_or(0).min(4096);
    let precision = if rest.get(i) == Some(&b'.') {
        i += 1;
        Some(number(&mut i).unwrap_or(0).min(4096))
    } else {
        None
    };
    let digits = match (rest.get(i)?, value(*rest.get(i + 1)?)?) {
        (b'd', v) => v.to_string(),
        (b'o', v) => format!("{v:o}"),
        (b'x', v) => format!("{v:x}"),
        (b'X', v) => format!("{v:X}"),
        _ => return None,
    };
    let digits = match precision {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    let pad = width.saturating_sub(digits.len());
    let text = if left {
        format!("{digits}{}", " ".repeat(pad))
    } else if zero && precision.is_none() {
        format!("{}{digits}", "0".repeat(pad))
    } else {
        format!("{}{digits}", " ".repeat(pad))
    };
    Some((text, i + 2))
}
