"""About the data: every parameter with its value, unit, source and date."""

import streamlit as st

from fundmodel_dashboard import state
from fundmodel_dashboard.widgets import sources_frame, t

result = state.current_result()
st.header(t("page_about"))
st.markdown(t("about_intro"))
st.markdown(t("about_formulas"))
frame = sources_frame(result)
query = st.text_input(t("filter_parameters"), key="about_filter", placeholder="fields.digital_economy")
if query:
    mask = frame.apply(lambda col: col.astype(str).str.contains(query, case=False, regex=False)).any(axis=1)
    frame = frame[mask]
st.caption(f"{len(frame):,} {t('parameters_shown')}")
st.dataframe(frame, hide_index=True, width="stretch", height=560)
