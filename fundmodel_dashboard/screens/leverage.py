"""Leverage assumptions: per field s (bounded by its cap), k (bounded by the statutory
minimum), additionality and infrastructure share; per bank the scale on s."""

import streamlit as st

from fundmodel.edits import assumption_table
from fundmodel_dashboard import state
from fundmodel_dashboard.basis import leverage_not_applied_note, show_basis
from fundmodel_dashboard.widgets import kpi_cards, lang, t

params = state.current_base()
bounds = assumption_table(params)
assumptions = st.session_state["assumptions"]
scales = st.session_state["bank_scale"]

#: The slider of each field assumption, by the prefix of its widget key.
SLIDER_PREFIX = {
    "fund_share_of_capital": "lev_s_",
    "capital_ratio": "lev_k_",
    "additionality": "lev_a_",
    "infrastructure_share": "lev_theta_",
}
# A moved slider's value is in the session before the page runs: taken first, so that the
# KPI cards (at the top) are computed and sent before the sliders are drawn again.
for fid in params.field_ids:
    for name, prefix in SLIDER_PREFIX.items():
        if f"{prefix}{fid}" in st.session_state:
            assumptions[fid][name] = float(st.session_state[f"{prefix}{fid}"])
for bid in params.bank_ids:
    if f"lev_scale_{bid}" in st.session_state:
        scales[bid] = float(st.session_state[f"lev_scale_{bid}"])
st.session_state["assumptions"] = assumptions
st.session_state["bank_scale"] = scales


def _slider(key: str, label: str, value: float, low: float, high: float, step: float, fmt: str, help_: str) -> float:
    # The stored value is the single source; the widget is seeded from it when (re)drawn.
    if key not in st.session_state:
        st.session_state[key] = float(value)
    return st.slider(
        label, min_value=low, max_value=high, step=step, key=key, format=fmt, help=help_, label_visibility="collapsed"
    )


st.header(t("page_leverage"))
show_basis()
st.caption(t("leverage_intro"))
with st.container():
    kpi_cards(state.active_result(), state.active_reference(), compact=True)
    leverage_not_applied_note()

header = st.columns([2.2, 2, 2, 2, 2, 1])
for col, term in zip(
    header,
    ["field", "fund_share_of_capital", "capital_ratio", "additionality", "infrastructure_share", "multiplier"],
    strict=True,
):
    col.markdown(f"**{t(term)}**")

for fid in params.field_ids:
    row = bounds.loc[fid]
    field = params.fields[fid]  # its parameters' descriptions are the sliders' help
    values = assumptions[fid]
    cap, minimum = float(row["fund_share_cap"]), float(row["capital_ratio_minimum"])
    cols = st.columns([2.2, 2, 2, 2, 2, 1], vertical_alignment="center")
    cols[0].markdown(f"**{t(fid)}**  \n:gray[{t('cap')} {cap:.0%} · {t('minimum_k')} {minimum:.0%}]")
    s = values["fund_share_of_capital"]
    with cols[1]:
        values["fund_share_of_capital"] = _slider(
            f"{SLIDER_PREFIX['fund_share_of_capital']}{fid}",
            f"{t(fid)}: {t('fund_share_of_capital')}",
            s,
            0.05,
            max(cap, s),
            0.01,
            "percent",
            f"{field.fund_share_of_capital.describe(lang())}  \n{t('cap')}: {cap:.0%}",
        )
    k = values["capital_ratio"]
    with cols[2]:
        values["capital_ratio"] = _slider(
            f"{SLIDER_PREFIX['capital_ratio']}{fid}",
            f"{t(fid)}: {t('capital_ratio')}",
            k,
            min(minimum, k),
            max(0.6, k),
            0.01,
            "percent",
            f"{field.capital_ratio.describe(lang())}  \n{t('capital_ratio_minimum')}: {minimum:.0%}",
        )
    with cols[3]:
        values["additionality"] = _slider(
            f"{SLIDER_PREFIX['additionality']}{fid}",
            f"{t(fid)}: {t('additionality')}",
            values["additionality"],
            0.0,
            1.0,
            0.01,
            "percent",
            field.additionality.describe(lang()),
        )
    with cols[4]:
        values["infrastructure_share"] = _slider(
            f"{SLIDER_PREFIX['infrastructure_share']}{fid}",
            f"{t(fid)}: {t('infrastructure_share')}",
            values["infrastructure_share"],
            0.0,
            1.0,
            0.01,
            "percent",
            field.infrastructure_share.describe(lang()),
        )
    m = 1.0 / (values["fund_share_of_capital"] * values["capital_ratio"])
    over = values["fund_share_of_capital"] > cap + 1e-12 or values["capital_ratio"] < minimum - 1e-12
    cols[5].markdown(f"{'⚠ ' if over else ''}**{m:.2f}x**")

st.subheader(t("bank_scales"))
st.caption(t("bank_scales_help"))
bank_cols = st.columns(len(params.bank_ids))
for col, bid in zip(bank_cols, params.bank_ids, strict=True):
    with col:
        st.markdown(f"**{t(bid)}**")
        v = scales[bid]
        scales[bid] = _slider(
            f"lev_scale_{bid}",
            f"{t(bid)}: {t('fund_share_scale')}",
            v,
            min(0.5, v),
            max(1.5, v),
            0.01,
            "%.2f",
            params.banks[bid].fund_share_scale.describe(lang()),
        )

st.session_state["assumptions"] = assumptions
st.session_state["bank_scale"] = scales
state.record_edit()  # this run's slider move is one undo step (the sidebar's undo button)

st.button(
    t("reset_assumptions"), key="reset_assumptions", icon=":material/restart_alt:", on_click=state.reset_assumptions
)
