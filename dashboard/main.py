"""Dashboard entry: a summary of the baseline run until the full pages land."""

from __future__ import annotations

import streamlit as st

from fundmodel.scenario import baseline


def main() -> None:
    st.set_page_config(page_title="fundmodel", layout="wide")
    result = baseline().run()
    st.title("fundmodel: 新型政策性金融工具")
    cols = st.columns(4)
    cols[0].metric("Fund (bn RMB)", f"{result.fund_size_bn:,.1f}")
    cols[1].metric("Total investment (bn RMB)", f"{result.total_investment_bn:,.1f}")
    cols[2].metric("Multiplier", f"{result.multiplier:.2f}x")
    cols[3].metric("Peak uplift (pp)", f"{result.peak_uplift_pp:.2f}")
    st.dataframe(result.by_field[["fund_bn", "total_investment_bn", "multiplier"]])
