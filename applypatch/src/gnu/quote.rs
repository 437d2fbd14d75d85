//! File names in messages, quoted as GNU patch 2.7.6 quotes them (`--quoting-style`,
//! `$QUOTING_STYLE`), learnt black-box on names with spaces, quotes, tabs, newlines, control
//! and non-ASCII bytes (in the C locale):
//!
//! - `literal`: the bytes as they are.
//! - `shell` (the default): as is unless the name is empty, holds a space, tab, newline or one
//!   of ``! " $ & ' ( ) * ; < = > ? [ \ ^ ` |``, or starts with `#` or `~`; then in single
//!   quotes (a `'` written `'\''`), or in double quotes when it holds a `'` and none of
//!   `` ! " $ \ ` ``. Control and non-ASCII bytes stay raw.
//! - `shell-always`: the same, always quoted.
//! - `c`: in double quotes, with `\"`, `\\`, `\a \b \t \n \v \f \r` and `\ooo` for other
//!   control and non-ASCII bytes.
//! - `escape`: `c` without the double quotes (a `"` stays as it is).
//!
//! (treediff's `diff` line quotes its switches by the same shell rule.)

/// A quoting style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quoting {
    /// As is.
    Literal,
    /// Quoted for a shell when needed (the default).
    #[default]
    Shell,
    /// Always quoted for a shell.
    ShellAlways,
    /// A C string.
    C,
    /// A C string without its quotes.
    Escape,
}

impl Quoting {
    /// One of GNU's words.
    pub fn parse(word: &str) -> Option<Quoting> {
        match word {
            "literal" => Some(Quoting::Literal),
            "shell" => Some(Quoting::Shell),
            "shell-always" => Some(Quoting::ShellAlways),
            "c" => Some(Quoting::C),
            "escape" => Some(Quoting::Escape),
            _ => None,
        }
    }

    /// `name` quoted in this style.
    pub fn quote(self, name: &[u8]) -> Vec<u8> {
        match self {
            Quoting::Literal => name.to_vec(),
            Quoting::Shell if !needs_quotes(name) => name.to_vec(),
            Quoting::Shell | Quoting::ShellAlways => shell_quote(name),
            Quoting::C => [b"\"", &c_escape(name, true)[..], b"\""].concat(),
            Quoting::Escape => c_escape(name, false),
        }
    }
}

fn needs_quotes(name: &[u8]) -> bool {
    name.is_empty()
        || matches!(name[0], b'#' | b'~')
        || name
            .iter()
            .any(|c| b" \t\n!\"$&'()*;<=>?[\\^`|".contains(c))
}

fn shell_quote(name: &[u8]) -> Vec<u8> {
    treepatch::quote::shell_quoted(name)
}

fn c_escape(name: &[u8], quotes: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    for &c in name {
        let esc: Option<&[u8]> = match c {
            b'"' if quotes => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            7 => Some(b"\\a"),
            8 => Some(b"\\b"),
            b'\t' => Some(b"\\t"),
            b'\n' => Some(b"\\n"),
            11 => Some(b"\\v"),
            12 => Some(b"\\f"),
            b'\r' => Some(b"\\r"),
            _ => None,
        };
        match esc {
            Some(e) => out.extend_from_slice(e),
            None if !(0x20..0x7f).contains(&c) => {
                out.extend_from_slice(format!("\\{c:03o}").as_bytes())
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(style: Quoting, name: &[u8]) -> String {
        String::from_utf8_lossy(&style.quote(name)).into_owned()
    }

    #[test]
    fn styles_as_gnu_patch_writes_them() {
        assert_eq!(q(Quoting::Shell, b"sp ace"), "'sp ace'");
        assert_eq!(q(Quoting::Shell, b"it's"), "\"it's\"");
        assert_eq!(q(Quoting::Shell, b"a'b$c"), "'a'\\''b$c'");
        assert_eq!(q(Quoting::Shell, b"a#b"), "a#b");
        assert_eq!(q(Quoting::Shell, b"#a"), "'#a'");
        assert_eq!(q(Quoting::ShellAlways, b"a"), "'a'");
        assert_eq!(
            q(Quoting::C, b"tab\tx\xc3\xa9\"\\"),
            "\"tab\\tx\\303\\251\\\"\\\\\""
        );
        assert_eq!(q(Quoting::Escape, b"a\"b\nc"), "a\"b\\nc");
        assert_eq!(q(Quoting::Literal, b"a b"), "a b");
    }
}
