"""Bottom-up run: a portfolio of projects aggregated into the same :class:`Result` as
the top-down model (``mode="portfolio"``).

Per project p, money in bn RMB (docs/model.md, the model reference):

* F = fund requested, K = project capital (given, or k x I), I = total investment
* s = F / K (fund share of capital), k = K / I (capital ratio)
* O = K - F (other capital), D = I - K (debt), m = I / F (multiplier)
* net investment = a I (a: the project's additionality, else its field's); with
  ``macro.pro_rata_attribution`` a x I F / (F + P), and the macro effects count the same
  attributed share (:func:`counted_investment`)
* attributed investment = I x F / (F + P), P = other public money in the project's
  capital (local special bonds ...): the OECD DAC pro-rata rule, so that investment
  co-financed by several public sources is not counted twice.

Example: F = 10, K = 20, I = 100, P = 5 -> attributed 100 x 10 / 15 = 66.7 bn.

>>> round(float(attributed_investment(100.0, 10.0, 5.0)), 1)
66.7
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fundmodel.core import fiscal, rules
from fundmodel.core.cashflow import cashflow_metrics
from fundmodel.core.result import STACK_COLUMNS, Check, Result
from fundmodel.core.topdown import gross_multiplier, leverage_checks, macro_table, new_investment_totals, totals_of
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio import PROVINCES, Portfolio
from fundmodel.messages import Message

#: Columns summed in every aggregate table (bn RMB).
SUM_COLUMNS = [*STACK_COLUMNS, "attributed_investment_bn", "other_public_funding_bn"]


def attributed_investment(
    total_investment_bn: np.ndarray | float, fund_bn: np.ndarray | float, other_public_bn: np.ndarray | float
) -> np.ndarray:
    """Investment attributed to the fund, I x F / (F + P) (bn RMB), P = other public money
    in project capital (OECD DAC pro-rata rule; P missing counts as 0).

    Example: I = 100, F = 10, P = 5 -> 66.67; P = 0 -> 100.

    >>> attributed_investment([100.0, 100.0], [10.0, 10.0], [5.0, 0.0]).round(2).tolist()
    [66.67, 100.0]
    """
    other = np.nan_to_num(np.asarray(other_public_bn, dtype=float), nan=0.0)
    fund = np.asarray(fund_bn, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(total_investment_bn, dtype=float) * fund / (fund + other)


def counted_investment(columns: dict[str, np.ndarray], pro_rata: bool) -> np.ndarray:
    """Each project's investment as net investment and the macro effects count it (bn RMB):
    the fund's pro-rata share I x F / (F + P) when ``pro_rata`` (``macro.pro_rata_attribution``),
    else the whole I.

    Example: I = 100, F = 10, P = 5 -> 66.67 pro rata, 100 otherwise.

    >>> cols = {"total_investment_bn": np.array([100.0]), "attributed_investment_bn": np.array([200 / 3])}
    >>> counted_investment(cols, True).round(2).tolist(), counted_investment(cols, False).tolist()
    ([66.67], [100.0])
    """
    key = "attributed_investment_bn" if pro_rata else "total_investment_bn"
    return np.asarray(columns[key], dtype=float)


def net_of_counted(columns: dict[str, np.ndarray], counted_bn: np.ndarray) -> dict[str, np.ndarray]:
    """Net investment a x (counted investment) and its multiplier per project, to replace
    a x I when investment is attributed pro rata (the gross I is left as reported).

    Example: a = 0.6 on 66.67 bn counted, F = 10 -> net 40 bn, net multiplier 4x.

    >>> out = net_of_counted({"additionality": np.array([0.6]), "fund_bn": np.array([10.0])}, np.array([200 / 3]))
    >>> out["net_investment_bn"].round(2).tolist(), out["net_multiplier"].round(2).tolist()
    ([40.0], [4.0])
    """
    net = np.asarray(columns["additionality"], dtype=float) * counted_bn
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"net_investment_bn": net, "net_multiplier": net / np.asarray(columns["fund_bn"], dtype=float)}


#: Above this many projects with cash-flow data, a run leaves cash-flow metrics out unless
#: asked (``cashflow=True``) and says so in an info check; ``fundmodel metrics`` computes them.
CASHFLOW_AUTO_LIMIT = 100_000


def project_columns(portfolio: Portfolio, cashflow: bool = True) -> dict[str, np.ndarray]:
    """The columns of :func:`project_table` as arrays (bn RMB), without building the
    table: the portfolio's canonical columns, then the capital stack, multipliers,
    ``major_province``, ``ownership`` and (``cashflow``) the cash-flow metrics."""
    portfolio = portfolio.require_valid()
    cols = portfolio.columns
    fund = np.asarray(cols["fund_requested_bn"], dtype=float)
    capital = np.asarray(cols["project_capital_bn"], dtype=float)
    investment = np.asarray(cols["total_investment_bn"], dtype=float)
    net_investment = investment * np.asarray(cols["additionality"], dtype=float)
    other_public = np.asarray(cols["other_public_funding_bn"], dtype=float)
    province_codes = group_codes(portfolio, "province", PROVINCES.index)
    major = np.append(PROVINCES["major_economic"].to_numpy(dtype=bool), False)[province_codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        added = {
            "fund_bn": fund,
            "other_capital_bn": capital - fund,
            "debt_bn": investment - capital,
            "net_investment_bn": net_investment,
            "attributed_investment_bn": attributed_investment(investment, fund, other_public),
            "multiplier": investment / fund,
            "net_multiplier": net_investment / fund,
            "major_province": major,
            "ownership": np.where(np.asarray(cols["private"]).astype(bool), "private", "state").astype(object),
        }
    out = {**cols, **added}
    if cashflow:
        metrics = cashflow_metrics(portfolio.frame)
        out.update({c: metrics[c].to_numpy() for c in metrics.columns})
    return out


def project_table(portfolio: Portfolio, cashflow: bool = True) -> pd.DataFrame:
    """Per-project capital stack and multipliers (bn RMB) and cash-flow metrics (NaN with
    ``cashflow_status`` "no cash-flow data" where a project has none), from a valid portfolio."""
    # One table built from the columns; the portfolio's frame is left as it is (its columns are shared, not copied).
    columns = project_columns(portfolio, cashflow)
    return pd.DataFrame(columns, index=portfolio.index, copy=False)


def group_codes(portfolio: Portfolio, column: str, labels: pd.Index | list[str]) -> np.ndarray:
    """Position of each project's ``column`` value among ``labels`` (-1 where none),
    computed once per portfolio and kept across edits that leave the column alone."""
    key = ("group_codes", column, tuple(labels))
    return portfolio.derived(key, [column], lambda: _group_codes(portfolio.columns[column], labels))


def _group_codes(values: np.ndarray, labels: pd.Index | list[str]) -> np.ndarray:
    """Position of each value among ``labels`` (-1 where it is not one of them), via the
    few distinct values only.

    Example: values ["b", "a", "b"], labels ["a", "b"] -> [1, 0, 1].

    >>> _group_codes(['b', 'a', 'b'], ['a', 'b']).tolist()
    [1, 0, 1]
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]


def _sum_columns(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The :data:`SUM_COLUMNS` of the project columns as float arrays (NaN as 0)."""
    stacked = np.nan_to_num(np.vstack([np.asarray(columns[c], dtype=float) for c in SUM_COLUMNS]))
    return dict(zip(SUM_COLUMNS, stacked, strict=True))


def _aggregate_codes(
    sums: dict[str, np.ndarray],
    codes: np.ndarray,
    index: pd.Index,
    first: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The columns of an aggregate table: the stack columns summed by group code over
    every label of ``index`` (zeros where no project), project counts and multipliers
    (I / F, a I / F, attributed I / F); ``first``: columns placed before them.

    Vectorized: ``np.bincount`` on the projects' group codes (no group-by per call)."""
    size = len(index)
    out = dict(first or {})
    out.update({c: np.bincount(codes, weights=v, minlength=size) for c, v in sums.items()})
    out["n_projects"] = np.bincount(codes, minlength=size).astype(int)
    fund = out["fund_bn"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["multiplier"] = np.where(fund > 0, out["total_investment_bn"] / fund, np.nan)
        out["net_multiplier"] = np.where(fund > 0, out["net_investment_bn"] / fund, np.nan)
        out["attributed_multiplier"] = np.where(fund > 0, out["attributed_investment_bn"] / fund, np.nan)
    return out


def portfolio_checks(
    params: Parameters, table: pd.DataFrame | dict[str, np.ndarray], by_bank: pd.DataFrame
) -> list[Check]:
    """Project-level cap / minimum checks (named by project id) and the allocation-level
    checks that apply to a portfolio.

    * bank total above its quota: error; below it: info (quota not used up)
    * total fund above the instrument size: error; below: info
    * private-enterprise share of the fund below the floor: error when the portfolio
      spends the whole instrument, warning for a partial portfolio (the floor is national).
    """

    def col(name: str) -> np.ndarray:
        return np.asarray(table[name], dtype=float)

    ids = np.asarray(table["project_id"], dtype=object)  # named only where a rule is broken
    checks = leverage_checks(
        params,
        ids,
        col("fund_share_of_capital"),
        col("fund_share_cap"),
        col("capital_ratio"),
        col("capital_ratio_minimum"),
        what="project",
    )
    size = float(params.instrument.size_bn.value)
    fund = col("fund_bn")
    total = float(np.nansum(fund))
    names = [params.banks[b].name_en for b in by_bank.index]
    used_bn, quota_bn = by_bank["fund_bn"].to_numpy(dtype=float), by_bank["quota_bn"].to_numpy(dtype=float)
    private = float(np.nansum(fund[np.asarray(table["ownership"], dtype=object) == "private"]))
    share = private / total if total else float("nan")
    checks += rules.portfolio_total_checks(total, size)
    checks += rules.portfolio_bank_quota_checks(list(by_bank.index), names, used_bn, quota_bn)
    floor = float(params.instrument.private_share_min.value)
    checks += rules.portfolio_private_share_checks(share, floor, total, size)
    return checks


_INDEXES: dict[str, dict[str, pd.Index]] = {}


def _indexes(params: Parameters) -> dict[str, pd.Index]:
    """The row labels of the aggregate tables under ``params`` (field, bank, cell,
    province, ownership), built once per parameter fingerprint; copies are returned, so
    a caller renaming one leaves the cached labels as they are."""
    key = params.fingerprint
    cached = _INDEXES.get(key)
    if cached is None:
        if len(_INDEXES) > 16:
            _INDEXES.clear()
        cached = {
            "field": pd.Index(params.field_ids, name="field"),
            "bank": pd.Index(params.bank_ids, name="bank"),
            "cell": pd.MultiIndex.from_product([params.field_ids, params.bank_ids], names=["field", "bank"]),
            "province": pd.Index(PROVINCES.index, name="province"),
            "ownership": pd.Index(["private", "state"], name="ownership"),
        }
        _INDEXES[key] = cached
    return {name: index.copy() for name, index in cached.items()}


def _aggregates(
    table: dict[str, np.ndarray], p: Parameters, indexes: dict[str, pd.Index], portfolio: Portfolio
) -> tuple[dict[str, np.ndarray], pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The by-field columns, then by_field, by_bank, by_cell, by_province and
    by_ownership of the project columns (see :func:`_aggregate_codes`; bn RMB), each table
    built once from its arrays."""
    sums = _sum_columns(table)
    field_codes = group_codes(portfolio, "field", indexes["field"])
    bank_codes = group_codes(portfolio, "bank", indexes["bank"])

    columns = _aggregate_codes(sums, field_codes, indexes["field"])
    columns["fund_share_cap"] = np.array(p.fund_share_cap, dtype=float)  # a copy: the parameters' is read-only
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["capital_ratio"] = columns["project_capital_bn"] / columns["total_investment_bn"]
        columns["fund_share_of_capital"] = columns["fund_bn"] / columns["project_capital_bn"]
    field_columns = columns
    by_field = pd.DataFrame(columns, index=indexes["field"], copy=False)

    columns = _aggregate_codes(sums, bank_codes, indexes["bank"])
    columns["quota_bn"] = np.array(p.bank_quota, dtype=float)
    by_bank = pd.DataFrame(columns, index=indexes["bank"], copy=False)

    cell_codes = field_codes * len(indexes["bank"]) + bank_codes
    by_cell = pd.DataFrame(_aggregate_codes(sums, cell_codes, indexes["cell"]), index=indexes["cell"], copy=False)

    province_index = indexes["province"]
    first = {"major_economic": PROVINCES["major_economic"].to_numpy()}
    columns = _aggregate_codes(sums, group_codes(portfolio, "province", province_index), province_index, first)
    present = columns["n_projects"] > 0
    by_province = pd.DataFrame({c: v[present] for c, v in columns.items()}, index=province_index[present], copy=False)

    # ownership: private (0) or state (1), as the index lists them
    ownership_codes = portfolio.derived(
        ("ownership_codes",), ["private"], lambda: np.where(np.asarray(table["private"]).astype(bool), 0, 1)
    )
    by_ownership = pd.DataFrame(
        _aggregate_codes(sums, ownership_codes, indexes["ownership"]), index=indexes["ownership"], copy=False
    )
    return field_columns, by_field, by_bank, by_cell, by_province, by_ownership


def _cashflow_totals(table: dict[str, np.ndarray], cashflow: bool) -> dict[str, float]:
    """Projects with cash-flow data: their count, subsidy (bn RMB) and subsidy per yuan of
    their investment (NaN when none, or when metrics were left out)."""
    if not cashflow:
        nan = float("nan")
        return {"n_projects_with_cashflow": nan, "subsidy_bn": nan, "subsidy_per_yuan": nan}
    with_cf = np.asarray(table["cashflow_status"], dtype=object) == "ok"
    any_cf = bool(with_cf.any())
    subsidy = float(np.nansum(np.asarray(table["subsidy_bn"], dtype=float)[with_cf])) if any_cf else float("nan")
    invest_cf = float(np.nansum(np.asarray(table["total_investment_bn"], dtype=float)[with_cf]))
    return {
        "n_projects_with_cashflow": float(with_cf.sum()),
        "subsidy_bn": subsidy,
        "subsidy_per_yuan": subsidy / invest_cf if any_cf and invest_cf else float("nan"),
    }


def sunk_shares(portfolio: Portfolio, columns: dict[str, np.ndarray], params: Parameters) -> np.ndarray:
    """Each project's sunk share sigma (share of its total investment already spent before
    the instrument came in): the portfolio's ``sunk_share`` column where given, else its
    field's ``sunk_share`` (fields.yaml).

    Example: a project in a field with sigma 0.1 and no value of its own gets 0.1.
    """
    field_sigma = pd.Series(params.sunk_share, index=params.field_ids, dtype=float)
    default = field_sigma.reindex(np.asarray(columns["field"], dtype=object)).to_numpy(dtype=float)
    own = portfolio.columns.get("sunk_share")
    if own is None:
        return default
    own = np.asarray(own, dtype=float)
    return np.where(np.isnan(own), default, own)


def run_portfolio(
    portfolio: Portfolio,
    params: Parameters | None = None,
    scenario_name: str = "portfolio",
    cashflow: bool | None = None,
) -> Result:
    """Aggregate a validated portfolio into a :class:`Result` (``mode="portfolio"``).

    * ``by_field``, ``by_bank``, ``by_cell``: capital stacks (bn RMB) with gross, net and
      attributed multipliers and project counts (every field and bank listed)
    * ``by_year``: each project's investment phased over its construction years
    * ``breakdowns``: ``province`` and ``ownership`` (private / state)
    * ``projects``: the per-project table
    * ``totals``: the stack, multipliers, ``attributed_investment_bn``, ``private_share``,
      ``major_province_share``, ``n_projects`` and ``top_down_multiplier`` (the top-down
      model's multiplier under the same parameters, for comparison); for projects with
      cash-flow data, ``n_projects_with_cashflow``, ``subsidy_bn`` and ``subsidy_per_yuan``
      (NaN when no project has cash-flow data)

    ``cashflow``: add cash-flow metrics to ``projects`` (True), leave them out (False), or
    (None, the default) add them unless more than :data:`CASHFLOW_AUTO_LIMIT` projects have
    cash-flow data, in which case an info check says they were left out.

    The portfolio is validated under ``params`` (:meth:`Portfolio.under`), so field
    defaults, caps and statutory minimums are the scenario's. Raises
    :class:`~fundmodel.inputs.portfolio.PortfolioError` if the portfolio has errors under them.
    """
    p = params or default_parameters()
    portfolio = portfolio.under(p)
    extra: list[Check] = []
    if cashflow is None:
        n_cf = int(portfolio.frame["annual_revenue_bn"].notna().sum())
        cashflow = n_cf <= CASHFLOW_AUTO_LIMIT
        if not cashflow:
            extra.append(
                Check.of(
                    "cashflow_skipped",
                    "info",
                    Message("cashflow_skipped", {"count": n_cf, "limit": CASHFLOW_AUTO_LIMIT}),
                    "projects",
                    {"value": float(n_cf), "limit": float(CASHFLOW_AUTO_LIMIT)},
                )
            )
    # The model works on the column arrays; the project table is built once, at the end.
    columns = project_columns(portfolio, cashflow)
    counted = counted_investment(columns, p.macro.pro_rata_attribution.value)
    if p.macro.pro_rata_attribution.value:
        columns = columns | net_of_counted(columns, counted)
    indexes = _indexes(p)
    field_columns, by_field, by_bank, by_cell, by_province, by_ownership = _aggregates(columns, p, indexes, portfolio)

    start, length = np.asarray(columns["start_year"], dtype=int), np.asarray(columns["construction_years"], dtype=int)
    sunk = sunk_shares(portfolio, columns, p)
    columns["sunk_share"] = sunk
    by_year, by_quarter = macro_table(
        p,
        counted,
        np.asarray(columns["infrastructure_share"], dtype=float),
        np.asarray(columns["additionality"], dtype=float),
        start,
        length,
        columns["phasing_profile"],
        sunk_share=sunk,
    )

    totals = totals_of(field_columns, p)
    fund = totals["fund_bn"]
    fund_bn = columns["fund_bn"]
    totals["attributed_investment_bn"] = float(np.nansum(field_columns["attributed_investment_bn"]))
    totals["attributed_multiplier"] = totals["attributed_investment_bn"] / fund if fund else float("nan")
    totals["other_public_funding_bn"] = float(np.nansum(field_columns["other_public_funding_bn"]))
    totals["n_projects"] = float(len(fund_bn))
    totals["private_share"] = float(by_ownership["fund_bn"].to_numpy()[0]) / fund if fund else float("nan")
    major = float(np.nansum(fund_bn[columns["major_province"]]))
    totals["major_province_share"] = major / fund if fund else float("nan")
    totals["top_down_multiplier"] = gross_multiplier(p)
    totals.update(_cashflow_totals(columns, cashflow))
    totals.update(new_investment_totals(np.asarray(columns["total_investment_bn"], dtype=float), sunk))
    checks = portfolio_checks(p, columns, by_bank) + extra
    provinces = (group_codes(portfolio, "province", PROVINCES.index), PROVINCES.index)  # kept from _aggregates
    fiscal_block = fiscal.portfolio_fiscal(p, columns, p.macro.disbursement_date.value.year, provinces)
    checks.append(fiscal.buyback_check(fund, fiscal_block["summary"]["fund_term_years"]))
    table = pd.DataFrame(columns, index=portfolio.index, copy=False)

    return Result(
        scenario_name=scenario_name,
        mode="portfolio",
        totals=totals,
        by_field=by_field,
        by_bank=by_bank,
        by_cell=by_cell,
        by_year=by_year,
        checks=checks,
        parameters=p,
        breakdowns={"province": by_province, "ownership": by_ownership},
        projects=table,
        by_quarter=by_quarter,
        fiscal=fiscal_block,
    )
