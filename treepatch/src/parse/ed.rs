//! Ed scripts (`diff -e`): read into [`EdCommand`]s for our own interpreter
//! ([`crate::ed`]); nothing ever runs `ed`.
//!
//! A script starts at a command line `N[,M]X` (`X` one of `a`, `c`, `d`, `i`) and goes on
//! with the subset diff writes: more such commands (also without an address), their text up
//! to a lone `.`, `s/.//`, `w` (ignored) and `q` (ends it). A line that is a command outside
//! the subset (`1,$s/x/y/`, `!cmd`, `r file`, `e`, `g/re/...`: an address, `!`, `=`, or one
//! letter followed by anything but a letter) is refused rather than skipped: an ed script is
//! a program, and one we do not understand is not applied at all. Any other line (prose) ends
//! the script. Like a normal diff, a script names no file: it takes the name of the `Index:`
//! line before it, if any.

use std::io::BufRead;

use super::normal::{Command, command_kind};
use super::{ParseError, Parser, trim_cr};
use crate::types::{EdCommand, EdOp, EdScript, FilePatch};

/// What one line of a script is.
enum Step {
    /// A command of the subset.
    Command(EdOp),
    /// `w`: nothing to do (the applier writes the file).
    Write,
    /// `q`: the end of the script.
    Quit,
    /// Not part of the script: it ends before this line.
    End,
}

impl<R: BufRead> Parser<R> {
    /// Reads an ed script whose first command is `first` (line `no`).
    pub(super) fn ed_section(&mut self, first: &[u8], no: usize) -> Result<FilePatch, ParseError> {
        let name = self.index_name.take();
        let mut script = Vec::new();
        let mut line = Some((first.to_vec(), no));
        while let Some((l, lno)) = line.take() {
            match ed_step(trim_cr(&l), lno)? {
                Step::Command(mut op) => {
                    if let EdOp::Append { text, .. }
                    | EdOp::Insert { text, .. }
                    | EdOp::Change { text, .. } = &mut op
                    {
                        *text = self.ed_text(lno)?;
                    }
                    script.push(EdCommand { op, line: lno });
                }
                Step::Write => {}
                Step::Quit => break,
                Step::End => {
                    self.push_back(l, lno);
                    break;
                }
            }
            line = self.next_line()?;
        }
        Ok(FilePatch {
            old_path: name.clone(),
            new_path: name,
            ed: Some(Box::new(EdScript { commands: script })),
            line: no,
            ..FilePatch::default()
        })
    }

    /// Reads the text of an `a`, `c` or `i` command (line `cmd_no`) up to its lone `.`.
    fn ed_text(&mut self, cmd_no: usize) -> Result<Vec<Vec<u8>>, ParseError> {
        let mut text = Vec::new();
        loop {
            let Some(_) = self.next_line_buf()? else {
                return Err(ParseError::Truncated {
                    line: self.line_no,
                    hunk_line: cmd_no,
                });
            };
            if trim_cr(&self.buf) == b"." {
                return Ok(text);
            }
            text.push(self.buf.clone());
        }
    }
}

/// Reads an address `N` or `N,M`, or none.
fn address(s: &[u8], no: usize) -> Result<Option<(u64, u64)>, ParseError> {
    if s.is_empty() {
        return Ok(None);
    }
    let num = |t: &[u8]| super::hunk::parse_u64(t, no);
    let (a, b) = match s.iter().position(|&b| b == b',') {
        Some(c) => (num(&s[..c])?, num(&s[c + 1..])?),
        None => (num(s)?, num(s)?),
    };
    Ok(Some((a, b)))
}

/// What the line `l` (line `no`) is in a script.
fn ed_step(l: &[u8], no: usize) -> Result<Step, ParseError> {
    match l {
        b"w" => return Ok(Step::Write),
        b"q" | b"wq" => return Ok(Step::Quit),
        b"s/.//" => return Ok(Step::Command(EdOp::Unescape)),
        b"a" | b"c" | b"d" | b"i" => return Ok(Step::Command(ed_op(l[0], None, no)?)),
        _ => {}
    }
    if command_kind(l) == Some(Command::Ed) {
        let (addr, cmd) = l.split_at(l.len() - 1);
        return Ok(Step::Command(ed_op(cmd[0], address(addr, no)?, no)?));
    }
    if looks_like_a_command(l) {
        return Err(ParseError::EdCommand { line: no });
    }
    Ok(Step::End)
}

/// The op of command letter `cmd` at `addr`.
fn ed_op(cmd: u8, addr: Option<(u64, u64)>, no: usize) -> Result<EdOp, ParseError> {
    let single = |addr: Option<(u64, u64)>| -> Result<Option<u64>, ParseError> {
        match addr {
            Some((a, b)) if a != b => Err(ParseError::EdCommand { line: no }),
            a => Ok(a.map(|(a, _)| a)),
        }
    };
    let text = Vec::new();
    Ok(match cmd {
        b'a' => EdOp::Append {
            at: single(addr)?,
            text,
        },
        b'i' => EdOp::Insert {
            at: single(addr)?,
            text,
        },
        b'c' => EdOp::Change { range: addr, text },
        _ => EdOp::Delete { range: addr },
    })
}

/// True for a line that is an ed command, though not one of the subset: it starts with an
/// address or `!`/`=`, or it is one letter followed by nothing or a non-letter (`s/a/b/`,
/// `r file`, `e !cmd`).
fn looks_like_a_command(l: &[u8]) -> bool {
    match l {
        [] => false,
        [c, ..] if c.is_ascii_digit() || b".$,;/?'!=".contains(c) => true,
        [c] => c.is_ascii_alphabetic(),
        [c, d, ..] => c.is_ascii_alphabetic() && !d.is_ascii_alphabetic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::ParseError;
    use crate::parse::parse_all;
    use crate::parse::tests::{err, files};
    use crate::types::EdOp;

    #[test]
    fn reads_diff_e_output() {
        // `diff -e` of "a\nb\n" and "a\nx\n.\nb\n", named by an Index: line, then `w`, `q`.
        let p = b"Index: f\n1a\nx\n..\n.\ns/.//\na\ny\n.\n3,4d\nw\nq\nafter\n";
        let items = parse_all(p).unwrap();
        let f = files(&items)[0];
        assert_eq!(f.old_path.as_deref(), Some(&b"f"[..]));
        let ed = &f.ed.as_ref().unwrap().commands;
        assert_eq!(ed.len(), 4);
        assert_eq!(
            ed[0].op,
            EdOp::Append {
                at: Some(1),
                text: vec![b"x".to_vec(), b"..".to_vec()]
            }
        );
        assert_eq!(ed[1].op, EdOp::Unescape);
        assert!(matches!(ed[2].op, EdOp::Append { at: None, .. }));
        assert_eq!(
            ed[3].op,
            EdOp::Delete {
                range: Some((3, 4))
            }
        );
        assert_eq!(ed[3].line, 10);
    }

    #[test]
    fn refuses_commands_outside_the_subset() {
        for (p, line) in [
            (&b"3c\nx\n.\n1,$s/1/X/g\n"[..], 4),
            (b"3d\n!rm -rf /\n", 2),
            (b"3d\nr /etc/passwd\n", 2),
            (b"3d\ne\n", 2),
            (b"1,2a\nx\n.\n", 1),
        ] {
            assert!(
                matches!(err(p), ParseError::EdCommand { line: l } if l == line),
                "{}",
                String::from_utf8_lossy(p)
            );
        }
        assert!(matches!(
            err(b"3c\nx\n"),
            ParseError::Truncated { hunk_line: 1, .. }
        ));
        // Prose after a script ends it.
        let items = parse_all(b"3d\nfoo bar\n").unwrap();
        assert_eq!(files(&items)[0].ed.as_ref().unwrap().commands.len(), 1);
    }
}
