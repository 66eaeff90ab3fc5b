"""What each chart shows, declared once: pure functions from a :class:`~fundmodel.core.result.Result`
(or a table computed from results) to a small frozen dataclass (:class:`Flows`, :class:`Effects`,
:class:`Stack`, :class:`Fiscal`, :class:`Breakdown`, :class:`Comparison`, :class:`Tornado`,
:class:`Distribution`), which :mod:`fundmodel.outputs.echarts` draws for the dashboard and the
``*_figure`` functions here draw with Plotly for the briefing. No UI code here; Plotly is
imported only when a figure is drawn (the dashboard never loads it).

Money arrives in bn RMB and is shown in the unit asked for (``"bn"`` or ``"yi"`` = 亿元)
with thousands separators; labels and units come from :mod:`fundmodel.terms` in ``lang``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fundmodel.core.result import Result
from fundmodel.labels import label
from fundmodel.terms import term as output_term
from fundmodel.units import decimals, from_bn, unit_label

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Colours of the capital stack (fund, other capital, debt): one meaning, one colour everywhere.
STACK_COLOURS = {"fund_bn": "#b8312f", "other_capital_bn": "#e8a33d", "debt_bn": "#4a6fa5"}
#: Bank colours by the bank's place in its instrument's list (any number of banks).
BANK_COLOURS = ["#1f4e79", "#2e7d32", "#7b3f8c", "#b5651d", "#2f6f6f", "#8c2d4f"]
FIELD_COLOURS = ["#3b6ea5", "#7a5195", "#5fa8d3", "#ef8c3b", "#3c9d5d", "#9c7a3c", "#c44e52", "#6c757d"]
TARGET_COLOUR = "#2b2b2b"
FONT_FAMILY = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, Arial, sans-serif"


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "y": 0.98, "yanchor": "top", "font": {"size": 16}},
        template="plotly_white",
        font={"family": FONT_FAMILY, "size": 13},
        height=height,
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0.0, "traceorder": "normal"},
        separators=".,",
    )
    return fig


def _money_title(term_id: str, unit: str, lang: str) -> str:
    return output_term(term_id).label_with_unit(lang, unit)


def _colour_of_field(i: int) -> str:
    return FIELD_COLOURS[i % len(FIELD_COLOURS)]


# ----------------------------------------------------------------- overview


@dataclass(frozen=True)
class Flows:
    """The money flow of a run as nodes and links (amounts in the chart's unit): what the
    sankey shows, whichever library draws it."""

    title: str
    nodes: list[str]
    node_colours: list[str]
    source: list[int]
    target: list[int]
    value: list[float]
    link_colours: list[str]
    decimals: int
    unit_word: str


def money_flows(result: Result, lang: str = "en", unit: str = "bn") -> Flows:
    """The fund -> each bank -> each field -> the field's total investment, split into the
    fund itself, other capital and debt.

    Link widths are amounts in ``unit``. Bank -> field links are the allocation cells
    (``by_cell.fund_bn``); field -> stack links are ``by_field`` fund, other capital and
    debt, so the right-hand nodes sum to total investment (fund + other + debt = I).
    Cells with no money draw no link. Node names are unique (ECharts joins links to nodes by
    name): the instrument's total is not the fund's share of a stack.
    """
    fields = list(result.by_field.index)
    banks = list(result.by_bank.index)
    stack = ["fund_bn", "other_capital_bn", "debt_bn"]
    nodes = [f"{label('fund_total', lang)}"]
    nodes += [label(b, lang) for b in banks]
    nodes += [label(f, lang) for f in fields]
    nodes += [label(term, lang) for term in stack]
    bank_colour = {b: BANK_COLOURS[j % len(BANK_COLOURS)] for j, b in enumerate(banks)}
    colours = ["#b8312f"] + [bank_colour[b] for b in banks]
    colours += [_colour_of_field(i) for i in range(len(fields))]
    colours += [STACK_COLOURS[t] for t in stack]
    bank_at = {b: 1 + j for j, b in enumerate(banks)}
    field_at = {f: 1 + len(banks) + i for i, f in enumerate(fields)}
    stack_at = {t: 1 + len(banks) + len(fields) + i for i, t in enumerate(stack)}
    flows = Flows(label("chart_sankey", lang), nodes, colours, [], [], [], [], decimals(unit), unit_label(unit, lang))

    def link(a: int, b: int, amount_bn: float, colour: str) -> None:
        if amount_bn > 0:
            flows.source.append(a)
            flows.target.append(b)
            flows.value.append(float(from_bn(amount_bn, unit)))
            flows.link_colours.append(colour)

    for b in banks:
        link(0, bank_at[b], float(result.by_bank.loc[b, "fund_bn"]), "rgba(184,49,47,0.30)")
    cells = result.by_cell["fund_bn"]
    for (f, b), amount in cells.items():
        link(bank_at[b], field_at[f], float(amount), _rgba(bank_colour[b], 0.30))
    for f in fields:
        for t in stack:
            link(field_at[f], stack_at[t], float(result.by_field.loc[f, t]), _rgba(STACK_COLOURS[t], 0.35))
    return flows


def sankey_figure(result: Result, lang: str = "en", unit: str = "bn") -> go.Figure:
    """Money flow (:func:`money_flows`) as a Plotly sankey."""
    import plotly.graph_objects as go

    flows = money_flows(result, lang, unit)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=f",.{flows.decimals}f",
            valuesuffix=f" {flows.unit_word}",
            node={
                "label": flows.nodes,
                "color": flows.node_colours,
                "pad": 14,
                "thickness": 16,
                "line": {"color": "white", "width": 0.5},
            },
            link={"source": flows.source, "target": flows.target, "value": flows.value, "color": flows.link_colours},
        )
    )
    return _layout(fig, flows.title, height=520)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


@dataclass(frozen=True)
class BarSeries:
    """One series of bars: its name, values (in the chart's unit), colour, the text written
    on each bar, the unit word after a value in the hover text and, where a bar has its own,
    the hover text of each bar."""

    name: str
    values: np.ndarray
    colour: str
    texts: list[str]
    unit_word: str = ""
    tooltips: tuple[str, ...] = ()


@dataclass(frozen=True)
class Effects:
    """The level and growth effects by year (what the effects chart shows)."""

    title: str
    years: list[str]
    series: list[BarSeries]
    landing: np.ndarray
    landing_title: str
    target: float
    target_text: str
    y_title: str
    x_title: str
    y_range: tuple[float, float]
    decimals: int


def effects_by_year(result: Result, lang: str = "en", unit: str = "bn") -> Effects:
    """Per-year level effect (% above the infrastructure base) and growth effect (pp added
    to its growth rate, negative years below zero), with the investment landing that year
    (in ``unit``); the ex-ante "+3-4 pp" (a whole-program X / B figure, so a level) as the
    target line."""
    years = [str(y) for y in result.by_year.index]
    level = result.by_year["level_effect_pct"].to_numpy(dtype=float)
    growth = result.by_year["growth_effect_pp"].to_numpy(dtype=float)
    pp = " 个百分点" if lang == "zh" else " pp"  # the unit word of the growth effect
    series = [
        BarSeries(label("level_effect_pct", lang), level, "#b8312f", [f"{v:.2f}%" for v in level], "%"),
        BarSeries(label("growth_effect_pp", lang), growth, "#2e6f9e", [f"{v:+.2f}{pp}" for v in growth], pp),
    ]
    target = float(result.parameters.instrument.target_uplift_pp.value)
    values = np.concatenate([level, growth, [target, 0.0]])
    top, bottom = float(np.nanmax(values)), float(np.nanmin(values))
    pad = 0.2 * max(top - bottom, 1.0)
    return Effects(
        title=label("chart_effects", lang),
        years=years,
        series=series,
        landing=from_bn(result.by_year["investment_bn"].to_numpy(dtype=float), unit),
        landing_title=_money_title("investment_bn", unit, lang),
        target=target,
        target_text=f"{label('target', lang)} {target:.1f} (X/B)",
        y_title="% /" + pp,
        x_title=label("year", lang),
        y_range=(bottom - (pad if bottom < 0 else 0), top + pad),
        decimals=decimals(unit),
    )


def effects_figure(result: Result, lang: str = "en", unit: str = "bn") -> go.Figure:
    """The level and growth effects by year (:func:`effects_by_year`) as Plotly bars, both
    labelled, the investment landing that year in the hover text, the target dashed."""
    import plotly.graph_objects as go

    effects = effects_by_year(result, lang, unit)
    fig = go.Figure()
    for bars in effects.series:
        fig.add_bar(
            x=effects.years,
            y=bars.values,
            name=bars.name,
            marker_color=bars.colour,
            text=bars.texts,
            textposition="outside",
            cliponaxis=False,
            customdata=effects.landing,
            hovertemplate=(
                f"{bars.name}<br>%{{x}}: %{{y:.2f}}{bars.unit_word}<br>"
                f"{effects.landing_title}: %{{customdata:,.{effects.decimals}f}}<extra></extra>"
            ),
        )
    fig.add_hline(
        y=effects.target,
        line={"color": TARGET_COLOUR, "dash": "dash", "width": 1},
        annotation_text=effects.target_text,
        annotation_position="top left",
    )
    fig.update_layout(
        barmode="group",
        yaxis={"title": effects.y_title, "range": list(effects.y_range), "zeroline": True},
        xaxis={"title": effects.x_title, "type": "category"},
        showlegend=True,
    )
    return _layout(fig, effects.title)


@dataclass(frozen=True)
class Stack:
    """The capital stack per field or bank (what the stacked bars show), smallest total
    investment first."""

    title: str
    names: list[str]
    series: list[BarSeries]
    totals: np.ndarray
    multiplier_texts: list[str]
    x_title: str
    x_max: float
    height: int
    decimals: int


def capital_stack(result: Result, lang: str = "en", unit: str = "bn", by: str = "field") -> Stack:
    """The capital stack (fund, other capital, debt, in ``unit``) per field (or per bank with
    ``by="bank"``), with the gross multiplier of each."""
    table = result.by_field if by == "field" else result.by_bank
    table = table.sort_values("total_investment_bn", ascending=True)
    names = [label(i, lang) for i in table.index]
    series = [
        BarSeries(label(term, lang), from_bn(table[term].to_numpy(dtype=float), unit), STACK_COLOURS[term], [])
        for term in ("fund_bn", "other_capital_bn", "debt_bn")
    ]
    totals = from_bn(table["total_investment_bn"].to_numpy(dtype=float), unit)
    multipliers = table["multiplier"].to_numpy(dtype=float)
    return Stack(
        title=label("chart_stack_field" if by == "field" else "chart_stack_bank", lang),
        names=names,
        series=series,
        totals=totals,
        multiplier_texts=[f"{m:.1f}x" if np.isfinite(m) else "" for m in multipliers],
        x_title=_money_title("total_investment_bn", unit, lang),
        x_max=float(totals.max()) * 1.2 if len(totals) and totals.max() > 0 else 1.0,
        height=max(320, 48 * len(names) + 120),
        decimals=decimals(unit),
    )


def capital_stack_figure(result: Result, lang: str = "en", unit: str = "bn", by: str = "field") -> go.Figure:
    """Horizontal stacked Plotly bars of the capital stack (:func:`capital_stack`), largest
    total investment on top, the gross multiplier written at the end of each bar."""
    import plotly.graph_objects as go

    stack = capital_stack(result, lang, unit, by)
    fig = go.Figure()
    for bars in stack.series:
        fig.add_bar(
            y=stack.names,
            x=bars.values,
            orientation="h",
            name=bars.name,
            marker_color=bars.colour,
            hovertemplate=f"%{{y}}: %{{x:,.{stack.decimals}f}}<extra>{bars.name}</extra>",
        )
    fig.add_scatter(
        y=stack.names,
        x=stack.totals,
        mode="text",
        text=[f"  {text}" if text else "" for text in stack.multiplier_texts],
        textposition="middle right",
        cliponaxis=False,
        showlegend=False,
        hoverinfo="skip",
    )
    fig.update_layout(
        barmode="stack",
        xaxis={"title": stack.x_title, "tickformat": ",.0f"},
        yaxis={"automargin": True},
    )
    fig.update_xaxes(range=[0, stack.x_max])
    return _layout(fig, stack.title, height=stack.height)


# ---------------------------------------------------------------- portfolio


@dataclass(frozen=True)
class Breakdown:
    """The capital stack of each group of a portfolio (what the breakdown bars show): fund,
    other capital and debt per group in the chart's unit, largest total investment first."""

    title: str
    names: list[str]
    series: list[BarSeries]
    y_title: str
    decimals: int


def capital_by_group(
    table: pd.DataFrame,
    lang: str = "en",
    unit: str = "bn",
    title_term: str = "by_province",
    top: int | None = None,
    names: Mapping[str, str] | None = None,
) -> Breakdown:
    """Fund, other capital and debt (in ``unit``) of a breakdown table indexed by group
    (province, ownership, field ...), largest total investment first; ``top`` keeps the
    largest ``top`` groups; ``names`` maps group ids to display names (default: labels).
    A stack's parts add up to the group's total investment.

    >>> t = pd.DataFrame({"fund_bn": [1.0, 3.0], "other_capital_bn": [1.0, 1.0], "debt_bn": [2.0, 6.0]},
    ...                  index=["digital_economy", "green_low_carbon"])
    >>> t["total_investment_bn"] = t.sum(axis=1)
    >>> b = capital_by_group(t, "zh", "yi", "by_field")
    >>> b.title, b.names, b.series[0].values.tolist(), b.y_title
    ('按领域', ['绿色低碳', '数字经济'], [30.0, 10.0], '总投资（亿元）')
    """
    table = table.sort_values("total_investment_bn", ascending=False)
    if top is not None:
        table = table.head(top)
    display = dict(names or {})
    series = [
        BarSeries(
            label(term, lang), np.asarray(from_bn(table[term].to_numpy(dtype=float), unit)), STACK_COLOURS[term], []
        )
        for term in ("fund_bn", "other_capital_bn", "debt_bn")
        if term in table.columns
    ]
    return Breakdown(
        title=label(title_term, lang),
        names=[display.get(str(i)) or label(str(i), lang) for i in table.index],
        series=series,
        y_title=_money_title("total_investment_bn", unit, lang),
        decimals=decimals(unit),
    )


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Comparison:
    """Gross and net investment of several runs side by side (what the comparison chart
    shows), in the chart's unit, with the ex-ante target of the first run."""

    title: str
    names: list[str]
    series: list[BarSeries]
    target: float | None
    target_text: str
    y_title: str
    decimals: int


def investment_comparison(results: Sequence[Result], lang: str = "en", unit: str = "bn") -> Comparison:
    """Total (gross) and net investment of each run in ``unit``, each bar labelled with its
    amount; the target total investment of the first run (the baseline) as the target line.

    >>> from fundmodel.inputs.scenario import baseline
    >>> from fundmodel.session import Session
    >>> run = Session(baseline()).result(name="基准")
    >>> c = investment_comparison([run], "zh", "yi")
    >>> c.names, [s.name for s in c.series], c.target_text
    (['基准'], ['总投资', '净新增投资'], '目标 60,000')
    """
    d = decimals(unit)
    series = []
    for term, colour in (("total_investment_bn", "#4a6fa5"), ("net_investment_bn", "#9bb7d4")):
        values = np.array([float(from_bn(r.totals[term], unit)) for r in results])
        series.append(BarSeries(label(term, lang), values, colour, [f"{v:,.{d}f}" for v in values]))
    target = float(from_bn(results[0].totals["target_total_investment_bn"], unit)) if results else None
    return Comparison(
        title=label("chart_compare", lang),
        names=[r.scenario_name for r in results],
        series=series,
        target=target,
        target_text=f"{label('target', lang)} {target:,.{d}f}" if target is not None else "",
        y_title=_money_title("total_investment_bn", unit, lang),
        decimals=d,
    )


def comparison_figure(results: Sequence[Result], lang: str = "en", unit: str = "bn") -> go.Figure:
    """Gross and net investment of several runs (:func:`investment_comparison`) as Plotly
    grouped bars, one group per run, the target dashed (the briefing's chart)."""
    import plotly.graph_objects as go

    comparison = investment_comparison(results, lang, unit)
    fig = go.Figure()
    for bars in comparison.series:
        fig.add_bar(
            x=comparison.names,
            y=bars.values,
            name=bars.name,
            marker_color=bars.colour,
            text=bars.texts,
            textposition="outside",
        )
    if comparison.target is not None:
        fig.add_hline(
            y=comparison.target,
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 1},
            annotation_text=comparison.target_text,
            annotation_position="top left",
        )
    fig.update_layout(barmode="group", yaxis={"title": comparison.y_title, "tickformat": ",.0f"})
    return _layout(fig, comparison.title)


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time sensitivity (what the tornado chart shows): per assumption, the output
    at its low and its high value around the base output, in the chart's unit; narrowest
    swing first (drawn at the bottom), widest last (on top)."""

    title: str
    names: list[str]
    low: BarSeries
    high: BarSeries
    base: float
    base_text: str
    x_title: str
    x_range: tuple[float, float]
    decimals: int
    height: int


def sensitivity_swings(
    table: pd.DataFrame,
    base_bn: float,
    lang: str = "en",
    unit: str = "bn",
    low: str = "low_bn",
    high: str = "high_bn",
    name: str = "parameter",
    translate: bool = True,
) -> Tornado:
    """The tornado of ``table``: one row per assumption, the outputs at its low and high
    values (bn RMB, columns ``low`` and ``high``) and the base output ``base_bn``; each bar
    labelled with its change from the base (output − base), the widest swing |high − low| last.

    ``table`` has a ``name`` column (or index) holding ids labelled in ``lang``, or display
    names when ``translate`` is False (the rows of
    :meth:`fundmodel.analysis.uncertainty.Sensitivity.tornado`).

    >>> t = pd.DataFrame({"parameter": ["capital_ratio", "additionality"],
    ...                   "low_bn": [5000.0, 5900.0], "high_bn": [7500.0, 6100.0]})
    >>> s = sensitivity_swings(t, 6000.0)
    >>> s.names, s.low.texts, s.high.texts
    (['Additionality', 'Capital ratio'], ['-100.0', '-1,000.0'], ['+100.0', '+1,500.0'])
    """
    t = table.reset_index() if name not in table.columns else table
    t = t.assign(_swing=(t[high] - t[low]).abs()).sort_values("_swing", ascending=True)
    d = decimals(unit)
    base = float(from_bn(base_bn, unit))

    names = [label(str(v), lang) if translate else str(v) for v in t[name]]
    colon = "：" if lang == "zh" else ": "

    def bars(column: str, term: str, colour: str) -> BarSeries:
        values = np.asarray(from_bn(t[column].to_numpy(dtype=float), unit), dtype=float)
        changes = [f"{v - base:+,.{d}f}" for v in values]
        tips = tuple(
            f"{who}<br/>{label(term, lang)}{colon}{v:,.{d}f} ({change})"
            for who, v, change in zip(names, values, changes, strict=True)
        )
        return BarSeries(label(term, lang), values, colour, changes, tooltips=tips)

    lows, highs = bars(low, "low_value", "#4a6fa5"), bars(high, "high_value", "#b8312f")
    ends = np.concatenate([lows.values, highs.values, [base]])
    pad = 0.1 * max(float(ends.max() - ends.min()), abs(base) * 0.01, 1e-9)
    return Tornado(
        title=label("chart_tornado", lang),
        names=names,
        low=lows,
        high=highs,
        base=base,
        base_text=f"{label('base_value', lang)} {base:,.{d}f}",
        x_title=_money_title("total_investment_bn", unit, lang),
        x_range=(float(ends.min()) - pad, float(ends.max()) + pad),
        decimals=d,
        height=max(320, 36 * len(t) + 140),
    )


@dataclass(frozen=True)
class Distribution:
    """Monte Carlo draws of total investment as a histogram (what the distribution chart
    shows), in the chart's unit: the count of draws per bin, the P5, P50 and P95 lines, the
    target line and the share of draws at or above it (in the title)."""

    title: str
    counts: np.ndarray
    edges: np.ndarray
    bin_texts: list[str]
    percentiles: list[tuple[str, float, str]]
    target: float | None
    target_text: str
    x_title: str
    y_title: str
    decimals: int


def draws_histogram(
    draws_bn: np.ndarray, target_bn: float | None = None, lang: str = "en", unit: str = "bn", bins: int = 60
) -> Distribution:
    """``bins`` equal bins from the smallest to the largest draw (``np.histogram``; the last
    bin includes its right edge), numpy's linear percentiles and P(draw ≥ target).

    >>> h = draws_histogram(np.array([1.0, 2.0, 2.5, 4.0]), 2.0, bins=3)
    >>> h.counts.tolist(), h.edges.tolist(), h.title
    ([1, 2, 1], [1.0, 2.0, 3.0, 4.0], 'Monte Carlo: total investment · P(≥ Target) = 75%')
    """
    x = np.asarray(from_bn(np.asarray(draws_bn, dtype=float), unit), dtype=float)
    counts, edges = np.histogram(x, bins=bins)
    d = decimals(unit)
    percentiles = [
        (name, float(v), f"{name} {float(v):,.{d}f}")
        for name, v in zip(("P5", "P50", "P95"), np.percentile(x, [5, 50, 95]), strict=True)
    ]
    title = label("chart_monte_carlo", lang)
    target = float(from_bn(target_bn, unit)) if target_bn is not None else None
    if target is not None:
        title += f" · P(≥ {label('target', lang)}) = {float(np.mean(x >= target)):.0%}"
    return Distribution(
        title=title,
        counts=counts,
        edges=edges,
        bin_texts=[
            f"{a:,.{d}f} – {b:,.{d}f}{'：' if lang == 'zh' else ': '}{n:,}"
            for a, b, n in zip(edges[:-1], edges[1:], counts, strict=True)
        ],
        percentiles=percentiles,
        target=target,
        target_text=f"{label('target', lang)} {target:,.{d}f}" if target is not None else "",
        x_title=_money_title("total_investment_bn", unit, lang),
        y_title=label("draws", lang),
        decimals=d,
    )


@dataclass(frozen=True)
class Fiscal:
    """The fund's cost and return by year (what the fiscal chart shows), amounts in the chart's
    unit: bars of the funding cost and the fund's return, a line of the total fiscal cost,
    and the buy-backs of each year (told, not drawn: one exit dwarfs the yearly flows)."""

    title: str
    years: list[str]
    bars: list[BarSeries]
    total_cost: BarSeries
    buybacks: BarSeries
    y_title: str
    x_title: str
    decimals: int


def fiscal_by_year(result: Result, lang: str = "en", unit: str = "bn") -> Fiscal:
    """The fund's funding cost and return by year (bars, in ``unit``), the net quasi-fiscal cost
    plus default losses (total fiscal cost = funding cost − fund return + default losses, a
    line) and the buy-backs (exits at par). Bars and line carry one more decimal than an
    amount usually has: a year's cost is a small number.

    >>> from fundmodel.inputs.scenario import baseline
    >>> from fundmodel.session import Session
    >>> f = fiscal_by_year(Session(baseline()).result(name="x"), "zh", "yi")
    >>> f.years[0], float(f.bars[0].values[0]), float(f.buybacks.values[-1]), f.decimals
    ('2025', 100.0, 5000.0, 1)
    """
    by_year = (result.fiscal or {}).get("by_year", pd.DataFrame())

    def series(term_id: str, colour: str) -> BarSeries:
        values = from_bn(by_year.get(term_id, pd.Series(dtype=float)).to_numpy(dtype=float), unit)
        return BarSeries(label(term_id, lang), np.asarray(values, dtype=float), colour, [])

    return Fiscal(
        title=label("fiscal", lang),
        years=[str(y) for y in by_year.index],
        bars=[series("funding_cost_bn", "#b8312f"), series("fund_return_bn", "#2e6f9e")],
        total_cost=series("total_cost_bn", "#333333"),
        buybacks=series("buyback_bn", "#9aa5b1"),
        y_title=unit_label(unit, lang),
        x_title=label("year", lang),
        decimals=decimals(unit) + 1,
    )
