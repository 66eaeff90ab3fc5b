"""Export: the Excel workbook of the current state (built on click) and the JSON result."""

import hashlib

import streamlit as st

from fundmodel.inputs.parameters import ParameterError
from fundmodel.outputs.excel import workbook_bytes
from fundmodel_dashboard import state
from fundmodel_dashboard.basis import show_basis
from fundmodel_dashboard.widgets import lang, t, unit

result = state.active_result()
st.header(t("page_export"))
show_basis()
st.caption(f"{t('scenario')}: {state.display_name(lang())}")

# The workbook is built only when asked for, and kept while the inputs stay the same.
inputs_key = hashlib.sha256(
    repr(
        (
            state.current_inputs(),
            state.basis(),
            st.session_state.get("portfolio_key"),
            state.frozen_project_edits(),
            lang(),
            unit(),
        )
    ).encode()
).hexdigest()

left, right = st.columns(2)
with left:
    st.subheader(t("export_excel"))
    st.caption(t("export_excel_help"))
    if st.button(t("build_workbook"), key="build_workbook", icon=":material/table_view:", type="primary"):
        with st.spinner(t("building_workbook")):
            st.session_state["workbook"] = (inputs_key, workbook_bytes(result, lang=lang(), unit=unit()))
    built = st.session_state.get("workbook")
    if built is not None and built[0] == inputs_key:
        st.download_button(
            t("download_workbook"),
            data=built[1],
            file_name="fundmodel.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="download_workbook",
            icon=":material/download:",
        )
    elif built is not None:
        st.caption(t("workbook_outdated"))

with right:
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

st.subheader(t("export_scenario"))
st.caption(t("export_scenario_help"))
try:
    state.current_parameters()  # the file must load again: same rules as any scenario file
    edited = state.current_session().to_scenario(state.current_scenario().name + state.edited_suffix("en"))
    st.download_button(
        t("download_scenario"),
        data=edited.to_yaml(),
        file_name="scenario.yaml",
        mime="application/x-yaml",
        key="download_scenario",
        icon=":material/description:",
    )
except ParameterError as exc:
    st.error(f"{t('scenario_not_savable')}: {exc}", icon=":material/error:")
