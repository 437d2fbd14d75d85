#!/usr/bin/env python3
"""Benchmark checkpoint-tools against the tools they replace, side by side, in one run.

    python3 bench/bench.py --quick      # generated tree of ~3,000 files, < 2 minutes
    python3 bench/bench.py --linux      # Linux 6.1 / 6.12 from Debian's linux-source-*

Builds the four binaries (`cargo build --release`), prepares the data once into a cache
outside git, runs every row (see rows.py) alternating our tool and its baselines after a
warm-up, checks each of our results, and writes the table into BENCHMARKS.md (only this
data set's section; the other is kept). Python 3 standard library only.
"""

import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
import rows  # noqa: E402

REPO = HERE.parent
TOOLS = ("snap", "treediff", "treesync", "applypatch")
NAMES = {
    "quick": {"base": "gen", "edit": "gen 1% edit", "next": "gen-next"},
    "linux": {"base": "6.1", "edit": "6.1 1% edit", "next": "6.12"},
}


@dataclass
class SideResult:
    label: str
    samples: list = field(default_factory=list)   # measured runs only
    rcs: set = field(default_factory=set)
    note: str = None


@dataclass
class GroupResult:
    group: object
    state: str                          # ok | WRONG | not built | build failed
    ours: SideResult = None
    baselines: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    checked_runs: int = 0


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")


def build(skip, bindir=None):
    """{tool: (state, path)}: each crate built on its own, so one broken crate leaves
    the others measurable; a stale binary of a crate that no longer builds is not used."""
    out = {}
    skip = skip or bindir is not None
    bindir = Path(bindir).resolve() if bindir else target_dir() / "release"
    for tool in TOOLS:
        path = bindir / tool
        if not skip:
            data.log(f"cargo build --release -p {tool} --bins")
            p = subprocess.run(["cargo", "build", "--release", "-p", tool, "--bins"], cwd=REPO,
                               capture_output=True, text=True)
            if p.returncode != 0:
                errs = [line for line in p.stderr.splitlines() if line.startswith("error")]
                out[tool] = ("build failed", None, errs[0] if errs else p.stderr.strip()[-200:])
                data.log(f"{tool}: build failed")
                continue
        out[tool] = ("ok", path, None) if path.exists() else ("not built", None, None)
    return out


def build_floor(skip):
    """The read floor of the checksum-sync rows (bench/read_floor.rs, standard library only),
    built with rustc; None when it cannot be built."""
    out = target_dir() / "bench" / "read-floor"
    if not skip:
        out.parent.mkdir(parents=True, exist_ok=True)
        data.log("rustc -O bench/read_floor.rs")
        p = subprocess.run(["rustc", "-O", "--edition", "2021", "-o", str(out),
                            str(REPO / "bench" / "read_floor.rs")], capture_output=True, text=True)
        if p.returncode != 0:
            data.log(f"read-floor: build failed: {p.stderr.strip()[-200:]}")
            return None
    return out if out.exists() else None


def first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    lines = (p.stdout or p.stderr).strip().splitlines()
    return lines[0] if lines else "(no --version output)"


def environment(built):
    cpu = "unknown CPU"
    try:
        m = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = m.group(1) if m else cpu
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    fs = subprocess.run(["findmnt", "-n", "-o", "FSTYPE", "-T", str(REPO)], capture_output=True,
                        text=True).stdout.strip() or "unknown filesystem"
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                         text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                           capture_output=True, text=True).stdout.strip()
    versions = {}
    for tool in TOOLS:
        state, path, _ = built[tool]
        versions[tool] = first_line([str(path), "--version"]) if path else state
    for name, argv in (("GNU diff", ["diff", "--version"]), ("GNU patch", ["patch", "--version"]),
                       ("git", ["git", "--version"]), ("rsync", ["rsync", "--version"]),
                       ("cp", ["cp", "--version"]), ("rustc", ["rustc", "--version"])):
        versions[name] = first_line(argv)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": mem,
        "kernel": platform.release(),
        "load": os.getloadavg()[0],
        "fs": fs,
        "commit": rev + (" (with uncommitted changes)" if dirty else ""),
        "versions": versions,
    }


def run_group(g, built, args):
    missing = [t for t in g.tools if built[t][0] != "ok"]
    res = GroupResult(group=g, state="ok")
    if missing:
        res.state = "build failed" if any(built[t][0] == "build failed" for t in missing) else "not built"
        res.problems = [f"{t}: {built[t][0]}" + (f" ({built[t][2]})" if built[t][2] else "") for t in missing]
    sides = list(g.baselines) + ([] if missing else [g.ours])
    results = {id(s): SideResult(s.label) for s in sides}
    res.baselines = [results[id(s)] for s in g.baselines]
    if not missing:
        res.ours = results[id(g.ours)]
    total = args.warmup + args.runs
    for r in range(total):
        measured = r >= args.warmup
        for s in sides:
            if s is g.ours and res.state != "ok":
                continue
            if s.prepare:
                s.prepare()
            os.sync()  # the reset's writes must not be flushed on the timed command's clock
            sample = measure.timed(s.argv, cwd=s.cwd, stdout=s.stdout, env=s.env, timeout=args.timeout)
            sr = results[id(s)]
            sr.rcs.add(sample.rc)
            if measured:
                sr.samples.append(sample)
            if s is g.ours:
                if sample.rc not in s.ok:
                    err = " | ".join(sample.stderr.strip().splitlines()[-3:])
                    res.state, res.problems = "WRONG", [f"exit status {sample.rc}" + (f": {err}" if err else "")]
                elif r == 0 or args.check == "all":
                    try:
                        problems = g.verify()
                    except (OSError, ValueError, subprocess.SubprocessError) as e:
                        problems = [f"the check itself failed on this result: {e}"]
                    res.checked_runs += 1
                    if problems:
                        res.state, res.problems = "WRONG", problems
            elif r == 0 and s.inform:
                sr.note = s.inform(sample)
        data.log(f"  {g.key}: round {r + 1}/{total}" + ("" if measured else " (warm-up)")
                 + (f" [{res.state}]" if res.state != "ok" else ""))
    if g.cleanup:
        g.cleanup()
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--quick", dest="data", action="store_const", const="quick",
                       help="generated tree of a few thousand files (make bench-quick)")
    which.add_argument("--linux", dest="data", action="store_const", const="linux",
                       help="Linux 6.1, its 1%% edit and 6.12 (make bench)")
    ap.add_argument("--runs", type=int, help="measured runs per command (default 5 quick, 3 linux)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed-in-median warm-up runs (default 1)")
    ap.add_argument("--check", choices=("first", "all"),
                    help="check our result after the first run only, or after every run "
                         "(default: all for --quick, first for --linux)")
    ap.add_argument("--only", help="regex: run only the rows whose key matches (see --list)")
    ap.add_argument("--list", action="store_true", help="list the row keys and exit")
    ap.add_argument("--cache", default=os.environ.get("BENCH_CACHE", str(REPO / "target" / "bench-cache")),
                    help="data and work directory, outside git (default target/bench-cache)")
    ap.add_argument("--output", default=str(REPO / "BENCHMARKS.md"), help="file to write (default BENCHMARKS.md)")
    ap.add_argument("--no-write", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already in target/release")
    ap.add_argument("--bin-dir", help="take our binaries from this directory instead (implies --no-build)")
    ap.add_argument("--prepare-only", action="store_true", help="build the data set and stop")
    ap.add_argument("--timeout", type=float, help="seconds before a command is killed "
                                                  "(default 300 quick, 3600 linux)")
    args = ap.parse_args()
    quick = args.data == "quick"
    args.runs = args.runs or (5 if quick else 3)
    args.check = args.check or ("all" if quick else "first")
    args.timeout = args.timeout or (300 if quick else 3600)

    if not measure.have_gnu_time():
        sys.exit("bench: GNU time is missing: apt-get install time")
    ds = data.prepare(args.cache, args.data)
    if args.prepare_only:
        return
    built = build(args.no_build, args.bin_dir) if not args.list else {t: ("ok", None, None) for t in TOOLS}
    bins = {t: p for t, (state, p, _) in built.items() if state == "ok"}
    floor = None if args.list else build_floor(args.no_build)
    if floor:
        bins["read-floor"] = floor
    groups = rows.Rows(ds, Path(args.cache) / "work" / args.data, bins, NAMES[args.data]).groups()
    if args.list:
        for g in groups:
            print(f"{g.key:20} {g.title}")
        return
    if args.only:
        groups = [g for g in groups if re.search(args.only, g.key)]
    if not groups:
        sys.exit(f"bench: no row matches {args.only!r} (see --list)")
    env = environment(built)
    started = time.monotonic()
    results = []
    for i, g in enumerate(groups):
        data.log(f"row {g.key}: {g.title}")
        results.append(run_group(g, built, args))
        env["duration"] = time.monotonic() - started
        partial = None if i + 1 == len(groups) else f"{i + 1} of {len(groups)} rows"
        text = report.section(args.data, ds, env, results, args, median=statistics.median, partial=partial)
        if not args.no_write:
            # after every row, so a long run that is stopped still leaves its figures
            report.write(Path(args.output), args.data, text)
    print(text)
    if not args.no_write:
        data.log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
