//! End-to-end tests of the checkpoint build: `checkpoint/prepare-checkpoint-build` and
//! `checkpoint/checkpoint-build` (with the four tools on PATH) on the example project
//! `examples/hello-c`, built with make and the system C compiler.
//!
//! Every scenario works in a fresh scratch directory: it takes a checkpoint of a build of the
//! old sources, rebuilds a fresh copy of the new sources from it, and checks the result
//! against a clean build of the same new sources:
//!
//! - the two trees are equal entry for entry (types, bytes, permission bits, link targets),
//!   sources and build outputs alike (the example's build is deterministic), apart from the
//!   stale outputs of a removed source file, which no build deletes;
//! - the program prints the same;
//! - make recompiled exactly the objects that depend on the changed files, and every entry
//!   that the change set and the build did not rewrite kept the checkpoint's mtime, to the
//!   nanosecond.
//!
//! The Nix expression is checked by evaluating it with `nix-instantiate` (when installed) on a
//! stand-in derivation and running the shell snippets it produces, as stdenv would.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use checkpoint_tests::{
    Compare, Kind, Listing, Output, Run, Scratch, assert_unchanged, bin, cmd, compare, scratch,
    tempdir,
};

/// The workspace root.
pub(super) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// The directory of the tool binaries (built once by the harness).
pub(super) fn tools_dir() -> PathBuf {
    let snap = bin("snap");
    for tool in ["treediff", "treesync", "applypatch"] {
        bin(tool);
    }
    snap.parent()
        .expect("a binary is in a directory")
        .to_path_buf()
}

/// PATH with the scripts' directory and the tools' directory in front.
pub(super) fn test_path() -> OsString {
    let mut dirs = vec![repo().join("checkpoint"), tools_dir()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("no ':' in the directories")
}

/// `program` run in `dir` with the test PATH and nothing from the caller's environment that
/// would change what the scripts or make do.
pub(super) fn run_in(dir: &Path, program: impl AsRef<std::ffi::OsStr>) -> Run {
    cmd(program)
        .cwd(dir)
        .env("PATH", test_path())
        .env_remove("CHECKPOINT_TOOLS_DIR")
        .env_remove("MAKEFLAGS")
        .env_remove("MFLAGS")
        .env_remove("MAKELEVEL")
}

/// Runs `run` and panics, with everything it printed, unless it fails.
#[track_caller]
pub(super) fn fails(run: Run) -> Output {
    let output = run.run();
    assert!(!output.status.success(), "should have failed\n{output}");
    output
}

pub(super) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// PATH for runs that must find the tools some other way than PATH.
const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// `prepare-checkpoint-build CHECKPOINT -- make` in `tree`, which must succeed.
pub(super) fn prepare(tree: &Path, checkpoint: &Path) -> Output {
    run_in(tree, "prepare-checkpoint-build")
        .arg(checkpoint)
        .args(["--", "make"])
        .success()
}

/// A fresh copy of the example's sources (no build outputs) at `scratch/name`.
pub(super) fn fresh(scratch: &Scratch, name: &str) -> PathBuf {
    let dest = scratch.join(name);
    cmd("cp")
        .arg("-RP")
        .arg(repo().join("examples/hello-c"))
        .arg(&dest)
        .success();
    run_in(&dest, "make").args(["-s", "clean"]).success();
    dest
}

/// The objects a build log says were compiled (`CC obj/NAME.o` lines), sorted.
pub(super) fn compiled(log: &[u8]) -> Vec<String> {
    let mut objects: Vec<String> = text(log)
        .lines()
        .filter_map(|l| l.strip_prefix("CC "))
        .map(str::to_owned)
        .collect();
    objects.sort();
    objects
}

/// Everything a build log says the build wrote: compiled objects and their dependency files,
/// generated files, the linked program.
fn rebuilt(log: &[u8]) -> BTreeSet<Vec<u8>> {
    let mut paths = BTreeSet::new();
    for line in text(log).lines() {
        if let Some(object) = line.strip_prefix("CC ") {
            let stem = object.trim_start_matches("obj/").trim_end_matches(".o");
            paths.insert(object.as_bytes().to_vec());
            paths.insert(format!(".deps/{stem}.d").into_bytes());
        } else if let Some(path) = line.strip_prefix("GEN ").or(line.strip_prefix("LINK ")) {
            paths.insert(path.as_bytes().to_vec());
        }
    }
    // Rewritten whenever the list of objects changes.
    paths.insert(b".deps/objects".to_vec());
    paths
}

/// Makes a checkpoint look like one from the Nix store: every entry read-only, mtime 1.
fn make_store_like(dir: &Path) {
    for entry in fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        let meta = fs::symlink_metadata(&path).expect("metadata");
        if meta.is_dir() {
            make_store_like(&path);
        }
        if !meta.file_type().is_symlink() {
            fs::set_permissions(&path, fs::Permissions::from_mode(meta.mode() & 0o7555))
                .expect("chmod");
        }
        let one = filetime::FileTime::from_unix_time(1, 0);
        filetime::set_symlink_file_times(&path, one, one).expect("set times");
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).expect("chmod");
    let one = filetime::FileTime::from_unix_time(1, 0);
    filetime::set_symlink_file_times(dir, one, one).expect("set times");
}

/// Replaces `from` with `to` in the file at `path` (which must contain it).
pub(super) fn edit(path: &Path, from: &str, to: &str) {
    let old = fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    assert!(old.contains(from), "{path:?} does not contain {from:?}");
    fs::write(path, old.replacen(from, to, 1)).expect("write");
}

/// A checkpoint scenario: how the checkpoint's sources differ from examples/hello-c, the
/// change set made to them afterwards, and what an incremental build must recompile.
struct Scenario {
    /// Applied to a fresh copy of the example to get the checkpoint's sources.
    old: fn(&Path),
    /// Applied after `old` to get the new sources.
    change: fn(&Path),
    /// Make the checkpoint read-only with mtime 1, as the Nix store keeps it.
    store_like: bool,
    /// The objects the incremental build must compile, sorted.
    recompiled: &'static [&'static str],
    /// Outputs of removed sources that stay in the incremental tree (no build deletes them).
    stale: &'static [&'static str],
    /// A line the new program must print.
    prints: &'static str,
}

fn unchanged(_: &Path) {}

impl Scenario {
    fn check(&self) {
        let scratch = scratch();
        let checkpoint = scratch.path().join("checkpoint");

        let old = fresh(&scratch, "old");
        (self.old)(&old);
        prepare(&old, &checkpoint);
        if self.store_like {
            make_store_like(&checkpoint);
        }
        let snapshot = Listing::read(checkpoint.join("outputs"));

        let new = fresh(&scratch, "new");
        (self.old)(&new);
        (self.change)(&new);
        let build = run_in(&new, "checkpoint-build")
            .arg(&checkpoint)
            .args(["--", "make"])
            .success();

        let clean = fresh(&scratch, "clean");
        (self.old)(&clean);
        (self.change)(&clean);
        let clean_build = run_in(&clean, "make").success();
        let context = format!("{build}\n--- the clean build:\n{clean_build}");

        // Only what depends on the changes was recompiled.
        assert_eq!(
            compiled(&build.stdout),
            self.recompiled,
            "recompiled objects\n{context}"
        );

        // The incremental tree is the clean tree (plus the stale outputs): sources and build
        // outputs, bytes, modes and link targets.
        let incremental = Listing::read(&new);
        for stale in self.stale {
            assert!(
                incremental.get(stale).is_some(),
                "{stale} should be left over from the checkpoint\n{context}"
            );
        }
        let differences = compare(
            &incremental
                .clone()
                .without(|e| self.stale.iter().any(|s| e.path == s.as_bytes())),
            &Listing::read(&clean),
            &Compare::default(),
        );
        assert!(
            differences.is_empty(),
            "the incremental build (left) differs from a clean build (right):\n{}\n{context}",
            differences
                .iter()
                .map(|d| format!("  {d}\n"))
                .collect::<String>()
        );

        // The program prints the same, and reflects the change.
        let printed = run_in(&new, "./hello").success().stdout;
        assert_eq!(
            text(&printed),
            text(&run_in(&clean, "./hello").success().stdout)
        );
        assert!(
            text(&printed).lines().any(|l| l == self.prints),
            "the program should print {:?}, printed:\n{}",
            self.prints,
            text(&printed)
        );

        // Everything is writable again; what neither the change set nor the build rewrote
        // kept the checkpoint's mtime.
        let rewritten = rebuilt(&build.stdout);
        for entry in &incremental.entries {
            let path = text(&entry.path);
            if entry.kind != Kind::Symlink {
                assert!(
                    entry.perm & 0o200 != 0,
                    "{path} is not writable ({:o})",
                    entry.perm
                );
            }
            let Some(before) = snapshot.get(&entry.path) else {
                continue;
            };
            let same = (before.kind, &before.content, &before.target, before.perm)
                == (entry.kind, &entry.content, &entry.target, entry.perm);
            if entry.kind == Kind::Dir || !same || rewritten.contains(&entry.path) {
                continue;
            }
            assert_eq!(
                entry.mtime, before.mtime,
                "{path} is unchanged but lost the checkpoint's mtime\n{context}"
            );
        }
    }
}

/// Scenario 1 (nixpkgs' first): a changed greeting in one .c file.
#[test]
fn changed_greeting_recompiles_one_object() {
    Scenario {
        old: unchanged,
        change: |tree| edit(&tree.join("src/greet.c"), "\", world\"", "\", checkpoint\""),
        store_like: false,
        recompiled: &["obj/greet.o"],
        stale: &[],
        prints: "Hello, checkpoint!",
    }
    .check();
}

/// Scenario 2 (nixpkgs' second): the checkpoint has a source file that the new sources
/// remove, while another file now defines its function.
#[test]
fn removed_source_whose_function_moved() {
    Scenario {
        old: unchanged,
        change: |tree| {
            fs::remove_file(tree.join("src/farewell.c")).expect("rm");
            let greet = tree.join("src/greet.c");
            let mut source = fs::read_to_string(&greet).expect("read");
            source.push_str("\nconst char *farewell(void)\n{\n    return \"See you.\";\n}\n");
            fs::write(&greet, source).expect("write");
        },
        store_like: false,
        recompiled: &["obj/greet.o"],
        stale: &["obj/farewell.o", ".deps/farewell.d"],
        prints: "See you.",
    }
    .check();
}

/// Scenario 3: a new source file (and header); `diff -ur` without `-N` loses it.
#[test]
fn added_source_file_is_compiled() {
    Scenario {
        old: unchanged,
        change: |tree| {
            fs::write(tree.join("include/motto.h"), "const char *motto(void);\n").expect("write");
            fs::write(
                tree.join("src/motto.c"),
                "#include \"motto.h\"\n\nconst char *motto(void)\n{\n    return \"Nothing is lost.\";\n}\n",
            )
            .expect("write");
            let main = tree.join("src/main.c");
            edit(&main, "#include \"util.h\"\n", "#include \"util.h\"\n#include \"motto.h\"\n");
            edit(&main, "    return 0;", "    printf(\"%s\\n\", motto());\n    return 0;");
        },
        store_like: false,
        recompiled: &["obj/main.o", "obj/motto.o"],
        stale: &[],
        prints: "Nothing is lost.",
    }
    .check();
}

/// Scenario 4: a changed header; its dependents are known only from `.deps/*.d`, a top-level
/// dot-directory that `cp -r ./*` misses.
#[test]
fn changed_header_recompiles_its_dependents() {
    Scenario {
        old: unchanged,
        change: |tree| {
            edit(
                &tree.join("include/greet.h"),
                "#define GREET_PUNCT \"!\"",
                "#define GREET_PUNCT \"!!!\"",
            );
        },
        store_like: false,
        recompiled: &["obj/farewell.o", "obj/greet.o", "obj/main.o"],
        stale: &[],
        prints: "Hello, world!!!",
    }
    .check();
}

/// Scenario 4b: a generated header's input changed (VERSION -> gen/version.h).
#[test]
fn changed_generated_header_input_recompiles_its_dependents() {
    Scenario {
        old: unchanged,
        change: |tree| fs::write(tree.join("VERSION"), "2.0\n").expect("write"),
        store_like: false,
        recompiled: &["obj/main.o"],
        stale: &[],
        prints: "hello-c 2.0",
    }
    .check();
}

/// Scenario 5a: a binary asset changed (embedded by a generated C file).
#[test]
fn changed_binary_asset_is_reembedded() {
    Scenario {
        old: unchanged,
        change: |tree| {
            let mut logo = fs::read(tree.join("assets/logo.bin")).expect("read");
            logo.iter_mut().for_each(|b| *b ^= 1);
            fs::write(tree.join("assets/logo.bin"), logo).expect("write");
        },
        store_like: false,
        recompiled: &["obj/logo.o"],
        stale: &[],
        prints: "##....##",
    }
    .check();
}

/// Scenario 5b: a symlinked header retargeted (make counts the link's own mtime).
#[test]
fn retargeted_symlink_recompiles_its_dependents() {
    Scenario {
        old: unchanged,
        change: |tree| {
            fs::remove_file(tree.join("include/lang.h")).expect("rm");
            symlink("lang/fr.h", tree.join("include/lang.h")).expect("symlink");
        },
        store_like: false,
        recompiled: &["obj/farewell.o", "obj/greet.o"],
        stale: &[],
        prints: "Bonjour, world!",
    }
    .check();
}

/// Scenario 5c: a script made executable, and a new empty directory (`git diff | git apply`
/// loses it): no recompilation, but the tree must match.
#[test]
fn mode_change_and_empty_directory() {
    Scenario {
        old: unchanged,
        change: |tree| {
            let script = tree.join("scripts/show.sh");
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
            fs::create_dir(tree.join("docs/drafts")).expect("mkdir");
        },
        store_like: false,
        recompiled: &[],
        stale: &[],
        prints: "Hello, world!",
    }
    .check();
}

/// Scenario 5d: a file replaced by a directory (a delete and an add in one patch).
#[test]
fn file_replaced_by_a_directory() {
    Scenario {
        old: unchanged,
        change: |tree| {
            fs::remove_file(tree.join("docs/notes")).expect("rm");
            fs::create_dir(tree.join("docs/notes")).expect("mkdir");
            fs::write(tree.join("docs/notes/README"), "Notes live here now.\n").expect("write");
        },
        store_like: false,
        recompiled: &[],
        stale: &[],
        prints: "Hello, world!",
    }
    .check();
}

/// Scenario 6: nothing changed since the checkpoint: every step succeeds (the original's
/// patch step fails on an empty patch) and nothing is rebuilt.
#[test]
fn unchanged_sources_rebuild_nothing() {
    Scenario {
        old: unchanged,
        change: unchanged,
        store_like: false,
        recompiled: &[],
        stale: &[],
        prints: "Hello, world!",
    }
    .check();
}

/// Scenario 7: a checkpoint kept like the Nix store keeps it (read-only, mtime 1).
#[test]
fn read_only_checkpoint_with_mtime_1() {
    Scenario {
        old: unchanged,
        change: |tree| edit(&tree.join("src/greet.c"), "\", world\"", "\", store\""),
        store_like: true,
        recompiled: &["obj/greet.o"],
        stale: &[],
        prints: "Hello, store!",
    }
    .check();
}

/// A checkpoint without its outputs snapshot: refused before the tree is touched.
#[test]
fn incomplete_checkpoint_is_refused_before_anything_changes() {
    let scratch = scratch();
    let checkpoint = scratch.path().join("checkpoint");
    let old = fresh(&scratch, "old");
    prepare(&old, &checkpoint);
    fs::remove_dir_all(checkpoint.join("outputs")).expect("rm");

    let new = fresh(&scratch, "new");
    edit(&new.join("src/greet.c"), "\", world\"", "\", checkpoint\"");
    let before = Listing::read(&new);
    let output = fails(
        run_in(&new, "checkpoint-build")
            .arg(&checkpoint)
            .args(["--", "make"]),
    );
    assert!(
        text(&output.stderr).contains("is not a checkpoint"),
        "{output}"
    );
    assert_unchanged(&before);
}

/// A failing build stops the script with the build's exit status and a message.
#[test]
fn failing_build_is_reported_with_its_status() {
    let scratch = scratch();
    let checkpoint = scratch.path().join("checkpoint");
    let old = fresh(&scratch, "old");
    let output = run_in(&old, "prepare-checkpoint-build")
        .arg(&checkpoint)
        .args(["--", "sh", "-c", "exit 7"])
        .expect_code(7);
    assert!(
        text(&output.stderr).contains("step 'build' failed (exit 7)"),
        "{output}"
    );
    assert!(
        !checkpoint.join("outputs").exists(),
        "no outputs snapshot after a failed build"
    );

    fs::remove_dir_all(&checkpoint).expect("rm");
    prepare(&old, &checkpoint);
    let new = fresh(&scratch, "new");
    edit(&new.join("src/greet.c"), "return", "retur");
    let output = run_in(&new, "checkpoint-build")
        .arg(&checkpoint)
        .args(["--", "make"])
        .expect_code(2);
    assert!(
        text(&output.stderr).contains("step 'build' failed (exit 2): make"),
        "{output}"
    );
}

/// ARTIFACTS inside the tree would snapshot itself (and `treesync --delete` would delete it):
/// both scripts refuse, and change nothing.
#[test]
fn artifacts_inside_the_tree_are_refused() {
    let scratch = scratch();
    let old = fresh(&scratch, "old");
    let before = Listing::read(&old);
    for artifacts in ["ckpt", ".", "src/../ckpt"] {
        let output = fails(
            run_in(&old, "prepare-checkpoint-build")
                .arg(artifacts)
                .args(["--", "make"]),
        );
        assert!(text(&output.stderr).contains("inside the tree"), "{output}");
    }
    assert_unchanged(&before);

    let checkpoint = scratch.path().join("checkpoint");
    prepare(&old, &checkpoint);
    fs::rename(&checkpoint, old.join("moved-checkpoint")).expect("mv");
    let before = Listing::read(&old);
    let output = fails(run_in(&old, "checkpoint-build").args(["moved-checkpoint", "--", "make"]));
    assert!(text(&output.stderr).contains("inside the tree"), "{output}");
    assert_unchanged(&before);
}

/// CHANGES must not land in the tree (treediff would see it): a TMPDIR inside the tree is
/// refused, and the temporary file is removed.
#[test]
fn temporary_directory_inside_the_tree_is_refused() {
    let scratch = scratch();
    let checkpoint = scratch.join("checkpoint");
    let old = fresh(&scratch, "old");
    prepare(&old, &checkpoint);
    let new = fresh(&scratch, "new");
    fs::create_dir(new.join("tmp")).expect("mkdir");
    let output = fails(
        run_in(&new, "checkpoint-build")
            .env("TMPDIR", new.join("tmp"))
            .arg(&checkpoint)
            .args(["--", "make"]),
    );
    assert!(
        text(&output.stderr).contains("set TMPDIR elsewhere"),
        "{output}"
    );
    let left: Vec<_> = fs::read_dir(new.join("tmp")).expect("tmp/").collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    assert!(!new.join("hello").exists(), "the tree was restored anyway");
}

/// `--help` on each script; a usage error exits 64 and says how to get help.
#[test]
fn scripts_have_help_and_usage_errors() {
    let dir = tempdir();
    for script in ["prepare-checkpoint-build", "checkpoint-build"] {
        let help = run_in(dir.path(), script).arg("--help").success();
        let help = text(&help.stdout);
        assert!(help.starts_with(&format!("Usage: {script} ")), "{help}");
        assert!(help.contains("CHECKPOINT_TOOLS_DIR"), "{help}");
        let output = run_in(dir.path(), script).arg("--bogus").expect_code(64);
        assert!(text(&output.stderr).contains("--help"), "{output}");
        run_in(dir.path(), script)
            .args(["ckpt", "make"])
            .expect_code(64);
    }
}

/// The tools are found next to the scripts (an installed layout), and CHECKPOINT_TOOLS_DIR
/// overrides both that and PATH.
#[test]
fn tools_are_found_next_to_the_scripts_or_in_checkpoint_tools_dir() {
    let scratch = scratch();
    let bindir = scratch.path().join("bin");
    fs::create_dir(&bindir).expect("mkdir");
    for script in ["prepare-checkpoint-build", "checkpoint-build"] {
        fs::copy(repo().join("checkpoint").join(script), bindir.join(script)).expect("cp");
    }
    for tool in ["snap", "treediff", "treesync", "applypatch"] {
        symlink(bin(tool), bindir.join(tool)).expect("symlink");
    }
    let checkpoint = scratch.path().join("checkpoint");
    let old = fresh(&scratch, "old");
    // PATH without the tools.
    run_in(&old, bindir.join("prepare-checkpoint-build"))
        .env("PATH", SYSTEM_PATH)
        .arg(&checkpoint)
        .args(["--", "make"])
        .success();
    let new = fresh(&scratch, "new");
    run_in(&new, bindir.join("checkpoint-build"))
        .env("PATH", SYSTEM_PATH)
        .arg(&checkpoint)
        .args(["--", "make"])
        .success();

    let empty = scratch.path().join("empty");
    fs::create_dir(&empty).expect("mkdir");
    let output = fails(
        run_in(&new, bindir.join("checkpoint-build"))
            .env("CHECKPOINT_TOOLS_DIR", &empty)
            .arg(&checkpoint),
    );
    assert!(
        text(&output.stderr).contains("CHECKPOINT_TOOLS_DIR"),
        "{output}"
    );
}

/// `make demo`'s script runs and shows an incremental build equal to the clean one.
#[test]
fn demo_script_runs() {
    let output = run_in(&repo(), "sh")
        .arg("examples/demo.sh")
        .env("CHECKPOINT_TOOLS_DIR", tools_dir())
        .success();
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("recompiled (incremental): obj/greet.o obj/main.o \n"),
        "{output}"
    );
    assert!(
        stdout.contains("same output as the clean build: yes"),
        "{output}"
    );
    assert!(stdout.contains("   Hello, checkpoint build!\n"), "{output}");
}

/// The scripts are shellcheck-clean (POSIX sh).
#[test]
fn scripts_are_shellcheck_clean() {
    let root = repo();
    let mut scripts = vec![
        root.join("checkpoint/prepare-checkpoint-build"),
        root.join("checkpoint/checkpoint-build"),
        root.join("examples/demo.sh"),
    ];
    for entry in fs::read_dir(root.join("examples/hello-c/scripts")).expect("scripts/") {
        scripts.push(entry.expect("an entry").path());
    }
    let output = cmd("shellcheck")
        .args(["--shell=sh", "--severity=style"])
        .args(&scripts)
        .run();
    assert!(
        output.status.success(),
        "shellcheck (required: apt-get install shellcheck) found problems or is missing\n{output}"
    );
}

/// Whether `nix-instantiate` (Debian nix-bin, which .ci/run installs when it can) is
/// installed; the Nix checks say on stderr when they are skipped.
fn have_nix() -> bool {
    let found = std::process::Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("nix-instantiate not installed (apt-get install nix-bin): Nix checks skipped");
    }
    found
}

/// `checkpoint-build.nix` parses.
#[test]
fn nix_expression_parses() {
    if !have_nix() {
        return;
    }
    cmd("nix-instantiate")
        .arg("--parse")
        .arg(repo().join("checkpoint/checkpoint-build.nix"))
        .success();
}

/// `checkpoint-build.nix`, evaluated on a stand-in derivation, gives shell snippets that do a
/// checkpoint build when run in the order stdenv runs them.
#[test]
fn nix_expression_drives_a_checkpoint_build() {
    if !have_nix() {
        return;
    }
    let scratch = scratch();
    // A stand-in for the checkpoint-tools package: bin/ with the tools and the scripts.
    let package = scratch.path().join("checkpoint-tools");
    fs::create_dir_all(package.join("bin")).expect("mkdir");
    for script in ["prepare-checkpoint-build", "checkpoint-build"] {
        let script_path = repo().join("checkpoint").join(script);
        symlink(script_path, package.join("bin").join(script)).expect("symlink");
    }
    for tool in ["snap", "treediff", "treesync", "applypatch"] {
        symlink(bin(tool), package.join("bin").join(tool)).expect("symlink");
    }
    let checkpoint = scratch.path().join("checkpoint");
    let expression = format!(
        r#"
        let
          c = import {nix} {{
            lib = {{ warn = msg: x: x; escapeShellArg = s: "'" + s + "'"; }};
            checkpoint-tools = "{package}";
          }};
          drv = {{
            name = "hello";
            overrideAttrs = f: drv // f {{ preBuild = "echo original preBuild\n"; }};
          }};
          prepared = c.prepareCheckpointBuild drv;
        in {{
          inherit (prepared) name outputs preBuild installPhase;
          rebuild = (c.mkCheckpointBuild drv "{checkpoint}").preBuild;
        }}"#,
        nix = repo().join("checkpoint/checkpoint-build.nix").display(),
        package = package.display(),
        checkpoint = checkpoint.display(),
    );
    let output = cmd("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E"])
        .arg(&expression)
        .success();
    let json = text(&output.stdout);
    let field = |key: &str| json_string(&json, key);
    assert_eq!(field("name"), "hello-checkpointArtifacts");
    assert!(json.contains("\"outputs\":[\"out\"]"), "{json}");

    // stdenv's order: preBuild, buildPhase (make), installPhase.
    let stdenv = "set -e; runHook() { :; }; eval \"$PRE_BUILD\"; make; eval \"$INSTALL\"";
    let old = fresh(&scratch, "old");
    let prepared = run_in(&old, "sh")
        .args(["-c", stdenv])
        .env("out", &checkpoint)
        .env("PRE_BUILD", field("preBuild"))
        .env("INSTALL", field("installPhase"))
        .env("PATH", SYSTEM_PATH)
        .success();
    assert!(
        text(&prepared.stdout).starts_with("original preBuild\n"),
        "{prepared}"
    );
    for part in ["sources", "outputs", "sources.mtree", "outputs.mtree"] {
        assert!(
            checkpoint.join(part).exists(),
            "no {part} in the checkpoint\n{prepared}"
        );
    }
    assert!(
        !checkpoint.join("sources/hello").exists(),
        "sources snapshot taken after the build"
    );
    assert!(
        checkpoint.join("outputs/hello").exists(),
        "outputs snapshot taken before the build"
    );

    let new = fresh(&scratch, "new");
    edit(&new.join("src/greet.c"), "\", world\"", "\", nix\"");
    let build = run_in(&new, "sh")
        .args(["-c", "set -e; eval \"$PRE_BUILD\"; make"])
        .env("PRE_BUILD", field("rebuild"))
        .env("PATH", SYSTEM_PATH)
        .success();
    assert_eq!(compiled(&build.stdout), ["obj/greet.o"], "{build}");
    let printed = run_in(&new, "./hello").success().stdout;
    assert!(
        text(&printed).contains("Hello, nix!\n"),
        "{}",
        text(&printed)
    );
}

/// The string value of `key` in the flat JSON object `json` (as `nix-instantiate --json`
/// prints it: keys sorted, strings with `\"`, `\\` and `\n` escapes).
fn json_string(json: &str, key: &str) -> String {
    let start = json
        .find(&format!("\"{key}\":\""))
        .unwrap_or_else(|| panic!("no string {key:?} in {json}"));
    let mut chars = json[start + key.len() + 4..].chars();
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return value,
            '\\' => match chars.next() {
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some(other) => value.push(other),
                None => break,
            },
            c => value.push(c),
        }
    }
    panic!("unterminated string {key:?} in {json}")
}

/// `make demo`'s command, as the Makefile runs it (from the workspace root, the tools' directory
/// given relative to it): the demo works in a scratch directory and must still find the tools,
/// recompile only the two dependants of the change, and match a clean build.
#[test]
fn the_demo_runs_with_a_relative_tools_directory() {
    let root = repo();
    let tools = tools_dir();
    let relative = tools.strip_prefix(&root).unwrap_or(&tools).to_path_buf();
    let out = run_in(&root, "sh")
        .arg("examples/demo.sh")
        .env("CHECKPOINT_TOOLS_DIR", &relative)
        .success();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("recompiled (incremental): obj/greet.o obj/main.o \n"),
        "{out}"
    );
    assert!(
        stdout.contains("same output as the clean build: yes"),
        "{out}"
    );
}
