"""Export: the JSON result of the current state, and the Excel workbook (built on click)."""

import streamlit as st

from dashboard import state
from dashboard.widgets import t

result = state.current_result()
st.header(t("page_export"))
st.caption(f"{t('scenario')}: {result.scenario_name}" + (f" · {t('edited_note')}" if state.is_edited() else ""))

st.subheader(t("export_json"))
st.caption(t("export_json_help"))
st.download_button(
    t("download_json"),
    data=result.to_json(),
    file_name="fundmodel_result.json",
    mime="application/json",
    key="download_json",
    icon=":material/data_object:",
)
