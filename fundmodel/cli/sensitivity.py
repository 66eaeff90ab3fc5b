"""``fundmodel sensitivity``: one-at-a-time sensitivity (tornado data) of the leverage assumptions."""

from __future__ import annotations

import argparse

import numpy as np

from fundmodel.analysis.uncertainty import ASSUMPTIONS, METRIC_ALIASES, SENSITIVITY_METRICS, Sensitivity, sensitivity
from fundmodel.cli import stamped_json
from fundmodel.errors import InputError
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.labels import label
from fundmodel.messages import Message
from fundmodel.outputs.report import text_table
from fundmodel.units import from_bn, unit_label


def parse_range(text: str) -> tuple[str, tuple[float, float]]:
    """``NAME=LOW:HIGH`` -> (name, (low, high)). Example: ``capital_ratio=0.9:1.25``.

    >>> parse_range('capital_ratio=0.9:1.25')
    ('capital_ratio', (0.9, 1.25))
    """
    name, sep, rest = text.partition("=")
    low, sep2, high = rest.partition(":")
    if not sep or not sep2:
        raise InputError(Message("sensitivity_range_form", {"text": repr(text)}))
    try:
        return name.strip(), (float(low), float(high))
    except ValueError:
        raise InputError(Message("sensitivity_range_numbers", {"text": repr(text)})) from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sensitivity",
        help="one-at-a-time sensitivity of total / net investment and the peak level and growth effects (tornado data)",
        description="Change each leverage assumption on its own (uniformly in every field, or field by field) "
        "between a low and a high value and show total investment, net investment and the peak level and growth "
        "effects, sorted by "
        "swing. Default ranges: factors 0.8..1.2 on the scenario's values (construction years -1..+1), narrowed "
        "to stay within caps and statutory minimums.",
    )
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    p.add_argument("--by", choices=["uniform", "field"], default="uniform", help="all fields at once or one by one")
    p.add_argument(
        "--assumption",
        action="append",
        choices=list(ASSUMPTIONS),
        help="assumption to vary (repeatable; default all)",
    )
    p.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="NAME=LOW:HIGH",
        help="range of an assumption as factors on its value (years added for construction_years); repeatable",
    )
    p.add_argument(
        "--metric",
        default="total",
        choices=[*METRIC_ALIASES, *SENSITIVITY_METRICS],
        help="metric to sort by (default total)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.set_defaults(handler=handle)


def render_sensitivity(result: Sensitivity, unit: str = "bn", lang: str = "en") -> str:
    """The tornado table: one row per assumption (and field), sorted by swing."""
    u = unit_label(unit, lang)

    def money(v: float) -> str:
        return f"{from_bn(v, unit):,.1f}"

    def change(name: str, x: float) -> str:
        return f"{x:+g} y" if name == "construction_years" else f"x{x:.3g}"

    rows = []
    for r in result.table.to_dict(orient="records"):
        element = label("all_fields" if r["element"] == "all" else r["element"], lang)
        if r["element"] == "all" and r["assumption"] == "fund_share_scale":
            element = label("all_banks", lang)
        values = "" if np.isnan(r["value_low"]) else f" ({r['value_low']:.4g}..{r['value_high']:.4g})"
        rows.append(
            [
                label(r["assumption"], lang),
                element,
                f"{change(r['assumption'], r['change_low'])}..{change(r['assumption'], r['change_high'])}{values}",
                money(r["total_investment_bn:low"]),
                money(r["total_investment_bn:high"]),
                money(r["total_investment_bn:swing"]),
                money(r["net_investment_bn:swing"]),
                f"{r['peak_level_effect_pct:low']:.2f}..{r['peak_level_effect_pct:high']:.2f}",
                f"{r['peak_level_effect_pct:swing']:.2f}",
                f"{r['peak_growth_effect_pp:low']:.2f}..{r['peak_growth_effect_pp:high']:.2f}",
            ]
        )
    b = result.base
    heads = [
        label("assumption", lang),
        label("field", lang),
        f"{label('low', lang)}..{label('high', lang)}",
        f"{label('total_investment_bn', lang)} ({label('low', lang)})",
        f"({label('high', lang)})",
        label("swing", lang),
        f"{label('net_investment_bn', lang)} {label('swing', lang)}",
        f"{label('peak_level_effect_pct', lang)} (%)",
        label("swing", lang),
        f"{label('peak_growth_effect_pp', lang)} (pp)",
    ]
    return "\n".join(
        [
            f"{label('base', lang)}: {label('total_investment_bn', lang)} {money(b['total_investment_bn'])}, "
            f"{label('net_investment_bn', lang)} {money(b['net_investment_bn'])} {u}; "
            f"{label('peak_level_effect_pct', lang)} {b['peak_level_effect_pct']:.2f}%, "
            f"{label('peak_growth_effect_pp', lang)} {b['peak_growth_effect_pp']:+.2f} pp   "
            f"({label('sorted_by', lang)} {label(result.metric, lang)})",
            "",
            text_table(heads, rows),
        ]
    )


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    ranges = dict(parse_range(t) for t in args.range)
    result = sensitivity(scenario.parameters(), args.assumption, by=args.by, ranges=ranges, metric=args.metric)
    instrument = scenario.instrument_name
    print(
        stamped_json(result.to_json(), instrument)
        if args.format == "json"
        else render_sensitivity(result, args.unit, args.lang)
    )
    return 0
