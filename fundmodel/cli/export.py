"""``fundmodel export``: write an auditable Excel workbook (live formulas) of one or more scenarios,
top-down or bottom-up on a portfolio."""

from __future__ import annotations

import argparse
import time

from fundmodel.cli import wrote_scenarios
from fundmodel.cli.run import add_portfolio_options, portfolio_name, read_portfolio_args, session_result
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.outputs.atomic import check_output_path
from fundmodel.outputs.excel import export_workbook
from fundmodel.session import Session


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write an Excel workbook of a scenario in live formulas")
    p.add_argument(
        "--scenario",
        metavar="FILE",
        action="append",
        help="scenario YAML (repeat to compare several; default: the bundled baseline)",
    )
    add_portfolio_options(p, required=False)
    p.add_argument("--out", metavar="BOOK.xlsx", required=True, help="workbook to write")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # refused before any work; the workbook itself is written beside and renamed
    check_output_path(args.out, inputs=[*(args.portfolio or []), *(args.scenario or [])], suffixes=(".xlsx",))
    scenarios = [load_scenario(f) for f in args.scenario] if args.scenario else [baseline()]
    read_once = read_portfolio_args(args, scenarios[0].parameters())  # read once, validated per scenario
    results = [
        session_result(
            Session(scenario, portfolio=read_once),
            f"{portfolio_name(args)} ({scenario.name})" if args.portfolio else None,
        )
        for scenario in scenarios
    ]
    start = time.perf_counter()
    path = export_workbook(results, args.out, lang=args.lang, unit=args.unit)
    print(wrote_scenarios(path, len(results), time.perf_counter() - start, args.lang))
    return 0
