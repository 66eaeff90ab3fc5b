"""``fundmodel validate FILE``: check a portfolio and print every problem found."""

from __future__ import annotations

import argparse
import json

from fundmodel.cli.run import (
    add_encoding_option,
    add_input_unit_option,
    add_map_option,
    add_sheet_option,
    read_portfolio_files,
)
from fundmodel.inputs.portfolio import rendered_issues
from fundmodel.inputs.scenario import load_scenario


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a portfolio file (CSV/XLSX); exit 1 when it has errors")
    p.add_argument(
        "file",
        metavar="FILE",
        nargs="+",
        help="portfolio file (CSV, XLSX, XLS, ODS) or folder; several are read into one portfolio",
    )
    add_input_unit_option(p)
    add_sheet_option(p)
    add_encoding_option(p)
    add_map_option(p)
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML whose parameters (caps, minimums) apply")
    p.add_argument("--format", choices=["text", "json"], default="text", help="report format (default text)")
    p.add_argument("--limit", type=int, default=None, help="print at most this many issues")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    params = load_scenario(args.scenario).parameters() if args.scenario else None
    portfolio = read_portfolio_files(args.file, args, params)
    if args.format == "json":
        shown = portfolio.issues.head(args.limit) if args.limit is not None else portfolio.issues
        issues = rendered_issues(shown, args.lang, args.unit)
        records = [
            {**r, "row": None if r["row"] is None or r["row"] != r["row"] else int(r["row"])}
            for r in issues.astype(object).where(issues.notna(), None).to_dict(orient="records")
        ]
        report = {
            "file": portfolio.source,
            "projects": len(portfolio.frame),
            "errors": portfolio.n_errors,
            "warnings": int((portfolio.issues["severity"] == "warning").sum()),
            "issues": records,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(portfolio.report(limit=args.limit, lang=args.lang, unit=args.unit))
    return 0 if portfolio.ok else 1
