"""``fundmodel project-montecarlo``: Monte Carlo over every project of a portfolio."""

from __future__ import annotations

import argparse

from fundmodel.analysis.project_uncertainty import ProjectMonteCarlo, ProjectUncertainty, project_monte_carlo
from fundmodel.cli import CommandError, InvalidPortfolioError, stamped_json
from fundmodel.cli.run import add_output_options
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.labels import label
from fundmodel.messages import Message
from fundmodel.outputs.report import cell, text_table
from fundmodel.units import unit_label


def _triple(text: str | tuple[float, float, float]) -> tuple[float, float, float]:
    """``"0.9,1.0,1.3"`` -> ``(0.9, 1.0, 1.3)``; read in the command, not by argparse, so that
    a bad value is refused in the command's language."""
    if not isinstance(text, str):
        return text
    try:
        low, mode, high = (float(x) for x in text.split(","))
    except ValueError:
        raise CommandError(Message("cli_bad_triple", {"option": "--investment-factor", "text": repr(text)})) from None
    return low, mode, high


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project-montecarlo", help="Monte Carlo over each project of a portfolio (outturn, completion)")
    p.add_argument("--portfolio", required=True, metavar="FILE", help="portfolio CSV or XLSX")
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    p.add_argument("--draws", type=int, default=1000, help="number of draws (default 1,000)")
    p.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    d = ProjectUncertainty()
    p.add_argument(
        "--investment-factor",
        default=d.investment_factor,
        metavar="LOW,MODE,HIGH",
        help="triangular actual / planned investment (default 0.9,1.0,1.3)",
    )
    p.add_argument("--additionality-spread", type=float, default=d.additionality_spread, help="half-width (0.15)")
    p.add_argument("--completion", type=float, default=d.completion_probability, help="P(project goes ahead) (0.95)")
    p.add_argument("--correlation", type=float, default=d.common_shock_correlation, help="common shock rho (0.3)")
    add_output_options(p)
    p.set_defaults(handler=handle)


def render(mc: ProjectMonteCarlo, unit: str = "bn", lang: str = "en") -> str:
    def fmt(metric: str, v: float) -> str:
        return cell(metric, v, unit)

    cols = ["base", "mean", "p5", "p50", "p95"]
    rows = [[label(m, lang), *(fmt(m, r[c]) for c in cols)] for m, r in mc.summary.iterrows()]
    params = {"draws": mc.draws, "projects": mc.projects, "seed": mc.seed, "ms": mc.seconds * 1000}
    lines = [
        Message("project_montecarlo_head", {**params, "unit": unit_label(unit, lang)}).render(lang),
        "",
        text_table([label("metric", lang), *(label(c, lang) for c in cols)], rows),
        "",
    ]
    lines += [f"P({label(k, lang)} >= {fmt(k, v)}) = {mc.probabilities[k]:.1%}" for k, v in mc.targets.items()]
    return "\n".join(lines)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario) if args.scenario else baseline()
    params = scenario.parameters()
    portfolio = read_portfolio(args.portfolio, params=params)
    if not portfolio.ok:
        raise InvalidPortfolioError(portfolio)
    assumptions = ProjectUncertainty(
        _triple(args.investment_factor), args.additionality_spread, args.completion, args.correlation
    )
    mc = project_monte_carlo(portfolio, params, assumptions, draws=args.draws, seed=args.seed)
    json_text = stamped_json(mc.to_json(), params.instrument_id) if args.format == "json" else None
    print(json_text or render(mc, args.unit, args.lang))
    return 0
