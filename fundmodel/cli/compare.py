"""``fundmodel compare``: scenarios side by side, with where the differences come from."""

from __future__ import annotations

import argparse
import json

from fundmodel.analysis.compare import (
    compare_results,
    fiscal_summary,
    not_applicable,
    render_across_instruments,
    render_comparison,
)
from fundmodel.analysis.decomposition import decompose, render_decomposition
from fundmodel.cli import CommandError
from fundmodel.cli.run import add_portfolio_options, portfolio_name, read_portfolio_args, session_result
from fundmodel.core.result import clean_json
from fundmodel.inputs.scenario import load_scenario
from fundmodel.messages import Message
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
    p.add_argument(
        "--decompose",
        action="store_true",
        help="also split each scenario's difference from the first into the drivers it declares (drivers:), "
        "added in sequence, with each driver's share and the residual",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise CommandError(Message("compare_needs_two"))
    if args.decompose and args.portfolio:
        # the drivers (allocation, field and bank leverage) are top-down parameters a portfolio does not use
        raise CommandError(Message("compare_decompose_top_down"))
    scenarios = [load_scenario(path) for path in args.scenarios]
    # a portfolio is read once, and validated under each scenario's parameters (caps, minimums, defaults)
    read_once = read_portfolio_args(args, scenarios[0].parameters())
    results = []
    for scenario in scenarios:
        title = scenario.name_zh if args.lang == "zh" and scenario.name_zh else scenario.name
        name = f"{title} on {portfolio_name(args)}" if args.portfolio else title
        results.append(session_result(Session(scenario, portfolio=read_once), name))
    comparison = compare_results(results)
    decompositions = [decompose(scenarios[0], s) for s in scenarios[1:]] if args.decompose else []
    if args.format == "json":
        document = comparison.to_dict()
        document["not_applicable"] = not_applicable(comparison)
        document["fiscal_cost_pv"] = fiscal_summary(comparison).to_dict(orient="index")
        if args.decompose:
            document["decomposition"] = [d.to_dict() for d in decompositions]
        print(json.dumps(document, ensure_ascii=False, indent=2, default=clean_json))
    else:
        print(render_comparison(comparison, args.unit, args.lang))
        for decomposition in decompositions:
            print("\n" + render_decomposition(decomposition, args.unit, args.lang))
        print()
        print(render_across_instruments(comparison, args.unit, args.lang))
    return 0
