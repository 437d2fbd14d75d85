//! `make install-compat`: the compat directory links `diff`, `patch` and `rsync` to our
//! binaries in `PREFIX/bin`, and scripts that put it first on `PATH` run our tools under the
//! classic names (GNU's and rsync's defaults).

use std::path::{Path, PathBuf};

use checkpoint_tests::*;

/// The workspace root (the tests crate lives one level below it).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Runs `make install-compat` into `DESTDIR=dest`, `PREFIX=/usr/local`, links the staged
/// `bin/` names to the built binaries, and returns the staged compat directory.
fn staged_compat(dest: &Path) -> PathBuf {
    require_tool("make");
    cmd("make")
        .args([
            "-s",
            "--no-print-directory",
            "install-compat",
            "PREFIX=/usr/local",
        ])
        .arg(format!("DESTDIR={}", dest.display()))
        .cwd(workspace())
        .expect_code(0);
    let bin_dir = dest.join("usr/local/bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir bin");
    for t in ["treediff", "applypatch", "treesync"] {
        std::os::unix::fs::symlink(bin(t), bin_dir.join(t)).expect("ln -s");
    }
    dest.join("usr/local/libexec/checkpoint-tools/compat")
}

#[test]
fn install_compat_links_the_classic_names_relative_to_bin() {
    let dir = tempdir();
    let compat = staged_compat(dir.path());
    for (name, tool) in [
        ("diff", "treediff"),
        ("patch", "applypatch"),
        ("rsync", "treesync"),
    ] {
        let target = std::fs::read_link(compat.join(name)).expect("a symlink");
        assert_eq!(target, Path::new("../../../bin").join(tool), "{name}");
        let resolved = std::fs::canonicalize(compat.join(name)).expect("the link resolves");
        assert_eq!(
            resolved,
            std::fs::canonicalize(bin(tool)).expect("bin"),
            "{name}"
        );
    }
}

#[test]
fn diff_and_rsync_on_the_compat_path_behave_as_the_classic_tools() {
    require_tool("diff");
    require_tool("rsync");
    let dir = tempdir();
    let compat = staged_compat(&dir.path().join("stage"));
    std::fs::write(dir.path().join("f1"), b"a\nb\nc\n").expect("write");
    std::fs::write(dir.path().join("f2"), b"a\nB\nc\n").expect("write");
    let diff = |path: &Path| {
        cmd("diff")
            .args(["f1", "f2"])
            .cwd(dir.path())
            .env("PATH", path)
            .run()
    };
    let (gnu, ours) = (diff(Path::new("/usr/bin")), diff(&compat));
    assert_eq!(
        ours.stdout, b"2c2\n< b\n---\n> B\n",
        "normal format under the name diff"
    );
    assert_eq!((&ours.stdout, ours.code()), (&gnu.stdout, gnu.code()));

    let path = format!("{}:/usr/bin:/bin", compat.display());
    let rsync = |side: &str, program: &str| {
        let src = dir.path().join(side).join("src");
        std::fs::create_dir_all(src.join("sub")).expect("mkdir");
        std::fs::write(src.join("sub/x"), b"x\n").expect("write");
        cmd(program)
            .args(["-ai", "src/", "dst/"])
            .cwd(dir.path().join(side))
            .env("PATH", &path)
            .expect_code(0)
    };
    // rsync's first line, which scripts parse; the next one says who answers.
    let version = cmd("rsync")
        .arg("--version")
        .env("PATH", &path)
        .expect_code(0);
    let real = cmd("/usr/bin/rsync").arg("--version").expect_code(0);
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let first = |o: &Output| text(o).lines().next().map(str::to_string);
    assert_eq!(first(&version), first(&real), "{version}");
    assert!(
        show(&version.stdout).contains("(treesync "),
        "PATH finds ours first"
    );
    let json = cmd("rsync").arg("-VV").env("PATH", &path).expect_code(0);
    let real_json = cmd("/usr/bin/rsync").arg("-VV").expect_code(0);
    for key in [
        "\"program\": \"rsync\"",
        "\"version\": ",
        "\"ACLs\": ",
        "\"inplace\": ",
    ] {
        assert!(text(&json).contains(key), "{key}: {json}");
        assert!(text(&real_json).contains(key), "{key}: {real_json}");
    }
    let (ours, theirs) = (rsync("ours", "rsync"), rsync("theirs", "/usr/bin/rsync"));
    assert_eq!(show(&ours.stdout), show(&theirs.stdout));
    assert_same_tree(
        dir.path().join("ours/dst"),
        dir.path().join("theirs/dst"),
        Compare::default(),
    );
}

/// `--help` and `--version` into a full stdout: GNU diff says so and exits 2, rsync exits 0
/// (and neither may panic). Each classic tool and ours run under the same name through `PATH`.
#[test]
fn help_and_version_into_a_full_stdout_as_the_classic_tools() {
    let dir = tempdir();
    let compat = staged_compat(dir.path());
    for (name, args) in [
        ("diff", "--version"),
        ("diff", "--help"),
        ("rsync", "--version"),
        ("rsync", "--help"),
        ("rsync", "-VV"),
        ("rsync", "--info=help"),
        ("patch", "--version"),
        ("patch", "--help"),
    ] {
        require_tool(name);
        let run = |path: &Path| {
            cmd("/bin/sh")
                .args(["-c", &format!("{name} {args} >/dev/full")])
                .env("PATH", path)
                .run()
        };
        let (theirs, ours) = (run(Path::new("/usr/bin")), run(&compat));
        assert_eq!(
            ours.code(),
            theirs.code(),
            "{name} {args}\n{ours}\n{theirs}"
        );
        assert_eq!(show(&ours.stderr), show(&theirs.stderr), "{name} {args}");
    }
}
