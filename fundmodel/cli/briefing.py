"""``fundmodel briefing``: a one-page A4 briefing (PDF) of a scenario, or of a comparison."""

from __future__ import annotations

import argparse
import time

from fundmodel.cli import CommandError, wrote_scenarios
from fundmodel.cli.run import add_portfolio_options, portfolio_name, read_portfolio_args, session_result
from fundmodel.inputs.scenario import baseline, load_scenario
from fundmodel.messages import Message
from fundmodel.outputs.atomic import check_output_path
from fundmodel.outputs.briefing import MAX_RUNS, write_briefing
from fundmodel.session import Session


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "briefing",
        help="write a one-page A4 briefing (PDF) of a scenario or a comparison",
        description="KPIs, the key charts, the checks, the assumptions that differ from the baseline, "
        "the time (China Standard Time) and the version, on one A4 page (printed by headless Chromium). "
        "With --compare the --scenario (default the bundled baseline) is pinned first and each other "
        "scenario is shown with its difference to it.",
    )
    p.add_argument("--out", metavar="BRIEFING.pdf", required=True, help="PDF file to write")
    p.add_argument("--scenario", metavar="FILE", help="scenario YAML (default: the bundled baseline)")
    p.add_argument(
        "--compare",
        metavar="FILE",
        nargs="+",
        default=None,
        help=f"scenario YAML files to compare with --scenario (at most {MAX_RUNS - 1})",
    )
    add_portfolio_options(p, required=False)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    compared = args.compare or []
    if len(compared) > MAX_RUNS - 1:
        raise CommandError(Message("briefing_too_many", {"most": MAX_RUNS - 1, "given": len(compared)}))
    scenario_files = [args.scenario, *compared]
    check_output_path(args.out, inputs=[*(args.portfolio or []), *(f for f in scenario_files if f)], suffixes=(".pdf",))
    scenarios = [load_scenario(f) if f else baseline() for f in scenario_files]
    read_once = read_portfolio_args(args, scenarios[0].parameters())
    on = f" · {portfolio_name(args)}" if args.portfolio else ""
    results = [
        session_result(Session(s, portfolio=read_once), (s.name_zh if args.lang == "zh" and s.name_zh else s.name) + on)
        for s in scenarios
    ]
    # the assumptions listed are those that differ from the bundled baseline (alone) or the first scenario
    reference = None if compared else Session(baseline()).result()
    start = time.perf_counter()
    path = write_briefing(args.out, results, reference, lang=args.lang, unit=args.unit)
    print(wrote_scenarios(path, len(results), time.perf_counter() - start, args.lang))
    return 0
