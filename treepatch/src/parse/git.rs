//! Git sections: `diff --git A B`, extended header lines, then hunks, a binary body or a notice.
//!
//! The extended header lines (modes, `index`, `similarity index`, `rename`/`copy from`/`to`)
//! are read until the first line that is none of them. A section's paths come from three
//! places, each overriding the one before: the `diff --git` names (which git does not quote
//! when they hold spaces, so they may not split), the `rename`/`copy` names (written without
//! the `a/`, `b/` prefixes, which are recovered from the header), and the `---`/`+++` lines,
//! the most precise. `new file mode` and `deleted file mode` win over a rename or copy, and
//! drop the header's name for the absent side (a `/dev/null` on `---`/`+++` does not bring it
//! back). A section with no name anywhere is an error; one whose content is a `Binary files
//! ... differ` line (git without `--binary`) becomes a notice. Hunks may also follow the
//! extended header directly, without `---`/`+++` lines.

use std::io::BufRead;

use super::gnu::header_name;
use super::hunk::parse_u64;
use super::name::{git_header_names, header_prefixes, plain_or_quoted};
use super::{ParseError, Parser, trim_cr};
use crate::types::{FilePatch, Item, Operation};

/// The names a section's `rename`/`copy` lines gave (without the `a/`, `b/` prefixes).
#[derive(Default)]
struct Moved {
    from: Option<Vec<u8>>,
    to: Option<Vec<u8>>,
}

impl<R: BufRead> Parser<R> {
    /// Reads a git section whose `diff --git ` line has `names` after the prefix.
    pub(super) fn git_section(&mut self, names: &[u8], no: usize) -> Result<Item, ParseError> {
        let mut fp = FilePatch {
            git: true,
            line: no,
            ..FilePatch::default()
        };
        let header = git_header_names(names, no)?;
        let moved = self.extended_header(&mut fp)?;
        section_names(&mut fp, header.as_ref(), moved);
        self.git_content(fp, header.is_some(), no)
    }

    /// Reads the extended header lines into `fp` (modes, `index`, similarity, the operation),
    /// up to the first line that is none of them.
    fn extended_header(&mut self, fp: &mut FilePatch) -> Result<Moved, ParseError> {
        let mut moved = Moved::default();
        let (mut created, mut deleted) = (false, false);
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
                fp.index = Some(parse_index(rest, lno, fp)?);
            } else if let Some(p) = l.strip_prefix(b"similarity index ") {
                fp.similarity = Some(parse_percent(p, lno)?);
            } else if let Some(p) = l.strip_prefix(b"dissimilarity index ") {
                parse_percent(p, lno)?;
            } else if let Some(n) = strip_any(l, &[b"rename from ", b"rename old "]) {
                fp.op = Operation::Rename;
                moved.from = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = strip_any(l, &[b"rename to ", b"rename new "]) {
                fp.op = Operation::Rename;
                moved.to = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = l.strip_prefix(b"copy from ") {
                fp.op = Operation::Copy;
                moved.from = Some(plain_or_quoted(n, lno)?);
            } else if let Some(n) = l.strip_prefix(b"copy to ") {
                fp.op = Operation::Copy;
                moved.to = Some(plain_or_quoted(n, lno)?);
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
        Ok(moved)
    }

    /// The section's content: `---`/`+++` and hunks, a binary body, or a `Binary files` line.
    fn git_content(
        &mut self,
        mut fp: FilePatch,
        had_header: bool,
        no: usize,
    ) -> Result<Item, ParseError> {
        let Some((line, lno)) = self.next_line()? else {
            return self.finish_git(fp, had_header, no);
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
        } else if l.starts_with(b"@@ ") {
            // Hunks straight after the extended header, without `---`/`+++` (the names are
            // the header's), as GNU patch and git apply read them.
            self.push_back(line, lno);
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
        self.finish_git(fp, had_header, no)
    }

    fn finish_git(&self, fp: FilePatch, had_header: bool, no: usize) -> Result<Item, ParseError> {
        if !had_header && fp.old_path.is_none() && fp.new_path.is_none() {
            return Err(ParseError::NoName { line: no });
        }
        Ok(Item::File(fp))
    }
}

fn strip_any<'a>(l: &'a [u8], prefixes: &[&[u8]]) -> Option<&'a [u8]> {
    prefixes.iter().find_map(|p| l.strip_prefix(*p))
}

/// The section's paths: the header's first, then the `rename`/`copy` names (given without
/// prefix), which the `---`/`+++` lines may still override; a created or deleted file has no
/// name on its absent side.
fn section_names(fp: &mut FilePatch, header: Option<&(Vec<u8>, Vec<u8>)>, moved: Moved) {
    if let Some((a, b)) = header {
        fp.old_path = Some(a.clone());
        fp.new_path = Some(b.clone());
    }
    if moved.from.is_some() || moved.to.is_some() {
        let (pa, pb) = header_prefixes(header, moved.from.as_deref(), moved.to.as_deref());
        if let Some(from) = moved.from {
            fp.old_path = Some([pa.as_slice(), &from].concat());
        }
        if let Some(to) = moved.to {
            fp.new_path = Some([pb.as_slice(), &to].concat());
        }
    }
    if fp.op == Operation::Create {
        fp.old_path = None;
    }
    if fp.op == Operation::Delete {
        fp.new_path = None;
    }
}

pub(super) fn parse_mode(s: &[u8], no: usize) -> Result<u32, ParseError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_all;
    use crate::parse::tests::{err, files};
    use crate::quote::QuoteError;
    use crate::types::{LineKind, mode};

    /// `git diff --no-index --binary -M a b` (git 2.47) over a tree pair with every kind of
    /// change.
    #[test]
    fn reads_git_binary_rename_patch() {
        let items = parse_all(include_bytes!("../../testdata/git-binary-M.patch")).unwrap();
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

    #[test]
    fn hunks_without_name_lines_belong_to_the_section() {
        let p = b"diff --git a/f b/f\nindex 1..2 100644\n@@ -1 +1 @@\n-a\n+b\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        assert_eq!(f.new_path.as_deref(), Some(&b"b/f"[..]));
        assert_eq!(f.hunks[0].lines.len(), 2);
    }

    #[test]
    fn git_binary_files_differ_is_a_notice() {
        let p = b"diff --git a/x b/x\nindex 1..2 100644\nBinary files a/x and b/x differ\n";
        let items = parse_all(p).unwrap();
        assert!(matches!(&items[..], [Item::Notice { line: 3, .. }]));
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
}
