//! The patch reader: a streaming parser from any `BufRead` of bytes to [`Item`]s.
//!
//! It reads what GNU diff, `git diff` and `treediff` write, and skips what people wrap around
//! patches (mail headers, commit messages, `diff -ruN ...` and `Index:` lines). The rules it
//! encodes, each learnt from the real tools rather than from their sources:
//!
//! - A **GNU section** is a `--- NAME[\tTIMESTAMP]` line directly followed by `+++ NAME...`,
//!   then `@@` hunks. A name of `/dev/null`, or a timestamp at the Unix Epoch (any time zone),
//!   marks the side as absent: the file is created or deleted.
//! - A **git section** starts at `diff --git A B` and goes on with extended header lines (modes,
//!   `index`, `similarity index`, `rename`/`copy from`/`to`), then optionally `---`/`+++` and
//!   hunks, or a `GIT binary patch` body, or a `Binary files ... differ` line. Its paths come from
//!   the `---`/`+++` lines when present, else from the header, so names with spaces (which git
//!   does not quote) are found by matching the two halves of the header.
//! - **Hunk ends are counted**, not guessed: `@@ -A,B +C,D @@` promises B old and D new lines, and
//!   the hunk ends exactly when both are used up. As in GNU patch, an empty line inside a hunk is
//!   an empty context line (mailers strip the lone space). `\ No newline at end of file` marks
//!   the line before it. Running out of lines early is a truncation error, never a short hunk.
//! - Lines that say a change exists without carrying it (`Only in`, `Binary files ... differ`,
//!   `File X is a ... while file Y is a ...`, `Symbolic links ... differ`, `Files ... differ`)
//!   become [`Item::Notice`] so the applier can report the loss instead of hiding it.
//! - `# treediff: mkdir PATH MODE` and `# treediff: rmdir PATH` become [`Item::Mkdir`] and
//!   [`Item::Rmdir`].
//! - A **context diff** section is `*** NAME` directly followed by `--- NAME`, then
//!   `***************` hunks, read into the same hunks as unified ones (`context`).
//! - A **normal diff** starts at a command `N[,M]{a,c,d}K[,L]` followed by a `< ` or `> ` line;
//!   an **ed script** at a lone `N[,M]{a,c,d,i}` (`normal`, `ed`). Neither names its file: they
//!   take the name of the `Index:` line before them, if any. Ed scripts become commands for
//!   our own interpreter ([`crate::ed`]); one outside the subset diff writes is refused.
//!
//! Every error names the 1-based patch line. Nothing panics on any input, numbers are
//! overflow-checked, and nothing is allocated from a number the input merely claims.
//!
//! This module holds the reader (lines, one line of look-ahead, line numbers), the loop that
//! finds the next item among the lines between sections, and the final check that no name
//! holds a NUL byte. Each kind of line has its own submodule: `gnu` (`---`/`+++` sections,
//! their names and timestamps), `git` (`diff --git` sections and their extended header lines),
//! `name` (plain, quoted and `diff --git` names), `hunk` (counted `@@` hunks), `binary` (`GIT
//! binary patch` bodies), `context` (context diffs), `normal` (normal diffs), `ed` (ed
//! scripts), `stamp` (what follows a header's name), `standalone` (notices and `# treediff:`
//! lines) and `error`.

mod binary;
mod context;
mod ed;
mod error;
mod git;
mod gnu;
mod hunk;
mod name;
mod normal;
mod stamp;
mod standalone;

use std::io::BufRead;

use crate::quote::QuoteError;
use crate::types::{FilePatch, Item};

pub use error::ParseError;
pub(crate) use name::{git_header_names, header_prefixes};
use standalone::{extension_line, is_notice};

/// Parses a whole patch into memory. Prefer [`Parser`] for large patches.
pub fn parse_all(input: &[u8]) -> Result<Vec<Item>, ParseError> {
    Parser::new(input).collect()
}

/// A streaming patch parser: an iterator of [`Item`]s in patch order. After the first error it
/// yields nothing more.
pub struct Parser<R> {
    reader: R,
    /// Number of lines read so far (the line number of the last line taken).
    line_no: usize,
    /// A line read but pushed back, with its number.
    pending: Option<(Vec<u8>, usize)>,
    /// The reused read buffer.
    buf: Vec<u8>,
    done: bool,
    /// Check hunk bodies without keeping their lines (see [`Parser::skim_hunks`]).
    skim: bool,
    /// The name of the last `Index:` line among the garbage, for a normal diff or an ed script
    /// that follows.
    index_name: Option<Vec<u8>>,
}

impl<R: BufRead> Parser<R> {
    /// A parser reading `reader` from its current position.
    pub fn new(reader: R) -> Self {
        Parser {
            reader,
            line_no: 0,
            pending: None,
            buf: Vec::with_capacity(256),
            done: false,
            skim: false,
            index_name: None,
        }
    }

    /// Checks every hunk body as usual but keeps no lines, except in deletions and renames
    /// (which a first pass plans): for a first pass over a large patch that only needs to
    /// validate it and to know its names and operations.
    pub fn skim_hunks(mut self) -> Self {
        self.skim = true;
        self
    }

    /// Reads the next line into `self.buf`, without its `\n`; its number, or `None` at end of
    /// input.
    fn next_line_buf(&mut self) -> Result<Option<usize>, ParseError> {
        if let Some((line, no)) = self.pending.take() {
            self.buf = line;
            return Ok(Some(no));
        }
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| ParseError::Io {
                line: self.line_no + 1,
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        Ok(Some(self.line_no))
    }

    /// The next line without its `\n`, with its number, or `None` at end of input.
    fn next_line(&mut self) -> Result<Option<(Vec<u8>, usize)>, ParseError> {
        // Read into a reused buffer and copy the line out once: growing a fresh Vec byte by
        // byte would reallocate several times per line.
        Ok(self.next_line_buf()?.map(|no| (self.buf.clone(), no)))
    }

    fn push_back(&mut self, line: Vec<u8>, no: usize) {
        self.pending = Some((line, no));
    }

    fn peek_line(&mut self) -> Result<Option<&[u8]>, ParseError> {
        if self.pending.is_none() {
            self.pending = self.next_line()?;
        }
        Ok(self.pending.as_ref().map(|(l, _)| l.as_slice()))
    }

    /// Reads up to the next item, skipping garbage.
    fn read_item(&mut self) -> Result<Option<Item>, ParseError> {
        while let Some((line, no)) = self.next_line()? {
            let l = trim_cr(&line);
            if let Some(rest) = l.strip_prefix(b"diff --git ") {
                self.index_name = None;
                return self.git_section(rest, no).map(Some);
            }
            if l.starts_with(b"*** ") && self.peek_line()?.is_some_and(|n| n.starts_with(b"--- ")) {
                self.index_name = None;
                return self.context_section(l, no).map(|f| Some(Item::File(f)));
            }
            if l.starts_with(b"--- ") {
                if self.peek_line()?.is_some_and(|n| n.starts_with(b"+++ ")) {
                    self.index_name = None;
                    return self.gnu_section(l, no).map(Some);
                }
                continue;
            }
            if let Some(item) = extension_line(l, no)? {
                return Ok(Some(item));
            }
            if is_notice(l) {
                return Ok(Some(Item::Notice {
                    text: line,
                    line: no,
                }));
            }
            if let Some(name) = l.strip_prefix(b"Index: ") {
                let name = name.trim_ascii();
                self.index_name = (!name.is_empty()).then(|| name.to_vec());
                continue;
            }
            if let Some(item) = self.command_section(l, no)? {
                return Ok(Some(Item::File(item)));
            }
        }
        Ok(None)
    }

    /// A normal diff or an ed script starting at `l`, if it does.
    fn command_section(&mut self, l: &[u8], no: usize) -> Result<Option<FilePatch>, ParseError> {
        match normal::command_kind(l) {
            Some(normal::Command::Normal) => {
                let body = self
                    .peek_line()?
                    .is_some_and(|n| n.starts_with(b"<") || n.starts_with(b">"));
                if body {
                    return self.normal_section(l, no).map(Some);
                }
                Ok(None)
            }
            Some(normal::Command::Ed) => self.ed_section(l, no).map(Some),
            None => Ok(None),
        }
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = Result<Item, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self
            .read_item()
            .and_then(|item| item.map(no_nul_in_names).transpose())
        {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Refuses an item whose (unquoted, raw) names hold a NUL byte: no path can, and a quoted name
/// with `\000` is refused the same way, so what the parser accepts the writer can spell.
fn no_nul_in_names(item: Item) -> Result<Item, ParseError> {
    let (line, names): (usize, Vec<&Vec<u8>>) = match &item {
        Item::File(fp) => (
            fp.line,
            fp.old_path.iter().chain(fp.new_path.iter()).collect(),
        ),
        Item::Mkdir { path, line, .. } | Item::Rmdir { path, line } => (*line, vec![path]),
        Item::Notice { .. } => return Ok(item),
    };
    if names.iter().any(|n| n.contains(&0)) {
        return Err(ParseError::BadName {
            line,
            source: QuoteError::Nul,
        });
    }
    Ok(item)
}

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FilePatch;

    /// The file patches among `items`.
    pub(super) fn files(items: &[Item]) -> Vec<&FilePatch> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::File(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// The error parsing `input` must give.
    pub(super) fn err(input: &[u8]) -> ParseError {
        parse_all(input).expect_err("must fail")
    }

    #[test]
    fn skips_mail_headers_and_commit_messages() {
        let p = b"From 123 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix\n\nbody text\n---\n \
f | 2 +-\n\ndiff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n\
-- \n2.39.0\n\nmore text\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-x\n+y\ntrailing\n";
        let items = parse_all(p).unwrap();
        let f = files(&items);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].hunks[0].lines.len(), 2);
        assert_eq!(f[1].new_path.as_deref(), Some(&b"b/g"[..]));
        assert_eq!(f[1].line, 19);
    }

    #[test]
    fn crlf_patch_lines_keep_cr_as_content() {
        let p = b"--- a/f\r\n+++ b/f\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        assert_eq!(f.new_path.as_deref(), Some(&b"b/f"[..]));
        assert_eq!(f.hunks[0].lines[1].text, b"b\r");
    }

    #[test]
    fn no_panic_on_prefixes_of_a_real_patch() {
        let full = include_bytes!("../../testdata/git-binary-M.patch");
        for n in 0..full.len() {
            let _ = parse_all(&full[..n]);
        }
        let gnu = include_bytes!("../../testdata/gnu-ruN.patch");
        for n in 0..gnu.len() {
            let _ = parse_all(&gnu[..n]);
        }
    }
}
