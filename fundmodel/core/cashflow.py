"""Project cash flows and metrics (numpy-financial; outflows negative; money in bn RMB).

Years t = 0, 1, ..., counted from the start year; every flow falls at the end of its year
(numpy-financial's convention: the flow of year 0 is not discounted).

* capex: total investment I phased over the construction years n_c (the project's
  phasing profile), -I w_t. Total investment includes interest during construction
  (建设期利息) as Chinese feasibility studies count it.
* revenue: R in full from operating year r + 1, ramping linearly before:
  R min(1, j / (r + 1)) in operating year j = t - n_c + 1 (1 .. L); opex C in every
  operating year.
* project cash flow: CF_t = -I w_t + revenue_t - opex_t (pre-tax, unlevered)
* debt D = I - K, drawn with capex; interest i_d on the balance during construction;
  from t = n_c an annuity DS = D i_d / (1 - (1 + i_d)^-n_d) for n_d years (``npf.pmt``)
* the fund F, drawn with capex, earns i_f a year on its balance (paid from t = 1) and is
  bought back at par at t = n_f (its term)
* equity (the sponsors' other capital O = K - F):
  CF_t + D w_t - debt service_t + F w_t - fund return_t - buy-back_t

Metrics per project: project IRR (of CF), equity IRR, NPV of CF at the discount rate,
minimum DSCR (revenue - opex over the annuity, in the annuity years), payback year (first
calendar year with cumulative CF >= 0) and the fund's subsidy equivalent per yuan of total
investment: the PV, at the discount rate, of (market equity rate - fund return rate) x the
fund's balance over its term, divided by I.

Example (hand-checked in the tests): I 100 built in one year, R 30, C 5 for 5 years ->
CF = [-100, 25, 25, 25, 25, 25]; IRR = RATE(5, 25, -100) = 7.93%; NPV at 6% =
-100 + 25 x 4.21236 = 5.309.

Projects without revenue, opex and operating life get no metrics (NaN, status
"no cash-flow data"), never zeros. Empty financing columns take the defaults in
``fundmodel/data/cashflow_defaults.yaml``, and ``cashflow_defaults`` lists them per project.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy_financial as npf
import pandas as pd

from fundmodel.core import macro
from fundmodel.inputs.parameters import read_yaml
from fundmodel.inputs.portfolio import DATA_DIR

DEFAULTS_FILE = DATA_DIR / "cashflow_defaults.yaml"
#: Columns a project must give for cash-flow metrics (no defaults).
REQUIRED = ["annual_revenue_bn", "annual_opex_bn", "operating_years"]
#: Financing columns that take a default when empty.
DEFAULTED = [
    "ramp_years",
    "loan_rate",
    "loan_tenor_years",
    "fund_return_rate",
    "fund_term_years",
    "discount_rate",
    "market_equity_rate",
]
NO_DATA = "no cash-flow data"
METRIC_COLUMNS = [
    "project_irr",
    "equity_irr",
    "npv_bn",
    "min_dscr",
    "payback_year",
    "subsidy_bn",
    "subsidy_per_yuan",
    "cashflow_status",
    "irr_note",
    "cashflow_defaults",
]


def cashflow_defaults() -> dict[str, float]:
    """Default financing terms (values only) from the data file (read once per process)."""
    return dict(_defaults())


@lru_cache(maxsize=1)
def _defaults() -> tuple[tuple[str, float], ...]:
    return tuple((k, float(v["value"])) for k, v in read_yaml(DEFAULTS_FILE).items())


@dataclass(frozen=True)
class CashFlows:
    """Yearly flows of n projects over t = 0 .. H (arrays n x (H + 1), bn RMB)."""

    years: np.ndarray  # t = 0 .. H
    capex: np.ndarray
    revenue: np.ndarray
    opex: np.ndarray
    project: np.ndarray
    debt_draw: np.ndarray
    debt_service: np.ndarray
    annuity_years: np.ndarray  # bool: the annuity is being paid
    fund_draw: np.ndarray
    fund_return: np.ndarray
    fund_buyback: np.ndarray
    equity: np.ndarray


def _inputs(frame: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray, pd.Series, pd.Series]:
    """Arrays of the inputs with defaults filled; (inputs, has_data, status, defaults used)."""
    n = len(frame)
    given = {c: frame[c].to_numpy(dtype=float) for c in REQUIRED + DEFAULTED}
    have = np.column_stack([~np.isnan(given[c]) for c in REQUIRED])
    has_data = have.all(axis=1)
    status = np.where(has_data, "ok", NO_DATA).astype(object)
    partial = have.any(axis=1) & ~has_data
    for i in np.flatnonzero(partial):
        missing = [c for c, h in zip(REQUIRED, have[i], strict=True) if not h]
        status[i] = "incomplete cash-flow data: missing " + ", ".join(missing)
    defaults = cashflow_defaults()
    used = np.full(n, "", dtype=object)
    values: dict[str, np.ndarray] = {}
    for c in DEFAULTED:
        empty = np.isnan(given[c])
        values[c] = np.where(empty, defaults[c], given[c])
        used = np.where(empty & has_data, used + np.where(used == "", "", "|") + c, used)
    for c in REQUIRED:
        values[c] = np.where(has_data, given[c], 0.0)
    # Terms that cannot be modelled: the fund bought back before construction ends.
    n_c = frame["construction_years"].to_numpy(dtype=float)
    short = has_data & (values["fund_term_years"] < n_c)
    status[short] = "fund term ends before construction does"
    has_data = has_data & ~short
    return values, has_data, pd.Series(status, index=frame.index), pd.Series(used, index=frame.index)


def project_cash_flows(frame: pd.DataFrame) -> CashFlows:
    """The yearly flows of every project of a canonical portfolio frame (vectorized).

    Rows without cash-flow data get all-zero operating flows here; use
    :func:`cashflow_metrics`, which marks them, rather than reading these rows.
    """
    v, has_data, _, _ = _inputs(frame)
    n = len(frame)
    investment = frame["total_investment_bn"].to_numpy(dtype=float)
    capital = frame["project_capital_bn"].to_numpy(dtype=float)
    fund = frame["fund_requested_bn"].to_numpy(dtype=float)
    debt = investment - capital
    n_c = frame["construction_years"].to_numpy(dtype=int)
    life = np.where(has_data, v["operating_years"], 0).astype(int)
    tenor = v["loan_tenor_years"].astype(int)
    term = v["fund_term_years"].astype(int)
    horizon = int(max((n_c + life).max(), (n_c + tenor).max(), (term + 1).max(), 1))
    t = np.arange(horizon)

    _, w_c = macro.phasing_matrix(np.zeros(n, dtype=int), n_c, frame["phasing_profile"].tolist())
    w = np.zeros((n, horizon))
    w[:, : w_c.shape[1]] = w_c
    cum_prev = np.hstack([np.zeros((n, 1)), np.cumsum(w, axis=1)[:, :-1]])  # balance share at end of t-1

    j = t[None, :] - n_c[:, None] + 1  # operating year (1-based)
    operating = (j >= 1) & (j <= life[:, None])
    ramp = np.minimum(1.0, j / (v["ramp_years"][:, None] + 1.0))
    revenue = np.where(operating, v["annual_revenue_bn"][:, None] * ramp, 0.0)
    opex = np.where(operating, v["annual_opex_bn"][:, None], 0.0)
    capex = -investment[:, None] * w
    project = capex + revenue - opex

    rate = v["loan_rate"]
    annuity = -npf.pmt(rate, tenor, debt)  # positive payment per year
    in_annuity = (t[None, :] >= n_c[:, None]) & (t[None, :] < (n_c + tenor)[:, None])
    construction_interest = np.where(t[None, :] < n_c[:, None], rate[:, None] * debt[:, None] * cum_prev, 0.0)
    debt_service = construction_interest + np.where(in_annuity, annuity[:, None], 0.0)
    debt_draw = debt[:, None] * w

    fund_draw = fund[:, None] * w
    in_term = (t[None, :] >= 1) & (t[None, :] <= term[:, None])
    fund_return = np.where(in_term, v["fund_return_rate"][:, None] * fund[:, None] * cum_prev, 0.0)
    fund_buyback = np.where(t[None, :] == term[:, None], fund[:, None], 0.0)
    equity = project + debt_draw - debt_service + fund_draw - fund_return - fund_buyback
    return CashFlows(
        years=t,
        capex=capex,
        revenue=revenue,
        opex=opex,
        project=project,
        debt_draw=debt_draw,
        debt_service=debt_service,
        annuity_years=in_annuity,
        fund_draw=fund_draw,
        fund_return=fund_return,
        fund_buyback=fund_buyback,
        equity=equity,
    )


#: Rates searched for an IRR: dense around usual values, sparse in the tails.
IRR_GRID = np.unique(
    np.concatenate([np.linspace(-0.95, -0.2, 16), np.linspace(-0.2, 0.5, 141), np.linspace(0.5, 3.0, 26)])
)


#: Rows per block when evaluating the NPV on the rate grid (memory: rows x grid rates).
IRR_GRID_ROWS = 2_048


def _npv_and_slope(flows_by_year: np.ndarray, rate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NPV of each column of ``flows_by_year`` (years x n; year 0 first) at its ``rate``, and
    d NPV / d rate, by Horner's rule in v = 1 / (1 + rate): NPV = sum_t c_t v^t and
    d NPV / d rate = -v^2 sum_t t c_t v^(t-1).

    Example: flows [-100, 110] at 10% -> NPV 0, slope -110 / 1.1^2 = -90.909.

    >>> npv, slope = _npv_and_slope(np.array([[-100.0], [110.0]]), 0.10)
    >>> [round(float(npv[0]), 9), round(float(slope[0]), 3)]
    [0.0, -90.909]
    """
    v = 1.0 / (1.0 + rate)
    npv = flows_by_year[-1].copy()
    dv = np.zeros_like(npv)
    for c in flows_by_year[-2::-1]:
        dv = dv * v + npv
        npv = npv * v + c
    return npv, -v * v * dv


def irr(flows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """IRR of each row of ``flows`` (n x years; year 0 first), vectorized across rows.

    The NPV is evaluated on a grid of rates (-95% .. 300%); in each row the sign change
    nearest to a zero rate is refined by safeguarded Newton steps (a step that leaves the
    bracket is replaced by bisection) to 1e-12. Where NPV = 0 has several roots this is
    the one closest to zero, as ``numpy_financial.irr`` chooses. Rows with no IRR get NaN
    and a note: the flows never change sign, or no rate in the range gives a zero NPV.

    Example: ``irr(np.array([[-100, 25, 25, 25, 25, 25]]))[0]`` is [0.0793083] (RATE(5, 25, -100)).

    >>> rate, status = irr(np.array([[-100, 25, 25, 25, 25, 25]]))
    >>> rate.round(7).tolist()
    [0.0793083]
    """
    flows = np.atleast_2d(np.asarray(flows, dtype=float))
    n, horizon = flows.shape
    t = np.arange(horizon, dtype=float)
    note = np.full(n, "", dtype=object)
    has_pos = (flows > 1e-12).any(axis=1)
    has_neg = (flows < -1e-12).any(axis=1)
    no_sign_change = ~(has_pos & has_neg)
    note[no_sign_change] = "no IRR: the cash flows never change sign"
    grid = IRR_GRID
    discount = np.exp(-t[:, None] * np.log1p(grid)[None, :])
    nearest_zero = np.abs(grid[:-1] + grid[1:])[None, :]
    k = np.zeros(n, dtype=np.intp)
    f_lo, f_hi = np.zeros(n), np.zeros(n)
    found = np.zeros(n, dtype=bool)
    for first in range(0, n, IRR_GRID_ROWS):
        # A block of rows at a time: the (rows x rates) tables stay small and are reused.
        block = slice(first, first + IRR_GRID_ROWS)
        npv_grid = flows[block] @ discount
        sign = np.sign(npv_grid)
        change = (sign[:, :-1] * sign[:, 1:] < 0) | ((sign[:, :-1] == 0) & (sign[:, 1:] != 0))
        distance = np.where(change, nearest_zero, np.inf)
        kb = distance.argmin(axis=1)
        rows = np.arange(len(kb))
        k[block], found[block] = kb, np.isfinite(distance[rows, kb])
        f_lo[block], f_hi[block] = npv_grid[rows, kb], npv_grid[rows, kb + 1]
    found &= ~no_sign_change
    note[~found & ~no_sign_change] = "no IRR: no rate between -95% and 300% gives a zero NPV"
    lo, hi = grid[k].copy(), grid[k + 1].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        secant = lo - f_lo * (hi - lo) / (f_hi - f_lo)  # start from the chord of the bracket
    rate = np.where(np.isfinite(secant) & (secant >= lo) & (secant <= hi), secant, 0.5 * (lo + hi))
    # Newton steps on the rows still moving only (most converge in a few steps).
    active = np.flatnonzero(found)
    by_year = np.ascontiguousarray(flows.T)  # a year's flows of every project side by side
    for _ in range(100):
        if not len(active):
            break
        r, a_lo, a_hi, a_f_lo = rate[active], lo[active], hi[active], f_lo[active]
        f, slope = _npv_and_slope(by_year[:, active], r)
        same = np.sign(f) == np.sign(a_f_lo)
        a_lo = np.where(same, r, a_lo)
        a_f_lo = np.where(same, f, a_f_lo)
        a_hi = np.where(same, a_hi, r)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = r - f / slope
        inside = np.isfinite(newton) & (newton >= a_lo) & (newton <= a_hi)
        step = np.where(inside, newton, 0.5 * (a_lo + a_hi))
        done = (inside & (np.abs(newton - r) < 1e-13)) | (a_hi - a_lo < 1e-13) | (f == 0)
        rate[active] = np.where(f == 0, r, step)
        lo[active], hi[active], f_lo[active] = a_lo, a_hi, a_f_lo
        active = active[~done]
    return np.where(found, rate, np.nan), note


#: Projects per block when computing flows (bounds memory: block x years x ~12 arrays).
BLOCK = 20_000


def cashflow_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Metrics per project (index as ``frame``): project and equity IRR, NPV (bn RMB),
    minimum DSCR, payback year, the fund's subsidy equivalent (bn RMB and per yuan of
    total investment), ``cashflow_status``, ``irr_note``, ``cashflow_defaults``.

    Metrics are NaN where ``cashflow_status`` is not "ok", never zero.
    """
    _, has_data, status, used = _inputs(frame)
    n = len(frame)
    numbers = {c: np.full(n, np.nan) for c in METRIC_COLUMNS[:7]}
    irr_note = np.full(n, "", dtype=object)
    rows = np.flatnonzero(has_data)
    for first in range(0, len(rows), BLOCK):
        # Flows only for projects with cash-flow data, a block at a time (memory: block x years).
        block = rows[first : first + BLOCK]
        metrics = _metrics(frame.iloc[block])
        for c in numbers:
            numbers[c][block] = metrics[c]
        irr_note[block] = metrics["irr_note"]
    return pd.DataFrame(
        numbers | {"cashflow_status": status.to_numpy(), "irr_note": irr_note, "cashflow_defaults": used.to_numpy()},
        index=frame.index,
    )


def _metrics(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The metrics of projects that all have cash-flow data (arrays by metric)."""
    v, _, _, _ = _inputs(frame)
    cf = project_cash_flows(frame)
    n = cf.project.shape[0]
    t = cf.years
    investment = frame["total_investment_bn"].to_numpy(dtype=float)
    discount = (1.0 + v["discount_rate"][:, None]) ** -t[None, :]
    npv = (cf.project * discount).sum(axis=1)

    cfads = cf.revenue - cf.opex
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cf.annuity_years & (cf.debt_service > 0), cfads / cf.debt_service, np.inf)
    min_dscr = ratio.min(axis=1)
    min_dscr = np.where(np.isinf(min_dscr), np.nan, min_dscr)  # no debt: no DSCR

    cumulative = np.cumsum(cf.project, axis=1)
    paid = (cumulative >= -1e-9 * np.maximum(investment, 1.0)[:, None]) & (t[None, :] >= 1)
    first = np.where(paid.any(axis=1), paid.argmax(axis=1), -1)
    payback = np.where(first >= 0, frame["start_year"].to_numpy(dtype=float) + first, np.nan)

    # Subsidy: PV of (market equity rate - fund rate) x the fund's balance at the end of t-1, over its term.
    term = v["fund_term_years"].astype(int)
    balance = np.hstack([np.zeros((n, 1)), np.cumsum(cf.fund_draw, axis=1)[:, :-1]])
    in_term = (t[None, :] >= 1) & (t[None, :] <= term[:, None])
    gap = (v["market_equity_rate"] - v["fund_return_rate"])[:, None] * np.where(in_term, balance, 0.0)
    subsidy = (gap * discount).sum(axis=1)

    project_irr, note = irr(cf.project)
    equity_irr, equity_note = irr(cf.equity)
    note = np.where(note == "", np.where(equity_note == "", "", "equity " + equity_note), note)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_yuan = subsidy / investment
    return {
        "project_irr": project_irr,
        "equity_irr": equity_irr,
        "npv_bn": npv,
        "min_dscr": min_dscr,
        "payback_year": payback,
        "subsidy_bn": subsidy,
        "subsidy_per_yuan": per_yuan,
        "irr_note": note,
    }


def cash_flow_table(frame: pd.DataFrame, project_id: str) -> pd.DataFrame:
    """One project's flows by calendar year (bn RMB), for display and spreadsheets."""
    rows = np.flatnonzero(frame["project_id"].astype(str).to_numpy() == str(project_id))
    if not len(rows):
        raise KeyError(f"no project {project_id!r}")
    one = frame.iloc[rows[:1]]
    cf = project_cash_flows(one)
    start = int(one["start_year"].iloc[0])
    return pd.DataFrame(
        {
            "capex_bn": cf.capex[0] + 0.0,
            "revenue_bn": cf.revenue[0],
            "opex_bn": 0.0 - cf.opex[0],
            "project_cash_flow_bn": cf.project[0],
            "debt_draw_bn": cf.debt_draw[0],
            "debt_service_bn": 0.0 - cf.debt_service[0],
            "fund_draw_bn": cf.fund_draw[0],
            "fund_return_bn": 0.0 - cf.fund_return[0],
            "fund_buyback_bn": 0.0 - cf.fund_buyback[0],
            "equity_cash_flow_bn": cf.equity[0],
        },
        index=pd.Index(start + cf.years, name="year"),
    )
