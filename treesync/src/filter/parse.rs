//! The text of filter rules, as `--filter` and merge files write them: `RULE[,MODIFIERS]
//! PATTERN` with a short (`- + . : H S P R !`) or long (`exclude`, `dir-merge`, ...) rule name,
//! the pattern after one space or `_`; merge files read line by line (`#`/`;` comments, empty
//! lines skipped), by words (`w`), as bare patterns (`+`/`-`) or as a `.cvsignore` (`C`).
//! Errors are rsync's sentences (exit 1), an unreadable merge file rsync's exit 11.

use std::ffi::OsStr;
use std::io::{self, Read};
use std::os::unix::ffi::OsStrExt;

use super::{Action, FileRules, Filters, Item, MergeSpec, Mods, Rule, cvs};

/// A rule that cannot be read, or a merge file that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum FilterError {
    /// Bad rule text (rsync exit 1).
    #[error("{0}")]
    Syntax(String),
    /// A merge file that cannot be read (rsync exit 11).
    #[error("failed to open exclude file {name}: {source}")]
    Open {
        /// The file as named.
        name: String,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// One parsed rule.
#[derive(Debug)]
pub(super) enum Parsed {
    Rule(Action, Mods, Vec<u8>),
    /// `-C`: the CVS default excludes.
    Cvs(Mods),
    /// `!`: clear the current list.
    Clear,
    Merge(FileRules, Vec<u8>),
    DirMerge(FileRules, Vec<u8>),
}

/// Why a rule could not be read (worded with the rule by [`Why::say`]).
enum Why {
    Unknown,
    Modifier(u8, usize),
    Trailing,
    End,
}

impl Why {
    fn say(self, shown: &str) -> FilterError {
        FilterError::Syntax(match self {
            Why::Unknown => format!("Unknown filter rule: {shown}"),
            Why::Modifier(c, at) => format!(
                "invalid modifier '{}' at position {at} in filter rule: {shown}",
                char::from(c)
            ),
            Why::Trailing => format!("'!' rule has trailing characters: {shown}"),
            Why::End => format!("unexpected end of filter rule: {shown}"),
        })
    }
}

const LONG: [(&[u8], u8); 9] = [
    (b"exclude", b'-'),
    (b"include", b'+'),
    (b"merge", b'.'),
    (b"dir-merge", b':'),
    (b"hide", b'H'),
    (b"show", b'S'),
    (b"protect", b'P'),
    (b"risk", b'R'),
    (b"clear", b'!'),
];

/// The rule name at the start of `t`: its letter and where its modifiers start.
fn rule_name(t: &[u8]) -> Option<(u8, usize)> {
    for (word, c) in LONG {
        if let Some(rest) = t.strip_prefix(word)
            && matches!(rest.first(), None | Some(b',' | b' ' | b'_'))
        {
            let skip = usize::from(rest.first() == Some(&b','));
            return Some((c, word.len() + skip));
        }
    }
    let c = *t.first()?;
    if !b"-+.:HSPR!".contains(&c) {
        return None;
    }
    Some((c, 1 + usize::from(t.get(1) == Some(&b','))))
}

/// Parse one rule `t` read with `how`'s defaults.
fn parse_with(t: &[u8], how: &FileRules) -> Result<Parsed, Why> {
    if how.cvs {
        return Ok(match t {
            b"!" => Parsed::Clear,
            _ => Parsed::Rule(Action::Exclude, how.mods, t.to_vec()),
        });
    }
    if let Some(a) = how.only {
        return Ok(Parsed::Rule(a, how.mods, t.to_vec()));
    }
    let (c, mut at) = rule_name(t).ok_or(Why::Unknown)?;
    let mut mods = how.mods;
    let mut file = FileRules::default();
    let mut cvs = false;
    while let Some(&m) = t.get(at).filter(|b| !matches!(b, b' ' | b'_')) {
        let ok = modifier(c, m, &mut mods, &mut cvs)
            || (b".:".contains(&c) && file_modifier(&mut file, m));
        if !ok {
            return Err(Why::Modifier(m, at));
        }
        at += 1;
    }
    let pattern = t.get(at + 1..).unwrap_or_default().to_vec();
    let rest_given = at < t.len();
    match c {
        b'H' | b'S' => mods.sender = true,
        b'P' | b'R' => mods.receiver = true,
        _ => {}
    }
    file.mods = mods;
    let action = match c {
        b'+' | b'S' | b'R' => Action::Include,
        _ => Action::Exclude,
    };
    match c {
        b'!' if rest_given => Err(Why::Trailing),
        b'!' => Ok(Parsed::Clear),
        b'-' | b'+' if cvs => Ok(Parsed::Cvs(mods)),
        b'.' | b':' if cvs => {
            file.cvs = true;
            file.no_inherit = true;
            let name = match pattern.is_empty() {
                true => b".cvsignore".to_vec(),
                false => pattern,
            };
            Ok(match c {
                b'.' => Parsed::Merge(file, name),
                _ => Parsed::DirMerge(file, name),
            })
        }
        _ if pattern.is_empty() => Err(Why::End),
        b'.' => Ok(Parsed::Merge(file, pattern)),
        b':' => Ok(Parsed::DirMerge(file, pattern)),
        _ => Ok(Parsed::Rule(action, mods, pattern)),
    }
}

/// A modifier of rule `c` that sets `mods` (or `cvs` for `C`); false if `c` takes no `m`.
fn modifier(c: u8, m: u8, mods: &mut Mods, cvs: &mut bool) -> bool {
    let any = b"-+HSPR.:".contains(&c);
    let plain = b"-+HSPR".contains(&c);
    let sided = b"-+.:".contains(&c);
    let flag = match m {
        b'/' if any => &mut mods.absolute,
        b'!' if plain => &mut mods.negate,
        b'C' if sided => cvs,
        b's' if sided => &mut mods.sender,
        b'r' if sided => &mut mods.receiver,
        b'p' if any => &mut mods.perishable,
        b'x' if any => &mut mods.xattr,
        _ => return false,
    };
    *flag = true;
    true
}

/// A merge rule's own modifiers (`- + e n w`).
fn file_modifier(file: &mut FileRules, m: u8) -> bool {
    match m {
        b'-' => file.only = Some(Action::Exclude),
        b'+' => file.only = Some(Action::Include),
        b'e' => file.exclude_self = true,
        b'n' => file.no_inherit = true,
        b'w' => file.words = true,
        _ => return false,
    }
    true
}

/// The rules a merge file's `data` holds, each with how rsync names it in an error.
pub(super) fn records(data: &[u8], how: &FileRules, from0: bool) -> Vec<(usize, Vec<u8>)> {
    let sep = if from0 { b'\0' } else { b'\n' };
    let mut out = Vec::new();
    for (n, line) in data.split(|&b| b == sep).enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if how.words || how.cvs {
            words(line, n + 1, &mut out);
            continue;
        }
        if line.is_empty() || line.starts_with(b"#") || line.starts_with(b";") {
            continue;
        }
        out.push((n + 1, line.to_vec()));
    }
    out
}

/// A line split on white space, each word a rule (rsync 3.5 does not join a lone rule name
/// with the next word: `- foo` in a `w` file is an error).
fn words(line: &[u8], n: usize, out: &mut Vec<(usize, Vec<u8>)>) {
    let it = line
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    out.extend(it.map(|w| (n, w.to_vec())));
}

/// Read the file `name` (`-`: standard input).
pub(super) fn read_file(name: &[u8]) -> Result<Vec<u8>, FilterError> {
    let mut data = Vec::new();
    let read = match name {
        b"-" => io::stdin().lock().read_to_end(&mut data),
        _ => {
            std::fs::File::open(OsStr::from_bytes(name)).and_then(|mut f| f.read_to_end(&mut data))
        }
    };
    read.map_err(|source| FilterError::Open {
        name: String::from_utf8_lossy(name).into_owned(),
        source,
    })?;
    Ok(data)
}

/// How deep `.` merge files may include one another.
const MAX_DEPTH: u8 = 16;

impl Filters {
    /// Add one `--filter` rule (a `.` merge file is read now, relative to the working
    /// directory; `from0`: its rules end in NULs).
    pub fn add_rule(&mut self, text: &[u8], from0: bool) -> Result<(), FilterError> {
        let shown = String::from_utf8_lossy(text).into_owned();
        let parsed = parse_with(text, &FileRules::default()).map_err(|w| w.say(&shown))?;
        self.add_parsed(parsed, from0)
    }

    /// `-C`: the CVS excludes (perishable defaults, `~/.cvsignore`, `$CVSIGNORE`) and the
    /// per-directory `.cvsignore` files, after every other rule.
    pub fn add_cvs_exclude(&mut self) {
        let cvs = cvs::rules(Mods::default());
        self.items.extend(cvs.into_iter().map(Item::Rule));
        let how = FileRules {
            cvs: true,
            no_inherit: true,
            ..FileRules::default()
        };
        self.add_dir_merge(how, b".cvsignore".to_vec());
    }

    fn add_parsed(&mut self, parsed: Parsed, from0: bool) -> Result<(), FilterError> {
        match parsed {
            Parsed::Rule(a, mods, pattern) => {
                let rules = Rule::new(a, &pattern, mods);
                self.items.extend(rules.into_iter().map(Item::Rule));
            }
            Parsed::Cvs(mods) => {
                self.items
                    .extend(cvs::rules(mods).into_iter().map(Item::Rule));
            }
            Parsed::Clear => self.items.clear(),
            Parsed::Merge(how, name) => self.merge_file(&how, &name, from0)?,
            Parsed::DirMerge(how, name) => self.add_dir_merge(how, name),
        }
        Ok(())
    }

    /// A `dir-merge` rule: its place in the list (and `e`'s exclude of the file's name).
    fn add_dir_merge(&mut self, how: FileRules, name: Vec<u8>) {
        let base = name.rsplit(|&b| b == b'/').next().unwrap_or(&name).to_vec();
        self.merges.push(MergeSpec { name, how });
        self.items.push(Item::DirMerge(self.merges.len() - 1));
        if how.exclude_self {
            self.push(Action::Exclude, &base);
        }
    }

    /// A `.` merge file: its rules in place of the merge rule.
    fn merge_file(&mut self, how: &FileRules, name: &[u8], from0: bool) -> Result<(), FilterError> {
        if self.depth >= MAX_DEPTH {
            let shown = String::from_utf8_lossy(name);
            return Err(FilterError::Syntax(format!(
                "merge files nest too deeply: {shown}"
            )));
        }
        let data = read_file(name)?;
        self.depth += 1;
        let shown = String::from_utf8_lossy(name).into_owned();
        for (n, text) in records(&data, how, from0) {
            let what = match how.words || how.cvs {
                true => format!("<rule from {shown}>"),
                false => format!("<rule from {shown} line {n}>"),
            };
            let parsed = parse_with(&text, how).map_err(|w| w.say(&what));
            let done = parsed.and_then(|p| self.add_parsed(p, from0));
            if let Err(e) = done {
                self.depth -= 1;
                return Err(e);
            }
        }
        self.depth -= 1;
        Ok(())
    }
}

/// The rules of one per-directory file (`shown`: its path, for errors), `Clear` kept in
/// place; merge rules inside a per-directory file are refused.
pub(super) fn per_dir_rules(
    data: &[u8],
    how: &FileRules,
    shown: &str,
) -> Result<Vec<Option<Rule>>, FilterError> {
    let mut out = Vec::new();
    for (n, text) in records(data, how, false) {
        let what = match how.words || how.cvs {
            true => format!("<rule from {shown}>"),
            false => format!("<rule from {shown} line {n}>"),
        };
        match parse_with(&text, how).map_err(|w| w.say(&what))? {
            Parsed::Rule(a, mods, p) => out.extend(Rule::new(a, &p, mods).into_iter().map(Some)),
            Parsed::Cvs(mods) => out.extend(cvs::rules(mods).into_iter().map(Some)),
            Parsed::Clear => out.push(None),
            Parsed::Merge(..) | Parsed::DirMerge(..) => {
                return Err(FilterError::Syntax(format!(
                    "merge rules inside a per-directory file are not supported by treesync: {what}"
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(t: &str) -> Result<Parsed, String> {
        parse_with(t.as_bytes(), &FileRules::default()).map_err(|w| w.say(t).to_string())
    }

    #[test]
    fn rule_names_and_modifiers() {
        assert!(matches!(one("- foo"), Ok(Parsed::Rule(Action::Exclude, _, p)) if p == b"foo"));
        assert!(matches!(one("+_foo"), Ok(Parsed::Rule(Action::Include, _, p)) if p == b"foo"));
        assert!(matches!(
            one("exclude foo"),
            Ok(Parsed::Rule(Action::Exclude, ..))
        ));
        assert!(matches!(one("-! */"), Ok(Parsed::Rule(_, m, _)) if m.negate));
        assert!(matches!(one("P x"), Ok(Parsed::Rule(_, m, _)) if m.receiver && !m.sender));
        assert!(matches!(one(":n- .x"), Ok(Parsed::DirMerge(f, _)) if f.no_inherit));
        assert!(matches!(one("dir-merge,e .r"), Ok(Parsed::DirMerge(f, _)) if f.exclude_self));
        assert!(matches!(one("-C"), Ok(Parsed::Cvs(_))));
        assert!(matches!(one("!"), Ok(Parsed::Clear)));
        assert_eq!(one("xyz foo").unwrap_err(), "Unknown filter rule: xyz foo");
        assert_eq!(
            one("-z foo").unwrap_err(),
            "invalid modifier 'z' at position 1 in filter rule: -z foo"
        );
        assert_eq!(
            one("dir-merge,z .x").unwrap_err(),
            "invalid modifier 'z' at position 10 in filter rule: dir-merge,z .x"
        );
        assert_eq!(
            one("! x").unwrap_err(),
            "'!' rule has trailing characters: ! x"
        );
        assert_eq!(one("- ").unwrap_err(), "unexpected end of filter rule: - ");
        assert_eq!(
            one("merge").unwrap_err(),
            "unexpected end of filter rule: merge"
        );
    }

    #[test]
    fn word_split_files() {
        let how = FileRules {
            words: true,
            only: Some(Action::Exclude),
            ..FileRules::default()
        };
        let r: Vec<Vec<u8>> = records(b"foo  bar\n#baz", &how, false)
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(r, vec![b"foo".to_vec(), b"bar".to_vec(), b"#baz".to_vec()]);
    }
}
