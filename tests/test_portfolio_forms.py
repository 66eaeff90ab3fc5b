"""The blank 申报表 reads back with the reader (empty, then filled in), and the validation
report downloads as one formula-safe sheet with Chinese headers."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from fundmodel.inputs.portfolio import parse_portfolio, read_portfolio
from fundmodel.inputs.portfolio.schema import SCHEMA
from fundmodel.outputs.portfolio_forms import blank_template_bytes, template_columns, validation_report_bytes


@pytest.mark.parametrize("lang,unit", [("zh", "yi"), ("zh", "wan"), ("en", "bn")])
def test_the_blank_template_names_every_column_the_reader_knows(tmp_path, lang, unit):
    path = tmp_path / "template.xlsx"
    path.write_bytes(blank_template_bytes(lang, unit))
    blank = read_portfolio(path)
    assert blank.issues["rule"].tolist() == ["no_projects"]  # no unknown, missing or unit-less column
    book = openpyxl.load_workbook(path)
    assert len(book.worksheets[1]["A"]) == len(SCHEMA) + 1  # one explanation row per column
    assert sorted(template_columns()) == sorted(SCHEMA)


def test_a_filled_template_reads_as_a_valid_portfolio_in_its_unit(tmp_path):
    path = tmp_path / "申报表.xlsx"
    path.write_bytes(blank_template_bytes("zh", "yi"))
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == "申报表"
    headers = [c.value for c in sheet[1]]
    assert "总投资(亿元)" in headers
    row = {
        "project_id": "JS-001",
        "project_name": "苏州数据中心",
        "field": "数字经济",
        "bank": "国开行",
        "province": "江苏",
        "private": "是",
        "total_investment_bn": 100,  # 亿元: 10 bn
        "capital_ratio": "25%",
        "fund_requested_bn": 8,  # 亿元: 0.8 bn, 32% of capital 25
        "start_year": 2025,
        "construction_years": 3,
    }
    for col, cid in enumerate(template_columns(), start=1):
        if cid in row:
            sheet.cell(row=2, column=col, value=row[cid])
    book.save(path)
    filled = read_portfolio(path)
    assert filled.ok, filled.issues
    project = filled.frame.iloc[0]
    assert project["total_investment_bn"] == pytest.approx(10.0)
    assert project["fund_requested_bn"] == pytest.approx(0.8)
    assert (project["field"], project["bank"], project["province"]) == ("digital_economy", "cdb", "jiangsu")
    assert bool(project["private"]) is True


def test_the_validation_report_is_one_formula_safe_sheet_with_chinese_headers():
    table = pd.DataFrame(
        {
            "project_id": ["P1", "P2"],
            "project_name": ['=HYPERLINK("http://x")', "B"],
            "field": ["digital_economy", "digital_economy"],
            "bank": ["cdb", "cdb"],
            "province": ["jiangsu", "jiangsu"],
            "private": ["yes", "no"],
            "total_investment_bn": ["-5", "=1+1"],
            "capital_ratio": ["0.25", "0.25"],
            "fund_requested_bn": ["1", "1"],
            "start_year": ["2025", "2025"],
            "construction_years": ["3", "3"],
        },
        index=[2, 3],
    )
    portfolio = parse_portfolio(table, source="bad.csv")
    assert portfolio.n_errors >= 2
    book = openpyxl.load_workbook(io.BytesIO(validation_report_bytes(portfolio, "zh")))
    assert len(book.worksheets) == 1
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["行", "列", "规则", "说明", "级别", "数值"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(portfolio.issues)
    by_row = {(r[0], r[1]): r for r in rows}
    negative = by_row[(2, "total_investment_bn")]
    assert negative[2] == "金额为负" and negative[4] == "错误" and negative[5] == "-5"
    formula = by_row[(3, "total_investment_bn")]
    assert formula[5] == "=1+1"  # the characters as written
    cell = next(c for r in sheet.iter_rows(min_row=2) for c in r if c.value == "=1+1")
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
