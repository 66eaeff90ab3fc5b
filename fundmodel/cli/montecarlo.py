"""``fundmodel montecarlo``: draw the uncertain assumptions of a scenario's ``uncertainty:`` block."""

from __future__ import annotations

import argparse

from fundmodel.analysis.uncertainty import MonteCarlo, monte_carlo, parse_uncertainty
from fundmodel.cli import CommandError, stamped_json
from fundmodel.inputs.scenario import load_scenario
from fundmodel.labels import label
from fundmodel.messages import Message
from fundmodel.outputs.report import cell, text_table
from fundmodel.units import unit_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "montecarlo",
        help="Monte Carlo over a scenario's uncertainty: block (P5/P50/P95, probability of reaching targets)",
    )
    p.add_argument("scenario", metavar="FILE", help="scenario YAML with an uncertainty: block")
    p.add_argument("--draws", type=int, help="number of draws (default: the block's, else 10,000)")
    p.add_argument("--seed", type=int, help="random seed (default: the block's)")
    p.add_argument("--target-total", type=float, metavar="BN", help="target total investment, bn RMB")
    p.add_argument(
        "--target-uplift",
        type=float,
        metavar="PP",
        help="target peak level effect, %% of the infrastructure base (the ex-ante '+3-4 pp' read as X/B)",
    )
    p.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    p.set_defaults(handler=handle)


def render_monte_carlo(result: MonteCarlo, unit: str = "bn", lang: str = "en") -> str:
    """Percentiles of each metric and of each field's investment, and the target probabilities."""
    u = unit_label(unit, lang)

    def fmt(metric: str, v: float) -> str:
        return cell(metric, v, unit)

    cols = ["base", "mean", "p5", "p50", "p95"]
    rows = [[label(m, lang), *(fmt(m, r[c]) for c in cols)] for m, r in result.summary.iterrows()]
    parts = [
        f"{label('monte_carlo', lang)}{'：' if lang == 'zh' else ': '}"
        f"{label('draws', lang)} {result.draws:,}, {label('seed', lang)} {result.seed} "
        f"({label('unit', lang)}: {u}); "
        f"{result.seconds * 1000:.0f} ms",
        "",
        text_table([label("metric", lang), *(label(c, lang) for c in cols)], rows),
        "",
    ]
    for metric, target in result.targets.items():
        parts.append(
            f"{label('probability_reaching', lang)}: {label(metric, lang)} >= {fmt(metric, target)}: "
            f"{result.probabilities[metric]:.1%}"
        )
    rows = [
        [label(f, lang), *(fmt("total_investment_bn", r[c]) for c in ("base", "p5", "p50", "p95"))]
        for f, r in result.by_field.iterrows()
    ]
    parts += [
        "",
        f"{label('by_field', lang)}: {label('total_investment_bn', lang)}",
        text_table([label("field", lang), *(label(c, lang) for c in ("base", "p5", "p50", "p95"))], rows),
    ]
    return "\n".join(parts)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if scenario.uncertainty is None:
        raise CommandError(Message("montecarlo_no_uncertainty", {"file": args.scenario}))
    if args.draws is not None and args.draws < 1:
        raise CommandError(Message("cli_draws_at_least_one", {"n": args.draws}))
    params = scenario.parameters()
    spec = parse_uncertainty(scenario.uncertainty, params, scenario.source)
    targets = dict(spec.targets) or None
    if args.target_total is not None or args.target_uplift is not None:
        targets = dict(targets or {})
        if args.target_total is not None:
            targets["total_investment_bn"] = args.target_total
        if args.target_uplift is not None:
            targets["peak_level_effect_pct"] = args.target_uplift
    result = monte_carlo(spec, params, draws=args.draws, seed=args.seed, targets=targets)
    print(
        stamped_json(result.to_json(), params.instrument_id)
        if args.format == "json"
        else render_monte_carlo(result, args.unit, args.lang)
    )
    return 0
