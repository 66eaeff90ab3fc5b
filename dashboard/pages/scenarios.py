"""Scenarios: compare the current (edited) state with bundled and saved scenarios."""

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.widgets import kpi_values, lang, show_figure, t, unit
from fundmodel import charts
from fundmodel.edits import freeze
from fundmodel.kpis import headline

current = state.current_result()
st.header(t("page_scenarios"))

st.subheader(t("compare"))
keys = state.scenario_keys()
titles = {k: state.scenario_of(k).name for k in keys}
chosen = st.multiselect(
    t("compare_with"),
    options=keys,
    default=[k for k in keys if k != st.session_state["scenario_key"]][:2],
    format_func=titles.__getitem__,
    key="compare_keys",
)
results = [current]
for k in chosen:
    scenario = state.scenario_of(k)
    params = state.base_parameters(freeze(scenario.overrides), scenario.source)
    results.append(
        state.run_inputs(
            state.Inputs(k, scenario.name, freeze(scenario.overrides), (), freeze(params.allocation_matrix))
        )
    )
names = [f"{t('current_state')}: {current.scenario_name}"] + [r.scenario_name for r in results[1:]]
rows = {}
first = headline(current)
for name, r in zip(names, results, strict=True):
    h = headline(r)
    values = kpi_values(r)
    diff = h.total_investment_bn - first.total_investment_bn
    rows[name] = {t(k): v for k, v in values.items()} | {
        t("diff_vs_current"): f"{diff:+,.1f} ({diff / first.total_investment_bn:+.1%})"
        if first.total_investment_bn
        else ""
    }
st.dataframe(pd.DataFrame(rows), width="stretch")
show_figure(charts.comparison_figure(results, lang(), unit()), key="compare_chart")
