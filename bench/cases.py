"""The benchmark cases: each has a set-up (not timed) and a call (timed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[], Any]
    call: Callable[[Any], Any]
    max_seconds: float | None = None
    max_mb: float | None = None
    quick: bool = True
    heavy: bool = False

    @property
    def target_text(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"<= {self.max_seconds:g} s")
        if self.max_mb is not None:
            parts.append(f"<= {self.max_mb / 1024:g} GB")
        return ", ".join(parts) or "(no target)"

    def verdict(self, seconds: float, peak_mb: float) -> str:
        if self.max_seconds is None and self.max_mb is None:
            return "measured"
        ok = (self.max_seconds is None or seconds <= self.max_seconds) and (
            self.max_mb is None or peak_mb <= self.max_mb
        )
        return "meets target" if ok else "MISSES target"


# ---------------------------------------------------------------- top-down


def _top_down_setup():
    from fundmodel import default_parameters

    return default_parameters()


def _top_down_call(params):
    from fundmodel.model import run

    return f"{run(params).total_investment_bn:,.0f} bn"


def _override_setup():
    from fundmodel import default_parameters

    return default_parameters(), {"fields": {"digital_economy": {"fund_share_of_capital": 0.35}}}


def _override_call(state):
    from fundmodel.model import run

    params, overrides = state
    return f"{run(params.with_overrides(overrides)).total_investment_bn:,.0f} bn"


CASES: list[Case] = [
    Case("top-down model run (8 fields x 3 banks)", _top_down_setup, _top_down_call),
    Case("top-down recompute after one input change", _override_setup, _override_call),
]


# ------------------------------------------------- what-if: sensitivity, goal-seek, Monte Carlo


def _uncertain_setup():
    from fundmodel.scenario import SCENARIO_DIR, load_scenario
    from fundmodel.uncertainty import parse_uncertainty

    scenario = load_scenario(SCENARIO_DIR / "uncertain_leverage.yaml")
    params = scenario.parameters()
    return params, parse_uncertainty(scenario.uncertainty, params, scenario.source)


def _monte_carlo_call(draws):
    def call(state):
        from fundmodel.uncertainty import monte_carlo

        params, spec = state
        mc = monte_carlo(spec, params, draws=draws)
        return f"P50 {mc.summary.loc['total_investment_bn', 'p50']:,.0f} bn, {len(spec.variables)} variables"

    return call


def _sensitivity_call(state):
    from fundmodel.uncertainty import sensitivity

    return f"{len(sensitivity(state[0], by='field').table)} bars"


def _goal_seek_call(state):
    from fundmodel.uncertainty import goal_seek

    return f"s = {goal_seek(6000, 'fund_share_of_capital', state[0], mode='value').change:.5f}"


CASES += [
    Case("Monte Carlo 10,000 draws x 8 fields x 3 banks", _uncertain_setup, _monte_carlo_call(10_000), max_seconds=0.5),
    Case("Monte Carlo 100,000 draws x 8 fields x 3 banks", _uncertain_setup, _monte_carlo_call(100_000)),
    Case("sensitivity by field (6 assumptions)", _uncertain_setup, _sensitivity_call),
    Case("goal-seek uniform s to 6,000 bn", _uncertain_setup, _goal_seek_call),
]


# ---------------------------------------------------------------- Excel workbook


def _excel_top_down_setup():
    from fundmodel import run

    return run()


def _excel_portfolio_setup():
    from fundmodel.bottom_up import run_portfolio
    from fundmodel.portfolio import read_portfolio
    from fundmodel.scenario import SCENARIO_DIR

    return run_portfolio(read_portfolio(SCENARIO_DIR.parent / "national_synthetic.csv"))


def _excel_call(state):
    from fundmodel.excel import workbook_bytes

    data = workbook_bytes(state, lang="zh", unit="yi")
    projects = 0 if state.projects is None else len(state.projects)
    return f"{len(data) / 1e6:.2f} MB, {projects:,} projects"


CASES += [
    Case("Excel export, top-down (live formulas)", _excel_top_down_setup, _excel_call),
    Case("Excel export, 2,300-project portfolio", _excel_portfolio_setup, _excel_call, max_seconds=5),
]
