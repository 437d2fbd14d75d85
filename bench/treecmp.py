"""Exact tree comparison: the correctness check behind every timed row.

A benchmark that only times can reward a fast wrong answer, so each run of one of our
tools ends with its result compared to the expected tree (or to the output of the tool
it replaces). What is compared depends on what the command promises:

- always: the set of paths, each entry's type, file contents, symlink targets;
- modes="full": all permission bits of files and directories; modes="exec": only the
  owner-execute bit of regular files (all a git patch can carry); modes="none": nothing;
- mtimes=True: the modification time of regular files, to the nanosecond.

Symlinks are never followed. The result is a list of human-readable differences, empty
when the trees are equal.
"""

import os
import stat

CHUNK = 1 << 20


def scan(root):
    """{relpath: os.stat_result} for every entry under root (root itself excluded)."""
    out = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(root, rel) if rel else root) as it:
            for e in it:
                r = os.path.join(rel, e.name) if rel else e.name
                st = e.stat(follow_symlinks=False)
                out[r] = st
                if stat.S_ISDIR(st.st_mode):
                    stack.append(r)
    return out


def kind(mode):
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "special"


def same_content(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(CHUNK), fb.read(CHUNK)
            if x != y:
                return False
            if not x:
                return True


def compare(got, want, *, modes="full", mtimes=False, limit=None):
    """Differences between tree `got` and tree `want`, as strings."""
    for root in (got, want):
        if not os.path.isdir(root) or os.path.islink(root):
            return [f"missing: the directory {str(root)!r} does not exist"]
    g, w = scan(got), scan(want)
    diffs = []
    for r in sorted(set(g) | set(w)):
        if r not in g:
            diffs.append(f"missing: {r!r} ({kind(w[r].st_mode)})")
            continue
        if r not in w:
            diffs.append(f"unexpected: {r!r} ({kind(g[r].st_mode)})")
            continue
        gs, ws = g[r], w[r]
        gk, wk = kind(gs.st_mode), kind(ws.st_mode)
        if gk != wk:
            diffs.append(f"type: {r!r} is a {gk}, expected a {wk}")
            continue
        gp, wp = os.path.join(got, r), os.path.join(want, r)
        if gk == "symlink" and os.readlink(gp) != os.readlink(wp):
            diffs.append(f"symlink: {r!r} -> {os.readlink(gp)!r}, expected {os.readlink(wp)!r}")
        if gk == "file":
            if gs.st_size != ws.st_size:
                diffs.append(f"content: {r!r} has {gs.st_size} bytes, expected {ws.st_size}")
            elif (gs.st_dev, gs.st_ino) != (ws.st_dev, ws.st_ino) and not same_content(gp, wp):
                diffs.append(f"content: {r!r} differs")
            if mtimes and gs.st_mtime_ns != ws.st_mtime_ns:
                diffs.append(f"mtime: {r!r} is {gs.st_mtime_ns}, expected {ws.st_mtime_ns}")
        if modes == "full" and gk in ("file", "dir"):
            gm, wm = stat.S_IMODE(gs.st_mode), stat.S_IMODE(ws.st_mode)
            if gm != wm:
                diffs.append(f"mode: {r!r} is {gm:o}, expected {wm:o}")
        elif modes == "exec" and gk == "file":
            if (gs.st_mode & 0o100) != (ws.st_mode & 0o100):
                diffs.append(f"mode: {r!r} is {stat.S_IMODE(gs.st_mode):o}, "
                             f"expected {stat.S_IMODE(ws.st_mode):o} (execute bit)")
        if limit is not None and len(diffs) >= limit:
            diffs.append("... (more)")
            break
    return diffs


def count_entries(root):
    return len(scan(root))
