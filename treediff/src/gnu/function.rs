//! `-p` and `-F RE`: the text GNU diff writes after a hunk's `@@` line (unified) or
//! `***************` (context), naming the function (the last line matching RE) the hunk is
//! in.
//!
//! Rules encoded here (from GNU diff 3.8, black-box):
//!
//! - The line is the last one of the old file *before* the hunk's first line (its context
//!   included) that matches any of the expressions (`-p` is `^[[:alpha:]$_]`); a match found
//!   for an earlier hunk still counts when no later line matches.
//! - It is written without its leading white space, cut to 40 bytes (even inside a UTF-8
//!   character), then without its trailing white space; nothing when no line matched.
//! - The normal, ed and side-by-side formats write no such text.

use super::bre::Bre;
use crate::hunk::TextDiff;

/// What `-p` stands for.
pub const C_FUNCTION: &[u8] = b"^[[:alpha:]$_]";

/// The longest text written, in bytes.
const WIDTH: usize = 40;

/// Finds each hunk's function line, hunk after hunk (the search goes on from where the last
/// one stopped, so a file is scanned once).
pub struct Headings<'r> {
    res: &'r [Bre],
    /// Lines before this one have been searched.
    searched: usize,
    /// The last matching line found, as written.
    found: Vec<u8>,
}

fn is_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

impl<'r> Headings<'r> {
    /// A search for lines matching any of `res` (none: every heading is empty).
    pub fn new(res: &'r [Bre]) -> Self {
        Headings {
            res,
            searched: 0,
            found: Vec::new(),
        }
    }

    /// The text for a hunk whose first old line is `start` (0-based).
    pub fn before(&mut self, d: &TextDiff<'_>, start: usize) -> &[u8] {
        if self.res.is_empty() || start <= self.searched {
            return &self.found;
        }
        let last = d
            .old_lines(self.searched, start)
            .filter(|l| {
                let text = l.strip_suffix(b"\n").unwrap_or(l);
                self.res.iter().any(|re| re.is_match(text))
            })
            .last();
        self.searched = start;
        if let Some(line) = last {
            let text = line.strip_suffix(b"\n").unwrap_or(line);
            let lead = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
            let cut = &text[lead..text.len().min(lead + WIDTH)];
            let end = cut.iter().rposition(|b| !is_space(b)).map_or(0, |i| i + 1);
            self.found = cut[..end].to_vec();
        }
        &self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_match_before_the_hunk_trimmed_and_cut() {
        let old = b"\t  int main(void)  \nx\ny\n  not\nz\n";
        let new = b"\t  int main(void)  \nx\ny\n  not\nZ\n";
        let d = TextDiff::new(old, new).expect("diffable");
        let res = [Bre::new(b"main").expect("valid")];
        let mut h = Headings::new(&res);
        assert_eq!(h.before(&d, 0), b"");
        assert_eq!(h.before(&d, 1), b"int main(void)");
        assert_eq!(h.before(&d, 4), b"int main(void)");
        let long = [b'f'; 50];
        let d = TextDiff::new(&long, b"g").expect("diffable");
        let res = [Bre::new(C_FUNCTION).expect("valid")];
        assert_eq!(Headings::new(&res).before(&d, 1), &long[..40]);
    }
}
