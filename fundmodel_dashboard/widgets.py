"""Widgets shared by the pages: labels in the chosen language, money in the chosen unit,
KPI cards, the checks table and the parameter sources."""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from fundmodel.core.kpis import Headline, headline
from fundmodel.core.result import Result
from fundmodel.core.rules import RULES
from fundmodel.labels import label, parameter_word
from fundmodel.outputs.csv_writer import encode_csv, safe_frame
from fundmodel.outputs.echarts import Chart
from fundmodel.outputs.kpi_text import KPI_TERMS as KPI_TERMS  # the cards, as tests and pages know them
from fundmodel.outputs.kpi_text import kpi_differences, kpi_texts
from fundmodel.terms import term as output_term
from fundmodel.terms import with_unit
from fundmodel.units import PER_BN, format_amount, from_bn, unit_label
from fundmodel.units import decimals as unit_decimals


def lang() -> str:
    return st.session_state.get("lang", "en")


def unit() -> str:
    return st.session_state.get("unit", "bn")


def per_bn() -> float:
    """How many of the session's money unit make one bn RMB (10 for 亿元)."""
    return PER_BN[unit()]


def decimals() -> int:
    """Decimals of an amount in the session's unit (none in 亿元, one in bn)."""
    return unit_decimals(unit())


def t(term: str) -> str:
    """The label of ``term`` in the session's language."""
    return label(term, lang())


def money(amount_bn: float, decimals: int | None = None, signed: bool = False) -> str:
    """An amount given in bn RMB, in the session's unit with thousands separators and the unit."""
    text = format_amount(amount_bn, unit(), unit_decimals(unit()) if decimals is None else decimals)
    if signed and amount_bn > 0:
        text = "+" + text
    return f"{text} {unit_label(unit(), lang())}"


def unit_name() -> str:
    return unit_label(unit(), lang())


def to_unit(amount_bn: float) -> float:
    return float(from_bn(amount_bn, unit()))


#: Charts of a result by (id of the result, chart, language, unit). A result is immutable and
#: shared by the sessions (it comes from the caches in ``state``), so its chart is built once:
#: an entry goes when its result is garbage-collected (the id could then be reused).
_CHARTS: dict[tuple, Any] = {}


def _forget_result(result_id: int) -> None:
    for key in [k for k in _CHARTS if k[0] == result_id]:
        _CHARTS.pop(key, None)


def _chart_of(chart: Callable[[Result, str, str], Any], result: Result) -> Any:
    cache_key = (id(result), chart.__module__, chart.__qualname__, lang(), unit())
    built = _CHARTS.get(cache_key)
    if built is None:
        if not any(k[0] == id(result) for k in _CHARTS):
            weakref.finalize(result, _forget_result, id(result))
        built = _CHARTS[cache_key] = chart(result, lang(), unit())
    return built


def result_echart(chart: Callable[[Result, str, str], Chart], result: Result, key: str) -> None:
    """Show the ECharts chart ``chart(result, lang, unit)`` (:mod:`fundmodel.outputs.echarts`),
    built once per result, chart, language and unit (building one takes milliseconds to tens
    of them; a page change back to a chart of the same result does not pay them again)."""
    show_echart(_chart_of(chart, result), key=key)


def show_echart(chart: Chart, key: str) -> None:
    """Show an ECharts chart (:mod:`fundmodel.outputs.echarts`) at its height, the page's width."""
    st.echarts_chart(chart.option, height=chart.height_px, theme=None, key=key)


# ---------------------------------------------------------------------- KPIs


def kpi_values(result: Result) -> dict[str, str]:
    """The KPI cards as (term -> displayed value, in the term's format); the same text the
    cards show and the briefing prints. Money in the session's unit (named in the card's label)."""
    return kpi_texts(result, unit(), lang())


def kpi_label(term: str, result: Result) -> str:
    """A card's label: the term, with the unit for money and the peak year for the level effect."""
    if output_term(term).is_money:
        name = t("net_investment_short") if term == "net_investment_bn" else t(term)
        return with_unit(name, lang(), unit())
    if term == "peak_level_effect_pct":
        year = headline(result).peak_year
        return f"{t(term)} ({year})" if year else t(term)
    return t(term)


def _deltas(h: Headline, ref: Headline) -> dict[str, str | None]:
    return kpi_differences(h, ref, unit(), lang())


KPI_HELP = {
    "fund_bn": "help_fund",
    "total_investment_bn": "help_total_investment",
    "net_investment_bn": "help_net_investment",
    "multiplier": "help_multiplier",
    "peak_level_effect_pct": "help_level_effect",
    "peak_growth_effect_pp": "help_growth_effect",
    "gap_to_target_bn": "help_gap",
    "private_share_of_fund": "help_private_share",
    "violations": "help_violations",
}

COMPACT = [
    "total_investment_bn",
    "net_investment_bn",
    "multiplier",
    "peak_level_effect_pct",
    "peak_growth_effect_pp",
    "violations",
]


def kpi_cards(result: Result, reference: Result | None = None, compact: bool = False) -> None:
    """The KPI cards of ``result`` (two rows of four; one row of five when ``compact``);
    deltas against ``reference`` (the scenario as loaded)."""
    values = kpi_values(result)
    deltas = _deltas(headline(result), headline(reference)) if reference is not None else {}
    terms = COMPACT if compact else list(values)
    rows = [terms] if compact else [terms[:4], terms[4:]]
    # keyed: the page's CSS lets the cards of a row wrap on narrow screens (main.CSS)
    with st.container(key="kpi_cards"):
        for row in rows:
            for col, term in zip(st.columns(len(row)), row, strict=True):
                col.metric(
                    kpi_label(term, result),
                    values[term],
                    delta=deltas.get(term),
                    delta_color="inverse" if term == "violations" else "normal",
                    help=t(KPI_HELP[term]),
                    border=True,
                )


# -------------------------------------------------------------------- checks


def checks_frame(result: Result) -> pd.DataFrame:
    """The failed checks as a readable table in the session's language."""
    rows = []
    for c in result.checks:
        rows.append(
            {
                t("col_severity"): t(f"severity_{c.severity}"),
                t("col_rule"): t(f"check_{c.code}"),
                t("col_subject"): _subject(c.subject),
                t("col_value"): _fmt_value(c.code, c.values.get("value")),
                t("col_limit"): _fmt_value(c.code, c.values.get("limit")),
                t("col_message"): c.render(lang(), unit()),
            }
        )
    return pd.DataFrame(rows)


def _subject(subject: str) -> str:
    if "/" in subject:
        return " × ".join(t(p) for p in subject.split("/"))
    return t(subject)


def _fmt_value(code: str, v: float | None) -> str:
    """A check's value or limit in the format of its rule's term (money in the session's unit)."""
    if v is None:
        return ""
    rule_term = output_term(RULES[code].term)
    return money(v) if rule_term.is_money else rule_term.format(v)


def checks_panel(result: Result, codes: set[str] | None = None) -> None:
    """The checks of ``result`` (optionally only some codes): a green note when all pass."""
    checks = [c for c in result.checks if codes is None or c.code in codes]
    if not checks:
        st.success(t("all_checks_pass"), icon=":material/check_circle:")
        return
    n_err = sum(c.severity == "error" for c in checks)
    st.error(f"{t('violations')}: {n_err:,}", icon=":material/error:")
    frame = checks_frame(result)
    keep = [i for i, c in enumerate(result.checks) if codes is None or c.code in codes]
    # a handful of rows (one per rule broken): a plain table, drawn at once (no data grid to load)
    st.table(frame.iloc[keep], hide_index=True)
    csv_download(frame.iloc[keep], "fundmodel_checks.csv", key="download_checks_csv")


def csv_download(frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for ``frame`` as CSV, written by the one CSV writer
    (:mod:`fundmodel.outputs.csv_writer`: formula-like text gets a leading apostrophe, control
    characters and over-long text are replaced visibly), with a note when a cell was changed.

    The tables' own CSV export is switched off (``client.disableDataExport`` in config.toml):
    it would write user text such as ``=cmd|' /C calc'!A0`` raw.
    """
    # the cells are made safe now (the note below says what changed); the file is written only
    # when the button is pressed (a table of thousands of rows takes tens of milliseconds)
    safe, warnings = safe_frame(frame)
    st.download_button(
        t("download_csv"),
        data=functools.partial(encode_csv, safe),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )
    if warnings:
        st.caption(t("csv_made_safe").format(n=len(warnings)))


# ------------------------------------------------------------------- sources


def sources_frame(result: Result) -> pd.DataFrame:
    """Every parameter used, with unit, reference, date and the scenario that overrode it."""
    rows = [
        {
            t("col_parameter"): s.path,
            t("col_value"): parameter_word(str(s.value), lang()),
            t("unit"): parameter_word(s.unit, lang()),
            t("col_reference"): s.reference,
            t("col_date"): s.date,
            t("col_overridden_by"): s.overridden_by or "",
        }
        for s in result.parameters.sources()
    ]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- tables

#: The data grid's header and cells: 14 px text, 8 px padding each side; an editable column's
#: header starts its text after a 16 px icon and an 8 px gap (measured in Chromium).
GRID_PADDING_PX, GRID_ICON_PX = 8, 24


def _text_px(text: str) -> float:
    """About how wide ``text`` is in the grid's 14 px Source Sans: a CJK character 14 px, m / w
    11 px, a capital or a digit 8.5 px, any other character 7.2 px (measured in Chromium)."""
    return sum(
        14.0 if "\u2e80" <= ch <= "\uffef" else 11.0 if ch in "mwMW" else 8.5 if ch.isupper() or ch.isdigit() else 7.2
        for ch in text
    )


def grid_column_px(texts: list[str], icon: bool = False, minimum: int = 0) -> int:
    """The width (px) of a data grid column that shows each of ``texts`` whole: the widest
    text, the padding, and the icon of an editable column's header.

    >>> grid_column_px(["国开行"], icon=True), grid_column_px(["合计", "5,000"], minimum=80)
    (82, 80)
    """
    widest = max((_text_px(text) for text in texts), default=0.0)
    return max(minimum, math.ceil(widest) + 2 * GRID_PADDING_PX + (GRID_ICON_PX if icon else 0))


# ------------------------------------------------------------------ undo / redo


def _step_help(history, forward: bool) -> str:
    """The tooltip of the undo (or redo) button: which edits the step puts back (changes again)."""
    from fundmodel_dashboard import state  # state imports this module (through auth)

    if not (history.can_redo if forward else history.can_undo):
        return t("nothing_to_redo" if forward else "nothing_to_undo")
    other = history.future[0] if forward else history.past[-1]
    sep = "、" if lang() == "zh" else ", "
    parts = sep.join(t(f"edit_part_{p}") for p in state.changed_parts(history.present, other))
    return t("redo_help" if forward else "undo_help").format(parts=parts)


def edit_history_view() -> tuple:
    """What the undo and redo buttons show: (can undo, can redo, undo tooltip, redo tooltip).
    A page that re-ran alone (a fragment) compares it with what the sidebar shows."""
    from fundmodel_dashboard import state

    history = state.edit_history()
    return history.can_undo, history.can_redo, _step_help(history, False), _step_help(history, True)


def edit_history_buttons(slot=None):
    """The one pair of undo / redo buttons, in the sidebar of every page: every edit (allocation
    cells, transfer, leverage assumptions, bank scales, an applied proposal or goal-seek
    solution, a reset) is one step. Returns the sidebar placeholder they are drawn in.

    Called twice a run: before the page (no ``slot``: a new placeholder, the history as the run
    began), and after it with that placeholder, which the buttons then fill again with the
    page's own edit of this run included. A page that stops early (a refused portfolio) keeps
    the first pair; two pairs in one run need their own keys.
    """
    from fundmodel_dashboard import state

    early = slot is None
    if early:
        slot = st.sidebar.empty()
    suffix = "_early" if early else ""
    can_undo, can_redo, undo_help, redo_help = edit_history_view()
    with slot.container(key=f"edit_history{suffix}"):
        for col, word, enabled, tip, callback in zip(
            st.columns(2),
            ("undo", "redo"),
            (can_undo, can_redo),
            (undo_help, redo_help),
            (state.undo_edit, state.redo_edit),
            strict=True,
        ):
            col.button(
                t(word),
                key=f"{word}_edit{suffix}",
                icon=f":material/{word}:",
                on_click=callback,
                disabled=not enabled,
                help=tip,
                width="stretch",
            )
    return slot


# ---------------------------------------------------------- language-aware choices


def localized_widget(widget, label: str, options: list, names: dict, store: str, **kwargs):
    """A radio / selectbox / multiselect whose option texts depend on the language.

    Streamlit keeps such a widget's value as the option's text, so the widget gets one key
    per language (``<store>__<lang>``), seeded from the session entry ``store``, which
    holds the value itself and survives a language switch.
    """
    key = f"{store}__{lang()}"
    if key not in st.session_state and store in st.session_state:
        st.session_state[key] = st.session_state[store]
    value = widget(label, options=options, format_func=names.__getitem__, key=key, **kwargs)
    st.session_state[store] = value
    return value
