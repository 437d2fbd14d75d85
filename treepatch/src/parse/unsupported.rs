//! The diff formats refused: context diffs, normal diffs and ed scripts.
//!
//! Skipping them as garbage would apply nothing and report success, so their first line is an
//! error naming what to use instead. An ed script is a program; nothing here ever runs one.
//! The tell-tale lines are checked with one line of look-ahead so prose is not refused: `2c2`
//! is a normal diff only when a `< ` or `> ` line follows, `*** NAME` starts a context diff only
//! when `--- ` follows (`***************` always does), and a lone `2c` or `1,3d` is an ed
//! command. `2cats` and `1,2 d` are text.

use std::io::BufRead;

use super::{ParseError, Parser};

impl<R: BufRead> Parser<R> {
    /// Fails on the first line of a context diff, a normal diff or an ed script.
    pub(super) fn refuse_other_formats(&mut self, l: &[u8], no: usize) -> Result<(), ParseError> {
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
    use crate::parse::tests::err;
    use crate::parse::{ParseError, parse_all};

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
}
