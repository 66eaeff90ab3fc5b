"""``fundmodel goal-seek``: the value of one assumption that reaches a target."""

from __future__ import annotations

import argparse

from fundmodel.analysis.uncertainty import (
    CONTINUOUS,
    METRIC_ALIASES,
    METRICS,
    QUANTITY_MESSAGES,
    GoalSeek,
    goal_seek,
    quantity,
)
from fundmodel.cli import stamped_json
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.labels import label
from fundmodel.messages import Message
from fundmodel.units import to_bn


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
        help="target value (money in the --unit: bn RMB or 亿元; %% for the level effect, pp for the growth effect)",
    )
    p.add_argument("--metric", default="total", choices=[*METRIC_ALIASES, *METRICS], help="metric (default total)")
    p.add_argument("--assumption", required=True, choices=CONTINUOUS, help="assumption to solve for")
    p.add_argument("--mode", choices=["scale", "value"], default="scale", help="scale every field, or set one value")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--field", metavar="ID", help="solve for this field's value only")
    where.add_argument("--bank", metavar="ID", help="solve for this bank's value only (fund_share_scale)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.set_defaults(handler=handle)


def target_bn(target: float, metric: str, unit: str) -> float:
    """The target as the model holds it: money given in ``unit`` in bn RMB, others as given.

    >>> target_bn(60000, "total", "yi"), target_bn(3.5, "level", "yi")
    (6000.0, 3.5)
    """
    metric = METRIC_ALIASES.get(metric, metric)
    return float(to_bn(target, unit)) if QUANTITY_MESSAGES[metric] == "quantity_money" else float(target)


def render_goal_seek(result: GoalSeek, lang: str = "en", unit: str = "bn") -> str:
    """The solution (or how close it gets) and the resulting value per field / bank."""
    lines = [result.render(lang, unit), ""]
    lo, hi = result.interval
    low, high = (quantity(result.metric, v) for v in result.metric_at_bounds)
    mode = Message(f"goal_seek_mode_{result.mode}")
    lines.append(
        Message("goal_seek_interval", {"lo": lo, "hi": hi, "mode": mode, "low": low, "high": high}).render(lang, unit)
    )
    colon = "：" if lang == "zh" else ": "
    lines.append(label(result.assumption, lang) + colon.rstrip())
    lines += [f"  {label(k, lang)}{colon}{v:.6g}" for k, v in result.values.items()]
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    element = args.field or args.bank
    result = goal_seek(
        target_bn(args.target, args.metric, args.unit),
        args.assumption,
        scenario.parameters(),
        metric=args.metric,
        mode="element" if element else args.mode,
        element=element,
    )
    print(
        stamped_json(result.to_json(), scenario.instrument_name)
        if args.format == "json"
        else render_goal_seek(result, args.lang, args.unit)
    )
    return 0 if result.reachable else 1
