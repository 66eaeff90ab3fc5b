"""Every command of the command line speaks the chosen language and money unit: the
``--lang`` and ``--unit`` options on every command, its messages (errors included) in
Chinese with 亿元, and amounts typed in that unit."""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from fundmodel.cli import _leaf_parsers, build_parser, main
from tests.test_language import english_sentences


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        (leaf.prog.removeprefix("fundmodel ")): leaf
        for command in sub.choices.values()
        for leaf in _leaf_parsers(command)
    }


def test_every_command_takes_lang_and_unit_once():
    commands = _commands()
    assert {"run", "goal-seek", "validate", "scenarios list", "mapping save"} <= set(commands)
    for name, parser in commands.items():
        options = {s for a in parser._actions for s in a.option_strings}
        assert {"--lang", "--unit"} <= options, name
        lang = next(a for a in parser._actions if "--lang" in a.option_strings)
        unit = next(a for a in parser._actions if "--unit" in a.option_strings)
        assert (lang.default, list(lang.choices)) == ("en", ["en", "zh"]), name
        assert (unit.default, list(unit.choices)) == ("bn", ["bn", "yi"]), name


def test_an_error_ends_in_one_chinese_line(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert main(["validate", str(empty), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "fundmodel：错误：empty.csv：文件为空（没有表头行）"
    assert not english_sentences(err, ["empty.csv"])
    assert main(["validate", str(empty)]) == 2
    assert capsys.readouterr().err.strip() == "fundmodel: error: empty.csv: the file is empty (no header row)"


def test_goal_seek_reads_and_says_money_in_the_chosen_unit(capsys):
    args = ["goal-seek", "--assumption", "fund_share_of_capital", "--format", "json"]
    assert main([*args, "--target", "6000"]) == 0
    in_bn = capsys.readouterr().out
    assert main([*args, "--target", "60000", "--unit", "yi"]) == 0
    assert capsys.readouterr().out == in_bn  # 60,000 亿元 is 6,000 bn
    assert (
        main(
            ["goal-seek", "--assumption", "fund_share_of_capital", "--target", "60000", "--unit", "yi", "--lang", "zh"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "60,000 亿元" in out.splitlines()[0]
    assert "搜索区间" in out
    assert not english_sentences(out), out


@pytest.mark.parametrize(("lang", "first"), [("en", "Scenario: Baseline"), ("zh", "情景: 基准情景")])
def test_run_prints_in_the_chosen_language(lang, first, capsys):
    assert main(["run", "--lang", lang, "--unit", "yi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(first)
    assert "70,800" not in out and "59,920.6" in out  # the baseline's total investment in 亿元


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["compare", "portfolios/scenarios/cap_50pct.yaml"], "fundmodel：错误：比较至少需要两个情景文件"),
        (
            ["montecarlo", "portfolios/scenarios/uncertain_leverage.yaml", "--draws", "0"],
            "fundmodel：错误：--draws 至少为 1（实际为 0）",
        ),
        (["new-instrument", "a/b"], "fundmodel：错误：名称 'a/b'：必须是简单的文件夹名"),
    ],
)
def test_a_command_refuses_its_arguments_in_chinese(argv, zh, capsys):
    assert main([*argv, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == zh
    assert not english_sentences(err, ["portfolios/scenarios/cap_50pct.yaml"])


def test_the_scenario_library_speaks_chinese_with_china_standard_time(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "测试员")
    db = ["--db", str(tmp_path / "lib.sqlite"), "--lang", "zh"]
    assert main(["scenarios", "save", "portfolios/scenarios/cap_50pct.yaml", "--name", "上限", *db]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("已保存 '上限' 第 1 版（测试员，") and " CST (" in out
    assert main(["scenarios", "delete", "上限", *db]) == 0
    out = capsys.readouterr().out.strip()
    assert out == "已删除 '上限'（第 2 版；历史版本保留，可用命令 fundmodel scenarios restore 恢复）"
    assert not english_sentences(out, ["fundmodel scenarios restore"])


# ------------------------------------------------- argparse's own errors and every output

EXAMPLES = "portfolios/first_batch_examples.csv"


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["metrics"], "fundmodel：错误：metrics：缺少必需的参数：--portfolio（选项说明：fundmodel metrics --help）"),
        (
            ["run", "--format", "xx"],
            "fundmodel：错误：run：参数 --format：无效的选项值：'xx'（可选：'table', 'json'）"
            "（选项说明：fundmodel run --help）",
        ),
        (
            ["select", "--portfolio", EXAMPLES, "--limit", "x"],
            "fundmodel：错误：select：参数 --limit：无效的整数值：'x'（选项说明：fundmodel select --help）",
        ),
        (["run", "--bogus"], "fundmodel：错误：无法识别的参数：--bogus（选项说明：fundmodel --help）"),
        (["run", "--lang=zh", "--draws"], "fundmodel：错误：无法识别的参数：--draws（选项说明：fundmodel --help）"),
        (["scenarios", "frob"], None),
        ([], None),
    ],
)
def test_argparse_refuses_a_command_line_in_chinese(argv, zh, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--lang", "zh"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel：错误：") and "\n" not in err
    if zh is not None:
        assert err == zh
    names = {*_commands(), *(c.split()[0] for c in _commands())}
    commands = [*names, "fundmodel --help", *(f"fundmodel {c} --help" for c in names)]
    assert not english_sentences(err, commands), err
    if "--lang=zh" not in argv:
        with pytest.raises(SystemExit):  # English without --lang zh, argparse's own words
            main(argv)
        assert "the options: fundmodel" in capsys.readouterr().err


def test_an_argparse_sentence_of_another_python_keeps_its_text_inside_a_chinese_line():
    from fundmodel.cli import usage_message

    said = usage_message("some new argparse sentence").render("zh")
    assert said == "命令行无法识别：some new argparse sentence"


def test_ctrl_c_is_said_in_the_chosen_language(monkeypatch, capsys):
    import fundmodel.cli as cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert main(["run", "--lang", "zh"]) == 130
    assert capsys.readouterr().err.strip() == "fundmodel：已中断"
    assert main(["run"]) == 130
    assert capsys.readouterr().err.strip() == "fundmodel: interrupted"


def test_ctrl_c_while_numpy_loads_is_said_in_chinese(tmp_path):
    from _hostile import finish, start_fundmodel

    from tests.test_hostile_inputs import KILL_SECONDS, LOADING, _maps, _signal_when

    start = time.perf_counter()
    proc = start_fundmodel("run", "--lang", "zh", cwd=tmp_path)
    sent = _signal_when(proc, lambda: LOADING["numpy"] in _maps(proc.pid), signal.SIGINT)
    outcome = finish(proc, start, KILL_SECONDS)
    assert sent, "the command ended before numpy was seen loading"
    assert outcome.code == 130, outcome.stderr[-2000:]
    assert outcome.one_line_error == "fundmodel：已中断"


def _cash_flow_portfolio(folder: Path) -> Path:
    from tests.test_cashflow import COLUMNS, PROJECTS

    path = folder / "cf.csv"
    pd.DataFrame(PROJECTS, columns=COLUMNS).to_csv(path, index=False)
    return path


def _chinese_output(argv: list[str], capsys, allowed: list[str]) -> str:
    assert main([*argv, "--lang", "zh", "--unit", "yi"]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert not english_sentences(text, allowed), english_sentences(text, allowed)
    return text


def test_metrics_in_chinese_with_npv_in_yi(tmp_path, capsys):
    path = _cash_flow_portfolio(tmp_path)
    out = _chinese_output(["metrics", "--portfolio", str(path)], capsys, [str(path)])
    lines = out.splitlines()
    assert lines[:3] == [
        "cf.csv：5 个项目中有 3 个有现金流数据",
        "  1 个项目：无现金流数据",
        "  1 个项目：现金流数据不完整：缺少年运营成本",
    ]
    assert lines[4].split()[:4] == ["项目编号", "项目内部收益率", "资本金内部收益率", "净现值"]
    rows = {line.split()[0]: line.split() for line in lines[6:]}
    # project A's NPV is 5.309095 bn (worked by hand in tests/test_cashflow.py), 53.09095 亿元
    assert rows["A"][1:4] == ["7.93%", "54.27%", "53.091"]
    assert rows["B"][-1] == "无内部收益率：现金流始终不变号"
    flows = _chinese_output(["metrics", "--portfolio", str(path), "--project", "A"], capsys, [str(path)])
    assert flows.split()[:2] == ["年份", "建设投资"]
    assert "-1,000.0000" in flows.splitlines()[2]  # 100 bn of investment in 2025 is 1,000 亿元
    assert main(["metrics", "--portfolio", str(path), "--project", "Z", "--lang", "zh"]) == 2
    assert capsys.readouterr().err.strip() == "fundmodel：错误：项目清单中没有项目“Z”"


def test_select_in_chinese(capsys):
    names = pd.read_csv(EXAMPLES)["project_name"].tolist()
    out = _chinese_output(["select", "--portfolio", EXAMPLES], capsys, [*names, "HiGHS", EXAMPLES])
    assert out.startswith("目标（总投资）：")
    assert "求解器：最优解（HiGHS 状态 7）" in out
    assert "起约束作用的条件：" in out and "入选项目（按目标值前" in out


def test_the_scenario_library_lists_and_shows_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "测试员")
    db = ["--db", str(tmp_path / "lib.sqlite")]
    assert _chinese_output(["scenarios", "list", *db], capsys, []).strip() == "（没有已保存的情景）"
    assert _chinese_output(["scenarios", "roles", *db], capsys, []).strip() == "（没有角色：本地单用户情景库）"
    _chinese_output(["scenarios", "save", "portfolios/scenarios/cap_50pct.yaml", "--name", "上限", *db], capsys, [])
    assert main(["scenarios", "show", "上限", *db, "--lang", "zh"]) == 0
    shown = capsys.readouterr().out  # its head line, then the stored text as the user wrote it
    assert not english_sentences(shown.splitlines()[0])
    assert shown.startswith("# 上限 第 1 版（保存），测试员 保存于 ") and " CST (" in shown.splitlines()[0]
    _chinese_output(["scenarios", "delete", "上限", *db], capsys, ["fundmodel scenarios restore"])
    listed = _chinese_output(["scenarios", "list", "--all", *db], capsys, [])
    assert "上限（已删除）" in listed and " CST (" in listed
    history = _chinese_output(["scenarios", "history", "上限", *db], capsys, [])
    assert "操作" in history and "保存" in history and "删除" in history
    # the library's refusals: a deleted scenario, one that is not there, a save on a stale version
    assert main(["scenarios", "show", "上限", *db, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel：错误：情景 '上限' 已由 测试员 于 ") and " CST (" in err
    assert err.endswith("（第 2 版）；请先恢复（fundmodel scenarios restore '上限'）")
    assert main(["scenarios", "show", "无此情景", *db, "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel：错误：情景库（sqlite:///") and err.endswith("）中没有名为 '无此情景' 的情景")
    save = ["scenarios", "save", "portfolios/scenarios/cap_50pct.yaml", "--name", "乙", *db, "--lang", "zh"]
    assert main(save) == 0 and main(save) == 3
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == (
        "fundmodel：错误：情景 '乙' 已存在（第 1 版）；请说明本次保存基于哪一版"
        "（若从该版开始修改，用 --base-version 1）。未写入任何内容"
    )


def test_simulations_and_a_new_instrument_in_chinese(tmp_path, capsys):
    out = _chinese_output(["project-montecarlo", "--portfolio", EXAMPLES, "--draws", "20"], capsys, ["P5"])
    assert out.startswith("项目级蒙特卡洛模拟：20 次 × 5 个项目")
    out = _chinese_output(["montecarlo", "portfolios/scenarios/uncertain_leverage.yaml", "--draws", "20"], capsys, [])
    assert out.startswith("蒙特卡洛模拟：")
    out = _chinese_output(["new-instrument", "copy", "--dir", str(tmp_path)], capsys, [str(tmp_path / "copy")])
    assert out.strip().endswith(f"修改其中的文件后，用 --instrument {tmp_path / 'copy'} 使用")
    bad = ["project-montecarlo", "--portfolio", EXAMPLES, "--investment-factor", "1,2", "--lang", "zh"]
    assert main(bad) == 2
    assert capsys.readouterr().err.strip().startswith("fundmodel：错误：--investment-factor：应为“低值,众数,高值”")
    assert main(["sensitivity", "--range", "x", "--lang", "zh"]) == 2
    assert "应为“名称=低值:高值”" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["run", "--scenario", "nofile.yaml"], "fundmodel：错误：nofile.yaml：无法读取文件（文件或文件夹不存在）"),
        (["run", "--scenario", "/"], "fundmodel：错误：/：这是一个文件夹；请指定文件"),
        (
            ["export", "--out", "/no/such/folder/b.xlsx"],
            "fundmodel：错误：/no/such/folder/b.xlsx：文件夹 '/no/such/folder' 不存在",
        ),
        (["export", "--out", "b.pdf"], "fundmodel：错误：b.pdf：该输出文件的格式为 .xlsx；请给出以 .xlsx 结尾的文件名"),
    ],
)
def test_a_missing_file_or_a_bad_output_is_refused_in_chinese(argv, zh, capsys):
    assert main([*argv, "--lang", "zh"]) == 2
    assert capsys.readouterr().err.strip() == zh


def test_an_operating_system_error_is_said_in_chinese():
    from fundmodel.messages import render_error

    assert render_error(PermissionError(13, "Permission denied", "b.xlsx"), "zh") == "b.xlsx：没有权限"
    assert render_error(OSError(28, "No space left on device"), "zh") == "磁盘空间不足"
    # an errno the table does not name keeps the system's words
    assert render_error(OSError(5, "Input/output error", "b.xlsx"), "zh") == "b.xlsx：Input/output error"


@pytest.mark.parametrize(
    ("content", "zh"),
    [
        (b"a: 1\na: 2\n", "坏.yaml：第 2 行：a：键重复（首次出现在第 1 行）"),
        (b"a: &x [1]\nb: *x\n", "坏.yaml：第 1 行：fundmodel 的 YAML 文件不允许使用锚点和别名（&x）"),
        (b"\xff\xfe", "坏.yaml：不是 UTF-8 文本（第 0 字节：invalid start byte）"),
        (b"d: 2025-13-45\n", None),
        (b"a: [1, 2\n", None),
    ],
)
def test_a_bad_yaml_file_is_refused_in_chinese(content, zh):
    from fundmodel.inputs.yaml_loader import YamlError, loads
    from fundmodel.messages import render_error

    with pytest.raises(YamlError) as err:
        loads(content, "坏.yaml")
    said = render_error(err.value, "zh")
    if zh is not None:
        assert said == zh
    # libyaml's and the date parser's own words are kept, quoted, after a Chinese sentence
    detail = said.rsplit("（", 1)[-1]
    assert not english_sentences(said, [detail]), said
    assert said.startswith("坏.yaml：")


def test_the_dashboard_refuses_a_scenario_upload_in_chinese():
    from streamlit.testing.v1 import AppTest

    from tests.test_dashboard_app import APP

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.radio(key="lang").set_value("zh").run()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    at.file_uploader(key="scenario_upload").set_value(("坏情景.yaml", b"a: 1\na: 2\n", "application/x-yaml")).run()
    assert not at.exception, at.exception
    shown = [e.value for e in at.error]
    assert "坏情景.yaml：第 2 行：a：键重复（首次出现在第 1 行）" in shown, shown


@pytest.mark.parametrize(
    ("body", "zh"),
    [
        (
            "overrides:\n  fields:\n    digital_economy:\n      capital_ratio: -1\n",
            "bad.yaml：fields.digital_economy.capital_ratio.value：应大于或等于 0.001（实际为 -1）",
        ),
        ("bogus: 1\n", "bad.yaml：bogus：未知的键"),
        ("overrides:\n  fields:\n    nosuch:\n      capital_ratio: 0.2\n", "bad.yaml：fields.nosuch：未知的键"),
        ("overrides: [1]\n", "bad.yaml：overrides：应为映射"),
        ("overrides:\n  fields:\n    digital_economy:\n      key_area: maybe\n", None),
    ],
)
def test_a_scenario_file_that_breaks_a_rule_is_refused_in_chinese(tmp_path, capsys, body, zh):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario:\n  name: 坏\n" + body, encoding="utf-8")
    assert main(["run", "--scenario", str(path), "--lang", "zh"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel：错误：bad.yaml：")
    if zh is not None:
        assert err == f"fundmodel：错误：{zh}"
    assert not english_sentences(err, ["fields.digital_economy.key_area.value"]), err
