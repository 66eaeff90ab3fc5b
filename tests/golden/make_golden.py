"""Regenerate the golden outputs of every bundled scenario and portfolio.

Run from the repository root: ``python tests/golden/make_golden.py``. Only regenerate when a
change is meant to alter results, and say which in the commit. ``tests/test_golden.py``
compares the current code against ``golden.json``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden.json")
SCENARIOS = sorted((ROOT / "portfolios" / "scenarios").glob("*.yaml"))
PORTFOLIOS = sorted([*(ROOT / "portfolios").glob("*.csv"), *(ROOT / "portfolios").glob("*.xlsx")])


TODAY = dt.date.today().isoformat()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def workbook_digest(path: Path) -> dict[str, str]:
    """Per sheet, a digest of every cell's coordinate and value (formula text for formula
    cells) and, from a second read, the cached value."""
    from openpyxl import load_workbook

    formulas = load_workbook(path, read_only=True)
    cached = load_workbook(path, read_only=True, data_only=True)
    out: dict[str, str] = {}
    for ws in formulas.worksheets:
        h = hashlib.sha256()
        for row_f, row_c in zip(ws.iter_rows(), cached[ws.title].iter_rows(), strict=True):
            for cf, cc in zip(row_f, row_c, strict=True):
                if cf.value is None and cc.value is None:
                    continue
                cv = cc.value
                if cv == TODAY or cf.value == TODAY:  # the cover's export date
                    cv = "<today>"
                if isinstance(cv, float):
                    cv = float(f"{cv:.10g}")
                fv = "<today>" if cf.value == TODAY else cf.value
                h.update(repr((cf.coordinate, fv, cv)).encode())
        out[ws.title] = h.hexdigest()
    return out


def build() -> dict[str, object]:
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.inputs.scenario import load_scenario
    from fundmodel.outputs.excel import export_workbook

    golden: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario_path in SCENARIOS:
            scenario = load_scenario(scenario_path)
            result = scenario.run()
            golden[f"run/{scenario_path.stem}"] = digest(result.to_json())
            if scenario_path.stem in ("baseline", "fit_reported_2025"):
                book = Path(tmp) / f"{scenario_path.stem}.xlsx"
                export_workbook(result, book, lang="zh", unit="yi")
                golden[f"xlsx/{scenario_path.stem}/zh"] = workbook_digest(book)
            params = scenario.parameters()
            for portfolio_path in PORTFOLIOS:
                portfolio = read_portfolio(portfolio_path, params=params)
                key = f"{scenario_path.stem}/{portfolio_path.stem}"
                golden[f"validate/{key}"] = digest(portfolio.report())
                if not portfolio.ok:
                    continue
                result = run_portfolio(portfolio, params, scenario_name=key)
                golden[f"run/{key}"] = digest(result.to_json())
                if scenario_path.stem == "baseline":
                    book = Path(tmp) / f"{portfolio_path.stem}.xlsx"
                    export_workbook(result, book, lang="en", unit="bn")
                    golden[f"xlsx/{key}/en"] = workbook_digest(book)
    return golden


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    GOLDEN.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
