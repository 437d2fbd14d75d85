//! `-l`/`--paginate`: GNU diff passes the changes of each pair of files through `pr -h TITLE`,
//! where TITLE is the `diff OPTIONS A B` line. We never run another program: this module lays
//! the pages out as `pr` does by default (66 lines a page: two blank lines, the header, two
//! blank lines, 56 lines of text, five blank lines; the last page filled up too). The header
//! is the date (`%Y-%m-%d %H:%M`, local time, when the page is laid out: `pr` reads a pipe), the
//! title centred in the remaining space of 72 columns (at least one space each side), and
//! `Page N`. A form feed in the text ends the page (the text before it is a line; a newline
//! right after it is part of the break).
//!
//! `pr` writes straight to standard output while diff's own lines (`Only in`, `Binary files`,
//! `Files ... differ`) wait in diff's output buffer, so in a pipe or a file those come after the
//! pages that were written before the buffer filled or was flushed. [`Deferred`] keeps that
//! order: it is the writer diff's own lines go to, and the pages pass it by.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use super::time;

/// Lines a page has, of which the text takes [`BODY`].
const PAGE: usize = 66;
const BODY: usize = 56;
/// Blank lines before the header line, after it; lines after the text.
const ABOVE: usize = 2;
const BELOW: usize = 2;
/// Columns of the header line.
const WIDTH: usize = 72;
/// The size of the C library's buffer for a pipe or a file: diff's own lines are written out
/// when it fills.
const STDIO_BUFFER: usize = 4096;

/// Lays out pages for one run: the pages made, waiting to pass [`Deferred`]'s buffer.
#[derive(Clone, Default)]
pub struct Pager {
    pages: Arc<Mutex<Vec<u8>>>,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pager")
    }
}

impl Pager {
    /// Lays `text` out in pages headed by `title`, dated now.
    pub fn page(&self, title: &[u8], text: &[u8]) {
        let date = time::now_for_pages();
        let pages = paginate(title, &date, text);
        let mut queue = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        queue.extend_from_slice(&pages);
    }

    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.pages.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The header line: date, title centred, page number.
fn header(date: &str, title: &[u8], page: usize) -> Vec<u8> {
    let number = format!("Page {page}");
    let free = WIDTH.saturating_sub(date.len() + title.len() + number.len());
    let left = (free / 2).max(1);
    let right = free.saturating_sub(left).max(1);
    let mut line = date.as_bytes().to_vec();
    line.resize(line.len() + left, b' ');
    line.extend_from_slice(title);
    line.resize(line.len() + right, b' ');
    line.extend_from_slice(number.as_bytes());
    line.push(b'\n');
    line
}

/// The pages of `text` as `pr -h TITLE` writes them, with `date` in each header.
pub fn paginate(title: &[u8], date: &str, text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 4 + PAGE);
    let (mut page, mut lines, mut open) = (0, 0, false);
    let start = |out: &mut Vec<u8>, page: &mut usize| {
        *page += 1;
        out.resize(out.len() + ABOVE, b'\n');
        out.extend_from_slice(&header(date, title, *page));
        out.resize(out.len() + BELOW, b'\n');
    };
    let finish = |out: &mut Vec<u8>, lines: usize| {
        out.resize(out.len() + (PAGE - ABOVE - 1 - BELOW - lines), b'\n');
    };
    let mut rest = text;
    while !rest.is_empty() {
        let end = rest.iter().position(|&c| c == b'\n' || c == b'\x0c');
        let (line, stop) = match end {
            Some(i) => (&rest[..i], Some(rest[i])),
            None => (rest, None),
        };
        if !open {
            start(&mut out, &mut page);
            (lines, open) = (0, true);
        }
        let form_feed = stop == Some(b'\x0c');
        if !(form_feed && line.is_empty()) {
            out.extend_from_slice(line);
            out.push(b'\n');
            lines += 1;
        }
        rest = &rest[end.map_or(rest.len(), |i| i + 1)..];
        if form_feed {
            rest = rest.strip_prefix(b"\n").unwrap_or(rest);
        }
        if form_feed || lines == BODY {
            finish(&mut out, lines);
            open = false;
        }
    }
    if open {
        finish(&mut out, lines);
    }
    out
}

/// The writer diff's own lines go to when paginating: they wait in a buffer of the C library's
/// size, as GNU diff's do, while the pages laid out meanwhile go straight through.
pub struct Deferred<'w, W: Write + ?Sized> {
    out: &'w mut W,
    pager: Pager,
    buffer: Vec<u8>,
}

impl<'w, W: Write + ?Sized> Deferred<'w, W> {
    /// Diff's own lines for `out`, with the pages of `pager`.
    pub fn new(out: &'w mut W, pager: Pager) -> Self {
        Deferred {
            out,
            pager,
            buffer: Vec::new(),
        }
    }

    /// Writes the pages laid out so far.
    fn pass_pages(&mut self) -> io::Result<()> {
        let pages = self.pager.take();
        self.out.write_all(&pages)
    }
}

impl<W: Write + ?Sized> Write for Deferred<'_, W> {
    /// A write of nothing only lets the pages waiting pass.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pass_pages()?;
        if self.buffer.len() >= STDIO_BUFFER {
            self.out.write_all(&std::mem::take(&mut self.buffer))?;
        }
        let n = (STDIO_BUFFER - self.buffer.len()).min(buf.len());
        self.buffer.extend_from_slice(&buf[..n]);
        if self.buffer.len() >= STDIO_BUFFER {
            self.out.write_all(&std::mem::take(&mut self.buffer))?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass_pages()?;
        self.out.write_all(&std::mem::take(&mut self.buffer))?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_lines(out: &[u8]) -> Vec<&[u8]> {
        out.split(|&c| c == b'\n').collect()
    }

    #[test]
    fn a_short_text_fills_one_page() {
        let out = paginate(b"diff -l a b", "2026-12-04 12:37", b"2c2\n< b\n---\n> B\n");
        assert_eq!(out.iter().filter(|&&c| c == b'\n').count(), PAGE);
        let lines = page_lines(&out);
        assert_eq!(
            lines[2],
            b"2026-12-04 12:37                   diff -l a b                    Page 1"
        );
        assert_eq!(lines[5], b"2c2");
        assert_eq!(lines[8], b"> B");
        assert!(lines[9].is_empty());
    }

    #[test]
    fn a_long_title_keeps_one_space_each_side() {
        let title = [b'n'; 60];
        let line = header("2026-12-04 12:37", &title, 1);
        let mut want = b"2026-12-04 12:37 ".to_vec();
        want.extend_from_slice(&title);
        want.extend_from_slice(b" Page 1\n");
        assert_eq!(line, want);
    }

    #[test]
    fn the_57th_line_starts_a_second_page() {
        let text: Vec<u8> = (0..57)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let out = paginate(b"t", "d", &text);
        assert_eq!(out.iter().filter(|&&c| c == b'\n').count(), 2 * PAGE);
        assert_eq!(page_lines(&out)[PAGE + 5], b"56");
    }

    #[test]
    fn a_form_feed_ends_the_page_and_takes_the_newline_after_it() {
        let out = paginate(b"t", "d", b"> x\x0c\n> y\n");
        let lines = page_lines(&out);
        assert_eq!(lines[5], b"> x");
        assert_eq!(lines[PAGE + 5], b"> y");
        assert_eq!(out.iter().filter(|&&c| c == b'\n').count(), 2 * PAGE);
        // A form feed at the very end makes no empty page.
        let out = paginate(b"t", "d", b"> x\x0c\n");
        assert_eq!(out.iter().filter(|&&c| c == b'\n').count(), PAGE);
    }

    #[test]
    fn own_lines_pass_in_buffer_sized_pieces() {
        let mut out = Vec::new();
        let line = [b'x'; 100];
        {
            let mut w = Deferred::new(&mut out, Pager::default());
            for _ in 0..100 {
                w.write_all(&line).unwrap();
            }
            // Exactly a buffer's worth written so far: 8192 of 10,000 bytes.
            assert_eq!(w.buffer.len(), 10_000 - 2 * STDIO_BUFFER);
            w.flush().unwrap();
            // A buffer filled to the brim takes the next write too.
            w.write_all(&[b'y'; STDIO_BUFFER]).unwrap();
            w.write_all(b"z").unwrap();
            w.flush().unwrap();
        }
        assert_eq!(out.len(), 10_000 + STDIO_BUFFER + 1);
    }

    #[test]
    fn own_lines_wait_for_the_pages_before_them() {
        let pager = Pager::default();
        let mut out = Vec::new();
        {
            let mut w = Deferred::new(&mut out, pager.clone());
            w.write_all(b"Only in a: x\n").unwrap();
            pager.page(b"t", b"1c1\n");
            w.write_all(b"Binary files a/b and b/b differ\n").unwrap();
            w.flush().unwrap();
        }
        assert!(out.starts_with(b"\n\n"));
        assert!(out.ends_with(b"\nOnly in a: x\nBinary files a/b and b/b differ\n"));
    }
}
