"""Timings of the vectorized what-if tools. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_uncertainty.py
"""

from __future__ import annotations

import statistics
import time

from fundmodel.scenario import SCENARIO_DIR, load_scenario
from fundmodel.uncertainty import goal_seek, monte_carlo, parse_uncertainty, sensitivity


def timed(fn, repeat: int = 7) -> tuple[float, float]:
    """Median and best wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    scenario = load_scenario(SCENARIO_DIR / "uncertain_leverage.yaml")
    params = scenario.parameters()
    spec = parse_uncertainty(scenario.uncertainty, params, scenario.source)
    n_vars = len(spec.variables)
    print(f"Monte Carlo ({scenario.source}: {n_vars} uncertain variables over 8 fields x 3 banks, copula on)")
    for draws in (10_000, 100_000):
        median, best = timed(lambda d=draws: monte_carlo(spec, params, draws=d))
        print(f"  {draws:>7,} draws: median {median:7.1f} ms, best {best:7.1f} ms (draw + evaluate + percentiles)")
    median, best = timed(lambda: sensitivity(params, by="field"))
    print(f"sensitivity by field (6 assumptions x 8 fields / 3 banks): median {median:.1f} ms, best {best:.1f} ms")
    median, best = timed(lambda: goal_seek(6000, "fund_share_of_capital", params, mode="value"))
    print(f"goal-seek (bracket on 514 points + brentq): median {median:.1f} ms, best {best:.1f} ms")


if __name__ == "__main__":
    main()
