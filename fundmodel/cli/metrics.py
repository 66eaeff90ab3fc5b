"""``fundmodel metrics``: cash-flow metrics per project (IRR, NPV, DSCR, payback, subsidy)."""

from __future__ import annotations

import argparse
import json

import pandas as pd

from fundmodel.cli import CommandError, stamped_json, warn
from fundmodel.cli.run import add_portfolio_options, load_portfolio_args
from fundmodel.core.cashflow import METRIC_COLUMNS, NO_DATA, cash_flow_table, cashflow_metrics
from fundmodel.core.result import clean_json
from fundmodel.inputs.parameters import instrument_id
from fundmodel.outputs.atomic import check_output_path
from fundmodel.outputs.csv_writer import summarize, write_csv


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("metrics", help="cash-flow metrics per project: IRR, NPV, minimum DSCR, payback, subsidy")
    add_portfolio_options(p, required=True)
    p.add_argument("--project", metavar="ID", help="print one project's yearly cash flows instead")
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.add_argument("--limit", type=int, default=30, help="projects listed in the table (default 30)")
    p.add_argument("--out", metavar="CSV", help="write every project's metrics to this CSV")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.out is not None:  # refused before any work
        check_output_path(args.out, inputs=[args.portfolio], suffixes=(".csv",))
    portfolio = load_portfolio_args(args)
    frame = portfolio.frame
    if args.project:
        try:
            flows = cash_flow_table(frame, args.project)
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from None
        metrics = cashflow_metrics(frame[frame["project_id"].astype(str) == args.project])
        if metrics["cashflow_status"].iloc[0] != "ok":
            raise CommandError(f"project {args.project}: {metrics['cashflow_status'].iloc[0]}")
        if args.format == "json":
            print(flows.reset_index().to_json(orient="records", force_ascii=False, indent=2))
        else:
            print(flows.to_string(float_format=lambda v: f"{v:,.4f}"))
        return 0
    metrics = cashflow_metrics(frame)
    table = pd.concat([frame[["project_id", "project_name"]], metrics], axis=1)
    table["instrument"] = instrument_id(None)  # the portfolio was read under the chosen instrument
    if args.out is not None:
        warn(summarize(write_csv(table, args.out, inputs=[args.portfolio])))
    ok = metrics["cashflow_status"] == "ok"
    if args.format == "json":
        records = [{k: clean_json(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
        document = json.dumps({"projects": records, "with_cash_flows": int(ok.sum())})
        print(stamped_json(document, instrument_id(None)))
        return 0
    lines = [f"{portfolio.source}: {int(ok.sum()):,} of {len(frame):,} projects have cash-flow data"]
    if (~ok).any():
        counts = metrics.loc[~ok, "cashflow_status"].value_counts()
        lines += [f"  {n:,} projects: {status}" for status, n in counts.items()]
    heads = ["project_id", "project IRR", "equity IRR", "NPV bn", "min DSCR", "payback", "subsidy/yuan", "note"]
    lines += ["", "  ".join(heads)]
    for r in table.head(args.limit).itertuples():
        if r.cashflow_status != "ok":
            lines.append(f"{r.project_id}  -- {r.cashflow_status or NO_DATA}")
            continue
        lines.append(
            f"{r.project_id}  {_pct(r.project_irr)}  {_pct(r.equity_irr)}  {r.npv_bn:,.3f}  {_num(r.min_dscr)}  "
            f"{_num(r.payback_year, '{:.0f}')}  {r.subsidy_per_yuan:.4f}  {r.irr_note}"
        )
    print("\n".join(lines))
    return 0


def _pct(v: float) -> str:
    return "n/a" if pd.isna(v) else f"{v:.2%}"


def _num(v: float, fmt: str = "{:.2f}") -> str:
    return "n/a" if pd.isna(v) else fmt.format(v)


__all__ = ["METRIC_COLUMNS"]
