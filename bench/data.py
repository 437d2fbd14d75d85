"""Benchmark data: the trees and patches every row reads, built once into a cache.

Two data sets share one layout, so every row runs unchanged on either:

    CACHE/<set>/base      the old tree        (Linux 6.1, or a generated tree)
    CACHE/<set>/edit      base with a deterministic "1% edit"
    CACHE/<set>/next      the new tree        (Linux 6.12, or a heavier generated edit)
    CACHE/<set>/patches/edit.patch, next.patch
                          `git diff --no-index --binary` of base -> edit / next, written
                          so that `-p1` applies them (the input of the applypatch rows)
    CACHE/<set>/patches/many.patch
                          MANY_FILES[<set>] new-file sections, nothing else (the
                          applypatch-many row: memory must not grow with the patch)
    CACHE/<set>/*.stamp   marks a finished step, so an interrupted run redoes only it

Everything here is deterministic: a seeded `random.Random`, sorted walks, fixed
mtimes for every file the edit touches. Two runs on two machines build the same trees,
and the edit log (`edit.json`) says exactly what was changed.

The cache lives outside git (default `target/bench-cache`); nothing here is committed.
"""

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

SEED = 20241124
# Fixed times: the generated tree's files, and every file the edit touches.
BASE_TIME = 1_700_000_000
EDIT_TIME = 1_730_000_000
BUILD_TIME = 1_729_000_000
NEXT_TIME = 1_735_000_000

LINUX_VERSIONS = {"base": "6.1", "next": "6.12"}

# New files in the many-sections patch, per data set: a few hundred thousand keep the row
# under two minutes for both tools (the million is measured by hand, see README).
MANY_FILES = {"quick": 20_000, "linux": 200_000}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(argv, **kw):
    """Run a helper command; it must succeed."""
    subprocess.run(argv, check=True, **kw)


def git_env(ceiling):
    """Git must not discover the checkpoint-tools repository around the cache: it may
    look for a repository no higher than below `ceiling` (a directory above the trees)."""
    env = dict(os.environ)
    env["GIT_CEILING_DIRECTORIES"] = str(ceiling)
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    return env


# ---------------------------------------------------------------------------
# walking


def walk(root):
    """All entries under root, sorted, symlinks not followed: [(relpath, kind)]."""
    out = []

    def rec(rel):
        path = os.path.join(root, rel) if rel else root
        with os.scandir(path) as it:
            names = sorted(e.name for e in it)
        for name in names:
            r = os.path.join(rel, name) if rel else name
            full = os.path.join(root, r)
            if os.path.islink(full):
                out.append((r, "link"))
            elif os.path.isdir(full):
                out.append((r, "dir"))
                rec(r)
            elif os.path.isfile(full):
                out.append((r, "file"))
            else:
                out.append((r, "other"))

    rec("")
    return out


def is_binary(path):
    with open(path, "rb") as f:
        return b"\0" in f.read(8000)


# ---------------------------------------------------------------------------
# the generated tree (bench-quick)

WORDS = (
    "static int unsigned long struct void return if else for while size_t buf len "
    "err ret node list head next prev lock unlock spin mutex dev priv data ctx flags "
    "count index offset page addr irq ops init exit read write open close alloc free"
).split()


def c_line(rng):
    kind = rng.random()
    if kind < 0.08:
        return ""
    if kind < 0.16:
        return "/* " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) + " */"
    indent = "\t" * rng.randint(0, 3)
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
    return f"{indent}{words}({rng.choice(WORDS)}, {rng.randint(0, 4096)});"


def c_text(rng, lines):
    return ("\n".join(c_line(rng) for _ in range(lines)) + "\n").encode()


def set_time(path, t):
    os.utime(path, (t, t), follow_symlinks=False)


def generate_tree(root, files=3000, seed=SEED):
    """A tree shaped like a small source package: ~`files` files in nested
    directories, mostly C text, plus executables, binaries, empty files,
    dotfiles, a name with a space, an empty directory and file and directory
    symlinks (like the kernel's)."""
    rng = random.Random(seed)
    root = Path(root)
    root.mkdir(parents=True)
    dirs = [Path(".")]
    for i in range(180):
        parent = rng.choice(dirs[: 1 + len(dirs) // 2])
        d = parent / f"{rng.choice(WORDS)}{i}"
        dirs.append(d)
        (root / d).mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(files):
        d = rng.choice(dirs)
        r = rng.random()
        if r < 0.70:
            name, data, mode = f"{rng.choice(WORDS)}_{i}.c", c_text(rng, rng.randint(20, 400)), 0o644
        elif r < 0.90:
            name, data, mode = f"{rng.choice(WORDS)}_{i}.h", c_text(rng, rng.randint(5, 120)), 0o644
        elif r < 0.93:
            name, data, mode = f"run_{i}.sh", b"#!/bin/sh\n" + c_text(rng, 30), 0o755
        elif r < 0.95:
            size = rng.randint(1, 60_000)
            name, data, mode = f"blob_{i}.bin", b"\0" + rng.randbytes(size), 0o644
        elif r < 0.96:
            name, data, mode = f"empty_{i}", b"", 0o644
        elif r < 0.97:
            name, data, mode = f".dot_{i}", c_text(rng, 10), 0o644
        else:
            name, data, mode = f"Makefile_{i}", c_text(rng, 40), 0o644
        p = root / d / name
        p.write_bytes(data)
        os.chmod(p, mode)
        made.append(d / name)
    (root / "with space.c").write_bytes(c_text(rng, 50))
    made.append(Path("with space.c"))
    (root / "empty-dir").mkdir()
    for i in range(12):
        target = rng.choice(made)
        link = Path(target.parent) / f"link_{i}.h"
        if (root / link).exists() or (root / link).is_symlink():
            continue
        os.symlink(target.name, root / link)
    # a directory symlink, like scripts/dtc/include-prefixes/* in Linux
    os.symlink(str(dirs[1]), root / "include-prefix")
    for rel, _ in walk(root):
        set_time(root / rel, BASE_TIME + rng.randint(0, 10_000_000))
    set_time(root, BASE_TIME)


# ---------------------------------------------------------------------------
# the deterministic edit


def edit_text(data, rng, hunks):
    """Edit text in place: per hunk, change, insert or delete a line."""
    lines = data.split(b"\n")
    for h in range(hunks):
        if len(lines) < 3:
            lines.append(b"/* bench: appended */")
            continue
        i = rng.randrange(len(lines) - 1)
        op = rng.randrange(3)
        if op == 0:
            lines[i] = lines[i] + b" /* bench edit */"
        elif op == 1:
            lines.insert(i, b"\t/* bench: inserted line %d */" % h)
        else:
            del lines[i]
    return b"\n".join(lines)


def make_edit(src, dst, *, seed, frac, hunks, n_add, n_del, n_chmod, n_links, n_bins, stamp_time):
    """Copy src to dst (cp -a), then change it deterministically; returns the log."""
    rng = random.Random(seed)
    run(["cp", "-a", "--", str(src), str(dst)])
    dst = Path(dst)
    entries = walk(dst)
    files = [r for r, k in entries if k == "file"]
    links = [r for r, k in entries if k == "link"]
    dirs = [r for r, k in entries if k == "dir"]
    files_in = {}
    for r in files:
        files_in.setdefault(os.path.dirname(r), []).append(r)
    touched_dirs = set()
    log_ = {"edited": [], "added": [], "deleted": [], "chmod": [], "symlink": [], "binary": []}

    # ~frac of the .c/.h files, edited in place (same inode, same mode)
    sources = [r for r in files if r.endswith((".c", ".h"))]
    want = max(1, round(frac * len(sources)))
    used = set()
    for r in rng.sample(sources, len(sources)):
        if len(log_["edited"]) >= want:
            break
        p = dst / r
        data = p.read_bytes()
        if b"\0" in data[:8000]:
            continue
        with open(p, "wb") as f:
            f.write(edit_text(data, rng, rng.randint(1, hunks)))
        set_time(p, stamp_time)
        used.add(r)
        log_["edited"].append(r)

    # binary files changed (same size, a few bytes flipped)
    others = [r for r in files if r not in used and not r.endswith((".c", ".h"))]
    binaries = [r for r in others if is_binary(dst / r)]
    for r in rng.sample(binaries, min(n_bins, len(binaries))):
        p = dst / r
        data = bytearray(p.read_bytes())
        mid = len(data) // 2
        for j in range(mid, min(mid + 16, len(data))):
            data[j] ^= 0xFF
        with open(p, "wb") as f:
            f.write(data)
        set_time(p, stamp_time)
        used.add(r)
        log_["binary"].append(r)

    # deleted: only from directories that keep other files (no empty dir appears)
    left = {d: len(v) for d, v in files_in.items()}
    candidates = [r for r in files if r not in used]
    for r in rng.sample(candidates, len(candidates)):
        if len(log_["deleted"]) >= n_del:
            break
        d = os.path.dirname(r)
        if left[d] < 3:
            continue
        os.unlink(dst / r)
        left[d] -= 1
        used.add(r)
        touched_dirs.add(d)
        log_["deleted"].append(r)

    # chmod +x on a few non-executable files
    plain = [r for r in files if r not in used and not os.stat(dst / r).st_mode & 0o111]
    for r in rng.sample(plain, min(n_chmod, len(plain))):
        p = dst / r
        os.chmod(p, os.stat(p).st_mode | 0o111)
        used.add(r)
        log_["chmod"].append(r)

    # symlinks retargeted to another file beside them (still resolvable)
    for r in rng.sample(links, min(n_links, len(links))):
        p = dst / r
        old = os.readlink(p)
        d = os.path.dirname(r)
        siblings = [s for s in files_in.get(d, []) if s not in used and os.path.basename(s) != old]
        new = os.path.basename(rng.choice(siblings)) if siblings else "./" + old
        os.unlink(p)
        os.symlink(new, p)
        set_time(p, stamp_time)
        touched_dirs.add(d)
        log_["symlink"].append(f"{r}: {old} -> {new}")

    # added files, some in new directories
    for i in range(n_add):
        d = rng.choice(dirs) if dirs else ""
        if i % 10 == 9:
            d = os.path.join(d, f"bench_newdir_{i}")
            (dst / d).mkdir(exist_ok=True)
        r = os.path.join(d, f"bench_added_{i}.c")
        (dst / r).write_bytes(c_text(rng, rng.randint(10, 200)))
        os.chmod(dst / r, 0o644)
        set_time(dst / r, stamp_time)
        touched_dirs.add(d)
        log_["added"].append(r)

    for d in sorted(touched_dirs, key=len, reverse=True):
        set_time(dst / d if d else dst, stamp_time)
    return log_


# ---------------------------------------------------------------------------
# the checkpoint's build outputs


def build_products(base, seed, frac=0.1):
    """What a build would add beside the sources: a `.o` for ~frac of the `.c` files,
    binary, about half the source's size. Returns {relpath: bytes}, deterministic."""
    rng = random.Random(seed)
    out = {}
    sources = [r for r, k in walk(base) if k == "file" and r.endswith(".c")]
    for r in sorted(rng.sample(sources, max(1, round(frac * len(sources))))):
        obj = r[:-2] + ".o"
        if os.path.lexists(os.path.join(base, obj)):
            continue
        size = os.lstat(os.path.join(base, r)).st_size // 2 + 64
        out[obj] = b"\x7fELF\2\1\1\0" + rng.randbytes(size)
    return out


def add_products(src, dst, products):
    """dst = cp -a src, plus the build products (fixed mtime)."""
    run(["cp", "-a", "--", str(src), str(dst)])
    for rel, data in products.items():
        p = Path(dst) / rel
        p.write_bytes(data)
        os.chmod(p, 0o644)
        set_time(p, BUILD_TIME)


# ---------------------------------------------------------------------------
# data sets


class DataSet:
    """One data set's paths plus how to build them."""

    def __init__(self, cache, name):
        self.name = name
        self.dir = Path(cache) / name
        self.base = self.dir / "base"
        self.edit = self.dir / "edit"
        self.next = self.dir / "next"
        # the checkpoint row: the snapshot of the build outputs (base + products), and
        # what restoring it and re-applying the 1% edit must give (edit + products)
        self.outputs = self.dir / "outputs"
        self.restored = self.dir / "restored"
        self.edit_patch = self.dir / "patches" / "edit.patch"
        self.next_patch = self.dir / "patches" / "next.patch"
        self.many_patch = self.dir / "patches" / "many.patch"
        self.many_files = MANY_FILES.get(name, 0)
        self.describe = {}

    def stamp(self, step):
        return self.dir / f"{step}.stamp"

    def step(self, step, build):
        """Run build() unless the step's stamp exists; the target is removed first."""
        if self.stamp(step).exists():
            return
        target = self.dir / step
        if target.exists() or target.is_symlink():
            log(f"{self.name}: removing unfinished {step}")
            shutil.rmtree(target)
        log(f"{self.name}: building {step}")
        build(target)
        self.stamp(step).write_text("done\n")

    def make_patches(self):
        """git diff --no-index --binary base -> edit/next, with -p1 paths.

        The trees are renamed to `a` and `b` for the diff (same filesystem, instant)
        and git is told to use no prefix, so headers read `a/PATH b/PATH`."""
        (self.dir / "patches").mkdir(exist_ok=True)
        for step, new, out in (("edit", self.edit, self.edit_patch), ("next", self.next, self.next_patch)):
            if self.stamp(f"{step}-patch").exists():
                continue
            log(f"{self.name}: writing {out.name}")
            a, b = self.dir / "a", self.dir / "b"
            os.rename(self.base, a)
            os.rename(new, b)
            try:
                with open(out, "wb") as f:
                    p = subprocess.run(
                        ["git", "diff", "--no-index", "--binary", "--no-renames",
                         "--src-prefix=", "--dst-prefix=", "a", "b"],
                        cwd=self.dir, stdout=f, env=git_env(self.dir.parent))
                if p.returncode not in (0, 1):
                    raise RuntimeError(f"git diff exited {p.returncode}")
            finally:
                os.rename(a, self.base)
                os.rename(b, new)
            self.stamp(f"{step}-patch").write_text("done\n")

    def make_many_patch(self):
        """`many.patch`: `many_files` new one-line files `dNNN/fNNNNNNN` (1000 directories),
        one unified section each, `-p1` paths; about 55 bytes per section."""
        if self.stamp("many-patch").exists():
            return
        log(f"{self.name}: writing {self.many_patch.name} ({self.many_files} new files)")
        (self.dir / "patches").mkdir(exist_ok=True)
        with open(self.many_patch, "wb") as f:
            for i in range(self.many_files):
                f.write(b"--- /dev/null\n+++ b/d%03d/f%07d\n@@ -0,0 +1 @@\n+%d\n" % (i % 1000, i, i))
        self.stamp("many-patch").write_text("done\n")

    def make_checkpoint_trees(self):
        products = None

        def build(src):
            def go(target):
                nonlocal products
                products = products or build_products(self.base, SEED + 3)
                add_products(src, target, products)
            return go

        self.step("outputs", build(self.base))
        self.step("restored", build(self.edit))

    def summarize(self):
        for key in ("base", "edit", "next", "outputs"):
            info_path = self.dir / f"{key}.info.json"
            if not info_path.exists() or "largest" not in json.loads(info_path.read_text()):
                entries = walk(getattr(self, key))
                sizes = [os.lstat(getattr(self, key) / r).st_size for r, k in entries if k == "file"]
                info = {
                    "files": sum(k == "file" for _, k in entries),
                    "symlinks": sum(k == "link" for _, k in entries),
                    "dirs": sum(k == "dir" for _, k in entries),
                    "bytes": sum(sizes),
                    "largest": max(sizes, default=0),
                }
                info_path.write_text(json.dumps(info))
            self.describe[key] = json.loads(info_path.read_text())
        for p in (self.edit_patch, self.next_patch):
            self.describe[p.name] = p.stat().st_size
        edit_log = self.dir / "edit.json"
        if edit_log.exists():
            self.describe["edit_log"] = {k: len(v) for k, v in json.loads(edit_log.read_text()).items()}


# The "1% edit" of the issue: ~1% of .c/.h files, 20 added, 20 deleted, a few chmod +x,
# a symlink retargeted, a binary file changed.
ONE_PERCENT = dict(frac=0.01, hunks=3, n_add=20, n_del=20, n_chmod=3, n_links=1, n_bins=1)


def prepare_quick(cache):
    ds = DataSet(cache, "quick")
    ds.dir.mkdir(parents=True, exist_ok=True)
    ds.step("base", lambda t: generate_tree(t))

    def build_edit(t):
        info = make_edit(ds.base, t, seed=SEED + 1, stamp_time=EDIT_TIME, **ONE_PERCENT)
        (ds.dir / "edit.json").write_text(json.dumps(info, indent=1))

    ds.step("edit", build_edit)
    # the "next release": a heavy edit (a quarter of the sources, many adds/deletes)
    ds.step("next", lambda t: make_edit(
        ds.base, t, seed=SEED + 2, stamp_time=NEXT_TIME, frac=0.25, hunks=8,
        n_add=250, n_del=120, n_chmod=10, n_links=4, n_bins=10))
    ds.make_patches()
    ds.make_many_patch()
    ds.make_checkpoint_trees()
    ds.summarize()
    ds.describe["source"] = "generated by bench/data.py (seeded)"
    return ds


def linux_tarball(version):
    return Path(f"/usr/src/linux-source-{version}.tar.xz")


def ensure_linux_packages():
    missing = [v for v in LINUX_VERSIONS.values() if not linux_tarball(v).exists()]
    if not missing:
        return
    pkgs = [f"linux-source-{v}" for v in missing]
    log(f"installing {' '.join(pkgs)} (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run(["apt-get", "install", "-y", "--no-install-recommends", *pkgs], env=env)
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        sys.exit(f"bench: cannot install {' '.join(pkgs)} ({e}); "
                 f"check `apt-cache policy {' '.join(pkgs)}`")


def package_version(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "unknown"


def prepare_linux(cache):
    ds = DataSet(cache, "linux")
    ds.dir.mkdir(parents=True, exist_ok=True)
    ensure_linux_packages()

    def unpack(version):
        def build(target):
            tmp = ds.dir / f".unpack-{version}"
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            run(["tar", "-xf", str(linux_tarball(version)), "-C", str(tmp)])
            os.rename(tmp / f"linux-source-{version}", target)
            tmp.rmdir()
        return build

    ds.step("base", unpack(LINUX_VERSIONS["base"]))
    ds.step("next", unpack(LINUX_VERSIONS["next"]))

    def build_edit(t):
        info = make_edit(ds.base, t, seed=SEED + 1, stamp_time=EDIT_TIME, **ONE_PERCENT)
        (ds.dir / "edit.json").write_text(json.dumps(info, indent=1))

    ds.step("edit", build_edit)
    ds.make_patches()
    ds.make_many_patch()
    ds.make_checkpoint_trees()
    ds.summarize()
    ds.describe["source"] = ", ".join(
        f"linux-source-{v} {package_version('linux-source-' + v)}" for v in LINUX_VERSIONS.values())
    return ds


def prepare(cache, which):
    return prepare_quick(cache) if which == "quick" else prepare_linux(cache)
