"""The bundled template-shaped example (portfolios/template_example.xlsx, written by
tests/make_template_example.py): read with no errors, totals equal to the hand sums, and
the same totals from the file saved as .xls by LibreOffice."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from tests._libreoffice import _convert

EXAMPLE = PORTFOLIO_DIR / "template_example.xlsx"


def _check_hand_sums(path: Path) -> None:
    portfolio = read_portfolio(path)
    assert portfolio.ok, portfolio.report()
    frame = portfolio.frame
    assert frame.index.tolist() == [6, 7, 8]
    # 1,858,000 + 480,000 + 250,000 万元 = 2,588,000 万元 = 25.88 bn
    assert frame["total_investment_bn"].sum() == pytest.approx(25.88)
    # 319,900 + 25,600 + 20,000 万元 = 365,500 万元 = 3.655 bn
    assert frame["fund_requested_bn"].sum() == pytest.approx(3.655)
    assert frame["capital_ratio"].tolist() == pytest.approx([0.40, 0.20, 0.25])  # row 7: "20%" as text
    assert frame["sector"].tolist() == ["railways_highways", "power_other", "power_other"]
    assert [(i.rule, i.row) for i in portfolio.warnings] == [("sector_unmapped", 7)]  # 城市更新
    assert portfolio.reading["conversions"]["thousands_separator"] == 1
    assert portfolio.reading["conversions"]["percent_text"] == 1
    report = portfolio.report()
    assert "row 9 skipped: total row (合计)" in report and "row 10 skipped: note under the table" in report
    assert "total_mismatch" not in report


def test_bundled_template_example_reads_with_its_hand_sums() -> None:
    _check_hand_sums(EXAMPLE)


def test_the_generator_writes_the_bundled_file(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_template_example", Path(__file__).parent / "make_template_example.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _check_hand_sums(module.build(tmp_path / "template_example.xlsx"))


@pytest.mark.libreoffice
def test_the_same_template_saved_as_xls_reads_the_same_totals(tmp_path: Path) -> None:
    [xls] = _convert([EXAMPLE], tmp_path, "xls", ".xls", recalc=False)
    _check_hand_sums(xls)
