"""One timed command: wall time, CPU time, peak RSS and exit status.

Wall time is measured here around the child (`time.perf_counter`); CPU time and peak
RSS come from GNU time (`/usr/bin/time -v`, Debian package `time`). For a shell
sequence GNU time reports the largest single process's peak RSS, which is what
"peak memory" means in the table.
"""

import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

GNU_TIME = "/usr/bin/time"


@dataclass
class Sample:
    wall: float
    user: float
    sys: float
    rss_kib: int
    rc: int
    stderr: str


def have_gnu_time():
    try:
        p = subprocess.run([GNU_TIME, "--version"], capture_output=True, text=True)
    except FileNotFoundError:
        return False
    return "GNU" in (p.stdout + p.stderr)


def _field(report, name, conv, default):
    m = re.search(rf"^\s*{re.escape(name)}:\s*(\S+)\s*$", report, re.M)
    return conv(m.group(1)) if m else default


def timed(argv, *, cwd, stdout=None, env=None, timeout=None):
    """Run argv (a list, or a string run by bash) once and measure it.

    stdout is a path to write the command's output to, or None for /dev/null; stdin is
    /dev/null. A command still running after `timeout` seconds is killed (its whole
    process group) and reported with exit status 124, like timeout(1)."""
    if isinstance(argv, str):
        argv = ["bash", "-c", argv]
    with tempfile.NamedTemporaryFile("r", prefix="bench-time-") as rep, \
            tempfile.TemporaryFile("w+", prefix="bench-err-") as err:
        out = open(stdout, "wb") if stdout else open(os.devnull, "wb")
        with out:
            t0 = time.perf_counter()
            p = subprocess.Popen([GNU_TIME, "-v", "-o", rep.name, "--", *argv], cwd=cwd,
                                 stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                 start_new_session=True)
            # Popen.wait(timeout=...) polls with sleeps of up to 50 ms, which would
            # quantise the measurement: wait blocking, and let a timer do the killing.
            killed = []

            def kill():
                killed.append(True)
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill) if timeout else None
            if timer:
                timer.start()
            rc = p.wait()
            wall = time.perf_counter() - t0
            if timer:
                timer.cancel()
            if killed:
                rc = 124
        report = open(rep.name).read()
        err.seek(0)
        tail = err.read()[-2000:]
    return Sample(
        wall=wall,
        user=_field(report, "User time (seconds)", float, 0.0),
        sys=_field(report, "System time (seconds)", float, 0.0),
        rss_kib=_field(report, "Maximum resident set size (kbytes)", int, 0),
        rc=rc,
        stderr=tail,
    )
