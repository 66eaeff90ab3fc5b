"""``fundmodel metrics``: cash-flow metrics per project (IRR, NPV, DSCR, payback, subsidy)."""

from __future__ import annotations

import argparse
import json
import re
from functools import partial

import pandas as pd

from fundmodel.cli import CommandError, stamped_json, warn
from fundmodel.cli.run import add_portfolio_options, load_portfolio_args
from fundmodel.core.cashflow import METRIC_COLUMNS, NO_DATA, cash_flow_table, cashflow_metrics
from fundmodel.core.result import clean_json
from fundmodel.inputs.parameters import instrument_id
from fundmodel.labels import name_of
from fundmodel.messages import Message, render
from fundmodel.outputs.atomic import check_output_path
from fundmodel.outputs.csv_writer import summarize, write_csv
from fundmodel.outputs.report import text_table
from fundmodel.units import from_bn, unit_label


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
        check_output_path(args.out, inputs=args.portfolio, suffixes=(".csv",))
    portfolio = load_portfolio_args(args)
    frame = portfolio.frame
    if args.project:
        try:
            flows = cash_flow_table(frame, args.project)
        except KeyError:
            raise CommandError(Message("metrics_no_project", {"project": args.project})) from None
        metrics = cashflow_metrics(frame[frame["project_id"].astype(str) == args.project])
        if metrics["cashflow_status"].iloc[0] != "ok":
            status = status_message(metrics["cashflow_status"].iloc[0])
            raise CommandError(Message("metrics_project_status", {"project": args.project, "status": status}))
        if args.format == "json":
            print(flows.reset_index().to_json(orient="records", force_ascii=False, indent=2))
        else:
            print(render_flows(flows, args.lang, args.unit))
        return 0
    metrics = cashflow_metrics(frame)
    table = pd.concat([frame[["project_id", "project_name"]], metrics], axis=1)
    table["instrument"] = instrument_id(None)  # the portfolio was read under the chosen instrument
    if args.out is not None:
        warn(summarize(write_csv(table, args.out, inputs=args.portfolio)), args.lang)
    if args.format == "json":
        records = [{k: clean_json(v) for k, v in r.items()} for r in table.to_dict(orient="records")]
        document = json.dumps({"projects": records, "with_cash_flows": int((metrics["cashflow_status"] == "ok").sum())})
        print(stamped_json(document, instrument_id(None)))
        return 0
    print(render_metrics(table, portfolio.source, args.limit, args.lang, args.unit))
    return 0


def render_metrics(table: pd.DataFrame, source: str, limit: int = 30, lang: str = "en", unit: str = "bn") -> str:
    """How many projects have cash flows, why the others have none, and the metrics of the
    first ``limit`` projects as a table in ``lang``, the NPV in ``unit``."""
    ok = table["cashflow_status"] == "ok"
    say = partial(render, lang=lang, unit=unit)
    lines = [say(Message("metrics_with_cashflow", {"source": source, "ok": int(ok.sum()), "n": len(table)}))]
    for status, n in table.loc[~ok, "cashflow_status"].value_counts().items():
        lines.append(say(Message("metrics_status_count", {"n": n, "status": status_message(status)})))
    npv = f"{name_of('npv_bn', lang)} ({unit_label(unit, lang)})"
    heads = [name_of(k, lang) for k in ("project_id", "project_irr", "equity_irr")]
    heads += [npv, *(name_of(k, lang) for k in ("min_dscr", "payback_year", "subsidy_per_yuan", "note"))]
    rows = []
    for r in table.head(limit).itertuples():
        if r.cashflow_status != "ok":
            rows.append([str(r.project_id), *[""] * 6, say(status_message(r.cashflow_status or NO_DATA))])
            continue
        numbers = [_pct(r.project_irr), _pct(r.equity_irr), f"{float(from_bn(r.npv_bn, unit)):,.3f}"]
        numbers += [_num(r.min_dscr), _num(r.payback_year, "{:.0f}"), f"{r.subsidy_per_yuan:.4f}"]
        rows.append([str(r.project_id), *numbers, say(status_message(r.irr_note)) if r.irr_note else ""])
    return "\n".join([*lines, "", text_table(heads, rows)])


def render_flows(flows: pd.DataFrame, lang: str = "en", unit: str = "bn") -> str:
    """One project's yearly flows (:func:`cash_flow_table`, bn RMB) as a table in ``lang``
    and ``unit``, each column headed by its message ``metrics_flow_<column>``."""
    u = unit_label(unit, lang)
    heads = [name_of("year", lang), *(f"{render(Message('metrics_flow_' + c), lang)} ({u})" for c in flows.columns)]
    values = from_bn(flows.to_numpy(dtype=float), unit)
    rows = [[str(year), *(f"{v:,.4f}" for v in row)] for year, row in zip(flows.index, values, strict=True)]
    return text_table(heads, rows)


#: What :func:`fundmodel.core.cashflow.cashflow_metrics` says of a project without metrics
#: (its ``cashflow_status``, kept as data in the CSV) and of an IRR it cannot give
#: (``irr_note``), and the message each is said by.
STATUS_MESSAGES = (
    (re.escape(NO_DATA), "cashflow_no_data"),
    (r"incomplete cash-flow data: missing (?P<columns>.+)", "cashflow_incomplete"),
    (r"fund term ends before construction does", "cashflow_term_before_construction"),
    (r"no IRR: the cash flows never change sign", "cashflow_irr_no_sign_change"),
    (r"no IRR: no rate between -95% and 300% gives a zero NPV", "cashflow_irr_not_found"),
    (r"equity (?P<note>.+)", "cashflow_equity_note"),
)


def status_message(text: str) -> Message:
    """A cash-flow status or IRR note as a message (its text where it is none of them).

    >>> render(status_message("incomplete cash-flow data: missing annual_revenue_bn, operating_years"), "zh")
    '现金流数据不完整：缺少达产年收入、运营期'
    """
    for pattern, message_id in STATUS_MESSAGES:
        found = re.fullmatch(pattern, text)
        if found:
            params: dict[str, object] = dict(found.groupdict())
            if "columns" in params:
                params["columns"] = str(params["columns"]).split(", ")
            if "note" in params:
                params["note"] = status_message(str(params["note"]))
            return Message(message_id, params)
    return Message("text", {"text": text})


def _pct(v: float) -> str:
    return "—" if pd.isna(v) else f"{v:.2%}"


def _num(v: float, fmt: str = "{:.2f}") -> str:
    return "—" if pd.isna(v) else fmt.format(v)


__all__ = ["METRIC_COLUMNS"]
