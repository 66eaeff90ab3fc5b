"""``fundmodel import-excel``: read an edited workbook back into a scenario YAML file (and, for a
portfolio workbook, the edited projects into a portfolio file)."""

from __future__ import annotations

import argparse

from fundmodel.cli import InvalidPortfolioError
from fundmodel.messages import Message
from fundmodel.outputs.atomic import atomic_path, check_output_path, write_text
from fundmodel.outputs.excel import read_workbook_portfolio, read_workbook_scenario, write_portfolio_file
from fundmodel.outputs.excel.readback import project_inputs_table, scenario_yaml


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-excel", help="read the Inputs sheet of an edited workbook into a scenario YAML")
    p.add_argument("book", metavar="BOOK.xlsx", help="workbook written by 'fundmodel export' (inputs may be edited)")
    p.add_argument("--out", metavar="FILE", help="scenario YAML to write (default: print it)")
    p.add_argument("--sheet", metavar="NAME", help="inputs sheet to read (default 'Inputs' or '输入')")
    p.add_argument(
        "--portfolio-out",
        metavar="FILE.xlsx",
        help="also validate the Project inputs sheet (portfolio workbooks) and write it as a portfolio file",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    # Outputs refused before any work: never the workbook read, never each other.
    if args.out is not None:
        check_output_path(args.out, inputs=[args.book], suffixes=(".yaml", ".yml"))
    if args.portfolio_out is not None:
        check_output_path(args.portfolio_out, inputs=[args.book, args.out], suffixes=(".xlsx",))
    scenario = read_workbook_scenario(args.book, sheet=args.sheet)
    if args.portfolio_out is not None:
        portfolio = read_workbook_portfolio(args.book, params=scenario.parameters())
        if not portfolio.ok:
            raise InvalidPortfolioError(portfolio)
        _, _, rows = project_inputs_table(args.book)
        with atomic_path(args.portfolio_out, inputs=[args.book], suffixes=(".xlsx",)) as partial:
            write_portfolio_file(rows, partial)
        print(Message("cli_wrote_portfolio", {"path": str(args.portfolio_out), "n": len(rows) - 1}).render(args.lang))
    text = scenario_yaml(scenario)
    if args.out is not None:
        write_text(args.out, text, inputs=[args.book], suffixes=(".yaml", ".yml"))
        n = _count(scenario.overrides)
        print(Message("cli_wrote_scenario", {"path": str(args.out), "n": n}).render(args.lang))
    else:
        print(text, end="")
    return 0


def _count(tree: object) -> int:
    return sum(_count(v) for v in tree.values()) if isinstance(tree, dict) else 1
