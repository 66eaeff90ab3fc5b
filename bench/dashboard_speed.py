"""Speed of the dashboard as a planner feels it, measured in headless Chromium (Playwright).

    python bench/dashboard_speed.py                 # prints the figures (started as `make dashboard`)
    python bench/dashboard_speed.py --repeat 5      # more loads and key presses
    python bench/dashboard_speed.py --streamlit-run # started by plain `streamlit run app.py`
    python bench/dashboard_speed.py --read-s 0      # the next page clicked as soon as one is drawn

Starts the app as ``make dashboard`` does (``fundmodel-dashboard``: the modules imported and the
default run computed while the server starts) on a free port of 127.0.0.1; it opens on the
bundled national portfolio, run project by project. Then, in Debian's /usr/bin/chromium:

* first page load: from navigating to the app until the Overview is drawn (KPI cards, its
  three charts, no script running); also when the KPI cards are shown. Right after the server
  started (the first planner; the browser has already shown a page, as a planner's browser
  that is already open), in new browsers (empty cache: a planner's first visit), and
  in the same browser again (a returning planner: Streamlit's scripts in the browser's cache);
* page change: from the click on a page in the navigation until that page is drawn, for each
  page in turn, the planner reading each page for ``--read-s`` seconds (default 2) before the
  next click (the dashboard loads what the other pages need while a page is read:
  ``fundmodel_dashboard/prefetch.py``; ``--read-s 0`` clicks as soon as a page is drawn);
* key press to KPI: ArrowRight on an assumption's slider (Leverage assumptions page) until the
  net-investment card shows the new value; on the portfolio basis, then on the top-down basis.

Figures are printed, never asserted (the targets are 3 s, 1 s and 300 ms). The server is
stopped at the end; every wait is bounded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
TIMEOUT_MS = 60_000
#: (navigation link, heading) of each page, in the order visited; the last goes back home.
PAGES = [
    ("Allocation", "Allocation"),
    ("Leverage assumptions", "Leverage assumptions"),
    ("Portfolio", "Portfolio"),
    ("Fiscal cost and debt", "Fiscal cost and debt"),
    ("Scenarios", "Scenarios"),
    ("Export", "Export"),
    ("About the data", "About the data"),
    ("Overview", "Overview"),
]
#: Charts a page shows when drawn (at least): a page is not drawn before they are.
#: The Portfolio page opens on the bundled portfolio: its province map and the two breakdowns.
CHARTS = {"Overview": 3, "Portfolio": 3, "Fiscal cost and debt": 1}
#: True when the page shows ``heading``, no script runs, nothing is stale or still loading
#: (skeletons), and its charts (at least ``charts``) are there and drawn.
DRAWN = """([heading, charts]) => {
    const h = [...document.querySelectorAll('h1, h2')].some(e => e.innerText.trim() === heading);
    if (!h || document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]')) return false;
    const shown = (sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null
        && !e.closest('details:not([open])'));
    const plots = shown('[data-testid="stPlotlyChart"]');
    const echarts = shown('[data-testid="stEChartsChart"]');
    return plots.length + echarts.length >= charts && plots.every(e => e.querySelector('.main-svg'))
        && echarts.every(e => e.getAttribute('aria-busy') !== 'true' && e.querySelector('canvas'));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, launcher: bool = False) -> subprocess.Popen:
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    flags = ["--server.headless", "true", "--server.port", str(port)]
    command = [sys.executable, "-m", "fundmodel_dashboard.launch", *flags]
    server = subprocess.Popen(
        command if launcher else [streamlit, "run", str(ROOT / "app.py"), *flags],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the dashboard did not start within 120 s")


def wait_drawn(page, heading: str) -> None:
    # Streamlit shows its status widget only after a script has run for a moment: a page is
    # drawn once the condition holds on two polls 60 ms apart.
    arg = [heading, CHARTS.get(heading, 0)]
    page.wait_for_function(DRAWN, arg=arg, polling=20, timeout=TIMEOUT_MS)
    page.wait_for_timeout(60)
    page.wait_for_function(DRAWN, arg=arg, polling=20, timeout=TIMEOUT_MS)


def first_load(browser, url: str, context=None) -> tuple[float, float, object]:
    """(seconds to the first KPI card, seconds to the whole Overview drawn, the page), in a new
    browser context (empty cache) or a new tab of ``context``."""
    page = (context or browser.new_context(viewport={"width": 1440, "height": 900})).new_page()
    start = time.perf_counter()
    page.goto(url)
    page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=TIMEOUT_MS)
    kpi = time.perf_counter() - start
    wait_drawn(page, "Overview")
    return kpi, time.perf_counter() - start - 0.06, page


def page_change(page, link: str, heading: str) -> float:
    start = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=TIMEOUT_MS)
    wait_drawn(page, heading)
    return time.perf_counter() - start - 0.06


#: The net-investment card's value, looked up afresh (a re-run may replace the element).
NET_VALUE = """() => {
    const card = [...document.querySelectorAll('[data-testid="stMetric"]')]
        .find(e => e.innerText.includes('Net investment'));
    return card ? card.querySelector('[data-testid="stMetricValue"]').innerText : null;
}"""


def key_press(page, slider_key: str) -> float:
    before = page.evaluate(NET_VALUE)
    thumb = page.locator(f".st-key-{slider_key} input[type='range']")
    thumb.focus()
    start = time.perf_counter()
    thumb.press("ArrowRight")
    page.wait_for_function(
        f"(old) => {{ const now = ({NET_VALUE})(); return now !== null && now !== old; }}",
        arg=before,
        polling=5,
        timeout=TIMEOUT_MS,
    )
    elapsed = time.perf_counter() - start
    wait_drawn(page, "Leverage assumptions")  # the run is over before the next press
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="loads and key presses measured (default 3)")
    parser.add_argument(
        "--streamlit-run",
        action="store_true",
        help="start the app by plain `streamlit run app.py` (nothing imported or computed before the first session)",
    )
    parser.add_argument(
        "--read-s",
        type=float,
        default=2.0,
        help="seconds the planner reads a page before clicking the next (default 2)",
    )
    args = parser.parse_args()
    args.launcher = not args.streamlit_run
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    started = time.perf_counter()
    server = start_server(port, args.launcher)
    how = "fundmodel-dashboard, as make dashboard" if args.launcher else "streamlit run app.py"
    print(f"server up in {time.perf_counter() - started:.2f} s ({how}, port {port})")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                # a planner's browser is already running: its own start is not the dashboard's
                blank = browser.new_page()
                blank.set_content("<p>fundmodel 政策性金融工具</p>")
                blank.close()
                cold_kpi, cold, page = first_load(browser, url)
                page.close()
                new_loads = [first_load(browser, url) for _ in range(args.repeat)]
                for *_, other in new_loads:
                    other.close()
                returning = browser.new_context(viewport={"width": 1440, "height": 900})
                first_load(browser, url, returning)[2].close()  # the visit that fills the cache
                back_loads = [first_load(browser, url, returning) for _ in range(args.repeat)]
                page = back_loads[-1][2]
                changes = {}
                for link, heading in PAGES:
                    page.wait_for_timeout(1000 * args.read_s)  # the planner reads the page
                    changes[link] = page_change(page, link, heading)
                page_change(page, "Leverage assumptions", "Leverage assumptions")
                presses = [key_press(page, "lev_a_green_low_carbon") for _ in range(args.repeat)]
                # the same on the top-down basis (allocation x assumptions, no project selection)
                page.locator('[data-testid="stSidebar"]').get_by_text("Top-down (allocation", exact=False).click()
                wait_drawn(page, "Leverage assumptions")
                top_down = [key_press(page, "lev_a_green_low_carbon") for _ in range(args.repeat)]
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"first page load, first session after start: {cold:.2f} s (KPI cards shown at {cold_kpi:.2f} s)")
    for what, loads in (("new browser (empty cache)", new_loads), ("returning planner (cache)", back_loads)):
        drawn, kpi = [f"{load[1]:.2f}" for load in loads], [f"{load[0]:.2f}" for load in loads]
        median = statistics.median(load[1] for load in loads)
        print(f"first page load, {what}: {', '.join(drawn)} s (median {median:.2f} s; KPI cards at {', '.join(kpi)} s)")
    for link, seconds in changes.items():
        print(f"page change to {link + ':':<22} {seconds:.2f} s")
    print(
        f"page change: median {statistics.median(changes.values()):.2f} s, slowest {max(changes.values()):.2f} s"
        f" (each page read {args.read_s:g} s before the next click)"
    )
    for basis, times in (("portfolio basis", presses), ("top-down basis", top_down)):
        print(
            f"key press to KPI, {basis}: "
            + ", ".join(f"{1000 * s:.0f}" for s in times)
            + f" ms (median {1000 * statistics.median(times):.0f} ms)"
        )


if __name__ == "__main__":
    main()
