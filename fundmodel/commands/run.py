"""``fundmodel run``: run the model on a scenario and print the result."""

from __future__ import annotations

import argparse

from fundmodel.report import render_table
from fundmodel.scenario import baseline, load_scenario


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--format, --unit and --lang, shared by commands that print results."""
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    parser.add_argument("--unit", choices=["bn", "yi"], default="bn", help="money unit of the table: bn RMB or 亿元")
    parser.add_argument("--lang", choices=["en", "zh"], default="en", help="label language of the table")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the model on a scenario (top-down)")
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    add_output_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    result = scenario.run()
    print(result.to_json() if args.format == "json" else render_table(result, args.unit, args.lang))
    return 0
