"""The benchmark rows: each of our tools beside the tool it replaces, on the same input.

A group is one input and several commands: our tool and one or more baselines. The
runner alternates them (baselines, then ours, round after round), resets each side's
state before each run without timing it, and after our tool's run checks its result:

- treediff: its patch is applied with `git apply` (plus the `# treediff: mkdir/rmdir`
  lines, applied here) to a copy of the old tree, and the result must equal the new tree;
- applypatch: the patched tree must equal the new tree;
- treesync: the tree must equal what rsync made from the same start, in the same round;
- snap: the copy must equal the source (modes and file mtimes too) and the manifest
  must list every entry;
- the checkpoint phase: the restored tree must equal the edited sources.

Each side works in its own directory under the work dir, reset with
`rsync -a --checksum --delete PRISTINE/ DIR/` (exact, and cheap when little differs).
"""

import hashlib
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import data
import treecmp


@dataclass
class Target:
    """Needed speed-up (baseline time / our time); below 1 means "within Nx"."""
    minimum: Optional[float]
    goal: Optional[float]

    def text(self):
        def one(x):
            if x is None:
                return None
            if x >= 1:
                return "not slower" if x == 1 else f"{x:g}x faster"
            return f"within {1 / x:.3g}x"
        parts = []
        if self.minimum is not None:
            parts.append(one(self.minimum))
        if self.goal is not None:
            parts.append(f"goal {one(self.goal)}")
        return ", ".join(parts)


@dataclass
class Side:
    label: str
    argv: object                      # list, or a bash script string
    cwd: Path
    stdout: Optional[Path] = None
    ok: frozenset = frozenset({0})
    prepare: Optional[Callable] = None
    env: Optional[dict] = None
    target: Optional[Target] = None   # baselines only: the DESIGN.md target vs this one
    inform: Optional[Callable] = None  # baselines only: note on what the baseline produced


@dataclass
class Group:
    key: str
    title: str
    ours: Side
    baselines: list
    verify: Callable                  # () -> list of problems with our result
    tools: tuple = ()                 # every binary of ours the row needs
    cleanup: Optional[Callable] = None
    notes: list = field(default_factory=list)


def sync(pristine, dst):
    """Make dst an exact copy of pristine (untimed reset)."""
    Path(dst).mkdir(parents=True, exist_ok=True)
    subprocess.run(["rsync", "-a", "--checksum", "--delete", f"{pristine}/", f"{dst}/"], check=True)


def rmrf(*paths):
    for p in paths:
        if os.path.lexists(p):
            subprocess.run(["rm", "-rf", "--", str(p)], check=True)


def fresh_dir(path):
    """An empty directory at path (untimed reset)."""
    rmrf(path)
    Path(path).mkdir(parents=True)


def verify_many(root, n):
    """The tree of the many-files patch: exactly `dNNN/fNNNNNNN` for i < n, each holding
    `i` and a newline, and nothing else (no temporary left over)."""
    problems = []
    seen = 0
    for d in sorted(os.listdir(root)):
        for f in sorted(os.listdir(root / d)):
            seen += 1
            i = int(f[1:]) if f.startswith("f") and f[1:].isdigit() else -1
            if not (0 <= i < n and d == f"d{i % 1000:03d}"):
                problems.append(f"unexpected {d}/{f}")
            elif (root / d / f).read_bytes() != b"%d\n" % i:
                problems.append(f"{d}/{f}: wrong content")
            if len(problems) >= 10:
                return problems
    if seen != n:
        problems.append(f"{seen} files, not {n}")
    return problems


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def c_unquote(s):
    """Undo git's C-style path quoting ("a\\tb" -> a<TAB>b), bytes in, bytes out."""
    if not s.startswith(b'"'):
        return s
    s = s[1:-1]
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("t"): 9, ord("a"): 7, ord("b"): 8, ord("f"): 12,
              ord("r"): 13, ord("v"): 11, ord("\\"): 92, ord('"'): 34}
    while i < len(s):
        c = s[i]
        if c == 92 and i + 1 < len(s):
            d = s[i + 1]
            if d in simple:
                out.append(simple[d])
                i += 2
                continue
            if 48 <= d <= 55:
                out.append(int(s[i + 1:i + 4], 8))
                i += 4
                continue
        out.append(c)
        i += 1
    return bytes(out)


def strip1(path):
    """-p1: drop the first path component (the `a/` or `b/` prefix)."""
    return path.split(b"/", 1)[1] if b"/" in path else path


def apply_treediff_extensions(patch, tree):
    """Apply the `# treediff: mkdir PATH MODE` / `rmdir PATH` lines git apply skips.
    PATH carries the `b/` (mkdir) or `a/` (rmdir) prefix, stripped like `-p1`."""
    with open(patch, "rb") as f:
        for line in f:
            if not line.startswith(b"# treediff: "):
                continue
            rest = line[len(b"# treediff: "):].rstrip(b"\n")
            if rest.startswith(b"mkdir "):
                path, _, mode = rest[6:].rpartition(b" ")
                p = os.path.join(os.fsencode(tree), strip1(c_unquote(path)))
                os.makedirs(p, exist_ok=True)
                os.chmod(p, int(mode, 8) & 0o7777)
            elif rest.startswith(b"rmdir "):
                p = os.path.join(os.fsencode(tree), strip1(c_unquote(rest[6:])))
                if os.path.isdir(p) and not os.path.islink(p):
                    os.rmdir(p)


def plant_canary(tree):
    """One byte changed in one file, size and mtime kept: only --checksum sees it.

    An equal tree alone cannot tell a tool that checked everything from one that did
    nothing; with the canary, both rsync and a correct tool rewrite exactly one file."""
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        for name in sorted(filenames):
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if name.endswith(".c") and st.st_size > 0 and not os.path.islink(p):
                with open(p, "r+b") as f:
                    first = f.read(1)
                    f.seek(0)
                    f.write(bytes([first[0] ^ 0x01]))
                os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
                return


class Rows:
    """Builds the groups for one data set, with a work dir per side."""

    def __init__(self, ds, work, bins, names):
        self.ds, self.work, self.bins, self.names = ds, Path(work), bins, names
        self.verified_patches = set()
        self.ours = self.work / "ours"
        self.gnu = self.work / "gnu"
        self.gnu2 = self.work / "gnu2"
        self.check = self.work / "check"
        for d in (self.ours, self.gnu, self.gnu2, self.check):
            d.mkdir(parents=True, exist_ok=True)

    def bin(self, tool):
        return str(self.bins.get(tool) or tool)

    # -- checks -------------------------------------------------------------

    def verify_patch(self, patch, old, new):
        """A treediff patch is right when git apply (+ the mkdir/rmdir lines) turns
        old into new."""
        if not os.path.exists(patch):
            return ["no patch written"]
        digest = sha256(patch)
        if digest in self.verified_patches:
            return []
        if os.path.getsize(patch) == 0:
            return ["empty patch, but the trees differ"]
        tree = self.check / "tree"
        sync(old, tree)
        p = subprocess.run(["git", "apply", "-p1", "--binary", "--whitespace=nowarn", str(patch)],
                           cwd=tree, capture_output=True, env=data.git_env(self.work.parent))
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace").strip().splitlines()
            return [f"git apply rejects the patch (exit {p.returncode}): " + " | ".join(err[:3])]
        apply_treediff_extensions(patch, tree)
        diffs = treecmp.compare(tree, new, modes="exec", limit=10)
        if not diffs:
            self.verified_patches.add(digest)
        return diffs

    def inform_tree(self, tree, want, modes="exec", what="result"):
        def note(sample):
            # A baseline is reported, never judged: a tree that cannot be read whole (an
            # entry gone while it is compared) is said so rather than ending the run.
            try:
                diffs = treecmp.compare(tree, want, modes=modes)
            except OSError as e:
                return f"exit {sample.rc}, {what} could not be compared with the expected tree ({e})"
            rej = sum(1 for r in treecmp.scan(tree) if r.endswith(".rej"))
            parts = [f"exit {sample.rc}"]
            if rej:
                parts.append(f"{rej} .rej files")
            parts.append(f"{what} {'equals' if not diffs else 'differs from'} the expected tree"
                         + (f" in {len(diffs)} entries (e.g. {diffs[0]})" if diffs else ""))
            return ", ".join(parts)
        return note

    @staticmethod
    def inform_rc(sample):
        if sample.rc in (0, 1):
            return None
        first = sample.stderr.strip().splitlines()[:1]
        return f"exit {sample.rc}" + (f" ({first[0]})" if first else "")

    # -- groups -------------------------------------------------------------

    def groups(self):
        ds, n = self.ds, self.names
        B, E, N = ds.base, ds.edit, ds.next
        O, G, G2 = self.ours, self.gnu, self.gnu2
        gs = []

        # treediff vs diff -urN and git diff
        for key, new, tmin, tgoal in (("edit", "edit", 2.0, 4.0), ("next", "next", 1.0, 1.5)):
            newp = getattr(ds, new)
            gs.append(Group(
                key=f"treediff-{key}", title=f"diff {n['base']} vs {n[new]}",
                ours=Side("treediff A B", [self.bin("treediff"), "base", new], cwd=ds.dir,
                          stdout=O / "out.patch", ok=frozenset({1})),
                baselines=[
                    Side("diff -urN", ["diff", "-urN", "base", new], cwd=ds.dir, stdout=G / "out.patch",
                         ok=frozenset({0, 1, 2}), target=Target(tmin, tgoal), inform=self.inform_rc),
                    Side("git diff --no-index --binary", ["git", "diff", "--no-index", "--binary",
                                                           "--no-renames", "base", new],
                         cwd=ds.dir, stdout=G2 / "out.patch", ok=frozenset({1}), env=data.git_env(ds.dir.parent),
                         inform=self.inform_rc),
                ],
                verify=lambda newp=newp: self.verify_patch(O / "out.patch", B, newp),
                tools=("treediff",),
                cleanup=lambda: rmrf(O / "out.patch", G / "out.patch", G2 / "out.patch")))

        # applypatch vs patch -p1
        for key, new, patch, tgoal in (("edit", E, ds.edit_patch, None), ("next", N, ds.next_patch, 2.0)):
            gs.append(Group(
                key=f"applypatch-{key}",
                title=f"apply the {n['base']} -> {n[key]} patch ({os.path.getsize(patch) / 2**20:.1f} MiB)",
                ours=Side("applypatch -p1 -i P", [self.bin("applypatch"), "-p1", "-i", str(patch)],
                          cwd=O / "tree", prepare=lambda: sync(B, O / "tree")),
                baselines=[Side("patch -p1 -i P", ["patch", "-p1", "-i", str(patch)], cwd=G / "tree",
                                ok=frozenset({0, 1}), prepare=lambda: sync(B, G / "tree"),
                                target=Target(1.0, tgoal),
                                inform=self.inform_tree(G / "tree", new))],
                verify=lambda new=new: treecmp.compare(O / "tree", new, modes="exec", limit=10),
                tools=("applypatch",)))

        # applypatch vs patch -p1 on a patch of many new files (memory must not grow with it)
        if ds.many_files and ds.many_patch.exists():
            many = ds.many_patch
            gs.append(Group(
                key="applypatch-many",
                title=f"apply a patch of {ds.many_files:,} new one-line files "
                      f"({os.path.getsize(many) / 2**20:.1f} MiB)",
                ours=Side("applypatch -p1 -i P", [self.bin("applypatch"), "-p1", "-i", str(many)],
                          cwd=O / "many",
                          prepare=lambda: fresh_dir(O / "many")),
                baselines=[Side("patch -p1 -i P", ["patch", "-p1", "-i", str(many)], cwd=G / "many",
                                prepare=lambda: fresh_dir(G / "many"),
                                target=Target(1.0, None))],
                verify=lambda: verify_many(O / "many", ds.many_files),
                tools=("applypatch",),
                cleanup=lambda: rmrf(O / "many", G / "many")))

        # treesync vs rsync
        def sync_row(key, title, flags, src, start, target, dest="tree", extra=(), canary=False):
            def prep(side_dir):
                if start is None:
                    return lambda: (rmrf(side_dir / dest), (side_dir / dest).mkdir())
                if canary:
                    return lambda: (sync(start, side_dir / dest), plant_canary(side_dir / dest))
                return lambda: sync(start, side_dir / dest)
            fl = " ".join(flags)
            baselines = [Side(f"rsync {fl}", ["rsync", *flags, f"{src}/", f"{G / dest}/"], cwd=G,
                              prepare=prep(G), target=target)]
            baselines += [Side(label, argv, cwd=G2, prepare=prep(G2), target=t) for label, argv, t in extra]
            return Group(
                key=key, title=title,
                ours=Side(f"treesync {fl}", [self.bin("treesync"), *flags, f"{src}/", f"{O / dest}/"],
                          cwd=O, prepare=prep(O)),
                baselines=baselines,
                verify=lambda: treecmp.compare(O / dest, G / dest, modes="full", mtimes=True, limit=10),
                tools=("treesync",),
                cleanup=(lambda: rmrf(O / dest, G / dest, G2 / dest)) if start is None else None)

        # The read floor: only the reads any checksum sync must do (bench/read_floor.rs).
        def floor(src):
            if "read-floor" not in self.bins:
                return ()
            return [("read floor (reads both trees, compares nothing)",
                     [str(self.bins["read-floor"]), f"{src}", f"{G2 / 'tree'}"], None)]
        gs.append(sync_row("treesync-c-near", f"sync {n['edit']} onto {n['base']} (almost equal)",
                           ["-r", "-c", "-t"], E, B, Target(3.0, 5.0), extra=floor(E)))
        gs.append(sync_row("treesync-c-noop", f"sync {n['base']} onto an equal copy (no-op + canary)",
                           ["-r", "-c", "-t"], B, B, Target(3.0, 5.0), canary=True, extra=floor(B)))
        gs.append(sync_row("treesync-t-near", f"sync {n['edit']} onto {n['base']}, quick check",
                           ["-r", "-t"], E, B, None))

        # the checkpoint restore phase, build skipped: the snapshot's sources are base, its
        # outputs base + build products; "." holds the edited sources; the result must be
        # the edited sources + the products
        OUT, R = ds.outputs, ds.restored
        q = shlex.quote
        gnu_seq = (f"diff -ur {q(str(B))} ./ > {q(str(G / 'changes.patch'))}; "
                   f"shopt -s dotglob; rm -r ./*; "
                   f"rsync --checksum --times --atimes --chmod=+w -r {q(str(OUT))}/ .; "
                   f"patch -p1 -i {q(str(G / 'changes.patch'))} > /dev/null")
        our_seq = (f"set -eu; {q(self.bin('treediff'))} {q(str(B))} . > {q(str(O / 'changes.patch'))} "
                   f"|| [ $? -eq 1 ]; "
                   f"{q(self.bin('treesync'))} -r -l --delete --checksum --times --chmod=u+w {q(str(OUT))}/ .; "
                   f"{q(self.bin('applypatch'))} -p1 -i {q(str(O / 'changes.patch'))} > /dev/null")
        gs.append(Group(
            key="checkpoint", title=f"checkpoint restore phase, {n['edit']} (build skipped)",
            ours=Side("treediff; treesync --delete; applypatch", our_seq, cwd=O / "tree",
                      prepare=lambda: sync(E, O / "tree")),
            baselines=[Side("diff -ur; rm -r; rsync -c; patch -p1", gnu_seq, cwd=G / "tree",
                            ok=frozenset(range(256)), prepare=lambda: sync(E, G / "tree"),
                            target=Target(None, 15.0), inform=self.inform_tree(G / "tree", R))],
            verify=lambda: treecmp.compare(O / "tree", R, modes="exec", limit=10),
            tools=("treediff", "treesync", "applypatch")))
        # the full copies last: the slowest rows on a big tree
        # snap vs cp -a
        def snap_verify():
            diffs = treecmp.compare(O / "copy", B, modes="full", mtimes=True, limit=10)
            m = O / "copy.mtree"
            if not m.exists():
                return diffs + ["no manifest written"]
            with open(m, "rb") as f:
                first = f.readline()
                lines = sum(1 for line in f if line.startswith(b"."))
            want = treecmp.count_entries(B)
            if not first.startswith(b"#mtree"):
                diffs.append("manifest does not start with #mtree")
            if lines not in (want, want + 1):
                diffs.append(f"manifest has {lines} entry lines, the tree {want} entries")
            return diffs

        gs.append(Group(
            key="snap", title=f"copy {n['base']} into a new directory",
            ours=Side("snap --manifest M SRC DST", [self.bin("snap"), "--manifest", str(O / "copy.mtree"),
                                                    str(B), str(O / "copy")],
                      cwd=O, prepare=lambda: rmrf(O / "copy", O / "copy.mtree")),
            baselines=[Side("cp -a", ["cp", "-a", str(B), str(G / "copy")], cwd=G,
                            prepare=lambda: rmrf(G / "copy"), target=Target(1 / 1.5, 1 / 1.05))],
            verify=snap_verify, tools=("snap",),
            cleanup=lambda: rmrf(O / "copy", O / "copy.mtree", G / "copy")))

        gs.append(sync_row("treesync-c-empty", f"sync {n['base']} into an empty directory",
                           ["-r", "-c", "-t"], B, None, None, dest="empty",
                           extra=[("cp -a", ["cp", "-a", f"{B}/.", f"{G2 / 'empty'}/"],
                                   Target(1 / 1.2, 1 / 1.05))]))
        return gs
