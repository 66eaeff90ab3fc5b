"""The dashboard on a 1,024 px laptop, in headless Chromium (Playwright, Debian's chromium):
no KPI value cut ("4.46 …") or wrapped ("12.50x" on two lines), and the allocation table,
its total and checks columns included, fits without scrolling sideways. Chinese / 亿元 and
English / bn RMB."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _services import dashboard, free_port

from fundmodel.labels import label

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"),
]

#: Each KPI value: its text, whether its box is narrower than the text (cut) and whether the
#: text takes more than one line (wrapped).
KPI_FIT = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(e => {
    const box = e.querySelector('div') || e;
    const cs = getComputedStyle(box);
    const line = cs.lineHeight === 'normal' ? 1.4 * parseFloat(cs.fontSize) : parseFloat(cs.lineHeight);
    const card = e.closest('[data-testid="stMetric"]').getBoundingClientRect();
    const text = box.getBoundingClientRect();
    return {text: e.innerText, cut: box.scrollWidth > box.clientWidth + 1 || text.right > card.right + 1,
            wrapped: box.getBoundingClientRect().height > 1.5 * line};
})"""
#: The allocation editor: width of its content against its visible width.
GRID_FIT = """() => {
    const grid = document.querySelector('[data-testid="stDataFrame"] .dvn-scroller');
    return grid ? [grid.scrollWidth, grid.clientWidth] : null;
}"""
#: Installed before the page loads: records every text the data grids draw on their canvas
#: (glide-data-grid), with the font's measured width and the clip rectangle in force, which for
#: a header is its column's box. A header is cut when its text runs past that box.
DRAW_HOOK = """(() => {
    window.__drawn = [];
    let canvases = 0;
    const P = CanvasRenderingContext2D.prototype;
    const {rect, clip, fillText, save, restore} = P;
    P.save = function () { (this.__clips ||= []).push(this.__clip); return save.apply(this, arguments); };
    P.restore = function () { this.__clip = (this.__clips || []).pop(); return restore.apply(this, arguments); };
    P.rect = function (x, y, w, h) { this.__rect = [x, y, w, h]; return rect.apply(this, arguments); };
    P.clip = function () { this.__clip = this.__rect; return clip.apply(this, arguments); };
    P.fillText = function (text, x, y) {
        this.canvas.__id ||= ++canvases;
        window.__drawn.push({canvas: this.canvas.__id, text: String(text), x, y, clip: this.__clip || null,
                             width: this.measureText(String(text)).width, shown: this.canvas.clientWidth});
        return fillText.apply(this, arguments);
    };
})();"""
#: The grids' column headers as last drawn: text, right end of the text, right edge of its column,
#: visible width of its grid.
HEADERS = """() => {
    const last = new Map();
    for (const r of window.__drawn) {
        if (r.text && r.clip && r.clip[1] === 0 && r.y < r.clip[3]) last.set(`${r.canvas}|${r.clip[0]}`, r);
    }
    return [...last.values()].map(r => ({text: r.text, right: r.x + r.width, edge: r.clip[0] + r.clip[2],
                                         shown: r.shown}));
}"""
#: The allocation table's headers, short bank names first (fundmodel/inputs/parameter_files).
ALLOCATION_HEADERS = {
    "中文": ["国开行", "农发行", "进出口银行", "合计", "校验"],
    "English": ["CDB", "ADBC", "EXIM", "Total", "Checks"],
}


def _allocation_headers_whole(page, language: str) -> None:
    """Every header of the allocation page's tables is drawn whole within its column, the bank,
    total and checks columns of the editable table among them, and nothing scrolls sideways."""
    page.evaluate("window.__drawn = []")
    _goto(page, "额度分配" if language == "中文" else "Allocation")
    page.locator('[data-testid="stDataFrame"] .dvn-scroller').first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)  # the grid draws after its frame is in place
    headers = page.evaluate(HEADERS)
    shown = [h["text"] for h in headers]
    assert all(name in shown for name in ALLOCATION_HEADERS[language]), shown
    cut = [h for h in headers if h["right"] > h["edge"] + 0.5]
    assert not cut, f"headers cut at {page.viewport_size['width']} px: {cut}"
    content, visible = page.evaluate(GRID_FIT)
    assert content <= visible + 1, f"the allocation table scrolls sideways: {content} px in {visible} px"


#: The project table's key columns, in view without scrolling sideways.
PROJECT_KEY_HEADERS = {
    "中文": ["项目名称", "政策性银行", "省份", "政策性金融工具", "总投资", "撬动倍数"],
    "English": ["Project name", "Bank", "Province", "Fund", "Total investment", "Multiplier"],
}
#: The Portfolio page's view with the project table (a tab), in each language.
PROJECTS_VIEW = {"中文": label("project_metrics", "zh"), "English": label("project_metrics", "en")}
SCROLLERS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
    .filter(g => g.clientWidth > 0).map(g => [g.scrollWidth, g.clientWidth])"""


def _open(browser, url: str, language: str, unit: str):
    """A 1,024 px page on the Overview in ``language`` and ``unit``, recording what grids draw."""
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.add_init_script(DRAW_HOOK)
    page.goto(url)
    _drawn(page, "Overview")
    overview = "总览" if language == "中文" else "Overview"
    page.get_by_text(language, exact=True).click()
    _drawn(page, overview)
    page.get_by_text(unit, exact=True).click()
    page.wait_for_timeout(300)
    _drawn(page, overview)
    return page


@pytest.mark.parametrize(
    ("language", "unit", "heading"), [("中文", "亿元", "项目组合"), ("English", "bn RMB", "Portfolio")]
)
def test_portfolio_page_fits_at_1024_px(url, language, unit, heading):
    """The Portfolio page at 1,024 px: no KPI cut or wrapped, no table header cut, the province
    table beside (or below) its map without scrolling sideways, and the project table's key
    columns (name, bank, province, fund, total investment, multiplier) in view."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = _open(browser, url, language, unit)
            page.evaluate("window.__drawn = []")
            _goto(page, heading)
            # a window as tall as the page, so that every table and chart draws
            height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": 1024, "height": min(int(height) + 40, 6000)})
            _drawn(page, heading)
            page.wait_for_timeout(1000)
            kpis = page.evaluate(KPI_FIT)
            assert len(kpis) >= 9, kpis  # the cards and the filtered totals
            assert not [k for k in kpis if k["cut"] or k["wrapped"]], kpis
            headers = page.evaluate(HEADERS)
            cut = [h for h in headers if h["right"] > h["edge"] + 0.5]
            assert not cut, f"headers cut at 1024 px: {cut}"
            scrollers = page.evaluate(SCROLLERS)
            assert scrollers, "no province table"
            assert all(content <= visible + 1 for content, visible in scrollers), scrollers
            # the project table: its own view of the page
            page.get_by_role("tab", name=PROJECTS_VIEW[language]).click()
            page.wait_for_timeout(300)
            _drawn(page, heading)
            page.wait_for_timeout(1000)
            headers = page.evaluate(HEADERS)
            cut = [h for h in headers if h["right"] > h["edge"] + 0.5]
            assert not cut, f"headers cut at 1024 px: {cut}"
            key = [h for h in headers if h["text"] in PROJECT_KEY_HEADERS[language]]
            assert {h["text"] for h in key} == set(PROJECT_KEY_HEADERS[language]), headers
            hidden = [h for h in key if h["edge"] > h["shown"] + 0.5]
            assert not hidden, f"key columns of the project table need a sideways scroll: {hidden}"
        finally:
            browser.close()


#: Whether the slider with this key shows this value.
SLIDER_AT = """([key, value]) => {
    const input = document.querySelector(`.st-key-${key} input[type='range']`);
    return input !== null && input.value === value;
}"""
DRAWN = """(heading) => {
    const shown = [...document.querySelectorAll('h1, h2')].some(e => e.innerText.trim() === heading);
    return shown && !document.querySelector('[data-testid="stStatusWidget"], [data-testid="stSkeleton"]')
        && !document.querySelector('[data-stale="true"]');
}"""


def _drawn(page, heading: str) -> None:
    for _ in range(2):  # twice, 150 ms apart: a run may start just after the first look
        page.wait_for_function(DRAWN, arg=heading, polling=50, timeout=60_000)
        page.wait_for_timeout(150)


def _goto(page, link: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
    _drawn(page, link)


@pytest.fixture(scope="module")
def url():
    with dashboard(free_port(), {"HOME": os.environ.get("HOME", "/root")}) as address:
        yield address


@pytest.mark.parametrize(
    ("language", "unit", "pages"),
    [
        ("中文", "亿元", ("总览", "额度分配", "杠杆假设")),
        ("English", "bn RMB", ("Overview", "Allocation", "Leverage assumptions")),
    ],
)
def test_kpis_and_allocation_fit_at_1024_px(url, language, unit, pages):
    """At 1,024 px: no KPI cut or wrapped; the allocation table's headers whole and its total
    and checks in view (and again at 1,440 px)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = _open(browser, url, language, unit)
            for name in pages:
                if name != pages[0]:
                    _goto(page, name)
                kpis = page.evaluate(KPI_FIT)
                assert len(kpis) >= 5, (name, kpis)
                bad = [k for k in kpis if k["cut"] or k["wrapped"]]
                assert not bad, f"{name}: KPI values cut or wrapped at 1024 px: {bad}"
            _goto(page, pages[0])
            _allocation_headers_whole(page, language)
            page.set_viewport_size({"width": 1440, "height": 900})
            _goto(page, pages[0])
            _allocation_headers_whole(page, language)
        finally:
            browser.close()


def test_leverage_page_keeps_the_sidebar_in_step(url):
    """The Leverage page re-runs alone on a slider (a fragment); what it changes in the sidebar
    (the "edited" note, the basis, the undo button) still shows there, and undo takes back one
    key press."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url)
            _drawn(page, "Overview")
            _goto(page, "Leverage assumptions")
            sidebar = page.locator('[data-testid="stSidebar"]')
            assert sidebar.get_by_text("edited: differs").count() == 0
            thumb = page.locator(".st-key-lev_a_green_low_carbon input[type='range']")
            undo = sidebar.get_by_role("button", name="Undo")
            assert undo.is_disabled()
            thumb.focus()
            thumb.press("ArrowRight")
            sidebar.get_by_text("edited: differs").first.wait_for(timeout=60_000)
            # the sidebar's undo follows the page re-run alone, and each key press is one step
            page.wait_for_function("(el) => !el.disabled", arg=undo.element_handle(), timeout=60_000)
            _drawn(page, "Leverage assumptions")
            for value in ("0.57", "0.58"):  # the sidebar shows nothing new: only the page re-runs
                thumb.focus()
                thumb.press("ArrowRight")
                page.wait_for_function(SLIDER_AT, arg=["lev_a_green_low_carbon", value], timeout=60_000)
                _drawn(page, "Leverage assumptions")
            undo.click()
            page.wait_for_function(SLIDER_AT, arg=["lev_a_green_low_carbon", "0.57"], timeout=60_000)
            _drawn(page, "Leverage assumptions")
            page.get_by_role("button", name="Use the top-down basis").click()
            _drawn(page, "Leverage assumptions")
            top_down = sidebar.get_by_role("radio", name="Top-down (allocation × assumptions)")
            page.wait_for_function("(el) => el.checked", arg=top_down.element_handle(), timeout=60_000)
        finally:
            browser.close()
