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
