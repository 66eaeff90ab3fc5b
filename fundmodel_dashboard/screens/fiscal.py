"""Fiscal: the fund's funding cost against its return by year and in present value, the exit
schedule (buy-backs, rolled over or defaulting), the projects' debt by holder and by province,
and the buy-back-at-par (名股实债) check."""

import pandas as pd
import streamlit as st

from fundmodel.messages import Message, render
from fundmodel.outputs import echarts
from fundmodel.outputs.report import FISCAL_YEAR_TERMS, HOLDER_TERMS, buyback_message, fiscal_assumptions
from fundmodel_dashboard import state
from fundmodel_dashboard.widgets import lang, money, result_echart, t, to_unit, unit, unit_name

result = state.active_result()
st.header(t("page_fiscal"))
st.caption(f"{t('scenario')}: {state.display_name(lang())}")
fiscal = result.fiscal
if not fiscal:
    st.info(t("fiscal_none"))
    st.stop()
sm = fiscal["summary"]
st.caption(render(fiscal_assumptions(result), lang(), unit()))
cards = st.columns(4)
for col, key in zip(cards, ["funding_cost_pv_bn", "net_cost_pv_bn", "total_cost_pv_bn", "debt_bn"], strict=True):
    value = fiscal["debt_by_holder"]["debt_bn"] if key == "debt_bn" else sm[key]
    col.metric(t(key), money(value))

result_echart(echarts.fiscal_chart, result, key="fiscal")

st.subheader(t("fiscal_by_year"))
by_year = fiscal["by_year"]
table = pd.DataFrame({t(c): [to_unit(v) for v in by_year[c]] for c in FISCAL_YEAR_TERMS}, index=by_year.index)
table.index.name = t("year")
st.dataframe(table.style.format("{:,.2f}"), key="fiscal_by_year")

left, right = st.columns(2)
with left:
    st.subheader(t("debt_by_holder"))
    holders = fiscal["debt_by_holder"]
    st.dataframe(
        pd.DataFrame(
            {t("holder"): [t(h) for h in HOLDER_TERMS], unit_name(): [to_unit(holders[h]) for h in HOLDER_TERMS]}
        ),
        hide_index=True,
        column_config={unit_name(): st.column_config.NumberColumn(format="%,.2f")},
        key="debt_by_holder",
    )
    if "special_bonds_in_capital_bn" in fiscal:
        st.caption(
            render(Message("fiscal_special_bonds", {"bonds": fiscal["special_bonds_in_capital_bn"]}), lang(), unit())
        )
with right:
    province = fiscal.get("debt_by_province")
    if province is not None and len(province):
        st.subheader(t("debt_by_province"))
        shown = pd.DataFrame(
            {t(c): [to_unit(v) for v in province[c]] for c in HOLDER_TERMS},
            index=[t(str(p)) for p in province.index],
        )
        st.dataframe(shown.style.format("{:,.2f}"), key="debt_by_province")
for check in result.checks:
    if check.code == "fund_buyback_at_par":
        st.warning(render(buyback_message(check), lang(), unit()))
