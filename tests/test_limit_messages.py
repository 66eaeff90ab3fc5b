"""An input over a declared limit is refused in one line in the reader's language: the file
(sheet, line or part), the value found, the limit, what it bounds and the environment
variable that raises it, in Chinese with no English sentence."""

from __future__ import annotations

import pytest

from fundmodel.cli import main
from fundmodel.inputs.limits import LIMITS, LimitError, check, where_sheet
from fundmodel.inputs.yaml_loader import loads
from fundmodel.messages import render_error
from tests.test_language import english_sentences


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_every_limit_is_refused_in_chinese(name, monkeypatch):
    spec = LIMITS[name]
    monkeypatch.setenv(spec.env, "5")
    with pytest.raises(LimitError) as caught:
        check(name, 7, where_sheet("项目表.xlsx", "Sheet1"))
    zh = render_error(caught.value, "zh")
    assert zh.startswith("项目表.xlsx，工作表“Sheet1”：7 ")
    assert "超过上限 5 " in zh and f"可用环境变量 {spec.env} 提高上限" in zh
    assert not english_sentences(zh, ["Sheet1", "XLSX", "YAML", "Excel"]), zh
    en = str(caught.value)
    assert en.startswith("项目表.xlsx, sheet 'Sheet1': 7 ") and f"raise it with {spec.env})" in en
    assert caught.value.limit == name


@pytest.mark.parametrize(("setting", "zh"), [("abc", "应为正整数，实际为 'abc'"), ("0", "至少为 1（实际为 0）")])
def test_an_unreadable_setting_is_one_chinese_line(setting, zh, monkeypatch):
    monkeypatch.setenv("FUNDMODEL_MAX_ROWS", setting)
    with pytest.raises(LimitError) as caught:
        check("rows", 1, "a.csv")
    assert render_error(caught.value, "zh") == f"FUNDMODEL_MAX_ROWS：{zh}"


def test_a_yaml_file_too_deep_names_the_line(monkeypatch):
    monkeypatch.setenv("FUNDMODEL_MAX_YAML_DEPTH", "2")
    with pytest.raises(LimitError) as caught:
        loads("a:\n  b:\n    c:\n      d: 1\n", "s.yaml")
    zh = render_error(caught.value, "zh")
    assert zh.startswith("s.yaml（第 3 行）：3 层，超过上限 2 层（YAML 文档的嵌套层数；")
    assert str(caught.value).startswith("s.yaml (line 3): 3 levels exceeds the limit of 2 levels")


def test_the_command_line_refuses_a_long_csv_in_its_language(tmp_path, monkeypatch, capsys):
    path = tmp_path / "长表.csv"
    path.write_text("project_id,project_name\n" + "".join(f"p{i},n{i}\n" for i in range(5)), encoding="utf-8")
    monkeypatch.setenv("FUNDMODEL_MAX_ROWS", "3")
    assert main(["validate", str(path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "fundmodel：错误：长表.csv：6 行，超过上限 3 行（项目表的行数；可用环境变量 FUNDMODEL_MAX_ROWS 提高上限）"
    )
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "fundmodel: error: 长表.csv: 6 rows exceeds the limit of 3 rows (rows of a portfolio table; "
        "raise it with FUNDMODEL_MAX_ROWS)"
    )


def test_a_wide_sheet_names_the_sheet_in_chinese(tmp_path, monkeypatch, capsys):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "申报表"
    book.active.append(["project_id", "project_name", "field", "bank"])
    book.active.append(["p1", "n1", "digital_economy", "cdb"])
    path = tmp_path / "wide.xlsx"
    book.save(path)
    monkeypatch.setenv("FUNDMODEL_MAX_COLUMNS", "3")
    assert main(["validate", str(path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel：错误：wide.xlsx，工作表“申报表”")
    assert "4 列，超过上限 3 列（项目表的列数（工作表已用区域）；可用环境变量 FUNDMODEL_MAX_COLUMNS 提高上限）" in err
    assert not english_sentences(err, ["wide.xlsx"]), err


def test_the_dashboard_refuses_an_upload_over_a_limit_in_chinese(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_dashboard_app import APP

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.radio(key="lang").set_value("zh").run()
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    assert not at.exception, at.exception
    monkeypatch.setenv("FUNDMODEL_MAX_ROWS", "3")
    rows = "project_id,project_name\n" + "".join(f"p{i},n{i}\n" for i in range(5))
    at.file_uploader(key="portfolio_upload").set_value(("长表.csv", rows.encode("utf-8"), "text/csv")).run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error)
    # the message names the user's file, not the copy the page reads it from
    assert "长表.csv：6 行，超过上限 3 行（项目表的行数；可用环境变量 FUNDMODEL_MAX_ROWS 提高上限）" in shown
    assert "portfolio.csv" not in shown
    assert not english_sentences(shown, ["长表.csv"]), shown
