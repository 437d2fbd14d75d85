//! Backups of the files a run patches (`-b`, GNU's backup-if-mismatch, `-V`, `-B`, `-Y`,
//! `-z`): when one is made and what it is called.
//!
//! Learnt black-box from GNU patch 2.7.6: a backup holds the file as it was before the run
//! (a file the run creates is backed up as an empty file); it is made once per file and run,
//! before the first change. The simple name is `FILE` + suffix (`.orig`, `-z`,
//! `$SIMPLE_BACKUP_SUFFIX`); `-B P` makes it `P` + `FILE` and `-Y P` `DIR/P` + basename, both
//! without the suffix unless `-z` gives one; directories they need are created. `numbered`
//! names are `FILE.~N~`, one more than the highest there; `existing` (the default) is
//! numbered when a numbered backup is there already, else simple. Backups are planned like any other file of
//! the run, so they go through the same safe tree and can never land outside the target: a
//! prefix that would lead out of it (absolute, or with a `..` component) is refused.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// When a file is backed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupWhen {
    /// Never (`applypatch`, `--posix`, `--no-backup-if-mismatch`).
    Never,
    /// When a hunk applied with an offset or fuzz, or failed (GNU's default).
    OnMismatch,
    /// Always (`-b`).
    Always,
}

/// How backup names are made (`-V`, `$VERSION_CONTROL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `FILE.orig` (`simple`, `never`).
    Simple,
    /// `FILE.~N~` (`numbered`, `t`).
    Numbered,
    /// Numbered if a numbered backup exists, else simple (`existing`, `nil`, and GNU
    /// patch's default; `none` and `off` too, which GNU patch takes the same way when it
    /// makes a backup at all).
    Existing,
}

impl Method {
    /// A `-V` word, any unambiguous prefix of one (as GNU's argmatch takes them).
    pub fn parse(word: &str) -> Option<Method> {
        const WORDS: [(&str, Method); 8] = [
            ("none", Method::Existing),
            ("off", Method::Existing),
            ("simple", Method::Simple),
            ("never", Method::Simple),
            ("existing", Method::Existing),
            ("nil", Method::Existing),
            ("numbered", Method::Numbered),
            ("t", Method::Numbered),
        ];
        if let Some((_, m)) = WORDS.iter().find(|(w, _)| *w == word) {
            return Some(*m);
        }
        let mut hits = WORDS.iter().filter(|(w, _)| w.starts_with(word));
        let first = hits.next()?.1;
        hits.all(|(_, m)| *m == first).then_some(first)
    }

    /// GNU's message for a bad word, from `-V` (`cli`) or `$VERSION_CONTROL`.
    pub fn refusal(word: &str, cli: bool) -> String {
        let what = if cli {
            "--version-control or -V option"
        } else {
            "$VERSION_CONTROL"
        };
        format!(
            "invalid argument '{word}' for '{what}'\nValid arguments are:\n  - 'none', 'off'\n  - 'simple', 'never'\n  - 'existing', 'nil'\n  - 'numbered', 't'"
        )
    }
}

/// The backup settings of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// When.
    pub when: BackupWhen,
    /// How names are made.
    pub method: Method,
    /// `-B`.
    pub prefix: Option<PathBuf>,
    /// `-Y`.
    pub basename_prefix: Option<PathBuf>,
    /// `-z` (or `$SIMPLE_BACKUP_SUFFIX`, or `.orig`).
    pub suffix: String,
    /// Whether the suffix was given (`-z`): the prefixes then keep it.
    pub suffix_given: bool,
}

impl Default for Backup {
    fn default() -> Self {
        Backup {
            when: BackupWhen::Never,
            method: Method::Existing,
            prefix: None,
            basename_prefix: None,
            suffix: ".orig".into(),
            suffix_given: false,
        }
    }
}

/// Why a backup name cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("backup prefix {0} would put backups outside the target directory")]
pub struct OutsideTarget(pub String);

impl Backup {
    /// Whether the run makes backups of files that matched with offset or fuzz (`mismatch`)
    /// or of every file.
    pub fn wanted(&self, mismatch: bool) -> bool {
        match self.when {
            BackupWhen::Never => false,
            BackupWhen::OnMismatch => mismatch,
            BackupWhen::Always => true,
        }
    }

    /// Refuses prefixes that would lead out of the target.
    pub fn check(&self) -> Result<(), OutsideTarget> {
        for p in [&self.prefix, &self.basename_prefix].into_iter().flatten() {
            let bad = p.is_absolute() || p.components().any(|c| c == Component::ParentDir);
            if bad {
                return Err(OutsideTarget(p.display().to_string()));
            }
        }
        Ok(())
    }

    /// The backup name of `file` (relative to the target). `exists` tells which names are
    /// taken (for numbered backups, `siblings` lists the names in `file`'s directory).
    pub fn name(&self, file: &Path, siblings: &[OsString]) -> PathBuf {
        let dir = file.parent().unwrap_or(Path::new(""));
        let base = file.file_name().unwrap_or(OsStr::new(""));
        let highest = highest_number(base, siblings);
        let numbered = match self.method {
            Method::Numbered => true,
            Method::Existing => highest > 0,
            Method::Simple => false,
        };
        if numbered {
            let mut n = base.to_os_string();
            n.push(format!(".~{}~", highest + 1));
            return dir.join(n);
        }
        let prefixed = self.prefix.is_some() || self.basename_prefix.is_some();
        let mut name = OsString::new();
        if let Some(y) = &self.basename_prefix {
            name.push(y.as_os_str());
        }
        name.push(base);
        if !prefixed || self.suffix_given {
            name.push(&self.suffix);
        }
        let simple = dir.join(name);
        match &self.prefix {
            Some(b) => {
                let mut whole = b.as_os_str().to_os_string();
                whole.push(simple.as_os_str());
                PathBuf::from(whole)
            }
            None => simple,
        }
    }
}

/// The highest N of the `BASE.~N~` names among `siblings` (0 if none).
fn highest_number(base: &OsStr, siblings: &[OsString]) -> u64 {
    let base = base.as_bytes();
    siblings
        .iter()
        .filter_map(|s| {
            let rest = s.as_bytes().strip_prefix(base)?.strip_prefix(b".~")?;
            let digits = rest.strip_suffix(b"~")?;
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(digits).ok()?.parse::<u64>().ok()
        })
        .max()
        .unwrap_or(0)
}

/// `name` as an `OsString` (for tests).
#[cfg(test)]
fn os(name: &str) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(name.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_gnu_makes_them() {
        let mut b = Backup {
            method: Method::Simple,
            ..Backup::default()
        };
        assert_eq!(b.name(Path::new("src/a"), &[]), Path::new("src/a.orig"));
        b.prefix = Some("bak/".into());
        assert_eq!(b.name(Path::new("src/a"), &[]), Path::new("bak/src/a"));
        b.prefix = None;
        b.basename_prefix = Some(".del/".into());
        assert_eq!(b.name(Path::new("src/a"), &[]), Path::new("src/.del/a"));
        b.prefix = Some("y".into());
        b.basename_prefix = Some("x".into());
        b.suffix = ".SUF".into();
        b.suffix_given = true;
        assert_eq!(b.name(Path::new("src/a"), &[]), Path::new("ysrc/xa.SUF"));
        let b = Backup {
            method: Method::Numbered,
            ..Backup::default()
        };
        let sib = [os("a"), os("a.~2~"), os("a.~x~"), os("ab.~7~")];
        assert_eq!(b.name(Path::new("d/a"), &sib), Path::new("d/a.~3~"));
        let b = Backup {
            method: Method::Existing,
            ..Backup::default()
        };
        assert_eq!(b.name(Path::new("a"), &[os("a")]), Path::new("a.orig"));
        assert_eq!(b.name(Path::new("a"), &sib), Path::new("a.~3~"));
    }

    #[test]
    fn methods_and_prefixes() {
        assert_eq!(Method::parse("t"), Some(Method::Numbered));
        assert_eq!(Method::parse("numb"), Some(Method::Numbered));
        assert_eq!(Method::parse("n"), None);
        assert_eq!(Method::parse("ne"), Some(Method::Simple));
        let b = Backup {
            prefix: Some("/junk/".into()),
            ..Backup::default()
        };
        assert!(b.check().is_err());
        let b = Backup {
            basename_prefix: Some("../x".into()),
            ..Backup::default()
        };
        assert!(b.check().is_err());
    }
}
