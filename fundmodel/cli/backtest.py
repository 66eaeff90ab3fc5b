"""``fundmodel backtest``: each instrument's ex-ante model against its reported outturn."""

from __future__ import annotations

import argparse
import json

from fundmodel.analysis.backtest import backtest, backtest_records, render_backtest
from fundmodel.cli.run import add_output_options
from fundmodel.inputs.parameters import chosen_instrument


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backtest",
        help="each instrument's ex-ante model against what was reported (total, by bank, projects)",
        description="Run each bundled instrument (or the one given with --instrument) on its ex-ante assumptions "
        "and compare with its reported outturn: total investment, by bank where published, the number of projects "
        "where a portfolio exists; how far the ex-ante model was off, and the bank fund shares that reproduce "
        "the reported figures.",
    )
    add_output_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    chosen = chosen_instrument()
    table = backtest([chosen] if chosen else None)
    if args.format == "json":
        print(json.dumps(backtest_records(table, args.lang, args.unit), ensure_ascii=False, indent=2))
    else:
        print(render_backtest(table, args.unit, args.lang))
    return 0
