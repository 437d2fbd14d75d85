#!/usr/bin/env python3
"""Self-test of the harness: a fast wrong answer must not look good.

Runs every quick row with "tools" that do nothing and exit 0 (what an unimplemented
`fn main() {}` does) and fails unless every row says WRONG. Not part of `make bench`;
run it after changing the checks: `python3 bench/selftest.py`.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = ("snap", "treediff", "treesync", "applypatch")


def main():
    with tempfile.TemporaryDirectory(prefix="bench-selftest-") as d:
        for tool in TOOLS:
            p = Path(d) / tool
            p.write_text("#!/bin/sh\nexit 0\n")
            p.chmod(0o755)
        out = subprocess.run(
            [sys.executable, str(HERE / "bench.py"), "--quick", "--bin-dir", d, "--no-write",
             "--runs", "1", "--warmup", "0"],
            capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| row")]
    bad = [r for r in rows if not r.rstrip().endswith("| WRONG |")]
    if not rows or bad:
        print("selftest: rows not marked WRONG for do-nothing tools:", *bad, sep="\n", file=sys.stderr)
        sys.exit(1)
    print(f"selftest: ok, all {len(rows)} rows WRONG for do-nothing tools")


if __name__ == "__main__":
    main()
