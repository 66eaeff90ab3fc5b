"""Fiscal and quasi-fiscal cost of the instrument, and who owes the projects' debt.

Year t = 0 is the disbursement year (``macro.disbursement_date``); flows fall at the end of a
year, so a flow of year t is discounted by (1 + r)^(t + 1). The fund's balance B_t is its money
still in the projects: the whole fund F for t = 0 .. T - 1 (T the fund term), bought back at par
at the end of year T - 1. Of the buy-back due, a share rho is rolled over for one more term
(balance rho F for t = T .. 2T - 1, bought back at the end of 2T - 1) and a share delta defaults
(principal delta F lost at the end of T - 1); the rest is paid.

* funding cost_t = B_t x funding rate (what the state pays on the money: PSL / policy-bank bonds)
* fund return_t  = B_t x fund return rate (what the projects pay the fund's vehicle)
* net quasi-fiscal cost_t = funding cost_t - fund return_t; with defaults, + loss_t
* debt D = I - K (total investment less project capital), split by who carries it

Money in bn RMB; rates and shares are fractions per year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fundmodel.core.result import Check
from fundmodel.errors import ParameterError
from fundmodel.inputs.parameters import Parameters
from fundmodel.messages import Message

#: Who carries a project's debt (columns of :func:`debt_by_holder`).
HOLDERS = ["lgfv_debt_bn", "state_firm_debt_bn", "private_firm_debt_bn"]
#: Columns of the yearly fiscal table (:func:`fiscal_by_year`), bn RMB.
BY_YEAR_COLUMNS = [
    "balance_bn",
    "funding_cost_bn",
    "fund_return_bn",
    "net_cost_bn",
    "buyback_bn",
    "default_loss_bn",
    "total_cost_bn",
]
#: The document that bars capital with a repayment promise from counting as project capital.
BUYBACK_SOURCE = "国发〔2019〕26号"


def fund_schedule(
    fund_bn: np.ndarray,
    term_years: np.ndarray,
    n_years: int,
    rollover_share: float = 0.0,
    default_share: float = 0.0,
) -> dict[str, np.ndarray]:
    """Balance, buy-backs and default losses of n funds over t = 0 .. n_years - 1 (n x n_years).

    balance_t = F for t < T; rho F for T <= t < 2T; 0 after.
    buyback_{T-1} = (1 - rho - delta) F; buyback_{2T-1} = rho F; loss_{T-1} = delta F.

    >>> s = fund_schedule(np.array([10.0]), np.array([3]), 7, rollover_share=0.3, default_share=0.1)
    >>> s["balance_bn"][0].tolist()
    [10.0, 10.0, 10.0, 3.0, 3.0, 3.0, 0.0]
    >>> s["buyback_bn"][0].round(9).tolist()
    [0.0, 0.0, 6.0, 0.0, 0.0, 3.0, 0.0]
    >>> s["default_loss_bn"][0].tolist()
    [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
    f = np.asarray(fund_bn, dtype=float)[:, None]
    term = np.asarray(term_years, dtype=int)[:, None]
    t = np.arange(n_years)[None, :]
    held = t < term
    rolled = (t >= term) & (t < 2 * term)
    balance = f * held + rollover_share * f * rolled
    due = t == term - 1
    buyback = (1.0 - rollover_share - default_share) * f * due + rollover_share * f * (t == 2 * term - 1)
    return {"balance_bn": balance, "buyback_bn": buyback, "default_loss_bn": default_share * f * due}


def carry_cost(
    balance_bn: np.ndarray, funding_rate: float, fund_return_rate: np.ndarray | float
) -> dict[str, np.ndarray]:
    """Funding cost, return and net quasi-fiscal cost per year: B_t r_f, B_t r_ret, the difference.

    >>> c = carry_cost(np.array([[10.0, 10.0, 10.0]]), 0.02, 0.01)
    >>> c["net_cost_bn"][0].round(9).tolist()
    [0.1, 0.1, 0.1]
    """
    b = np.asarray(balance_bn, dtype=float)
    ret = np.asarray(fund_return_rate, dtype=float)
    ret = ret[:, None] if ret.ndim == 1 else ret
    funding = b * funding_rate
    earned = b * ret
    return {"funding_cost_bn": funding, "fund_return_bn": earned, "net_cost_bn": funding - earned}


def present_value(flows_by_year: np.ndarray, discount_rate: float) -> float:
    """PV = sum_t x_t / (1 + r)^(t + 1) (end-of-year flows, t = 0 the disbursement year).

    >>> round(present_value(np.array([0.1, 0.1, 0.1]), 0.06), 6)
    0.267301
    """
    x = np.asarray(flows_by_year, dtype=float)
    return float(np.sum(x / (1.0 + discount_rate) ** (np.arange(x.shape[-1]) + 1.0)))


def fiscal_by_year(
    fund_bn: np.ndarray,
    term_years: np.ndarray,
    fund_return_rate: np.ndarray,
    funding_rate: float,
    first_year: int,
    rollover_share: float = 0.0,
    default_share: float = 0.0,
) -> pd.DataFrame:
    """The fund's yearly balance, buy-backs, costs and losses summed over funds, indexed by year.

    ``net_cost_bn`` = funding cost - return; ``total_cost_bn`` = net cost + default loss.

    >>> t = fiscal_by_year(np.array([10.0]), np.array([3]), np.array([0.01]), 0.02, 2025)
    >>> t["net_cost_bn"].round(9).tolist(), t["buyback_bn"].tolist()
    ([0.1, 0.1, 0.1], [0.0, 0.0, 10.0])
    """
    term = np.asarray(term_years, dtype=np.int64)
    n_years = int(term.max(initial=1)) * (2 if rollover_share > 0 else 1)
    fund = np.asarray(fund_bn, dtype=float)
    ret = np.broadcast_to(np.asarray(fund_return_rate, dtype=float), term.shape)
    # The schedule is linear in the fund: sum the funds (and fund x return) of each term first,
    # then schedule one row per distinct term instead of one per project.
    fund_by_term = np.bincount(term, weights=fund)
    terms = np.flatnonzero(np.bincount(term))
    s = fund_schedule(fund_by_term[terms], terms, n_years, rollover_share, default_share)
    sums = {k: v.sum(axis=0) for k, v in s.items()}
    # cost and return summed the same way (fund x rate per fund, then by term): equal rates net to 0
    for key, rate in (("funding_cost_bn", funding_rate), ("fund_return_bn", ret)):
        by_term = np.bincount(term, weights=fund * rate)[terms]
        sums[key] = fund_schedule(by_term, terms, n_years, rollover_share)["balance_bn"].sum(axis=0)
    sums["net_cost_bn"] = sums["funding_cost_bn"] - sums["fund_return_bn"]
    sums["total_cost_bn"] = sums["net_cost_bn"] + sums["default_loss_bn"]
    return pd.DataFrame(
        {c: sums[c] for c in BY_YEAR_COLUMNS}, index=pd.Index(np.arange(n_years) + first_year, name="year")
    )


def fiscal_summary(by_year: pd.DataFrame, discount_rate: float) -> dict[str, float]:
    """Totals and present values (at ``discount_rate``) of the yearly fiscal table.

    >>> t = fiscal_by_year(np.array([10.0]), np.array([3]), np.array([0.01]), 0.02, 2025)
    >>> round(fiscal_summary(t, 0.06)["net_cost_pv_bn"], 6)
    0.267301
    """
    out = {"discount_rate": float(discount_rate)}
    table = by_year.to_numpy(dtype=float)  # one conversion, then a column per flow
    for col in ["funding_cost_bn", "fund_return_bn", "net_cost_bn", "default_loss_bn", "total_cost_bn"]:
        x = table[:, by_year.columns.get_loc(col)]
        out[col.replace("_bn", "_total_bn")] = float(x.sum())
        out[col.replace("_bn", "_pv_bn")] = present_value(x, discount_rate)
    return out


def project_debt(total_investment_bn: np.ndarray, project_capital_bn: np.ndarray) -> np.ndarray:
    """Debt a project takes on: D = I - K.

    >>> project_debt(np.array([100.0]), np.array([20.0])).tolist()
    [80.0]
    """
    return np.asarray(total_investment_bn, dtype=float) - np.asarray(project_capital_bn, dtype=float)


def debt_by_holder(debt_bn: np.ndarray, private_share: np.ndarray, lgfv_share_of_public: float) -> pd.DataFrame:
    """Split each row's debt: private firms D p; LGFVs D (1 - p) lambda; state firms D (1 - p)(1 - lambda).

    ``private_share`` is 1/0 per project (the portfolio's ``private`` column) or an assumed share
    top-down; lambda is the assumed LGFV share of the non-private debt. The columns sum to D.

    >>> d = debt_by_holder(np.array([80.0, 40.0]), np.array([0.0, 1.0]), 0.5)
    >>> d.sum().tolist()
    [40.0, 40.0, 40.0]
    """
    d = np.asarray(debt_bn, dtype=float)
    p = np.asarray(private_share, dtype=float)
    return pd.DataFrame(
        {
            "lgfv_debt_bn": d * (1.0 - p) * lgfv_share_of_public,
            "state_firm_debt_bn": d * (1.0 - p) * (1.0 - lgfv_share_of_public),
            "private_firm_debt_bn": d * p,
        }
    )


def buyback_check(fund_bn: float, term_years: float) -> Check:
    """Flag the buy-back at par: capital with a repayment promise is debt in equity's clothes.

    国发〔2019〕26号 bars funds carrying "存在本息回购承诺、兜底保障等收益附加条件" (名股实债) from
    counting as project capital; the instrument's stake is bought back at par at the end of its term.

    >>> buyback_check(500.0, 15).code
    'fund_buyback_at_par'
    """
    return Check.of(
        "fund_buyback_at_par",
        "info",
        Message("fund_buyback_at_par", {"fund": float(fund_bn), "years": float(term_years), "source": BUYBACK_SOURCE}),
        "instrument",
        {"fund_bn": float(fund_bn), "term_years": float(term_years)},
    )


#: Units of the ``fiscal`` block of a run.
UNITS: dict[str, str] = {
    "money": "bn RMB",
    "balance_bn": "bn RMB of the fund still in the projects during the year",
    "funding_cost_bn": "bn RMB per year: balance x funding rate (what the state pays on the money)",
    "fund_return_bn": "bn RMB per year: balance x fund return rate (what the projects pay the fund)",
    "net_cost_bn": "bn RMB per year: funding cost - fund return (net quasi-fiscal cost)",
    "buyback_bn": "bn RMB bought back at par in the year (the exit schedule)",
    "default_loss_bn": "bn RMB of principal lost in the year (buy-backs that default)",
    "total_cost_bn": "bn RMB per year: net cost + default loss",
    "pv": "present value in the disbursement year, end-of-year flows discounted at discount_rate",
    "debt_bn": "bn RMB of project debt, D = I - K (total investment less project capital)",
    "lgfv_debt_bn": "bn RMB of project debt carried by local-government financing vehicles",
    "state_firm_debt_bn": "bn RMB of project debt carried by state firms",
    "private_firm_debt_bn": "bn RMB of project debt carried by private firms",
    "special_bonds_in_capital_bn": "bn RMB of local special bonds in project capital (government debt)",
    "fund_term_years": "years (fund-weighted mean of the projects' fund terms)",
    "discount_rate": "fraction per year",
    "funding_rate": "fraction per year",
    "buyback_rollover_share": "fraction of the buy-backs due",
    "buyback_default_share": "fraction of the buy-backs due",
    "lgfv_share_of_public_debt": "fraction of the non-private projects' debt",
    **{
        f"{flow}_{kind}_bn": f"bn RMB: {flow.replace('_', ' ')}, {what}"
        for flow in ("funding_cost", "fund_return", "net_cost", "default_loss", "total_cost")
        for kind, what in (("total", "undiscounted sum over the years"), ("pv", "present value (see pv)"))
    },
}


def _terms(params: Parameters) -> dict[str, float]:
    """The fund's default term, return and discount rate (cashflow_defaults.yaml) and the
    instrument's fiscal inputs (instrument.yaml, which a scenario may override)."""
    from fundmodel.core.cashflow import cashflow_defaults

    ins = params.instrument
    names = ["funding_rate", "buyback_rollover_share", "buyback_default_share", "lgfv_share_of_public_debt"]
    terms = cashflow_defaults() | {n: float(getattr(ins, n).value) for n in names}
    if terms["buyback_rollover_share"] + terms["buyback_default_share"] > 1:
        raise ParameterError(
            "instrument: buyback_rollover_share + buyback_default_share must be at most 1 "
            f"(got {terms['buyback_rollover_share']:g} + {terms['buyback_default_share']:g})"
        )
    return terms


def _block(
    d: dict[str, float],
    fund_bn: np.ndarray,
    term_years: np.ndarray,
    fund_return_rate: np.ndarray,
    first_year: int,
    debt: pd.DataFrame | dict[str, np.ndarray],
    split_basis: str,
) -> dict[str, object]:
    by_year = fiscal_by_year(
        fund_bn,
        term_years,
        fund_return_rate,
        d["funding_rate"],
        first_year,
        d["buyback_rollover_share"],
        d["buyback_default_share"],
    )
    holders = {h: float(np.sum(debt[h])) for h in HOLDERS}
    fund = np.asarray(fund_bn, dtype=float)
    # fund-weighted mean term (years), the term the buy-back check names
    term = float(np.average(term_years, weights=fund)) if fund.sum() > 0 else float("nan")
    return {
        "units": dict(UNITS),
        "assumptions": {
            "funding_rate": d["funding_rate"],
            "discount_rate": d["discount_rate"],
            "buyback_rollover_share": d["buyback_rollover_share"],
            "buyback_default_share": d["buyback_default_share"],
            "lgfv_share_of_public_debt": d["lgfv_share_of_public_debt"],
            "debt_split_basis": split_basis,
        },
        "summary": {"fund_term_years": term} | fiscal_summary(by_year, d["discount_rate"]),
        "by_year": by_year,
        "debt_by_holder": holders | {"debt_bn": float(sum(holders.values()))},
    }


def top_down_fiscal(
    params: Parameters, fund_bn: float, debt_bn: float, private_share: float, first_year: int
) -> dict[str, object]:
    """The ``fiscal`` block of a top-down run: the whole fund on the default term and return;
    the debt split by an assumed private share (the instrument's private floor) and LGFV share.

    >>> from fundmodel.inputs.parameters import default_parameters
    >>> b = top_down_fiscal(default_parameters(), 10.0, 40.0, 0.25, 2025)
    >>> b["debt_by_holder"]["private_firm_debt_bn"], b["debt_by_holder"]["debt_bn"]
    (10.0, 40.0)
    """
    d = _terms(params)
    debt = debt_by_holder(np.array([debt_bn]), np.array([private_share]), d["lgfv_share_of_public_debt"])
    basis = (
        "assumption: private firms' share of debt = the instrument's private-enterprise floor "
        "(instrument.private_share_min); the rest split by lgfv_share_of_public_debt"
    )
    return _block(
        d,
        np.array([fund_bn]),
        np.array([int(d["fund_term_years"])]),
        np.array([d["fund_return_rate"]]),
        first_year,
        debt,
        basis,
    )


def portfolio_fiscal(
    params: Parameters,
    columns: dict[str, np.ndarray],
    first_year: int,
    province_codes: tuple[np.ndarray, pd.Index] | None = None,
) -> dict[str, object]:
    """The ``fiscal`` block of a portfolio run: each project's fund on its own term and return
    (the defaults where empty); debt D = I - K by the ``private`` column and by province.

    ``province_codes``: each project's position among a list of provinces and that list, when
    the run has them already (else the ``province`` column is factorized here)."""
    d = _terms(params)
    own_term = np.asarray(columns["fund_term_years"], dtype=float)
    term = np.where(np.isnan(own_term), d["fund_term_years"], own_term).astype(np.int64)
    own_rate = np.asarray(columns["fund_return_rate"], dtype=float)
    ret = np.where(np.isnan(own_rate), d["fund_return_rate"], own_rate)
    # The split of debt_by_holder, on the column arrays (no per-project table)
    debt_bn = project_debt(columns["total_investment_bn"], columns["project_capital_bn"])
    private = np.asarray(columns["private"]).astype(bool)
    public = np.where(private, 0.0, debt_bn)
    lam = d["lgfv_share_of_public_debt"]
    debt = {
        "lgfv_debt_bn": public * lam,
        "state_firm_debt_bn": public * (1.0 - lam),
        "private_firm_debt_bn": debt_bn - public,
    }
    basis = (
        "portfolio column private: private firms; the other projects' debt split between LGFVs and "
        "state firms by lgfv_share_of_public_debt (assumption)"
    )
    block = _block(d, np.asarray(columns["fund_bn"], dtype=float), term, ret, first_year, debt, basis)
    # by province: one pass of bincount per holder over the province codes (no groupby)
    if province_codes is None or (province_codes[0] < 0).any():
        codes, provinces = pd.factorize(np.asarray(columns["province"], dtype=object), sort=True)
    else:
        codes, provinces = province_codes
    by_holder = {h: np.bincount(codes, weights=debt[h], minlength=len(provinces)) for h in HOLDERS}
    by_holder["debt_bn"] = by_holder[HOLDERS[0]] + by_holder[HOLDERS[1]] + by_holder[HOLDERS[2]]
    # the provinces that have projects, by name
    present = np.flatnonzero(np.bincount(codes, minlength=len(provinces)))
    names = np.asarray(provinces, dtype=object)[present]
    order = present[np.argsort(names, kind="stable")]
    by_province = pd.DataFrame(
        {k: v[order] for k, v in by_holder.items()},
        index=pd.Index(np.asarray(provinces, dtype=object)[order], name="province"),
    )
    block["debt_by_province"] = by_province
    # Local special bonds put into project capital are government debt, not the project's.
    block["special_bonds_in_capital_bn"] = float(np.nansum(columns["other_public_funding_bn"]))
    return block
