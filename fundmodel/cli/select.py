"""``fundmodel select``: choose which candidate projects to fund under the budgets (MILP)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fundmodel.analysis.selection import MIP_REL_GAP, Selection, SelectionConstraints, SelectionError, select_projects
from fundmodel.cli import CommandError, stamped_json, warn
from fundmodel.cli.run import add_portfolio_options, load_portfolio_args
from fundmodel.core.result import clean_json
from fundmodel.inputs.parameters import instrument_id
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.messages import Message
from fundmodel.outputs.atomic import check_output_path
from fundmodel.outputs.csv_writer import summarize, write_csv

#: Columns of the chosen-set table (CLI output and --out CSV).
CHOSEN_COLUMNS = [
    "project_id",
    "project_name",
    "bank",
    "field",
    "province",
    "private",
    "fund_requested_bn",
    "fund_bn",
    "funded_fraction",
    "investment_bn",
    "objective_bn",
]


def _pairs(values: list[str] | None, what: str) -> dict[str, float]:
    """``["cdb=200", "adbc=120"]`` -> ``{"cdb": 200.0, "adbc": 120.0}``."""
    out: dict[str, float] = {}
    for item in values or []:
        key, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key.strip()] = float(number)
        except ValueError:
            raise CommandError(Message("select_bad_item", {"what": what, "item": repr(item)})) from None
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("select", help="choose projects to fund under the bank quotas (mixed-integer program)")
    add_portfolio_options(p, required=True)
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML whose parameters apply (quotas, caps, floor)")
    p.add_argument("--objective", choices=["total", "net", "score"], default="total", help="what to maximise")
    p.add_argument(
        "--min-fraction",
        type=float,
        default=0.5,
        help="a funded project gets at least this share of its request (1 = all or nothing; default 0.5)",
    )
    p.add_argument("--quota", action="append", metavar="BANK=BN", help="replace a bank's quota (bn RMB)")
    p.add_argument("--min-quota-use", type=float, default=0.0, help="share of each quota that must be used")
    p.add_argument("--field-min", action="append", metavar="FIELD=SHARE", help="minimum share of a field")
    p.add_argument("--field-max", action="append", metavar="FIELD=SHARE", help="maximum share of a field")
    p.add_argument("--private-min", type=float, default=None, help="private-enterprise floor (default 20%%)")
    p.add_argument("--time-limit", type=float, default=60.0, help="solver time limit in seconds (default 60)")
    p.add_argument(
        "--method",
        choices=["auto", "milp", "lp_core"],
        default="auto",
        help="milp: the whole MILP; lp_core: LP relaxation, then the MILP on the candidates nearest its "
        "threshold; auto (default): milp up to 5,000 candidates, lp_core above",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.add_argument("--limit", type=int, default=20, help="chosen projects listed in the table (default 20)")
    p.add_argument("--out", metavar="CSV", help="write every candidate with the money chosen to this CSV")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.out is not None:  # refused before any work
        check_output_path(args.out, inputs=[*args.portfolio, args.scenario], suffixes=(".csv",))
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    params = scenario.parameters()
    portfolio = load_portfolio_args(args, params)
    constraints = SelectionConstraints(
        quota_bn=_pairs(args.quota, "--quota"),
        min_quota_use=args.min_quota_use,
        field_min=_pairs(args.field_min, "--field-min"),
        field_max=_pairs(args.field_max, "--field-max"),
        private_min=args.private_min,
        min_fraction=args.min_fraction,
    )
    try:
        selection = select_projects(
            portfolio,
            args.objective,
            constraints,
            params,
            time_limit=args.time_limit,
            with_result=False,
            method=args.method,
        )
    except SelectionError as exc:
        raise CommandError(str(exc)) from None
    if args.out is not None:
        written = write_selection_csv(selection, args.out, inputs=args.portfolio, instrument=params.instrument_id)
        warn(summarize(written))
    if args.format == "json":
        print(stamped_json(json.dumps(selection_dict(selection)), params.instrument_id))
    else:
        print(render_selection(selection, args.limit))
    return 0


def selection_dict(s: Selection) -> dict:
    """A selection as plain JSON-ready data."""
    chosen = s.chosen[CHOSEN_COLUMNS]
    return {
        "objective": s.objective_name,
        "objective_value_bn": clean_json(s.objective),
        "greedy_objective_value_bn": clean_json(s.greedy_objective),
        "gain_over_greedy_bn": clean_json(s.gain),
        "greedy_breaks": s.greedy_violations,
        "binding": s.binding,
        "method": s.method,
        "method_text": s.method_text,
        "bound_bn": clean_json(s.bound),
        "gap": clean_json(s.gap),
        "proven_optimal": s.proven_optimal,
        "status": s.status,
        "seconds": clean_json(s.seconds),
        "n_candidates": len(s.projects),
        "n_chosen": len(chosen),
        "by_bank": [{"bank": b, **{k: clean_json(v) for k, v in r.items()}} for b, r in s.usage.iterrows()],
        "chosen": [{k: clean_json(v) for k, v in r.items()} for r in chosen.to_dict(orient="records")],
    }


def render_selection(s: Selection, limit: int = 20) -> str:
    """A readable report: objective and gain, bank usage, binding constraints, the chosen set."""
    chosen = s.chosen
    pct = s.gain / s.greedy_objective if s.greedy_objective else float("nan")
    lines = [
        f"Objective ({s.objective_name}): {s.objective:,.3f} bn; greedy by multiplier: {s.greedy_objective:,.3f} bn; "
        f"gain {s.gain:+,.3f} bn ({pct:+.4%})",
        f"Method: {s.method_text}; {s.seconds:.2f} s",
        f"Bound: {s.bound:,.3f} bn; gap {s.gap:.1e} of the bound "
        + (f"(optimal within {MIP_REL_GAP:.0e})" if s.proven_optimal else "(not proven optimal)"),
        f"Solver: {s.status}",
        f"Chosen: {len(chosen):,} of {len(s.projects):,} projects, fund {chosen['fund_bn'].sum():,.3f} bn, "
        f"investment {chosen['investment_bn'].sum():,.3f} bn "
        f"({int((chosen['funded_fraction'] < 1 - 1e-9).sum()):,} funded in part)",
        "Binding constraints: " + (", ".join(s.binding) if s.binding else "none"),
    ]
    if s.greedy_violations:
        lines.append("The greedy ranking breaks: " + ", ".join(s.greedy_violations))
    lines += ["", f"{'bank':<6} {'fund_bn':>12} {'quota_bn':>12} {'greedy_bn':>12}"]
    lines += [
        f"{b:<6} {r.fund_bn:>12,.3f} {r.quota_bn:>12,.3f} {r.greedy_fund_bn:>12,.3f}" for b, r in s.usage.iterrows()
    ]
    top = chosen.sort_values("objective_bn", ascending=False).head(limit)
    lines += ["", f"Chosen projects (top {len(top)} by objective; --out writes all):"]
    lines += [
        f"  {r.project_id:<12} {str(r.project_name)[:28]:<28} {r.bank:<5} {r.fund_bn:>10,.4f} bn "
        f"{r.funded_fraction:>6.0%} {r.investment_bn:>10,.3f} bn"
        for r in top.itertuples()
    ]
    return "\n".join(lines)


def write_selection_csv(
    s: Selection, path: str | Path, inputs: Sequence[str | Path | None] = (), instrument: str | None = None
) -> list[str]:
    """Every candidate with ``chosen`` and the money chosen (:func:`write_csv`), and the
    instrument it was chosen under in a last column; the warnings."""
    table = s.projects[[*CHOSEN_COLUMNS[:6], "chosen", *CHOSEN_COLUMNS[6:], "greedy_fund_bn"]].copy()
    table["instrument"] = instrument_id(instrument)
    table["private"] = np.where(table["private"].astype(bool), "yes", "no")
    return write_csv(pd.DataFrame(table), path, inputs=inputs)
