"""A seeded, vectorized generator of SYNTHETIC national portfolios.

The projects are made up; their aggregates are calibrated to the published ones
(``fundmodel/data/synthetic_calibration.yaml`` and the parameters):

* fund: each bank's projects total exactly its quota (250 / 150 / 100 bn), 500 bn in all
* investment: each bank's projects total its reported expected investment
  (CDB 3,850, ADBC 1,930, EXIM 1,300 bn; 7,080 bn in all)
* fields: each bank's money is split across fields as in ``allocation.yaml``
* provinces: the 12 major economic provinces get the calibrated share of each bank's
  money (CDB 77.4%); private-enterprise projects the reported share of each bank's money
  (CDB 27%, ADBC 10%, EXIM 31%)
* every project is valid: capital ratio at or above its statutory minimum, fund share
  of capital below its cap
* 60% of projects carry cash-flow columns (revenue, opex, operating life, ramp-up); the
  rest leave them empty

Method: draw each project's bank, field, province group, ownership, fund size
(lognormal), capital ratio and fund share; scale fund sizes so every (bank, province
group, ownership) group hits its target exactly; scale fund shares per bank so total
investment I = F / (s k) hits the bank's reported total (iterating where a share meets
its ceiling). Amounts are rounded to 1e-6 bn (1,000 RMB) and the rounding residual of
each bank is put on its largest project, so bank totals stay exact.

Command line::

    python -m fundmodel.inputs.synthetic --n 2300 --seed 2025 --out portfolios/national_synthetic.csv
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from fundmodel.inputs.parameters import Parameters, default_parameters, read_yaml
from fundmodel.inputs.portfolio import DATA_DIR, PROVINCES

CALIBRATION_FILE = DATA_DIR / "synthetic_calibration.yaml"
#: Amounts are rounded to this many decimals of bn RMB (1e-6 bn = 1,000 RMB).
DECIMALS = 6
COLUMNS = [
    "project_id",
    "project_name",
    "field",
    "bank",
    "province",
    "private",
    "sector",
    "total_investment_bn",
    "capital_ratio",
    "fund_requested_bn",
    "other_public_funding_bn",
    "start_year",
    "construction_years",
    "annual_revenue_bn",
    "annual_opex_bn",
    "operating_years",
    "ramp_years",
]


def calibration() -> dict[str, object]:
    """The calibration targets (values only) from the data file."""
    return {k: v["value"] for k, v in read_yaml(CALIBRATION_FILE).items()}


def projects_per_bank(n_projects: int, params: Parameters, cal: dict) -> np.ndarray:
    """Projects per bank, in bank order, proportional to the published counts.

    Example: 2,300 projects -> CDB 1,059, ADBC 881, EXIM 360.

    >>> projects_per_bank(2300, default_parameters(), calibration()).tolist()
    [1059, 881, 360]
    """
    total = cal["total_projects"]
    published = cal["projects_by_bank"]
    rest = total - sum(published.values())
    counts = np.array([published.get(b, rest) for b in params.bank_ids], dtype=float)
    per_bank = np.floor(counts / total * n_projects).astype(int)
    per_bank = np.maximum(per_bank, 1 if n_projects >= len(counts) else 0)
    per_bank[int(np.argmax(counts))] += n_projects - per_bank.sum()
    return per_bank


def _group_scale(values: np.ndarray, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale ``values`` so each group's sum equals ``target[group]`` (vectorized)."""
    sums = np.bincount(group, weights=values, minlength=len(target))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sums > 0, target / sums, 0.0)
    return values * factor[group]


def generate_portfolio(n_projects: int = 2300, seed: int = 2025, params: Parameters | None = None) -> pd.DataFrame:
    """A synthetic portfolio of ``n_projects`` rows (canonical English headers, money in
    bn RMB), reproducible for a given ``seed``. Vectorized: a million rows take seconds.

    Example: ``generate_portfolio(2300, seed=2025)["fund_requested_bn"].sum()`` is 500.

    >>> round(float(generate_portfolio(2300, seed=2025)['fund_requested_bn'].sum()), 6)
    500.0
    """
    if n_projects < 1:
        raise ValueError(f"n_projects must be at least 1 (got {n_projects})")
    p = params or default_parameters()
    cal = calibration()
    rng = np.random.default_rng(seed)
    n_banks = len(p.bank_ids)
    per_bank = projects_per_bank(n_projects, p, cal)
    bank = np.repeat(np.arange(n_banks), per_bank)
    n = len(bank)

    # Field: each bank's projects follow its column of the allocation matrix.
    alloc = p.allocation_matrix  # fields x banks
    field_cdf = np.cumsum(alloc / alloc.sum(axis=0, keepdims=True), axis=0)  # per bank column
    field = (rng.random(n)[:, None] > field_cdf[:, bank].T).sum(axis=1)
    field = np.minimum(field, len(p.field_ids) - 1)

    # Province group and ownership; the fund scaling below makes the shares exact.
    major_share = np.array([cal["major_province_fund_share"][b] for b in p.bank_ids])
    private_share = np.array([cal["private_fund_share"][b] for b in p.bank_ids])
    major = rng.random(n) < major_share[bank]
    private = rng.random(n) < private_share[bank]
    major_ids = PROVINCES.index[PROVINCES["major_economic"]].to_numpy()
    other_ids = PROVINCES.index[~PROVINCES["major_economic"]].to_numpy()
    province = np.where(
        major,
        major_ids[rng.integers(0, len(major_ids), n)],
        other_ids[rng.integers(0, len(other_ids), n)],
    )

    # Fund per project: lognormal, scaled so each (bank, major, private) group hits its target.
    sigma = float(cal["fund_size_sigma"])
    raw = np.clip(rng.lognormal(0.0, sigma, n), 0.05, 20.0)
    group = bank * 4 + major * 2 + private
    quota = p.bank_quota
    target = np.zeros(n_banks * 4)
    for g in range(n_banks * 4):
        b, m, q = g // 4, (g // 2) % 2, g % 2
        target[g] = (
            quota[b] * (major_share[b] if m else 1 - major_share[b]) * (private_share[b] if q else 1 - private_share[b])
        )
    # Groups without projects (tiny portfolios) pass their target to the rest of the bank.
    present = np.bincount(group, minlength=len(target)) > 0
    bank_of_group = np.arange(len(target)) // 4
    covered = np.bincount(bank_of_group, weights=target * present, minlength=n_banks)
    target = np.where(present, target * np.divide(quota, covered, where=covered > 0, out=np.zeros(n_banks))[
        bank_of_group
    ], 0.0)  # fmt: skip
    fund = np.round(_group_scale(raw, group, target), DECIMALS)
    fund = np.maximum(fund, 10.0**-DECIMALS)
    for b in range(n_banks):  # rounding residual onto each bank's largest project
        rows = np.flatnonzero(bank == b)
        if len(rows):
            largest = rows[np.argmax(fund[rows])]
            fund[largest] = np.round(fund[largest] + quota[b] - fund[rows].sum(), DECIMALS)

    # Capital ratio: statutory minimum (less the shortfall reduction) plus headroom.
    minimum = p.capital_ratio_minimum[field]
    headroom = float(cal["capital_ratio_headroom"])
    capital_ratio = np.round(minimum + rng.uniform(0, headroom, n), 3)
    capital_ratio = np.maximum(capital_ratio, np.round(minimum, 3))

    # Fund share of capital: drawn, then scaled per bank to hit the bank's reported investment.
    cap = p.fund_share_cap[field] * float(cal["fund_share_ceiling"])
    share = cap * rng.uniform(0.3, 0.9, n)
    invest_target = np.array(
        [(b.reported_total_investment_bn.value if b.reported_total_investment_bn else 0.0) for b in p.banks.values()]
    )
    for _ in range(50):
        investment = fund / (share * capital_ratio)
        sums = np.bincount(bank, weights=investment, minlength=n_banks)
        factor = np.divide(sums, invest_target, where=invest_target > 0, out=np.ones(n_banks))
        if np.all(np.abs(factor - 1) < 1e-9):
            break
        share = np.minimum(share * factor[bank], cap)
    investment = np.round(fund / (share * capital_ratio), DECIMALS)
    capital = capital_ratio * investment

    # Other public money (special bonds) in some projects' capital.
    has_other = rng.random(n) < float(cal["other_public_funding_share"])
    other = np.where(has_other, np.floor(rng.uniform(0, 0.8, n) * (capital - fund) * 10**DECIMALS) / 10**DECIMALS, 0)
    other = np.where(has_other, np.maximum(other, 0.0), np.nan)

    start_year = np.where(rng.random(n) < float(cal["start_year_2026_share"]), 2026, 2025)
    construction_years = rng.integers(2, 6, n)

    # Cash-flow columns for a share of projects (the rest have none: empty, never zero).
    with_cf = rng.random(n) < float(cal["cashflow_share"])
    revenue = investment * rng.uniform(*cal["revenue_yield"], n)
    opex = revenue * rng.uniform(*cal["opex_share"], n)
    life = rng.integers(cal["operating_years"][0], cal["operating_years"][1] + 1, n)
    ramp = rng.integers(cal["ramp_years"][0], cal["ramp_years"][1] + 1, n)

    field_ids = np.array(p.field_ids, dtype=object)
    bank_ids = np.array(p.bank_ids, dtype=object)
    sectors = np.array([f.sector.value for f in p.fields.values()], dtype=object)
    field_zh = pd.Series(np.array([f.name_zh for f in p.fields.values()], dtype=object)[field])
    province_zh = pd.Series(PROVINCES["short_zh"].reindex(province).to_numpy())
    number = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(max(6, len(str(n))))
    frame = pd.DataFrame(
        {
            "project_id": "SYN-" + number,
            "project_name": province_zh + field_zh + "项目" + number.str.lstrip("0"),
            "field": field_ids[field],
            "bank": bank_ids[bank],
            "province": province,
            "private": np.where(private, "yes", "no"),
            "sector": sectors[field],
            "total_investment_bn": investment,
            "capital_ratio": capital_ratio,
            "fund_requested_bn": fund,
            "other_public_funding_bn": np.round(other, DECIMALS),
            "start_year": start_year,
            "construction_years": construction_years,
            "annual_revenue_bn": np.where(with_cf, np.round(revenue, DECIMALS), np.nan),
            "annual_opex_bn": np.where(with_cf, np.round(opex, DECIMALS), np.nan),
            "operating_years": pd.Series(life, dtype="Int64").where(with_cf),
            "ramp_years": pd.Series(ramp, dtype="Int64").where(with_cf),
        },
        columns=COLUMNS,
    )
    return frame


def write_portfolio(frame: pd.DataFrame, path: Path | str) -> None:
    """Write a generated portfolio as UTF-8 CSV (amounts with 6 decimals of bn RMB)."""
    frame.to_csv(path, index=False, float_format=f"%.{DECIMALS}f", encoding="utf-8", lineterminator="\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fundmodel.inputs.synthetic", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2300, help="number of projects (default 2300)")
    parser.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    parser.add_argument("--out", required=True, help="output CSV path")
    args = parser.parse_args(argv)
    frame = generate_portfolio(args.n, seed=args.seed)
    write_portfolio(frame, args.out)
    print(
        f"{args.out}: {len(frame):,} projects, fund {frame['fund_requested_bn'].sum():,.3f} bn, "
        f"investment {frame['total_investment_bn'].sum():,.1f} bn"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
