"""``fundmodel run``: run the model on a scenario and print the result."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fundmodel.cli import CommandError, InvalidPortfolioError
from fundmodel.core.result import Result
from fundmodel.inputs.parameters import Parameters
from fundmodel.inputs.portfolio import Portfolio, parse_column_map, read_portfolio
from fundmodel.inputs.portfolio.mapping import ColumnMapping, load_mapping_profile, merged_mapping, read_mapping_file
from fundmodel.inputs.scenario import Scenario, baseline, load_scenario
from fundmodel.messages import Message
from fundmodel.outputs.report import render_table
from fundmodel.session import Session


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--format, shared by commands that print results (--lang and --unit every command takes)."""
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")


def add_portfolio_options(parser: argparse.ArgumentParser, required: bool = True) -> None:
    """--portfolio FILE (repeatable; a folder stands for its files), --input-unit, --sheet,
    --encoding and --map, shared by commands that read a portfolio."""
    parser.add_argument(
        "--portfolio",
        metavar="FILE",
        action="append",
        required=required,
        help="portfolio file (CSV, XLSX, XLS, ODS; one row per project) or folder; repeat it to read "
        "several files into one portfolio" + ("" if required else ": run bottom-up"),
    )
    add_input_unit_option(parser)
    add_sheet_option(parser)
    add_encoding_option(parser)
    add_map_option(parser)


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """--encoding NAME: the text encoding of CSV portfolio files."""
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        default=None,
        help="text encoding of CSV portfolio files, e.g. big5 (default: UTF-8, else GB18030); spreadsheets need none",
    )


def add_input_unit_option(parser: argparse.ArgumentParser) -> None:
    """--input-unit bn|yi|wan: the money unit of columns whose header declares none."""
    parser.add_argument(
        "--input-unit",
        choices=["bn", "yi", "wan"],
        default=None,
        help="money unit of portfolio columns whose header declares none (bn RMB, 亿元, 万元)",
    )


def add_sheet_option(parser: argparse.ArgumentParser) -> None:
    """--sheet NAME (repeatable; '*' for every visible sheet)."""
    parser.add_argument(
        "--sheet",
        action="append",
        default=None,
        help="spreadsheet sheet name or number (default: the first visible sheet); repeat it to read "
        "several sheets, '*' reads every visible sheet",
    )


def sheet_arg(args: argparse.Namespace) -> str | list[str] | None:
    """The --sheet options as read_portfolio takes them: one name, several, or None."""
    sheets = args.sheet or []
    return sheets[0] if len(sheets) == 1 else (sheets or None)


def portfolio_name(args: argparse.Namespace) -> str | None:
    """The names of the --portfolio files (for run names), or None."""
    return ", ".join(Path(p).name for p in args.portfolio) if args.portfolio else None


def add_map_option(parser: argparse.ArgumentParser) -> None:
    """--map HEADER=COLUMN_ID (repeatable), --mapping FILE and --mapping-profile NAME:
    correct how the columns of the file are understood."""
    parser.add_argument(
        "--map",
        action="append",
        metavar="HEADER=COLUMN_ID",
        default=None,
        help="read the file's column HEADER as COLUMN_ID, e.g. '资金结构/申请金额=fund_requested_bn' (repeatable)",
    )
    parser.add_argument(
        "--mapping-profile",
        metavar="NAME",
        default=None,
        help="apply a kept column mapping (see 'fundmodel mapping save'); --map wins for the same header",
    )
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        default=None,
        help="apply a column mapping file (YAML: columns: {HEADER: COLUMN_ID}, optional input_unit)",
    )


def column_map_args(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str], str | None]:
    """The column map of --mapping-profile, --mapping and --map (applied in that order), where
    each header's mapping came from, and the money unit (--input-unit, else the mapping's)."""
    mappings = []
    if getattr(args, "mapping_profile", None):
        mappings.append(load_mapping_profile(args.mapping_profile))
    if getattr(args, "mapping", None):
        mappings.append(read_mapping_file(args.mapping))
    mappings.append(ColumnMapping(parse_column_map(args.map), None, "--map"))
    columns, sources, unit = merged_mapping(*mappings)
    return columns, sources, args.input_unit or unit


def load_portfolio_args(args: argparse.Namespace, params: Parameters | None = None) -> Portfolio:
    """Read the portfolio named by the options; a portfolio with errors ends the command
    with its validation report (exit 1)."""
    return valid_under(read_portfolio_args(args, params))


def valid_under(portfolio: Portfolio, params: Parameters | None = None) -> Portfolio:
    """The portfolio validated under ``params`` (:meth:`Portfolio.under`; read once, validated
    per scenario); errors end the command with the validation report (exit 1)."""
    if params is not None:
        portfolio = portfolio.under(params)
    if not portfolio.ok:
        raise InvalidPortfolioError(portfolio)
    return portfolio


def read_portfolio_args(args: argparse.Namespace, params: Parameters | None = None) -> Portfolio | None:
    """The portfolio named by ``--portfolio`` as read (validated per session), or None."""
    return read_portfolio_files(args.portfolio, args, params) if args.portfolio else None


def read_portfolio_files(files: list[str], args: argparse.Namespace, params: Parameters | None = None) -> Portfolio:
    """The portfolio of ``files`` read with the options --input-unit, --sheet, --encoding and
    the column mapping (validated under ``params``)."""
    paths = files[0] if len(files) == 1 else files
    columns, sources, unit = column_map_args(args)
    return read_portfolio(
        paths,
        unit=unit,
        sheet=sheet_arg(args),
        params=params,
        column_map=columns,
        column_map_sources=sources,
        encoding=args.encoding,
    )


def session_result(session: Session, name: str | None = None) -> Result:
    """The run of ``session``: bottom-up on its portfolio, else top-down (named ``name``,
    default the scenario's name). A portfolio with errors ends the command with its
    validation report (exit 1)."""
    if session.portfolio is None:
        return session.result(name)
    result = session.portfolio_result(name or session.run_name)
    if result is None:
        valid_under(session.validated_portfolio)  # raises with the validation report
    return result


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the model on a scenario (top-down), or bottom-up on a portfolio")
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    add_portfolio_options(p, required=False)
    p.add_argument(
        "--under-allocation",
        action="store_true",
        help="with --portfolio: run the projects funded under the scenario's allocation (its field x bank "
        "budgets; the dashboard's portfolio basis) instead of every project as submitted",
    )
    add_output_options(p)
    p.set_defaults(handler=handle)


def scenario_title(scenario: Scenario, lang: str) -> str:
    """The scenario's name in ``lang`` (its Chinese name when it has one)."""
    return scenario.name_zh if lang == "zh" and scenario.name_zh else scenario.name


def under_allocation(session: Session, name: str, portfolio: str) -> tuple[Result, Message]:
    """The run of the projects funded under the session's allocation budgets (the library
    call the dashboard's portfolio basis makes: :meth:`Session.budgeted_result`) and the
    sentence saying so. A portfolio with errors ends the command with its validation
    report; one whose projects get no money, in one line."""
    if session.budgeted_selection is None:
        valid_under(session.validated_portfolio)  # raises with the validation report
    selection = session.budgeted_selection
    if not selection.n_chosen:
        raise CommandError(Message("basis_refused_unfunded", {"portfolio": portfolio}))
    return session.budgeted_result(name), selection.basis_note(portfolio)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    params = scenario.parameters()
    session = Session(scenario, portfolio=read_portfolio_args(args, params), base=params)
    if args.under_allocation and not args.portfolio:
        raise CommandError(Message("run_under_allocation_needs_portfolio"))
    note = None
    if args.portfolio:
        files = portfolio_name(args)
        name = f"{files} ({scenario_title(scenario, args.lang)})"
        if args.under_allocation:
            result, note = under_allocation(session, name, files)
        else:
            result = session_result(session, name)
            note = Message(
                "basis_submitted_note",
                {"portfolio": files, "projects": len(session.validated_portfolio.frame), "fund": result.fund_size_bn},
            )
    else:
        result = session_result(session, scenario_title(scenario, args.lang) if args.lang == "zh" else None)
    if args.format == "json":
        text = result.to_json()
        if note is not None:  # which quantity the numbers are, first
            basis = "portfolio_under_allocation" if args.under_allocation else "portfolio_as_submitted"
            text = json.dumps(
                {"basis": basis, "basis_note": note.render(args.lang, args.unit), **json.loads(text)},
                ensure_ascii=False,
                indent=2,
            )
        print(text)
    else:
        table = render_table(result, args.unit, args.lang)
        print(table if note is None else f"{note.render(args.lang, args.unit)}\n\n{table}")
    return 0
