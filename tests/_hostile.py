"""Run a command as a hostile-input test does: in its own process, with a wall-clock limit and
a memory ceiling, reporting exit code, output, seconds and peak resident memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What the issue allows each refusal: seconds and bytes of resident memory.
MAX_SECONDS = 10.0
MAX_RSS_BYTES = 2**30
#: Address-space ceiling of the child, so that a runaway reader fails instead of taking the
#: machine (above MAX_RSS_BYTES: numpy and its threads reserve address space they never touch).
ADDRESS_SPACE_BYTES = 6 * 2**30


@dataclass(frozen=True)
class Outcome:
    code: int | None  # None when killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    peak_rss_bytes: int
    cpu_seconds: float = 0.0  # user + system time of the child (wall time varies with the load)

    @property
    def one_line_error(self) -> str:
        """The error message, asserted to be one line with no traceback."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert "Traceback" not in self.stderr, self.stderr[-2000:]
        assert len(lines) == 1, self.stderr[-2000:]
        return lines[0]


def _cap() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


def start_fundmodel(*args: str | os.PathLike, cwd: Path | None = None, env: dict | None = None) -> subprocess.Popen:
    """Start ``python -m fundmodel ARGS`` from the checkout under the memory ceiling (for tests
    that signal it); finish it with :func:`finish`."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "fundmodel", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=cwd or ROOT,
        env=full_env,
        preexec_fn=_cap,  # the child gets its own ceiling
    )


def finish(proc: subprocess.Popen, start: float, timeout: float = 60.0) -> Outcome:
    """Wait for ``proc`` (killed after ``timeout`` seconds) and measure this one child: its
    exit code, output, wall seconds, peak resident memory and CPU seconds (``wait4``)."""
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    readers = [
        threading.Thread(target=lambda k=k, f=f: chunks[k].append(f.read()), daemon=True)
        for k, f in (("out", proc.stdout), ("err", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    deadline = start + timeout
    killed = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline and not killed:
            proc.kill()
            killed = True
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    code = None if killed else proc.returncode
    out, err = b"".join(chunks["out"]), b"".join(chunks["err"])
    return Outcome(
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        seconds,
        usage.ru_maxrss * 1024,
        usage.ru_utime + usage.ru_stime,
    )


def run_fundmodel(
    *args: str | os.PathLike, timeout: float = 60.0, cwd: Path | None = None, env: dict | None = None
) -> Outcome:
    """``python -m fundmodel ARGS`` from the checkout, timed and measured."""
    start = time.perf_counter()
    return finish(start_fundmodel(*args, cwd=cwd, env=env), start, timeout)
