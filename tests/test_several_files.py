"""Several files and sheets read into one portfolio: one template-shaped .xlsx, one GB18030
CSV and one .xls of two sheets (saved by LibreOffice), built here; totals checked by hand,
each project's file, sheet and row kept, a project id given twice named in both places."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import openpyxl
import pytest

from fundmodel.errors import PortfolioError
from fundmodel.inputs.parameters import default_parameters
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.portfolio.combine import CombinedPortfolio
from fundmodel.inputs.scenario import baseline
from fundmodel.session import Session
from tests._libreoffice import _convert

HEADER = ["项目编号", "项目名称", "所属领域", "政策性银行", "省份", "民营企业项目", "总投资(亿元)", "资本金比例"]
HEADER += ["申请金额(亿元)", "开工年份", "建设期"]
# 广东: fund 5 + 3 = 8 亿元 = 0.8 bn; investment 100 + 60 = 160 亿元 = 16 bn.
GUANGDONG = [
    ["GD-1", "示例港口扩建", "交通物流", "国家开发银行", "广东省", "否", "100", "0.2", "5", "2025", "3"],
    ["GD-2", "示例数据中心", "数字经济", "CDB", "广东", "否", "60", "0.25", "3", "2026", "2"],
]
# 甘肃.xls: sheet 兰州 fund 2 亿元 of 40; sheet 天水 fund 1 亿元 of 20.
LANZHOU = [["GS-1", "示例光伏基地二期", "绿色低碳转型", "农发行", "甘肃省", "否", 40, 0.3, 2, 2025, 2]]
TIANSHUI = [["GS-2", "示例水厂", "市政和产业园区基础设施", "口行", "甘肃", "是", 20, 0.2, 1, 2026, 2]]


def _template(path: Path) -> Path:
    """The bundled example's generator (3 projects in 万元: fund 365,500 万元 = 3.655 bn)."""
    spec = importlib.util.spec_from_file_location(
        "make_template_example", Path(__file__).parent / "make_template_example.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(path)


def _gb18030_csv(path: Path, rows: list[list[str]]) -> Path:
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


def _book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in [HEADER, *rows]:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def province_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("lists")
    xlsx = _template(folder / "江苏.xlsx")
    csv = _gb18030_csv(folder / "广东.csv", GUANGDONG)
    plain = _book(tmp_path_factory.mktemp("src") / "甘肃.xlsx", {"兰州": LANZHOU, "天水": TIANSHUI})
    [xls] = _convert([plain], folder, "xls", ".xls", recalc=False)
    return [xlsx, csv, xls]


@pytest.mark.libreoffice
def test_three_files_and_two_sheets_read_into_one_portfolio_with_hand_sums(province_files: list[Path]) -> None:
    portfolio = read_portfolio(province_files, sheet="*")
    assert isinstance(portfolio, CombinedPortfolio)
    assert portfolio.ok, portfolio.report()
    frame = portfolio.frame
    assert frame.index.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert frame["source_file"].tolist() == ["江苏.xlsx"] * 3 + ["广东.csv"] * 2 + ["甘肃.xls"] * 2
    assert frame["source_sheet"].tolist() == ["项目清单"] * 3 + ["", ""] + ["兰州", "天水"]
    # rows as seen in each file: the template's projects start under its two-row header.
    assert frame["source_row"].tolist() == [6, 7, 8, 2, 3, 2, 2]
    # fund: 3.655 bn (江苏, 万元) + 0.8 bn (广东, 亿元) + 0.2 + 0.1 bn (甘肃) = 4.755 bn
    assert frame["fund_requested_bn"].sum() == pytest.approx(4.755)
    # investment: 25.88 + 16 + 4 + 2 = 47.88 bn
    assert frame["total_investment_bn"].sum() == pytest.approx(47.88)
    assert frame["bank"].tolist()[3:] == ["cdb", "cdb", "adbc", "exim"]
    assert frame["province"].tolist()[3:] == ["guangdong", "guangdong", "gansu", "gansu"]
    [warning] = portfolio.warnings  # 城市更新 in the template: its file, sheet and row
    assert (warning.file, warning.sheet, warning.row, warning.rule) == ("江苏.xlsx", "项目清单", 7, "sector_unmapped")
    assert str(warning).startswith("江苏.xlsx, sheet '项目清单', row 7, column '行业'")
    report = portfolio.report()
    assert "  广东.csv: 2 projects" in report and "  甘肃.xls, sheet '天水': 1 projects" in report
    assert "money unit wan from the unit line in row 3" in report
    result = Session(baseline(), portfolio=portfolio).portfolio_result("provinces")
    assert result.totals["fund_bn"] == pytest.approx(4.755)
    assert result.totals["n_projects"] == 7
    assert result.projects["source_file"].tolist()[3] == "广东.csv"


def test_a_project_id_in_two_files_is_one_error_naming_both_places(tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    _template(folder / "江苏.xlsx")
    again = [["TPL-2", "又一个街区更新", "市政和产业园区基础设施", "农发行", "浙江", "否", 48, 0.2, 2.56, 2025, 3]]
    _book(folder / "浙江.xlsx", {"说明": [], "天水": again})
    (folder / "~$江苏.xlsx").write_bytes(b"lock")  # Excel's lock file: not a list
    portfolio = read_portfolio(folder, sheet="*")
    duplicates = [i for i in portfolio.errors if i.rule == "duplicate_id"]
    assert len(duplicates) == 1
    [dup] = duplicates
    assert (dup.file, dup.sheet, dup.row, dup.value) == ("浙江.xlsx", "天水", 2, "TPL-2")
    assert dup.message == "project id TPL-2 is also at 江苏.xlsx, sheet '项目清单', row 7 (one id, one project)"
    frame = portfolio.frame
    assert frame.loc[frame["source_sheet"] == "天水", "valid"].tolist() == [False]
    assert frame.loc[frame["project_id"] == "TPL-2", "valid"].tolist() == [True, False]


def test_the_same_id_twice_in_one_file_stays_that_files_own_error(tmp_path: Path) -> None:
    a = _gb18030_csv(tmp_path / "a.csv", [GUANGDONG[0], GUANGDONG[0]])
    b = _gb18030_csv(tmp_path / "b.csv", [GUANGDONG[0]])
    portfolio = read_portfolio([a, b])
    found = [(i.file, i.row, i.message) for i in portfolio.errors]
    assert found == [
        ("a.csv", 3, "duplicate project id (first at row 2)"),
        ("b.csv", 2, "project id GD-1 is also at a.csv, row 2 (one id, one project)"),
    ]


def test_edits_go_to_the_file_the_project_came_from(tmp_path: Path) -> None:
    a = _gb18030_csv(tmp_path / "a.csv", GUANGDONG[:1])
    b = _gb18030_csv(tmp_path / "b.csv", GUANGDONG[1:])
    portfolio = read_portfolio([a, b])
    edited = portfolio.with_edits({(2, "申请金额(亿元)"): "4"})  # project 2 = b.csv row 2
    assert edited.frame["fund_requested_bn"].tolist() == pytest.approx([0.5, 0.4])
    assert edited.frame["source_row"].tolist() == [2, 2]
    assert portfolio.frame["fund_requested_bn"].tolist() == pytest.approx([0.5, 0.3])  # unchanged
    with pytest.raises(PortfolioError, match="no project number 3"):
        portfolio.with_edits({(3, "申请金额(亿元)"): "4"})
    assert portfolio.under(default_parameters()) is portfolio


def test_one_file_in_a_list_is_read_as_itself(tmp_path: Path) -> None:
    a = _gb18030_csv(tmp_path / "a.csv", GUANGDONG)
    one = read_portfolio([a])
    assert not isinstance(one, CombinedPortfolio)
    assert one.frame.equals(read_portfolio(a).frame)


def test_files_named_twice_empty_folders_and_maps_for_no_file_are_refused(tmp_path: Path) -> None:
    a = _gb18030_csv(tmp_path / "a.csv", GUANGDONG)
    with pytest.raises(PortfolioError, match=r"a\.csv: the file is named twice"):
        read_portfolio([a, tmp_path / "." / "a.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(PortfolioError, match="no portfolio files in the folder"):
        read_portfolio(tmp_path / "empty")
    b = _gb18030_csv(tmp_path / "b.csv", GUANGDONG)
    with pytest.raises(PortfolioError, match="no file has a column '资金'"):
        read_portfolio([a, b], column_map={"资金": "fund_requested_bn"})


def test_cli_reads_several_portfolio_options_and_shows_the_sheet(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from fundmodel.cli import main

    a = _gb18030_csv(tmp_path / "a.csv", GUANGDONG[:1])
    b = _gb18030_csv(tmp_path / "b.csv", GUANGDONG)
    assert main(["validate", str(a), str(b), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["projects"] == 3
    assert [(i["file"], i["sheet"], i["row"], i["rule"]) for i in report["issues"]] == [
        ("b.csv", "", 2, "duplicate_id")
    ]
    c = _gb18030_csv(tmp_path / "c.csv", GUANGDONG[1:])
    assert main(["run", "--portfolio", str(a), "--portfolio", str(c), "--format", "json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert totals["fund_bn"] == pytest.approx(0.8)  # 5 + 3 亿元
