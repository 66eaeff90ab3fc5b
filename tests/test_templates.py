"""A template-shaped project list (title block, unit line, two-row header, 序号, 合计, a note)
read as .xlsx and as GB18030 CSV: hand sums, the total row compared, what was understood."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from fundmodel.inputs.portfolio import read_portfolio
from tests.make_template_example import SUB, TOP

# The template's two header rows, as the bundled example writes them.
# fmt: off
PROJECTS = [
    ["1", "无锡城际铁路", "T-1", "交通物流", "国开行", "江苏", "否", "铁路", "1,858,000", "40%", "319900", "2025", "4"],
    [
        "2",
        "温州北站TOD",
        "T-2",
        "市政和产业园区基础设施",
        "国开行",
        "浙江",
        "否",
        "城市更新",
        "480000",
        "0.2",
        "25600",
        "2025",
        "3",
    ],
]


def _rows(total_investment: str) -> list[list[str]]:
    return [
        ["附件1"],
        ["新型政策性金融工具项目清单"],
        ["填报单位：（盖章）", "", "", "", "", "", "", "", "", "", "单位：万元"],
        TOP,
        SUB,
        *PROJECTS,
        ["合计", "", "", "", "", "", "", "", total_investment, "", "345500", "", ""],
        ["注：总投资以可研批复为准。"],
    ]


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("J4:K4")  # 资金结构 over 资本金比例 and 申请金额
    book.save(path)
    return path


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture(params=["xlsx", "csv"])
def write(request):
    return _xlsx if request.param == "xlsx" else _csv


def test_template_reads_with_no_errors_and_its_hand_sums(tmp_path, write):
    path = write(tmp_path / f"list.{'xlsx' if write is _xlsx else 'csv'}", _rows("2,338,000"))
    portfolio = read_portfolio(path)
    assert portfolio.ok, portfolio.report()
    frame = portfolio.frame
    assert frame.index.tolist() == [6, 7]  # rows as seen in the file, under a two-row header
    # 1,858,000 + 480,000 万元 = 2,338,000 万元 = 23.38 bn; 319,900 + 25,600 万元 = 3.455 bn
    assert frame["total_investment_bn"].sum() == pytest.approx(23.38)
    assert frame["fund_requested_bn"].sum() == pytest.approx(3.455)
    assert frame["capital_ratio"].tolist() == pytest.approx([0.40, 0.20])
    assert frame["sector"].tolist() == ["railways_highways", "power_other"]  # 城市更新: the general minimum
    assert [i.rule for i in portfolio.warnings] == ["sector_unmapped"]
    report = portfolio.report()
    assert "header: row 4 and 5 (joined)" in report
    assert "money unit wan from the unit line in row 3" in report
    assert "column '资金结构/申请金额' -> fund_requested_bn" in report
    assert "row 8 skipped: total row (合计)" in report and "row 9 skipped: note under the table" in report
    assert "column '序号' numbers the rows (not read)" in report


def test_total_row_that_disagrees_is_a_warning_naming_both_figures(tmp_path, write):
    path = write(tmp_path / f"list.{'xlsx' if write is _xlsx else 'csv'}", _rows("2,400,000"))
    portfolio = read_portfolio(path)
    assert portfolio.ok
    [hit] = [i for i in portfolio.warnings if i.rule == "total_mismatch"]
    assert (hit.row, hit.column, hit.value) == (8, "总投资", "2,400,000")
    assert "2,400,000" in hit.message and "2,338,000" in hit.message


def test_unit_line_right_above_a_one_row_header_is_not_a_header_row():
    from fundmodel.inputs.portfolio.template import find_table

    rows = [["附件1"], ["单位：万元"], ["序号", "项目名称", "总投资", "申请金额"], ["1", "A", "100", "5"]]
    layout = find_table(rows)
    assert layout.header_rows == [3]
    assert layout.headers == ["序号", "项目名称", "总投资", "申请金额"]
    assert (layout.unit, layout.unit_row) == ("wan", 2)
