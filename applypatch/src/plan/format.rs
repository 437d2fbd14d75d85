//! Which format a file patch was written in, as GNU patch tells them apart under the name
//! `patch`: the parser gives every format the same shape (hunks of context, removed and added
//! lines, or an ed script), but GNU's words differ by format. `--verbose` names it (`Looks
//! like a new-style context diff to me...`); a context hunk starts at its `***************`
//! line, where GNU says it could not find the file and ends the text it echoes; a normal diff
//! or an ed script, named only by `Index:`, gets no hint about `-p`; and the text echoed
//! before the next file patch starts after the last line of this one, whose count depends on
//! the format (a context hunk writes its context twice, a normal `c` hunk has a `---` line).
//! The rejects of a context or a normal diff are a context diff (a normal diff's in GNU's own
//! shape, see `crate::reject::format_normal`).
//! The format is taken once per file patch from the parser (`FilePatch::ed`,
//! `FilePatch::context`) or, for a normal diff, from its first hunk's line in the patch.

use treepatch::{EdOp, FilePatch, LineKind};

use super::Planner;

/// The format of a file patch, as GNU patch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Format {
    /// `@@ -a,b +c,d @@` hunks (git sections included).
    #[default]
    Unified,
    /// `***************` hunks with `*** a,b ****` and `--- c,d ----` parts.
    Context,
    /// `2c2`, `0a1,2`, `3d2` hunks.
    Normal,
    /// An ed script (`diff -e`).
    Ed,
}

impl Format {
    /// What `--verbose` calls it: `Hmm...  Looks like WORDS to me...`.
    pub(super) fn words(self) -> &'static str {
        match self {
            Format::Unified => "a unified diff",
            Format::Context => "a new-style context diff",
            Format::Normal => "a normal diff",
            Format::Ed => "an ed script",
        }
    }

    /// Whether GNU hints at `-p` when it cannot find the file (not for the formats named
    /// only by an `Index:` line).
    pub(super) fn hints_at_strip(self) -> bool {
        matches!(self, Format::Unified | Format::Context)
    }

    /// The line where a file patch's first hunk starts (GNU's "input line"): a context
    /// hunk's `***************` line comes before the `*** a,b ****` line the parser gives.
    pub(super) fn first_line(self, fp: &FilePatch) -> usize {
        match (self, fp.hunks.first()) {
            (Format::Context, Some(h)) => h.line.saturating_sub(1).max(1),
            (_, Some(h)) => h.line,
            (_, None) => fp.line,
        }
    }

    /// The first line after `fp` (after its last hunk or ed command), or the line after
    /// `fp`'s first if it has neither.
    pub(super) fn end_of(self, fp: &FilePatch) -> usize {
        if let Some(c) = fp.ed.as_ref().and_then(|e| e.commands.last()) {
            // The last command, and its text up to the closing `.`.
            return c.line
                + 1
                + match &c.op {
                    EdOp::Append { text, .. }
                    | EdOp::Insert { text, .. }
                    | EdOp::Change { text, .. } => text.len() + 1,
                    EdOp::Delete { .. } | EdOp::Unescape => 0,
                };
        }
        let Some(h) = fp.hunks.last() else {
            return fp.line + 1;
        };
        let marks = h.lines.iter().filter(|l| l.no_newline).count();
        let has = |k: LineKind| h.lines.iter().any(|l| l.kind == k);
        let (old, new) = (h.old_len as usize, h.new_len as usize);
        let body = match self {
            Format::Unified | Format::Ed => h.lines.len(),
            // Each part is written only when it has changes of its own.
            Format::Context => {
                let old = if has(LineKind::Remove) { old } else { 0 };
                let new = if has(LineKind::Add) { new } else { 0 };
                old + 1 + new
            }
            Format::Normal => old + new + usize::from(old > 0 && new > 0),
        };
        h.line + 1 + body + marks
    }
}

impl Planner<'_> {
    /// The format of `fp`, under the name `patch`: an ed script or a context diff as the
    /// parser says, a normal diff by its first hunk's line in the patch's text; remembered
    /// for the rest of the file patch.
    pub(super) fn gnu_read_format(&mut self, fp: &FilePatch) {
        self.gnu.format = if fp.ed.is_some() {
            Format::Ed
        } else if fp.context {
            Format::Context
        } else {
            let head = match (fp.hunks.first(), self.gnu.text.as_mut()) {
                (Some(h), Some(text)) => text
                    .lines(h.line, h.line + 1)
                    .ok()
                    .and_then(|l| l.into_iter().next()),
                _ => None,
            };
            match head {
                Some(l) if l.first().is_some_and(u8::is_ascii_digit) => Format::Normal,
                _ => Format::Unified,
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_hunk(patch: &[u8]) -> FilePatch {
        match treepatch::parse::parse_all(patch).unwrap().remove(0) {
            treepatch::Item::File(fp) => fp,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_format_ends_where_its_last_hunk_ends() {
        let unified = first_hunk(b"--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n-b\n+c\nnext\n");
        assert_eq!(Format::Unified.end_of(&unified), 7);
        let context = first_hunk(
            b"*** f\n--- f\n***************\n*** 1,2 ****\n  a\n! b\n--- 1,2 ----\n  a\n! c\nnext\n",
        );
        assert_eq!(Format::Context.first_line(&context), 3);
        assert_eq!(Format::Context.end_of(&context), 10);
        let added =
            first_hunk(b"*** f\n--- f\n***************\n*** 0 ****\n--- 1 ----\n+ a\nnext\n");
        assert_eq!(Format::Context.end_of(&added), 7);
        let normal = first_hunk(b"Index: f\n2c2\n< b\n---\n> c\nnext\n");
        assert_eq!(Format::Normal.end_of(&normal), 6);
        let append = first_hunk(b"Index: f\n0a1\n> a\nnext\n");
        assert_eq!(Format::Normal.end_of(&append), 4);
        let ed = first_hunk(b"Index: f\n3d\n1c\na\nb\n.\nIndex: g\n");
        assert_eq!(Format::Ed.end_of(&ed), 7);
    }
}
