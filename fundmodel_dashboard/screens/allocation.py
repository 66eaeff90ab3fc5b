"""Allocation: the fields x banks matrix, edited in place, with its sums against the quotas."""

import numpy as np
import pandas as pd
import streamlit as st

from fundmodel.analysis.selection import SelectionError, constraint_message
from fundmodel.core import rules
from fundmodel.edits import allocation_from_projects, proportional_allocation
from fundmodel.inputs.parameters import ParameterError
from fundmodel.inputs.portfolio import PortfolioError
from fundmodel.messages import Message, render_error
from fundmodel.units import from_bn, to_bn
from fundmodel_dashboard import state
from fundmodel_dashboard.basis import refusal, say, show_basis
from fundmodel_dashboard.editing import apply_bound_edits, apply_cell_edits
from fundmodel_dashboard.widgets import (
    checks_panel,
    decimals,
    grid_column_px,
    kpi_cards,
    lang,
    localized_widget,
    money,
    per_bn,
    t,
    to_unit,
    unit,
    unit_name,
)

params = state.current_base()
fields, banks = params.field_ids, params.bank_ids
key = state.editor_key()

# The stored matrix is the single source: this run's cell edits are written into it
# before anything is drawn, so totals, checks and KPIs all show the edited values.
matrix, empty = apply_cell_edits(st.session_state["allocation_bn"], st.session_state.get(key), banks, unit())
if not np.array_equal(matrix, st.session_state["allocation_bn"]):
    st.session_state["allocation_bn"] = matrix

state.record_edit()  # the cell edits of this run are one undo step
result = state.current_result()  # the allocation's own checks (sums, quotas) are the top-down run's
st.header(t("page_allocation"))
st.caption(t("allocation_intro"))
# The cards show the same quantities as the Overview, on the same basis.
if show_basis(stop=False):
    kpi_cards(state.active_result(), state.active_reference(), compact=True)
if state.basis() == "portfolio" and refusal() is None:
    st.info(say("allocation_budget_note"), icon=":material/info:")
    budgets = state.portfolio_budgets()
    unused = budgets.cells[(budgets.cells["unused_bn"] > 5e-4) & (budgets.cells["budget_bn"] > 0)]
    if len(unused):
        with st.expander(f"{t('unused_budgets')}: {money(float(unused['unused_bn'].sum()))}"):
            for (f, b), row in unused.iterrows():
                st.markdown(
                    "- " + say("cell_budget_unused", field=f, bank=b, unused=row.unused_bn, requested=row.requested_bn)
                )
for i, b in empty:
    st.warning(f"{t(fields[i])} × {t(b)}: {t('empty_cell_kept')}", icon=":material/warning:")

# --- problems per row (field), shown next to the row that causes them -------------------
row_notes: dict[str, list[str]] = {f: [] for f in fields}
for c in result.checks:
    if c.code == "negative_cell":
        f, b = c.subject.split("/")
        row_notes[f].append(f"{t(b)} < 0")
    elif c.code in ("fund_share_cap", "capital_ratio_minimum"):
        f = c.subject.split("/")[0]
        if f in row_notes:
            where = f"{t(c.subject.split('/')[1])}: " if "/" in c.subject else ""
            row_notes[f].append(where + t(f"check_{c.code}"))

d = decimals()
fmt = f"%,.{d}f"
frame = pd.DataFrame(from_bn(matrix, unit()), index=pd.Index([t(f) for f in fields], name=t("field")), columns=banks)
frame["row_total"] = frame[banks].sum(axis=1)
frame["status"] = ["⚠ " + "; ".join(row_notes[f]) if row_notes[f] else "✓" for f in fields]
# Short bank names as headers (the full name in the tooltip) and the unit said once above the
# table: every header whole and the total and checks in view from 1,024 px (the field names to
# 11 Chinese characters; longer English ones end in the cell).
NUMBER_PX = 80  # "1,150" in 亿元 with room to spare
column_config = {
    b: st.column_config.NumberColumn(
        t("short_" + b),
        format=fmt,
        step=10.0**-d,
        help=f"{t(b)} ({unit_name()}) · {t('quota_bn')}: {money(q)}",
        width=grid_column_px([t("short_" + b)], icon=True, minimum=NUMBER_PX),
    )
    for b, q in zip(banks, params.bank_quota, strict=True)
}
column_config["row_total"] = st.column_config.NumberColumn(
    t("total"), format=fmt, width=grid_column_px([t("total")], minimum=NUMBER_PX)
)
column_config["status"] = st.column_config.TextColumn(t("checks"), width=160)
column_config["_index"] = st.column_config.Column(width=min(200, grid_column_px([t("field"), *frame.index], icon=True)))
st.caption(t("amounts_in").format(unit=unit_name()))
st.data_editor(
    frame,
    key=key,
    num_rows="fixed",
    disabled=["row_total", "status"],
    column_config=column_config,
    width="stretch",
)

# --- transfer between two cells --------------------------------------------------------------
st.subheader(t("transfer_title"))
cells = [f"{f}|{b}" for f in fields for b in banks]
cell_names = {c: f"{t(c.split('|')[0])} × {t('short_' + c.split('|')[1])}" for c in cells}
c1, c2, c3 = st.columns([3, 3, 2])
with c1:
    source_cell = localized_widget(st.selectbox, t("transfer_from"), cells, cell_names, "transfer_from")
with c2:
    st.session_state.setdefault("transfer_to", cells[-1])
    target_cell = localized_widget(st.selectbox, t("transfer_to"), cells, cell_names, "transfer_to")
with c3:
    amount = st.number_input(
        f"{t('transfer_amount')} ({unit_name()})",
        min_value=0.0,
        value=to_unit(5.0),
        step=float(10 ** (1 - d)) if d else 10.0,
        format=f"%.{d}f",
        key=f"transfer_amount_{unit()}",
    )
amount_bn = float(to_bn(amount, unit()))
src = (fields.index(source_cell.split("|")[0]), banks.index(source_cell.split("|")[1]))
dst = (fields.index(target_cell.split("|")[0]), banks.index(target_cell.split("|")[1]))
held_bn = float(matrix[src])
problem = None
if src == dst:
    problem = say("transfer_same_cell")
elif amount_bn > held_bn + 1e-9:
    problem = say("transfer_refused", field=fields[src[0]], bank=banks[src[1]], held=held_bn, amount=amount_bn)
elif amount_bn > 0:
    st.caption(
        say(
            "transfer_preview",
            amount=amount_bn,
            from_field=fields[src[0]],
            from_bank=banks[src[1]],
            to_field=fields[dst[0]],
            to_bank=banks[dst[1]],
            total=float(matrix.sum()),
        )
    )
if problem:
    st.warning(problem, icon=":material/warning:")
refused = st.session_state.pop("transfer_refused", None)
if refused is not None:
    (i, j), _, asked = refused
    st.warning(
        say("transfer_refused", field=fields[i], bank=banks[j], held=float(matrix[i, j]), amount=asked),
        icon=":material/warning:",
    )
st.button(
    t("transfer_button"),
    key="transfer",
    type="primary",
    icon=":material/swap_horiz:",
    on_click=state.transfer_allocation,
    args=(src, dst, amount_bn),
    disabled=problem is not None or amount_bn <= 0,
)  # undo and redo: the sidebar's pair (widgets.edit_history_buttons), on every page

# --- column sums against the quotas, and the grand total against the instrument size ----
size = float(params.instrument.size_bn.value)
col_sum = matrix.sum(axis=0)
sums = pd.DataFrame(
    {
        **{
            f"{t('short_' + b)}": [
                to_unit(col_sum[j]),
                to_unit(params.bank_quota[j]),
                to_unit(col_sum[j] - params.bank_quota[j]),
            ]
            for j, b in enumerate(banks)
        },
        t("total"): [to_unit(matrix.sum()), to_unit(size), to_unit(matrix.sum() - size)],
    },
    index=[t("allocated"), t("quota_or_size"), t("difference")],
)


def _flag(col: pd.Series) -> list[str]:
    bad = bool(rules.ALLOCATION_TOTAL.violated(col.iloc[2] / per_bn(), 0.0))  # the difference row, bn RMB
    style = "background-color: #fde2e1; color: #9b1c1c; font-weight: 600" if bad else "color: #1e7b34"
    return ["", "", style]


st.subheader(t("sums_vs_quotas"))
st.dataframe(sums.style.format(f"{{:,.{d}f}}").apply(_flag, axis=0), width="stretch")
checks_panel(result, codes=set(rules.ALLOCATION_RULES))

# --- proposal ---------------------------------------------------------------------------
st.subheader(t("propose_allocation"))
st.caption(t("propose_help"))
method_names = {"proportional": t("propose_proportional"), "selection": t("propose_selection")}
method = localized_widget(st.radio, t("propose_method"), list(method_names), method_names, "propose_method")
if method == "selection":
    with st.expander(t("selection_settings")):
        objective_names = {"total": t("objective_total"), "net": t("objective_net")}
        c1, c2, c3 = st.columns(3)
        with c1:
            localized_widget(st.radio, t("objective"), list(objective_names), objective_names, "sel_objective")
        floor = float(params.instrument.private_share_min.value)
        st.session_state.setdefault("sel_min_fraction", state.SELECTION_DEFAULTS["sel_min_fraction"])
        if (st.session_state.get("sel_private_min") or 0.0) < floor:  # never below the instrument's floor
            st.session_state["sel_private_min"] = floor
        c2.slider(t("min_fraction"), 0.0, 1.0, step=0.05, key="sel_min_fraction", help=t("min_fraction_help"))
        c3.slider(t("private_min"), floor, 1.0, step=0.01, key="sel_private_min", help=t("private_min_help"))
        # Field share bounds: the stored bounds are the source; the editor's cells are applied to them.
        bounds_key = "selection_bounds_editor"
        stored = st.session_state.get("selection_bounds", {})
        bounds = apply_bound_edits(stored, st.session_state.get(bounds_key), fields)
        st.session_state["selection_bounds"] = bounds
        share = {"min_value": 0.0, "max_value": 100.0, "format": "%.1f%%"}
        st.caption(t("field_bounds_help"))
        st.data_editor(
            pd.DataFrame(
                {
                    "min": [bounds.get(f, {}).get("min", np.nan) * 100 for f in fields],
                    "max": [bounds.get(f, {}).get("max", np.nan) * 100 for f in fields],
                },
                index=pd.Index([t(f) for f in fields], name=t("field")),
            ),
            key=bounds_key,
            num_rows="fixed",
            column_config={
                "min": st.column_config.NumberColumn(t("field_min_share"), **share),
                "max": st.column_config.NumberColumn(t("field_max_share"), **share),
            },
            width="stretch",
        )

left, right = st.columns([1, 1])
if left.button(t("propose_button"), key="propose", icon=":material/auto_fix_high:"):
    st.session_state.pop("proposal_note", None)
    if method == "proportional":
        st.session_state["proposal_bn"] = proportional_allocation(params, matrix)
    else:
        try:
            selection = state.portfolio_selection()
        except (PortfolioError, SelectionError, ParameterError) as exc:
            st.session_state.pop("proposal_bn", None)
            st.error(render_error(exc, lang(), unit()), icon=":material/error:")
        else:
            st.session_state["proposal_bn"] = allocation_from_projects(params, selection.chosen)
            st.session_state["proposal_note"] = t("selection_note").format(
                chosen=int(selection.projects["chosen"].sum()),
                candidates=len(selection.projects),
                what=t(f"objective_value_{state.selection_settings()[0]}"),
                objective=money(selection.objective),
                gain=money(selection.gain, signed=True),
                binding=Message("list", {"items": [constraint_message(b) for b in selection.binding]}).render(lang())
                or "—",
                method=t(f"selection_method_{selection.method}"),
                gap=f"{selection.gap:.2%}" if selection.gap >= 1e-4 else f"{selection.gap * 100:.1e}%",
            )
right.button(
    t("reset_allocation"), key="reset_allocation", icon=":material/restart_alt:", on_click=state.reset_allocation
)

proposal = st.session_state.get("proposal_bn")
if proposal is not None:
    if st.session_state.get("proposal_note"):
        st.caption(st.session_state["proposal_note"])
    shown = pd.DataFrame(
        from_bn(proposal, unit()), index=[t(f) for f in fields], columns=[t("short_" + b) for b in banks]
    )
    shown[t("total")] = shown.sum(axis=1)
    st.dataframe(shown.style.format(f"{{:,.{d}f}}"), width="stretch")
    a, b_ = st.columns([1, 1])
    a.button(t("apply_proposal"), key="apply_proposal", type="primary", on_click=state.apply_proposal)
    b_.button(t("discard_proposal"), key="discard_proposal", on_click=state.discard_proposal)
