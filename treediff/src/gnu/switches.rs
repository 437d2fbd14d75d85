//! The `diff OPTIONS A/x B/x` line GNU diff writes before the changes of each file of a
//! directory comparison: the options exactly as the command line gave them (`-U 5`, `-U5`,
//! `--unified=5`, `--`, in their order, wherever they stood among the operands), each quoted
//! for a shell, then the two names quoted as in headers.
//!
//! Shell quoting, as diff 3.8 writes it: an argument is written as is unless it is empty or
//! holds a space, tab, newline or one of ``! " $ & ' ( ) * ; < = > ? [ \ ^ ` |``, or starts
//! with `#` or `~`. Then it is put in single quotes, a `'` inside written `'\''`; but an
//! argument with a `'` and none of `` ! " $ \ ` `` goes in double quotes instead
//! (`"a'b c"`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use treepatch::quote::quote_gnu;

/// Which options take a value, so that a value given as the next argument (`-U 5`,
/// `--label L`) is taken with its option and not as an operand.
#[derive(Debug, Clone, Copy)]
pub struct Takes<'a> {
    /// Short options with a required value (`U`, `C`, `x`, ...).
    pub short: &'a [u8],
    /// Long options with a required value (`label`, `exclude`, ...), whose value may be the
    /// next argument; a long option is matched by any unambiguous prefix, as getopt does.
    pub long: &'a [&'a str],
}

/// The options among `args` (the arguments after the program name), as given.
pub fn from_args(args: &[OsString], takes: Takes<'_>) -> Vec<Vec<u8>> {
    split(args, takes).0
}

/// The operands among `args` (what is neither an option nor an option's value).
pub fn operands(args: &[OsString], takes: Takes<'_>) -> Vec<Vec<u8>> {
    split(args, takes).1
}

/// `args` as (options with their values, operands).
fn split(args: &[OsString], takes: Takes<'_>) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (mut out, mut operands) = (Vec::new(), Vec::new());
    let mut it = args.iter().map(|a| a.as_bytes());
    while let Some(arg) = it.next() {
        if arg == b"--" {
            out.push(arg.to_vec());
            operands.extend(it.map(<[u8]>::to_vec));
            break;
        }
        let needs_next = if let Some(long) = arg.strip_prefix(b"--") {
            !long.contains(&b'=')
                && !long.is_empty()
                && takes.long.iter().any(|l| l.as_bytes().starts_with(long))
        } else if arg.len() > 1 && arg[0] == b'-' {
            match arg[1..].iter().position(|c| takes.short.contains(c)) {
                Some(i) => i + 2 == arg.len(),
                None => false,
            }
        } else {
            operands.push(arg.to_vec());
            continue;
        };
        out.push(arg.to_vec());
        if needs_next && let Some(value) = it.next() {
            out.push(value.to_vec());
        }
    }
    (out, operands)
}

/// `diff SWITCHES A B` with every switch quoted for a shell and the names as in headers.
pub fn diff_line(switches: &[Vec<u8>], a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut line = b"diff".to_vec();
    for s in switches {
        line.push(b' ');
        line.extend_from_slice(&shell_quote(s));
    }
    for name in [a, b] {
        line.push(b' ');
        line.extend_from_slice(&quote_gnu(name));
    }
    line
}

fn needs_quotes(arg: &[u8]) -> bool {
    arg.is_empty()
        || matches!(arg[0], b'#' | b'~')
        || arg.iter().any(|c| b" \t\n!\"$&'()*;<=>?[\\^`|".contains(c))
}

/// `arg` quoted for a shell as GNU diff quotes it.
pub fn shell_quote(arg: &[u8]) -> Vec<u8> {
    if !needs_quotes(arg) {
        return arg.to_vec();
    }
    treepatch::quote::shell_quoted(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAKES: Takes<'static> = Takes {
        short: b"UCx",
        long: &["label", "exclude"],
    };

    fn switches(args: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        from_args(&args, TAKES)
            .into_iter()
            .map(|s| String::from_utf8(s).expect("utf-8"))
            .collect()
    }

    #[test]
    fn options_are_kept_as_given_without_operands() {
        assert_eq!(switches(&["-U", "5", "A", "B"]), ["-U", "5"]);
        assert_eq!(switches(&["A", "-rU5", "B", "-N"]), ["-rU5", "-N"]);
        assert_eq!(
            switches(&["--lab", "x", "A", "--label=y", "B"]),
            ["--lab", "x", "--label=y"]
        );
        assert_eq!(switches(&["-u", "--", "-A", "B"]), ["-u", "--"]);
        assert_eq!(switches(&["-", "B"]), Vec::<String>::new());
        let args: Vec<OsString> = ["-U", "5", "A", "--", "-B"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(operands(&args, TAKES), [b"A".to_vec(), b"-B".to_vec()]);
    }

    #[test]
    fn arguments_are_quoted_as_gnu_quotes_them() {
        let q = |s: &str| String::from_utf8(shell_quote(s.as_bytes())).expect("utf-8");
        assert_eq!(q("-u"), "-u");
        assert_eq!(q("--unified=2"), "'--unified=2'");
        assert_eq!(q("*.o"), "'*.o'");
        assert_eq!(q("~a"), "'~a'");
        assert_eq!(q("a~#{}]%+,:@"), "a~#{}]%+,:@");
        assert_eq!(q(""), "''");
        assert_eq!(q("a'b c"), "\"a'b c\"");
        assert_eq!(q("a'$b"), "'a'\\''$b'");
        assert_eq!(
            String::from_utf8(diff_line(&[b"-r".to_vec()], b"a/x", b"b/s p")).expect("utf-8"),
            "diff -r a/x \"b/s p\""
        );
    }
}
