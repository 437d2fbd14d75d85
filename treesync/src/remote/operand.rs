//! Remote operands and the remote shell, with rsync's rules. An operand is remote when it has
//! a `:` before any `/` (`[USER@]HOST:PATH`; `HOST:` is the remote home; `[ADDR]:PATH` for an
//! IPv6 address); `HOST::PATH` and `rsync://` name an rsync daemon, which we do not speak.
//! `-e COMMAND` is split into words as rsync does (spaces separate; single or double quotes
//! keep spaces; a doubled quote inside quotes is one quote; no backslash escapes), and the
//! remote end is `COMMAND [USER@]HOST PROGRAM --server [--sender]` (rsync's layout); the
//! operands themselves travel inside the protocol, so no shell on the other side parses them.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// `[USER@]HOST:PATH`, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// `USER@HOST` or `HOST` as given (the brackets of an IPv6 address removed).
    pub host: Vec<u8>,
    /// The path on that host (`.` for an empty one: the remote home).
    pub path: Vec<u8>,
}

/// Why an operand cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperandError {
    /// `HOST::PATH` or `rsync://`: an rsync daemon.
    Daemon,
    /// A host that starts with `-`, which the remote shell would read as an option
    /// (`-oProxyCommand=...:dst`): refused as rsync refuses it.
    DashHost,
}

/// Is `arg` remote? `Ok(None)`: a local path.
pub fn parse(arg: &OsStr) -> Result<Option<Remote>, OperandError> {
    let b = arg.as_bytes();
    if b.starts_with(b"rsync://") {
        return Err(OperandError::Daemon);
    }
    let (host, rest) = if let Some(inner) = b.strip_prefix(b"[") {
        // `[v6addr]:path`, optionally `user@[v6addr]:path` is not rsync's form.
        match find(inner, b"]:") {
            Some(i) => (inner[..i].to_vec(), &inner[i + 2..]),
            None => return Ok(None),
        }
    } else {
        let colon = b.iter().position(|&c| c == b':');
        let slash = b.iter().position(|&c| c == b'/');
        match (colon, slash) {
            (Some(c), Some(s)) if s < c => return Ok(None),
            (Some(0), _) | (None, _) => return Ok(None),
            (Some(c), _) => (fix_user_v6(&b[..c]), &b[c + 1..]),
        }
    };
    if rest.starts_with(b":") {
        return Err(OperandError::Daemon);
    }
    if host.starts_with(b"-") {
        return Err(OperandError::DashHost);
    }
    let path = if rest.is_empty() {
        b".".to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Some(Remote { host, path }))
}

/// `user@[addr]` written before the colon: drop the brackets.
fn fix_user_v6(host: &[u8]) -> Vec<u8> {
    host.iter()
        .copied()
        .filter(|&c| c != b'[' && c != b']')
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Does a SRC operand copy a directory's contents (`dir/`, `.`, `dir/.`, `..`) rather than
/// the entry by name?
pub fn copies_contents(op: &[u8]) -> bool {
    op.ends_with(b"/") || op == b"." || op == b".." || op.ends_with(b"/.") || op.ends_with(b"/..")
}

/// The names a receiver accepts at the top of a transfer from these SRC operands: `None` when
/// one copies a directory's contents (any name, and `.`), else the operands' last components.
pub fn top_names(sources: &[Vec<u8>]) -> Option<std::collections::HashSet<Vec<u8>>> {
    if sources.iter().any(|s| copies_contents(s)) {
        return None;
    }
    let base = |s: &Vec<u8>| s.rsplit(|&b| b == b'/').next().unwrap_or(s).to_vec();
    Some(sources.iter().map(base).collect())
}

/// Split `-e`'s COMMAND into words, as rsync does.
pub fn split_command(cmd: &[u8]) -> Vec<OsString> {
    let mut words = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < cmd.len() {
        let c = cmd[i];
        match quote {
            Some(q) if c == q => {
                if cmd.get(i + 1) == Some(&q) {
                    cur.get_or_insert_with(Vec::new).push(q);
                    i += 1;
                } else {
                    quote = None;
                }
            }
            Some(_) => cur.get_or_insert_with(Vec::new).push(c),
            None if c == b' ' => {
                if let Some(w) = cur.take() {
                    words.push(OsString::from_vec(w));
                }
            }
            None if c == b'\'' || c == b'"' => {
                quote = Some(c);
                cur.get_or_insert_with(Vec::new);
            }
            None => cur.get_or_insert_with(Vec::new).push(c),
        }
        i += 1;
    }
    if let Some(w) = cur {
        words.push(OsString::from_vec(w));
    }
    words
}

/// The remote end's command line: the shell's words, the host, the program, `--server`.
pub fn command_line(rsh: &[u8], host: &[u8], program: &[u8], sender: bool) -> Vec<OsString> {
    let mut argv = split_command(rsh);
    argv.push(OsString::from_vec(host.to_vec()));
    argv.push(OsString::from_vec(program.to_vec()));
    argv.push(OsString::from("--server"));
    if sender {
        argv.push(OsString::from("--sender"));
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(s: &str) -> Option<(String, String)> {
        parse(OsStr::new(s)).expect("not a daemon").map(|r| {
            (
                String::from_utf8_lossy(&r.host).into(),
                String::from_utf8_lossy(&r.path).into(),
            )
        })
    }

    #[test]
    fn operands_follow_rsyncs_rules() {
        let pair = |h: &str, p: &str| Some((h.to_string(), p.to_string()));
        assert_eq!(remote("host:dir/x"), pair("host", "dir/x"));
        assert_eq!(remote("me@host:dir"), pair("me@host", "dir"));
        assert_eq!(remote("host:"), pair("host", "."));
        assert_eq!(remote("[::1]:d/"), pair("::1", "d/"));
        assert_eq!(remote("./a:b"), None);
        assert_eq!(remote("dir/a:b"), None);
        assert_eq!(remote("plain"), None);
        assert_eq!(remote(":x"), None);
        assert_eq!(parse(OsStr::new("h::mod")), Err(OperandError::Daemon));
        assert_eq!(parse(OsStr::new("rsync://h/m")), Err(OperandError::Daemon));
        assert_eq!(
            parse(OsStr::new("-oProxyCommand=touch pwned:dst")),
            Err(OperandError::DashHost)
        );
        assert_eq!(parse(OsStr::new("u@-x:dst")).map(|r| r.is_some()), Ok(true));
    }

    #[test]
    fn commands_split_like_rsync() {
        let words = |s: &str| -> Vec<String> {
            split_command(s.as_bytes())
                .into_iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(words("ssh  -p 22"), ["ssh", "-p", "22"]);
        assert_eq!(words("sh 'a b' \"c d\"e"), ["sh", "a b", "c de"]);
        assert_eq!(words("x 'it''s' \"\""), ["x", "it's", ""]);
        assert_eq!(words("a\\ b"), ["a\\", "b"]);
    }
}
