"""Screenshots of the dashboard for the documentation, at 1024 and 1440 px.

Run from the repository root: ``.venv/bin/python docs/make_screenshots.py``. It starts
``streamlit run app.py`` on a free port, drives headless Chromium (Playwright, Debian's
/usr/bin/chromium) and writes ``docs/screenshot-overview-<width>.png`` (English, bn RMB) and
``docs/screenshot-allocation-zh-<width>.png`` (the Allocation page in Chinese, 亿元).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (1024, 1440)
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)  # noqa: S310 (our own http://127.0.0.1 server)
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("streamlit did not start") from None
            time.sleep(0.3)


def _idle(page) -> None:
    """Until the script run is over and every visible chart and table has drawn."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_function(
        """() => {
            const shown = (sel) => [...document.querySelectorAll(sel)].filter(
                e => e.offsetParent !== null && !e.closest('details:not([open])'));
            return shown('[data-testid="stEChartsChart"]').every(
                    e => e.getAttribute('aria-busy') !== 'true' && e.querySelector('canvas'))
                && shown('[data-testid="stDataFrame"]').every(e => e.querySelector('canvas'));
        }""",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


#: (file name stem, clicks after the page opened: language, unit, page link).
SHOTS = [
    ("overview", []),
    ("allocation-zh", ["中文", "亿元", "额度分配"]),
]


def shoot(url: str, width: int, stem: str = "overview", clicks: list[str] | None = None) -> Path:
    from playwright.sync_api import sync_playwright

    out = ROOT / "docs" / f"screenshot-{stem}-{width}.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(url)
        page.get_by_role("heading").first.wait_for(timeout=60_000)
        _idle(page)
        for text in clicks or []:
            page.get_by_text(text, exact=True).first.click()
            _idle(page)
        # Streamlit scrolls inside its main block: stretch the viewport to the content.
        for _ in range(3):
            height = int(page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight"))
            size = min(max(height + 40, 900), 4000)
            if page.viewport_size["height"] == size:
                break
            page.set_viewport_size({"width": width, "height": size})
            _idle(page)
        page.screenshot(path=out, full_page=True)
        browser.close()
    return out


def main() -> int:
    port = _free_port()
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    proc = subprocess.Popen(
        [streamlit, "run", "app.py", "--server.headless", "true", "--server.port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        for width in WIDTHS:
            for stem, clicks in SHOTS:
                print(shoot(url, width, stem, clicks).relative_to(ROOT))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
