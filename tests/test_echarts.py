"""The dashboard's ECharts options show what the charts declare (the data functions of
fundmodel.outputs.charts and province_map), in the chosen language and unit, as plain JSON."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from fundmodel.inputs.scenario import baseline
from fundmodel.outputs import charts, echarts
from fundmodel.session import Session


@pytest.fixture(scope="module")
def result():
    return Session(baseline()).result(name="baseline")


def test_the_sankey_links_add_up_to_the_fund_and_to_total_investment_in_yi(result):
    option = echarts.sankey_chart(result, "zh", "yi").option
    series = option["series"][0]
    names = [n["name"] for n in series["data"]]
    assert len(names) == len(set(names))  # ECharts links nodes by name
    fund, stack = names[0], names[-3:]
    links = series["links"]
    out_of_fund = sum(link["value"] for link in links if link["source"] == fund)
    into_stack = sum(link["value"] for link in links if link["target"] in stack)
    # 亿元: ten per bn
    assert out_of_fund == pytest.approx(10 * result.totals["fund_bn"])
    assert into_stack == pytest.approx(10 * result.total_investment_bn)
    assert option["tooltip"]["valueFormatter"] == "%,.0f 亿元"
    json.dumps(option)  # plain JSON, no callback


def test_the_effects_bars_are_the_level_and_growth_effects_by_year_with_the_target(result):
    option = echarts.effects_chart(result, "en", "bn").option
    level, growth = option["series"]
    assert [d["value"] for d in level["data"]] == pytest.approx(list(result.by_year["level_effect_pct"]))
    assert [d["value"] for d in growth["data"]] == pytest.approx(list(result.by_year["growth_effect_pp"]))
    assert option["xAxis"]["data"] == [str(y) for y in result.by_year.index]
    first = float(result.by_year["growth_effect_pp"].iloc[0])
    assert growth["data"][0]["label"]["formatter"] == f"{first:+.2f} pp"
    target = float(result.parameters.instrument.target_uplift_pp.value)
    assert level["markLine"]["data"] == [{"yAxis": target}]
    zh = echarts.effects_chart(result, "zh", "yi").option
    assert zh["series"][1]["data"][0]["label"]["formatter"] == f"{first:+.2f} 个百分点"


def test_the_capital_stack_adds_up_to_total_investment_per_field_with_its_multiplier(result):
    option = echarts.capital_stack_chart(result, "en", "bn").option
    by_field = result.by_field.sort_values("total_investment_bn")
    stacked = np.sum(
        [[float(d if not isinstance(d, dict) else d["value"]) for d in s["data"]] for s in option["series"]], 0
    )
    np.testing.assert_allclose(stacked, by_field["total_investment_bn"].to_numpy())
    labels = [d["label"]["formatter"] for d in option["series"][-1]["data"]]
    assert labels == [f"{m:.1f}x" for m in by_field["multiplier"]]
    # the same numbers as the Plotly figure of the briefing (one declaration, two drawings)
    figure = charts.capital_stack_figure(result, "en", "bn")
    np.testing.assert_allclose(figure.data[0].x, option["series"][0]["data"])


def _values(series: dict) -> list[float]:
    return [d["value"] if isinstance(d, dict) else d for d in series["data"]]


def test_the_fiscal_chart_draws_cost_and_return_with_the_total_and_tells_the_buy_backs():
    # two years of a 500 bn fund: funding 2%, return 1.5%, a 1 bn default loss in year two,
    # the whole fund bought back in year two
    by_year = pd.DataFrame(
        {
            "funding_cost_bn": [10.0, 10.0],
            "fund_return_bn": [7.5, 7.5],
            "buyback_bn": [0.0, 500.0],
            "total_cost_bn": [2.5, 3.5],  # 10 - 7.5 (+ 1 of losses)
        },
        index=[2025, 2026],
    )
    option = echarts.fiscal_chart(SimpleNamespace(fiscal={"by_year": by_year}), "zh", "yi").option
    cost, earned, total, buybacks = option["series"]
    assert (cost["type"], total["type"]) == ("bar", "line")
    assert (cost["name"], earned["name"], total["name"], buybacks["name"]) == (
        "资金筹措成本",
        "工具收益",
        "财政成本合计",
        "回购退出",
    )
    assert _values(cost) == [100.0, 100.0] and _values(earned) == [75.0, 75.0]  # 亿元: ten per bn
    assert _values(total) == [25.0, 35.0]
    # the buy-backs are in the tooltip, on a hidden axis of their own, drawn nowhere
    assert _values(buybacks) == [0.0, 5000.0] and buybacks["yAxisIndex"] == 1
    assert buybacks["lineStyle"]["opacity"] == 0 and option["yAxis"][1]["show"] is False
    assert buybacks["name"] not in option["legend"]["data"]
    assert option["xAxis"]["data"] == ["2025", "2026"] and option["xAxis"]["name"] == "年份"
    assert option["yAxis"][0]["name"] == "亿元"
    assert option["tooltip"]["valueFormatter"] == "%,.1f"  # a year's cost: one decimal more
    assert option["title"]["text"] == "财政及准财政成本"
    json.dumps(option)


def test_the_comparison_chart_groups_gross_and_net_investment_by_run_with_the_target(result):
    option = echarts.comparison_chart([result, result], "zh", "yi").option
    gross, net = option["series"]
    assert (gross["name"], net["name"]) == ("总投资", "净新增投资")
    assert _values(gross) == pytest.approx([10 * result.total_investment_bn] * 2)  # 亿元
    assert _values(net) == pytest.approx([10 * result.net_investment_bn] * 2)
    assert gross["data"][0]["label"]["formatter"] == f"{10 * result.total_investment_bn:,.0f}"
    target = 10 * result.totals["target_total_investment_bn"]
    assert gross["markLine"]["data"] == [{"yAxis": pytest.approx(target)}]
    assert gross["markLine"]["lineStyle"]["type"] == "dashed"
    assert gross["markLine"]["label"]["formatter"] == f"目标 {target:,.0f}"
    assert option["yAxis"]["name"] == "总投资（亿元）" and option["tooltip"]["valueFormatter"] == "%,.0f"
    # the same numbers as the briefing's Plotly figure (one declaration, two drawings)
    figure = charts.comparison_figure([result, result], "zh", "yi")
    np.testing.assert_allclose(figure.data[0].y, _values(gross))
    json.dumps(option)


def test_the_tornado_bars_run_from_the_base_to_the_low_and_high_outputs_widest_on_top():
    table = pd.DataFrame(
        {"parameter": ["capital_ratio", "additionality"], "low_bn": [5000.0, 5900.0], "high_bn": [7500.0, 6100.0]}
    )
    option = echarts.tornado_chart(charts.sensitivity_swings(table, 6000.0, "en", "bn")).option
    assert option["yAxis"]["data"] == ["Additionality", "Capital ratio"]  # the last category is drawn on top
    low_gap, low, high_gap, high = option["series"]
    # each bar: a transparent bar to its nearer end, the visible bar from there to the farther end
    assert low_gap["data"] == [5900.0, 5000.0] and _values(low) == [100.0, 1000.0]
    assert high_gap["data"] == [6000.0, 6000.0] and _values(high) == [100.0, 1500.0]
    assert low_gap["itemStyle"]["color"] == "transparent" and low_gap["tooltip"] == {"show": False}
    assert low_gap["stack"] == low["stack"] != high["stack"] == high_gap["stack"]
    assert high["barGap"] == "-100%"  # low and high of one assumption on one row
    assert [d["label"]["formatter"] for d in low["data"]] == ["-100.0", "-1,000.0"]
    assert [d["label"]["position"] for d in low["data"]] == ["left", "left"]
    assert high["data"][1]["tooltip"]["formatter"] == "Capital ratio<br/>High value: 7,500.0 (+1,500.0)"
    assert low["markLine"]["data"] == [{"xAxis": 6000.0}] and low["markLine"]["label"]["formatter"] == "Current 6,000.0"
    assert option["xAxis"]["min"] <= 5000.0 and option["xAxis"]["max"] >= 7500.0
    assert option["legend"]["data"] == ["Low value", "High value"]
    json.dumps(option)


def test_the_distribution_is_sixty_bars_of_counted_draws_with_percentiles_and_target():
    # 0 and 60 set the range: bins one wide, centres 0.5 .. 59.5; three draws in [10, 11)
    hist = charts.draws_histogram(np.array([0.0, 10.2, 10.2, 10.2, 60.0]), 10.0, "zh", "yi")
    option = echarts.distribution_chart(hist).option
    (bars,) = option["series"]
    points = _values(bars)
    assert len(points) == 60 and points[0][0] == pytest.approx(5.0)  # 亿元: the bin [0, 10) of 0 .. 600
    counts = [n for _, n in points]
    assert counts[0] == 1 and counts[10] == 3 and counts[59] == 1 and sum(counts) == 5
    assert bars["data"][10]["tooltip"]["formatter"] == "100 – 110：3"
    lines = bars["markLine"]["data"]
    assert [line["label"]["formatter"] for line in lines] == ["P5 20", "P50 102", "P95 500", "目标 100"]
    assert [line["xAxis"] for line in lines] == pytest.approx([20.4, 102.0, 500.4, 100.0])
    assert lines[3]["lineStyle"]["type"] == "dashed"
    assert option["title"]["text"] == "蒙特卡洛模拟：总投资 · P(≥ 目标) = 80%"
    assert option["xAxis"]["name"] == "总投资（亿元）" and option["yAxis"]["name"] == "模拟次数"
    json.dumps(option)


def test_the_breakdown_bars_stack_fund_other_capital_and_debt_by_group_largest_first():
    table = pd.DataFrame(
        {"fund_bn": [1.0, 3.0], "other_capital_bn": [1.0, 1.0], "debt_bn": [2.0, 6.0]},
        index=["digital_economy", "green_low_carbon"],
    )
    table["total_investment_bn"] = table.sum(axis=1)  # 4 and 10
    option = echarts.breakdown_chart(charts.capital_by_group(table, "zh", "yi", "by_field")).option
    assert option["xAxis"]["data"] == ["绿色低碳", "数字经济"]
    fund, other, debt = option["series"]
    assert (fund["name"], other["name"], debt["name"]) == ("政策性金融工具", "其他资本金", "债务融资")
    assert {s["stack"] for s in option["series"]} == {"capital"}
    assert _values(fund) == [30.0, 10.0] and _values(other) == [10.0, 10.0] and _values(debt) == [60.0, 20.0]
    assert option["yAxis"]["name"] == "总投资（亿元）" and option["tooltip"]["valueFormatter"] == "%,.0f"
    # two short names stand level; many or long ones turn, and an overlapping one is left out
    assert option["xAxis"]["axisLabel"]["rotate"] == 0 and option["xAxis"]["axisLabel"]["hideOverlap"]
    assert option["grid"]["containLabel"]
    many = pd.DataFrame(
        {"fund_bn": np.arange(1.0, 9.0), "total_investment_bn": np.arange(1.0, 9.0)},
        index=[f"p{i}" for i in range(8)],
    )
    turned = echarts.breakdown_chart(charts.capital_by_group(many, names={f"p{i}": f"省{i}" for i in range(8)}))
    assert turned.option["xAxis"]["axisLabel"]["rotate"] == 40
    long = echarts.breakdown_chart(charts.capital_by_group(many, names={f"p{i}": "x" * 40 for i in range(8)}))
    # 40 letters (264 px) are cut to 140 px, which turned 40° reach 0.77 x 140 = 108 px left: 68 px more room
    assert long.option["xAxis"]["axisLabel"]["width"] == 140 and long.option["grid"]["left"] == 68
    assert [s["name"] for s in turned.option["series"]] == ["Fund"]  # only the columns the table has
    json.dumps(option)


def test_the_province_map_is_31_labelled_tiles_on_a_square_grid_coloured_by_the_amount():
    from fundmodel.outputs.province_map import province_tile_map, province_tiles

    table = pd.DataFrame(
        {"fund_bn": [3.0, 1.0], "total_investment_bn": [40.0, 10.0], "n_projects": [2, 1]}, index=["jiangsu", "tibet"]
    )
    chart = echarts.province_map_chart(province_tile_map(table, "total_investment_bn", "zh", "yi"))
    option = chart.option
    (tiles,) = option["series"]
    assert tiles["type"] == "heatmap" and len(tiles["data"]) == 31
    grid = province_tiles()
    by_place = {tuple(d["value"][:2]): d for d in tiles["data"]}
    jiangsu = by_place[int(grid.loc["jiangsu", "col"]), int(grid.loc["jiangsu", "row"])]  # [x = col, y = row]
    assert jiangsu["value"][2] == 400.0  # 40 bn = 400 亿元
    assert jiangsu["label"]["formatter"] == "江苏\n400" and jiangsu["label"]["color"] == "#ffffff"  # the darkest
    assert jiangsu["tooltip"]["formatter"] == "江苏<br/>总投资：400 亿元<br/>项目数：2"
    tibet = by_place[int(grid.loc["tibet", "col"]), int(grid.loc["tibet", "row"])]
    assert tibet["value"][2] == 100.0 and tibet["label"]["color"] == "#1f1f1f"  # 100 of 400: the lighter half
    assert sum(d["value"][2] for d in tiles["data"]) == 500.0
    # square: 8 x 8 tiles of equal side, whatever the column's width; north at the top
    assert option["grid"]["width"] == option["grid"]["height"] == 8 * echarts.TILE_PX
    assert option["yAxis"]["inverse"] is True
    assert jiangsu["label"]["width"] < echarts.TILE_PX and jiangsu["label"]["overflow"] == "truncate"  # no spill
    scale = option["visualMap"]
    assert (scale["min"], scale["max"], scale["dimension"]) == (0, 400.0, 2)
    assert scale["inRange"]["color"][0] == "#f7fbff" and scale["text"] == ["400", "0"]
    assert option["title"]["text"] == "各省份分布 · 总投资（亿元）"
    json.dumps(option)
