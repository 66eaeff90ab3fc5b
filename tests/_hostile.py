"""Run a command as a hostile-input test does: in its own process, with a wall-clock limit and
a memory ceiling, reporting exit code, output, seconds and peak resident memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
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

    @property
    def one_line_error(self) -> str:
        """The error message, asserted to be one line with no traceback."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert "Traceback" not in self.stderr, self.stderr[-2000:]
        assert len(lines) == 1, self.stderr[-2000:]
        return lines[0]


def _cap() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))


def run_fundmodel(
    *args: str | os.PathLike, timeout: float = 60.0, cwd: Path | None = None, env: dict | None = None
) -> Outcome:
    """``python -m fundmodel ARGS`` from the checkout, timed and measured."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fundmodel", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=cwd or ROOT,
        env=full_env,
        preexec_fn=_cap,  # the child gets its own ceiling
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = None
    seconds = time.perf_counter() - start
    # ru_maxrss of the children waited for so far: the largest child, which is this one
    # when hostile cases run one at a time.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return Outcome(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), seconds, peak)
