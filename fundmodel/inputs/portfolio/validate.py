"""Validation: a raw table (text cells, headers as written) to a canonical portfolio."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.core.rules import CAPITAL_RATIO_MINIMUM, FUND_SHARE_CAP
from fundmodel.errors import PortfolioError
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio.cells import (
    CONTROL_CHARACTERS,
    EXCEL_ERRORS,
    PLACEHOLDER_TEXTS,
    count_conversion,
    factorize,
    lookup_codes,
    map_values,
    parse_number,
    text_cells,
)
from fundmodel.inputs.portfolio.issues import IssueCollector
from fundmodel.inputs.portfolio.model import PARSER, Portfolio
from fundmodel.inputs.portfolio.schema import (
    BOOL_WORDS,
    GENERAL_SECTOR,
    MONEY_UNIT_SUFFIXES,
    NUMERIC_TYPES,
    PERCENT_SUFFIXES,
    SCHEMA,
    YEAR_SUFFIXES,
    YES_NO_WORDS,
    ColumnSpec,
    lookups,
    norm,
    split_header,
    unit_of_header,
)
from fundmodel.inputs.portfolio.template import total_checks
from fundmodel.messages import Message
from fundmodel.units import PER_BN

#: Relative tolerance when project capital and capital ratio are both given (rounding).
CAPITAL_CONSISTENCY_TOLERANCE = 0.005
#: Slack on the cap and minimum checks (floating point only; not a policy margin).
RULE_EPSILON = 1e-9


def _fmt_range(spec: ColumnSpec) -> str:
    lo = "(" if spec.min_exclusive else "["
    low = "-inf" if spec.min is None else f"{spec.min:g}"
    high = "inf" if spec.max is None else f"{spec.max:g}"
    return f"{lo}{low}, {high}]"


def parse_portfolio(
    table: pd.DataFrame,
    unit: str | None = None,
    params: Parameters | None = None,
    source: str = "portfolio",
) -> Portfolio:
    """Validate a raw table (text cells, headers as written, index = file row numbers)
    and build the canonical portfolio. See :func:`read_portfolio`."""
    if unit is not None and unit not in PER_BN:
        raise PortfolioError(f"unknown money unit {unit!r} (use one of {', '.join(PER_BN)})")
    p = params or default_parameters()
    if unit is None and table.attrs.get("title_unit"):  # 单位：万元 above the table
        unit = table.attrs["title_unit"]
    issues = IssueCollector(source)
    rows = np.asarray(table.index, dtype=np.int64)
    n = len(table)

    # --- headers -----------------------------------------------------------------
    headers: dict[str, str] = {}
    unit_text: dict[str, str | None] = {}
    columns: dict[str, pd.Series] = {}
    column_map = table.attrs.get("column_map") or {}  # the user's corrections (--map)
    # The columns without the reader's notes (attrs): pandas copies those on every operation.
    for header, column in pd.DataFrame(table, copy=False).items():
        header = str(header)
        cid, utext = split_header(header)
        if header in column_map:
            utext = utext if cid is not None else unit_of_header(header)
            cid = column_map[header]
        if cid is None:
            issues.add(1, header, header, "unknown_column", Message("issue_unknown_column"), "warning")
            continue
        if cid in headers:
            issues.add(
                1,
                header,
                header,
                "duplicate_column",
                Message("issue_duplicate_column", {"first": headers[cid], "id": cid}),
            )
            continue
        headers[cid] = header
        columns[cid] = column
        unit_text[cid] = utext
    for spec in SCHEMA.values():
        if spec.required and spec.id not in headers:
            issues.add(1, spec.id, "", "missing_column", Message("issue_missing_column", {"id": spec.id}))
    if "capital_ratio" not in headers and "project_capital_bn" not in headers:
        issues.add(
            1,
            "capital_ratio",
            "",
            "missing_column",
            Message("issue_capital_missing"),
        )

    if n == 0 and headers:
        issues.add(None, "", "", "no_projects", Message("issue_no_projects"))

    # --- cells ---------------------------------------------------------------------
    control = bool(table.attrs.get("control_characters"))
    conversions: dict[str, int] = {}  # how values were written, for the report
    text_numbers = table.attrs.get("text_numbers") or {}
    tables = lookups(p)
    out: dict[str, Any] = {}
    bad_any = np.zeros(n, dtype=bool)
    units: dict[str, str] = {}
    empties: dict[str, np.ndarray] = {}
    raws: dict[str, pd.Series] = {}
    for cid, header in headers.items():
        spec = SCHEMA[cid]
        raw = columns[cid]
        utext = unit_text[cid]
        kind = spec.type
        percent_header = kind == "share" and utext is not None and norm(utext) in PERCENT_SUFFIXES
        if kind in NUMERIC_TYPES:
            v, empty, bad = parse_number(raw, kind == "share", percent_header, conversions)
            text_rows = text_numbers.get(header)
            if text_rows is not None:  # typed as text in the sheet, read as the number
                count_conversion(conversions, "number_text", np.isin(rows, text_rows) & ~empty & ~bad)
        elif kind == "bool":
            v, empty, bad = lookup_codes(raw, lambda t: BOOL_WORDS.get(t.lower()), conversions, YES_NO_WORDS)
        elif kind in ("field", "bank", "province", "sector", "profile"):
            table_of = tables[kind]
            v, empty, bad = lookup_codes(raw, lambda t, tab=table_of: tab.get(norm(t)), conversions)
        else:
            v = text_cells(raw, conversions)
            empty, bad = v == "", np.zeros(n, dtype=bool)
        special = _special_cells(raw, header, rows, issues, control, kind == "text")
        if special is not None:  # reported as what they are: never "empty", never a second issue
            empty, bad = empty & ~special, bad & ~special
            if v.dtype.kind == "O":
                v = np.where(special, None, v)
            bad_any |= special
        empties[cid] = empty
        raws[cid] = raw
        if kind == "money":
            if utext is not None and norm(utext) in MONEY_UNIT_SUFFIXES:
                col_unit = MONEY_UNIT_SUFFIXES[norm(utext)]
            elif utext is not None:
                issues.add(1, header, header, "unknown_unit", Message("issue_unknown_money_unit", {"unit": utext}))
                col_unit = None
            elif norm(header) == norm(cid):
                col_unit = "bn"  # the canonical id names its unit (_bn)
            else:
                col_unit = unit
            if col_unit is None and utext is None and not empty.all():
                issues.add(
                    1,
                    header,
                    header,
                    "unit_undeclared",
                    Message("issue_unit_undeclared"),
                )
            if col_unit is not None:
                units[cid] = col_unit
        elif utext is not None and not percent_header and not (kind == "int" and norm(utext) in YEAR_SUFFIXES):
            issues.add(
                1, header, header, "unknown_unit", Message("issue_unit_not_applicable", {"unit": utext, "column": cid})
            )

        if spec.required:
            required = Message("issue_required", {"column": cid})
            issues.add_rows(empty, rows, header, raw, "missing_value", required)
        if kind in NUMERIC_TYPES:
            issues.add_rows(bad, rows, header, raw, "not_a_number", Message("issue_not_a_number"))
            if kind == "int":
                frac = ~bad & ~empty & (v != np.round(v))
                issues.add_rows(frac, rows, header, raw, "not_an_integer", Message("issue_not_an_integer"))
                bad |= frac
            if kind == "money":
                v = v / PER_BN.get(units.get(cid, ""), np.nan)
            with np.errstate(invalid="ignore"):
                low_bad = np.zeros(n, dtype=bool)
                if spec.min is not None:
                    low_bad = (v <= spec.min) if spec.min_exclusive else (v < spec.min)
                high_bad = (v > spec.max) if spec.max is not None else np.zeros(n, dtype=bool)
            if kind == "money":
                neg = v < 0
                issues.add_rows(neg, rows, header, raw, "negative_amount", Message("issue_negative_amount"))
                zero = low_bad & ~neg
                issues.add_rows(zero, rows, header, raw, "zero_amount", Message("issue_zero_amount"))
                bad |= neg | zero
            else:
                rng = (low_bad | high_bad) & ~bad
                issues.add_rows(
                    rng, rows, header, raw, "out_of_range", Message("issue_out_of_range", {"range": _fmt_range(spec)})
                )
                bad |= rng
            v = np.where(bad, np.nan, v)
        elif kind == "bool":
            issues.add_rows(bad, rows, header, raw, "not_a_boolean", Message("issue_not_a_boolean"))
        elif kind == "sector" and GENERAL_SECTOR in p.capital_ratios.sectors:
            # A 行业 word in no statutory sector: the general minimum, said row by row.
            general = p.capital_ratios.sectors[GENERAL_SECTOR]
            issues.add_rows(
                bad, rows, header, raw, "sector_unmapped",
                Message("issue_sector_unmapped", {"sector": GENERAL_SECTOR, "minimum": general.minimum.value}),
                "warning",
            )  # fmt: skip
            v = np.where(bad, GENERAL_SECTOR, v)
            bad = np.zeros(n, dtype=bool)
        elif kind != "text":
            ids = sorted(set(tables[kind].values()))
            unknown = (
                Message("issue_unknown_value", {"column": cid, "known": ids})
                if len(ids) <= 12
                else Message("issue_unknown_value_many", {"column": cid})
            )
            issues.add_rows(bad, rows, header, raw, f"unknown_{kind}", unknown)
        out[cid] = v
        bad_any |= bad | (empty & spec.required)

    data = _canonical(out, n, p)
    bad_rules = _cross_checks(data, headers, empties, raws, rows, issues, p)
    for row, header, stated, message in total_checks(
        data, rows, table.attrs.get("totals") or {}, headers, units, PER_BN
    ):
        issues.add(row, header, stated, "total_mismatch", message, "warning")
    valid = ~(bad_any | bad_rules)
    frame_issues = issues.frame()
    if len(frame_issues):
        # A file-level error (missing column, undeclared unit) invalidates every row.
        file_level = frame_issues[(frame_issues["row"] == 1) & (frame_issues["severity"] == "error")]
        if len(file_level):
            valid[:] = False
        row_errors = frame_issues.loc[frame_issues["severity"] == "error", "row"].dropna().astype(np.int64)
        valid[np.isin(rows, row_errors.to_numpy())] = False
    data["valid"] = valid
    return Portfolio(
        columns=data,
        index=pd.Index(rows, name="row"),
        issues=frame_issues,
        source=source,
        headers=headers,
        units=units,
        raw=table,
        unit_option=unit,
        params_fingerprint=p.fingerprint,
        reading={**table.attrs, **({"conversions": conversions} if conversions else {})},
    )


def _special_cells(
    raw: pd.Series, header: str, rows: np.ndarray, issues: IssueCollector, control: bool, text: bool = False
) -> np.ndarray | None:
    """Cells that are not values: a spreadsheet error (``#DIV/0!``), placeholder text
    (``N/A``, ``null``) or text with a control character (NUL included; only looked for
    when the reader saw one in the file). Each is reported as its own error naming the
    cell; returns their mask, or None when there are none (the usual case).

    Example: a column ["1", "N/A", "#DIV/0!"] -> [False, True, True]."""
    if raw.dtype.kind != "O":
        return None
    error = raw.isin(EXCEL_ERRORS).to_numpy(dtype=bool)
    placeholder = raw.isin(PLACEHOLDER_TEXTS).to_numpy(dtype=bool) & ~error
    found = error | placeholder
    issues.add_rows(error, rows, header, raw, "error_cell", Message("issue_error_cell"))
    issues.add_rows(placeholder, rows, header, raw, "placeholder_text", Message("issue_placeholder_text"))
    if control:
        bad = raw.map(lambda c: isinstance(c, str) and CONTROL_CHARACTERS.search(c) is not None).to_numpy(dtype=bool)
        shown = raw.map(
            lambda c: CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", c) if isinstance(c, str) else c
        )
        if text:  # a name keeps its text whole: a warning shows where the character is
            issues.add_rows(
                bad & ~found, rows, header, shown, "control_character",
                Message("issue_control_character_text"), "warning",
            )  # fmt: skip
        else:
            issues.add_rows(
                bad & ~found, rows, header, shown, "control_character", Message("issue_control_character_cell")
            )
            found = found | bad
    return found if found.any() else None


def _escaped(match: re.Match[str]) -> str:
    """A control character made visible: NUL -> ``\\x00``."""
    return f"\\x{ord(match.group()):02x}"


#: Columns that take the field's parameter where a project gives none.
FIELD_DEFAULT_COLUMNS = (
    "sector",
    "shortfall_infrastructure",
    "phasing_profile",
    "additionality",
    "infrastructure_share",
)


#: ``field_defaults`` of each combination of :data:`FIELD_DEFAULT_COLUMNS` (bit i: column i).
_FIELD_DEFAULT_NAMES = np.array(
    ["|".join(c for bit, c in enumerate(FIELD_DEFAULT_COLUMNS) if code >> bit & 1) for code in range(32)],
    dtype=object,
)


def _canonical(out: dict[str, Any], n: int, p: Parameters) -> dict[str, np.ndarray]:
    """The canonical table as columns: every schema column (absent ones empty), field
    defaults filled into empty optional columns, and ``field_defaults``: which columns of
    the project took its field's value ("|"-separated ids, "" when it gave them all)."""
    data: dict[str, Any] = {}
    for cid, spec in SCHEMA.items():
        if cid in out:
            data[cid] = out[cid]
        elif spec.type in NUMERIC_TYPES:
            data[cid] = np.full(n, np.nan)
        else:
            data[cid] = np.full(n, None, dtype=object)
    field_codes, field_uniques = factorize(np.asarray(data["field"], dtype=object))
    known = field_codes >= 0
    took = np.zeros(n, dtype=np.int64)
    for bit, cid in enumerate(FIELD_DEFAULT_COLUMNS):
        share = SCHEMA[cid].type == "share"
        by_field = {k: getattr(f, cid).value for k, f in p.fields.items()}
        fill = np.array([by_field.get(u, np.nan) for u in field_uniques] + [np.nan], dtype=object)[field_codes]
        if share:
            fill = fill.astype(float)
        given = out.get(cid)
        if given is None:
            data[cid] = np.where(known, fill, np.nan if share else None)
            took |= known.astype(np.int64) << bit
        else:
            empty = pd.isna(given)
            data[cid] = np.where(empty, fill, given)
            took |= (known & empty).astype(np.int64) << bit
    data["field_defaults"] = _FIELD_DEFAULT_NAMES[took]
    for cid in ("private", "shortfall_infrastructure"):
        data[cid] = np.asarray(data[cid]).astype(object)
    for cid in ("start_year", "construction_years"):
        data[cid] = np.asarray(data[cid], dtype=float)
    return data


def _cross_checks(
    data: dict[str, np.ndarray],
    headers: dict[str, str],
    empties: dict[str, np.ndarray],
    raws: dict[str, pd.Series],
    rows: np.ndarray,
    issues: IssueCollector,
    p: Parameters,
) -> np.ndarray:
    """Rules across columns: capital consistency, statutory minimum, cap, other public
    money, duplicate ids, estimated column names. Completes ``capital_ratio`` and
    ``project_capital_bn`` from each other and adds ``capital_ratio_minimum``,
    ``fund_share_cap`` and ``fund_share_of_capital`` to ``data`` (the canonical columns).
    Returns the rows that broke a rule."""
    n = len(rows)
    bad = np.zeros(n, dtype=bool)
    investment = np.asarray(data["total_investment_bn"], dtype=float)
    ratio_given = np.asarray(data["capital_ratio"], dtype=float)
    capital_given = np.asarray(data["project_capital_bn"], dtype=float)
    fund = np.asarray(data["fund_requested_bn"], dtype=float)
    k_col = headers.get("capital_ratio")
    c_col = headers.get("project_capital_bn")

    # Either the capital ratio or project capital, per row.
    has_k, has_c = ~np.isnan(ratio_given), ~np.isnan(capital_given)
    if k_col or c_col:
        # Rows where both cells are empty (unparseable cells are already reported).
        missing = empties.get("capital_ratio", np.ones(n, dtype=bool)) & empties.get(
            "project_capital_bn", np.ones(n, dtype=bool)
        )
        issues.add_rows(
            missing,
            rows,
            k_col or c_col or "",
            np.full(n, ""),
            "missing_value",
            Message("issue_capital_missing"),
        )
        bad |= missing
    capital = np.where(has_c, capital_given, ratio_given * investment)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(has_c, capital_given / investment, ratio_given)
        both = has_k & has_c & ~np.isnan(investment)
        gap = np.abs(capital_given - ratio_given * investment) > CAPITAL_CONSISTENCY_TOLERANCE * capital_given
    inconsistent = both & gap

    def raw_of(cid: str, fallback: Any) -> Any:
        return raws.get(cid, fallback)

    issues.add_rows(
        inconsistent,
        rows,
        c_col or "",
        raw_of("project_capital_bn", capital_given),
        "inconsistent_capital",
        lambda i: [
            Message("issue_inconsistent_capital", {"capital": c, "ratio": k, "investment": t, "product": k * t})
            for c, k, t in zip(capital_given[i].tolist(), ratio_given[i].tolist(), investment[i].tolist(), strict=True)
        ],
    )
    bad |= inconsistent
    over = has_c & ~both & (ratio > 1 + RULE_EPSILON)
    issues.add_rows(
        over,
        rows,
        c_col or "",
        raw_of("project_capital_bn", capital_given),
        "capital_above_investment",
        Message("issue_capital_above_investment"),
    )
    bad |= over
    data["capital_ratio"] = ratio
    data["project_capital_bn"] = capital

    # Statutory minimum capital ratio of the sector (less the shortfall reduction).
    sector_min = {sid: s.minimum.value for sid, s in p.capital_ratios.sectors.items()}
    sector = data["sector"]
    minimum = map_values(sector, sector_min).astype(float)
    shortfall = map_values(data["shortfall_infrastructure"], {True: 1.0, False: 0.0}).astype(float)
    minimum = minimum - p.capital_ratios.shortfall_reduction.value * np.nan_to_num(shortfall)
    data["capital_ratio_minimum"] = minimum
    with np.errstate(invalid="ignore"):
        below = CAPITAL_RATIO_MINIMUM.violated(ratio, minimum)
    col, cid = (k_col, "capital_ratio") if k_col else (c_col or "", "project_capital_bn")
    issues.add_rows(
        below,
        rows,
        col,
        raw_of(cid, ratio),
        CAPITAL_RATIO_MINIMUM.validation_code,
        lambda i: [
            Message("issue_capital_ratio_below_minimum", {"ratio": r, "minimum": m, "sector": sec})
            for r, m, sec in zip(ratio[i].tolist(), minimum[i].tolist(), sector[i].tolist(), strict=True)
        ],
    )
    bad |= below

    # Cap on the fund's share of project capital (key / livelihood fields: the key-area cap).
    cap_by_field = dict(zip(p.field_ids, p.fund_share_cap, strict=True))
    cap = map_values(data["field"], cap_by_field).astype(float)
    data["fund_share_cap"] = cap
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # tiny capital: an infinite share
        share = fund / capital
        # Project capital of zero with a fund: an infinite share, above any cap.
        above = FUND_SHARE_CAP.violated(share, cap) | ((capital == 0) & (fund > 0))
    data["fund_share_of_capital"] = share
    issues.add_rows(
        above,
        rows,
        headers.get("fund_requested_bn", "fund_requested_bn"),
        raw_of("fund_requested_bn", fund),
        FUND_SHARE_CAP.validation_code,
        lambda i: [
            Message("issue_fund_above_cap", {"share": sh, "cap": c, "capital": k})
            for sh, c, k in zip(share[i].tolist(), cap[i].tolist(), capital[i].tolist(), strict=True)
        ],
    )
    bad |= above

    # Other public money sits in project capital beside the fund.
    other = np.asarray(data["other_public_funding_bn"], dtype=float)
    with np.errstate(invalid="ignore"):
        too_much = other > (capital - fund) * (1 + RULE_EPSILON) + RULE_EPSILON
    issues.add_rows(
        too_much,
        rows,
        headers.get("other_public_funding_bn", ""),
        raw_of("other_public_funding_bn", other),
        "other_public_above_capital",
        Message("issue_other_public_above_capital"),
    )
    bad |= too_much

    # Duplicate project ids: every repeat names the first row.
    present = pd.notna(data["project_id"]) & (data["project_id"] != "")
    dup = _repeats(data["project_id"], present)
    if dup.any():
        ids = pd.Series(data["project_id"], index=rows, copy=False)
        first_row = pd.Series(rows, index=rows).groupby(ids.to_numpy()).transform("first").to_numpy()
        issues.add_rows(
            dup,
            rows,
            headers.get("project_id", ""),
            ids,
            "duplicate_id",
            lambda i: [Message("issue_duplicate_id", {"row": r}) for r in first_row[i].tolist()],
        )
        bad |= dup

    # Estimated columns must name real columns.
    est = np.asarray(data["estimated_columns"], dtype=object)
    given = ~pd.isna(est) & (est != "")
    if given.any():
        known = set(SCHEMA)
        codes, uniques = factorize(np.where(given, est, ""))
        flags = np.array([any(x.strip() not in known for x in u.split("|") if x.strip()) for u in uniques] + [False])
        wrong = flags[codes]
        issues.add_rows(
            wrong, rows, headers.get("estimated_columns", ""), est, "unknown_column_name",
            Message("issue_estimated_columns"),
        )  # fmt: skip
        bad |= wrong
    return bad


def _repeats(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """True for every ``present`` value that repeats an earlier one
    (``present & Series.duplicated(keep="first")``).

    Example: ["a", "b", "a"], all present -> [False, False, True]."""
    values = np.asarray(values, dtype=object)
    kept = values[present]
    if len(set(kept)) == len(kept):  # all distinct: the usual case
        return np.zeros(len(values), dtype=bool)
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    repeat = np.ones(len(codes), dtype=bool)
    repeat[np.unique(codes, return_index=True)[1]] = False
    return present & repeat


# Portfolios re-validate through this module; looked up at call time so a patched
# parse_portfolio is the one used.
PARSER["parse_portfolio"] = lambda *args, **kwargs: parse_portfolio(*args, **kwargs)
