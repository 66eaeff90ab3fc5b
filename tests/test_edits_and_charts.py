"""Planner edits as overrides, the KPI headline and the charts' data and figures (pure functions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundmodel.core.kpis import headline
from fundmodel.edits import (
    assumption_table,
    freeze,
    leverage_overrides,
    proportional_allocation,
    run_edited,
    thaw,
)
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import ParameterError, default_parameters
from fundmodel.inputs.scenario import load_scenario
from fundmodel.outputs import charts
from fundmodel_dashboard.editing import apply_cell_edits

P = default_parameters()


@pytest.fixture(scope="module")
def base():
    return run_edited(P)


# ------------------------------------------------------------------ edits


def test_overrides_hold_only_what_differs():
    assert leverage_overrides(P, {"digital_economy": {"capital_ratio": 0.2}}) == {}
    assert leverage_overrides(P, {"digital_economy": {"capital_ratio": 0.25}}, {"cdb": 1.0, "exim": 0.9}) == {
        "fields": {"digital_economy": {"capital_ratio": 0.25}},
        "banks": {"exim": {"fund_share_scale": 0.9}},
    }


def test_overrides_name_unknown_ids():
    with pytest.raises(ValueError, match="unknown field 'nope'"):
        leverage_overrides(P, {"nope": {"capital_ratio": 0.3}})
    with pytest.raises(ValueError, match="unknown assumption 'start_year'"):
        leverage_overrides(P, {"digital_economy": {"start_year": 2026}})
    with pytest.raises(ValueError, match="unknown bank 'pboc'"):
        leverage_overrides(P, bank_scale={"pboc": 1.0})


def test_out_of_range_edit_is_an_error_not_clipped():
    with pytest.raises(ParameterError, match="dashboard"):
        run_edited(P, {"fields": {"digital_economy": {"capital_ratio": 1.5}}})


def test_assumption_table_carries_bounds():
    table = assumption_table(P)
    row = table.loc["digital_economy"]
    assert (row["fund_share_of_capital"], row["fund_share_cap"]) == (0.4, 0.5)
    assert (row["capital_ratio"], row["capital_ratio_minimum"]) == (0.2, 0.2)
    # transport is shortfall-filling: 20% less 5 pp
    assert table.loc["transport_logistics", "capital_ratio_minimum"] == pytest.approx(0.15)
    # consumption infrastructure is a key area: 80% cap
    assert table.loc["consumption_infrastructure", "fund_share_cap"] == 0.8


def test_freeze_is_hashable_and_order_free_and_thaws_back():
    a = {"fields": {"b": {"x": 1.0}, "a": {"y": 2.0}}, "banks": {"cdb": {"s": 0.9}}}
    b = {"banks": {"cdb": {"s": 0.9}}, "fields": {"a": {"y": 2.0}, "b": {"x": 1.0}}}
    assert freeze(a) == freeze(b)
    assert hash(freeze(a)) == hash(freeze(b))
    assert thaw(freeze(a)) == a
    assert thaw(freeze({})) == {}
    assert freeze(np.array([[1.0, 2.0], [3.0, 4.0]])) == ((1.0, 2.0), (3.0, 4.0))


def test_edited_run_by_hand(base):
    # digital economy s 0.40 -> 0.50: 45 bn at 1/(0.5 x 0.2) = 10x = 450 instead of 562.5
    edited = run_edited(P, {"fields": {"digital_economy": {"fund_share_of_capital": 0.5}}})
    assert edited.total_investment_bn == pytest.approx(base.total_investment_bn - 112.5)
    assert edited.parameters.overridden["fields.digital_economy.fund_share_of_capital"] == "dashboard"


def test_edited_allocation_is_checked_not_corrected():
    matrix = np.array(P.allocation_matrix, dtype=float)
    matrix[5, 2] = -5.0  # agriculture x EXIM
    result = run_edited(P, allocation_bn=matrix)
    codes = sorted(c.code for c in result.errors)
    # private share stays above 20%: (101.8 - 0.1 x 5) / 495 = 20.5%
    assert codes == ["allocation_total", "bank_quota", "negative_cell"]
    assert result.by_cell.loc[("agriculture_rural", "exim"), "fund_bn"] == -5.0


def test_proportional_allocation_by_hand():
    matrix = np.array(P.allocation_matrix, dtype=float)
    matrix[:, 2] = 0.0
    matrix[0, 2], matrix[1, 2] = 30.0, 10.0  # EXIM column [30, 10, 0...]: 40 bn, quota 100
    matrix[:, 0] *= 2  # CDB column doubled: 500 bn, quota 250
    matrix[0, 1] = -1.0  # ADBC column has a negative cell: falls back to the parameters' mix
    proposal = proportional_allocation(P, matrix)
    assert proposal[0, 2] == pytest.approx(75.0)  # 30 x 100 / 40
    assert proposal[1, 2] == pytest.approx(25.0)  # 10 x 100 / 40
    np.testing.assert_allclose(proposal[:, 0], np.array(P.allocation_matrix)[:, 0])  # halved back
    np.testing.assert_allclose(proposal[:, 1], np.array(P.allocation_matrix)[:, 1])
    np.testing.assert_allclose(proposal.sum(axis=0), P.bank_quota)
    assert matrix[0, 1] == -1.0  # input untouched


def test_proportional_allocation_of_an_empty_column_uses_the_default_mix():
    proposal = proportional_allocation(P, np.zeros((8, 3)))
    np.testing.assert_allclose(proposal, P.allocation_matrix)


# ------------------------------------------------------------------ KPIs


def test_headline_of_the_baseline(base):
    h = headline(base)
    assert h.fund_bn == 500
    assert h.total_investment_bn == pytest.approx(base.totals["total_investment_bn"])
    assert h.gap_to_target_bn == pytest.approx(h.total_investment_bn - 6000)
    assert h.peak_year == 2027  # spending from 2025Q4 peaks in 2027
    assert h.peak_level_effect_pct == pytest.approx(base.by_year.loc[2027, "level_effect_pct"])
    assert h.peak_growth_effect_pp == pytest.approx(base.by_year["growth_effect_pp"].max())
    assert h.violations == 0
    # private share = sum_f p_f F_f / 500; by hand from the bundled allocation and fields.yaml
    fund = base.by_field["fund_bn"].to_numpy()
    assert h.private_share == pytest.approx(float(fund @ P.private_share) / 500)


def test_headline_prefers_the_ownership_breakdown(base):
    ownership = pd.DataFrame({"fund_bn": [120.0, 380.0]}, index=pd.Index(["private", "state"], name="ownership"))
    result = base.__class__(**{**base.__dict__, "breakdowns": {"ownership": ownership}})
    assert headline(result).private_share == pytest.approx(0.24)  # 120 / 500


# ----------------------------------------------------------------- charts


def _node_in(trace, node):
    return sum(v for t, v in zip(trace.link.target, trace.link.value, strict=True) if t == node)


def _node_out(trace, node):
    return sum(v for s, v in zip(trace.link.source, trace.link.value, strict=True) if s == node)


def test_sankey_conserves_money(base):
    fig = charts.sankey_figure(base, "en", "bn")
    trace = fig.data[0]
    labels = list(trace.node.label)
    assert _node_out(trace, 0) == pytest.approx(500)
    cdb = labels.index("China Development Bank")
    assert _node_in(trace, cdb) == pytest.approx(250) and _node_out(trace, cdb) == pytest.approx(250)
    debt = labels.index("Debt")
    fund = labels.index("Fund")
    other = labels.index("Other capital")
    right = _node_in(trace, debt) + _node_in(trace, fund) + _node_in(trace, other)
    assert right == pytest.approx(base.total_investment_bn)
    # digital economy: in 45 (30 CDB + 15 EXIM), out 562.5 = 45 + 67.5 + 450
    de = labels.index("Digital economy")
    assert _node_in(trace, de) == pytest.approx(45) and _node_out(trace, de) == pytest.approx(562.5)
    assert 0.0 not in trace.link.value  # empty cells draw no link


def test_sankey_in_yi_and_chinese(base):
    trace = charts.sankey_figure(base, "zh", "yi").data[0]
    assert trace.node.label[1] == "国家开发银行"
    assert _node_out(trace, 0) == pytest.approx(5000)  # 500 bn = 5,000 亿元
    assert "亿元" in trace.valuesuffix


def test_effects_figure_shows_both_series_and_negative_years(base):
    fig = charts.effects_figure(base, "en", "bn")
    level, growth = fig.data
    assert list(level.x) == [str(y) for y in base.by_year.index]
    np.testing.assert_allclose(level.y, base.by_year["level_effect_pct"])
    np.testing.assert_allclose(growth.y, base.by_year["growth_effect_pp"])
    np.testing.assert_allclose(level.customdata, base.by_year["investment_bn"])
    assert fig.layout.shapes[0].y0 == pytest.approx(P.instrument.target_uplift_pp.value)
    # the years when the projects finish drag growth down: the axis reaches below zero
    assert min(growth.y) < 0 and fig.layout.yaxis.range[0] < min(growth.y)


def test_capital_stack_bars_add_up_to_total_investment(base):
    fig = charts.capital_stack_figure(base, "en", "yi")
    fund, other, debt, text = fig.data
    i = list(fund.y).index("Digital economy")
    # 45 + 67.5 + 450 = 562.5 bn = 5,625 亿元
    assert (fund.x[i], other.x[i], debt.x[i]) == pytest.approx((450, 675, 4500))
    assert text.text[i].strip() == "12.5x"
    # largest total investment drawn last (on top)
    assert fund.y[-1] == "Transport and logistics"


def test_breakdown_orders_and_truncates():
    table = pd.DataFrame(
        {"fund_bn": [1.0, 3.0, 2.0], "other_capital_bn": [1.0, 1.0, 1.0], "debt_bn": [2.0, 6.0, 4.0]},
        index=["digital_economy", "green_low_carbon", "agriculture_rural"],
    )
    table["total_investment_bn"] = table.sum(axis=1)
    bars = charts.capital_by_group(table, top=2)
    assert bars.names == ["Green and low-carbon", "Agriculture and rural"]  # totals 10 and 7; 4 left out
    assert [list(s.values) for s in bars.series] == [[3.0, 2.0], [1.0, 1.0], [6.0, 4.0]]
    named = charts.capital_by_group(table, "zh", "yi", "by_province", names={"green_low_carbon": "绿色"})
    assert named.names[0] == "绿色" and named.title == "按省份" and list(named.series[2].values) == [60.0, 40.0, 20.0]


def test_comparison_figure(base):
    reported = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml").run()
    fig = charts.comparison_figure([base, reported])
    assert fig.data[0].y == pytest.approx((base.total_investment_bn, reported.total_investment_bn))
    assert fig.data[0].y[1] == pytest.approx(7080, rel=1e-3)  # the calibrated outturn, 7.08 tn
    assert fig.data[1].y[0] == pytest.approx(base.net_investment_bn)


def test_tornado_puts_the_widest_swing_on_top():
    table = pd.DataFrame(
        {"parameter": ["capital_ratio", "additionality"], "low_bn": [5000.0, 5900.0], "high_bn": [7500.0, 6100.0]}
    )
    tornado = charts.sensitivity_swings(table, base_bn=6000.0)
    assert tornado.names == ["Additionality", "Capital ratio"]  # widest (2,500) last = top
    assert list(tornado.low.values - tornado.base) == [-100.0, -1000.0]
    assert list(tornado.high.values - tornado.base) == [100.0, 1500.0]
    assert tornado.base == 6000.0 and tornado.base_text == "Current 6,000.0"
    # in 亿元 and Chinese: ten per bn
    zh = charts.sensitivity_swings(table, 6000.0, "zh", "yi")
    assert zh.names == ["额外性", "资本金比例"]
    assert zh.high.texts == ["+1,000", "+15,000"] and zh.x_title == "总投资（亿元）"
    assert zh.high.tooltips[1] == "资本金比例<br/>高值：75,000 (+15,000)"  # 7,500 bn = 75,000 亿元


def test_distribution_marks_percentiles_and_target():
    draws = np.arange(1, 101, dtype=float) * 100  # 100 .. 10,000
    hist = charts.draws_histogram(draws, target_bn=6000.0)
    # numpy linear percentiles of 100..10,000 step 100: P5 = 595, P50 = 5,050, P95 = 9,505
    assert [text for _, _, text in hist.percentiles] == ["P5 595.0", "P50 5,050.0", "P95 9,505.0"]
    assert hist.target_text == "Target 6,000.0"
    assert hist.title.endswith("= 41%")  # 6,000, 6,100 .. 10,000: 41 of 100 draws
    assert len(hist.counts) == 60 and hist.counts.sum() == 100


def test_distribution_counts_draws_in_sixty_equal_bins_by_hand():
    # 0 and 60 set the range: 60 bins one wide; three draws of 10.2 fall in [10, 11)
    hist = charts.draws_histogram(np.array([0.0, 10.2, 10.2, 10.2, 60.0]), target_bn=10.0, lang="zh", unit="bn")
    np.testing.assert_allclose(hist.edges, np.arange(61.0))
    assert hist.counts[0] == 1 and hist.counts[10] == 3 and hist.counts[59] == 1  # 60 in the last bin
    assert hist.counts.sum() == 5
    # P5 = 0 + 0.2 x 10.2 = 2.04; P50 = 10.2; P95 = 10.2 + 0.8 x (60 - 10.2) = 50.04
    np.testing.assert_allclose([v for _, v, _ in hist.percentiles], [2.04, 10.2, 50.04])
    assert hist.title == "蒙特卡洛模拟：总投资 · P(≥ 目标) = 80%"  # 4 of 5 draws at or above 10


# ------------------------------------------------------------ editor edits


def test_cell_edits_are_applied_in_the_unit_shown():
    m = np.array(P.allocation_matrix, dtype=float)
    banks = P.bank_ids
    out, empty = apply_cell_edits(m, {"edited_rows": {"0": {"cdb": 400, "row_total": 1}}}, banks, "yi")
    assert out[0, 0] == 40.0  # 400 亿元 = 40 bn
    assert empty == []
    again, _ = apply_cell_edits(out, {"edited_rows": {"0": {"cdb": 400}}}, banks, "yi")
    np.testing.assert_array_equal(again, out)  # idempotent
    kept, empty = apply_cell_edits(m, {"edited_rows": {2: {"exim": None}}}, banks, "bn")
    assert kept[2, 2] == m[2, 2] and empty == [(2, "exim")]
    negative, _ = apply_cell_edits(m, {"edited_rows": {2: {"exim": -3.0}}}, banks, "bn")
    assert negative[2, 2] == -3.0  # kept as typed; the model reports it


# ------------------------------------------------------ scenario files and views


def test_allocation_and_merged_overrides_load_back_as_a_scenario():
    import yaml

    from fundmodel.edits import allocation_overrides, merge_overrides
    from fundmodel.inputs.scenario import Scenario

    matrix = np.array(P.allocation_matrix, dtype=float)
    matrix[0, 0] = 40.0
    assert allocation_overrides(P, matrix) == {"allocation_bn": {"digital_economy": {"cdb": 40.0}}}
    assert allocation_overrides(P, P.allocation_matrix) == {}
    merged = merge_overrides(
        {"banks": {"cdb": {"fund_share_scale": 0.8}}},
        {"banks": {"exim": {"fund_share_scale": 0.9}}, **allocation_overrides(P, matrix)},
    )
    assert merged["banks"] == {"cdb": {"fund_share_scale": 0.8}, "exim": {"fund_share_scale": 0.9}}
    text = Scenario("edited", merged).to_yaml()
    scenario = Scenario.from_dict(yaml.safe_load(text), source="edited.yaml")
    result = scenario.run()
    # the saved file reproduces the edited run
    expected = run_edited(P.with_overrides({"banks": merged["banks"]}), allocation_bn=matrix)
    assert result.total_investment_bn == pytest.approx(expected.total_investment_bn)


def test_allocation_from_projects_sums_cells():
    from fundmodel.edits import allocation_from_projects

    projects = pd.DataFrame(
        {"field": ["digital_economy", "digital_economy", "municipal_parks"], "bank": ["cdb", "cdb", "exim"]}
    )
    projects["fund_bn"] = [2.0, 1.5, 4.0]
    matrix = allocation_from_projects(P, projects)
    assert matrix[0, 0] == 3.5 and matrix[7, 2] == 4.0 and matrix.sum() == 7.5
    with pytest.raises(ValueError, match="pboc"):
        allocation_from_projects(P, projects.assign(bank=["pboc", "cdb", "exim"]))


def test_views_filter_and_group_projects():
    from fundmodel.outputs.views import filter_projects, group_projects, province_label, subset_totals

    projects = pd.DataFrame(
        {
            "field": ["green_low_carbon", "green_low_carbon", "digital_economy"],
            "bank": ["cdb", "adbc", "cdb"],
            "province": ["sichuan", "sichuan", "beijing"],
            "private": [True, False, True],
            "fund_bn": [1.0, 2.0, 4.0],
            "total_investment_bn": [10.0, 30.0, 40.0],
        }
    )
    assert len(filter_projects(projects)) == 3
    assert list(filter_projects(projects, fields=["green_low_carbon"], private=True)["fund_bn"]) == [1.0]
    assert list(filter_projects(projects, banks=["cdb"], provinces=["beijing"])["fund_bn"]) == [4.0]
    grouped = group_projects(projects, "province")
    # sichuan: F = 1 + 2 = 3, I = 10 + 30 = 40 -> 13.33x, 2 projects; beijing 40 / 4 = 10x
    assert grouped.loc["sichuan", "fund_bn"] == 3.0 and grouped.loc["sichuan", "n_projects"] == 2
    assert grouped.loc["sichuan", "multiplier"] == pytest.approx(40 / 3)
    assert grouped.loc["beijing", "multiplier"] == 10.0
    totals = subset_totals(projects)
    assert totals["multiplier"] == pytest.approx(80 / 7) and totals["n_projects"] == 3
    assert province_label("sichuan", "zh") == "四川" and province_label("sichuan", "en") == "Sichuan"
    assert province_label("atlantis") == "atlantis"


def test_bound_edits_in_percent_and_an_emptied_cell_removes_the_bound():
    from fundmodel_dashboard.editing import apply_bound_edits

    fields = ["a", "b"]
    bounds = apply_bound_edits({}, {"edited_rows": {0: {"max": 30}, 1: {"min": 12.5}}}, fields)
    assert bounds == {"a": {"max": pytest.approx(0.3)}, "b": {"min": pytest.approx(0.125)}}  # 30% and 12.5%
    assert apply_bound_edits(bounds, {"edited_rows": {0: {"max": None}}}, fields) == {
        "b": {"min": pytest.approx(0.125)}
    }
    assert apply_bound_edits(bounds, None, fields) == bounds


def test_project_cell_edits_by_file_row_and_header():
    from fundmodel_dashboard.editing import project_cell_edits

    raw = pd.DataFrame({"总投资(亿元)": [1000.0, 100.0], "项目名称": ["Rail", "Water"]}, index=[2, 4])
    editor = {"edited_rows": {1: {"总投资(亿元)": 120.0, "项目名称": None, "not a column": 1}}}
    assert project_cell_edits(raw, editor) == {(4, "总投资(亿元)"): 120.0, (4, "项目名称"): ""}
    assert project_cell_edits(raw, None) == {}
