"""A planner's edit in a real browser (headless Chromium, Python Playwright): in Chinese and
亿元 on the portfolio basis, move 50 亿元 between two allocation cells with the transfer
action; the Overview's total investment becomes what the model gives for those budgets
(computed here through fundmodel.session), and undo, pressed on the Overview, restores it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _services import ROOT, dashboard, free_port

from fundmodel.edits import transfer
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session
from fundmodel.terms import term

OUT = ROOT / "test-output"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"),
]


def overview_total_yi(allocation_bn: np.ndarray | None = None) -> str:
    """The Overview card's text for the bundled portfolio funded under ``allocation_bn``."""
    portfolio = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=default_parameters())
    result = Session(baseline(), allocation_bn=allocation_bn, portfolio=portfolio).budgeted_result("p")
    return term("total_investment_bn").format(result.total_investment_bn, "yi")


def _idle(page) -> None:
    page.wait_for_timeout(200)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_timeout(300)


def _goto(page, link: str) -> None:
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=link).first.wait_for(timeout=60_000)
    _idle(page)


def _shown(page, key: str) -> str:
    """The text a widget shows, the value of its input boxes included."""
    script = "e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')"
    return page.locator(f".st-key-{key}").evaluate(script)


def _total(page) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text="总投资").first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_transfer_moves_the_overview_to_the_models_value_and_undo_restores_it(tmp_path):
    from playwright.sync_api import sync_playwright

    params = default_parameters()
    before = overview_total_yi()
    # the form's default cells: digital economy x CDB (300 亿元) to municipal parks x EXIM (50 亿元)
    moved = transfer(params.allocation_matrix, (0, 0), (len(params.field_ids) - 1, len(params.bank_ids) - 1), 5.0)
    after = overview_total_yi(moved)
    assert after != before

    OUT.mkdir(exist_ok=True)
    env = {"FUNDMODEL_DB_URL": f"sqlite:///{tmp_path / 'library.sqlite'}", "FUNDMODEL_AUTHOR": "tester"}
    with dashboard(free_port(), env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            page.goto(url)
            page.get_by_role("heading", name="Overview").wait_for(timeout=90_000)
            _idle(page)
            page.get_by_text("中文", exact=True).click()
            page.get_by_role("heading", name="总览").wait_for(timeout=60_000)
            _idle(page)
            page.get_by_text("亿元", exact=True).first.click()
            _idle(page)
            captions = page.locator('[data-testid="stCaptionContainer"]').all_inner_texts()
            assert any(c.startswith("本页数字口径：项目组合") for c in captions), captions
            assert _total(page) == before

            _goto(page, "额度分配")
            assert "数字经济 × 国开行" in _shown(page, "transfer_from__zh")
            assert "市政和产业园区" in _shown(page, "transfer_to__zh")
            amount = page.locator(".st-key-transfer_amount_yi input")
            amount.fill("50")
            amount.press("Enter")
            _idle(page)
            page.locator(".st-key-transfer button").click()
            _idle(page)
            page.locator('[data-testid="stMetric"]').filter(has_text="总投资").get_by_text(after).wait_for(
                timeout=60_000
            )

            _goto(page, "总览")
            assert _total(page) == after
            page.screenshot(path=OUT / "planner_transfer_zh.png", full_page=True)

            # undo where the planner is: the sidebar's button, on the Overview
            page.locator('[data-testid="stSidebar"]').get_by_role("button", name="撤销").click()
            _idle(page)
            page.locator('[data-testid="stMetric"]').filter(has_text="总投资").get_by_text(before).wait_for(
                timeout=60_000
            )
            assert _total(page) == before

            # the comparison at 1024 px: the baseline first, every table within the page's width
            page.set_viewport_size({"width": 1024, "height": 900})
            _goto(page, "情景")
            picker = page.locator(".st-key-compare_keys__zh input")
            for name in ("2025年实际投放", "各领域均按50%上限"):
                picker.click()
                picker.fill(name)
                picker.press("Enter")
                _idle(page)
            page.keyboard.press("Escape")
            _idle(page)
            assert "基准情景：事前预期" in _shown(page, "compare_reference__zh")
            page.get_by_text("未纳入比较").first.wait_for(timeout=30_000)  # cap_50pct: said, not nan
            tables = page.locator('[data-testid="stDataFrame"]').filter(has_text="Δ")
            tables.first.wait_for(timeout=30_000)
            main = page.locator('[data-testid="stMain"]').bounding_box()
            for i in range(tables.count()):
                box = tables.nth(i).bounding_box()
                assert box["x"] + box["width"] <= main["x"] + main["width"] + 1
                overflow = tables.nth(i).evaluate(
                    "e => [...e.querySelectorAll('.dvn-scroller')].some(s => s.scrollWidth > s.clientWidth + 1)"
                )
                assert not overflow, "a comparison table scrolls sideways at 1024 px"
            page.screenshot(path=OUT / "planner_compare_1024_zh.png", full_page=True)
        except Exception:
            page.screenshot(path=OUT / "planner_failure.png", full_page=True)
            raise
        finally:
            browser.close()
