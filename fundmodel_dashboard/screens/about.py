"""About the data: every parameter with its name, value, unit, description, source and date."""

import streamlit as st

from fundmodel.messages import Message
from fundmodel_dashboard import state
from fundmodel_dashboard.widgets import lang, sources_frame, t

result = state.current_result()
st.header(t("page_about"))
st.markdown(t("about_intro"))
st.markdown(t("about_formulas"))
frame = sources_frame(result)
sources = result.parameters.sources()  # the frame's rows, in order
frame.insert(0, t("col_name"), [Message("parameter_name", {"path": s.path}).render(lang()) for s in sources])
frame.insert(4, t("col_description"), [s.describe(lang()) for s in sources])
query = st.text_input(t("filter_parameters"), key="about_filter", placeholder="fields.digital_economy")
if query:
    mask = frame.apply(lambda col: col.astype(str).str.contains(query, case=False, regex=False)).any(axis=1)
    frame = frame[mask]
st.caption(f"{len(frame):,} {t('parameters_shown')}")
st.dataframe(frame, hide_index=True, width="stretch", height=560)
