//! `-x/--exclude GLOB` as GNU diff means it: shell globs matched against an entry's *name*
//! (its last component), so `-x '*.o'` skips object files at every depth and `-x .git` skips
//! every `.git`. A pattern holding a `/` is matched against the whole relative path instead.
//! An excluded directory is skipped with everything in it.

use std::ffi::OsStr;
use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// A set of exclusion patterns; empty means nothing is excluded.
#[derive(Debug, Clone, Default)]
pub struct Exclude {
    names: Option<GlobSet>,
    paths: Option<GlobSet>,
}

/// A pattern that is not a valid glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern '{pattern}'")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// Why globset refused it.
    #[source]
    pub source: globset::Error,
}

impl Exclude {
    /// Builds the set from patterns (as given on the command line).
    pub fn new<I, S>(patterns: I) -> Result<Self, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let (mut n, mut p) = (0, 0);
        for pat in patterns {
            let pat = pat.as_ref();
            let glob = GlobBuilder::new(pat.trim_start_matches("./"))
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|source| PatternError {
                    pattern: pat.to_owned(),
                    source,
                })?;
            if pat.contains('/') {
                paths.add(glob);
                p += 1;
            } else {
                names.add(glob);
                n += 1;
            }
        }
        let build = |b: GlobSetBuilder, count: usize| -> Result<Option<GlobSet>, PatternError> {
            if count == 0 {
                return Ok(None);
            }
            b.build().map(Some).map_err(|source| PatternError {
                pattern: String::new(),
                source,
            })
        };
        Ok(Exclude {
            names: build(names, n)?,
            paths: build(paths, p)?,
        })
    }

    /// Reads patterns from a file, one per line, as GNU diff's `-X FILE` (empty lines skipped,
    /// trailing whitespace trimmed).
    pub fn patterns_from_file(contents: &[u8]) -> Vec<String> {
        contents
            .split(|&b| b == b'\n')
            .map(|l| String::from_utf8_lossy(l).trim_end().to_owned())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// True when nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.names.is_none() && self.paths.is_none()
    }

    /// True when the entry at `rel` (relative to the root; never the root itself) is excluded.
    pub fn is_excluded(&self, rel: &Path) -> bool {
        let name = rel.file_name().unwrap_or(OsStr::new(""));
        self.names.as_ref().is_some_and(|n| n.is_match(name))
            || self.paths.as_ref().is_some_and(|p| p.is_match(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_at_any_depth_and_paths_match_whole() {
        let x = Exclude::new(["*.o", ".git", "build/out"]).unwrap();
        assert!(x.is_excluded(Path::new("a/b/c.o")));
        assert!(x.is_excluded(Path::new(".git")));
        assert!(x.is_excluded(Path::new("sub/.git")));
        assert!(x.is_excluded(Path::new("build/out")));
        assert!(!x.is_excluded(Path::new("x/build/out")));
        assert!(!x.is_excluded(Path::new("c.c")));
        assert!(Exclude::new(Vec::<String>::new()).unwrap().is_empty());
    }

    #[test]
    fn exclude_file_lines() {
        assert_eq!(
            Exclude::patterns_from_file(b"*.o  \n\n.deps\n"),
            vec!["*.o", ".deps"]
        );
    }
}
