"""Portfolio reading and validation: one bad file per rule, headers, units, encodings."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundmodel import default_parameters
from fundmodel.inputs.portfolio import (
    MAJOR_PROVINCES,
    PROVINCES,
    RULES,
    SCHEMA,
    PortfolioError,
    header_label,
    read_portfolio,
    schema_frame,
    validate_portfolio,
)
from fundmodel.labels import LABELS

ROOT = Path(__file__).resolve().parent.parent
PORTFOLIOS = ROOT / "portfolios"

HEADER = [
    "project_id",
    "project_name",
    "field",
    "bank",
    "province",
    "private",
    "total_investment_bn",
    "capital_ratio",
    "fund_requested_bn",
    "start_year",
    "construction_years",
]
# Three valid projects (money in bn RMB).
ROWS = [
    ["P1", "Rail", "transport_logistics", "cdb", "jiangsu", "no", "100", "0.2", "10", "2025", "4"],
    ["P2", "Water", "municipal_parks", "adbc", "guangdong", "yes", "10", "0.25", "1.5", "2026", "2"],
    ["P3", "Data centre", "digital_economy", "exim", "guizhou", "no", "20", "0.3", "2", "2025", "3"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def with_cell(row: int, column: str, value: str) -> tuple[list[str], list[list[str]]]:
    """The base table with one cell changed (row = 0-based data row)."""
    rows = [list(r) for r in ROWS]
    rows[row][HEADER.index(column)] = value
    return list(HEADER), rows


def with_column(column: str, values: list[str]) -> tuple[list[str], list[list[str]]]:
    return [*HEADER, column], [[*r, v] for r, v in zip(ROWS, values, strict=True)]


def test_base_file_is_valid(tmp_path):
    p = read_portfolio(write_csv(tmp_path / "ok.csv", HEADER, ROWS))
    assert p.ok and p.issue_records() == []
    assert list(p.frame.index) == [2, 3, 4]  # header is row 1
    assert p.frame["valid"].all()


# (rule, file as (header, rows), row named, column named). Rows as the user sees them.
CELL_CASES = [
    ("missing_value", with_cell(1, "project_name", ""), 3, "project_name"),
    ("not_a_number", with_cell(0, "total_investment_bn", "lots"), 2, "total_investment_bn"),
    ("not_a_number", with_cell(2, "fund_requested_bn", "inf"), 4, "fund_requested_bn"),
    ("not_an_integer", with_cell(1, "construction_years", "2.5"), 3, "construction_years"),
    ("negative_amount", with_cell(2, "fund_requested_bn", "-2"), 4, "fund_requested_bn"),
    ("zero_amount", with_cell(0, "total_investment_bn", "0"), 2, "total_investment_bn"),
    ("out_of_range", with_cell(0, "capital_ratio", "1.5"), 2, "capital_ratio"),
    ("out_of_range", with_cell(1, "capital_ratio", "0"), 3, "capital_ratio"),
    ("out_of_range", with_cell(2, "start_year", "1990"), 4, "start_year"),
    ("not_a_boolean", with_cell(1, "private", "maybe"), 3, "private"),
    ("unknown_field", with_cell(0, "field", "space_mining"), 2, "field"),
    ("unknown_bank", with_cell(1, "bank", "Bank of Atlantis"), 3, "bank"),
    ("unknown_province", with_cell(2, "province", "Atlantis"), 4, "province"),
    ("unknown_profile", with_column("phasing_profile", ["s_curve", "uniform", "zigzag"]), 4, "phasing_profile"),
    # k = 0.1 < 20% - 5 pp (railways_highways, shortfall-filling) = 15%
    ("capital_ratio_below_minimum", with_cell(0, "capital_ratio", "0.1"), 2, "capital_ratio"),
    # digital economy: cap 50%; F = 4 > 0.5 x K = 0.5 x (0.3 x 20) = 3
    ("fund_above_cap", with_cell(2, "fund_requested_bn", "4"), 4, "fund_requested_bn"),
    ("duplicate_id", with_cell(2, "project_id", "P1"), 4, "project_id"),
    # K = 0.25 x 10 = 2.5, F = 1.5 -> at most 1.0 of other public money
    (
        "other_public_above_capital",
        with_column("other_public_funding_bn", ["", "1.2", ""]),
        3,
        "other_public_funding_bn",
    ),
    (
        "unknown_column_name",
        with_column("estimated_columns", ["capital_ratio", "", "bank|nope"]),
        4,
        "estimated_columns",
    ),
]


@pytest.mark.parametrize(("rule", "table", "row", "column"), CELL_CASES, ids=[f"{c[0]}-{c[3]}" for c in CELL_CASES])
def test_each_rule_names_row_and_column(tmp_path, rule, table, row, column):
    path = write_csv(tmp_path / f"bad_{rule}.csv", *table)
    issues = validate_portfolio(path)
    hits = [i for i in issues if i.rule == rule]
    assert len(hits) == 1, issues
    hit = hits[0]
    assert (hit.file, hit.row, hit.column, hit.severity) == (path.name, row, column, "error")
    assert not read_portfolio(path).frame.loc[row, "valid"]


def test_unmapped_sector_word_is_a_warning_and_takes_the_general_minimum(tmp_path):
    path = write_csv(tmp_path / "sector.csv", *with_column("sector", ["铁路", "moon_base", "地铁"]))
    portfolio = read_portfolio(path)
    [hit] = [i for i in portfolio.issue_records() if i.rule == "sector_unmapped"]
    assert (hit.row, hit.column, hit.value, hit.severity) == (3, "sector", "moon_base", "warning")
    assert "power_other" in hit.message and "20.0%" in hit.message
    assert hit.render("zh").startswith("该行业名称没有对应的法定行业：按“电力等其他项目”处理（最低资本金比例 20.0%）")
    frame = portfolio.frame
    assert frame["sector"].tolist() == ["railways_highways", "power_other", "urban_rail"]
    # power and all other projects: 20%, less 5 pp for shortfall-filling infrastructure (the field's default)
    assert bool(frame.loc[3, "shortfall_infrastructure"])
    assert frame.loc[3, "capital_ratio_minimum"] == pytest.approx(0.20 - 0.05)
    assert bool(frame.loc[3, "valid"])


def test_capital_rules_with_project_capital_column(tmp_path):
    header = [*HEADER, "project_capital_bn"]
    rows = [[*r, v] for r, v in zip(ROWS, ["30", "2.5", "25"], strict=True)]
    issues = validate_portfolio(write_csv(tmp_path / "k.csv", header, rows))
    # P1: K 30 vs 0.2 x 100 = 20 -> inconsistent; P3: K 25 > I 20 and vs 0.3 x 20 = 6 -> inconsistent
    assert [(i.rule, i.row, i.column) for i in issues] == [
        ("inconsistent_capital", 2, "project_capital_bn"),
        ("inconsistent_capital", 4, "project_capital_bn"),
    ]
    # Project capital alone: K = 25 > I = 20.
    header2 = [h for h in header if h != "capital_ratio"]
    rows2 = [[c for h, c in zip(header, r, strict=True) if h != "capital_ratio"] for r in rows]
    rows2[0][-1] = "20"
    issues = validate_portfolio(write_csv(tmp_path / "k2.csv", header2, rows2))
    assert [(i.rule, i.row) for i in issues] == [("capital_above_investment", 4)]


def test_file_level_rules(tmp_path):
    header = [h for h in HEADER if h != "province"] + ["colour", "field"]
    rows = [[c for h, c in zip(HEADER, r, strict=True) if h != "province"] + ["red", r[2]] for r in ROWS]
    p = read_portfolio(write_csv(tmp_path / "cols.csv", header, rows))
    found = {(i.rule, i.row, i.column, i.severity) for i in p.issue_records()}
    assert ("missing_column", 1, "province", "error") in found
    assert ("unknown_column", 1, "colour", "warning") in found
    assert ("duplicate_column", 1, "field", "error") in found
    assert not p.frame["valid"].any()  # a missing required column invalidates every row


def test_every_problem_reported_at_once(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][HEADER.index("field")] = "nope"
    rows[1][HEADER.index("capital_ratio")] = "abc"
    rows[2][HEADER.index("bank")] = "xx"
    p = read_portfolio(write_csv(tmp_path / "many.csv", HEADER, rows))
    assert [(i.row, i.rule) for i in p.errors] == [(2, "unknown_field"), (3, "not_a_number"), (4, "unknown_bank")]
    assert len(p.frame) == 3  # nothing dropped
    assert p.frame["valid"].tolist() == [False, False, False]
    assert "3 errors" in p.report()


def test_missing_capital_both_ways(tmp_path):
    header = [h for h in HEADER if h != "capital_ratio"]
    rows = [[c for h, c in zip(HEADER, r, strict=True) if h != "capital_ratio"] for r in ROWS]
    issues = validate_portfolio(write_csv(tmp_path / "nok.csv", header, rows))
    assert [(i.rule, i.row, i.column) for i in issues] == [("missing_column", 1, "capital_ratio")]
    rows = [list(r) for r in ROWS]
    rows[1][HEADER.index("capital_ratio")] = ""
    issues = validate_portfolio(write_csv(tmp_path / "emptyk.csv", HEADER, rows))
    assert [(i.rule, i.row, i.column) for i in issues] == [("missing_value", 3, "capital_ratio")]


# ------------------------------------------------------------------ headers and units

ZH_HEADER = ["项目编号", "项目名称", "所属领域", "政策性银行", "省份", "民营企业", "总投资(亿元)", "资本金比例",
             "申请金额（万元）", "开工年份", "建设期(年)"]  # fmt: skip
ZH_ROWS = [
    ["Z1", "锡宜城际二期", "交通物流", "国开行", "江苏省", "否", "185.8", "40%", "319900", "2025", "4"],
    ["Z2", "水务增压站", "市政和产业园区基础设施", "农发行", "江苏", "是", "1.2", "0.25", "2076", "2025", "2"],
]


def test_chinese_headers_and_units(tmp_path):
    p = read_portfolio(write_csv(tmp_path / "zh.csv", ZH_HEADER, ZH_ROWS))
    assert p.ok, p.report()
    f = p.frame
    # 185.8 亿元 = 18.58 bn; 319,900 万元 = 3.199 bn; 40% = 0.4
    assert f.loc[2, "total_investment_bn"] == pytest.approx(18.58)
    assert f.loc[2, "fund_requested_bn"] == pytest.approx(3.199)
    assert f.loc[2, "capital_ratio"] == pytest.approx(0.4)
    assert f.loc[2, "project_capital_bn"] == pytest.approx(7.432)  # 0.4 x 18.58
    # 1.2 亿元 = 0.12 bn; 2,076 万元 = 0.02076 bn
    assert f.loc[3, "total_investment_bn"] == pytest.approx(0.12)
    assert f.loc[3, "fund_requested_bn"] == pytest.approx(0.02076)
    assert f["field"].tolist() == ["transport_logistics", "municipal_parks"]
    assert f["bank"].tolist() == ["cdb", "adbc"]
    assert f["province"].tolist() == ["jiangsu", "jiangsu"]
    assert f["private"].tolist() == [False, True]
    assert p.headers["total_investment_bn"] == "总投资(亿元)"
    assert p.units == {"total_investment_bn": "yi", "fund_requested_bn": "wan"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030(tmp_path, encoding):
    path = write_csv(tmp_path / f"zh_{encoding}.csv", ZH_HEADER, ZH_ROWS, encoding=encoding)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    p = read_portfolio(path)
    assert p.ok, p.report()
    assert p.frame["project_name"].tolist() == ["锡宜城际二期", "水务增压站"]
    assert p.frame["fund_requested_bn"].sum() == pytest.approx(3.199 + 0.02076)


def test_unit_option_and_undeclared_unit(tmp_path):
    header = [
        "编号",
        "项目名称",
        "领域",
        "银行",
        "省份",
        "民营",
        "总投资",
        "资本金比例",
        "申请金额",
        "开工年份",
        "建设期",
    ]
    rows = [["U1", "Park", "municipal_parks", "cdb", "Zhejiang", "0", "48", "0.2", "2.56", "2025", "4"]]
    path = write_csv(tmp_path / "nounit.csv", header, rows)
    issues = validate_portfolio(path)
    assert sorted((i.rule, i.row, i.column) for i in issues) == [
        ("unit_undeclared", 1, "总投资"),
        ("unit_undeclared", 1, "申请金额"),
    ]
    p = read_portfolio(path, unit="yi")  # 48 亿元 = 4.8 bn; 2.56 亿元 = 0.256 bn
    assert p.ok
    assert p.frame.loc[2, "total_investment_bn"] == pytest.approx(4.8)
    assert p.frame.loc[2, "fund_requested_bn"] == pytest.approx(0.256)
    # A declared header unit wins over the option: 4.8 bn stays 4.8 bn.
    header[6] = "总投资(bn)"
    rows[0][6] = "4.8"
    p = read_portfolio(write_csv(tmp_path / "mixed.csv", header, rows), unit="yi")
    assert p.frame.loc[2, "total_investment_bn"] == pytest.approx(4.8)
    header[6] = "总投资(美元)"
    issues = validate_portfolio(write_csv(tmp_path / "usd.csv", header, rows), unit="yi")
    assert [(i.rule, i.column) for i in issues] == [("unknown_unit", "总投资(美元)")]


def test_thousands_separators_and_percent(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][HEADER.index("total_investment_bn")] = "1,000"
    rows[0][HEADER.index("fund_requested_bn")] = "1,0"  # not a thousands group: not a number
    rows[1][HEADER.index("capital_ratio")] = "25 %"
    issues = validate_portfolio(write_csv(tmp_path / "sep.csv", HEADER, rows))
    assert [(i.rule, i.row, i.column, i.value) for i in issues] == [("not_a_number", 2, "fund_requested_bn", "1,0")]
    rows[0][HEADER.index("fund_requested_bn")] = "100"
    p = read_portfolio(write_csv(tmp_path / "sep2.csv", HEADER, rows))
    assert p.frame.loc[2, "total_investment_bn"] == 1000
    assert p.frame.loc[3, "capital_ratio"] == pytest.approx(0.25)


def test_xlsx_first_and_named_sheet(tmp_path):
    path = tmp_path / "p.xlsx"
    good = pd.DataFrame(ROWS, columns=HEADER)
    for col in ("total_investment_bn", "capital_ratio", "fund_requested_bn", "start_year", "construction_years"):
        good[col] = pd.to_numeric(good[col])
    bad = good.copy()
    bad.loc[1, "bank"] = "nope"
    with pd.ExcelWriter(path) as writer:
        good.to_excel(writer, sheet_name="申报表", index=False)
        bad.to_excel(writer, sheet_name="draft", index=False)
    assert read_portfolio(path).ok
    issues = validate_portfolio(path, sheet="draft")
    assert [(i.rule, i.row, i.column) for i in issues] == [("unknown_bank", 3, "bank")]
    with pytest.raises(PortfolioError, match="nosuch"):
        read_portfolio(path, sheet="nosuch")


def test_blank_rows_keep_row_numbers(tmp_path):
    path = tmp_path / "blank.csv"
    lines = [",".join(HEADER), ",".join(ROWS[0]), "", ",".join([*ROWS[1][:2], "nope", *ROWS[1][3:]])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    issues = validate_portfolio(path)
    assert [(i.rule, i.row) for i in issues] == [("unknown_field", 4)]


def test_unreadable_files(tmp_path):
    with pytest.raises(PortfolioError, match="empty"):
        read_portfolio(write_csv(tmp_path / "empty.csv", [], []))
    long_row = tmp_path / "long.csv"
    long_row.write_text(",".join(HEADER) + "\n" + ",".join([*ROWS[0], "extra"]) + "\n", encoding="utf-8")
    with pytest.raises(PortfolioError, match="row 2 has 12 cells"):
        read_portfolio(long_row)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"\xff\xfe\x00\x00" * 4)
    with pytest.raises(PortfolioError, match="not UTF-8 or GB18030"):
        read_portfolio(latin)
    with pytest.raises(PortfolioError, match="unsupported"):
        read_portfolio(tmp_path / "p.json")


# ------------------------------------------------------------------------------ data


def test_schema_and_provinces_are_data():
    assert len(PROVINCES) == 31
    assert len(MAJOR_PROVINCES) == 12
    assert {"guangdong", "jiangsu", "shandong", "zhejiang", "beijing", "shanghai"} <= set(MAJOR_PROVINCES)
    assert PROVINCES["source"].str.len().min() > 0
    frame = schema_frame()
    assert frame.loc["total_investment_bn", "label_zh"] == "总投资"
    required = {c.id for c in SCHEMA.values() if c.required}
    assert required == {
        "project_id", "project_name", "field", "bank", "province", "private",
        "total_investment_bn", "fund_requested_bn", "start_year", "construction_years",
    }  # fmt: skip
    assert header_label("total_investment_bn", "zh", "yi") == "总投资(亿元)"


def test_exported_headers_read_back(tmp_path):
    """Headers made from the schema (as Excel exports write them) read back in both languages."""
    for lang, unit in (("zh", "yi"), ("en", "wan"), ("en", "bn")):
        factor = {"bn": 1, "yi": 10, "wan": 100_000}[unit]
        header = [header_label(h, lang, unit) for h in HEADER]
        rows = [list(r) for r in ROWS]
        for r in rows:
            for col in ("total_investment_bn", "fund_requested_bn"):
                r[HEADER.index(col)] = str(float(r[HEADER.index(col)]) * factor)
        p = read_portfolio(write_csv(tmp_path / f"x_{lang}_{unit}.csv", header, rows))
        assert p.ok, p.report()
        assert p.frame["total_investment_bn"].tolist() == pytest.approx([100, 10, 20])


@pytest.mark.parametrize("name", ["first_batch_examples.csv", "national_synthetic.csv"])
def test_bundled_portfolios_validate(name):
    out = subprocess.run(
        [sys.executable, "-m", "fundmodel", "validate", str(PORTFOLIOS / name)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 errors" in out.stdout


def test_validate_exit_code_and_json(tmp_path):
    path = write_csv(tmp_path / "bad.csv", *with_cell(0, "field", "nope"))
    out = subprocess.run([sys.executable, "-m", "fundmodel", "validate", str(path)], capture_output=True, text=True)
    assert out.returncode == 1
    assert "row 2, column 'field', value 'nope'" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "fundmodel", "validate", str(path), "--format", "json"], capture_output=True, text=True
    )

    report = json.loads(out.stdout)
    assert report["errors"] == 1
    assert report["issues"][0]["row"] == 2 and report["issues"][0]["rule"] == "unknown_field"


def test_first_batch_marks_estimates():
    p = read_portfolio(PORTFOLIOS / "first_batch_examples.csv")
    f = p.frame
    assert len(f) == 5
    assert f["estimated_columns"].str.len().min() > 0
    assert f["source"].str.contains("2025-10").all()
    wuxi = f[f["project_id"] == "FB-01"].iloc[0]
    assert wuxi["total_investment_bn"] == pytest.approx(18.58)
    assert wuxi["fund_requested_bn"] == pytest.approx(3.199)
    assert "total_investment_bn" not in wuxi["estimated_columns"]
    bailong = f[f["project_id"] == "FB-02"].iloc[0]
    assert "fund_requested_bn" in bailong["estimated_columns"]  # not published


def test_invalid_cells_are_nan_never_coerced(tmp_path):
    p = read_portfolio(write_csv(tmp_path / "neg.csv", *with_cell(0, "total_investment_bn", "-5")))
    assert np.isnan(p.frame.loc[2, "total_investment_bn"])
    assert p.frame.loc[3, "total_investment_bn"] == 10


def test_percent_header(tmp_path):
    header = [h if h != "capital_ratio" else "资本金比例(%)" for h in HEADER]
    rows = [list(r) for r in ROWS]
    rows[0][HEADER.index("capital_ratio")] = "20"  # 20% under a (%) header
    rows[1][HEADER.index("capital_ratio")] = "25%"  # an explicit % is not divided twice
    rows[2][HEADER.index("capital_ratio")] = "0.3"  # 0.3% of investment: below the 20% minimum
    p = read_portfolio(write_csv(tmp_path / "pct.csv", header, rows))
    assert p.frame["capital_ratio"].tolist()[:2] == pytest.approx([0.2, 0.25])
    # k = 0.003 also makes K = 0.06 < F = 2: the cap is broken too
    assert {(i.rule, i.row, i.column) for i in p.errors} == {
        ("capital_ratio_below_minimum", 4, "资本金比例(%)"),
        ("fund_above_cap", 4, "fund_requested_bn"),
    }


def test_every_rule_has_a_label_in_both_languages():
    for rule in RULES:
        en, zh = LABELS[f"rule_{rule}"]
        assert en and zh and en != zh, rule


def test_field_defaults_lists_what_each_project_took_from_its_field(tmp_path):
    # P1 gives its additionality; P2 and P3 give none of the five: they take all from their field.
    header, rows = with_column("additionality", ["0.5", "", ""])
    p = read_portfolio(write_csv(tmp_path / "p.csv", header, rows))
    everything = "sector|shortfall_infrastructure|phasing_profile|additionality|infrastructure_share"
    assert p.frame["field_defaults"].tolist() == [
        "sector|shortfall_infrastructure|phasing_profile|infrastructure_share",
        everything,
        everything,
    ]
    assert p.frame.loc[2, "additionality"] == 0.5
    assert p.frame.loc[3, "additionality"] == default_parameters().fields["municipal_parks"].additionality.value
