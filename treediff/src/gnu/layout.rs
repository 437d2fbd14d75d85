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

use std::io::{self, Write};

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
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            expand_tabs: false,
            initial_tab: false,
            tabsize: 8,
            suppress_blank_empty: false,
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
        self.write_line(w, prefix, line, true)
    }

    /// [`Layout::write`] in the unified format (no prefix after a carriage return).
    pub fn write_unified<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
    ) -> io::Result<()> {
        self.write_line(w, prefix, line, false)
    }

    fn write_line<W: Write + ?Sized>(
        &self,
        w: &mut W,
        prefix: &[u8],
        line: &[u8],
        relead: bool,
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
        w.write_all(lead)?;
        if self.expand_tabs && text.iter().any(|&b| b == b'\t' || b == b'\r') {
            self.write_expanded(w, relead.then_some(lead), text)?;
        } else {
            w.write_all(text)?;
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
