"""What the portfolio reader understood of a file, its validation report and the column
mapping's errors, as the command line prints them: in Chinese with ``--lang zh`` (no English
sentence outside file names, sheet names, headers and column ids), and in English as before."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from fundmodel.cli import main
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.portfolio import SCHEMA
from tests.test_language import english_sentences

EXAMPLE = PORTFOLIO_DIR / "template_example.xlsx"
#: Latin a Chinese reader may see here: ids, options and file names, never sentences.
IDS = [*SCHEMA, "--map", "template_example.xlsx", "renamed.xlsx", "a.csv", "b.csv"]


def _renamed(tmp_path: Path) -> Path:
    """The bundled template with the sub-header 申请金额 written as 拟申请工具资金 (unknown)."""
    book = openpyxl.load_workbook(EXAMPLE)
    [cell] = [c for c in book.active[5] if c.value == "申请金额"]
    cell.value = "拟申请工具资金"
    path = tmp_path / "renamed.xlsx"
    book.save(path)
    return path


def _chinese(text: str) -> None:
    found = [(line, english_sentences(line, IDS)) for line in text.splitlines() if english_sentences(line, IDS)]
    assert not found, found


def test_the_report_of_a_template_in_chinese(capsys):
    assert main(["validate", str(EXAMPLE), "--lang", "zh", "--unit", "yi"]) == 0
    out = capsys.readouterr().out
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "template_example.xlsx：3 个项目，0 个错误，1 个警告——校验通过"
    for expected in (
        "读取工作表“项目清单”",
        "表头：第 4、5 行（两行合为一行表头）",
        "金额单位：万元（取自第 3 行的单位说明）",
        "列“资金结构/申请金额” → 申请金额（fund_requested_bn）",
        "列“序号”为序号列（未读取）",
        "第 9 行未读取：合计行（合计）",
        "第 10 行未读取：表下注释",
    ):
        assert expected in lines, expected
    conversions = next(line for line in lines if line.startswith("按书写方式识别的值："))
    assert "1 个带千分位分隔符的数字（1,858,000）" in conversions
    assert "template_example.xlsx，第 7 行，列“行业”" in out and "[警告]" in out
    _chinese(out)


def test_the_english_report_is_as_before(capsys):
    assert main(["validate", str(EXAMPLE)]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "template_example.xlsx: 3 projects, 0 errors, 1 warnings - valid"
    for expected in (
        "read sheet '项目清单'",
        "header: row 4 and 5 (joined)",
        "money unit wan from the unit line in row 3",
        "column '资金结构/申请金额' -> fund_requested_bn",
        "column '序号' numbers the rows (not read)",
        "row 9 skipped: total row (合计)",
        "row 10 skipped: note under the table",
    ):
        assert expected in lines, expected


def test_a_mapped_column_says_where_its_mapping_came_from_in_chinese(tmp_path, monkeypatch, capsys):
    path = _renamed(tmp_path)
    option = "资金结构/拟申请工具资金=fund_requested_bn"
    assert main(["validate", str(path), "--map", option, "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "列“资金结构/拟申请工具资金” → 申请金额（fund_requested_bn，--map）" in out
    _chinese(out)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert main(["mapping", "save", "月报", "--map", option, "--lang", "zh"]) == 0
    assert capsys.readouterr().out.startswith("已保存映射方案“月报”（1 列）：")
    assert main(["validate", str(path), "--mapping-profile", "月报", "--lang", "zh"]) == 0
    assert "（fund_requested_bn，映射方案 月报）" in capsys.readouterr().out
    assert main(["mapping", "list", "--lang", "zh"]) == 0
    assert capsys.readouterr().out.strip().endswith("中的映射方案：月报")


@pytest.mark.parametrize(
    ("option", "zh", "en"),
    [
        (
            "资金结构/拟申请工具资金",
            "fundmodel：错误：--map '资金结构/拟申请工具资金'：请写成“表头=列编号”，"
            "例如“资金结构/申请金额=fund_requested_bn”",
            "fundmodel: error: --map '资金结构/拟申请工具资金': write it as HEADER=COLUMN_ID",
        ),
        (
            "资金结构/拟申请工具资金=fund_requested",
            "fundmodel：错误：renamed.xlsx：--map 资金结构/拟申请工具资金=fund_requested："
            "未知的列编号“fund_requested”（有效编号：project_id, ",
            "fundmodel: error: renamed.xlsx: --map 资金结构/拟申请工具资金=fund_requested: "
            "unknown column id 'fund_requested' (valid: project_id, ",
        ),
        (
            "申请资金=fund_requested_bn",
            "fundmodel：错误：renamed.xlsx：--map 申请资金=fund_requested_bn："
            "文件中没有“申请资金”列（文件的列：'项目名称', ",
            "fundmodel: error: renamed.xlsx: --map 申请资金=fund_requested_bn: "
            "the file has no column '申请资金' (columns: ",
        ),
    ],
)
def test_a_wrong_map_is_one_line_in_the_chosen_language(option, zh, en, tmp_path, capsys):
    path = _renamed(tmp_path)
    assert main(["validate", str(path), "--map", option, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(zh), err
    assert len(err.splitlines()) == 1
    _chinese(err.replace(option, ""))
    assert main(["validate", str(path), "--map", option]) == 2
    assert capsys.readouterr().err.strip().startswith(en)


def test_mapping_save_without_a_map_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["mapping", "save", "空", "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "fundmodel：错误：fundmodel mapping save：请至少给出一个 --map 表头=列编号（或 --mapping 文件）"
    assert main(["validate", str(EXAMPLE), "--mapping-profile", "无此方案", "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert "中没有映射方案“无此方案”（已保存：无）" in err


def test_several_files_and_a_refused_run_in_chinese(tmp_path, capsys):
    header = "project_id,project_name,field,bank,province,private,total_investment_bn,capital_ratio,"
    header += "fund_requested_bn,start_year,construction_years\n"
    (tmp_path / "a.csv").write_text(header + "A1,甲,digital_economy,cdb,北京,否,10,0.2,0.5,2025,3\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(header + "B1,乙,digital_economy,cdb,北京,否,10,0.2,abc,2025,3\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--lang", "zh"]) == 1
    out = capsys.readouterr().out
    assert "a.csv：1 个项目" in out and "b.csv：1 个项目" in out
    assert "b.csv，第 2 行，列“fund_requested_bn”，值 'abc'：[错误] 不是数字：不是数字" in out
    _chinese(out)
    assert main(["run", "--portfolio", str(tmp_path / "b.csv"), "--lang", "zh", "--unit", "yi"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("fundmodel：错误：b.csv：1 个项目，1 个错误，0 个警告\n")
    _chinese(err)


@pytest.mark.parametrize(
    ("name", "extra", "zh"),
    [
        ("missing.csv", [], "fundmodel：错误：missing.csv：无法读取（文件不存在）"),
        (
            "list.pdf",
            [],
            "fundmodel：错误：list.pdf：不支持的文件类型 '.pdf'（请使用 .csv、.xlsx、.xlsm、.xls 或 .ods 文件）",
        ),
        ("a.csv", ["--sheet", "1"], "fundmodel：错误：a.csv：--sheet 选项只适用于电子表格文件"),
        (
            "template_example.xlsx",
            ["--sheet", "无此表"],
            "fundmodel：错误：template_example.xlsx：没有工作表 '无此表'（文件中的工作表：",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_one_chinese_line(name, extra, zh, tmp_path, capsys):
    path = EXAMPLE if name == EXAMPLE.name else tmp_path / name
    if name in ("list.pdf", "a.csv"):
        path.write_text("project_id\nA1\n", encoding="utf-8")
    assert main(["validate", str(path), *extra, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(zh), err
    _chinese(err)
