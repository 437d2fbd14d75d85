//! GNU patch 2.7.6's personality: what changes when the tool runs under the name `patch` (or
//! with `--gnu`), and the GNU options that only make sense there.
//!
//! The planner decides what happens to each file the same way under both names; this module
//! holds the settings that GNU's options add on top (where backups go and when they are made,
//! where rejects go and in which format, how names are quoted in messages, what to do with a
//! read-only file), the text GNU echoes when it cannot find a file (`echo`), and its quoting
//! styles (`quote`). Under `applypatch` every setting here has the value that keeps today's
//! behaviour: no backups, rejects beside each file, shell quoting.

mod backup;
pub(crate) mod echo;
mod quote;
mod time;

use std::path::PathBuf;

pub use backup::{Backup, BackupWhen, Method};
pub use quote::Quoting;
pub use time::SetTime;

/// Where the hunks that fail go (`-r`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RejectTo {
    /// `FILE.rej` beside each file (the default).
    #[default]
    Beside,
    /// `-r FILE`: every reject of the run into this one file.
    File(PathBuf),
    /// `-r -`: nowhere.
    Discard,
}

/// The format of reject files (`--reject-format`); by default the patch's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectFormat {
    /// `*** a,b ****` / `--- c,d ----` hunks.
    Context,
    /// `@@ -a,b +c,d @@` hunks.
    Unified,
}

impl RejectFormat {
    /// `context` or `unified` (GNU accepts no abbreviation here).
    pub fn parse(word: &str) -> Option<RejectFormat> {
        match word {
            "context" => Some(RejectFormat::Context),
            "unified" => Some(RejectFormat::Unified),
            _ => None,
        }
    }
}

/// What to do with a file to patch that is read-only (`--read-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadOnly {
    /// Patch it without a word.
    Ignore,
    /// Patch it, with GNU's warning (the default).
    #[default]
    Warn,
    /// Refuse to patch it (the file fails).
    Fail,
}

impl ReadOnly {
    /// `ignore`, `warn` or `fail`.
    pub fn parse(word: &str) -> Option<ReadOnly> {
        match word {
            "ignore" => Some(ReadOnly::Ignore),
            "warn" => Some(ReadOnly::Warn),
            "fail" => Some(ReadOnly::Fail),
            _ => None,
        }
    }
}
