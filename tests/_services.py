"""Start the services the tests drive for real: PostgreSQL and the dashboard.

The commands here are the ones docs/deployment.md gives for a server; keep the two the same.
Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_options(port: int, socket_dir: Path) -> str:
    """``postgres`` options: listen on 127.0.0.1 only; the test server also skips fsync."""
    return (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=40"
    )


def initdb_command(bindir: Path, data: Path) -> list[str]:
    """Create a cluster (UTF-8, superuser ``postgres``, trusted local connections)."""
    return [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]


def pg_ctl_command(bindir: Path, data: Path, action: str, options: str = "", log: Path | None = None) -> list[str]:
    """``pg_ctl start`` (waits until it accepts connections) or ``pg_ctl stop -m fast``."""
    if action == "start":
        return [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60", "start"]
    return [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]


def pg_dump_command(bindir: Path, host: str, port: int, database: str, out: Path) -> list[str]:
    """Back up a library: ``pg_dump`` in the custom format (consistent while it is in use)."""
    return [str(bindir / "pg_dump"), "-h", host, "-p", str(port), "-U", "postgres", "-Fc", "-f", str(out), database]


def pg_restore_command(bindir: Path, host: str, port: int, database: str, dump: Path) -> list[str]:
    """Restore a backup into an empty database."""
    return [
        str(bindir / "pg_restore"),
        "-h",
        host,
        "-p",
        str(port),
        "-U",
        "postgres",
        "-d",
        database,
        "--no-owner",
        str(dump),
    ]


def streamlit_command(port: int, secrets: Path | None = None) -> list[str]:
    """``streamlit run app.py`` headless on 127.0.0.1:``port`` (behind the reverse proxy on a
    server); ``secrets``: the secrets file holding the ``[auth]`` section."""
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    command = [
        streamlit,
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
    ]
    if secrets is not None:
        command += ["--secrets.files", str(secrets)]
    return command


def wait_for_http(url: str, proc: subprocess.Popen | None = None, timeout_s: float = 60) -> None:
    """Wait until ``url`` answers (or the process ends, or the time is up: RuntimeError)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc is not None and proc.stdout else ""
                raise RuntimeError(f"{url} did not answer:\n{out[-3000:]}") from None
            time.sleep(0.2)


@contextmanager
def dashboard(port: int, env: dict[str, str], secrets: Path | None = None) -> Iterator[str]:
    """A dashboard process from the checkout; yields its URL; stopped at the end."""
    proc = subprocess.Popen(
        streamlit_command(port, secrets),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_stcore/health", proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
