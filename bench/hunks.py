#!/usr/bin/env python3
"""Compare treediff's hunks with GNU diff's, file by file.

For each pair of directories (OLD/SUB, NEW/SUB) it runs `diff -ruN` and
`treediff --format=gnu` with the same operands, splits both outputs at each file's
`diff -ruN` line, and compares each file's hunks (from its first `@@` line on) byte for
byte. It prints one line:

    identical N of M, ours longer K, ours shorter J

where "longer"/"shorter" count the differing files whose hunks have more/fewer lines than
GNU's (the rest of the differing files have as many lines, placed differently). Files only
one tool reports, or whose non-hunk lines differ (`Binary files ... differ`), count as
differing and are listed with -v.

    python3 bench/hunks.py --treediff target/release/treediff \\
        /work/bench-cache/linux/base /work/bench-cache/linux/next fs/ext4 kernel/sched lib

Standard library only; the trees are read by the two tools, not by this script.
"""

import argparse
import os
import subprocess
import sys


def split_files(out):
    """{diff-line: hunk text} from a `diff -ruN`-style output (bytes)."""
    files = {}
    key = None
    for line in out.splitlines(keepends=True):
        if line.startswith(b"diff "):
            key = line
            files[key] = []
        elif line.startswith(b"Only in ") or line.startswith(b"Binary files "):
            files[line] = [line]
            key = None
        elif key is not None and (files[key] or line.startswith(b"@@")):
            files[key].append(line)
    return {k: b"".join(v) for k, v in files.items()}


def run(argv, cwd):
    """stdout of a diff-like command (exit 0 or 1)."""
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"hunks: {' '.join(argv)} exited {proc.returncode}")
    return proc.stdout


def compare(treediff, root, old, new):
    """(identical, total, longer, shorter, [differing keys]) for one pair of directories."""
    gnu = split_files(run(["diff", "-ruN", old, new], root))
    ours = split_files(run([treediff, "--format=gnu", old, new], root))
    same = longer = shorter = 0
    differing = []
    for key in sorted(set(gnu) | set(ours)):
        g, o = gnu.get(key), ours.get(key)
        if g == o:
            same += 1
            continue
        differing.append(key)
        if g is not None and o is not None:
            gl, ol = g.count(b"\n"), o.count(b"\n")
            longer += ol > gl
            shorter += ol < gl
    return same, len(set(gnu) | set(ours)), longer, shorter, differing


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--treediff", default="target/release/treediff")
    p.add_argument("-v", "--verbose", action="store_true", help="list differing files")
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
    same = total = longer = shorter = 0
    for o, n in pairs:
        s, t, lo, sh, differing = compare(treediff, root, o, n)
        same, total, longer, shorter = same + s, total + t, longer + lo, shorter + sh
        if a.verbose:
            for key in differing:
                sys.stdout.write(key.decode("utf-8", "backslashreplace"))
    print(f"identical {same} of {total}, ours longer {longer}, ours shorter {shorter}")


if __name__ == "__main__":
    main()
