//! A directory that keeps turning into a symlink: the race a tool must survive without ever
//! reading or writing outside its tree.
//!
//! [`Swapper::start`] puts a symlink beside a real directory and, on a background thread,
//! exchanges the two atomically (`renameat2(RENAME_EXCHANGE)`) as fast as it can, so that the
//! name is a directory one moment and a symlink to somewhere else the next. A tool that
//! resolves a path again after it checked it (rather than working beneath a descriptor it
//! opened) is led through the link sooner or later; tests run the tool in a loop while the
//! swapper runs and check that nothing from, or to, the link's target ever shows up.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use rustix::fs::{CWD, RenameFlags, renameat_with};

/// A running exchange of `dir` with a symlink; stops (leaving `dir` a directory) on drop.
pub struct Swapper {
    stop: Arc<AtomicBool>,
    swaps: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
    dir: PathBuf,
    link: PathBuf,
}

impl Swapper {
    /// Starts exchanging the directory `dir` with a new symlink to `target` (made beside it,
    /// named `dir` + `.swap`).
    pub fn start(dir: impl AsRef<Path>, target: impl AsRef<Path>) -> Swapper {
        let dir = dir.as_ref().to_path_buf();
        let mut link = dir.clone().into_os_string();
        link.push(".swap");
        let link = PathBuf::from(link);
        std::os::unix::fs::symlink(target.as_ref(), &link)
            .unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
        let stop = Arc::new(AtomicBool::new(false));
        let swaps = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, swaps, dir, link) = (stop.clone(), swaps.clone(), dir.clone(), link.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    exchange(&dir, &link);
                    swaps.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        Swapper {
            stop,
            swaps,
            thread: Some(thread),
            dir,
            link,
        }
    }

    /// How many exchanges happened so far (a test checks the race really ran).
    pub fn swaps(&self) -> u64 {
        self.swaps.load(Ordering::Relaxed)
    }
}

impl Drop for Swapper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // Leave the real directory under its name.
        if std::fs::symlink_metadata(&self.dir).is_ok_and(|m| m.file_type().is_symlink()) {
            exchange(&self.dir, &self.link);
        }
        let _ = std::fs::remove_file(&self.link);
    }
}

fn exchange(a: &Path, b: &Path) {
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE)
        .unwrap_or_else(|e| panic!("exchange {} and {}: {e}", a.display(), b.display()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_alternates_and_ends_a_directory() {
        let dir = crate::tempdir();
        let d = dir.path().join("d");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("inside"), b"x").unwrap();
        let s = Swapper::start(&d, "/");
        while s.swaps() < 1000 {
            std::thread::yield_now();
        }
        drop(s);
        assert!(d.join("inside").is_file());
        assert!(!dir.path().join("d.swap").exists());
    }
}
