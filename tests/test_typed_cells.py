"""Cells as people type them: each way of writing a value is read to the number it means
and counted in the report by kind; a cell that cannot be read stays an error naming it."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.portfolio import Portfolio, read_portfolio

HEADER = [
    "project_id", "project_name", "field", "bank", "province", "private", "sector",
    "total_investment_bn", "capital_ratio", "fund_requested_bn", "start_year", "construction_years",
]  # fmt: skip
BASE = ["P-{}", "项目{}", "transport_logistics", "cdb", "jiangsu", "no", "railways_highways", 10.0, 0.4, 1.0, 2025, 3]


def _book(tmp_path: Path, changes: dict[tuple[int, str], object], n: int = 4, name: str = "typed.xlsx") -> Path:
    """An .xlsx with ``n`` plain projects (file rows 2..n+1) and the cells of ``changes``
    ((file row, column id) -> cell as typed) written over them."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i in range(n):
        sheet.append([c.format(i + 1) if isinstance(c, str) and "{}" in c else c for c in BASE])
    for (row, cid), cell in changes.items():
        sheet.cell(row=row, column=HEADER.index(cid) + 1, value=cell)
    path = tmp_path / name
    book.save(path)
    return path


def _value(portfolio: Portfolio, row: int, cid: str) -> object:
    return portfolio.frame.loc[row, cid]


@pytest.mark.parametrize(
    ("cell", "cid", "expected", "kind"),
    [
        ("1,858,000", "total_investment_bn", 1_858_000.0, "thousands_separator"),
        ("１２３，４５６．７", "total_investment_bn", 123_456.7, "full_width"),
        ("２０％", "capital_ratio", 0.2, "full_width"),
        ("20%", "capital_ratio", 0.2, "percent_text"),
        ("12.5  ", "total_investment_bn", 12.5, "surrounding_space"),
        ("是", "private", True, "yes_no_word"),
        ("否", "private", False, "yes_no_word"),
        ("Y", "private", True, "yes_no_word"),
        ("N", "private", False, "yes_no_word"),
        ("√", "private", True, "yes_no_word"),
        ("×", "private", False, "yes_no_word"),
        ("jiangsu  ", "province", "jiangsu", "surrounding_space"),
    ],
)
def test_each_way_of_writing_is_read_and_counted(
    tmp_path: Path, cell: str, cid: str, expected: object, kind: str
) -> None:
    portfolio = read_portfolio(_book(tmp_path, {(3, cid): cell}))
    assert portfolio.ok, portfolio.report()
    assert _value(portfolio, 3, cid) == (pytest.approx(expected) if isinstance(expected, float) else expected)
    assert portfolio.reading["conversions"].get(kind) >= 1
    assert "values read as written:" in portfolio.report()


def test_the_report_counts_each_kind(tmp_path: Path) -> None:
    changes = {
        (2, "total_investment_bn"): "1,858",
        (3, "total_investment_bn"): "2,000.5",
        (4, "total_investment_bn"): "3,100",
        (5, "capital_ratio"): "25%",
        (4, "private"): "是",
    }
    portfolio = read_portfolio(_book(tmp_path, changes))
    assert portfolio.ok, portfolio.report()
    assert portfolio.frame["total_investment_bn"].tolist() == [1858.0, 2000.5, 3100.0, 10.0]
    assert portfolio.frame.loc[5, "capital_ratio"] == pytest.approx(0.25)
    assert portfolio.reading["conversions"] == {"thousands_separator": 3, "percent_text": 1, "yes_no_word": 1}
    line = next(x for x in portfolio.report().splitlines() if "values read as written" in x)
    assert line == (
        "  values read as written: 3 numbers with thousands separators, 1 percentage written as text (20%), "
        "1 yes/no written as 是/否, Y/N or √/×"
    )


@pytest.mark.parametrize(
    ("cell", "cid", "rule"),
    [
        ("1,85,8000", "total_investment_bn", "not_a_number"),  # separators out of groups: never guessed
        ("12.5亿", "total_investment_bn", "not_a_number"),
        ("１２x", "total_investment_bn", "not_a_number"),
        ("也许", "private", "not_a_boolean"),
    ],
)
def test_a_value_that_cannot_be_read_is_an_error_naming_the_cell(
    tmp_path: Path, cell: str, cid: str, rule: str
) -> None:
    portfolio = read_portfolio(_book(tmp_path, {(4, cid): cell}))
    errors = [e for e in portfolio.errors if e.rule == rule]
    assert [(e.row, e.column, e.value) for e in errors] == [(4, cid, cell)]
    assert "conversions" not in portfolio.reading


def test_a_number_stored_as_text_reads_as_the_number(tmp_path: Path) -> None:
    portfolio = read_portfolio(_book(tmp_path, {(3, "total_investment_bn"): "12.5", (4, "start_year"): "2026"}))
    assert portfolio.ok, portfolio.report()
    assert portfolio.frame.loc[3, "total_investment_bn"] == 12.5
    assert portfolio.frame.loc[4, "start_year"] == 2026


def test_a_plain_file_reports_no_rewriting(tmp_path: Path) -> None:
    portfolio = read_portfolio(_book(tmp_path, {}))
    assert portfolio.ok
    assert "conversions" not in portfolio.reading
    assert "values read as written" not in portfolio.report()


def test_csv_cells_are_read_and_counted(tmp_path: Path) -> None:
    """The same conversions in a CSV (rows 2 and 3)."""
    path = tmp_path / "typed.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerow(["P-1", "项目1", *BASE[2:7], "1,858", "0.4", "1", "2025", "3"])
        writer.writerow(["P-2", "项目2", *BASE[2:7], "12", "０．４", "1", "2025", "3"])
    portfolio = read_portfolio(path)
    assert portfolio.ok, portfolio.report()
    assert portfolio.frame["total_investment_bn"].tolist() == [1858.0, 12.0]
    assert portfolio.frame.loc[3, "capital_ratio"] == pytest.approx(0.4)
    assert portfolio.reading["conversions"] == {"thousands_separator": 1, "full_width": 1}


def test_bundled_examples_are_read_without_rewriting() -> None:
    for path in sorted(PORTFOLIO_DIR.glob("*.csv")):
        assert "conversions" not in read_portfolio(path).reading, path.name
