"""The dashboard's CSV downloads with a hostile project name, ``=cmd|' /C calc'!A0``.

Every CSV the dashboard offers goes through fundmodel's one CSV writer, which gives
formula-like text a leading apostrophe and says so; the tables' own "Download as CSV" (which
would write the name raw) is switched off in the shipped config. Checked in process (AppTest:
the bytes of the download button) and in a real browser (the file Chromium saves, and no
toolbar download on the table).
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pytest
import test_dashboard_browser as browser_flow
from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, _idle

#: The browser flow's Streamlit server (its fixture, under this name here).
dashboard_server = browser_flow.server

ROOT = Path(__file__).resolve().parent.parent
FORMULA = "=cmd|' /C calc'!A0"


def _formula_portfolio() -> bytes:
    text = (ROOT / "portfolios" / "first_batch_examples.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    rows[1][rows[0].index("project_name")] = FORMULA
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _assert_neutralized(data: bytes) -> None:
    text = data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA in cells  # the name is kept whole, shown as text
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)  # no cell a formula


def test_the_tables_own_csv_export_is_off() -> None:
    config = tomllib.loads((ROOT / "fundmodel_dashboard" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    from fundmodel_dashboard.launch import config_flags

    assert "--client.disableDataExport=True" in config_flags()  # the installed launcher passes it


def test_project_table_download_neutralizes_a_formula_name(monkeypatch) -> None:
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import AppTest

    offered: dict[str, bytes] = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            offered[filename] = path_or_data
        return load(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    # a CSV is written when its button is pressed: the test writes it as the press would
    from streamlit.runtime.media_file_manager import MediaFileManager

    add_deferred = MediaFileManager.add_deferred

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        if file_name:
            offered[file_name] = data_callable()
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    at.file_uploader(key="portfolio_upload").set_value(("formula.csv", _formula_portfolio(), "text/csv")).run()
    assert not at.exception, at.exception
    assert "fundmodel_projects.csv" in offered, sorted(offered)
    _assert_neutralized(offered["fundmodel_projects.csv"])
    assert any("1 text cell(s) were changed" in c.value for c in at.caption)
    for name, data in offered.items():  # every CSV the page offers: no cell starts like a formula
        if name.endswith(".csv"):
            assert not any(
                c.startswith(("=", "+", "-", "@"))
                for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))
                for c in row
            ), name


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)")
def test_browser_csv_download_is_neutralized_and_tables_have_no_own_export(dashboard_server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    upload = tmp_path / "formula.csv"
    upload.write_bytes(_formula_portfolio())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1480, "height": 1000}, accept_downloads=True)
            page.goto(dashboard_server)
            page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
            _idle(page)
            page.get_by_role("link", name="Portfolio").click()
            page.get_by_role("heading", name="Portfolio").first.wait_for(timeout=30_000)
            _idle(page)
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
            button = page.locator(".st-key-download_projects_csv button")
            button.wait_for(timeout=60_000)
            _idle(page)
            with page.expect_download() as download:
                button.click()
            saved = tmp_path / "projects.csv"
            download.value.save_as(saved)
            _assert_neutralized(saved.read_bytes())
            # the table's own toolbar offers no CSV download
            table = page.locator('[data-testid="stDataFrame"]').last
            table.hover()
            page.wait_for_timeout(500)
            assert table.get_by_role("button", name="Download as CSV").count() == 0
            assert page.get_by_role("button", name="Download as CSV").count() == 0
        finally:
            browser.close()
