//! Writers for every line of the patch format, over any `impl Write`, so `treediff` can stream a
//! patch one file at a time and tests can write into a `Vec<u8>`.
//!
//! **git dialect** ([`write_git_header`], [`write_git_names`], [`write_git_binary`]). The rules
//! encoded here, all checked against git 2.47:
//!
//! - `diff --git A B` names both sides even for a created or deleted file (`a/x b/x`), each name
//!   C-quoted on its own (prefix inside the quotes: `"a/tab\there"`).
//! - Then `old mode`/`new mode`, or `new file mode`/`deleted file mode`; then, for a rename,
//!   `similarity index N%`, `rename from`, `rename to` (names without prefix, quoted); then
//!   `index OLD..NEW`, followed by ` MODE` only when the mode is unchanged.
//! - `---`/`+++` lines only come before text hunks (a binary patch or a pure mode change has
//!   none); an absent side is `/dev/null`. When the raw name holds a space, git ends the line
//!   with a TAB (so trailing spaces survive): `--- a/sp ace\t`.
//!
//! **GNU dialect** ([`write_gnu_header`] and the notice lines), as GNU diff 3.8 writes in the C
//! locale: `diff -ruN OLD NEW`, `--- OLD\tTIME`, names double-quoted when they hold a space,
//! control or non-ASCII byte, times `YYYY-MM-DD HH:MM:SS.NNNNNNNNN +0000` (always UTC here,
//! as `TZ=UTC0`: reproducible patches), an absent file dated the Epoch. The notice lines
//! (`Binary files ... differ`, `Only in ...`) leave names unquoted, as GNU diff does.
//!
//! **Hunks** ([`write_hunk_header`], [`write_line`]): `@@ -S,L +S,L @@` where `,L` is omitted
//! when `L == 1` and an empty range starts at the line before it; each line is its prefix
//! character, its bytes and `\n`, then `\ No newline at end of file` when the file's last line
//! had none.
//!
//! **Extension lines** ([`write_mkdir`], [`write_rmdir`]): `# treediff: mkdir PATH MODE` and
//! `# treediff: rmdir PATH`, where PATH carries its prefix (`b/dir` for mkdir, `a/dir` for
//! rmdir) and is C-quoted like git (so it may hold unquoted spaces: MODE is the last field),
//! and MODE is the permission bits in octal without a leading zero (`755`, `1777`).

use std::io::{self, Write};

use crate::binary::{self, BlockKind, EncodedBlock};
use crate::parse;
use crate::quote::{quote_git, quote_git_always, quote_gnu};
use crate::types::{BinaryBlock, BinaryPatch, FilePatch, Hunk, Item, Line, LineKind, Operation};

/// The prefix of the extension lines.
pub const EXTENSION_PREFIX: &[u8] = b"# treediff: ";

/// The headers of one git file patch, names given without their `a/`/`b/` prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitHeader<'a> {
    /// Old name without prefix (for a created file, the same as `new`).
    pub old: &'a [u8],
    /// New name without prefix (for a deleted file, the same as `old`).
    pub new: &'a [u8],
    /// Prefix of old names, `a/`.
    pub src_prefix: &'a [u8],
    /// Prefix of new names, `b/`.
    pub dst_prefix: &'a [u8],
    /// Modify, create, delete, rename or copy.
    pub op: Operation,
    /// Mode of the old side (ignored for `Create`).
    pub old_mode: u32,
    /// Mode of the new side (ignored for `Delete`).
    pub new_mode: u32,
    /// `similarity index N%` for a rename or copy.
    pub similarity: u8,
    /// Blob ids (hex) of both sides for the `index` line; `None` leaves the line out (a pure
    /// mode change or an exact rename, as git does).
    pub index: Option<(&'a [u8], &'a [u8])>,
}

impl Default for GitHeader<'_> {
    fn default() -> Self {
        GitHeader {
            old: b"",
            new: b"",
            src_prefix: b"a/",
            dst_prefix: b"b/",
            op: Operation::Modify,
            old_mode: crate::mode::FILE,
            new_mode: crate::mode::FILE,
            similarity: 100,
            index: None,
        }
    }
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(prefix.len() + name.len());
    v.extend_from_slice(prefix);
    v.extend_from_slice(name);
    v
}

fn write_octal<W: Write + ?Sized>(w: &mut W, mode: u32) -> io::Result<()> {
    write!(w, "{mode:o}")
}

/// The names of a `diff --git` line: each quoted as git quotes it, unless a reader could not
/// get the names back from the section's header lines alone (bare names with spaces split in
/// another place, `a/x b/y b/x b/y`, when no `rename from`/`to` lines say them); then both are
/// quoted, which git and GNU patch read exactly. (The `---`/`+++` lines, when hunks follow,
/// would say the names too; a section without hunks has only these.)
fn git_header_names(h: &GitHeader<'_>, old: &[u8], new: &[u8]) -> Vec<u8> {
    let plain = [&quote_git(old)[..], b" ", &quote_git(new)[..]].concat();
    let split = parse::git_header_names(&plain, 0).ok().flatten();
    let reads_back = if matches!(h.op, Operation::Rename | Operation::Copy) {
        let (pa, pb) = parse::header_prefixes(split.as_ref(), Some(h.old), Some(h.new));
        pa == h.src_prefix && pb == h.dst_prefix
    } else {
        split.is_some_and(|(o, n)| o == old && n == new)
    };
    if reads_back {
        plain
    } else {
        [quote_git_always(old), b" ".to_vec(), quote_git_always(new)].concat()
    }
}

/// Writes `diff --git`, the mode/rename lines and the `index` line of one file patch.
pub fn write_git_header<W: Write + ?Sized>(w: &mut W, h: &GitHeader<'_>) -> io::Result<()> {
    let old = join(h.src_prefix, h.old);
    let new = join(h.dst_prefix, h.new);
    w.write_all(b"diff --git ")?;
    w.write_all(&git_header_names(h, &old, &new))?;
    w.write_all(b"\n")?;
    let modes_differ = h.old_mode != h.new_mode;
    match h.op {
        Operation::Create => {
            w.write_all(b"new file mode ")?;
            write_octal(w, h.new_mode)?;
            w.write_all(b"\n")?;
        }
        Operation::Delete => {
            w.write_all(b"deleted file mode ")?;
            write_octal(w, h.old_mode)?;
            w.write_all(b"\n")?;
        }
        Operation::Modify | Operation::Rename | Operation::Copy => {
            if modes_differ {
                w.write_all(b"old mode ")?;
                write_octal(w, h.old_mode)?;
                w.write_all(b"\nnew mode ")?;
                write_octal(w, h.new_mode)?;
                w.write_all(b"\n")?;
            }
        }
    }
    if matches!(h.op, Operation::Rename | Operation::Copy) {
        let word: &[u8] = if h.op == Operation::Rename {
            b"rename"
        } else {
            b"copy"
        };
        writeln!(w, "similarity index {}%", h.similarity)?;
        w.write_all(word)?;
        w.write_all(b" from ")?;
        w.write_all(&quote_git(h.old))?;
        w.write_all(b"\n")?;
        w.write_all(word)?;
        w.write_all(b" to ")?;
        w.write_all(&quote_git(h.new))?;
        w.write_all(b"\n")?;
    }
    if let Some((a, b)) = h.index {
        w.write_all(b"index ")?;
        w.write_all(a)?;
        w.write_all(b"..")?;
        w.write_all(b)?;
        let same_mode = matches!(
            h.op,
            Operation::Modify | Operation::Rename | Operation::Copy
        ) && !modes_differ;
        if same_mode {
            w.write_all(b" ")?;
            write_octal(w, h.new_mode)?;
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one `---`/`+++` line for a git patch: `/dev/null`, or the quoted prefixed name with
/// git's trailing TAB when the raw name holds a space.
fn write_git_name_line<W: Write + ?Sized>(
    w: &mut W,
    marker: &[u8],
    prefix: &[u8],
    name: Option<&[u8]>,
) -> io::Result<()> {
    w.write_all(marker)?;
    match name {
        None => w.write_all(b"/dev/null\n"),
        Some(name) => {
            let full = join(prefix, name);
            w.write_all(&quote_git(&full))?;
            if full.contains(&b' ') {
                w.write_all(b"\t")?;
            }
            w.write_all(b"\n")
        }
    }
}

/// Writes the `---`/`+++` lines that precede the text hunks of a git file patch.
pub fn write_git_names<W: Write + ?Sized>(w: &mut W, h: &GitHeader<'_>) -> io::Result<()> {
    let old = (h.op != Operation::Create).then_some(h.old);
    let new = (h.op != Operation::Delete).then_some(h.new);
    write_git_name_line(w, b"--- ", h.src_prefix, old)?;
    write_git_name_line(w, b"+++ ", h.dst_prefix, new)
}

/// Writes `@@ -S,L +S,L @@` (and ` SECTION` when `section` is not empty).
pub fn write_hunk_header<W: Write + ?Sized>(
    w: &mut W,
    old_start: u64,
    old_len: u64,
    new_start: u64,
    new_len: u64,
    section: &[u8],
) -> io::Result<()> {
    fn range<W: Write + ?Sized>(w: &mut W, start: u64, len: u64) -> io::Result<()> {
        if len == 1 {
            write!(w, "{start}")
        } else {
            write!(w, "{start},{len}")
        }
    }
    w.write_all(b"@@ -")?;
    range(w, old_start, old_len)?;
    w.write_all(b" +")?;
    range(w, new_start, new_len)?;
    w.write_all(b" @@")?;
    if !section.is_empty() {
        w.write_all(b" ")?;
        w.write_all(section)?;
    }
    w.write_all(b"\n")
}

/// Writes one hunk line: prefix, bytes (without `\n`), `\n`, and the `\ No newline at end of
/// file` marker when `no_newline`.
pub fn write_line<W: Write + ?Sized>(
    w: &mut W,
    kind: LineKind,
    text: &[u8],
    no_newline: bool,
) -> io::Result<()> {
    let prefix: &[u8] = match kind {
        LineKind::Context => b" ",
        LineKind::Remove => b"-",
        LineKind::Add => b"+",
    };
    w.write_all(prefix)?;
    w.write_all(text)?;
    w.write_all(b"\n")?;
    if no_newline {
        w.write_all(b"\\ No newline at end of file\n")?;
    }
    Ok(())
}

/// Writes a whole hunk from the model.
pub fn write_hunk<W: Write + ?Sized>(w: &mut W, h: &Hunk) -> io::Result<()> {
    write_hunk_header(
        w,
        h.old_start,
        h.old_len,
        h.new_start,
        h.new_len,
        &h.section,
    )?;
    for Line {
        kind,
        text,
        no_newline,
    } in &h.lines
    {
        write_line(w, *kind, text, *no_newline)?;
    }
    Ok(())
}

/// Writes `GIT binary patch` with the forward block (old -> new) and the reverse block
/// (new -> old), each a delta when that is smaller, as git does.
pub fn write_git_binary<W: Write + ?Sized>(w: &mut W, old: &[u8], new: &[u8]) -> io::Result<()> {
    w.write_all(b"GIT binary patch\n")?;
    binary::write_block(w, &binary::encode_block(old, new))?;
    binary::write_block(w, &binary::encode_block(new, old))
}

fn encode_decoded(block: &BinaryBlock) -> EncodedBlock {
    let (kind, data) = match block {
        BinaryBlock::Literal(d) => (BlockKind::Literal, d),
        BinaryBlock::Delta(d) => (BlockKind::Delta, d),
    };
    EncodedBlock {
        kind,
        size: data.len() as u64,
        deflated: binary::deflate(data),
    }
}

/// Writes a binary patch from the model (blocks already decoded).
pub fn write_binary_patch<W: Write + ?Sized>(w: &mut W, b: &BinaryPatch) -> io::Result<()> {
    w.write_all(b"GIT binary patch\n")?;
    binary::write_block(w, &encode_decoded(&b.forward))?;
    if let Some(rev) = &b.reverse {
        binary::write_block(w, &encode_decoded(rev))?;
    }
    Ok(())
}

/// Splits `a/x` into (`a/`, `x`); a name without `/`, or with nothing after its first `/`
/// (`/`, `a/`), has an empty prefix: `rename from` and `copy from` cannot spell an empty name.
fn split_prefix(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().position(|&b| b == b'/') {
        Some(i) if i + 1 < path.len() => path.split_at(i + 1),
        _ => (b"", path),
    }
}

/// Writes a git file patch from the model. Paths in the model carry their prefixes; for a
/// created (deleted) file the `diff --git` line reuses the new (old) name under the other
/// side's usual prefix (`a/` or `b/`). Modes default to 100644 when absent.
pub fn write_file_patch<W: Write + ?Sized>(w: &mut W, fp: &FilePatch) -> io::Result<()> {
    let (sp, old) = fp
        .old_path
        .as_deref()
        .map(split_prefix)
        .unwrap_or((b"a/", b""));
    let (dp, new) = fp
        .new_path
        .as_deref()
        .map(split_prefix)
        .unwrap_or((b"b/", b""));
    let (old, new) = match (fp.old_path.is_some(), fp.new_path.is_some()) {
        (false, true) => (new, new),
        (true, false) => (old, old),
        _ => (old, new),
    };
    let index = fp.index.as_ref().map(|(a, b)| (a.as_slice(), b.as_slice()));
    let h = GitHeader {
        old,
        new,
        src_prefix: sp,
        dst_prefix: dp,
        op: fp.op,
        old_mode: fp.old_mode.or(fp.new_mode).unwrap_or(crate::mode::FILE),
        new_mode: fp.new_mode.or(fp.old_mode).unwrap_or(crate::mode::FILE),
        similarity: fp.similarity.unwrap_or(100),
        index,
    };
    write_git_header(w, &h)?;
    if let Some(b) = &fp.binary {
        write_binary_patch(w, b)?;
    } else if !fp.hunks.is_empty() {
        write_git_names(w, &h)?;
        for hunk in &fp.hunks {
            write_hunk(w, hunk)?;
        }
    }
    Ok(())
}

/// Writes every item in order: file patches and the directory extension lines. Notices
/// (`Only in ...`) are not patch content and are left to the tools that print them.
pub fn write_items<W: Write + ?Sized>(w: &mut W, items: &[Item]) -> io::Result<()> {
    for item in items {
        match item {
            Item::File(fp) => write_file_patch(w, fp)?,
            Item::Mkdir { path, mode, .. } => write_mkdir(w, path, *mode)?,
            Item::Rmdir { path, .. } => write_rmdir(w, path)?,
            Item::Notice { .. } => {}
        }
    }
    Ok(())
}

/// Writes `# treediff: mkdir PATH MODE` (PATH with its prefix, git-quoted; MODE octal).
pub fn write_mkdir<W: Write + ?Sized>(w: &mut W, path: &[u8], mode: u32) -> io::Result<()> {
    w.write_all(EXTENSION_PREFIX)?;
    w.write_all(b"mkdir ")?;
    w.write_all(&quote_git(path))?;
    w.write_all(b" ")?;
    write_octal(w, mode & 0o7777)?;
    w.write_all(b"\n")
}

/// Writes `# treediff: rmdir PATH` (PATH with its prefix, git-quoted).
pub fn write_rmdir<W: Write + ?Sized>(w: &mut W, path: &[u8]) -> io::Result<()> {
    w.write_all(EXTENSION_PREFIX)?;
    w.write_all(b"rmdir ")?;
    w.write_all(&quote_git(path))?;
    w.write_all(b"\n")
}

// ---------------------------------------------------------------------------------------------
// GNU diff

/// A file time for GNU headers: seconds since the Epoch and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileTime {
    /// Seconds since the Epoch.
    pub secs: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nanos: u32,
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats a time as GNU diff does under `TZ=UTC0`: `2002-02-21 23:30:39.942229878 +0000`.
pub fn format_gnu_time(t: FileTime) -> String {
    let days = t.secs.div_euclid(86_400);
    let rem = t.secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{:09} +0000",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        t.nanos.min(999_999_999)
    )
}

/// Writes `diff -ruN OLD NEW`, `--- OLD\tTIME` and `+++ NEW\tTIME` as GNU diff 3.8 does; an
/// absent side (`None` time) is dated the Epoch, as `-N` does.
pub fn write_gnu_header<W: Write + ?Sized>(
    w: &mut W,
    old: &[u8],
    old_time: Option<FileTime>,
    new: &[u8],
    new_time: Option<FileTime>,
) -> io::Result<()> {
    let qo = quote_gnu(old);
    let qn = quote_gnu(new);
    w.write_all(b"diff -ruN ")?;
    w.write_all(&qo)?;
    w.write_all(b" ")?;
    w.write_all(&qn)?;
    w.write_all(b"\n--- ")?;
    w.write_all(&qo)?;
    writeln!(w, "\t{}", format_gnu_time(old_time.unwrap_or_default()))?;
    w.write_all(b"+++ ")?;
    w.write_all(&qn)?;
    writeln!(w, "\t{}", format_gnu_time(new_time.unwrap_or_default()))
}

/// `Binary files OLD and NEW differ` (names unquoted, as GNU diff writes them).
pub fn write_gnu_binary_differ<W: Write + ?Sized>(
    w: &mut W,
    old: &[u8],
    new: &[u8],
) -> io::Result<()> {
    w.write_all(b"Binary files ")?;
    w.write_all(old)?;
    w.write_all(b" and ")?;
    w.write_all(new)?;
    w.write_all(b" differ\n")
}

/// `Files OLD and NEW differ` (`diff -q`).
pub fn write_gnu_files_differ<W: Write + ?Sized>(
    w: &mut W,
    old: &[u8],
    new: &[u8],
) -> io::Result<()> {
    w.write_all(b"Files ")?;
    w.write_all(old)?;
    w.write_all(b" and ")?;
    w.write_all(new)?;
    w.write_all(b" differ\n")
}

/// `Symbolic links OLD and NEW differ`.
pub fn write_gnu_symlinks_differ<W: Write + ?Sized>(
    w: &mut W,
    old: &[u8],
    new: &[u8],
) -> io::Result<()> {
    w.write_all(b"Symbolic links ")?;
    w.write_all(old)?;
    w.write_all(b" and ")?;
    w.write_all(new)?;
    w.write_all(b" differ\n")
}

/// `File OLD is a KIND while file NEW is a KIND2` (kinds as GNU names them: `regular file`,
/// `directory`, `symbolic link`, `fifo`, ...).
pub fn write_gnu_kind_differ<W: Write + ?Sized>(
    w: &mut W,
    old: &[u8],
    old_kind: &str,
    new: &[u8],
    new_kind: &str,
) -> io::Result<()> {
    w.write_all(b"File ")?;
    w.write_all(old)?;
    write!(w, " is a {old_kind} while file ")?;
    w.write_all(new)?;
    writeln!(w, " is a {new_kind}")
}

/// `Only in DIR: NAME`.
pub fn write_gnu_only_in<W: Write + ?Sized>(w: &mut W, dir: &[u8], name: &[u8]) -> io::Result<()> {
    w.write_all(b"Only in ")?;
    w.write_all(dir)?;
    w.write_all(b": ")?;
    w.write_all(name)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[u8]) -> String {
        String::from_utf8_lossy(v).into_owned()
    }

    #[test]
    fn modified_file_with_space_gets_the_trailing_tab() {
        let id_a = [b'1'; 40];
        let id_b = [b'2'; 40];
        let h = GitHeader {
            old: b"sp ace",
            new: b"sp ace",
            index: Some((&id_a, &id_b)),
            ..GitHeader::default()
        };
        let mut out = Vec::new();
        write_git_header(&mut out, &h).unwrap();
        write_git_names(&mut out, &h).unwrap();
        write_hunk_header(&mut out, 1, 1, 1, 1, b"").unwrap();
        write_line(&mut out, LineKind::Remove, b"x", false).unwrap();
        write_line(&mut out, LineKind::Add, b"y", true).unwrap();
        let want = format!(
            "diff --git a/sp ace b/sp ace\nindex {}..{} 100644\n--- a/sp ace\t\n+++ b/sp ace\t\n\
             @@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n",
            "1".repeat(40),
            "2".repeat(40)
        );
        assert_eq!(s(&out), want);
    }

    #[test]
    fn created_deleted_renamed_and_mode_headers() {
        let mut out = Vec::new();
        let h = GitHeader {
            old: b"tab\there",
            new: b"tab\there",
            op: Operation::Create,
            new_mode: crate::mode::EXEC,
            index: Some((
                binary::NULL_ID_HEX,
                b"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
            )),
            ..GitHeader::default()
        };
        write_git_header(&mut out, &h).unwrap();
        write_git_names(&mut out, &h).unwrap();
        let h = GitHeader {
            old: b"gone",
            new: b"gone",
            op: Operation::Delete,
            ..GitHeader::default()
        };
        write_git_header(&mut out, &h).unwrap();
        write_git_names(&mut out, &h).unwrap();
        let h = GitHeader {
            old: b"m",
            new: b"m",
            new_mode: crate::mode::EXEC,
            ..GitHeader::default()
        };
        write_git_header(&mut out, &h).unwrap();
        let h = GitHeader {
            old: b"x",
            new: b"\xc3\xbc",
            op: Operation::Rename,
            ..GitHeader::default()
        };
        write_git_header(&mut out, &h).unwrap();
        assert_eq!(
            s(&out),
            "diff --git \"a/tab\\there\" \"b/tab\\there\"\nnew file mode 100755\n\
             index 0000000000000000000000000000000000000000..e69de29bb2d1d6434b8b29ae775ad8c2e48c5391\n\
             --- /dev/null\n+++ \"b/tab\\there\"\n\
             diff --git a/gone b/gone\ndeleted file mode 100644\n--- a/gone\n+++ /dev/null\n\
             diff --git a/m b/m\nold mode 100644\nnew mode 100755\n\
             diff --git a/x \"b/\\303\\274\"\nsimilarity index 100%\nrename from x\n\
             rename to \"\\303\\274\"\n"
        );
    }

    #[test]
    fn hunk_ranges_omit_one_and_keep_zero() {
        let mut out = Vec::new();
        write_hunk_header(&mut out, 0, 0, 1, 3, b"").unwrap();
        write_hunk_header(&mut out, 5, 1, 4, 0, b"fn main()").unwrap();
        assert_eq!(s(&out), "@@ -0,0 +1,3 @@\n@@ -5 +4,0 @@ fn main()\n");
    }

    #[test]
    fn extension_lines() {
        let mut out = Vec::new();
        write_mkdir(&mut out, b"b/new dir", 0o755).unwrap();
        write_mkdir(&mut out, b"b/t\tmp", 0o41777).unwrap();
        write_rmdir(&mut out, b"a/old").unwrap();
        assert_eq!(
            s(&out),
            "# treediff: mkdir b/new dir 755\n# treediff: mkdir \"b/t\\tmp\" 1777\n\
             # treediff: rmdir a/old\n"
        );
    }

    #[test]
    fn gnu_header_quotes_and_dates() {
        let mut out = Vec::new();
        let t = FileTime {
            secs: 1_014_334_239,
            nanos: 942_229_878,
        };
        write_gnu_header(&mut out, b"a/sp ace", None, b"b/sp ace", Some(t)).unwrap();
        assert_eq!(
            s(&out),
            "diff -ruN \"a/sp ace\" \"b/sp ace\"\n\
             --- \"a/sp ace\"\t1970-01-01 00:00:00.000000000 +0000\n\
             +++ \"b/sp ace\"\t2002-02-21 23:30:39.942229878 +0000\n"
        );
        assert_eq!(
            format_gnu_time(FileTime { secs: -1, nanos: 0 }),
            "1969-12-31 23:59:59.000000000 +0000"
        );
        assert_eq!(
            format_gnu_time(FileTime {
                secs: 951_782_400,
                nanos: 5
            }),
            "2000-02-29 00:00:00.000000005 +0000"
        );
    }

    #[test]
    fn binary_patch_is_what_git_apply_reads() {
        let mut out = Vec::new();
        write_git_binary(&mut out, b"", b"\0\x01\x02hello").unwrap();
        assert_eq!(
            s(&out),
            "GIT binary patch\nliteral 8\nPcmZQzWXed*$;k%*20{WD\n\nliteral 0\nHcmV?d00001\n\n"
        );
    }

    #[test]
    fn file_patch_from_the_model() {
        let fp = FilePatch {
            old_path: None,
            new_path: Some(b"b/n".to_vec()),
            op: Operation::Create,
            new_mode: Some(crate::mode::FILE),
            hunks: vec![Hunk {
                old_start: 0,
                old_len: 0,
                new_start: 1,
                new_len: 1,
                lines: vec![Line {
                    kind: LineKind::Add,
                    text: b"hi".to_vec(),
                    no_newline: false,
                }],
                ..Hunk::default()
            }],
            ..FilePatch::default()
        };
        let mut out = Vec::new();
        write_file_patch(&mut out, &fp).unwrap();
        assert_eq!(
            s(&out),
            "diff --git a/n b/n\nnew file mode 100644\n--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+hi\n"
        );
    }
}
