//! `-I RE` and `-F RE` take grep-style basic regular expressions (POSIX BRE with GNU's
//! extensions), which the `regex` engines do not parse: this module translates one into
//! regex-automata's syntax (bytes, not Unicode) and reports a bad one in GNU's words
//! (`Unmatched ( or \(`, `Invalid content of \{\}`, ...).
//!
//! Rules encoded here (from GNU diff 3.8, black-box):
//!
//! - `\(` `\)` group, `\|` alternates, `\{M,N\}` repeats (`\{,N\}` is `{0,N}`), `\+` `\?`
//!   and `*` repeat; unescaped `( ) | { } + ?` are literal.
//! - `*` (and `\+`, `\?`, `\{`) at the start of the expression, of a group, of an
//!   alternative, or right after a leading `^`, is a literal.
//! - `^` anchors only at such a start and `$` only at the end (of the expression, before
//!   `\)` or `\|`); elsewhere both are literal.
//! - Bracket expressions: `]` first is literal, a backslash inside is literal, `[:class:]`,
//!   `[=c=]`, `[.c.]`, ranges; a range that runs backwards is `Invalid range end`.
//! - `\w \W \s \S \b \B \< \> \` \'` as in GNU grep; other escaped characters are literal.
//! - Back-references (`\1`) are valid for GNU but not for these engines: refused with our
//!   own message (an unclosed group's number is GNU's `Invalid back reference`).

use regex_automata::meta::Regex;
use regex_automata::util::syntax;

/// A compiled expression, matched against a line without its newline.
#[derive(Debug, Clone)]
pub struct Bre(Regex);

impl Bre {
    /// Compiles `re`; the error is GNU's message for it (`TOOL: RE: MESSAGE`'s last part).
    pub fn new(re: &[u8]) -> Result<Bre, String> {
        let pattern = translate(re)?;
        let syntax = syntax::Config::new().unicode(false).utf8(false);
        Regex::builder()
            .syntax(syntax)
            .configure(Regex::config().utf8_empty(false))
            .build(&pattern)
            .map(Bre)
            .map_err(|_| "Regular expression too big".to_string())
    }

    /// Whether the expression matches somewhere in `line`.
    pub fn is_match(&self, line: &[u8]) -> bool {
        self.0.is_match(line)
    }
}

/// GNU's largest repeat count.
const DUP_MAX: u32 = 32767;

/// `re` in regex-automata's syntax.
pub fn translate(re: &[u8]) -> Result<String, String> {
    let mut p = Parser {
        re,
        pos: 0,
        opened: 0,
        closed: 0,
    };
    let out = p.alternation(0)?;
    Ok(format!("(?s-u:{out})"))
}

struct Parser<'a> {
    re: &'a [u8],
    pos: usize,
    /// Groups opened, and closed, so far (for back-references).
    opened: u32,
    closed: u32,
}

/// A literal byte in regex syntax.
fn literal(b: u8) -> String {
    if b.is_ascii_alphanumeric() || b == b' ' {
        (b as char).to_string()
    } else {
        format!("\\x{b:02X}")
    }
}

impl Parser<'_> {
    fn peek(&self, at: usize) -> Option<u8> {
        self.re.get(self.pos + at).copied()
    }

    fn at_escape(&self, c: u8) -> bool {
        self.peek(0) == Some(b'\\') && self.peek(1) == Some(c)
    }

    /// Alternatives separated by `\|`, up to the end or (inside a group) `\)`.
    fn alternation(&mut self, depth: u32) -> Result<String, String> {
        let mut out = self.branch(depth)?;
        while self.at_escape(b'|') {
            self.pos += 2;
            out.push('|');
            out.push_str(&self.branch(depth)?);
        }
        Ok(out)
    }

    /// One alternative: pieces up to `\|`, `\)` or the end.
    fn branch(&mut self, depth: u32) -> Result<String, String> {
        let mut pieces: Vec<String> = Vec::new();
        // At the start, repeat operators are literals; a leading `^` anchors.
        let mut start = true;
        if self.peek(0) == Some(b'^') {
            self.pos += 1;
            pieces.push("^".to_string());
        }
        while let Some(c) = self.peek(0) {
            if c == b'\\' && matches!(self.peek(1), Some(b'|' | b')')) {
                if self.peek(1) == Some(b')') && depth == 0 {
                    return Err("Unmatched ) or \\)".to_string());
                }
                break;
            }
            if let Some(q) = self.repeat(start)? {
                if let Some(last) = pieces.last_mut() {
                    *last = format!("(?:{last}){q}");
                }
                continue;
            }
            let atom = self.atom(depth)?;
            pieces.push(atom);
            start = false;
        }
        Ok(pieces.concat())
    }

    /// A repeat operator here (`*`, `\+`, `\?`, `\{M,N\}`), unless at the start of a branch.
    fn repeat(&mut self, start: bool) -> Result<Option<String>, String> {
        if start {
            return Ok(None);
        }
        match (self.peek(0), self.peek(1)) {
            (Some(b'*'), _) => {
                self.pos += 1;
                Ok(Some("*".to_string()))
            }
            (Some(b'\\'), Some(q @ (b'+' | b'?'))) => {
                self.pos += 2;
                Ok(Some((q as char).to_string()))
            }
            (Some(b'\\'), Some(b'{')) => {
                self.pos += 2;
                self.interval().map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The `M,N\}` of an interval, as `{M,N}`.
    fn interval(&mut self) -> Result<String, String> {
        let Some(len) = self.re[self.pos..].windows(2).position(|w| w == b"\\}") else {
            return Err("Unmatched \\{".to_string());
        };
        let body = &self.re[self.pos..self.pos + len];
        self.pos += len + 2;
        let bad = || "Invalid content of \\{\\}".to_string();
        let number = |s: &[u8]| -> Result<Option<u32>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            if !s.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            let n: u64 = std::str::from_utf8(s)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(u64::MAX);
            u32::try_from(n)
                .ok()
                .filter(|&n| n <= DUP_MAX)
                .map(Some)
                .ok_or_else(|| "Regular expression too big".to_string())
        };
        let (min, max) = match body.iter().position(|&c| c == b',') {
            None => {
                let n = number(body)?.ok_or_else(bad)?;
                (n, Some(n))
            }
            Some(i) => (number(&body[..i])?.unwrap_or(0), number(&body[i + 1..])?),
        };
        match max {
            Some(max) if max < min => Err(bad()),
            Some(max) => Ok(format!("{{{min},{max}}}")),
            None => Ok(format!("{{{min},}}")),
        }
    }

    /// One atom: a group, a bracket expression, an escape, `.`, an anchor or a literal.
    fn atom(&mut self, depth: u32) -> Result<String, String> {
        let c = self.re[self.pos];
        self.pos += 1;
        match c {
            b'.' => Ok(".".to_string()),
            b'[' => self.bracket(),
            b'$' if self.pos == self.re.len()
                || self.re[self.pos..].starts_with(b"\\)")
                || self.re[self.pos..].starts_with(b"\\|") =>
            {
                Ok("$".to_string())
            }
            b'\\' => self.escape(depth),
            _ => Ok(literal(c)),
        }
    }

    /// What follows a backslash.
    fn escape(&mut self, depth: u32) -> Result<String, String> {
        let Some(c) = self.peek(0) else {
            return Err("Trailing backslash".to_string());
        };
        self.pos += 1;
        let s = match c {
            b'(' => {
                self.opened += 1;
                let inner = self.alternation(depth + 1)?;
                if !self.at_escape(b')') {
                    return Err("Unmatched ( or \\(".to_string());
                }
                self.pos += 2;
                self.closed += 1;
                format!("({inner})")
            }
            b'1'..=b'9' => {
                if u32::from(c - b'0') > self.closed {
                    return Err("Invalid back reference".to_string());
                }
                return Err("back-references are not supported".to_string());
            }
            b'{' => literal(b'{'),
            b'w' => "[_[:alnum:]]".to_string(),
            b'W' => "[^_[:alnum:]]".to_string(),
            b's' => "[[:space:]]".to_string(),
            b'S' => "[^[:space:]]".to_string(),
            b'b' => "\\b".to_string(),
            b'B' => "\\B".to_string(),
            b'<' => "\\b{start}".to_string(),
            b'>' => "\\b{end}".to_string(),
            b'`' => "\\A".to_string(),
            b'\'' => "\\z".to_string(),
            _ => literal(c),
        };
        Ok(s)
    }

    /// A bracket expression (after its `[`), as a class of bytes.
    fn bracket(&mut self) -> Result<String, String> {
        let unmatched = || "Unmatched [, [^, [:, [., or [=".to_string();
        if self.pos == self.re.len() {
            return Err("Invalid regular expression".to_string());
        }
        let mut out = String::from("[");
        if self.peek(0) == Some(b'^') {
            self.pos += 1;
            out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek(0) else {
                return Err(unmatched());
            };
            if c == b']' && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if c == b'[' && matches!(self.peek(1), Some(b':' | b'=' | b'.')) {
                out.push_str(&self.bracket_special()?);
                continue;
            }
            self.pos += 1;
            let is_range = self.peek(0) == Some(b'-') && self.peek(1).is_some_and(|e| e != b']');
            if is_range {
                let end = self.re[self.pos + 1];
                self.pos += 2;
                if end < c {
                    return Err("Invalid range end".to_string());
                }
                out.push_str(&format!("\\x{c:02X}-\\x{end:02X}"));
            } else {
                out.push_str(&format!("\\x{c:02X}"));
            }
        }
        out.push(']');
        Ok(out)
    }

    /// `[:class:]`, `[=c=]` or `[.c.]` inside a bracket expression.
    fn bracket_special(&mut self) -> Result<String, String> {
        let kind = self.re[self.pos + 1];
        let body_start = self.pos + 2;
        let close = [kind, b']'];
        let Some(len) = self.re[body_start..].windows(2).position(|w| w == close) else {
            return Err("Unmatched [, [^, [:, [., or [=".to_string());
        };
        let body = &self.re[body_start..body_start + len];
        self.pos = body_start + len + 2;
        if kind == b':' {
            const CLASSES: [&[u8]; 12] = [
                b"alpha", b"upper", b"lower", b"digit", b"xdigit", b"space", b"print", b"punct",
                b"graph", b"cntrl", b"blank", b"alnum",
            ];
            if !CLASSES.contains(&body) {
                return Err("Invalid character class name".to_string());
            }
            return Ok(format!("[:{}:]", String::from_utf8_lossy(body)));
        }
        match body {
            [c] => Ok(format!("\\x{c:02X}")),
            _ => Err("Invalid collation character".to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(re: &str, line: &str) -> bool {
        Bre::new(re.as_bytes())
            .expect("valid")
            .is_match(line.as_bytes())
    }

    #[test]
    fn basic_syntax_with_gnu_extensions() {
        assert!(matches("o\\{2\\}", "foo"));
        assert!(!matches("o{2}", "foo"));
        assert!(matches("o{2}", "o{2}"));
        assert!(matches("x\\|foo", "foo a"));
        assert!(!matches("x|foo", "foo a"));
        assert!(matches("fo\\+ a", "foo a"));
        assert!(matches("\\(fo\\)o", "foo"));
        assert!(matches("\\<foo\\>", "a foo b"));
        assert!(matches("*foo", "*foo"));
        assert!(matches("^*", "*"));
        assert!(!matches("^*", "a"));
        assert!(matches("a^b", "a^b"));
        assert!(matches("a$b", "a$b"));
        assert!(matches("[]a]$", "x]"));
        assert!(matches("[\\]", "\\"));
        assert!(matches("x\\{,2\\}", ""));
        assert!(matches("a**", "b"));
        assert!(matches("[[:digit:]]", "a1"));
    }

    #[test]
    fn errors_are_gnu_s() {
        let err = |re: &str| Bre::new(re.as_bytes()).expect_err("invalid");
        assert_eq!(err("["), "Invalid regular expression");
        assert_eq!(err("[a"), "Unmatched [, [^, [:, [., or [=");
        assert_eq!(err("a\\{1"), "Unmatched \\{");
        assert_eq!(err("\\("), "Unmatched ( or \\(");
        assert_eq!(err("\\)"), "Unmatched ) or \\)");
        assert_eq!(err("a\\"), "Trailing backslash");
        assert_eq!(err("[[:foo:]]"), "Invalid character class name");
        assert_eq!(err("a\\{2,1\\}"), "Invalid content of \\{\\}");
        assert_eq!(err("[b-a]"), "Invalid range end");
        assert_eq!(err("\\1"), "Invalid back reference");
        assert_eq!(err("a\\{99999\\}"), "Regular expression too big");
    }
}
