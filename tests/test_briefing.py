"""The one-page A4 briefing: its content (HTML, fast) and the PDF printed by headless Chromium
in Chinese and English (one A4 page, carrying the KPI values the model gives)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from fundmodel.cli import main
from fundmodel.core.kpis import headline
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.outputs import briefing
from fundmodel.outputs.kpi_text import kpi_texts
from fundmodel.session import Session

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"
)
#: A4 in PDF points (1/72 inch): 210 x 297 mm.
A4_PT = (595.3, 841.9)
WHEN = dt.datetime(2026, 12, 3, 4, 5, tzinfo=dt.UTC)


def _run(name: str | None = None):
    scenario = load_scenario(SCENARIO_DIR / name) if name else baseline()
    return Session(scenario).result()


def _pdf_text(path: Path) -> tuple[int, tuple[float, float], str]:
    """Pages, size of the first page (points) and the text, NFKC-normalised (Chromium's CJK
    text comes out partly as Kangxi radicals, which NFKC maps to the ideographs)."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), (float(box.width), float(box.height)), unicodedata.normalize("NFKC", text)


def test_html_shows_kpis_checks_changes_time_and_version():
    cap = _run("cap_50pct.yaml")
    page = briefing.briefing_html([cap], _run(), lang="zh", unit="yi", when=WHEN, plotly_js="")
    for text in kpi_texts(cap, "yi", "zh").values():
        assert text in page
    assert "50,000" in page  # total investment, 亿元: 500 bn fund / (0.5 x 0.2) = 5,000 bn
    assert "2026-12-03 12:05 CST" in page  # 04:05 UTC is 12:05 in Beijing
    assert "fundmodel 0.1.0" in page
    assert "与基准不同的假设" in page
    assert "0.8 → 0.5" in page  # cap_key_area moved from 0.8 to 0.5


def test_comparison_pins_the_baseline_first_and_shows_scenario_minus_baseline():
    base, cap = _run(), _run("cap_50pct.yaml")
    page = briefing.briefing_html([base, cap], lang="en", unit="bn", when=WHEN, plotly_js="")
    assert page.index(base.scenario_name) < page.index(cap.scenario_name)
    diff = headline(cap).total_investment_bn - headline(base).total_investment_bn
    assert round(diff, 1) == -992.1  # 5,000.0 - 5,992.1
    assert "-992.1" in page
    assert "minus baseline" in page


def test_unchanged_baseline_lists_no_changed_assumption():
    page = briefing.briefing_html([_run()], _run(), lang="en", plotly_js="")
    assert "every assumption is the baseline" in page


def test_long_lists_are_counted_not_dropped():
    lines = [("", f"line {i}") for i in range(13)]
    block = briefing._list_block("T", lines, "none", 10, "en")
    assert "line 9" in block and "line 10" not in block
    assert "and 3 more" in block


def test_more_than_four_runs_are_refused():
    with pytest.raises(briefing.BriefingError, match="at most 4"):
        briefing.briefing_html([_run()] * 5, plotly_js="")


def test_wrong_suffix_is_refused_before_printing(tmp_path, capsys):
    assert main(["briefing", "--out", str(tmp_path / "b.xlsx")]) == 2
    assert ".pdf" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_failed_print_leaves_no_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FUNDMODEL_CHROMIUM", "/bin/false")
    assert main(["briefing", "--out", str(tmp_path / "b.pdf")]) == 2
    assert "Chromium could not print" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize(("lang", "unit"), [("zh", "yi"), ("en", "bn")])
def test_pdf_is_one_a4_page_with_the_model_kpis(tmp_path, lang, unit):
    out = tmp_path / f"briefing-{lang}.pdf"
    scenario = SCENARIO_DIR / "fit_reported_2025.yaml"
    assert main(["briefing", "--out", str(out), "--scenario", str(scenario), "--lang", lang, "--unit", unit]) == 0
    pages, size, text = _pdf_text(out)
    assert pages == 1
    assert size == pytest.approx(A4_PT, abs=1.0)
    result = _run("fit_reported_2025.yaml")
    for key, value in kpi_texts(result, unit, lang).items():
        for part in value.split(" · "):
            assert part in text, f"{key} {part!r} not on the page"
    assert ("情况简报" if lang == "zh" else "briefing") in text
    assert "0.7898" in text  # the CDB's fund-share scale differs from the baseline's 1.0
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.browser
@needs_chromium
def test_comparison_pdf_is_one_a4_page(tmp_path):
    out = tmp_path / "compare.pdf"
    files = [str(SCENARIO_DIR / n) for n in ("cap_50pct.yaml", "fit_reported_2025.yaml", "uncertain_leverage.yaml")]
    assert main(["briefing", "--out", str(out), "--compare", *files, "--lang", "zh", "--unit", "yi"]) == 0
    pages, size, text = _pdf_text(out)
    assert pages == 1
    assert size == pytest.approx(A4_PT, abs=1.0)
    assert "-9,921" in text  # 50% cap: 50,000 - 59,921 亿元


def _export_screen(compare: list[str] | None = None):
    """The Export page of a fresh top-down session after a click on the briefing button:
    (the app, the text of the PDF's one page)."""
    from io import BytesIO

    from pypdf import PdfReader
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120)
    at.run()
    at.radio(key="basis__en").set_value("top_down").run()
    at.switch_page("fundmodel_dashboard/screens/export.py").run()
    assert "briefing" not in at.session_state  # printed only on click
    if compare:
        at.multiselect(key="briefing_compare").set_value(compare).run()
    at.button(key="build_briefing").click().run()
    assert not at.exception, at.exception
    reader = PdfReader(BytesIO(at.session_state["briefing"][1]))
    assert len(reader.pages) == 1
    return at, " ".join(reader.pages[0].extract_text().split())  # table headers wrap


@pytest.mark.browser
@needs_chromium
def test_export_screen_prints_the_briefing_of_the_current_state():
    at, text = _export_screen()
    assert "5,992.1" in text  # the baseline's total investment, bn RMB
    assert "Download the briefing (PDF)" in [b.label for b in at.get("download_button")]


@pytest.mark.browser
@needs_chromium
def test_export_screen_prints_a_comparison_with_the_baseline_first():
    _, text = _export_screen(["cap_50pct.yaml"])
    assert text.index("Baseline") < text.index("50% cap")  # the baseline pinned first
    assert "-992.1" in text  # 50% cap minus the baseline: 5,000.0 - 5,992.1 bn


@pytest.mark.browser
@needs_chromium
def test_portfolio_briefing_names_the_portfolio_and_its_basis(tmp_path):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.parameters import default_parameters
    from fundmodel.inputs.portfolio import read_portfolio

    source = Path(__file__).resolve().parents[1] / "portfolios" / "first_batch_examples.csv"
    out = tmp_path / "portfolio.pdf"
    assert main(["briefing", "--out", str(out), "--portfolio", str(source), "--lang", "zh", "--unit", "yi"]) == 0
    pages, _, text = _pdf_text(out)
    assert pages == 1
    assert "first_batch_examples.csv" in text
    assert "项目组合" in text  # the basis: project by project
    params = default_parameters()
    result = run_portfolio(read_portfolio(source, params=params), params)
    assert kpi_texts(result, "yi")["total_investment_bn"] in text
