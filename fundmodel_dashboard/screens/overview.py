"""Overview: KPI cards, the money flow, the level and growth effects by year and the capital stack by field."""

import streamlit as st

from fundmodel.outputs import charts
from fundmodel_dashboard import state
from fundmodel_dashboard.basis import show_basis
from fundmodel_dashboard.widgets import checks_panel, kpi_cards, lang, result_figure, t

result = state.active_result()
st.header(t("page_overview"))
show_basis()
st.caption(f"{t('scenario')}: {state.display_name(lang())}")
kpi_cards(result, state.active_reference())

result_figure(charts.sankey_figure, result, key="sankey")
left, right = st.columns(2)
with left:
    result_figure(charts.effects_figure, result, key="effects")
with right:
    result_figure(charts.capital_stack_figure, result, key="stack")

with st.expander(t("checks"), expanded=bool(result.errors)):
    checks_panel(result)
