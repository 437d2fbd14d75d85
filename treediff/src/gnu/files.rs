//! Two files compared as GNU diff compares them: read whole, equal bytes are no difference
//! (`-s` says `Files A and B are identical`), a NUL byte in the first [`PROBE`] bytes of
//! either makes both binary (`Binary files A and B differ`, unless `-a`), `-q` only says
//! `Files A and B differ`, and otherwise the changes are written in the chosen format.
//!
//! Headers (`-u`: `--- A\tTIME` / `+++ B\tTIME`, `-c`: `*** A\tTIME` / `--- B\tTIME`) quote
//! names as GNU does and date them in the local time zone ([`super::time`]); a `--label`
//! replaces the name and the time, verbatim, and stands for the name in every message.
//! A file that cannot be read is named (`TOOL: NAME: strerror`) and makes the status 2.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use fstree::Timestamp;
use treepatch::quote::quote_gnu;

use super::function::Headings;
use super::layout::Layout;
use super::{GnuConfig, Report, Style, context, ed, ifdef, normal, sidebyside, switches, time};
use crate::hunk::TextDiff;
use crate::operand::{FileSide, Input, not_found, strerror};
use crate::{Error, Exit};

/// How much of each file GNU diff looks at for a NUL (its first read: one block of 4 KiB on
/// the usual file systems).
pub const PROBE: usize = 4096;

/// Where a side's bytes come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// An operand (standard input, a path, or an absent file).
    Operand(Input),
    /// A file `name` in a directory being compared, read beneath its handle; `true`:
    /// through a symbolic link (a regular file otherwise).
    Beneath(fstree::Dir, OsString, bool),
}

/// One side of a file comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// The name in headers and messages (a label, when given).
    pub name: Vec<u8>,
    /// True when `name` is a `--label`: written verbatim, without a time.
    pub labeled: bool,
    /// The file's own name, for error messages (which never show a label).
    pub path: Vec<u8>,
    /// Where the bytes come from.
    pub source: Source,
}

/// A side named by an operand, with its `--label` if any.
pub fn label(side: FileSide, label: Option<&Vec<u8>>) -> Side {
    Side {
        name: label.cloned().unwrap_or_else(|| side.name.clone()),
        labeled: label.is_some(),
        path: side.name,
        source: Source::Operand(side.input),
    }
}

/// Standard input, read once (`diff - -` compares it with itself) and dated when read.
#[derive(Debug, Default)]
pub struct Stdin(Option<(Vec<u8>, Timestamp)>);

impl Stdin {
    /// True once a comparison has read standard input: GNU closes it then, and a later pair
    /// (`--from-file`, `--to-file`) naming `-` fails with `-: Bad file descriptor`.
    pub fn was_read(&self) -> bool {
        self.0.is_some()
    }
}

/// A side's bytes and its time.
struct Loaded {
    data: Vec<u8>,
    time: Timestamp,
}

fn load(source: &Source, stdin: &mut Stdin) -> io::Result<Loaded> {
    let (data, time) = match source {
        Source::Operand(Input::Absent) => (Vec::new(), Timestamp::default()),
        Source::Operand(Input::Stdin) => {
            if stdin.0.is_none() {
                let mut data = Vec::new();
                io::stdin().lock().read_to_end(&mut data)?;
                stdin.0 = Some((data, time::now()));
            }
            let (data, time) = stdin.0.clone().unwrap_or_default();
            (data, time)
        }
        Source::Operand(Input::Path(p)) => read_path(p)?,
        Source::Beneath(dir, name, follow) => {
            let (mut file, meta) = if *follow {
                dir.open_following(name, fstree::Atime::Update)?
            } else {
                dir.open_file(name, fstree::Atime::Update)?
            };
            let mut data = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
            file.read_to_end(&mut data)?;
            (data, meta.mtime)
        }
    };
    Ok(Loaded { data, time })
}

/// What GNU says of two named files before reading them, when their types decide it.
pub(super) enum Types {
    /// Exactly one is a directory (`diff DIR FILE` where `DIR/FILE` is one), or, under
    /// `--no-dereference`, one is a symlink: `File A is a KIND while file B is a KIND`.
    Differ(&'static [u8], &'static [u8]),
    /// `--no-dereference`, both symlinks: whether their targets are the same.
    Links(bool),
    /// `--no-dereference`, a symlink against a file that cannot be examined (side 0 or 1).
    Unexamined(usize, io::Error),
}

/// [`Types`] of two operands (symlinks followed when `follow`), or `None` when their
/// contents decide.
pub(super) fn types(a: &FileSide, b: &FileSide, follow: bool) -> Option<Types> {
    let stat = |s: &FileSide| match &s.input {
        Input::Path(p) if follow => Some(std::fs::metadata(p)),
        Input::Path(p) => Some(std::fs::symlink_metadata(p)),
        Input::Absent => Some(Err(not_found())),
        Input::Stdin => None,
    };
    let (ra, rb) = (stat(a)?, stat(b)?);
    let link =
        |r: &io::Result<std::fs::Metadata>| r.as_ref().is_ok_and(|m| m.file_type().is_symlink());
    let (la, lb) = (link(&ra), link(&rb));
    match (ra, rb) {
        (Ok(_), Ok(_)) if la && lb => {
            let target = |s: &FileSide| match &s.input {
                Input::Path(p) => std::fs::read_link(p).ok(),
                _ => None,
            };
            Some(Types::Links(target(a) == target(b)))
        }
        (Ok(ma), Ok(mb)) if la || lb || ma.is_dir() != mb.is_dir() => {
            Some(Types::Differ(type_word(&ma), type_word(&mb)))
        }
        (Err(e), Ok(_)) if lb => Some(Types::Unexamined(0, e)),
        (Ok(_), Err(e)) if la => Some(Types::Unexamined(1, e)),
        _ => None,
    }
}

/// Says what [`types`] found, as GNU does; the exit status.
pub(super) fn report_types<W: Write + ?Sized, E: Write + ?Sized>(
    cfg: &GnuConfig,
    types: Types,
    (a, b): (&FileSide, &FileSide),
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    let la = cfg.labels.first().unwrap_or(&a.name);
    let lb = cfg.labels.get(1).unwrap_or(&b.name);
    match types {
        Types::Differ(ka, kb) => {
            let parts: [&[u8]; 8] = [
                b"File ",
                la,
                b" is a ",
                ka,
                b" while file ",
                lb,
                b" is a ",
                kb,
            ];
            message(cfg, out, &parts)?;
            Ok(Exit::Differ)
        }
        Types::Links(true) => {
            if cfg.report_identical {
                message(cfg, out, &[b"Files ", la, b" and ", lb, b" are identical"])?;
            }
            Ok(Exit::Same)
        }
        Types::Links(false) => {
            let parts: [&[u8]; 5] = [b"Symbolic links ", &a.name, b" and ", &b.name, b" differ"];
            message(cfg, out, &parts)?;
            Ok(Exit::Differ)
        }
        Types::Unexamined(side, e) => {
            let name = String::from_utf8_lossy(if side == 0 { &a.name } else { &b.name });
            let _ = out.flush();
            let _ = writeln!(err, "{}: {name}: {}", cfg.tool, strerror(&e));
            Ok(Exit::Trouble)
        }
    }
}

/// `stat`'s word for the type of a file.
fn type_word(m: &std::fs::Metadata) -> &'static [u8] {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    match () {
        () if t.is_dir() => b"directory",
        () if t.is_symlink() => b"symbolic link",
        () if t.is_file() && m.len() == 0 => b"regular empty file",
        () if t.is_file() => b"regular file",
        () if t.is_fifo() => b"fifo",
        () if t.is_socket() => b"socket",
        () if t.is_char_device() => b"character special file",
        () if t.is_block_device() => b"block special file",
        () => b"weird file",
    }
}

/// An operand named by the operator: symlinks followed, any readable kind (`/dev/null`, a
/// FIFO) read to its end.
fn read_path(p: &PathBuf) -> io::Result<(Vec<u8>, Timestamp)> {
    let mut file = std::fs::File::open(p)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::from(io::ErrorKind::IsADirectory));
    }
    let mut data = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut data)?;
    let time = Timestamp {
        secs: meta.mtime(),
        nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(0),
    };
    Ok((data, time))
}

/// `--strip-trailing-cr`: each `\r\n` read as `\n` (one carriage return, before a newline).
fn strip_cr(cfg: &GnuConfig, l: Loaded) -> Loaded {
    if !cfg.strip_trailing_cr || !l.data.contains(&b'\r') {
        return l;
    }
    let mut data = Vec::with_capacity(l.data.len());
    let mut rest = &l.data[..];
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        data.extend_from_slice(&rest[..i]);
        data.push(b'\n');
        rest = &rest[i + 2..];
    }
    data.extend_from_slice(rest);
    Loaded { data, time: l.time }
}

fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(PROBE)].contains(&0)
}

/// One of diff's own lines (`Files ... differ`, `Binary files ...`); under
/// `--sdiff-merge-assist` it starts with a space, as GNU's do (not with `-l`).
pub(super) fn message<W: Write + ?Sized>(
    cfg: &GnuConfig,
    w: &mut W,
    parts: &[&[u8]],
) -> Result<(), Error> {
    if cfg.columns.merge_assist && cfg.pager.is_none() {
        w.write_all(b" ").map_err(Error::Output)?;
    }
    line(w, parts)
}

fn line<W: Write + ?Sized>(w: &mut W, parts: &[&[u8]]) -> Result<(), Error> {
    parts
        .iter()
        .try_for_each(|p| w.write_all(p))
        .and_then(|()| w.write_all(b"\n"))
        .map_err(Error::Output)
}

/// Compares `a` with `b`. `diff_line`, in a directory comparison, is the `diff OPTIONS A B`
/// line written before the changes (not before a one-line verdict).
pub fn compare<W: Write + ?Sized, E: Write + ?Sized>(
    cfg: &GnuConfig,
    a: &Side,
    b: &Side,
    stdin: &mut Stdin,
    diff_line: Option<&[u8]>,
    out: &mut W,
    err: &mut E,
) -> Result<Exit, Error> {
    if both_stdin(a, b) && !listing(cfg) {
        // `diff - -`: GNU does not read it (it is the same file).
        let empty = Loaded {
            data: Vec::new(),
            time: Timestamp { secs: 0, nanos: 0 },
        };
        return verdict(cfg, (a, &empty), (b, &empty), diff_line, out);
    }
    let (la, lb) = (load(&a.source, stdin), load(&b.source, stdin));
    let (la, lb) = match (la, lb) {
        (Ok(la), Ok(lb)) => (la, lb),
        (ra, rb) => {
            for (side, r) in [(a, ra.err()), (b, rb.err())] {
                if let Some(e) = r {
                    let name = String::from_utf8_lossy(&side.path);
                    // In order with the output before it, as GNU (`diff -r a b 2>&1`).
                    let _ = out.flush();
                    let _ = writeln!(err, "{}: {name}: {}", cfg.tool, strerror(&e));
                }
            }
            return Ok(Exit::Trouble);
        }
    };
    let (mut la, mut lb) = (strip_cr(cfg, la), strip_cr(cfg, lb));
    let mut incomplete = false;
    let binary = !cfg.text && (is_binary(&la.data) || is_binary(&lb.data));
    if ed_style(cfg) && !same_operand(a, b) && !binary {
        for (side, l) in [(a, &mut la), (b, &mut lb)] {
            if l.data.last().is_some_and(|&c| c != b'\n') {
                let name = String::from_utf8_lossy(&side.name);
                let _ = out.flush();
                let _ = writeln!(err, "{}: {name}: No newline at end of file\n", cfg.tool);
                l.data.push(b'\n');
                incomplete = true;
            }
        }
    }
    if incomplete {
        // Trouble: equal files are not said to be identical.
        let quiet = GnuConfig {
            report_identical: false,
            ..cfg.clone()
        };
        verdict(&quiet, (a, &la), (b, &lb), diff_line, out)?;
        return Ok(Exit::Trouble);
    }
    verdict(cfg, (a, &la), (b, &lb), diff_line, out)
}

/// True when lines are written for ed (`-e`, `-f`), which has no incomplete lines: a last
/// line without a newline is read as if it had one, and said so (unless only `-q`'s verdict
/// or `Binary files ... differ` is written).
fn ed_style(cfg: &GnuConfig) -> bool {
    matches!(
        cfg.style,
        Style::Script(ed::Script::Ed | ed::Script::ForwardEd)
    ) && cfg.report != Report::Brief
}

/// True when both sides are standard input.
fn both_stdin(a: &Side, b: &Side) -> bool {
    matches!(
        (&a.source, &b.source),
        (Source::Operand(Input::Stdin), Source::Operand(Input::Stdin))
    )
}

/// True when every line is written, even of equal files (side by side, merged).
fn listing(cfg: &GnuConfig) -> bool {
    matches!(cfg.style, Style::SideBySide | Style::IfThenElse) && cfg.report != Report::Brief
}

/// True when both sides are the same named file (GNU does not read it then).
fn same_operand(a: &Side, b: &Side) -> bool {
    match (&a.source, &b.source) {
        (Source::Operand(Input::Path(p)), Source::Operand(Input::Path(q))) => p == q,
        _ => false,
    }
}

/// Compares the loaded sides and writes the verdict or the changes.
fn verdict<W: Write + ?Sized>(
    cfg: &GnuConfig,
    (a, la): (&Side, &Loaded),
    (b, lb): (&Side, &Loaded),
    diff_line: Option<&[u8]>,
    out: &mut W,
) -> Result<Exit, Error> {
    let identical = |out: &mut W| -> Result<Exit, Error> {
        if cfg.report_identical {
            message(
                cfg,
                out,
                &[b"Files ", &a.name, b" and ", &b.name, b" are identical"],
            )?;
        }
        Ok(Exit::Same)
    };
    // Side by side and merged, GNU lists every line, even of equal files.
    let listing = listing(cfg);
    let same_bytes = la.data == lb.data;
    if same_bytes && !listing {
        return identical(out);
    }
    let binary = !cfg.text && (is_binary(&la.data) || is_binary(&lb.data));
    let loose = !cfg.equivalence.is_exact() || cfg.equivalence.ignores_changes();
    let diff = if binary || (cfg.report == Report::Brief && !loose) {
        None
    } else {
        Some(diff(cfg, &la.data, &lb.data))
    };
    let diff = match diff {
        _ if same_bytes && binary => return identical(out),
        Some(Some(d)) if !d.differs() && !listing => return identical(out),
        Some(Some(d)) if cfg.report != Report::Brief => d,
        _ => {
            let what: &[u8] = if cfg.report == Report::Brief {
                b"Files "
            } else {
                b"Binary files "
            };
            message(cfg, out, &[what, &a.name, b" and ", &b.name, b" differ"])?;
            return Ok(Exit::Differ);
        }
    };
    if let Some(pager) = &cfg.pager {
        let mut text = Vec::new();
        write_changes(cfg, (a, la), (b, lb), &diff, &mut text).map_err(Error::Output)?;
        if !text.is_empty() {
            let title = diff_line.map_or_else(
                || switches::diff_line(&cfg.switches, &a.name, &b.name),
                <[u8]>::to_vec,
            );
            pager.page(&title, &text);
            // Lets the page pass the lines waiting in diff's own buffer.
            out.write(&[]).map_err(Error::Output)?;
        }
    } else {
        if let (Some(l), true) = (diff_line, diff.differs() || listing) {
            line(out, &[l])?;
        }
        write_changes(cfg, (a, la), (b, lb), &diff, out).map_err(Error::Output)?;
    }
    if !diff.differs() {
        return identical(out);
    }
    Ok(Exit::Differ)
}

/// Writes `diff` in the style `cfg` asks for, with its headers.
fn write_changes<W: Write + ?Sized>(
    cfg: &GnuConfig,
    (a, la): (&Side, &Loaded),
    (b, lb): (&Side, &Loaded),
    diff: &TextDiff<'_>,
    out: &mut W,
) -> io::Result<()> {
    let mut headings = Headings::new(&cfg.function);
    match cfg.style {
        Style::Normal => normal::write(out, diff, &cfg.layout),
        Style::SideBySide => sidebyside::write(out, diff, &cfg.columns, &cfg.layout),
        Style::Script(script) => {
            let tab = cfg.layout.expand_tabs.then_some(cfg.layout.tabsize.max(1));
            ed::write(out, diff, script, tab)
        }
        Style::IfThenElse => ifdef::write(out, diff, &cfg.formats),
        Style::Unified => {
            header(out, &cfg.layout, b"---", a, &time::format(la.time))?;
            header(out, &cfg.layout, b"+++", b, &time::format(lb.time))?;
            let heading = &mut |d: &TextDiff<'_>, s| headings.before(d, s).to_vec();
            diff.write_unified_with(out, cfg.context, heading, &cfg.layout)
        }
        Style::Context => {
            header(out, &cfg.layout, b"***", a, &time::format_context(la.time))?;
            header(out, &cfg.layout, b"---", b, &time::format_context(lb.time))?;
            context::write(out, diff, cfg.context, &mut headings, &cfg.layout)
        }
    }
}

/// The line diff of two texts as `cfg` asks: GNU keeps as many equal lines at each end in the
/// comparison as it prints (none in normal format, the context in the others) or as
/// `--horizon-lines` says, if more: they decide where a change slides.
fn diff<'a>(cfg: &GnuConfig, old: &'a [u8], new: &'a [u8]) -> Option<TextDiff<'a>> {
    let shown = match cfg.style {
        Style::Normal | Style::SideBySide | Style::Script(_) | Style::IfThenElse => 0,
        Style::Unified | Style::Context => cfg.context,
    };
    let horizon = shown.max(cfg.horizon);
    TextDiff::compare(old, new, horizon, &cfg.equivalence, cfg.cost)
}

/// `MARK NAME\tTIME`, or `MARK LABEL` for a labelled side.
fn header<W: Write + ?Sized>(
    w: &mut W,
    layout: &Layout,
    mark: &[u8],
    side: &Side,
    time: &str,
) -> io::Result<()> {
    let mut text = [mark, b" "].concat();
    if side.labeled {
        text.extend_from_slice(&side.name);
    } else {
        text.extend_from_slice(&quote_gnu(&side.name));
        text.push(b'\t');
        text.extend_from_slice(time.as_bytes());
    }
    layout.header_line(w, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_means_a_nul_in_the_first_block() {
        let mut data = vec![b'a'; PROBE];
        assert!(!is_binary(&data));
        data.push(0);
        assert!(!is_binary(&data));
        data[PROBE - 1] = 0;
        assert!(is_binary(&data));
    }

    #[test]
    fn a_labelled_header_has_no_time() {
        let side = Side {
            name: b"x y".to_vec(),
            labeled: true,
            path: b"f".to_vec(),
            source: Source::Operand(Input::Absent),
        };
        let mut out = Vec::new();
        header(&mut out, &Layout::default(), b"---", &side, "then").expect("write to a Vec");
        assert_eq!(out, b"--- x y\n");
    }
}
