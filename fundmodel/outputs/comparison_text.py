"""A comparison as a planner reads it: a table of each scenario minus the reference (the
first), and sentences saying where each difference comes from, in field and bank names.

Everything is returned as :class:`~fundmodel.messages.Message` ids with parameters or as
plain tables; the caller renders them in the user's language and unit.

Example: an allocation that moves 5 bn from green x CDB to green x EXIM lists one line per
changed cell.

>>> from fundmodel import default_parameters
>>> p = default_parameters()
>>> a = np.array(p.allocation_matrix, dtype=float)
>>> b = a.copy()
>>> b[4, 0] -= 5.0
>>> b[4, 2] += 5.0
>>> for line in allocation_moves(a, b, p.field_ids, p.bank_ids, "zh", "yi"):
...     print(line)
绿色低碳 × 国家开发银行：550 亿元 → 500 亿元（-50 亿元）
绿色低碳 × 中国进出口银行：250 亿元 → 300 亿元（+50 亿元）
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from fundmodel.analysis.compare import Comparison
from fundmodel.messages import Message, format_money

#: Metrics a planner compares first, in this order (those a result lacks are left out).
PLANNER_METRICS = [
    "fund_bn",
    "total_investment_bn",
    "net_investment_bn",
    "attributed_investment_bn",
    "multiplier",
    "peak_level_effect_pct",
    "peak_growth_effect_pp",
]

#: Differences smaller than this are rounding (bn RMB, or the metric's own unit).
NOISE = 1e-6

#: At most this many fields or banks are named in one sentence (the largest differences).
MAX_PARTS = 5


def signed_money(amount_bn: float, unit: str, lang: str) -> str:
    """An amount with its sign (``+`` for a gain) in ``unit``.

    >>> signed_money(5.0, "yi", "zh"), signed_money(-0.5, "bn", "en")
    ('+50 亿元', '-0.5 bn RMB')
    """
    text = format_money(amount_bn, unit, lang)
    return "+" + text if amount_bn > 0 else text


def allocation_moves(
    reference_bn: np.ndarray,
    other_bn: np.ndarray,
    field_ids: Sequence[str],
    bank_ids: Sequence[str],
    lang: str = "en",
    unit: str = "bn",
) -> list[str]:
    """One ``compare_cell_move`` sentence per allocation cell that differs (matrices in bn RMB)."""
    a = np.asarray(reference_bn, dtype=float)
    b = np.asarray(other_bn, dtype=float)
    return [
        Message(
            "compare_cell_move",
            {
                "field": field_ids[i],
                "bank": bank_ids[j],
                "before": a[i, j],
                "after": b[i, j],
                "diff": signed_money(b[i, j] - a[i, j], unit, lang),
            },
        ).render(lang, unit)
        for i, j in zip(*np.nonzero(np.abs(b - a) > NOISE), strict=True)
    ]


def largest_differences(table: pd.DataFrame, label: str, metric: str = "total_investment_bn") -> pd.Series:
    """The ``diff:<label>`` of ``metric`` per row of a comparison breakdown (by field or by
    bank), largest first, rounding left out, at most :data:`MAX_PARTS`."""
    diff = table[f"diff:{label}"]
    diff = diff[diff.abs() > NOISE]
    return diff.reindex(diff.abs().sort_values(ascending=False).index).head(MAX_PARTS)


def path_name(path: str, lang: str) -> str:
    """A parameter path (``banks.cdb.fund_share_scale``) in words: each part by its label
    where it has one.

    >>> path_name("banks.cdb.fund_share_scale", "zh")
    '国家开发银行 · 银行资本金占比系数'
    """
    words = [_name(part, lang) for part in path.split(".") if part not in ("banks", "fields", "instrument")]
    return " · ".join(words)


def _name(key: str, lang: str) -> str:
    from fundmodel.labels import label  # reads the parameter files: loaded only when needed

    aliases = {"fund_share_scale": "bank_fund_share_scale"}
    try:
        return label(aliases.get(key, key), lang)
    except KeyError:
        return key


def _value(v: object) -> str:
    return f"{v:g}" if isinstance(v, float | int) else str(v)


def explanation(
    comparison: Comparison,
    index: int,
    names: tuple[str, str],
    lang: str,
    unit: str,
    allocations: tuple[np.ndarray, np.ndarray] | None = None,
    ids: tuple[Sequence[str], Sequence[str]] | None = None,
) -> list[str]:
    """Sentences saying how scenario ``index`` (>= 1) differs from the reference (the
    first): the total and net difference (this scenario minus the reference), the fields
    and banks it comes from (largest first), the allocation cells moved (``allocations``:
    the reference's and the scenario's matrices, ``ids``: field and bank ids) and the other
    assumptions changed. ``names``: the reference's and the scenario's names as shown."""
    label = comparison.labels[index]
    sep = "；" if lang == "zh" else "; "

    def say(message_id: str, **params) -> str:
        return Message(message_id, params).render(lang, unit)

    total = float(comparison.summary.loc["total_investment_bn", f"diff:{label}"])
    net = float(comparison.summary.loc["net_investment_bn", f"diff:{label}"])
    lines = [
        say(
            "compare_total",
            scenario=names[1],
            reference=names[0],
            total=signed_money(total, unit, lang),
            net=signed_money(net, unit, lang),
        )
    ]
    for by, table in (("field", comparison.by_field), ("bank", comparison.by_bank)):
        if "total_investment_bn" not in table:
            continue
        parts = largest_differences(table["total_investment_bn"], label)
        if len(parts):
            text = sep.join(f"{_name(k, lang)} {signed_money(float(v), unit, lang)}" for k, v in parts.items())
            lines.append(say(f"compare_by_{by}", parts=text))
    if allocations is not None and ids is not None:
        moves = allocation_moves(allocations[0], allocations[1], ids[0], ids[1], lang, unit)
        if moves:
            lines.append(say("compare_allocation", parts=sep.join(moves)))
    changes = comparison.attributions[index - 1].parameter_changes
    changes = changes[~changes["path"].astype(str).str.startswith("allocation")]
    if len(changes):
        text = sep.join(
            f"{path_name(str(r.path), lang)} {_value(r.reference_value)} → {_value(r.value)}"
            for r in changes.itertuples()
        )
        lines.append(say("compare_parameters", parts=text))
    return lines


def _difference(metric: str, diff: float, pct: float, unit: str, lang: str) -> str:
    """A difference in the metric's own terms: money in ``unit`` with the share of the
    reference, a multiplier in x, level and growth effects in percentage points."""
    from fundmodel.terms import term

    kind = term(metric).unit
    if kind == "money":
        text = term(metric).format(diff, unit)
        text = ("+" + text if diff > 0 else text) if text.strip("-0.,") else text
    elif kind == "multiplier":
        text = f"{diff:+,.2f}x"
    else:
        text = f"{diff:+.2f} " + ("个百分点" if lang == "zh" else "pp")
    if kind in ("money", "multiplier") and np.isfinite(pct):
        text += f" ({pct:+.1%})"
    return text


def comparison_table(
    comparison: Comparison, headers: Sequence[str], lang: str, unit: str, only: int | None = None
) -> pd.DataFrame:
    """The planner's comparison table: one row per metric of :data:`PLANNER_METRICS` that
    every scenario has (never a NaN cell), the reference's value first, then for each other
    scenario its value and ``Δ`` = it minus the reference. ``headers``: one short column
    name per scenario (the reference first); ``only``: just the reference and scenario
    ``only`` (four columns: narrow enough for a 1024 px screen).

    >>> from fundmodel.analysis.compare import compare_results
    >>> from fundmodel.inputs.bundled import SCENARIO_DIR
    >>> from fundmodel.inputs.scenario import load_scenario
    >>> runs = [load_scenario(SCENARIO_DIR / f).run() for f in ("baseline.yaml", "fit_reported_2025.yaml")]
    >>> table = comparison_table(compare_results(runs), ["A", "B"], "zh", "yi")
    >>> table.loc[1].tolist()
    ['总投资', '59,921', '70,800', '+10,880 (+18.2%)']
    >>> comparison_table(compare_results(runs + runs[:1]), ["A", "B", "C"], "en", "bn", only=2).columns.tolist()
    ['Metric', 'A', 'C', 'Δ C']
    """
    from fundmodel.labels import label
    from fundmodel.terms import term

    labels = comparison.labels
    summary = comparison.summary
    rows = []
    for metric in PLANNER_METRICS:
        if metric not in summary.index or not np.isfinite(summary.loc[metric, labels].to_numpy(dtype=float)).all():
            continue
        row = summary.loc[metric]
        out = {label("col_metric", lang): label(metric, lang)}
        for k, (lab, head) in enumerate(zip(labels, headers, strict=True)):
            if only is not None and k not in (0, only):
                continue
            out[head] = term(metric).format(float(row[lab]), unit)
            if k:
                out[f"Δ {head}"] = _difference(metric, float(row[f"diff:{lab}"]), float(row[f"pct:{lab}"]), unit, lang)
        rows.append(out)
    return pd.DataFrame(rows)
