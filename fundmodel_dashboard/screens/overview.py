"""Overview: KPI cards, the money flow, the level and growth effects by year and the capital stack by field,
drawn with ECharts: the first page does not wait for Plotly (fundmodel.outputs.echarts)."""

import streamlit as st

from fundmodel.outputs import echarts
from fundmodel_dashboard import state
from fundmodel_dashboard.basis import show_basis
from fundmodel_dashboard.widgets import checks_panel, kpi_cards, lang, result_echart, t

result = state.active_result()
st.header(t("page_overview"))
show_basis()
st.caption(f"{t('scenario')}: {state.display_name(lang())}")
kpi_cards(result, state.active_reference())

result_echart(echarts.sankey_chart, result, key="sankey")
left, right = st.container(key="overview_charts").columns(2)
with left:
    result_echart(echarts.effects_chart, result, key="effects")
with right:
    result_echart(echarts.capital_stack_chart, result, key="stack")

# The checks' table is sent only while the panel is open: shut, the first page load draws no
# table (nor loads the browser code for one). A run with a broken rule opens it: its key
# changes with whether a rule is broken, so a panel shut on a clean run opens on a broken one.
broken = bool(result.errors)
checks_box = st.expander(t("checks"), expanded=broken, key=f"overview_checks_open_{broken}", on_change="rerun")
with checks_box:
    if checks_box.open:
        checks_panel(result)
