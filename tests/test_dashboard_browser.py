"""End to end in a real browser: `streamlit run app.py` driven by headless Chromium
(Python Playwright, Debian's /usr/bin/chromium). One server, one lean flow; screenshots of
every page go to test-output/."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session
from fundmodel_dashboard.prefetch import chunk_files

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    proc = subprocess.Popen(
        [streamlit, "run", "app.py", "--server.headless", "true", "--server.port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    pytest.fail(f"streamlit did not start:\n{out[-2000:]}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _idle(page) -> None:
    """Wait until the script run is over (no status widget) and the charts have drawn."""
    page.wait_for_timeout(200)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)
    page.wait_for_function(
        """() => {
            // drawn and visible: not hidden, not inside a closed expander
            const shown = (sel) => [...document.querySelectorAll(sel)].filter(
                e => e.offsetParent !== null && !e.closest('details:not([open])'));
            return shown('[data-testid="stEChartsChart"]').every(
                    e => e.getAttribute('aria-busy') !== 'true' && e.querySelector('canvas'))
                && shown('[data-testid="stDataFrame"]').every(e => e.querySelector('canvas'));
        }""",
        timeout=30_000,
    )
    page.wait_for_timeout(300)


def _shot(page, name: str) -> None:
    """Screenshot of the whole page: the viewport is stretched to the content's height
    (Streamlit scrolls inside its main block, so a full-page capture alone would cut it)."""
    for _ in range(3):  # content may grow once drawn at the new size: measure until stable
        height = int(page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight"))
        size = min(max(height + 40, 900), 4000)
        if page.viewport_size["height"] == size:
            break
        page.set_viewport_size({"width": 1480, "height": size})
        _idle(page)
    page.screenshot(path=OUT / f"{name}.png", full_page=True)
    page.set_viewport_size({"width": 1480, "height": 1000})


def _metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _workbook_has(book, value: float) -> bool:
    """Whether any cell's number (a value, or the cached result of a formula) equals ``value``."""
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, int | float) and abs(v - value) <= 1e-6 * max(1.0, abs(value)):
                    return True
    return False


def _goto(page, link: str, heading: str) -> None:
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    _idle(page)


def _synthetic_run(overrides: dict | None = None):
    # the portfolio basis: the projects funded under the baseline allocation's cell budgets
    params = default_parameters().with_overrides(overrides or {})
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=params)
    return Session(baseline(), edits=overrides or {}, portfolio=portfolio).budgeted_result("p")


def test_browser_flow(server):
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    # the dashboard opens on the bundled national portfolio, run project by project
    base = _synthetic_run()
    edited = _synthetic_run({"fields": {"green_low_carbon": {"additionality": 1.0}}})
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1480, "height": 1000}, accept_downloads=True)
            page.goto(server)
            page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
            _idle(page)
            assert _metric(page, "Total investment") == f"{base.total_investment_bn:,.1f}"
            _shot(page, "overview")
            # while the Overview is read, the chunks the other pages need are loaded
            page.wait_for_function(
                "(files) => files.every(f => performance.getEntriesByType('resource')"
                ".some(e => e.name.endsWith('/static/' + f)))",
                arg=[*chunk_files()["modules"], *chunk_files()["styles"]],
                timeout=30_000,
            )

            # language: every label switches to Chinese, and back
            page.get_by_text("中文", exact=True).click()
            page.get_by_role("heading", name="总览").wait_for(timeout=30_000)
            _idle(page)
            assert _metric(page, "总投资") == f"{base.total_investment_bn:,.1f}"
            _shot(page, "overview_zh")
            page.get_by_text("English", exact=True).click()
            page.get_by_role("heading", name="Overview").wait_for(timeout=30_000)
            _idle(page)

            # an assumption: additionality of green projects to 100% (End key); the file leaves it
            # empty, so the field's value applies: net investment changes, total does not
            _goto(page, "Leverage assumptions", "Leverage assumptions")
            thumb = page.locator(".st-key-lev_a_green_low_carbon input[type='range']")
            thumb.focus()
            thumb.press("End")
            want = f"{edited.net_investment_bn:,.1f}"
            assert want != f"{base.net_investment_bn:,.1f}"
            page.locator('[data-testid="stMetric"]').filter(has_text="Net investment").get_by_text(want).wait_for(
                timeout=30_000
            )
            _idle(page)
            assert _metric(page, "Net investment") == want
            assert _metric(page, "Total investment") == f"{base.total_investment_bn:,.1f}"
            _shot(page, "leverage")

            _goto(page, "Overview", "Overview")
            assert _metric(page, "Net investment") == want  # the edit holds across pages

            for link, name in (
                ("Allocation", "allocation"),
                ("Portfolio", "portfolio"),
                ("Scenarios", "scenarios"),
                ("About the data", "about"),
            ):
                _goto(page, link, link)
                _shot(page, name)

            _goto(page, "Export", "Export")
            page.get_by_role("button", name="Build workbook").click()
            page.get_by_role("button", name="Download workbook (.xlsx)").wait_for(timeout=120_000)
            _idle(page)
            _shot(page, "export")
            with page.expect_download() as download:
                page.get_by_role("button", name="Download workbook (.xlsx)").click()
            book_path = OUT / "fundmodel.xlsx"
            download.value.save_as(book_path)
            book = openpyxl.load_workbook(book_path, data_only=True)  # formulas read as their cached values
            assert len(book.sheetnames) >= 4
            assert _workbook_has(book, edited.net_investment_bn)
            with page.expect_download() as download:
                page.get_by_role("button", name="Download JSON").click()
            path = OUT / "fundmodel_result.json"
            download.value.save_as(path)
            data = json.loads(path.read_text(encoding="utf-8"))
            assert data["net_investment_bn"] == pytest.approx(edited.net_investment_bn)
            assert data["mode"] == "portfolio"
        except Exception:
            if page is not None:
                page.screenshot(path=OUT / "failure.png", full_page=True)
            raise
        finally:
            browser.close()
