"""Every command of the command line speaks the chosen language and money unit: the
``--lang`` and ``--unit`` options on every command, its messages (errors included) in
Chinese with 亿元, and amounts typed in that unit."""

from __future__ import annotations

import argparse

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
