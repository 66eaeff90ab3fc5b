"""The dashboard's charts as Apache ECharts options (plain dicts, JSON as ``setOption`` takes it).

Drawn with Plotly, the first page showing a chart waits for the browser to evaluate Plotly's
4.5 MB script (about 1.2-2 s of the page's main thread on a 2-core machine, before the first
chart and, in Streamlit, before the KPI cards beside it are shown); ECharts takes a fraction
of that (``bench/dashboard_speed.py``), so no page of the dashboard draws with Plotly. What
each chart shows is declared once, as a small frozen dataclass built by a pure function of
:mod:`fundmodel.outputs.charts` (:func:`~fundmodel.outputs.charts.money_flows`,
:func:`~fundmodel.outputs.charts.effects_by_year`, :func:`~fundmodel.outputs.charts.capital_stack`,
:func:`~fundmodel.outputs.charts.fiscal_by_year`, :func:`~fundmodel.outputs.charts.capital_by_group`,
:func:`~fundmodel.outputs.charts.investment_comparison`,
:func:`~fundmodel.outputs.charts.sensitivity_swings`, :func:`~fundmodel.outputs.charts.draws_histogram`)
or of :mod:`fundmodel.outputs.province_map` (:func:`~fundmodel.outputs.province_map.province_tile_map`);
this module and the Plotly figures there (the briefing's) only draw it.

Options carry no JavaScript: labels are written out per item, and tooltips use the
``valueFormatter`` number format Streamlit accepts.

>>> from fundmodel.inputs.scenario import baseline
>>> from fundmodel.session import Session
>>> chart = sankey_chart(Session(baseline()).result(name="x"), "zh", "yi")
>>> chart.option["series"][0]["type"], chart.option["title"]["text"], chart.height_px
('sankey', '资金流向：工具 → 银行 → 领域 → 总投资', 520)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fundmodel.core.result import Result
from fundmodel.outputs.charts import (
    FONT_FAMILY,
    TARGET_COLOUR,
    BarSeries,
    Breakdown,
    Distribution,
    Tornado,
    capital_stack,
    effects_by_year,
    fiscal_by_year,
    investment_comparison,
    money_flows,
)
from fundmodel.outputs.province_map import TileMap

Option = dict[str, Any]


@dataclass(frozen=True)
class Chart:
    """An ECharts option and the height it is drawn at (pixels)."""

    option: Option
    height_px: int


def _frame(title: str) -> Option:
    """What every chart shares: its title top left, the legend under it, the font."""
    return {
        "title": {"text": title, "left": 0, "top": 0, "textStyle": {"fontSize": 16, "fontWeight": "normal"}},
        "legend": {"top": 30, "left": 0},
        "textStyle": {"fontFamily": FONT_FAMILY, "fontSize": 13},
        "animation": False,  # drawn at once: nothing moves after the page is shown
    }


def _number_format(decimals: int, suffix: str = "") -> str:
    """A printf-style number format with thousands separators (Streamlit's ``valueFormatter``)."""
    return f"%,.{decimals}f{suffix}"


def _bars_tooltip(decimals: int) -> Option:
    """The tooltip of bars by category: every series' amount at the hovered category."""
    return {"trigger": "axis", "axisPointer": {"type": "shadow"}, "valueFormatter": _number_format(decimals)}


def _capital_stack_series(series: list[BarSeries]) -> list[Option]:
    """Fund, other capital and debt as one stack of bars per category."""
    return [
        {
            "type": "bar",
            "stack": "capital",
            "name": bars.name,
            "itemStyle": {"color": bars.colour},
            "data": [float(v) for v in bars.values],
        }
        for bars in series
    ]


def sankey_chart(result: Result, lang: str = "en", unit: str = "bn") -> Chart:
    """The money flow (:func:`~fundmodel.outputs.charts.money_flows`) as an ECharts sankey:
    one node per name, links by node name, link widths in ``unit``."""
    flows = money_flows(result, lang, unit)
    nodes = [
        {"name": name, "itemStyle": {"color": colour}}
        for name, colour in zip(flows.nodes, flows.node_colours, strict=True)
    ]
    links = [
        {"source": flows.nodes[a], "target": flows.nodes[b], "value": value, "lineStyle": {"color": colour}}
        for a, b, value, colour in zip(flows.source, flows.target, flows.value, flows.link_colours, strict=True)
    ]
    option = _frame(flows.title)
    option.pop("legend")
    option["tooltip"] = {"trigger": "item", "valueFormatter": _number_format(flows.decimals, f" {flows.unit_word}")}
    option["series"] = [
        {
            "type": "sankey",
            "top": 50,
            "bottom": 10,
            "left": 10,
            "right": 150,
            "nodeGap": 14,
            "layoutIterations": 6,  # a few relaxation passes place the nodes as well as the default 32 here
            "nodeWidth": 16,
            "emphasis": {"focus": "adjacency"},
            "lineStyle": {"curveness": 0.5, "opacity": 1.0},
            "label": {"fontSize": 12},
            "data": nodes,
            "links": links,
        }
    ]
    return Chart(option, 520)


def effects_chart(result: Result, lang: str = "en", unit: str = "bn") -> Chart:
    """The level and growth effects by year (:func:`~fundmodel.outputs.charts.effects_by_year`)
    as grouped bars, each bar labelled with its value and unit word, the target dashed."""
    effects = effects_by_year(result, lang, unit)
    option = _frame(effects.title)
    option["grid"] = {"top": 100, "left": 50, "right": 20, "bottom": 50}
    option["tooltip"] = {"trigger": "axis", "valueFormatter": "%.2f"}
    option["xAxis"] = {
        "type": "category",
        "data": effects.years,
        "name": effects.x_title,
        "nameLocation": "middle",
        "nameGap": 28,
    }
    low, high = effects.y_range
    # whole numbers at the ends of the axis, with the target and every bar inside
    bottom, top = math.floor(low), math.ceil(high)
    option["yAxis"] = {"type": "value", "name": effects.y_title, "min": bottom, "max": top}
    if top - bottom <= 12:  # a tick per percent (point) where they fit
        option["yAxis"]["interval"] = 1
    option["series"] = []
    for bars in effects.series:
        data = [
            {
                "value": float(v),
                "label": {"show": True, "position": "top" if v >= 0 else "bottom", "formatter": text, "fontSize": 10},
            }
            for v, text in zip(bars.values, bars.texts, strict=True)
        ]
        option["series"].append({"type": "bar", "name": bars.name, "itemStyle": {"color": bars.colour}, "data": data})
    option["series"][0]["markLine"] = _dashed_line(
        "yAxis", effects.target, effects.target_text, position="insideStartTop"
    )
    return Chart(option, 420)


def capital_stack_chart(result: Result, lang: str = "en", unit: str = "bn", by: str = "field") -> Chart:
    """The capital stack (:func:`~fundmodel.outputs.charts.capital_stack`) as horizontal
    stacked bars, largest total investment on top, the gross multiplier at the end of each bar."""
    stack = capital_stack(result, lang, unit, by)
    option = _frame(stack.title)
    option["grid"] = {"top": 70, "left": 10, "right": 60, "bottom": 50, "containLabel": True}
    option["tooltip"] = _bars_tooltip(stack.decimals)
    option["yAxis"] = {"type": "category", "data": stack.names}
    option["xAxis"] = {
        "type": "value",
        "name": stack.x_title,
        "nameLocation": "middle",
        "nameGap": 28,
        "max": round(stack.x_max, 4),
        "splitNumber": 3,  # few ticks: the axis is narrow beside the field names
        "axisLabel": {"hideOverlap": True},
    }
    option["series"] = _capital_stack_series(stack.series)
    # the multiplier after the whole bar: a label on the last segment, at its right end
    last = option["series"][-1]
    last["data"] = [
        {"value": float(v), "label": {"show": bool(text), "position": "right", "formatter": text}}
        for v, text in zip(np.asarray(stack.series[-1].values, dtype=float), stack.multiplier_texts, strict=True)
    ]
    return Chart(option, stack.height)


def _told_not_drawn(series: BarSeries) -> Option:
    """A series the axis tooltip lists but the chart does not draw (its own hidden axis, so it
    does not stretch the drawn one)."""
    return {
        "type": "line",
        "name": series.name,
        "yAxisIndex": 1,
        "symbol": "none",
        "silent": True,
        "lineStyle": {"opacity": 0},
        "itemStyle": {"color": series.colour},
        "data": [float(v) for v in series.values],
    }


def fiscal_chart(result: Result, lang: str = "en", unit: str = "bn") -> Chart:
    """The fund's cost and return by year (:func:`~fundmodel.outputs.charts.fiscal_by_year`):
    grouped bars of the funding cost and the return, the total fiscal cost as a line, the
    buy-backs in the tooltip."""
    fiscal = fiscal_by_year(result, lang, unit)
    option = _frame(fiscal.title)
    drawn = [*fiscal.bars, fiscal.total_cost]
    option["legend"]["data"] = [s.name for s in drawn]
    option["grid"] = {"top": 90, "left": 10, "right": 20, "bottom": 40, "containLabel": True}
    option["tooltip"] = {"trigger": "axis", "valueFormatter": _number_format(fiscal.decimals)}
    option["xAxis"] = {
        "type": "category",
        "data": fiscal.years,
        "name": fiscal.x_title,
        "nameLocation": "middle",
        "nameGap": 28,
    }
    option["yAxis"] = [{"type": "value", "name": fiscal.y_title}, {"type": "value", "show": False}]
    option["series"] = [
        {"type": "bar", "name": s.name, "itemStyle": {"color": s.colour}, "data": [float(v) for v in s.values]}
        for s in fiscal.bars
    ]
    line = fiscal.total_cost
    option["series"].append(
        {
            "type": "line",
            "name": line.name,
            "itemStyle": {"color": line.colour},
            "lineStyle": {"color": line.colour},
            "data": [float(v) for v in line.values],
        }
    )
    option["series"].append(_told_not_drawn(fiscal.buybacks))
    return Chart(option, 420)


def _dashed_line(axis: str, value: float, text: str, colour: str = TARGET_COLOUR, **label: Any) -> Option:
    """One dashed line across the plot at ``value`` of ``axis`` ("xAxis" or "yAxis"), labelled."""
    return {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"type": "dashed", "color": colour, "width": 1},
        "label": {"formatter": text, **label},
        "data": [{axis: value}],
    }


def comparison_chart(results: Sequence[Result], lang: str = "en", unit: str = "bn") -> Chart:
    """Gross and net investment by run (:func:`~fundmodel.outputs.charts.investment_comparison`)
    as grouped bars, each labelled with its amount, the target dashed."""
    comparison = investment_comparison(results, lang, unit)
    option = _frame(comparison.title)
    option["grid"] = {"top": 90, "left": 10, "right": 20, "bottom": 10, "containLabel": True}
    option["tooltip"] = _bars_tooltip(comparison.decimals)
    # long scenario names break onto further lines under their group instead of overlapping
    option["xAxis"] = {
        "type": "category",
        "data": comparison.names,
        "axisLabel": {"interval": 0, "width": 180, "overflow": "break"},
    }
    option["yAxis"] = {"type": "value", "name": comparison.y_title}
    option["series"] = [
        {
            "type": "bar",
            "name": bars.name,
            "itemStyle": {"color": bars.colour},
            "data": [
                {"value": float(v), "label": {"show": True, "position": "top", "formatter": text}}
                for v, text in zip(bars.values, bars.texts, strict=True)
            ],
        }
        for bars in comparison.series
    ]
    if comparison.target is not None and option["series"]:
        option["series"][0]["markLine"] = _dashed_line(
            "yAxis", comparison.target, comparison.target_text, position="insideStartTop"
        )
    return Chart(option, 420)


def tornado_chart(tornado: Tornado) -> Chart:
    """One-at-a-time sensitivity (:func:`~fundmodel.outputs.charts.sensitivity_swings`) as a
    tornado: per assumption a bar from the base output to the output at the low value and
    one to the output at the high value, widest swing on top, the base a solid line.

    ECharts draws a bar from zero: each bar is a transparent bar up to the nearer of its two
    ends, with the visible bar (the distance between them) stacked on it; the low and high
    stacks of an assumption overlap (``barGap`` -100%)."""
    option = _frame(tornado.title)
    option["grid"] = {"top": 70, "left": 10, "right": 40, "bottom": 40, "containLabel": True}
    option["tooltip"] = {"trigger": "item"}
    option["legend"]["data"] = [tornado.low.name, tornado.high.name]
    option["yAxis"] = {"type": "category", "data": tornado.names}
    x_min, x_max = tornado.x_range
    option["xAxis"] = {
        "type": "value",
        "name": tornado.x_title,
        "nameLocation": "middle",
        "nameGap": 28,
        "min": round(x_min, 4),
        "max": round(x_max, 4),
        "axisLabel": {"hideOverlap": True},
    }
    option["series"] = []
    for bars in (tornado.low, tornado.high):
        option["series"].append(
            {
                "type": "bar",
                "stack": bars.name,
                "silent": True,
                "tooltip": {"show": False},
                "itemStyle": {"color": "transparent"},
                "data": [float(min(v, tornado.base)) for v in bars.values],
            }
        )
        option["series"].append(
            {
                "type": "bar",
                "stack": bars.name,
                "name": bars.name,
                "barGap": "-100%",
                "itemStyle": {"color": bars.colour},
                "data": [
                    {
                        "value": float(abs(v - tornado.base)),
                        "label": {
                            "show": True,
                            "position": "right" if v >= tornado.base else "left",
                            "formatter": text,
                            "fontSize": 11,
                        },
                        "tooltip": {"formatter": tip},
                    }
                    for v, text, tip in zip(bars.values, bars.texts, bars.tooltips, strict=True)
                ],
            }
        )
    option["series"][1]["markLine"] = {
        "symbol": "none",
        "silent": True,
        "lineStyle": {"type": "solid", "color": TARGET_COLOUR, "width": 1},
        "label": {"formatter": tornado.base_text, "position": "end"},
        "data": [{"xAxis": tornado.base}],
    }
    return Chart(option, tornado.height)


def distribution_chart(hist: Distribution) -> Chart:
    """Monte Carlo draws of total investment (:func:`~fundmodel.outputs.charts.draws_histogram`)
    as a histogram: one bar per bin at its centre on a value axis, the P5, P50 and P95 lines and
    the target dashed; the share of draws at or above the target in the title."""
    option = _frame(hist.title)
    option.pop("legend")
    option["grid"] = {"top": 60, "left": 10, "right": 30, "bottom": 40, "containLabel": True}
    option["tooltip"] = {"trigger": "item"}
    option["xAxis"] = {
        "type": "value",
        "scale": True,
        "name": hist.x_title,
        "nameLocation": "middle",
        "nameGap": 28,
        "axisLabel": {"hideOverlap": True},
    }
    option["yAxis"] = {"type": "value", "name": hist.y_title}
    lines = [
        {"xAxis": v, "label": {"formatter": text}, "lineStyle": {"type": "solid" if name == "P50" else "dotted"}}
        for name, v, text in hist.percentiles
    ]
    if hist.target is not None:
        lines.append(
            {
                "xAxis": hist.target,
                "label": {"formatter": hist.target_text, "position": "insideEndBottom"},
                "lineStyle": {"type": "dashed", "color": "#b8312f"},
            }
        )
    option["series"] = [
        {
            "type": "bar",
            "name": hist.y_title,
            "barWidth": "98%",
            "itemStyle": {"color": "#9bb7d4"},
            "data": [
                {
                    "value": [float((a + b) / 2), int(n)],
                    "tooltip": {"formatter": tip},
                }
                for a, b, n, tip in zip(hist.edges[:-1], hist.edges[1:], hist.counts, hist.bin_texts, strict=True)
            ],
            "markLine": {
                "symbol": "none",
                "silent": True,
                "lineStyle": {"color": "#4a6fa5", "width": 2},
                "label": {"position": "end"},
                "data": lines,
            },
        }
    ]
    return Chart(option, 420)


#: The widest a group's name is written under its bar (pixels); a longer one ends in "...".
LABEL_WIDTH_PX = 140


def _text_px(text: str, font_px: int = 12) -> float:
    """About how wide ``text`` is (pixels): a CJK character a full em, any other 0.55 em.

    >>> _text_px("交通物流"), _text_px("Jilin")
    (48.0, 33.0)
    """
    return sum(font_px * (1.0 if "\u2e80" <= ch <= "\uffef" else 0.55) for ch in text)


def breakdown_chart(breakdown: Breakdown) -> Chart:
    """The capital stack by group (:func:`~fundmodel.outputs.charts.capital_by_group`) as
    stacked bars, largest total investment first. Group names are turned 40° where there are
    many or long ones, and one that would overlap its neighbour is left out (its bar keeps its
    name in the tooltip): a narrow column at 1,024 px shows no names on top of each other."""
    option = _frame(breakdown.title)
    crowded = len(breakdown.names) > 6 or max((len(n) for n in breakdown.names), default=0) > 4
    # A turned name reaches left of its bar by cos 40° of its width, which ``containLabel``
    # does not count: the first one gets that room, less the value axis' labels and half a bar
    # (about 40 px). Room above for a legend on two lines (a column 290 px wide at 1,024 px).
    reach_px = 0.77 * min(LABEL_WIDTH_PX, _text_px(breakdown.names[0])) if crowded and breakdown.names else 0.0
    option["grid"] = {
        "top": 110,
        "left": max(10, round(reach_px - 40)),
        "right": 20,
        "bottom": 10,
        "containLabel": True,
    }
    option["tooltip"] = _bars_tooltip(breakdown.decimals)
    option["xAxis"] = {
        "type": "category",
        "data": breakdown.names,
        # a name longer than 140 px (English field names) ends in "..." (whole in the tooltip)
        "axisLabel": {
            "rotate": 40 if crowded else 0,
            "hideOverlap": True,
            "fontSize": 12,
            "width": LABEL_WIDTH_PX,
            "overflow": "truncate",
        },
    }
    option["yAxis"] = {
        "type": "value",
        "name": breakdown.y_title,
        "nameTextStyle": {"align": "left"},  # from the axis rightwards: not cut at the chart's left edge
        "axisLabel": {"hideOverlap": True},
    }
    option["series"] = _capital_stack_series(breakdown.series)
    return Chart(option, 420)


#: The tile map's colours, light to dark (ColorBrewer Blues, as Plotly's "Blues").
BLUES = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]
#: The side of a tile (pixels): the grid is drawn square, whatever the column's width.
TILE_PX = 46


def province_map_chart(tiles: TileMap) -> Chart:
    """The province tile map (:func:`~fundmodel.outputs.province_map.province_tile_map`) as an
    ECharts heatmap on a square grid: one tile per province at its place, coloured by the
    amount (a continuous Blues scale, its legend below), labelled with the short name and the
    amount (white on the darker half), the project count in the tooltip."""
    option = _frame(tiles.title)
    option.pop("legend")
    option["tooltip"] = {"trigger": "item"}
    width, height = TILE_PX * tiles.n_cols, TILE_PX * tiles.n_rows
    option["grid"] = {"top": 40, "left": "center", "width": width, "height": height}
    hidden = {"show": False}
    option["xAxis"] = {"type": "category", "data": [str(c) for c in range(tiles.n_cols)], "show": False}
    option["yAxis"] = {
        "type": "category",
        "data": [str(r) for r in range(tiles.n_rows)],
        "inverse": True,  # row 0 is the north, at the top
        "show": False,
        "splitArea": hidden,
    }
    top = float(tiles.amounts.max()) if len(tiles.amounts) and tiles.amounts.max() > 0 else 1.0
    option["visualMap"] = {
        "type": "continuous",
        "dimension": 2,
        "min": 0,
        "max": round(top, 4),
        "precision": tiles.decimals,
        "orient": "horizontal",
        "left": "center",
        "top": 40 + height + 10,
        "itemHeight": width * 0.6,
        "itemWidth": 12,
        "text": [f"{top:,.{tiles.decimals}f}", "0"],  # the amounts at the scale's ends
        "calculable": False,
        "inRange": {"color": BLUES},
    }
    option["series"] = [
        {
            "type": "heatmap",
            "itemStyle": {"borderColor": "#ffffff", "borderWidth": 3},
            "data": [
                {
                    "value": [col, row, float(amount)],
                    "label": {
                        "show": True,
                        "formatter": text,
                        "fontSize": 10,
                        "lineHeight": 13,
                        # a long English name ends in "..." within its tile (whole in the tooltip)
                        "width": TILE_PX - 4,
                        "overflow": "truncate",
                        "color": "#ffffff" if amount > 0.55 * top else "#1f1f1f",
                    },
                    "tooltip": {"formatter": tip},
                }
                for row, col, amount, text, tip in zip(
                    tiles.rows, tiles.cols, tiles.amounts, tiles.labels, tiles.tooltips, strict=True
                )
            ],
        }
    ]
    return Chart(option, 40 + height + 60)
