//! treediff as GNU diff: under the name `diff` (a symlink) and with `--gnu`. Every case runs /usr/bin/diff and ours on the same inputs, both invoked
//! as `diff` through `PATH` (GNU names itself by argv[0] in messages), and compares stdout,
//! stderr and the exit status byte for byte.
//!
//! Inputs are chosen so that the changes are unambiguous (distinct lines): how changes are
//! computed is hunk.rs's business, how they are printed is what is tested here.

use std::path::{Path, PathBuf};

use checkpoint_tests::*;

/// A directory holding `diff`, a symlink to treediff.
pub(crate) fn our_diff_dir(dir: &Path) -> PathBuf {
    let bin_dir = dir.join("ourbin");
    if !bin_dir.exists() {
        std::fs::create_dir(&bin_dir).expect("mkdir ourbin");
        std::os::unix::fs::symlink(bin("treediff"), bin_dir.join("diff")).expect("ln -s");
    }
    bin_dir
}

/// `diff ARGS` run in `dir` as GNU's and as ours, with `stdin`, in time zone `tz`.
pub(crate) fn both(dir: &Path, args: &[&str], stdin: Option<&[u8]>, tz: &str) -> (Output, Output) {
    require_tool("diff");
    let ours = our_diff_dir(dir);
    let run = |path: &Path| {
        let mut r = cmd("diff")
            .args(args)
            .cwd(dir)
            .env("PATH", path)
            .env("TZ", tz);
        if let Some(input) = stdin {
            r = r.stdin(input.to_vec());
        }
        r.run()
    };
    (run(Path::new("/usr/bin")), run(&ours))
}

/// Panics unless ours and GNU's agree on stdout, stderr and status.
#[track_caller]
pub(crate) fn agree(gnu: &Output, ours: &Output) {
    assert_eq!(
        (show(&ours.stdout), show(&ours.stderr), ours.code()),
        (show(&gnu.stdout), show(&gnu.stderr), gnu.code()),
        "\nGNU:\n{gnu}\nours:\n{ours}"
    );
}

/// `diff ARGS` in `dir`, ours against GNU's, in UTC; returns GNU's output.
#[track_caller]
pub(crate) fn same(dir: &Path, args: &[&str]) -> Output {
    let (gnu, ours) = both(dir, args, None, "UTC");
    agree(&gnu, &ours);
    gnu
}

#[test]
fn two_files_in_every_format_are_written_as_gnu_writes_them() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for (a, b) in GNU_FILE_PAIRS {
        for format in GNU_TWO_FILE_FORMATS {
            let args: Vec<&str> = format.iter().copied().chain([a, b]).collect();
            same(&dir.join("t"), &args);
        }
    }
}

#[test]
fn labels_replace_names_and_times_in_headers_and_messages() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    for args in [
        &[
            "--label", "old file", "--label", "new", "-u", "num1", "num2",
        ][..],
        &["--label=L1", "-c", "num1", "num2"],
        &["--label", "L1", "--label", "L2", "-q", "num1", "num2"],
        &["--label", "L1", "--label", "L2", "-s", "same1", "same2"],
        &["--label", "L1", "--label", "L2", "bin1", "bin2"],
        &[
            "--label", "a", "--label", "b", "--label", "c", "num1", "num2",
        ],
    ] {
        same(&t, args);
    }
}

#[test]
fn header_times_are_local_as_tz_says() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for tz in [
        "UTC",
        "EST5EDT",
        "Asia/Kathmandu",
        "<+0330>-3:30",
        ":Europe/Paris",
    ] {
        for args in [
            &["-u", "num1", "num2"][..],
            &["-c", "num1", "num2"],
            &["-uN", "num1", "gone"],
        ] {
            let (gnu, ours) = both(&dir.join("t"), args, None, tz);
            agree(&gnu, &ours);
        }
    }
}

#[test]
fn context_headers_follow_the_time_locale() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let ours = our_diff_dir(dir.path());
    for locale in ["C", "C.UTF-8"] {
        let run = |path: &Path| {
            cmd("diff")
                .args(["-c", "num1", "num2"])
                .cwd(dir.join("t"))
                .env("PATH", path)
                .env("LC_ALL", locale)
                .run()
        };
        agree(&run(Path::new("/usr/bin")), &run(&ours));
    }
}

#[test]
fn operands_file_directory_stdin_dev_null_and_missing_are_taken_as_gnu_takes_them() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    std::fs::create_dir(t.join("d")).expect("mkdir");
    std::fs::write(t.join("d/num1"), "line 1\nline 2\n").expect("write");
    for args in [
        &["num1", "d"][..],
        &["-u", "d/", "num1"],
        &["-u", "num1", "d//"],
        &["num2", "d"],
        &["-N", "num2", "d"],
        &["nosuch", "num1"],
        &["num1", "nosuch"],
        &["nosuch", "nosuch2"],
        &["-N", "nosuch", "nosuch2"],
        &["-N", "nosuch", "num1"],
        &["-uN", "num1", "nosuch"],
        &["-cN", "nosuch", "num1"],
        &["-N", "d", "nosuch"],
        &["--unidirectional-new-file", "nosuch", "num1"],
        &["--unidirectional-new-file", "num1", "nosuch"],
        &["--unidirectional-new-file", "nosuch", "d"],
        &["--unidirectional-new-file", "-N", "num1", "nosuch"],
        &["/dev/null", "num1"],
        &["-u", "num1", "/dev/null"],
        &["-q", "num1", "/dev/null"],
        &["-", "d"],
        &["d", "-"],
        &["num1/", "num1"],
        &["-s", "num1", "num1"],
    ] {
        same(&t, args);
    }
}

#[test]
fn standard_input_is_read_once_and_dated_now() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let t = dir.join("t");
    let input = b"line 1\nline 2\nline three\n".as_slice();
    for args in [
        &["-", "num1"][..],
        &["num1", "-"],
        &["-s", "-", "-"],
        &["-q", "-", "num1"],
    ] {
        let (gnu, ours) = both(&t, args, Some(input), "UTC");
        agree(&gnu, &ours);
    }
    // The time of `-` is the time of the run: compare everything else.
    let (gnu, ours) = both(&t, &["-u", "-", "num1"], Some(input), "UTC");
    let undated = |o: &Output| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let first = text.find('\t').unwrap_or(0);
        let eol = text.find('\n').unwrap_or(0);
        format!("{}{}", &text[..first], &text[eol..])
    };
    assert_eq!(undated(&ours), undated(&gnu), "{ours}");
    assert_eq!(ours.code(), gnu.code());
}

#[test]
fn binary_files_are_decided_by_a_nul_in_the_first_block() {
    let dir = scratch();
    let t = dir.join("t");
    let block = "a".repeat(4095);
    Tree::new()
        .file("early1", format!("{block}\0\n"))
        .file("early2", format!("{block}x\n"))
        .file("late1", format!("{block}a\0\n"))
        .file("late2", format!("{block}ax\n"))
        .build(&t);
    for args in [
        &["early1", "early2"][..],
        &["late1", "late2"],
        &["-a", "early1", "early2"],
        &["-q", "early1", "early2"],
        &["-u", "early1", "early1"],
    ] {
        same(&t, args);
    }
}

/// Two directories with every kind of entry GNU reports one level down.
fn dir_pair(dir: &Path) {
    Tree::new()
        .file("f", "1\n2\n")
        .file("same", "same\n")
        .file("onlyA", "x\n")
        .file("sp ace", "a\n")
        .file("bin", b"x\0y".as_slice())
        .file("sub/s", "s\n")
        .file("sub/deep/z", "z\n")
        .file("onlydirA/z", "z\n")
        .file("kind", "file\n")
        .symlink("l", "x")
        .with_mtimes(1_600_000_000 * NS)
        .build(dir.join("A"));
    Tree::new()
        .file("f", "1\n3\n")
        .file("same", "same\n")
        .file("onlyB", "y\n")
        .file("sp ace", "b\n")
        .file("bin", b"x\0z".as_slice())
        .file("sub/s", "t\n")
        .dir("onlydirB")
        .file("kind/inner", "dir\n")
        .symlink("l", "y")
        .with_mtimes(1_600_000_000 * NS + 5)
        .build(dir.join("B"));
}

#[test]
fn directories_are_compared_one_level_deep_unless_recursive() {
    let dir = scratch();
    dir_pair(dir.path());
    for args in [
        &["A", "B"][..],
        &["-r", "A", "B"],
        &["-q", "A", "B"],
        &["-rq", "A/", "B//"],
        &["-s", "A", "B"],
        &["-u", "A", "B"],
        &["-c", "-r", "A", "B"],
        &["-N", "A", "B"],
        &["-rN", "A", "B"],
        &["-ruN", "A", "B"],
        &["--unidirectional-new-file", "A", "B"],
        &["--unidirectional-new-file", "-r", "A", "B"],
        &["-q", "--unidirectional-new-file", "-r", "B", "A"],
        &["--no-dereference", "-r", "A", "B"],
        &["A", "A"],
        &["-rs", "A", "A"],
        &["-r", "A/sub", "B/sub"],
    ] {
        same(dir.path(), args);
    }
}

#[test]
fn the_diff_line_echoes_the_options_as_given() {
    let dir = scratch();
    dir_pair(dir.path());
    for args in [
        &["-U", "5", "A", "B"][..],
        &["-U5", "A", "B"],
        &["A", "B", "-u"],
        &["--unified=2", "A", "B"],
        &["-u", "-N", "A", "B"],
        &["-s", "-s", "--normal", "--normal", "-N", "-N", "A", "B"],
        &["-x", "*.o", "-x", "a b", "A", "B"],
        &["--exclude", "it's", "-u", "A", "B"],
        &["--", "A", "B"],
        &["-r", "-x", "sub/s", "-x", "b*", "A", "B"],
        &["-r", "-x", "s", "-x", "*A", "A", "B"],
        &["--label", "x", "--label", "y", "A", "B"],
    ] {
        same(dir.path(), args);
    }
}

#[test]
fn the_gnu_flag_gives_diff_s_defaults_and_is_not_echoed() {
    let dir = scratch();
    dir_pair(dir.path());
    let gnu = same(dir.path(), &["A", "B"]);
    let ours = tool("treediff")
        .args(["--gnu", "A", "B"])
        .cwd(dir.path())
        .run();
    assert_eq!(show(&ours.stdout), show(&gnu.stdout), "{ours}");
    assert_eq!(ours.code(), gnu.code());
}

#[test]
fn usage_errors_are_gnu_s() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    for args in [
        &["-u", "-c", "num1", "num2"][..],
        &["-C1", "-U1", "num1", "num2"],
        &["--normal", "-u", "num1", "num2"],
        &["--bogus", "num1", "num2"],
        &["--bogus"],
        &[],
        &["num1"],
        &["num1", "num2", "num3"],
        &["--", "-u"],
        &["-U", "3", "num1"],
    ] {
        same(&dir.join("t"), args);
    }
}

#[test]
fn fifos_directory_loops_and_dangling_links_are_reported_as_gnu_reports_them() {
    let dir = scratch();
    Tree::new()
        .fifo("p")
        .fifo("q")
        .symlink("loop", "../A")
        .file("only", "x\n")
        .build(dir.join("A"));
    Tree::new()
        .fifo("p")
        .file("q", "x\n")
        .symlink("only2", "nowhere")
        .build(dir.join("B"));
    for args in [
        &["A", "B"][..],
        &["-r", "A", "B"],
        &["-N", "A", "B"],
        &["-rN", "A", "B"],
        &["-r", "A", "A/loop"],
        &["--no-dereference", "-rN", "A", "B"],
    ] {
        same(dir.path(), args);
    }
}

#[test]
fn an_unwritable_standard_output_is_reported_in_gnu_s_words() {
    let dir = scratch();
    gnu_file_pairs().build(dir.join("t"));
    let ours = our_diff_dir(dir.path());
    let run = |path: &Path| {
        cmd("/bin/bash")
            .args(["-c", "exec diff num1 num2 >/dev/full"])
            .cwd(dir.join("t"))
            .env("PATH", path)
            .run()
    };
    agree(&run(Path::new("/usr/bin")), &run(&ours));
}

/// Where a change in a run of equal lines lands depends on how many equal lines GNU keeps at
/// each end of the comparison: none in normal format, the context in the others. Small files
/// of few distinct lines (so changes are ambiguous), with one or two edits, in normal format
/// and at several contexts.
#[test]
fn changes_in_runs_of_equal_lines_land_where_gnu_puts_them() {
    let t = tempdir();
    let mut seed: u64 = 7;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for _ in 0..120 {
        let len = 3 + next(7) as usize;
        let old: Vec<u8> = (0..len).map(|_| b"xxxyz"[next(5) as usize]).collect();
        let mut new = old.clone();
        for _ in 0..1 + next(2) {
            if next(2) == 0 && !new.is_empty() {
                new.remove(next(new.len() as u64) as usize);
            } else {
                let at = next(new.len() as u64 + 1) as usize;
                new.insert(at, b"xxy"[next(3) as usize]);
            }
        }
        let text = |v: &[u8]| v.iter().flat_map(|&c| [c, b'\n']).collect::<Vec<u8>>();
        std::fs::write(t.path().join("a"), text(&old)).unwrap();
        std::fs::write(t.path().join("b"), text(&new)).unwrap();
        for args in [
            &["a", "b"][..],
            &["-C", "0", "a", "b"],
            &["-C", "1", "a", "b"],
            &["-c", "a", "b"],
        ] {
            same(t.path(), args);
        }
    }
}

/// With both streams into one file (`diff -r a b >out 2>&1`), GNU's messages stand in order
/// among the output lines: stdout is written before each message.
#[test]
fn messages_stand_in_order_with_the_output_like_gnu() {
    require_tool("diff");
    let t = tempdir();
    Tree::new()
        .file("A/f", "x\n")
        .file("A/h", "1\n")
        .symlink("A/l", "a")
        .file("A/z", "1\n")
        .symlink("B/f", "f")
        .file("B/h", "2\n")
        .symlink("B/l", "b")
        .file("B/z", "2\n")
        .build(t.path());
    let ours = our_diff_dir(t.path());
    for args in ["-r", "-ru", "-rq", "-c -r"] {
        let run = |path: &Path| {
            cmd("/bin/sh")
                .args(["-c", &format!("diff {args} A B 2>&1")])
                .cwd(t.path())
                .env("PATH", path)
                .run()
        };
        let (gnu, mine) = (run(Path::new("/usr/bin")), run(&ours));
        agree(&gnu, &mine);
    }
}
