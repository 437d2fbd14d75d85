#!/usr/bin/env python3
"""Compare treediff's hunks with GNU diff's, file by file.

For each pair of directories (OLD/SUB, NEW/SUB) it runs `diff -ruN --no-dereference`
(treediff never follows symlinks) and `treediff --format=gnu` with the same operands,
splits both outputs at each file's `diff` line, and compares each file's hunks (from its
first `@@` line on) byte for byte. With `-U N`, both get `-U N` (GNU as `diff -rN -U N`:
with `-u` too it would take the larger context). It prints one line:

    identical N of M, ours longer K, ours shorter J

where "longer"/"shorter" count the differing files whose hunks have more/fewer lines than
GNU's (the rest of the differing files have as many lines, placed differently). Records
only one tool writes (GNU diff -N cannot read a symlink present on one side; treediff says
`Only in`) are counted apart; -v lists them and the differing files.

    python3 bench/hunks.py --treediff target/release/treediff \\
        target/bench-cache/linux/base target/bench-cache/linux/next fs/ext4 kernel/sched lib

Standard library only; the trees are read by the two tools, not by this script.
"""

import argparse
import os
import subprocess
import sys


def split_files(out, switches=b"-ruN --no-dereference"):
    """{diff-line: hunk text} from a `diff -ruN`-style output (bytes); any other line
    (`Only in`, `Binary files ... differ`, `Symbolic links ... differ`) is a record of its
    own."""
    files = {}
    key = None
    for line in out.splitlines(keepends=True):
        if line.startswith(b"diff "):
            # GNU echoes the switches as given; treediff writes `diff -ruN`.
            key = line.replace(b"diff " + switches + b" ", b"diff -ruN ", 1)
            files[key] = []
        elif key is not None and (line.startswith(b"@@") or files[key] and line[:1] in b" +-\\"):
            files[key].append(line)
        elif key is None or files[key] or not line.startswith((b"--- ", b"+++ ")):
            files[line] = [line]
            key = None
    return {k: b"".join(v) for k, v in files.items()}


def run(argv, cwd):
    """stdout of a diff-like command. Exit 2 (trouble with some files: GNU diff -N on a
    symlink present on one side) is noted and what it wrote is compared."""
    proc = subprocess.run(
        argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False
    )
    if proc.returncode == 2 and proc.stdout:
        print(f"hunks: note: {' '.join(argv)} exited 2", file=sys.stderr)
    elif proc.returncode not in (0, 1):
        sys.exit(f"hunks: {' '.join(argv)} exited {proc.returncode}")
    return proc.stdout


def compare(treediff, root, old, new, context):
    """(identical, total, longer, shorter, one-sided, [differing keys]) for one pair of
    directories; total counts the files both tools report."""
    switches = ["-ruN", "--no-dereference"]
    if context is not None:
        switches = ["-rN", "--no-dereference", f"-U{context}"]
    gnu = split_files(run(["diff", *switches, old, new], root), " ".join(switches).encode())
    extra = [] if context is None else [f"-U{context}"]
    ours = split_files(run([treediff, "--format=gnu", *extra, old, new], root))
    same = longer = shorter = 0
    differing = []
    keys = set(gnu) & set(ours)
    for key in sorted(keys):
        g, o = gnu[key], ours[key]
        if g == o:
            same += 1
            continue
        differing.append(key)
        gl, ol = g.count(b"\n"), o.count(b"\n")
        longer += ol > gl
        shorter += ol < gl
    one_sided = sorted(set(gnu) ^ set(ours))
    return same, len(keys), longer, shorter, one_sided, differing + one_sided


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--treediff", default="target/release/treediff")
    p.add_argument("-v", "--verbose", action="store_true", help="list differing files")
    p.add_argument("-U", dest="context", type=int, help="lines of context (default 3)")
    p.add_argument("old", help="old tree")
    p.add_argument("new", help="new tree")
    p.add_argument("subdirs", nargs="*", help="compare only these subdirectories")
    a = p.parse_args()
    treediff = os.path.abspath(a.treediff)
    # Run from the common parent so both tools print the same relative names.
    old, new = os.path.abspath(a.old), os.path.abspath(a.new)
    root = os.path.commonpath([old, new])
    pairs = [
        (os.path.relpath(os.path.join(old, s), root), os.path.relpath(os.path.join(new, s), root))
        for s in (a.subdirs or ["."])
    ]
    same = total = longer = shorter = single = 0
    for o, n in pairs:
        s, t, lo, sh, one_sided, differing = compare(treediff, root, o, n, a.context)
        same, total, longer, shorter = same + s, total + t, longer + lo, shorter + sh
        single += len(one_sided)
        if a.verbose:
            for key in differing:
                sys.stdout.write(key.decode("utf-8", "backslashreplace"))
    print(f"identical {same} of {total}, ours longer {longer}, ours shorter {shorter}")
    if single:
        print(f"(and {single} records only one tool writes: not hunks, e.g. a symlink on one side)")


if __name__ == "__main__":
    main()
