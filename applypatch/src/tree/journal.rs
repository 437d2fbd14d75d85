//! The run's journal: where its temporaries are, so that nothing it stages outlives it.
//!
//! A run that stages temporaries first creates, in the target's root, a journal file
//! `.applypatch-run.RRRRRRRR.tmp~`, holds an exclusive lock on it for as long as it lives,
//! and names every temporary `.NAME.RRRRRRRR-XXXXXXXX.tmp~` with the same run id `RRRRRRRR`.
//! Before the first temporary goes into a directory, the directory's path (relative to the
//! root, NUL-terminated) is appended to the journal. A run that ends in any way it controls
//! removes its temporaries (the tree's drop), then the journal; one that is killed leaves both.
//! The next run on the same tree looks for journals in the root whose lock it can take (their
//! run is gone; a live run's lock blocks it), removes in each listed directory the
//! temporaries of that run, and then the journal.
//!
//! The journal is read as hostile like everything else in the tree: every directory in it is
//! opened beneath the root, component by component, never through a symlink and never `..`;
//! only names of that exact run's shape are removed.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use fstree::{Dir, DirCache, TempStyle};

/// The journal's name before its run id: `.applypatch-run.RRRRRRRR.tmp~`.
const STEM: &str = "applypatch-run";

/// A live run's journal.
pub(super) struct Journal {
    file: std::fs::File,
    name: OsString,
    run: u32,
    /// Directories already written to the journal, by their path bytes.
    dirs: std::collections::HashSet<Vec<u8>>,
}

impl Journal {
    /// Creates and locks a new journal in `root`.
    pub(super) fn start(root: &Dir) -> std::io::Result<Journal> {
        let temp = root.create_temp(OsStr::new(STEM), TempStyle::Tool, 0o600)?;
        let (file, name) = temp.keep();
        let run = run_of(&name).ok_or_else(|| std::io::Error::other("bad journal name"))?;
        if let Err(e) = file.lock() {
            let _ = root.remove_file(&name);
            return Err(e);
        }
        Ok(Journal {
            file,
            name,
            run,
            dirs: std::collections::HashSet::new(),
        })
    }

    /// The style of this run's temporary names.
    pub(super) fn style(&self) -> TempStyle {
        TempStyle::Run(self.run)
    }

    /// Records that temporaries go into `dir` (relative to the root), before the first one does.
    pub(super) fn note_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        let bytes = dir.as_os_str().as_bytes();
        if self.dirs.contains(bytes) {
            return Ok(());
        }
        self.file.write_all(&[bytes, b"\0"].concat())?;
        self.dirs.insert(bytes.to_vec());
        Ok(())
    }

    /// Whether `name` is the name of one of this run's temporaries.
    pub(super) fn is_ours(&self, name: &OsStr) -> bool {
        fstree::is_run_temp_name(name, self.run)
    }

    /// Removes this run's temporaries from every directory it staged in, as the next run
    /// would after a kill; whether all could be.
    pub(super) fn sweep(&self, dirs: &DirCache) -> bool {
        let mut all = true;
        for dir in &self.dirs {
            all &= remove_run_temps(dirs, Path::new(OsStr::from_bytes(dir)), self.run);
        }
        all
    }

    /// Removes the journal (every temporary of the run is gone).
    pub(super) fn finish(self, root: &Dir) {
        let _ = root.remove_file(&self.name);
    }
}

/// The run id of a journal's name, if it is one.
fn run_of(name: &OsStr) -> Option<u32> {
    let hex = name
        .as_bytes()
        .strip_prefix(format!(".{STEM}.").as_bytes())?
        .strip_suffix(b".tmp~")?;
    if hex.len() != 8 || !hex.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
}

/// Removes what killed runs left in the tree: for each journal in the root whose lock can be
/// taken, that run's temporaries in the directories it lists, then the journal. Best effort:
/// what cannot be removed stays for a later run.
pub(super) fn clean_after_killed_runs(dirs: &DirCache) {
    let Ok(root) = dirs.get(Path::new("")) else {
        return;
    };
    let Ok(entries) = root.entries() else {
        return;
    };
    for e in entries {
        let Some(run) = run_of(&e.name) else { continue };
        let Ok((mut file, _)) = root.open_file(&e.name, fstree::Atime::Update) else {
            continue;
        };
        // A live run holds its journal's lock.
        if file.try_lock().is_err() {
            continue;
        }
        let mut listed = Vec::new();
        if file.read_to_end(&mut listed).is_err() {
            continue;
        }
        let mut all = true;
        // Whole entries only (the root is the empty one; a torn last one names nothing).
        let entries = listed.split_inclusive(|&b| b == 0);
        for dir in entries.filter_map(|d| d.strip_suffix(b"\0")) {
            all &= remove_run_temps(dirs, Path::new(OsStr::from_bytes(dir)), run);
        }
        if all {
            let _ = root.remove_file(&e.name);
        }
    }
}

/// Removes the temporaries of `run` in `dir` (beneath the root); whether all could be.
fn remove_run_temps(dirs: &DirCache, dir: &Path, run: u32) -> bool {
    let d = match dirs.get(dir) {
        Ok(d) => d,
        // Gone: its temporaries went with it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return true,
        // Out of reach for now (a symlink in the way): left for a later run.
        Err(_) => return false,
    };
    let Ok(entries) = d.entries() else {
        return false;
    };
    // Every one is tried, whether or not an earlier one could be removed.
    let failed = entries
        .iter()
        .filter(|e| fstree::is_run_temp_name(&e.name, run))
        .filter(|e| d.remove_file(&e.name).is_err())
        .count();
    failed == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_runs_temporaries_stay_and_a_dead_runs_go() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("sub")).unwrap();
        let root = Dir::open_ambient(t.path(), fstree::Atime::Update).unwrap();
        let mut j = Journal::start(&root).unwrap();
        j.note_dir(Path::new("sub")).unwrap();
        let sub = Dir::open_ambient(&t.path().join("sub"), fstree::Atime::Update).unwrap();
        let temp = sub.create_temp(OsStr::new("f"), j.style(), 0o600).unwrap();
        let (_, tmp) = temp.keep();
        // Not ours: another run's name, and a name like ours that is not a temporary.
        std::fs::write(t.path().join("sub/.f.00000001-00000000.tmp~"), "").unwrap();
        std::fs::write(t.path().join("sub/f"), "").unwrap();
        let names = || {
            let mut n: Vec<_> = std::fs::read_dir(t.path().join("sub"))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            n.sort();
            n
        };
        let before = names();
        clean_after_killed_runs(&DirCache::new(root.clone()));
        assert_eq!(names(), before, "a live run's temporaries were removed");
        drop(j);
        clean_after_killed_runs(&DirCache::new(root.clone()));
        assert!(!names().contains(&tmp));
        assert_eq!(names().len(), 2);
        let journals = std::fs::read_dir(t.path())
            .unwrap()
            .filter(|e| run_of(&e.as_ref().unwrap().file_name()).is_some())
            .count();
        assert_eq!(journals, 0);
    }

    #[test]
    fn journal_names_carry_the_run_id() {
        assert_eq!(
            run_of(OsStr::new(".applypatch-run.00c0ffee.tmp~")),
            Some(0xc0ffee)
        );
        for not in [
            ".applypatch-run.00c0ffe.tmp~",
            ".applypatch-run.00C0FFEE.tmp~",
            "applypatch-run.00c0ffee.tmp~",
            ".applypatch-run.00c0ffee.tmp",
        ] {
            assert_eq!(run_of(OsStr::new(not)), None, "{not}");
        }
    }
}
