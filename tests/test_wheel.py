"""The package as a user installs it: the wheel built from this checkout, installed into a fresh
virtual environment outside the checkout, runs the model, reads a bundled portfolio, exports a
workbook and serves the dashboard (AppTest), with no file of the checkout on its path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    # Built from a copy of the sources: setuptools reuses a build/ folder left in a checkout,
    # which can carry files the checkout no longer has.
    source = base / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "test-output", "__pycache__"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)],
        check=True,
        cwd=base,
    )
    wheels = list(dist.glob("fundmodel-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bindir = venv / "bin"
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheels[0])], check=True, cwd=base)
    return bindir


def _run(bindir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def _site(bindir: Path, tmp_path: Path) -> Path:
    out = _run(
        bindir,
        bindir / "python",
        "-c",
        "import fundmodel, pathlib; print(pathlib.Path(fundmodel.__file__).parent)",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    package = Path(out.stdout.strip())
    assert ROOT not in package.parents, package  # the installed copy, not the checkout
    return package


def test_run_from_wheel(installed: Path, tmp_path: Path) -> None:
    out = _run(installed, installed / "fundmodel", "run", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["total_investment_bn"] == pytest.approx(5992.0, abs=1.0)


def test_every_bundled_instrument_runs_from_wheel(installed: Path, tmp_path: Path) -> None:
    # the packages are subfolders of parameter_files/instruments/: the wheel must carry them
    out = _run(installed, installed / "fundmodel", "run", "--instrument", "2022", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["instrument"] == "2022"
    out = _run(installed, installed / "fundmodel", "backtest", "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert {r["instrument"] for r in json.loads(out.stdout)} == {"2025", "2022"}


def test_run_bundled_portfolio_from_wheel(installed: Path, tmp_path: Path) -> None:
    package = _site(installed, tmp_path)
    bundled = package / "portfolios" / "national_synthetic.csv"
    assert bundled.is_file()
    out = _run(installed, installed / "fundmodel", "run", "--portfolio", bundled, "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["fund_bn"] > 0


def test_export_from_wheel(installed: Path, tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    out = _run(installed, installed / "fundmodel", "export", "--out", book, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert book.stat().st_size > 10_000


def test_dashboard_from_wheel(installed: Path, tmp_path: Path) -> None:
    package = _site(installed, tmp_path)
    app = package.parent / "fundmodel_dashboard" / "app.py"
    script = textwrap.dedent(
        f"""
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(app)!r}, default_timeout=120).run()
        assert not at.exception, at.exception
        for page in ("overview", "allocation", "leverage", "portfolio", "scenarios", "export", "about"):
            at.switch_page(f"screens/{{page}}.py").run()
            assert not at.exception, (page, at.exception)
        print("metrics", len(at.metric))
        """
    )
    out = _run(installed, installed / "python", "-c", script, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "metrics" in out.stdout
