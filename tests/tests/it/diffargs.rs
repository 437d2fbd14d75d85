//! GNU diff's command line under the name `diff`: long options abbreviated as getopt takes
//! them (and GNU's words for an ambiguous one), `--from-file`/`--to-file` with several
//! operands. Every case runs /usr/bin/diff and ours on the same inputs (see diffname.rs) and
//! compares stdout, stderr and the exit status byte for byte.

use std::path::Path;

use checkpoint_tests::*;

use crate::diffname::same;

fn inputs(t: &Path) {
    Tree::new()
        .file("ed1", "1\n2\n3\n4\n5\n6\n")
        .file("ed2", "0\n1\n.\n3\nfour\n5\n6\n7\n8\n")
        .file("ed3", "1\n2\n3\n4\n5\n6\n")
        .file("d/ed1", "1\n2\nthree\n")
        .file("d/ed2", "x\n")
        .build(t);
}

#[test]
fn long_options_may_be_abbreviated_as_getopt_allows() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    for opt in [
        "--i",
        "--n",
        "--u",
        "--t",
        "--l",
        "--c",
        "--e",
        "--h",
        "--r",
        "--p",
        "--b",
        "--o",
        "--st",
        "--su",
        "--ig",
        "--le",
        "--bi",
        "--ignore=x",
        "--s",
        "--colo=never",
        "--ignore-c",
        "--norm",
        "--side",
        "--unif",
        "--rep",
    ] {
        same(&t, &[opt, "ed1", "ed2"]);
    }
    same(&t, &["--lab", "L", "--lab=M", "-u", "ed1", "ed2"]);
}

#[test]
fn from_file_and_to_file_compare_one_file_with_each_operand() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    for args in [
        &["--from-file=ed1", "ed2", "ed3"][..],
        &["--from-file", "ed1", "ed2", "ed3"],
        &["--to-file=ed1", "ed2", "ed3"],
        &["--from-file=ed1"],
        &["--to-file=ed2"],
        &["--from-file=ed1", "--to-file=ed2"],
        &["--from-file=ed1", "--to-file=ed2", "ed3"],
        &["--from-file=d", "ed1", "ed2", "ed3"],
        &["--from-file=ed1", "d", "nosuch", "ed3"],
        &["-u", "--from-file=ed1", "ed2", "ed3"],
        &["--from-file=ed1", "--from-file=ed2", "ed3"],
        &["--from-file=ed1", "--from-file=ed1", "ed3"],
        &["--from", "ed1", "ed2"],
        &["-r", "--to-file=d", "d"],
        &["ed1"],
        &["ed1", "ed2", "ed3"],
        &[],
        &["-y", "d", "d"],
        &["-s", "d", "d"],
    ] {
        same(&t, args);
    }
    // Standard input is read once: GNU closes it, and later pairs cannot examine `-`
    // (an absent file under -N); `- -` never reads it; `-` against a directory ends the run.
    for args in [
        &["--to-file=-", "ed1", "ed2"][..],
        &["--to-file=-", "-q", "ed1", "ed2"],
        &["--to-file=-", "nosuch", "ed1"],
        &["--to-file=-", "ed1", "nosuch"],
        &["--to-file=-", "ed1", "d", "ed2"],
        &["-N", "--to-file=-", "ed1", "ed2", "ed1"],
        &["-N", "--from-file=ed1", "-", "-"],
        &["-s", "--from-file=-", "-", "-"],
        &["--to-file=-", "-", "ed2"],
        &["--to-file=-", "-", "d"],
        &["--to-file=d", "-", "ed1"],
        &["--from-file=ed1", "-", "d"],
    ] {
        let (gnu, ours) = crate::diffname::both(&t, args, Some(b"1\nz\n"), "UTC");
        crate::diffname::agree(&gnu, &ours);
    }
}

#[test]
fn colors_are_gnu_s_codes_and_palette() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    Tree::new()
        .file("n1", "a\nb")
        .file("n2", "a\nc")
        .file("f1", "int main(void)\n{\n  a;\n  b;\n  c;\n}\n")
        .file("f2", "int main(void)\n{\n  a;\n  B;\n  c;\n}\n")
        .build(&t);
    for opts in [
        &[][..],
        &["-u"],
        &["-c"],
        &["-p", "-u"],
        &["-c", "-p"],
        &["-U0"],
        &["--palette=ad=1;32:de=4:hd=7:ln=35:rs=1", "-u"],
        &["--palette=xx=1:ad=33", "-u"],
        &["--palette=ad", "-u"],
        &["--palette=", "-c"],
        &["-e"],
        &["-D", "X"],
        &["-q"],
        &["-n"],
        &["-t", "-T", "-u"],
        &["-y", "-W", "30"],
        &["-y", "-W", "30", "--left-column"],
    ] {
        for (a, b) in [("n1", "n2"), ("ed1", "ed2"), ("f1", "f2"), ("ed1", "ed3")] {
            for color in ["--color=always", "--color", "--color=never", "--color=auto"] {
                let args: Vec<&str> = [color].iter().chain(opts).copied().chain([a, b]).collect();
                same(&t, &args);
            }
        }
    }
}

#[test]
fn starting_file_skips_the_top_level_names_before_it() {
    let dir = scratch();
    let t = dir.join("t");
    let mut tree = Tree::new()
        .file("a/sub/a1", "1\n")
        .file("b/sub/a1", "2\n")
        .file("a/sub/z9", "1\n")
        .file("b/sub/z9", "2\n")
        .file("a/b0only", "only\n");
    for f in ["a1", "b2", "c3", "d4"] {
        tree = tree
            .file(format!("a/{f}"), format!("{f}\n"))
            .file(format!("b/{f}"), format!("{f}x\n"));
    }
    tree.build(&t);
    for args in [
        &["-S", "c3", "a", "b"][..],
        &["-S", "b", "a", "b"],
        &["--starting-file=zz", "a", "b"],
        &["-r", "-S", "c3", "a", "b"],
        &["-S", "b0only", "a", "b"],
        &["-S", "a", "-q", "a", "b"],
        &["-S", "c3", "-S", "b", "a", "b"],
        &["-S", "c3", "-S", "c3", "a", "b"],
    ] {
        same(&t, args);
    }
}

#[test]
fn the_obsolete_num_option_sets_the_context_as_gnu_s_does() {
    let dir = scratch();
    let t = dir.join("t");
    let lines = |edit: bool| -> String {
        (1..=30)
            .map(|i| {
                if edit && i == 15 {
                    "X\n".to_string()
                } else {
                    format!("{i}\n")
                }
            })
            .collect()
    };
    Tree::new()
        .file("q1", lines(false))
        .file("q2", lines(true))
        .build(&t);
    for opts in [
        &["-1", "-u"][..],
        &["-u1"],
        &["-1u"],
        &["-12", "-c"],
        &["-1", "-2", "-u"],
        &["-1", "-U", "2"],
        &["-5"],
        &["-1", "-c"],
        &["-U2", "-1"],
        &["-1", "-e"],
        &["-u", "-U1"],
        &["-0", "-u"],
        &["-5", "-D", "X"],
    ] {
        let args: Vec<&str> = opts.iter().copied().chain(["q1", "q2"]).collect();
        same(&t, &args);
    }
}

#[test]
fn file_names_may_match_whatever_their_case() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("a/Foo", "1\n")
        .file("b/foo", "2\n")
        .file("b/FOO", "y\n")
        .file("a/bar", "x\n")
        .file("b/BAR", "x\n")
        .file("a/only", "o\n")
        .file("b/Zed", "p\n")
        .file("a/zed2", "q\n")
        .file("a/Sub/x", "1\n")
        .file("b/sub/x", "2\n")
        // Several spellings: the same one on both sides pairs first.
        .file("a/g", "1\n")
        .file("b/G", "2\n")
        .file("b/g", "3\n")
        .file("a/HH", "1\n")
        .file("a/hH", "2\n")
        .file("b/hh", "3\n")
        .file("a/Ex1", "1\n")
        .file("b/ex1", "2\n")
        .build(&t);
    for opts in [
        &["--ignore-file-name-case"][..],
        &["--ignore-file-name-case", "-x", "e*"],
        &["-x", "e*"],
        &["-r", "--ignore-file-name-case"],
        &["--ignore-file-name-case", "--no-ignore-file-name-case"],
        &["--no-ignore-file-name-case", "--ignore-file-name-case"],
        &["-q", "--ignore-file-name-case"],
        &["-N", "--ignore-file-name-case"],
        &["-r"],
    ] {
        let args: Vec<&str> = opts.iter().copied().chain(["a", "b"]).collect();
        same(&t, &args);
    }
}

#[test]
fn exclude_files_are_read_as_gnu_reads_them() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("a/f.o", "1\n")
        .file("b/f.o", "2\n")
        .file("a/g", "1\n")
        .file("b/g", "2\n")
        .file("a/s/h.o", "1\n")
        .file("b/s/h.o", "2\n")
        .file("ex", "*.o\n\n  \n")
        .build(&t);
    for args in [
        &["-X", "ex", "a", "b"][..],
        &["-r", "-X", "ex", "a", "b"],
        &["--exclude-from=ex", "-r", "a", "b"],
        &["-r", "-x", "s", "a", "b"],
        &["-X", "nosuch", "a", "b"],
        &["-X", ".", "a", "b"],
        &["-r", "-x", "g", "-X", "ex", "a", "b"],
    ] {
        same(&t, args);
    }
}

#[test]
fn help_and_version_into_a_full_output_are_trouble_as_in_gnu() {
    let dir = scratch();
    let ours = crate::diffname::our_diff_dir(dir.path());
    for script in [
        "exec diff --help >/dev/full",
        "exec diff --version >/dev/full",
    ] {
        let run = |path: &Path| {
            cmd("/bin/bash")
                .args(["-c", script])
                .cwd(dir.path())
                .env("PATH", path)
                .run()
        };
        crate::diffname::agree(&run(Path::new("/usr/bin")), &run(&ours));
    }
}

#[test]
fn help_and_version_open_with_gnu_s_lines() {
    let dir = scratch();
    let ours = crate::diffname::our_diff_dir(dir.path());
    for args in [
        &["--version"][..],
        &["-v"],
        &["--vers"],
        &["--help"],
        &["--he"],
    ] {
        let run = |path: &Path| {
            cmd("diff")
                .args(args)
                .cwd(dir.path())
                .env("PATH", path)
                .expect_code(0)
        };
        let (gnu, mine) = (run(Path::new("/usr/bin")), run(&ours));
        let first = |o: &Output| {
            let text = String::from_utf8_lossy(&o.stdout).into_owned();
            text.lines().next().map(str::to_string)
        };
        assert_eq!(first(&mine), first(&gnu), "{args:?}\n{mine}");
        assert!(mine.stderr.is_empty(), "{mine}");
    }
    // The usage line names the program as it was invoked, as GNU's does.
    let help = cmd(ours.join("diff")).arg("--help").expect_code(0);
    let first = format!("Usage: {} [OPTION]... FILES", ours.join("diff").display());
    assert!(show(&help.stdout).starts_with(&first), "{help}");
    let version = cmd(ours.join("diff")).arg("--version").expect_code(0);
    assert!(show(&version.stdout).contains("treediff "), "{version}");
}

#[test]
fn options_given_twice_are_taken_as_gnu_takes_them() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .file("f1", "a\n\tb\n")
        .file("f2", "a\n\tc\n")
        .build(&t);
    for flag in [
        "--ignore-file-name-case",
        "--no-ignore-file-name-case",
        "--color",
        "--color=never",
        "-t",
        "-T",
        "-i",
        "-s",
        "--suppress-blank-empty",
        "--inhibit-hunk-merge",
    ] {
        same(&t, &[flag, flag, "f1", "f2"]);
    }
    for args in [
        &["-y", "-W", "30", "-W", "40"][..],
        &["-y", "-W", "30", "-W", "030"],
        &["-y", "-W", "30", "-W", "x"],
        &["-y", "-W", "x", "-W", "30"],
        &["-y", "-W", "30", "-W", "40", "-W", "x"],
        &["--tabsize=3", "--tabsize=4", "-t"],
        &["--tabsize=3", "--tabsize=03", "-t"],
        &["--color=always", "--color=never"],
    ] {
        let args: Vec<&str> = args.iter().copied().chain(["f1", "f2"]).collect();
        same(&t, &args);
    }
}

#[test]
fn operands_of_different_types_are_named_as_gnu_names_them() {
    let dir = scratch();
    let t = dir.join("t");
    Tree::new()
        .dir("d/f")
        .file("e/f", "x\n")
        .file("e/empty", "")
        .dir("d/empty")
        .symlink("l/f", "f")
        .symlink("l/h", "z")
        .symlink("l/h2", "z")
        .symlink("m/h", "y")
        .file("m/f", "x\n")
        .symlink("ld", "e")
        .file("f/ff", "1\n")
        .file("c/FF", "2\n")
        .file("c/Ff", "3\n")
        .file("c2/fF", "4\n")
        .file("c2/ff", "5\n")
        .build(&t);
    for args in [
        &["d", "e/f"][..],
        &["e/f", "d"],
        &["-q", "d", "e/f"],
        &["d", "e/empty"],
        &["-r", "d", "e"],
        &["--label", "X", "--label", "Y", "d", "e/f"],
        &["-D", "X", "d", "e/f"],
        // --no-dereference: operands that are symlinks are compared as symlinks.
        &["--no-dereference", "l/f", "m/f"],
        &["--no-dereference", "l/h", "m/h"],
        &["--no-dereference", "-s", "l/h", "l/h2"],
        &["--no-dereference", "-u", "l/h", "m/h"],
        &["--no-dereference", "l/h", "m/nosuch"],
        &["--no-dereference", "-N", "l/h", "m/nosuch"],
        &[
            "--no-dereference",
            "--label",
            "X",
            "--label",
            "Y",
            "l/h",
            "m/h",
        ],
        &["--no-dereference", "l/h", "/dev/null"],
        &["--no-dereference", "ld", "m"],
        &["--no-dereference", "l/f", "m"],
        &["l/f", "m"],
        // FILE DIR under --ignore-file-name-case: DIR's spelling of FILE's name.
        &["--ignore-file-name-case", "-u", "f/ff", "c"],
        &["--ignore-file-name-case", "c", "f/ff"],
        &["--ignore-file-name-case", "-q", "f/ff", "c2"],
        &["-q", "f/ff", "c"],
        // A missing labelled file is named by its path.
        &["-T", "--label", "L", "e", "m/f"],
        &["--label", "L", "nosuch", "m/f"],
    ] {
        same(&t, args);
    }
}

#[test]
fn context_lengths_are_read_as_gnu_reads_them() {
    let dir = scratch();
    let t = dir.join("t");
    inputs(&t);
    for value in [
        "99999999999999999999",
        "18446744073709551616",
        "x",
        "-1",
        "-0",
        "+5",
        " 5",
        "",
        "0x5",
        "007",
    ] {
        for option in ["-U", "-C"] {
            same(&t, &[option, value, "ed1", "ed2"]);
        }
        same(&t, &[&format!("--unified={value}"), "ed1", "ed2"]);
        same(&t, &[&format!("--context={value}"), "ed1", "ed2"]);
    }
}
