//! How GNU diff writes one line of a file after its prefix (`< `, `+`, `! `...), as `-t`,
//! `-T`, `--tabsize` and `--suppress-blank-empty` change it, and the print columns a line
//! takes (for `-t` and the side-by-side format).
//!
//! Rules encoded here (from GNU diff 3.8, black-box):
//!
//! - `-T` puts a tab between the prefix and the text: a prefix ending in a space has the
//!   space replaced (`< ` is `<\t`, the unified context prefix ` ` is `\t`), another gets one
//!   added (`-` is `-\t`).
//! - `-t` expands the text's tabs to spaces, columns counted from the start of the text (the
//!   prefix does not count): a tab goes to the next multiple of the tab size, a backspace
//!   goes back one column, a carriage return to column 0, a printable ASCII byte takes one
//!   column, any other byte (controls, and each byte of a UTF-8 character) none. After a
//!   carriage return the prefix is written again if more text follows (not in the unified
//!   format).
//! - `--suppress-blank-empty`: an empty line is written as its prefix without the trailing
//!   space or tab (` ` and `  ` write nothing, `- ` writes `-`), with `-T` too.
//! - A last line without a newline is followed by `\ No newline at end of file`.
//! - `--color`: a line is written between its color's escape (`ESC[32m` added, `ESC[31m`
//!   deleted, by default) and the reset (`ESC[0m`), before its newline; the `\ No newline`
//!   line is not colored. A bad `--palette` is reported and turns colors off.

use std::io::{self, Write};

/// One SGR code of `--palette` (`1;32`), kept inline so that a [`Layout`] stays `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    bytes: [u8; 24],
    len: u8,
}

impl Code {
    /// `code`, if it fits (24 bytes).
    pub fn new(code: &[u8]) -> Option<Code> {
        let mut bytes = [0; 24];
        bytes.get_mut(..code.len())?.copy_from_slice(code);
        Some(Code {
            bytes,
            len: u8::try_from(code.len()).ok()?,
        })
    }

    /// Writes the escape sequence `ESC [ CODE m`.
    pub fn write<W: Write + ?Sized>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\x1b[")?;
        w.write_all(&self.bytes[..usize::from(self.len)])?;
        w.write_all(b"m")
    }
}

/// GNU's `--color` palette: headers, added and deleted lines, line numbers, reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// `hd`, `ad`, `de`, `ln`, `rs`.
    pub header: Code,
    /// `ad`.
    pub added: Code,
    /// `de`.
    pub deleted: Code,
    /// `ln`.
    pub numbers: Code,
    /// `rs`.
    pub reset: Code,
}

/// How a line is colored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Not at all.
    Plain,
    /// As an added line.
    Added,
    /// As a deleted line.
    Deleted,
}

impl Palette {
    /// GNU's palette from `--palette` (`rs=0:hd=1:ad=32:de=31:ln=36` by default), or the
    /// messages GNU gives for a bad one (then there is no color).
    pub fn parse(spec: Option<&[u8]>) -> Result<Palette, Vec<String>> {
        let code = |c: &[u8]| Code::new(c).ok_or_else(|| vec![UNPARSABLE.to_string()]);
        let mut p = Palette {
            header: code(b"1")?,
            added: code(b"32")?,
            deleted: code(b"31")?,
            numbers: code(b"36")?,
            reset: code(b"0")?,
        };
        for item in spec
            .unwrap_or_default()
            .split(|&b| b == b':')
            .filter(|i| !i.is_empty())
        {
            let Some(eq) = item.iter().position(|&b| b == b'=') else {
                return Err(vec![UNPARSABLE.to_string()]);
            };
            let (key, value) = (&item[..eq], code(&item[eq + 1..])?);
            match key {
                b"hd" => p.header = value,
                b"ad" => p.added = value,
                b"de" => p.deleted = value,
                b"ln" => p.numbers = value,
                b"rs" => p.reset = value,
                _ => {
                    let key = String::from_utf8_lossy(key);
                    return Err(vec![
                        format!("unrecognized prefix: {key}"),
                        UNPARSABLE.to_string(),
                    ]);
                }
            }
        }
        Ok(p)
    }

    /// Writes `text` (without its newline) in `code`, then the newline.
    pub fn line<W: Write + ?Sized>(&self, w: &mut W, code: Code, text: &[u8]) -> io::Result<()> {
        code.write(w)?;
        w.write_all(text)?;
        self.reset.write(w)?;
        w.write_all(b"\n")
    }
}

/// GNU's message for a `--palette` it cannot read.
const UNPARSABLE: &str = "unparsable value for --palette";

/// The line-writing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `-t`.
    pub expand_tabs: bool,
    /// `-T`.
    pub initial_tab: bool,
    /// `--tabsize`.
    pub tabsize: usize,
    /// `--suppress-blank-empty`.
    pub suppress_blank_empty: bool,
    /// `--color`: the palette, when lines are colored.
    pub palette: Option<Palette>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            expand_tabs: false,
            initial_tab: false,
            tabsize: 8,
            suppress_blank_empty: false,
            palette: None,
        }
    }
}

/// The column after writing `b` at column `col`, tab stops every `tab`.
pub fn advance(col: usize, b: u8, tab: usize) -> usize {
    match b {
        b'\t' => col.saturating_add(tab - col % tab),
        b'\x08' => col.saturating_sub(1),
        b'\r' => 0,
        0x20..=0x7e => col + 1,
        _ => col,
    }
}

/// Writes `text`, its tabs expanded to stops `tab` apart counted from its start when `tab`
/// is given (`-t` in the ed, RCS and merged formats, where no prefix shifts the line).
pub fn write_expanded<W: Write + ?Sized>(
    w: &mut W,
    text: &[u8],
    tab: Option<usize>,
) -> io::Result<()> {
    let Some(tab) = tab else {
        return w.write_all(text);
    };
    let mut col = 0;
    for piece in text.split_inclusive(|&b| b == b'\t') {
        let (plain, tabbed) = match piece.strip_suffix(b"\t") {
            Some(t) => (t, true),
            None => (piece, false),
        };
        w.write_all(plain)?;
        col = plain.iter().fold(col, |c, &b| advance(c, b, tab));
        if tabbed {
            let next = advance(col, b'\t', tab);
            spaces(w, next - col)?;
            col = next;
        }
    }
    Ok(())
}

impl Layout {
    /// Writes `prefix`, then `line` (with its newline, if it has one) as the options say, in
    /// the normal or context format (where `-t` writes the prefix again after a carriage
    /// return).
    pub fn write<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
    ) -> io::Result<()> {
        self.write_painted(w, prefix, line, paint_of(prefix))
    }

    /// Writes a header line (`--- A\tTIME`), in the header color under `--color`.
    pub fn header_line<W: Write + ?Sized>(&self, w: &mut W, text: &[u8]) -> io::Result<()> {
        match self.palette {
            Some(p) => p.line(w, p.header, text),
            None => {
                w.write_all(text)?;
                w.write_all(b"\n")
            }
        }
    }

    /// Writes a line-numbers line (`@@ -1 +1 @@`, `2c2`, `*** 1,2 ****`), in its color under
    /// `--color`, then ` HEADING` when there is one (uncolored).
    pub fn numbers_line<W: Write + ?Sized>(
        &self,
        w: &mut W,
        text: &[u8],
        heading: &[u8],
    ) -> io::Result<()> {
        if let Some(p) = self.palette {
            p.numbers.write(w)?;
            w.write_all(text)?;
            p.reset.write(w)?;
        } else {
            w.write_all(text)?;
        }
        if !heading.is_empty() {
            w.write_all(b" ")?;
            w.write_all(heading)?;
        }
        w.write_all(b"\n")
    }

    /// [`Layout::write`], colored as `paint` says (under `--color`).
    pub fn write_painted<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
        paint: Paint,
    ) -> io::Result<()> {
        self.write_line(w, prefix, line, true, paint)
    }

    /// [`Layout::write`] in the unified format (no prefix after a carriage return).
    pub fn write_unified<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
    ) -> io::Result<()> {
        self.write_line(w, prefix, line, false, paint_of(prefix))
    }

    fn write_line<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
        relead: bool,
        paint: Paint,
    ) -> io::Result<()> {
        let (text, newline) = match line.strip_suffix(b"\n") {
            Some(text) => (text, true),
            None => (line, false),
        };
        let tabbed;
        let lead = if self.suppress_blank_empty && text.is_empty() {
            let end = prefix
                .iter()
                .rposition(|&b| b != b' ' && b != b'\t')
                .map_or(0, |i| i + 1);
            &prefix[..end]
        } else if self.initial_tab {
            tabbed = [prefix.strip_suffix(b" ").unwrap_or(prefix), b"\t"].concat();
            &tabbed[..]
        } else {
            prefix
        };
        let color = match (self.palette, paint) {
            (Some(p), Paint::Added) => Some((p.added, p.reset)),
            (Some(p), Paint::Deleted) => Some((p.deleted, p.reset)),
            _ => None,
        };
        if let Some((start, _)) = color {
            start.write(w)?;
        }
        w.write_all(lead)?;
        if self.expand_tabs && text.iter().any(|&b| b == b'\t' || b == b'\r') {
            self.write_expanded(w, relead.then_some(lead), text)?;
        } else {
            w.write_all(text)?;
        }
        if let Some((_, reset)) = color {
            reset.write(w)?;
        }
        if newline {
            w.write_all(b"\n")
        } else {
            w.write_all(b"\n\\ No newline at end of file\n")
        }
    }

    /// `text` with its tabs expanded to spaces (columns counted from its start); after a
    /// carriage return, `lead` (if any) is written again before the rest of the text.
    fn write_expanded<W: Write + ?Sized>(
        &self,
        w: &mut W,
        lead: Option<&[u8]>,
        text: &[u8],
    ) -> io::Result<()> {
        let tab = self.tabsize.max(1);
        let mut col = 0;
        let mut relead = false;
        for &b in text {
            if b == b'\r' {
                w.write_all(b"\r")?;
                relead = true;
                col = 0;
                continue;
            }
            if let (true, Some(lead)) = (relead, lead) {
                w.write_all(lead)?;
            }
            relead = false;
            let next = advance(col, b, tab);
            if b == b'\t' {
                spaces(w, next - col)?;
            } else {
                w.write_all(&[b])?;
            }
            col = next;
        }
        Ok(())
    }
}

/// The paint of a line by its prefix: `-` and `<` deleted, `+` and `>` added.
fn paint_of(prefix: &[u8]) -> Paint {
    match prefix.first() {
        Some(b'-' | b'<') => Paint::Deleted,
        Some(b'+' | b'>') => Paint::Added,
        _ => Paint::Plain,
    }
}

/// Writes `n` spaces.
pub fn spaces<W: Write + ?Sized>(w: &mut W, mut n: usize) -> io::Result<()> {
    const BLANK: [u8; 64] = [b' '; 64];
    while n > 0 {
        let k = n.min(BLANK.len());
        w.write_all(&BLANK[..k])?;
        n -= k;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(layout: Layout, prefix: &str, line: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        layout
            .write(&mut out, prefix.as_bytes(), line)
            .expect("write to a Vec");
        out
    }

    #[test]
    fn initial_tab_replaces_a_trailing_space_or_follows() {
        let t = Layout {
            initial_tab: true,
            ..Layout::default()
        };
        assert_eq!(write(t, "< ", b"a\n"), b"<\ta\n");
        assert_eq!(write(t, " ", b"a\n"), b"\ta\n");
        assert_eq!(write(t, "-", b"a\n"), b"-\ta\n");
    }

    #[test]
    fn tabs_expand_by_printable_columns() {
        let t = Layout {
            expand_tabs: true,
            ..Layout::default()
        };
        assert_eq!(write(t, "< ", b"ab\tc\n"), b"< ab      c\n");
        assert_eq!(
            write(t, "< ", "\u{e9}\tx\n".as_bytes()),
            "< \u{e9}        x\n".as_bytes()
        );
        assert_eq!(write(t, "< ", b"ab\x08c\td\n"), b"< ab\x08c      d\n");
        assert_eq!(
            write(t, "< ", b"abc\r\ty"),
            b"< abc\r<         y\n\\ No newline at end of file\n"
        );
        assert_eq!(write(t, "< ", b"\r\n"), b"< \r\n");
    }

    #[test]
    fn empty_lines_drop_the_prefix_s_blank() {
        let t = Layout {
            suppress_blank_empty: true,
            initial_tab: true,
            ..Layout::default()
        };
        assert_eq!(write(t, " ", b"\n"), b"\n");
        assert_eq!(write(t, "! ", b"\n"), b"!\n");
        assert_eq!(write(t, "-", b"\n"), b"-\n");
    }
}
