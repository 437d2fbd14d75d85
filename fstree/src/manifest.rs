//! The BSD mtree manifest (mtree(5)) that `snap` writes and that `treediff --manifest` and
//! `treesync --manifest` trust instead of re-reading a snapshot.
//!
//! Written form, one line per entry in walk order, full relative paths so every line stands
//! alone (NetBSD `mtree -C` style, read by NetBSD `mtree -f` and by libarchive/bsdtar):
//!
//! ```text
//! #mtree
//! . type=dir mode=0755 time=1700000000.000000000
//! ./src/main.c type=file mode=0644 size=120 time=1700000000.250000000 sha256digest=ab12...
//! ./lib type=link mode=0777 time=1700000000.000000000 link=src
//! ```
//!
//! Names (and link targets) are escaped byte by byte as `\ooo` octal when the byte is a space,
//! a control character, non-ASCII, or one of `#`, `\`, `*`, `?`, `[` (NetBSD matches names as
//! globs, so glob bytes are escaped too). The reader also accepts what NetBSD and libarchive
//! write: `\s`, `\t`, `\n`, `\#`, `\\`, `/set` and `/unset` defaults, hierarchical entries with
//! `..` to go up, `\` line continuations, `sha256=` for `sha256digest=`, comments.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{self, BufRead, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::entry::{Entry, Kind, Timestamp};

/// Escapes a name or link target for a manifest line.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b <= b' ' || b >= 0x7f || matches!(b, b'#' | b'\\' | b'*' | b'?' | b'[' | b'=') {
            out.push_str(&format!("\\{b:03o}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// Undoes [`escape`], and NetBSD's `vis` C-style escapes.
pub fn unescape(s: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&c) = s.get(i + 1) else {
            return Err("a backslash at the end of a name".into());
        };
        i += 2;
        let decoded = match c {
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && matches!(s.get(i), Some(b'0'..=b'7')) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    n += 1;
                }
                u8::try_from(v).map_err(|_| format!("octal escape \\{v:o} is out of range"))?
            }
            b's' => b' ',
            b't' => b'\t',
            b'n' => b'\n',
            b'r' => b'\r',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'E' => 0x1b,
            b'\\' | b'#' | b'*' | b'?' | b'[' | b' ' | b'=' | b'"' => c,
            // vis(3) forms NetBSD mtree writes: `\^C` control, `\M-C` meta, `\M^C` both.
            b'^' => {
                let c = *s.get(i).ok_or("a truncated \\^ escape")?;
                i += 1;
                c ^ 0x40
            }
            b'M' => {
                let (kind, c) = match (s.get(i), s.get(i + 1)) {
                    (Some(&k), Some(&c)) if k == b'-' || k == b'^' => (k, c),
                    _ => return Err("a truncated \\M escape".into()),
                };
                i += 2;
                if kind == b'-' {
                    c | 0x80
                } else {
                    (c ^ 0x40) | 0x80
                }
            }
            other => return Err(format!("unknown escape \\{}", char::from(other))),
        };
        out.push(decoded);
    }
    Ok(out)
}

/// Writes manifest lines for entries, in the order given.
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    /// Starts a manifest (writes the `#mtree` signature line).
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(b"#mtree\n")?;
        Ok(Writer { out })
    }

    /// Writes the line for `e`; `sha256` is the content digest of a regular file.
    pub fn entry(&mut self, e: &Entry, sha256: Option<&[u8; 32]>) -> io::Result<()> {
        let kind = match e.kind {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink => "link",
            // The tools skip other kinds with a warning; they never reach a manifest.
            _ => return Ok(()),
        };
        let mut line = path_field(&e.path);
        line.push_str(&format!(" type={kind} mode={:04o}", e.mode));
        if e.kind == Kind::File {
            line.push_str(&format!(" size={}", e.size));
        }
        line.push_str(&format!(" time={}.{:09}", e.mtime.secs, e.mtime.nanos));
        if let Some(target) = &e.link {
            line.push_str(" link=");
            line.push_str(&escape(target.as_os_str().as_bytes()));
        }
        if let Some(d) = sha256 {
            line.push_str(" sha256digest=");
            line.push_str(&hex(d));
        }
        line.push('\n');
        self.out.write_all(line.as_bytes())
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn path_field(rel: &Path) -> String {
    let b = rel.as_os_str().as_bytes();
    if b.is_empty() {
        ".".to_owned()
    } else {
        format!("./{}", escape(b))
    }
}

/// Lower-case hex of a digest.
pub fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// One entry read from a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path relative to the tree's root (no `./`); empty for the root.
    pub path: PathBuf,
    /// `type=`.
    pub kind: Option<Kind>,
    /// `mode=` (permission bits).
    pub mode: Option<u32>,
    /// `size=`.
    pub size: Option<u64>,
    /// `time=`.
    pub time: Option<Timestamp>,
    /// `link=`.
    pub link: Option<PathBuf>,
    /// `sha256digest=` / `sha256=`.
    pub sha256: Option<[u8; 32]>,
    /// 1-based line number of the entry in the manifest.
    pub line: usize,
}

/// A manifest line that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Reading the manifest failed.
    #[error("cannot read manifest")]
    Io(#[from] io::Error),
    /// A line is malformed.
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// A whole manifest, indexed by path.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The entries in file order.
    pub entries: Vec<ManifestEntry>,
    index: HashMap<PathBuf, usize>,
}

impl Manifest {
    /// Reads a manifest.
    pub fn read(r: impl BufRead) -> Result<Self, ManifestError> {
        let entries = read(r)?;
        let index = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path.clone(), i))
            .collect();
        Ok(Manifest { entries, index })
    }

    /// The entry for `path` (relative, empty for the root).
    pub fn get(&self, path: &Path) -> Option<&ManifestEntry> {
        self.index.get(path).map(|&i| &self.entries[i])
    }
}

#[derive(Default, Clone)]
struct Keywords {
    kind: Option<Kind>,
    mode: Option<u32>,
    size: Option<u64>,
    time: Option<Timestamp>,
    link: Option<PathBuf>,
    sha256: Option<[u8; 32]>,
}

/// Reads every entry of a manifest.
pub fn read(r: impl BufRead) -> Result<Vec<ManifestEntry>, ManifestError> {
    let mut lines = LogicalLines {
        r,
        buf: Vec::new(),
        lineno: 0,
    };
    let mut state = Reader::default();
    while let Some((logical, start)) = lines.next_line()? {
        let line = trim(&logical);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let syntax = |message: String| ManifestError::Syntax {
            line: start,
            message,
        };
        if let Some(e) = state.line(line, start).map_err(syntax)? {
            state.out.push(e);
        }
    }
    Ok(state.out)
}

/// Physical lines joined into logical ones at `\`-continuations.
struct LogicalLines<R> {
    r: R,
    buf: Vec<u8>,
    lineno: usize,
}

impl<R: BufRead> LogicalLines<R> {
    /// The next logical line and the number of its first physical line; `None` at the end.
    fn next_line(&mut self) -> Result<Option<(Vec<u8>, usize)>, ManifestError> {
        let mut logical = Vec::new();
        let start = self.lineno + 1;
        loop {
            self.buf.clear();
            if self.r.read_until(b'\n', &mut self.buf)? == 0 {
                break;
            }
            self.lineno += 1;
            while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                self.buf.pop();
            }
            if self.buf.last() == Some(&b'\\') && !ends_with_escaped_backslash(&self.buf) {
                self.buf.pop();
                logical.extend_from_slice(&self.buf);
                logical.push(b' ');
                continue;
            }
            logical.extend_from_slice(&self.buf);
            break;
        }
        if self.lineno < start {
            return Ok(None);
        }
        Ok(Some((logical, start)))
    }
}

/// What a manifest's lines so far have set: `/set` defaults, the current directory of a
/// hierarchical (`mtree -c`) manifest, and the entries read.
#[derive(Default)]
struct Reader {
    defaults: Keywords,
    cwd: Vec<Vec<u8>>,
    out: Vec<ManifestEntry>,
}

impl Reader {
    /// One non-empty, non-comment line: a `/set`, `/unset` or `..` changes the state; an
    /// entry line gives its entry.
    fn line(&mut self, line: &[u8], start: usize) -> Result<Option<ManifestEntry>, String> {
        let mut fields = line
            .split(|b| *b == b' ' || *b == b'\t')
            .filter(|f| !f.is_empty());
        let Some(first) = fields.next() else {
            return Ok(None);
        };
        if first == b"/set" || first == b"/unset" {
            for f in fields {
                if first == b"/set" {
                    apply_keyword(&mut self.defaults, f)?;
                } else {
                    unset_keyword(&mut self.defaults, f);
                }
            }
            return Ok(None);
        }
        if first == b".." {
            return match self.cwd.pop() {
                Some(_) => Ok(None),
                None => Err("'..' above the root".into()),
            };
        }
        let name = unescape(first)?;
        let mut kw = self.defaults.clone();
        for f in fields {
            apply_keyword(&mut kw, f)?;
        }
        let path = self.entry_path(first, &name, &kw)?;
        Ok(Some(ManifestEntry {
            path: PathBuf::from(OsStr::from_bytes(&path)),
            kind: kw.kind,
            mode: kw.mode,
            size: kw.size,
            time: kw.time,
            link: kw.link,
            sha256: kw.sha256,
            line: start,
        }))
    }

    /// The relative path of the entry named `first` (`name` unescaped): full when it holds a
    /// `/`, else below the current directory, which a directory entry then enters.
    fn entry_path(&mut self, first: &[u8], name: &[u8], kw: &Keywords) -> Result<Vec<u8>, String> {
        let full = first.contains(&b'/');
        let path: Vec<u8> = if full {
            strip_dot(name)
        } else if name == b"." && self.cwd.is_empty() {
            Vec::new()
        } else {
            let mut p = self.cwd.join(&b'/');
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(name);
            p
        };
        if path.split(|b| *b == b'/').any(|c| c == b"..") {
            return Err("a path with '..' in it".into());
        }
        if !full && kw.kind == Some(Kind::Dir) && name != b"." {
            self.cwd.push(name.to_vec());
        }
        Ok(path)
    }
}

fn ends_with_escaped_backslash(b: &[u8]) -> bool {
    let n = b.iter().rev().take_while(|&&c| c == b'\\').count();
    n % 2 == 0
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |i| i + 1);
    &b[s..e.max(s)]
}

fn strip_dot(p: &[u8]) -> Vec<u8> {
    let mut p = p;
    while let Some(rest) = p.strip_prefix(b"./") {
        p = rest;
    }
    if p == b"." {
        Vec::new()
    } else {
        p.trim_ascii_end().strip_suffix(b"/").unwrap_or(p).to_vec()
    }
}

fn apply_keyword(kw: &mut Keywords, field: &[u8]) -> Result<(), String> {
    let (key, value) = match field.iter().position(|b| *b == b'=') {
        Some(i) => (&field[..i], &field[i + 1..]),
        None => (field, &b""[..]),
    };
    let text = || String::from_utf8_lossy(value).into_owned();
    match key {
        b"type" => {
            kw.kind = Some(match value {
                b"file" => Kind::File,
                b"dir" => Kind::Dir,
                b"link" => Kind::Symlink,
                b"fifo" => Kind::Fifo,
                b"socket" => Kind::Socket,
                b"char" => Kind::CharDevice,
                b"block" => Kind::BlockDevice,
                _ => return Err(format!("unknown type '{}'", text())),
            })
        }
        b"mode" => {
            let m =
                u32::from_str_radix(&text(), 8).map_err(|_| format!("bad mode '{}'", text()))?;
            if m > 0o7777 {
                return Err(format!("bad mode '{}'", text()));
            }
            kw.mode = Some(m);
        }
        b"size" => {
            kw.size = Some(
                text()
                    .parse()
                    .map_err(|_| format!("bad size '{}'", text()))?,
            )
        }
        b"time" => {
            kw.time = Some(parse_time(&text()).ok_or_else(|| format!("bad time '{}'", text()))?)
        }
        b"link" => kw.link = Some(PathBuf::from(OsStr::from_bytes(&unescape(value)?))),
        b"sha256digest" | b"sha256" => {
            kw.sha256 = Some(parse_hex32(value).ok_or_else(|| format!("bad sha256 '{}'", text()))?)
        }
        // Keywords we neither need nor check (uid, gid, nlink, flags, other digests, ...).
        _ => {}
    }
    Ok(())
}

fn unset_keyword(kw: &mut Keywords, key: &[u8]) {
    match key {
        b"type" => kw.kind = None,
        b"mode" => kw.mode = None,
        b"size" => kw.size = None,
        b"time" => kw.time = None,
        b"link" => kw.link = None,
        b"sha256digest" | b"sha256" => kw.sha256 = None,
        b"all" => *kw = Keywords::default(),
        _ => {}
    }
}

fn parse_time(s: &str) -> Option<Timestamp> {
    // `S.N` where N counts nanoseconds (NetBSD and libarchive write it unpadded:
    // `123.1` is 123 s + 1 ns); we always write nine digits, which reads the same.
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let secs: i64 = secs.parse().ok()?;
    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u32 = frac.parse().ok()?;
    Some(Timestamp { secs, nanos })
}

fn parse_hex32(v: &[u8]) -> Option<[u8; 32]> {
    if v.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in v.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_every_byte() {
        let all: Vec<u8> = (1..=255).collect();
        let e = escape(&all);
        assert!(e.bytes().all(|b| b > b' ' && b < 0x7f && b != b'#'));
        assert_eq!(unescape(e.as_bytes()).unwrap(), all);
        assert_eq!(unescape(br"sp\sace\#\t").unwrap(), b"sp ace#\t");
        // NetBSD vis(3): ü as meta escapes, 0xff, 0x80, a control byte, DEL.
        assert_eq!(
            unescape(br"\M-C\M-<\M^?\M^@\^A\^?").unwrap(),
            b"\xc3\xbc\xff\x80\x01\x7f"
        );
        assert!(unescape(br"\M").is_err() && unescape(br"\^").is_err());
    }

    #[test]
    fn reads_our_lines_and_netbsd_hierarchical_form() {
        let ours = b"#mtree\n. type=dir mode=0755 time=5.000000001\n./a\\040b type=file mode=0644 size=3 time=1.500000000 sha256digest=98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4\n./l type=link mode=0777 time=0.0 link=a\\040b\n";
        let m = Manifest::read(&ours[..]).unwrap();
        assert_eq!(m.entries.len(), 3);
        let f = m.get(Path::new("a b")).unwrap();
        assert_eq!(f.size, Some(3));
        assert_eq!(
            f.time,
            Some(Timestamp {
                secs: 1,
                nanos: 500_000_000
            })
        );
        assert_eq!(f.line, 3);
        assert_eq!(
            m.get(Path::new("l")).unwrap().link.as_deref(),
            Some(Path::new("a b"))
        );
        assert_eq!(m.get(Path::new("")).unwrap().kind, Some(Kind::Dir));

        let netbsd = b"/set type=file mode=0644\n.  type=dir mode=0755\n    h\\#x size=0 \\\n   sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nd type=dir mode=0755\n    f size=3\n..\ng size=1\n";
        let m = Manifest::read(&netbsd[..]).unwrap();
        let paths: Vec<_> = m.entries.iter().map(|e| e.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::new(),
                "h#x".into(),
                "d".into(),
                "d/f".into(),
                "g".into()
            ]
        );
        assert_eq!(m.get(Path::new("d/f")).unwrap().kind, Some(Kind::File));
        assert!(m.get(Path::new("h#x")).unwrap().sha256.is_some());
    }

    #[test]
    fn errors_name_the_line() {
        let bad = b"#mtree\n./x type=file mode=9z9\n";
        let e = Manifest::read(&bad[..]).unwrap_err();
        assert_eq!(e.to_string(), "line 2: bad mode '9z9'");
        let e = Manifest::read(&b"./a/../b type=file\n"[..]).unwrap_err();
        assert!(e.to_string().starts_with("line 1:"), "{e}");
    }
}
