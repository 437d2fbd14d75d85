//! What some tests need from the machine: a small filesystem to fill up ([`SmallFs`]) and a
//! child's peak memory ([`with_peak_rss`]).

use std::path::{Path, PathBuf};

use crate::run::{Output, Run, cmd, require_tool};

/// A size-limited tmpfs mounted at a directory for the life of the value (unmounted on drop),
/// for full-disk and read-only-filesystem tests. Mounting needs root (CAP_SYS_ADMIN), as CI
/// has; where it is impossible, [`SmallFs::mount`] says so on stderr and returns `None`.
#[derive(Debug)]
pub struct SmallFs(PathBuf);

impl SmallFs {
    /// Mounts a tmpfs of `size` (`1m`, `64k`, ...) at `dir` (created if need be).
    pub fn mount(dir: &Path, size: &str) -> Option<SmallFs> {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let out = cmd("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size}"))
            .arg("tmpfs")
            .arg(dir)
            .run();
        if out.code() == Some(0) {
            return Some(SmallFs(dir.to_path_buf()));
        }
        eprintln!(
            "SKIPPED: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {}",
            out.stderr_text()
        );
        None
    }

    /// Makes it read-only.
    pub fn remount_ro(&self) {
        cmd("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .success();
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Runs `run` under `/usr/bin/time -f %M` (its report goes to a file in `dir`) and returns the
/// output and the child's peak RSS in bytes.
pub fn with_peak_rss(run: Run, dir: &Path) -> (Output, u64) {
    require_tool("/usr/bin/time");
    let report = dir.join(".rss");
    let line = run.command_line();
    let time_args = [
        std::ffi::OsStr::new("-f"),
        "%M".as_ref(),
        "-o".as_ref(),
        report.as_os_str(),
    ];
    let out = run.wrap("/usr/bin/time", time_args).run();
    let kib: u64 = std::fs::read_to_string(&report)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .unwrap_or_else(|| panic!("no RSS figure from /usr/bin/time for {line}"));
    (out, kib * 1024)
}
