"""Shared fixtures: a PostgreSQL server for the session and a fresh database per test.

The server is started once per session (initdb + pg_ctl as the ``postgres`` user when
running as root, on a free port on 127.0.0.1, socket in its temp dir) unless
FUNDMODEL_TEST_PG_URL names one. Without the binaries the PostgreSQL cases are skipped
locally and FAIL when CI is set.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from _services import free_port, initdb_command, pg_ctl_command, postgres_options
from sqlalchemy import create_engine, text


@pytest.fixture(scope="session")
def pg_server():
    external = os.environ.get("FUNDMODEL_TEST_PG_URL")
    if external:
        yield external
        return
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin: CI must test PostgreSQL")
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    bindir = Path(found[-1]).parent
    as_root = os.geteuid() == 0
    # under /tmp when root: the postgres user must reach it whatever TMPDIR says
    tmp = Path(tempfile.mkdtemp(prefix="fundmodel-pg-", dir="/tmp" if as_root else None))
    if as_root:
        shutil.chown(tmp, "postgres", "postgres")

    def cmd(args: list[str]) -> list[str]:
        return (["runuser", "-u", "postgres", "--"] if as_root else []) + args

    data = tmp / "data"
    port = free_port()
    try:
        subprocess.run(cmd(initdb_command(bindir, data)), check=True, capture_output=True, text=True)
        start = pg_ctl_command(bindir, data, "start", postgres_options(port, tmp), tmp / "log")
        subprocess.run(cmd(start), check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        log = (tmp / "log").read_text(errors="replace") if (tmp / "log").exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc}\n{log}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(cmd(pg_ctl_command(bindir, data, "stop")), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh database on the session's server for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
