"""``fundmodel compare``: scenarios side by side, with where the differences come from."""

from __future__ import annotations

import argparse

from fundmodel.compare import compare_scenarios, render_comparison
from fundmodel.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="run several scenarios and compare them side by side",
        description="Run each scenario and show totals (gross and net investment), multipliers, uplift by year, "
        "by field and by bank, with differences against the first scenario and where they come from.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files (the first is the reference)")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.add_argument("--unit", choices=["bn", "yi"], default="bn", help="money unit of the table: bn RMB or 亿元")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="label language of the table")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        from fundmodel.cli import CommandError

        raise CommandError("compare needs at least two scenario files")
    scenarios = [load_scenario(path) for path in args.scenarios]
    comparison = compare_scenarios(scenarios)
    print(comparison.to_json() if args.format == "json" else render_comparison(comparison, args.unit, args.lang))
    return 0
