"""``fundmodel compare``: scenarios side by side, with where the differences come from."""

from __future__ import annotations

import argparse

from fundmodel.analysis.compare import compare_results, render_comparison
from fundmodel.cli import CommandError
from fundmodel.cli.run import add_portfolio_options, portfolio_name, read_portfolio_args, session_result
from fundmodel.inputs.scenario import load_scenario
from fundmodel.session import Session


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="run several scenarios and compare them side by side",
        description="Run each scenario (top-down, or bottom-up on --portfolio) and show totals (gross, net and, "
        "for portfolios, pro-rata attributed investment), multipliers, level and growth effects by year, "
        "by field and by bank, "
        "with differences against the first scenario and where they come from.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files (the first is the reference)")
    add_portfolio_options(p, required=False)
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.add_argument("--unit", choices=["bn", "yi"], default="bn", help="money unit of the table: bn RMB or 亿元")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="label language of the table")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise CommandError("compare needs at least two scenario files")
    scenarios = [load_scenario(path) for path in args.scenarios]
    # a portfolio is read once, and validated under each scenario's parameters (caps, minimums, defaults)
    read_once = read_portfolio_args(args, scenarios[0].parameters())
    results = []
    for scenario in scenarios:
        title = scenario.name_zh if args.lang == "zh" and scenario.name_zh else scenario.name
        name = f"{title} on {portfolio_name(args)}" if args.portfolio else title
        results.append(session_result(Session(scenario, portfolio=read_once), name))
    comparison = compare_results(results)
    print(comparison.to_json() if args.format == "json" else render_comparison(comparison, args.unit, args.lang))
    return 0
