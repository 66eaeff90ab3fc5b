"""Banks and provinces as people write them (abbreviations, 省/市/自治区 and English forms),
and numbers stored as text in a sheet counted among the conversions of the report."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.portfolio.schema import DATA_DIR, lookups, norm

HEADER = ["项目编号", "项目名称", "所属领域", "政策性银行", "省份", "民营企业项目", "总投资(亿元)", "资本金比例"]
HEADER += ["申请金额(亿元)", "开工年份", "建设期"]


@pytest.mark.parametrize(
    ("written", "bank"),
    [
        ("国开行", "cdb"), ("国家开发银行", "cdb"), ("CDB", "cdb"), ("开行", "cdb"),
        ("农发行", "adbc"), ("中国农业发展银行", "adbc"), ("农业发展银行", "adbc"),
        ("进出口银行", "exim"), ("口行", "exim"), ("中国进出口银行", "exim"), ("China Exim Bank", "exim"),
        ("Export-Import Bank of China", "exim"),
    ],
)  # fmt: skip
def test_bank_spellings(written: str, bank: str) -> None:
    assert lookups(default_parameters())["bank"][norm(written)] == bank


@pytest.mark.parametrize(
    ("written", "province"),
    [
        ("内蒙古自治区", "inner_mongolia"), ("内蒙古", "inner_mongolia"), ("内蒙", "inner_mongolia"),
        ("Nei Mongol", "inner_mongolia"), ("广西壮族自治区", "guangxi"), ("广西自治区", "guangxi"),
        ("广西", "guangxi"), ("宁夏回族自治区", "ningxia"), ("新疆维吾尔自治区", "xinjiang"),
        ("西藏", "tibet"), ("Xizang", "tibet"), ("江苏省", "jiangsu"), ("Jiangsu Province", "jiangsu"),
        ("北京市", "beijing"), ("Beijing Municipality", "beijing"), ("重庆", "chongqing"),
        ("陕西省", "shaanxi"), ("山西省", "shanxi"), ("Shaanxi Province", "shaanxi"),
    ],
)  # fmt: skip
def test_province_spellings(written: str, province: str) -> None:
    assert lookups(default_parameters())["province"][norm(written)] == province


def test_every_alias_names_a_known_id_once() -> None:
    with open(DATA_DIR / "portfolio_aliases.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    table = lookups(default_parameters())
    seen: dict[tuple[str, str], str] = {}
    for row in rows:
        key = (row["kind"], norm(row["alias"]))
        assert seen.setdefault(key, row["id"]) == row["id"], f"{row['alias']} names two {row['kind']}s"
        assert table[row["kind"]][key[1]] == row["id"], row  # read, and not overridden by a name


def test_a_wrong_bank_or_province_stays_an_error(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    rows = [HEADER, ["A", "a", "交通物流", "工商银行", "江苏省", "否", "10", "0.2", "1", "2025", "2"]]
    rows += [["B", "b", "交通物流", "国开行", "江苏市", "否", "10", "0.2", "1", "2025", "2"]]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    portfolio = read_portfolio(path)
    assert [(i.row, i.rule, i.value) for i in portfolio.errors] == [
        (2, "unknown_bank", "工商银行"),
        (3, "unknown_province", "江苏市"),
    ]


def test_numbers_stored_as_text_are_counted_by_cell(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    # row 2: total investment '100' and fund '5' typed as text (2 cells); the id '001' is text, not counted
    sheet.append(["001", "a", "交通物流", "国开行", "江苏", "否", "100", 0.2, "5", 2025, 3])
    # row 3: start year '2026' as text (1 cell); '1,200' has separators: counted as that, not as plain text
    sheet.append(["002", "b", "交通物流", "国开行", "江苏", "否", 60, 0.2, 3, "2026", 2])
    sheet.append(["003", "c", "交通物流", "国开行", "江苏", "否", "1,200", 0.2, 3, 2026, 2])
    book.save(tmp_path / "text.xlsx")
    portfolio = read_portfolio(tmp_path / "text.xlsx")
    assert portfolio.ok, portfolio.report()
    assert portfolio.reading["conversions"]["number_text"] == 3
    assert portfolio.reading["conversions"]["thousands_separator"] == 1
    assert portfolio.frame["total_investment_bn"].tolist() == pytest.approx([10.0, 6.0, 120.0])  # 亿元 / 10
    assert "3 numbers stored as text in the sheet" in portfolio.report()
    # a CSV holds only text: nothing there is a number stored as text
    (tmp_path / "text.csv").write_text(
        "\n".join(
            ",".join(map(str, r))
            for r in [HEADER, ["001", "a", "交通物流", "国开行", "江苏", "否", 100, 0.2, 5, 2025, 3]]
        ),
        encoding="utf-8",
    )
    assert "number_text" not in read_portfolio(tmp_path / "text.csv").reading.get("conversions", {})
