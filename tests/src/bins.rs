//! Where the workspace binaries are, and making sure they are built.
//!
//! Cargo builds only this crate's own targets for its tests, not the binaries of the other
//! workspace members, so [`bin`] builds them itself, once per test process, with the same
//! cargo, profile and target directory as the running test binary (found from
//! `current_exe()`: `<target>/<profile>/deps/it-HASH`). Under cargo-nextest, where every test
//! is its own process, a stamp file keyed by `NEXTEST_RUN_ID` (guarded by `flock`) keeps it to
//! one build per run.
//!
//! Set `CHECKPOINT_TOOLS_BIN_DIR` to test binaries from elsewhere (e.g. installed ones) and
//! skip the build.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace binaries [`bin`] knows about.
pub const TOOLS: [&str; 4] = ["snap", "treediff", "treesync", "applypatch"];

/// The path of a workspace binary (`"snap"`, `"treediff"`, `"treesync"`, `"applypatch"`),
/// built (once per process) if need be.
///
/// Panics, with cargo's output, if the workspace does not build.
pub fn bin(name: &str) -> PathBuf {
    assert!(
        TOOLS.contains(&name),
        "bin({name:?}): not a workspace binary; known: {TOOLS:?} (use cmd() for other programs)"
    );
    // A failed build is remembered, so every later test fails at once with the same message.
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR.get_or_init(|| match std::env::var_os("CHECKPOINT_TOOLS_BIN_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => {
            let dir = target_profile_dir();
            build_once_per_run(&dir).map(|()| dir)
        }
    });
    let dir = dir.as_ref().unwrap_or_else(|msg| panic!("{msg}"));
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "bin({name:?}): {} does not exist",
        path.display()
    );
    path
}

/// `<target-dir>/<profile>` of the running test binary.
pub fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    let deps = exe.parent().expect("the test binary is in a directory");
    let dir = if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("deps/ has a parent")
    } else {
        deps
    };
    dir.to_path_buf()
}

/// Runs `cargo build --bins --workspace` for `profile_dir`, unless a build for the same
/// nextest run has already happened.
fn build_once_per_run(profile_dir: &Path) -> Result<(), String> {
    let run_id = std::env::var_os("NEXTEST_RUN_ID");
    let stamp = profile_dir.join(".checkpoint-tests-bins.stamp");
    let _lock = run_id
        .as_ref()
        .map(|_| lock(&profile_dir.join(".checkpoint-tests-bins.lock")));
    if let Some(id) = &run_id
        && fs::read(&stamp).ok().as_deref() == Some(id.as_encoded_bytes())
    {
        return Ok(());
    }
    build(profile_dir)?;
    if let Some(id) = &run_id {
        fs::write(&stamp, id.as_encoded_bytes())
            .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    Ok(())
}

fn build(profile_dir: &Path) -> Result<(), String> {
    let target_dir = profile_dir.parent().expect("the profile dir has a parent");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => panic!(
            "cannot tell the cargo profile from {}",
            profile_dir.display()
        ),
    };
    let cargo = std::env::var_os("CARGO")
        .or_else(|| option_env!("CARGO").map(OsString::from))
        .unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace");
    let manifest = workspace.join("Cargo.toml");
    let mut command = Command::new(&cargo);
    command
        .args([
            "build",
            "--locked",
            "--bins",
            "--workspace",
            "--profile",
            profile,
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir);
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", Path::new(&cargo).display()))?;
    if output.status.success() {
        return Ok(());
    }
    // Cargo's warnings come first and can be long: show from the first error on.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors = stderr.find("error").map_or(&*stderr, |i| &stderr[i..]);
    Err(format!(
        "building the workspace binaries failed ({command:?}, {}):\n{errors}",
        output.status
    ))
}

/// An exclusive `flock` on `path`, released when the returned file is dropped.
fn lock(path: &Path) -> fs::File {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    file
}
