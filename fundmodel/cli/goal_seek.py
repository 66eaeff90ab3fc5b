"""``fundmodel goal-seek``: the value of one assumption that reaches a target."""

from __future__ import annotations

import argparse

from fundmodel.analysis.uncertainty import CONTINUOUS, METRIC_ALIASES, METRICS, GoalSeek, goal_seek
from fundmodel.cli import stamped_json
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.labels import label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "goal-seek",
        help="find the value of one assumption that reaches a target (e.g. 6,000 bn or 3.5 pp)",
        description="Solve for one leverage assumption - every field scaled by one factor (scale), every field "
        "set to one value (value), or one field / bank (--field / --bank) - so that the metric reaches the "
        "target, within the caps and statutory minimums; or say that it is unreachable and how close it gets.",
    )
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    p.add_argument(
        "--target",
        type=float,
        required=True,
        help="target value (bn RMB for money, %% for the level effect, pp for the growth effect)",
    )
    p.add_argument("--metric", default="total", choices=[*METRIC_ALIASES, *METRICS], help="metric (default total)")
    p.add_argument("--assumption", required=True, choices=CONTINUOUS, help="assumption to solve for")
    p.add_argument("--mode", choices=["scale", "value"], default="scale", help="scale every field, or set one value")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--field", metavar="ID", help="solve for this field's value only")
    where.add_argument("--bank", metavar="ID", help="solve for this bank's value only (fund_share_scale)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="label language")
    p.set_defaults(handler=handle)


def render_goal_seek(result: GoalSeek, lang: str = "en") -> str:
    """The solution (or how close it gets) and the resulting value per field / bank."""
    lines = [result.render(lang), ""]
    lo, hi = result.interval
    lines.append(
        f"search interval: [{lo:.6g}, {hi:.6g}] ({result.mode}); metric there: "
        f"{result.metric_at_bounds[0]:,.4g} .. {result.metric_at_bounds[1]:,.4g}"
    )
    lines.append(f"{label(result.assumption, lang)}:")
    lines += [f"  {label(k, lang)}: {v:.6g}" for k, v in result.values.items()]
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    element = args.field or args.bank
    result = goal_seek(
        args.target,
        args.assumption,
        scenario.parameters(),
        metric=args.metric,
        mode="element" if element else args.mode,
        element=element,
    )
    print(
        stamped_json(result.to_json(), scenario.instrument_name)
        if args.format == "json"
        else render_goal_seek(result, args.lang)
    )
    return 0 if result.reachable else 1
