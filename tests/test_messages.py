"""The message table: both languages carry the same parameters, and rendering honours the unit."""

import string

from fundmodel.messages import Message, format_money, render, templates


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_parameters():
    for message_id, text in templates().items():
        assert text["en"].strip() and text["zh"].strip(), message_id
        assert _fields(text["en"]) == _fields(text["zh"]), message_id


def test_money_in_the_chosen_unit_by_hand():
    # 495 bn = 4,950 亿元; -5 bn = -50 亿元
    message = Message("demo_allocation_total", {"total": 495.0, "size": 500.0, "diff": -5.0})
    assert render(message, "zh", "yi") == "分配合计 4,950 亿元，工具规模 5,000 亿元（差额 -50 亿元）。"
    assert str(message).startswith("Allocation sums to 495.0 bn RMB")


def test_a_small_amount_is_never_shown_as_zero():
    # a 2,076 万元 fund is 0.2076 亿元: 亿元 shows no decimals, so two significant digits are kept
    assert format_money(0.02076, "yi", "zh") == "0.21 亿元"
    assert format_money(0.02076, "wan", "zh") == "2,076 万元"
    assert format_money(0.0, "yi", "zh") == "0 亿元"


def test_a_portfolio_in_yi_is_told_its_amounts_in_yi_and_no_command_line_option_on_the_web(tmp_path):
    from fundmodel.inputs.portfolio import read_portfolio, rendered_issues

    # capital 3 亿元 against a ratio 0.2 x 总投资 100 亿元 = 20 亿元: inconsistent; no unit on 申请金额
    path = tmp_path / "yi.csv"
    path.write_text(
        "project_id,field,bank,province,private,sector,总投资(亿元),资本金比例,项目资本金(亿元),申请金额,"
        "start_year,construction_years\n"
        "P1,transport_logistics,cdb,jiangsu,no,railways_highways,100,0.2,3,1,2025,3\n",
        encoding="utf-8",
    )
    portfolio = read_portfolio(path)
    issues = rendered_issues(portfolio.issues, "zh", "yi", "web").set_index("rule")["message"]
    assert issues["inconsistent_capital"] == "项目资本金 3 亿元 与资本金比例 0.2 × 总投资 100 亿元 = 20 亿元 不一致"
    assert issues["unit_undeclared"] == (
        "未注明金额单位：请在表头中注明，例如“总投资(亿元)”，或在上方选择“未注明单位的金额列的单位”"
    )
    # the command line keeps its English text, in bn, and the option it can use
    english = portfolio.issues.set_index("rule")["message"]
    assert english["inconsistent_capital"].startswith("project capital 0.3 bn RMB differs")
    assert english["unit_undeclared"].endswith("or pass --input-unit")


def test_the_comparison_explains_itself_in_the_readers_terms():
    from fundmodel.analysis.compare import compare_scenarios
    from fundmodel.inputs.bundled import SCENARIO_DIR
    from fundmodel.inputs.scenario import load_scenario

    base, cap = (load_scenario(SCENARIO_DIR / f) for f in ("baseline.yaml", "cap_50pct.yaml"))
    [attribution] = compare_scenarios([base, cap]).attributions
    d = attribution.total_difference_bn
    lines = attribution.explanation("zh", "yi")
    # the difference in 亿元 (x10 of bn), with a sign
    net = attribution.net_difference_bn
    assert lines[0] == f"{cap.name}对比{base.name}：总投资 {10 * d:,.0f} 亿元，净新增投资 {10 * net:,.0f} 亿元。"
    assert lines[2].startswith("按银行：国家开发银行 ")
    assert "重点领域资本金占比上限：0.8 → 0.5" in lines[-1] and "数字经济 · 占项目资本金比例：0.4 → 0.5" in lines[-1]
    assert not any(word in " ".join(lines) for word in ("cdb", "field_fund_share", "digital_economy", "bn"))


def _rows() -> list[list[str]]:
    import csv
    import io
    from importlib import resources

    text = resources.files("fundmodel.inputs.data").joinpath("messages.csv").read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def test_every_message_id_is_given_once():
    ids = [row[0] for row in _rows()[1:]]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_row_is_id_english_chinese():
    # an unquoted comma in a template ({n:,}) would split it into more cells, losing the rest
    assert _rows()[0] == ["id", "en", "zh"]
    assert [row for row in _rows() if len(row) != 3] == []
