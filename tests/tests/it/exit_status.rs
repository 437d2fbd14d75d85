//! What every binary shares through `toolkit`: usage errors in the classic tool's words with its
//! status, `--help`
//! and `--version` with 0, one `TOOL: ` line and the tool's status for a failure, and what a
//! reader leaving early (`tool ... | head -c1`) or a full output device means for each tool.
//! Each expectation was measured on the binaries before they moved onto `toolkit`.

use std::path::Path;

use checkpoint_tests::*;

/// The error stream as text (every message here is ASCII).
fn stderr(out: &Output) -> &str {
    std::str::from_utf8(&out.stderr).expect("stderr is UTF-8")
}

/// `tools` with the status each gives a command line it cannot parse (rsync and cp: 1, diff
/// and patch: 2).
const USAGE: [(&str, i32); 4] = [
    ("snap", 1),
    ("treediff", 2),
    ("treesync", 1),
    ("applypatch", 2),
];

#[test]
fn usage_errors_take_each_tool_s_status_and_help_and_version_exit_0() {
    for (name, status) in USAGE {
        let out = tool(name).arg("--bogus").expect_code(status);
        assert!(out.stdout.is_empty(), "{out}");
        let first = match name {
            "treesync" => "treesync: --bogus: unknown option\n".to_string(),
            _ => format!("{name}: unrecognized option '--bogus'\n"),
        };
        assert!(stderr(&out).starts_with(&first), "{out}");
        let help = tool(name).arg("--help").success();
        assert!(help.stdout_str().contains("Usage:"), "{help}");
        let version = tool(name).arg("--version").success();
        let first = version
            .stdout_str()
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        match name {
            // rsync's layout (see treesync's own test of -V under the name rsync).
            "treesync" => assert!(first.starts_with("treesync  version 0.1.0  "), "{version}"),
            _ => assert_eq!(version.stdout_str(), format!("{name} 0.1.0\n"), "{version}"),
        }
    }
}

/// Runs `args` in `dir`, expecting `status` and exactly the one line `line` on stderr.
fn fails_with(dir: &Path, name: &str, args: &[&str], status: i32, line: &str) {
    let out = tool(name).args(args).cwd(dir).expect_code(status);
    assert!(out.stdout.is_empty(), "{out}");
    assert_eq!(stderr(&out), format!("{line}\n"), "{out}");
}

#[test]
fn a_failure_is_one_line_prefixed_with_the_tool_s_name() {
    let t = tempdir();
    let dir = t.path();
    Tree::new().file("f", "x\n").build(dir.join("a"));
    std::fs::write(dir.join("file"), "x").unwrap();
    let enoent = "No such file or directory (os error 2)";
    let snap_missing = "snap: source 'nosuch' is not a directory";
    fails_with(dir, "snap", &["nosuch", "d"], 1, snap_missing);
    fails_with(dir, "snap", &["--manifest-only", "nosuch"], 1, snap_missing);
    let stat = format!("treediff: cannot stat 'nosuch': {enoent}");
    fails_with(dir, "treediff", &["a", "nosuch"], 2, &stat);
    let mkdir = "treesync: mkdir \"file/sub\" failed: Not a directory (os error 20)";
    fails_with(dir, "treesync", &["-r", "a/", "file/sub"], 11, mkdir);
    // A bad option value: rsync's two lines (its own words, then the usage error's).
    let chmod = "treesync: Invalid argument passed to --chmod (zz)\n\
                 treesync error: syntax or usage error (code 1)";
    fails_with(dir, "treesync", &["-r", "--chmod=zz", "a/", "x"], 1, chmod);
    let open = format!("applypatch: cannot open nosuch: {enoent}");
    fails_with(dir, "applypatch", &["-i", "nosuch"], 2, &open);
}

#[test]
fn a_full_output_device_is_reported_with_the_tool_s_trouble_status() {
    let t = tempdir();
    Tree::new().file("f", "x\n").build(t.path().join("a"));
    Tree::new().file("f", "y\n").build(t.path().join("b"));
    let cases = [
        ("treediff a b", 2, "treediff: cannot write output: "),
        ("treesync -rin a/ n", 11, "treesync: writing output: "),
    ];
    for (command, status, prefix) in cases {
        let (name, args) = command.split_once(' ').expect("a command line");
        let script = format!("exec '{}' {args} >/dev/full", bin(name).display());
        let out = cmd("bash")
            .args(["-c", &script])
            .cwd(t.path())
            .expect_code(status);
        let want = format!("{prefix}No space left on device (os error 28)\n");
        assert_eq!(stderr(&out), want, "{out}");
    }
}

#[test]
fn treesync_ends_quietly_with_0_when_its_reader_leaves_early() {
    let t = tempdir();
    let mut src = Tree::new();
    for i in 0..3000 {
        src = src.file(format!("d{}/f{i}", i % 10), "x\n");
    }
    src.build(t.path().join("a"));
    let script = format!(
        "'{}' -rin a/ n | head -c1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
        bin("treesync").display()
    );
    let out = cmd("bash").args(["-c", &script]).cwd(t.path()).success();
    assert!(out.stderr.is_empty(), "{out}");
    assert_eq!(out.stdout_str(), "0\n", "{out}");
}
