"""Back-test: each instrument's ex-ante model against what was reported afterwards.

For an instrument (a parameter package) the ex-ante run is the package as it stands. The
reported outturn is data in the package: the total investment in ``instrument.yaml``
(``reported_total_investment_bn``), by bank in ``banks.yaml``, and the number of projects
(total and by bank) with the bundled portfolio they are counted against in ``outturn.yaml``.
A figure that was never published is absent, and its row says so.

How far off the ex-ante model was: ``error = (ex ante - reported) / reported``.

Which assumption moved: a bank's investment is ``I_b = sum_f F_fb / (s_f x scale_b x k_f)``,
so it is inversely proportional to the bank's ``fund_share_scale``. The outturn fit sets,
for every bank with a reported total, ``scale_b' = scale_b x I_b(ex ante) / I_b(reported)``
and, when the instrument's total is reported, one common factor on the other banks so that
the total matches; then the model is run again on the fitted parameters, and the fit's
error is measured on that run (it reproduces the reported figures it is built on). A factor
below 1 means the fund covered less of each project's capital than assumed, so each yuan of
it carried more investment.

Example: 2025, CDB: 250 bn crowding in 3,040.7 bn ex ante against 3,850 bn reported, so the
ex-ante error is -21.0% and the fitted scale 3,040.7 / 3,850 = 0.790.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from fundmodel.core.topdown import run
from fundmodel.errors import ParameterError
from fundmodel.inputs.bundled import PORTFOLIO_DIR
from fundmodel.inputs.parameters import (
    Param,
    Parameters,
    bundled_instruments,
    default_parameters,
    instrument_dir,
    read_yaml,
)
from fundmodel.inputs.portfolio import read_table
from fundmodel.messages import Message

#: The package file holding the reported number of projects and the portfolio they are counted on.
OUTTURN_FILE = "outturn.yaml"
#: Columns of the back-test table.
COLUMNS = [
    "instrument",
    "quantity",
    "subject",
    "reported",
    "ex_ante",
    "ex_ante_error_pct",
    "fit",
    "fit_error_pct",
    "assumption_moved",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _BankOutturn(_Strict):
    projects: Param[int] | None = None


class _OutturnFile(_Strict):
    projects: Param[int] | None = None
    portfolio: Param[str] | None = None
    banks: dict[str, _BankOutturn] = {}


@dataclass(frozen=True)
class Outturn:
    """What was reported about an instrument after the fact (bn RMB; None: not published)."""

    total_investment_bn: float | None
    by_bank_bn: dict[str, float]
    projects: int | None
    projects_by_bank: dict[str, int]
    portfolio: Path | None


def load_outturn(params: Parameters) -> Outturn:
    """The reported outturn of ``params``'s instrument (strict: errors name file and key).

    >>> o = load_outturn(default_parameters("2022"))
    >>> o.total_investment_bn is None, o.by_bank_bn, o.projects_by_bank
    (True, {'adbc': 3000.0}, {'adbc': 1677})
    """
    path = instrument_dir(params.instrument_id) / OUTTURN_FILE
    where = f"{params.instrument_id}/{OUTTURN_FILE}"
    parsed = _OutturnFile()
    if path.is_file():
        try:
            parsed = _OutturnFile.model_validate(read_yaml(path) or {})
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            raise ParameterError(f"{where}: {loc}: {err['msg']}") from None
    for bank in parsed.banks:
        if bank not in params.banks:
            raise ParameterError(f"{where}: banks.{bank}: unknown bank (declared: {', '.join(params.bank_ids)})")
    portfolio = None
    if parsed.portfolio is not None:
        portfolio = PORTFOLIO_DIR / parsed.portfolio.value
        if not portfolio.is_file():
            raise ParameterError(f"{where}: portfolio.value: no bundled portfolio {parsed.portfolio.value!r}")
    reported_total = params.instrument.reported_total_investment_bn
    return Outturn(
        total_investment_bn=None if reported_total is None else float(reported_total.value),
        by_bank_bn={
            b: float(bank.reported_total_investment_bn.value)
            for b, bank in params.banks.items()
            if bank.reported_total_investment_bn is not None
        },
        projects=None if parsed.projects is None else parsed.projects.value,
        projects_by_bank={b: o.projects.value for b, o in parsed.banks.items() if o.projects is not None},
        portfolio=portfolio,
    )


def fitted_scales(params: Parameters, ex_ante_by_bank_bn: pd.Series, outturn: Outturn) -> dict[str, float]:
    """The ``fund_share_scale`` of each bank that reproduces the reported investment (see the
    module): ``scale x ex ante / reported`` for banks with a reported total; one common factor on
    the others when the instrument's total is reported; unchanged otherwise.

    >>> p = default_parameters("2022")
    >>> ex = pd.Series({"cdb": 4200.0, "adbc": 2459.0, "exim": 740.0})
    >>> {b: round(s, 4) for b, s in fitted_scales(p, ex, load_outturn(p)).items()}
    {'adbc': 0.8197}
    """
    scales = {
        b: params.banks[b].fund_share_scale.value * float(ex_ante_by_bank_bn[b]) / reported
        for b, reported in outturn.by_bank_bn.items()
    }
    others = [b for b in params.bank_ids if b not in outturn.by_bank_bn]
    if outturn.total_investment_bn is not None and others:
        rest_bn = outturn.total_investment_bn - sum(outturn.by_bank_bn.values())
        ex_ante_rest = float(ex_ante_by_bank_bn[others].sum())
        if rest_bn > 0 and ex_ante_rest > 0:
            factor = ex_ante_rest / rest_bn
            scales.update({b: params.banks[b].fund_share_scale.value * factor for b in others})
    return scales


def _error_pct(model: float | None, reported: float | None) -> float | None:
    """100 (model - reported) / reported, or None when either is missing.

    >>> _error_pct(6000.0, 7080.0)
    -15.254237288135593
    """
    if model is None or reported is None or reported == 0:
        return None
    return 100.0 * (model - reported) / reported


def _portfolio_counts(path: Path | None) -> pd.Series | None:
    if path is None:
        return None
    return read_table(path)["bank"].astype(str).value_counts()


def backtest_instrument(instrument: str) -> pd.DataFrame:
    """The back-test rows of one instrument (:data:`COLUMNS`); ``assumption_moved`` holds a
    :class:`~fundmodel.messages.Message` or None."""
    params = default_parameters(instrument)
    outturn = load_outturn(params)
    ex_ante = run(params, scenario_name="ex ante")
    ex_bank = ex_ante.by_bank["total_investment_bn"]
    scales = fitted_scales(params, ex_bank, outturn)
    fit = None
    if scales:
        overrides = {"banks": {b: {"fund_share_scale": round(s, 6)} for b, s in scales.items()}}
        fit = run(params.with_overrides(overrides, source=f"{instrument} outturn fit"), scenario_name="fit")

    def moved(bank: str) -> Message | None:
        if bank not in scales:
            return None
        fund = float(ex_ante.by_bank.loc[bank, "fund_bn"])
        return Message(
            "backtest_scale_moved",
            {
                "bank": bank,
                "scale": scales[bank] / params.banks[bank].fund_share_scale.value,
                "fitted": float(fit.by_bank.loc[bank, "total_investment_bn"]) / fund,
                "ex_ante": float(ex_bank[bank]) / fund,
            },
        )

    rows: list[dict[str, Any]] = []

    def add(quantity: str, subject: str, reported: float | None, model: float | None, fitted: float | None, why):
        rows.append(
            {
                "instrument": params.instrument_id,
                "quantity": quantity,
                "subject": subject,
                "reported": reported,
                "ex_ante": model,
                "ex_ante_error_pct": _error_pct(model, reported),
                "fit": fitted,
                "fit_error_pct": _error_pct(fitted, reported),
                "assumption_moved": why,
            }
        )

    fit_total = None if fit is None else fit.total_investment_bn
    total_why = Message("backtest_moved_by_bank") if outturn.total_investment_bn is not None and fit else None
    add("total_investment_bn", "total", outturn.total_investment_bn, ex_ante.total_investment_bn, fit_total, total_why)
    for bank in params.bank_ids:
        reported = outturn.by_bank_bn.get(bank)
        fitted = None if fit is None else float(fit.by_bank.loc[bank, "total_investment_bn"])
        add(
            "total_investment_bn", bank, reported, float(ex_bank[bank]), fitted if bank in scales else None, moved(bank)
        )
    counts = _portfolio_counts(outturn.portfolio)
    if outturn.projects is not None:
        modelled = None if counts is None else int(counts.sum())
        add("projects", "total", float(outturn.projects), modelled, None, None)
    for bank, n in outturn.projects_by_bank.items():
        modelled = None if counts is None else int(counts.get(bank, 0))
        add("projects", bank, float(n), modelled, None, None)
    return pd.DataFrame(rows, columns=COLUMNS)


def backtest(instruments: list[str] | None = None) -> pd.DataFrame:
    """The back-test table of ``instruments`` (default: every bundled one).

    >>> t = backtest(["2025"])
    >>> row = t[(t.quantity == "total_investment_bn") & (t.subject == "total")].iloc[0]
    >>> float(round(row.ex_ante_error_pct, 1)), bool(abs(row.fit_error_pct) < 1)
    (-15.4, True)
    """
    names = instruments or bundled_instruments()
    return pd.concat([backtest_instrument(name) for name in names], ignore_index=True)


def backtest_records(table: pd.DataFrame, lang: str = "en", unit: str = "bn") -> list[dict[str, Any]]:
    """The table as JSON-ready records (money in bn RMB, errors in percent, None where not
    published), with the moved assumption rendered in ``lang``."""
    from fundmodel.core.result import clean_json

    out = []
    for row in table.to_dict(orient="records"):
        why = row.pop("assumption_moved")
        out.append({k: clean_json(v) for k, v in row.items()} | {"assumption_moved": why and why.render(lang, unit)})
    return out


def render_backtest(table: pd.DataFrame, unit: str = "bn", lang: str = "en") -> str:
    """The back-test as a terminal table (money in ``unit``; errors in percent)."""
    from fundmodel.labels import label
    from fundmodel.outputs.report import text_table
    from fundmodel.units import decimals, from_bn, unit_label

    def number(v: Any, quantity: str, missing: str) -> str:
        if v is None or pd.isna(v):
            return label(missing, lang)
        return f"{v:,.0f}" if quantity == "projects" else f"{float(from_bn(v, unit)):,.{decimals(unit)}f}"

    def pct(v: Any) -> str:
        return "" if v is None or pd.isna(v) else f"{v:+.1f}%"

    headers = [
        label(h, lang)
        for h in ("instrument", "col_quantity", "col_of", "col_reported", "col_ex_ante", "col_ex_ante_error")
    ] + [label(h, lang) for h in ("col_fit", "col_fit_error", "col_assumption_moved")]
    rows = []
    for r in table.itertuples(index=False):
        quantity = r.quantity
        what = (
            label("projects_count", lang)
            if quantity == "projects"
            else f"{label(quantity, lang)} ({unit_label(unit, lang)})"
        )
        rows.append(
            [
                r.instrument,
                what,
                label(r.subject, lang),
                number(r.reported, quantity, "not_published"),
                number(r.ex_ante, quantity, "no_portfolio"),
                pct(r.ex_ante_error_pct),
                "" if r.fit is None or pd.isna(r.fit) else number(r.fit, quantity, "not_published"),
                pct(r.fit_error_pct),
                "" if r.assumption_moved is None else r.assumption_moved.render(lang, unit),
            ]
        )
    parts = [label("backtest_title", lang), "", text_table(headers, rows)]
    for instrument in table["instrument"].unique():
        outturn = load_outturn(default_parameters(instrument))
        if outturn.portfolio is not None:
            parts.append(label("backtest_portfolio_note", lang).format(file=outturn.portfolio.name))
    return "\n".join(parts)
