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
//! - **Context diffs, normal diffs and ed scripts are refused** with a clear error (an ed script
//!   is a program; nothing here ever runs one).
//!
//! Every error names the 1-based patch line. Nothing panics on any input, numbers are
//! overflow-checked, and nothing is allocated from a number the input merely claims.

use std::io::{self, BufRead};

use crate::binary::{self, BinaryError};
use crate::quote::{QuoteError, unquote_prefix};
use crate::types::{BinaryPatch, FilePatch, Hunk, Item, Line, LineKind, Operation};

/// Why a patch could not be read. Every variant carries the 1-based patch line it is about.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Reading the patch failed.
    #[error("patch line {line}: read error")]
    Io {
        /// The line being read.
        line: usize,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A `@@` line that is not `@@ -A[,B] +C[,D] @@`.
    #[error("patch line {line}: malformed hunk header")]
    BadHunkHeader {
        /// The `@@` line.
        line: usize,
    },
    /// A number in a hunk header, mode or size is too large.
    #[error("patch line {line}: number out of range")]
    NumberRange {
        /// The offending line.
        line: usize,
    },
    /// The patch ended inside a hunk.
    #[error("patch line {line}: patch ends inside the hunk that starts at line {hunk_line}")]
    Truncated {
        /// The last line of the patch (or the line where the binary body stopped).
        line: usize,
        /// The hunk's `@@` line.
        hunk_line: usize,
    },
    /// A line inside a hunk that is not ` `, `-`, `+`, `\` or empty, or that does not fit the
    /// counts of the hunk header.
    #[error("patch line {line}: malformed line in the hunk that starts at line {hunk_line}")]
    BadHunkLine {
        /// The offending line.
        line: usize,
        /// The hunk's `@@` line.
        hunk_line: usize,
    },
    /// A quoted name that cannot be read.
    #[error("patch line {line}: bad quoted file name")]
    BadName {
        /// The offending line.
        line: usize,
        /// What is wrong with it.
        #[source]
        source: QuoteError,
    },
    /// A file name that cannot be found in a header line.
    #[error("patch line {line}: cannot read the file names")]
    NoName {
        /// The offending line.
        line: usize,
    },
    /// A mode that is not an octal number.
    #[error("patch line {line}: bad file mode")]
    BadMode {
        /// The offending line.
        line: usize,
    },
    /// A `GIT binary patch` body that cannot be decoded.
    #[error("patch line {line}: bad binary patch")]
    Binary {
        /// The offending line.
        line: usize,
        /// What is wrong with it.
        #[source]
        source: BinaryError,
    },
    /// In a git section, `---` not followed by `+++`.
    #[error("patch line {line}: '---' line without a '+++' line after it")]
    MissingNewName {
        /// The `---` line.
        line: usize,
    },
    /// A context diff (`*** name` / `--- name` / `***************`): not supported.
    #[error("patch line {line}: context diffs are not supported; use a unified diff (diff -u)")]
    ContextDiff {
        /// The first line of the context diff.
        line: usize,
    },
    /// A normal diff (`2c2`, `< old`, `> new`): not supported.
    #[error("patch line {line}: normal diffs are not supported; use a unified diff (diff -u)")]
    NormalDiff {
        /// The first line of the normal diff.
        line: usize,
    },
    /// An ed script (`2c`, lines, `.`): refused; ed scripts are never run.
    #[error("patch line {line}: ed scripts are refused (never run); use a unified diff (diff -u)")]
    EdScript {
        /// The first command of the ed script.
        line: usize,
    },
}

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
        }
    }

    /// Checks every hunk body as usual but keeps no lines, except in deletions (whose hunks
    /// say what the deleted file must hold): for a first pass over a large patch that only
    /// needs to validate it and to know its names and operations.
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
                return self.git_section(rest, no).map(Some);
            }
            if l.starts_with(b"--- ") {
                if self.peek_line()?.is_some_and(|n| n.starts_with(b"+++ ")) {
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
            self.refuse_other_formats(l, no)?;
        }
        Ok(None)
    }

    /// Fails on the first line of a context diff, a normal diff or an ed script.
    fn refuse_other_formats(&mut self, l: &[u8], no: usize) -> Result<(), ParseError> {
        if l.starts_with(b"*** ") && self.peek_line()?.is_some_and(|n| n.starts_with(b"--- ")) {
            return Err(ParseError::ContextDiff { line: no });
        }
        if l.starts_with(b"***************") {
            return Err(ParseError::ContextDiff { line: no });
        }
        if let Some(cmd) = normal_or_ed_command(l) {
            let next = self.peek_line()?.unwrap_or_default();
            let body = next.starts_with(b"< ") || next.starts_with(b"> ");
            match cmd {
                Command::Normal if body => return Err(ParseError::NormalDiff { line: no }),
                Command::Ed => return Err(ParseError::EdScript { line: no }),
                Command::Normal => {}
            }
        }
        Ok(())
    }

    /// Reads a GNU `---`/`+++` section whose `---` line is `first`.
    fn gnu_section(&mut self, first: &[u8], no: usize) -> Result<Item, ParseError> {
        let (old, old_absent) = header_name(&first[4..], no)?;
        let (second, no2) = self
            .next_line()?
            .ok_or(ParseError::MissingNewName { line: no })?;
        let (new, new_absent) = header_name(&trim_cr(&second)[4..], no2)?;
        let mut fp = FilePatch {
            line: no,
            ..FilePatch::default()
        };
        match (old_absent, new_absent) {
            (true, false) => fp.op = Operation::Create,
            (false, true) => fp.op = Operation::Delete,
            _ => {}
        }
        fp.old_path = old;
        fp.new_path = new;
        self.hunks(&mut fp)?;
        Ok(Item::File(fp))
    }

    /// Reads the `@@` hunks that follow, stopping before the first line that starts none.
    fn hunks(&mut self, fp: &mut FilePatch) -> Result<(), ParseError> {
        loop {
            let Some((line, no)) = self.next_line()? else {
                return Ok(());
            };
            if !line.starts_with(b"@@ ") {
                self.push_back(line, no);
                return Ok(());
            }
            let keep = !self.skim || fp.op == Operation::Delete;
            let hunk = self.hunk(trim_cr(&line), no, keep)?;
            fp.hunks.push(hunk);
        }
    }

    /// Reads one hunk whose `@@` line is `header`; its lines are kept when `keep`.
    fn hunk(&mut self, header: &[u8], hunk_line: usize, keep: bool) -> Result<Hunk, ParseError> {
        let mut hunk = parse_hunk_header(header, hunk_line)?;
        let (mut old_left, mut new_left) = (hunk.old_len, hunk.new_len);
        // The last counted line so far: `Some(true)` once it is marked as missing its newline.
        let mut last: Option<bool> = None;
        while old_left > 0 || new_left > 0 {
            let Some(no) = self.next_line_buf()? else {
                return Err(ParseError::Truncated {
                    line: self.line_no,
                    hunk_line,
                });
            };
            let bad = ParseError::BadHunkLine {
                line: no,
                hunk_line,
            };
            let kind = match self.buf.first() {
                None | Some(b' ') => LineKind::Context,
                Some(b'-') => LineKind::Remove,
                Some(b'+') => LineKind::Add,
                Some(b'\\') => {
                    mark_no_newline(&mut hunk, &mut last, no, hunk_line)?;
                    continue;
                }
                Some(_) => {
                    return Err(if self.at_section_start(&self.buf) {
                        ParseError::Truncated {
                            line: no,
                            hunk_line,
                        }
                    } else {
                        bad
                    });
                }
            };
            match kind {
                LineKind::Context if old_left > 0 && new_left > 0 => {
                    old_left -= 1;
                    new_left -= 1;
                }
                LineKind::Remove if old_left > 0 => old_left -= 1,
                LineKind::Add if new_left > 0 => new_left -= 1,
                _ => return Err(bad),
            }
            last = Some(false);
            if keep {
                hunk.lines.push(Line {
                    kind,
                    text: self.buf.get(1..).unwrap_or_default().to_vec(),
                    no_newline: false,
                });
            }
        }
        // A `\ No newline at end of file` may still follow the last counted line.
        if self
            .peek_line()?
            .is_some_and(|next| next.starts_with(b"\\"))
            && let Some((_, no)) = self.pending.take()
        {
            mark_no_newline(&mut hunk, &mut last, no, hunk_line)?;
        }
        Ok(hunk)
    }

    /// True when `line` looks like the start of the next section (a truncated hunk before it).
    fn at_section_start(&self, line: &[u8]) -> bool {
        line.starts_with(b"diff ") || line.starts_with(b"@@ ") || line.starts_with(b"Index: ")
    }

    /// Reads a git section whose `diff --git ` line has `names` after the prefix.
    fn git_section(&mut self, names: &[u8], no: usize) -> Result<Item, ParseError> {
        let mut fp = FilePatch {
            git: true,
            line: no,
            ..FilePatch::default()
        };
        let header = git_header_names(names, no)?;
        let (mut rename_from, mut rename_to) = (None, None);
        let mut created = false;
        let mut deleted = false;
        // Extended header lines.
        while let Some((line, lno)) = self.next_line()? {
            let l = trim_cr(&line);
            if let Some(m) = l.strip_prefix(b"old mode ") {
                fp.old_mode = Some(parse_mode(m, lno)?);
            } else if let Some(m) = l.strip_prefix(b"new mode ") {
                fp.new_mode = Some(parse_mode(m, lno)?);
            } else if let Some(m) = l.strip_prefix(b"deleted file mode ") {
                fp.old_mode = Some(parse_mode(m, lno)?);
                deleted = true;
            } else if let Some(m) = l.strip_prefix(b"new file mode ") {
                fp.new_mode = Some(parse_mode(m, lno)?);
                created = true;
            } else if let Some(rest) = l.strip_prefix(b"index ") {
                fp.index = Some(parse_index(rest, lno, &mut fp)?);
            } else if let Some(p) = l.strip_prefix(b"similarity index ") {
                fp.similarity = Some(parse_percent(p, lno)?);
            } else if let Some(p) = l.strip_prefix(b"dissimilarity index ") {
                parse_percent(p, lno)?;
            } else if let Some(n) = strip_any(l, &[b"rename from ", b"rename old "]) {
                fp.op = Operation::Rename;
                rename_from = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = strip_any(l, &[b"rename to ", b"rename new "]) {
                fp.op = Operation::Rename;
                rename_to = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = l.strip_prefix(b"copy from ") {
                fp.op = Operation::Copy;
                rename_from = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = l.strip_prefix(b"copy to ") {
                fp.op = Operation::Copy;
                rename_to = Some(plain_or_quoted(n, lno)?);
            } else {
                self.push_back(line, lno);
                break;
            }
        }
        if created {
            fp.op = Operation::Create;
        } else if deleted {
            fp.op = Operation::Delete;
        }
        // Paths: header first, then `rename`/`copy` names (given without prefix), then the
        // `---`/`+++` lines, which are the most precise.
        if let Some((a, b)) = &header {
            fp.old_path = Some(a.clone());
            fp.new_path = Some(b.clone());
        }
        if rename_from.is_some() || rename_to.is_some() {
            let (pa, pb) = header_prefixes(
                header.as_ref(),
                rename_from.as_deref(),
                rename_to.as_deref(),
            );
            if let Some(from) = rename_from {
                fp.old_path = Some([pa.as_slice(), &from].concat());
            }
            if let Some(to) = rename_to {
                fp.new_path = Some([pb.as_slice(), &to].concat());
            }
        }
        if fp.op == Operation::Create {
            fp.old_path = None;
        }
        if fp.op == Operation::Delete {
            fp.new_path = None;
        }
        // Content: `---`/`+++` and hunks, a binary body, or a `Binary files` line.
        let Some((line, lno)) = self.next_line()? else {
            return self.finish_git(fp, header.is_some(), no);
        };
        let l = trim_cr(&line);
        if l.starts_with(b"--- ") {
            let (old, _) = header_name(&l[4..], lno)?;
            let Some((second, lno2)) = self.next_line()? else {
                return Err(ParseError::MissingNewName { line: lno });
            };
            let s = trim_cr(&second);
            if !s.starts_with(b"+++ ") {
                return Err(ParseError::MissingNewName { line: lno });
            }
            let (new, _) = header_name(&s[4..], lno2)?;
            if old.is_some() || fp.op != Operation::Create {
                fp.old_path = old.or(fp.old_path);
            }
            if new.is_some() || fp.op != Operation::Delete {
                fp.new_path = new.or(fp.new_path);
            }
            self.hunks(&mut fp)?;
        } else if l == b"GIT binary patch" {
            fp.binary = Some(self.binary_body()?);
        } else if l.starts_with(b"Binary files ") {
            // git without --binary: the change is announced, not carried.
            return Ok(Item::Notice {
                text: line,
                line: lno,
            });
        } else {
            self.push_back(line, lno);
        }
        self.finish_git(fp, header.is_some(), no)
    }

    fn finish_git(&self, fp: FilePatch, had_header: bool, no: usize) -> Result<Item, ParseError> {
        if !had_header && fp.old_path.is_none() && fp.new_path.is_none() {
            return Err(ParseError::NoName { line: no });
        }
        Ok(Item::File(fp))
    }

    /// Reads the blocks after `GIT binary patch`: a forward block and an optional reverse one.
    fn binary_body(&mut self) -> Result<BinaryPatch, ParseError> {
        let forward = self.binary_block()?.ok_or(ParseError::Binary {
            line: self.line_no,
            source: BinaryError::BadHeader,
        })?;
        let reverse = self.binary_block()?;
        Ok(BinaryPatch { forward, reverse })
    }

    /// Reads one `literal N`/`delta N` block up to its closing empty line, or `None` when the
    /// next line does not start a block.
    fn binary_block(&mut self) -> Result<Option<crate::types::BinaryBlock>, ParseError> {
        let Some((line, no)) = self.next_line()? else {
            return Ok(None);
        };
        let l = trim_cr(&line);
        let (kind, size) = match binary::parse_block_header(l) {
            Ok(k) => k,
            Err(e) => {
                if l.starts_with(b"literal ") || l.starts_with(b"delta ") {
                    return Err(ParseError::Binary {
                        line: no,
                        source: e,
                    });
                }
                self.push_back(line, no);
                return Ok(None);
            }
        };
        let mut data: Vec<Vec<u8>> = Vec::new();
        // git ends a block with an empty line; the end of the patch ends it too.
        while let Some((body, bno)) = self.next_line()? {
            let b = trim_cr(&body);
            if b.is_empty() {
                break;
            }
            // Check each line as it comes, so an error names the bad line.
            binary::decode_base85_line(b)
                .map_err(|source| ParseError::Binary { line: bno, source })?;
            data.push(b.to_vec());
        }
        let block = binary::decode_block(kind, size, data.iter().map(Vec::as_slice))
            .map_err(|source| ParseError::Binary { line: no, source })?;
        Ok(Some(block))
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

fn strip_any<'a>(l: &'a [u8], prefixes: &[&[u8]]) -> Option<&'a [u8]> {
    prefixes.iter().find_map(|p| l.strip_prefix(*p))
}

fn mark_no_newline(
    hunk: &mut Hunk,
    last: &mut Option<bool>,
    no: usize,
    hunk_line: usize,
) -> Result<(), ParseError> {
    match last {
        Some(marked @ false) => {
            *marked = true;
            if let Some(l) = hunk.lines.last_mut() {
                l.no_newline = true;
            }
            Ok(())
        }
        _ => Err(ParseError::BadHunkLine {
            line: no,
            hunk_line,
        }),
    }
}

/// True for the lines GNU diff writes for a change it does not carry.
fn is_notice(l: &[u8]) -> bool {
    let ends = |s: &[u8]| l.ends_with(s);
    l.starts_with(b"Only in ") && l.windows(2).any(|w| w == b": ")
        || l.starts_with(b"Binary files ") && ends(b" differ")
        || l.starts_with(b"Symbolic links ") && ends(b" differ")
        || l.starts_with(b"Files ") && ends(b" differ")
        || l.starts_with(b"File ") && l.windows(12).any(|w| w == b" while file ")
}

/// Parses `# treediff: mkdir PATH MODE` and `# treediff: rmdir PATH`.
fn extension_line(l: &[u8], no: usize) -> Result<Option<Item>, ParseError> {
    let Some(rest) = l.strip_prefix(b"# treediff: ") else {
        return Ok(None);
    };
    if let Some(arg) = rest.strip_prefix(b"mkdir ") {
        let Some(sp) = arg.iter().rposition(|&b| b == b' ') else {
            return Err(ParseError::NoName { line: no });
        };
        let path = plain_or_quoted(&arg[..sp], no)?;
        let mode = parse_mode(&arg[sp + 1..], no)?;
        return Ok(Some(Item::Mkdir {
            path,
            mode,
            line: no,
        }));
    }
    if let Some(arg) = rest.strip_prefix(b"rmdir ") {
        let path = plain_or_quoted(arg, no)?;
        return Ok(Some(Item::Rmdir { path, line: no }));
    }
    Ok(None)
}

/// A name that is either C-quoted (the whole of `s`) or plain; never empty (`""` is no name).
fn plain_or_quoted(s: &[u8], no: usize) -> Result<Vec<u8>, ParseError> {
    if s.first() == Some(&b'"') {
        let (name, used) =
            unquote_prefix(s).map_err(|source| ParseError::BadName { line: no, source })?;
        if used != s.len() {
            return Err(ParseError::BadName {
                line: no,
                source: QuoteError::Trailing,
            });
        }
        if name.is_empty() {
            return Err(ParseError::NoName { line: no });
        }
        Ok(name)
    } else if s.is_empty() {
        Err(ParseError::NoName { line: no })
    } else {
        Ok(s.to_vec())
    }
}

/// Reads the name of a `---`/`+++` line (after the 4-byte marker): `None` for `/dev/null`, and
/// whether the side is absent (`/dev/null` or an Epoch timestamp).
fn header_name(s: &[u8], no: usize) -> Result<(Option<Vec<u8>>, bool), ParseError> {
    let s = trim_cr(s);
    let (name, rest) = if s.first() == Some(&b'"') {
        let (name, used) =
            unquote_prefix(s).map_err(|source| ParseError::BadName { line: no, source })?;
        (name, &s[used..])
    } else {
        match s.iter().position(|&b| b == b'\t') {
            Some(t) => (s[..t].to_vec(), &s[t..]),
            None => (s.to_vec(), &s[s.len()..]),
        }
    };
    if name.is_empty() {
        return Err(ParseError::NoName { line: no });
    }
    let stamp = rest.strip_prefix(b"\t").unwrap_or(rest);
    if name == b"/dev/null" {
        return Ok((None, true));
    }
    Ok((Some(name), is_epoch(stamp)))
}

/// True when a GNU diff timestamp (`1970-01-01 00:00:00.000000000 +0000`, or the same instant
/// in another zone) is the Unix Epoch, which GNU diff -N writes for an absent file.
fn is_epoch(stamp: &[u8]) -> bool {
    let parts: Vec<&[u8]> = stamp
        .split(|&b| b == b' ')
        .filter(|p| !p.is_empty())
        .collect();
    let [date, time, zone] = parts.as_slice() else {
        return false;
    };
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || s.len() > 4 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0i64, |a, &d| a * 10 + i64::from(d - b'0')))
    };
    let parse = || -> Option<bool> {
        let d: Vec<i64> = date.split(|&b| b == b'-').map(num).collect::<Option<_>>()?;
        let time = time.split(|&b| b == b'.').next()?;
        let t: Vec<i64> = time.split(|&b| b == b':').map(num).collect::<Option<_>>()?;
        let (sign, z) = match zone.split_first()? {
            (b'+', z) => (1, z),
            (b'-', z) => (-1, z),
            _ => return None,
        };
        let [y, mo, da] = d.as_slice() else {
            return None;
        };
        let [h, mi, se] = t.as_slice() else {
            return None;
        };
        if z.len() != 4 {
            return None;
        }
        let zone_min = sign * (num(&z[..2])? * 60 + num(&z[2..])?);
        let days = days_from_civil(*y, *mo, *da);
        let secs = days * 86400 + h * 3600 + mi * 60 + se - zone_min * 60;
        Some(secs == 0)
    };
    parse().unwrap_or(false)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An old and a new path.
pub(crate) type NamePair = (Vec<u8>, Vec<u8>);

/// Splits the names of a `diff --git` line. Quoted names are read exactly; unquoted ones (which
/// may hold spaces) are split where both halves name the same path after their first
/// component, as git does. `None` when the split is ambiguous or impossible (a rename whose
/// names have spaces): the `rename`/`---` lines then give the names.
pub(crate) fn git_header_names(s: &[u8], no: usize) -> Result<Option<NamePair>, ParseError> {
    let bad = |source| ParseError::BadName { line: no, source };
    if s.first() == Some(&b'"') {
        let (a, used) = unquote_prefix(s).map_err(bad)?;
        if a.is_empty() {
            return Err(ParseError::NoName { line: no });
        }
        let rest = s[used..]
            .strip_prefix(b" ")
            .ok_or(ParseError::NoName { line: no })?;
        let b = plain_or_quoted(rest, no)?;
        return Ok(Some((a, b)));
    }
    if s.ends_with(b"\"")
        && let Some(q) = s.windows(2).position(|w| w == b" \"")
    {
        if q == 0 {
            return Err(ParseError::NoName { line: no });
        }
        let b = plain_or_quoted(&s[q + 1..], no)?;
        return Ok(Some((s[..q].to_vec(), b)));
    }
    let after_first =
        |p: &[u8]| -> Option<usize> { p.iter().position(|&b| b == b'/').map(|i| i + 1) };
    let mut found = None;
    for (i, _) in s.iter().enumerate().filter(|&(_, &b)| b == b' ') {
        let (a, b) = (&s[..i], &s[i + 1..]);
        let same = match (after_first(a), after_first(b)) {
            (Some(x), Some(y)) => a[x..] == b[y..],
            _ => a == b,
        };
        if same && !a.is_empty() {
            if found.is_some() {
                return Ok(None);
            }
            found = Some((a.to_vec(), b.to_vec()));
        }
    }
    if found.is_none() {
        // Different names without spaces in them (a rename): one space, one split.
        let spaces = s.iter().filter(|&&b| b == b' ').count();
        if spaces == 1
            && let Some(i) = s.iter().position(|&b| b == b' ')
            && i > 0
            && i + 1 < s.len()
        {
            found = Some((s[..i].to_vec(), s[i + 1..].to_vec()));
        }
    }
    Ok(found)
}

/// The `a/`, `b/` prefixes of a rename or copy, found by taking the un-prefixed `rename
/// from`/`to` names off the end of the header's names; git's defaults when that fails.
pub(crate) fn header_prefixes(
    header: Option<&NamePair>,
    from: Option<&[u8]>,
    to: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>) {
    let cut = |full: &[u8], tail: Option<&[u8]>| -> Option<Vec<u8>> {
        let tail = tail?;
        let p = full.strip_suffix(tail)?;
        (p.is_empty() || p.ends_with(b"/")).then(|| p.to_vec())
    };
    let (a, b) = match header {
        Some((a, b)) => (cut(a, from), cut(b, to)),
        None => (None, None),
    };
    // One side known gives the other's length when git's defaults were changed to no prefix.
    match (a, b) {
        (Some(pa), Some(pb)) => (pa, pb),
        (Some(pa), None) if pa.is_empty() => (pa, Vec::new()),
        (None, Some(pb)) if pb.is_empty() => (Vec::new(), pb),
        (pa, pb) => (
            pa.unwrap_or_else(|| b"a/".to_vec()),
            pb.unwrap_or_else(|| b"b/".to_vec()),
        ),
    }
}

fn parse_mode(s: &[u8], no: usize) -> Result<u32, ParseError> {
    let s = trim_cr(s);
    if s.is_empty() || s.len() > 7 || !s.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return Err(ParseError::BadMode { line: no });
    }
    Ok(s.iter().fold(0u32, |a, &d| a * 8 + u32::from(d - b'0')))
}

fn parse_percent(s: &[u8], no: usize) -> Result<u8, ParseError> {
    let s = s.strip_suffix(b"%").unwrap_or(s);
    let n = parse_u64(s, no)?;
    u8::try_from(n)
        .ok()
        .filter(|&p| p <= 100)
        .ok_or(ParseError::NumberRange { line: no })
}

/// Reads `OLD..NEW[ MODE]`; the mode (unchanged) fills both modes when they are unset.
fn parse_index(s: &[u8], no: usize, fp: &mut FilePatch) -> Result<(Vec<u8>, Vec<u8>), ParseError> {
    let (ids, mode) = match s.iter().position(|&b| b == b' ') {
        Some(sp) => (&s[..sp], Some(parse_mode(&s[sp + 1..], no)?)),
        None => (s, None),
    };
    let dots = ids
        .windows(2)
        .position(|w| w == b"..")
        .ok_or(ParseError::NoName { line: no })?;
    let (a, b) = (&ids[..dots], &ids[dots + 2..]);
    let hex = |x: &[u8]| !x.is_empty() && x.len() <= 64 && x.iter().all(u8::is_ascii_hexdigit);
    if !hex(a) || !hex(b) {
        return Err(ParseError::NoName { line: no });
    }
    if let Some(m) = mode {
        fp.old_mode.get_or_insert(m);
        fp.new_mode.get_or_insert(m);
    }
    Ok((a.to_ascii_lowercase(), b.to_ascii_lowercase()))
}

/// Parses a decimal number, rejecting overflow.
fn parse_u64(s: &[u8], no: usize) -> Result<u64, ParseError> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::BadHunkHeader { line: no });
    }
    s.iter()
        .try_fold(0u64, |a, &d| {
            a.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or(ParseError::NumberRange { line: no })
}

/// Parses `@@ -A[,B] +C[,D] @@[ section]`.
fn parse_hunk_header(l: &[u8], no: usize) -> Result<Hunk, ParseError> {
    let bad = ParseError::BadHunkHeader { line: no };
    let rest = l
        .strip_prefix(b"@@ -")
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let sp = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let (old, rest) = (&rest[..sp], &rest[sp + 1..]);
    let rest = rest
        .strip_prefix(b"+")
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let sp = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadHunkHeader { line: no })?;
    let (new, rest) = (&rest[..sp], &rest[sp + 1..]);
    let section = rest.strip_prefix(b"@@").ok_or(bad)?;
    let section = section.strip_prefix(b" ").unwrap_or(section);
    // Carriage returns at the end are line-ending debris (`\r\r\n`), not function context:
    // kept, they could not be written back (a reader takes one `\r` off every header line).
    let end = section.len() - section.iter().rev().take_while(|&&b| b == b'\r').count();
    let section = section[..end].to_vec();
    let range = |r: &[u8]| -> Result<(u64, u64), ParseError> {
        let (start, len) = match r.iter().position(|&b| b == b',') {
            Some(c) => (parse_u64(&r[..c], no)?, parse_u64(&r[c + 1..], no)?),
            None => (parse_u64(r, no)?, 1),
        };
        // Keep every later `start + len` (and line index arithmetic) far from overflow.
        const LIMIT: u64 = 1 << 48;
        if start >= LIMIT || len >= LIMIT {
            return Err(ParseError::NumberRange { line: no });
        }
        Ok((start, len))
    };
    let (old_start, old_len) = range(old)?;
    let (new_start, new_len) = range(new)?;
    Ok(Hunk {
        old_start,
        old_len,
        new_start,
        new_len,
        section,
        lines: Vec::new(),
        line: no,
    })
}

enum Command {
    Normal,
    Ed,
}

/// Classifies `12`, `3,5` followed by `a`/`c`/`d`: with a second range it is a normal diff
/// command, alone an ed command.
fn normal_or_ed_command(l: &[u8]) -> Option<Command> {
    let range_end = |s: &[u8]| -> usize {
        let d1 = s.iter().take_while(|b| b.is_ascii_digit()).count();
        if d1 == 0 {
            return 0;
        }
        if s.get(d1) == Some(&b',') {
            let d2 = s[d1 + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if d2 > 0 {
                return d1 + 1 + d2;
            }
        }
        d1
    };
    let n = range_end(l);
    if n == 0 {
        return None;
    }
    let cmd = *l.get(n)?;
    if !matches!(cmd, b'a' | b'c' | b'd') {
        return None;
    }
    let rest = &l[n + 1..];
    if rest.is_empty() {
        return Some(Command::Ed);
    }
    (range_end(rest) == rest.len()).then_some(Command::Normal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{BinaryBlock, mode};

    fn files(items: &[Item]) -> Vec<&FilePatch> {
        items
            .iter()
            .filter_map(|i| match i {
                Item::File(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    fn err(input: &[u8]) -> ParseError {
        parse_all(input).expect_err("must fail")
    }

    /// `git diff --no-index --binary -M a b` (git 2.47) over a tree pair with every kind of
    /// change.
    #[test]
    fn reads_git_binary_rename_patch() {
        let items = parse_all(include_bytes!("../testdata/git-binary-M.patch")).unwrap();
        let f = files(&items);
        assert_eq!(f.len(), 9);
        assert!(f.iter().all(|f| f.git));
        // binary delta/literal, with full index
        let bin = f[0];
        assert_eq!(bin.old_path.as_deref(), Some(&b"a/a/bin"[..]));
        let bp = bin.binary.as_ref().unwrap();
        let new = crate::binary::apply_block(&bp.forward, b"x\0y").unwrap();
        assert_eq!(new, b"x\0yz");
        let back = crate::binary::apply_block(bp.reverse.as_ref().unwrap(), &new).unwrap();
        assert_eq!(back, b"x\0y");
        assert_eq!(bin.index.as_ref().unwrap().0.len(), 40);
        // deletion
        assert_eq!(f[1].op, Operation::Delete);
        assert_eq!(f[1].new_path, None);
        assert_eq!(f[1].old_mode, Some(mode::FILE));
        assert_eq!(f[1].hunks.len(), 1);
        // empty new file, no hunks
        assert_eq!(f[2].op, Operation::Create);
        assert_eq!(f[2].new_path.as_deref(), Some(&b"b/b/empty"[..]));
        assert!(f[2].hunks.is_empty());
        // mode change only
        assert_eq!(
            (f[3].old_mode, f[3].new_mode),
            (Some(mode::FILE), Some(mode::EXEC))
        );
        assert_eq!(f[3].op, Operation::Modify);
        // symlink
        assert_eq!(f[4].new_mode, Some(mode::SYMLINK));
        let l = &f[4].hunks[0].lines[0];
        assert_eq!(
            (l.kind, &l.text[..], l.no_newline),
            (LineKind::Add, &b"target"[..], true)
        );
        // modification with a missing newline on the new side
        let h = &f[5].hunks[0];
        assert_eq!(
            (h.old_start, h.old_len, h.new_start, h.new_len),
            (1, 3, 1, 3)
        );
        assert_eq!(h.lines.len(), 5);
        assert!(h.lines[4].no_newline && !h.lines[2].no_newline);
        // rename without hunks
        assert_eq!(f[6].op, Operation::Rename);
        assert_eq!(f[6].old_path.as_deref(), Some(&b"a/a/old"[..]));
        assert_eq!(f[6].new_path.as_deref(), Some(&b"b/b/new"[..]));
        assert_eq!(f[6].similarity, Some(100));
        // name with a space (trailing TAB on ---/+++) and a quoted name
        assert_eq!(f[7].old_path.as_deref(), Some(&b"a/a/sp ace"[..]));
        let last = match items.last() {
            Some(Item::File(f)) => f,
            other => panic!("{other:?}"),
        };
        assert_eq!(last.new_path.as_deref(), Some(&b"b/b/ta\tb"[..]));
        assert_eq!(last.op, Operation::Create);
    }

    /// `diff -ruN a b` (GNU diffutils 3.8) over the same pair.
    #[test]
    fn reads_gnu_diff_run_output() {
        let items = parse_all(include_bytes!("../testdata/gnu-ruN.patch")).unwrap();
        assert!(
            matches!(&items[0], Item::Notice { text, line: 1 } if text.starts_with(b"Binary files a/bin"))
        );
        let f = files(&items);
        assert_eq!(f.len(), 6);
        assert!(f.iter().all(|f| !f.git));
        assert_eq!(f[0].op, Operation::Delete);
        assert_eq!(f[0].old_path.as_deref(), Some(&b"a/del.txt"[..]));
        assert_eq!(f[1].op, Operation::Modify);
        assert_eq!(f[2].op, Operation::Create);
        assert_eq!(f[3].op, Operation::Delete);
        assert_eq!(f[4].new_path.as_deref(), Some(&b"b/sp ace"[..]));
        assert_eq!(f[5].new_path.as_deref(), Some(&b"b/ta\tb"[..]));
        assert_eq!(f[5].op, Operation::Create);
        assert_eq!(f[5].line, 36);
        assert_eq!(f[5].hunks[0].line, 38);
    }

    #[test]
    fn epoch_in_any_zone_means_absent() {
        assert!(is_epoch(b"1970-01-01 00:00:00.000000000 +0000"));
        assert!(is_epoch(b"1969-12-31 16:00:00.000000000 -0800"));
        assert!(is_epoch(b"1970-01-01 01:00:00 +0100"));
        assert!(!is_epoch(b"1970-01-01 00:00:01.000000000 +0000"));
        assert!(!is_epoch(b"2026-11-24 12:22:31.750391088 +0000"));
        assert!(!is_epoch(b""));
        assert!(!is_epoch(b"garbage"));
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
    fn empty_line_in_hunk_is_empty_context() {
        let p = b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n";
        let items = parse_all(p).unwrap();
        let h = &files(&items)[0].hunks[0];
        assert_eq!(h.lines[1].kind, LineKind::Context);
        assert!(h.lines[1].text.is_empty());
    }

    #[test]
    fn no_newline_in_the_middle_of_a_hunk() {
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n";
        let items = parse_all(p).unwrap();
        let h = &files(&items)[0].hunks[0];
        assert!(h.lines[0].no_newline);
        assert_eq!(h.lines.len(), 3);
        assert!(!h.lines[2].no_newline);
    }

    #[test]
    fn extension_lines_and_notices() {
        let p = b"# treediff: mkdir b/d 755\n# treediff: mkdir \"b/sp ace\\t\" 0700\n\
# treediff: rmdir a/old dir\nOnly in a: x\nFile a/p is a fifo while file b/p is a regular file\n\
Symbolic links a/l and b/l differ\n";
        let items = parse_all(p).unwrap();
        assert_eq!(
            items[0],
            Item::Mkdir {
                path: b"b/d".to_vec(),
                mode: 0o755,
                line: 1
            }
        );
        assert_eq!(
            items[1],
            Item::Mkdir {
                path: b"b/sp ace\t".to_vec(),
                mode: 0o700,
                line: 2
            }
        );
        assert_eq!(
            items[2],
            Item::Rmdir {
                path: b"a/old dir".to_vec(),
                line: 3
            }
        );
        assert!(items[3..].iter().all(|i| matches!(i, Item::Notice { .. })));
        assert_eq!(items.len(), 6);
    }

    #[test]
    fn git_binary_files_differ_is_a_notice() {
        let p = b"diff --git a/x b/x\nindex 1..2 100644\nBinary files a/x and b/x differ\n";
        let items = parse_all(p).unwrap();
        assert!(matches!(&items[..], [Item::Notice { line: 3, .. }]));
    }

    #[test]
    fn git_header_names() {
        assert_eq!(
            super::git_header_names(b"a/x y b/x y", 1).unwrap(),
            Some((b"a/x y".to_vec(), b"b/x y".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/old b/new", 1).unwrap(),
            Some((b"a/old".to_vec(), b"b/new".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"\"a/\\303\" b/c", 1).unwrap(),
            Some((b"a/\xc3".to_vec(), b"b/c".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/x \"b/\\tq\"", 1).unwrap(),
            Some((b"a/x".to_vec(), b"b/\tq".to_vec()))
        );
        assert_eq!(
            super::git_header_names(b"a/o l d b/n e w", 1).unwrap(),
            None
        );
    }

    #[test]
    fn rename_with_spaces_and_hunks_takes_names_from_rename_lines() {
        let p = b"diff --git a/o l d b/n e w\nsimilarity index 90%\nrename from o l d\n\
rename to n e w\n--- a/o l d\n+++ b/n e w\n@@ -1 +1 @@\n-a\n+b\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        assert_eq!(f.op, Operation::Rename);
        assert_eq!(f.old_path.as_deref(), Some(&b"a/o l d"[..]));
        assert_eq!(f.new_path.as_deref(), Some(&b"b/n e w"[..]));
        // and without hunks
        let items = parse_all(&p[..p.len() - 42]).unwrap();
        let f = files(&items)[0];
        assert!(f.hunks.is_empty());
        assert_eq!(f.old_path.as_deref(), Some(&b"a/o l d"[..]));
        assert_eq!(f.new_path.as_deref(), Some(&b"b/n e w"[..]));
    }

    #[test]
    fn copy_with_no_prefix() {
        let p = b"diff --git src dst\nsimilarity index 100%\ncopy from src\ncopy to dst\n";
        let f = parse_all(p).unwrap();
        let f = files(&f)[0];
        assert_eq!(f.op, Operation::Copy);
        assert_eq!(f.old_path.as_deref(), Some(&b"src"[..]));
        assert_eq!(f.new_path.as_deref(), Some(&b"dst"[..]));
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
    fn truncated_hunk_names_lines() {
        match err(b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n") {
            ParseError::Truncated {
                line: 5,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\ndiff --git a/x b/x\n") {
            ParseError::Truncated {
                line: 5,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n+b\n+c\n") {
            ParseError::BadHunkLine {
                line: 6,
                hunk_line: 3,
            } => {}
            e => panic!("{e:?}"),
        }
        match err(b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n\\ No newline at end of file\n") {
            ParseError::BadHunkLine { line: 4, .. } => {}
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn absurd_numbers_are_errors() {
        for h in [
            &b"@@ -99999999999999999999999,1 +1 @@"[..],
            b"@@ -1,281474976710656 +1 @@",
            b"@@ -1 +18446744073709551615,1 @@",
        ] {
            let p = [&b"--- a/f\n+++ b/f\n"[..], h, b"\n-a\n+b\n"].concat();
            assert!(
                matches!(err(&p), ParseError::NumberRange { line: 3 }),
                "{h:?}"
            );
        }
        for h in [
            &b"@@ -a +1 @@"[..],
            b"@@ -1 +1",
            b"@@ -1, +1 @@",
            b"@@ 1 1 @@",
        ] {
            let p = [&b"--- a/f\n+++ b/f\n"[..], h, b"\n"].concat();
            assert!(
                matches!(err(&p), ParseError::BadHunkHeader { line: 3 }),
                "{h:?}"
            );
        }
        // A huge but representable count only reads until the end: no allocation from it.
        let p = b"--- a/f\n+++ b/f\n@@ -1,200000000000 +1 @@\n-a\n";
        assert!(matches!(err(p), ParseError::Truncated { .. }));
    }

    #[test]
    fn hunk_section_drops_trailing_carriage_returns() {
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@ fn x()\r\r\r\n-a\n+b\n";
        assert_eq!(files(&parse_all(p).unwrap())[0].hunks[0].section, b"fn x()");
        let p = b"--- a/f\n+++ b/f\n@@ -1 +1 @@\r\r\n-a\n+b\n";
        assert!(files(&parse_all(p).unwrap())[0].hunks[0].section.is_empty());
    }

    #[test]
    fn bad_modes_and_quotes() {
        assert!(matches!(
            err(b"diff --git a/x b/x\nold mode 10064x\n"),
            ParseError::BadMode { line: 2 }
        ));
        assert!(matches!(
            err(b"diff --git a/x b/x\nnew file mode 99999999\n"),
            ParseError::BadMode { line: 2 }
        ));
        assert!(matches!(
            err(b"--- \"a/x\n+++ b/x\n"),
            ParseError::BadName { line: 1, .. }
        ));
        assert!(matches!(
            err(b"diff --git \"a/\\000\" b/x\n"),
            ParseError::BadName {
                line: 1,
                source: QuoteError::Nul
            }
        ));
    }

    #[test]
    fn empty_quoted_names_are_no_names() {
        for p in [
            &b"# treediff: mkdir \"\" 755\n"[..],
            b"# treediff: rmdir \"\"\n",
            b"diff --git \"\" b/x\n",
            b"diff --git  \"b/x\"\n",
            b"diff --git a/x b/x\nrename from \"\"\n",
            // One space, at an end: the split leaves an empty name.
            b"diff --git a/x \n",
            b"diff --git  b/x\n",
        ] {
            assert!(matches!(err(p), ParseError::NoName { .. }), "{p:?}");
        }
    }

    #[test]
    fn bad_base85_names_the_line() {
        let p =
            b"diff --git a/x b/x\nindex 1..2\nGIT binary patch\nliteral 3\nKcmb<ms0083\x01N)#j\n\n";
        assert!(matches!(err(p), ParseError::Binary { line: 5, .. }));
        // Truncated block (size mismatch after inflate)
        let p =
            b"diff --git a/x b/x\nindex 1..2\nGIT binary patch\nliteral 5\nKcmb<ms0083<N)#j\n\n";
        assert!(matches!(err(p), ParseError::Binary { line: 4, .. }));
        // literal header with a bad number
        let p = b"diff --git a/x b/x\nGIT binary patch\nliteral 99999999999999999999\n";
        assert!(matches!(err(p), ParseError::Binary { line: 3, .. }));
        let ok = b"diff --git a/x b/x\nGIT binary patch\nliteral 3\nKcmb<ms0083<N)#j\n";
        let items = parse_all(ok).unwrap();
        let f = files(&items)[0];
        assert_eq!(
            f.binary.as_ref().unwrap().forward,
            BinaryBlock::Literal(b"x\0y".to_vec())
        );
    }

    #[test]
    fn refuses_context_normal_and_ed() {
        let ctx = b"*** a/f\t2020\n--- b/f\t2020\n***************\n*** 1 ****\n";
        assert!(matches!(err(ctx), ParseError::ContextDiff { line: 1 }));
        let normal = b"2c2\n< a\n---\n> b\n";
        assert!(matches!(err(normal), ParseError::NormalDiff { line: 1 }));
        let ed = b"garbage\n2c\nnew\n.\n";
        assert!(matches!(err(ed), ParseError::EdScript { line: 2 }));
        let ed2 = b"1,3d\n";
        assert!(matches!(err(ed2), ParseError::EdScript { line: 1 }));
        // Looks similar, is prose.
        assert!(parse_all(b"2cats\n1,2 d\n").unwrap().is_empty());
    }

    #[test]
    fn no_panic_on_prefixes_of_a_real_patch() {
        let full = include_bytes!("../testdata/git-binary-M.patch");
        for n in 0..full.len() {
            let _ = parse_all(&full[..n]);
        }
        let gnu = include_bytes!("../testdata/gnu-ruN.patch");
        for n in 0..gnu.len() {
            let _ = parse_all(&gnu[..n]);
        }
    }
}
