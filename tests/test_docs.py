"""The documentation site builds in strict mode, so a broken link or a missing page fails
``make test`` (and CI); and the reference pages list every portfolio column and command."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from fundmodel.cli import build_parser
from fundmodel.inputs.portfolio.schema import SCHEMA_FILE

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=config.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_site_builds_in_strict_mode(tmp_path):
    done = _mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "model" / "index.html").is_file()
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered the modules' docstrings, not just the headings
    assert "fundmodel.core.leverage" in api
    assert "Project capital K = F / s" in api


def test_broken_link_and_missing_page_fail_the_build(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(DOCS, copy / "docs")
    for package in ("fundmodel", "fundmodel_dashboard"):
        (copy / package).symlink_to(ROOT / package, target_is_directory=True)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    (copy / "mkdocs.yml").write_text(config + "      - Gone: no-such-page.md\n", encoding="utf-8")
    with (copy / "docs" / "index.md").open("a", encoding="utf-8") as index:
        index.write("\nSee [a page that does not exist](missing-page.md).\n")
    done = _mkdocs_build(copy / "mkdocs.yml", tmp_path / "site")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "missing-page.md" in output
    assert "no-such-page.md" in output


def test_portfolio_page_lists_every_schema_column():
    page = (DOCS / "portfolios.md").read_text(encoding="utf-8")
    with Path(SCHEMA_FILE).open(encoding="utf-8") as f:
        ids = [row["id"] for row in csv.DictReader(f)]
    assert ids, "empty schema"
    missing = [i for i in ids if f"`{i}`" not in page]
    assert not missing, f"docs/portfolios.md lacks schema columns {missing}"


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every command and sub-command (``scenarios save`` ...) of ``parser`` by name."""
    out = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out[f"{prefix}{name}"] = sub
                out.update(_commands(sub, f"{prefix}{name} "))
    return out


def test_cli_page_lists_every_command_and_option():
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    commands = _commands(build_parser())
    assert len(commands) >= 12
    missing = [name for name in commands if f"`{name.split()[-1]}" not in page]
    assert not missing, f"docs/cli.md lacks commands {missing}"
    options = {
        f"{name}: {option}"
        for name, sub in commands.items()
        for action in sub._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and f"`{option}" not in page
    }
    assert not options, f"docs/cli.md lacks options {sorted(options)}"


def test_every_page_is_in_the_nav():
    """A page under docs/ that is not in the nav is unreachable from the site's menu."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert "model.md" in pages
    missing = [page for page in pages if f": {page}" not in config]
    assert not missing, f"mkdocs.yml nav lacks {missing}"


def test_doctest_lines_are_fenced_as_code_in_the_api_reference():
    spec = importlib.util.spec_from_file_location("doctest_blocks", DOCS / "hooks" / "doctest_blocks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "Example: F = 10, s = 0.5 -> K = 20.\n\n>>> project_capital(10.0, 0.5)\n20.0\n\nMore prose."
    assert module.fence_doctests(text) == (
        "Example: F = 10, s = 0.5 -> K = 20.\n\n```pycon\n>>> project_capital(10.0, 0.5)\n20.0\n```\n\nMore prose."
    )
    assert module.fence_doctests("no examples here") == "no examples here"
