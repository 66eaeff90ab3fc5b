"""How an uploaded file was understood (sheet, header rows, money unit and where it came
from, each column -> field), and the user's corrections of a column's mapping before the run.

The corrections are kept per portfolio in ``st.session_state["portfolio_column_maps"]``
({portfolio key: {header as written: column id, or None for "not read"}}); the portfolio is
read again with them (:func:`fundmodel_dashboard.state.current_portfolio`), exactly as
``--map HEADER=COLUMN_ID`` does on the command line.
"""

from __future__ import annotations

import streamlit as st

from fundmodel.inputs.portfolio import SCHEMA, Portfolio
from fundmodel.inputs.portfolio.schema import split_header
from fundmodel.messages import Message, render
from fundmodel.outputs.views import column_label
from fundmodel.units import unit_label
from fundmodel_dashboard.widgets import lang, t, unit

#: Session key of the corrections, by portfolio key.
MAPS_KEY = "portfolio_column_maps"
#: The choice "not read" in a column's list.
NOT_READ = ""


def column_maps(portfolio_key: str | None) -> dict[str, str | None]:
    """The user's corrections of the portfolio ``portfolio_key`` (header -> column id)."""
    return dict(st.session_state.get(MAPS_KEY, {}).get(portfolio_key, {}))


def _say(message_id: str, **params: object) -> str:
    return render(Message(message_id, params), lang(), unit())


def understood_lines(portfolio: Portfolio) -> list[str]:
    """The sheet, header rows, money unit and where it came from, and rows skipped."""
    reading = portfolio.reading
    lines = []
    if reading.get("sheet"):
        lines.append(_say("mapping_sheet", sheet=reading["sheet"]))
    rows = reading.get("header_rows") or [1]
    lines.append(_say("mapping_header_rows", rows=", ".join(str(r) for r in rows)))
    if portfolio.unit_option and not reading.get("title_unit"):
        lines.append(_say("mapping_unit_option", unit=unit_label(portfolio.unit_option, lang())))
    elif reading.get("title_unit"):
        name = unit_label(reading["title_unit"], lang())
        lines.append(_say("mapping_unit_line", unit=name, row=reading.get("title_unit_row")))
    elif portfolio.units:
        lines.append(_say("mapping_unit_headers"))
    skipped = reading.get("skipped_rows") or []
    if skipped:
        lines.append(_say("mapping_rows_skipped", n=sum(1 for row, _ in skipped if row)))
    return lines


def _choice_label(cid: str) -> str:
    return t("mapping_not_read") if cid == NOT_READ else f"{column_label(cid, lang())} · {cid}"


def column_mapping_editor(portfolio: Portfolio, portfolio_key: str) -> None:
    """The "how the file was read" panel: what was understood, and one choice per column
    (its field, or "not read"); Apply reads the file again with the changed choices."""
    if portfolio.raw is None:
        return
    corrections = column_maps(portfolio_key)
    headers = [str(h) for h in portfolio.raw.columns]
    file_level = portfolio.issues["rule"].isin(["missing_column", "unknown_column", "unit_undeclared"])
    # One choice per column (a selectbox each, for a file of twenty or more columns) is drawn only
    # while the panel is open: opened for a file the reader could not place, or with corrections.
    open_key = f"mapping_open_{portfolio_key}"
    if file_level.any() or corrections:
        st.session_state.setdefault(open_key, True)
    panel = st.expander(t("mapping_title"), key=open_key, on_change="rerun")
    with panel:
        for line in understood_lines(portfolio):
            st.caption(line)
        st.caption(t("mapping_help"))
        if not panel.open:
            return
        options = [NOT_READ, *SCHEMA]
        # labels fixed in this run's language (a widget keeps the function it was drawn with)
        names = {cid: _choice_label(cid) for cid in options}
        chosen: dict[str, str] = {}
        with st.form(key=f"column_mapping_{portfolio_key}", border=False):
            columns = st.columns(3)
            for i, header in enumerate(headers):
                detected = split_header(header)[0] or NOT_READ
                current = corrections.get(header, detected) or NOT_READ
                # a money column whose header says no unit: the unit it was read in
                money = portfolio.units.get(current) if split_header(header)[1] is None else None
                shown = header + (f" [{unit_label(money, lang())}]" if money else "")
                with columns[i % 3]:
                    chosen[header] = st.selectbox(
                        shown,
                        options,
                        index=options.index(current),
                        format_func=names.__getitem__,
                        # the language in the key: a choice's shown label changes with it
                        key=f"column_map_{portfolio_key}_{i}__{lang()}",
                    )
            apply = st.form_submit_button(t("mapping_apply"), icon=":material/rule:")
        if apply:
            new = {
                header: (cid or None) for header, cid in chosen.items() if cid != (split_header(header)[0] or NOT_READ)
            }
            maps = dict(st.session_state.get(MAPS_KEY, {}))
            maps[portfolio_key] = new
            st.session_state[MAPS_KEY] = maps
            st.rerun()
        if corrections:
            st.caption(_say("mapping_changed", n=len(corrections)))
            if st.button(t("mapping_reset"), key=f"column_map_reset_{portfolio_key}", icon=":material/undo:"):
                maps = dict(st.session_state.get(MAPS_KEY, {}))
                maps.pop(portfolio_key, None)
                st.session_state[MAPS_KEY] = maps
                for i in range(len(headers)):  # the choices show what the file says again
                    for language in ("en", "zh"):
                        st.session_state.pop(f"column_map_{portfolio_key}_{i}__{language}", None)
                st.rerun()
