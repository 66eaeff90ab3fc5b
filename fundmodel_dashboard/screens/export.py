"""Export: the Excel workbook of the current state (built on click) and the JSON result."""

import hashlib

import streamlit as st

from fundmodel.inputs.parameters import ParameterError
from fundmodel.messages import render_error
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


def offer_built(store: str, label_term: str, file_name: str, mime: str, built_for: str | None = None) -> None:
    """The download of a file built on click (kept in the session under ``store`` with the
    inputs it was built from, default ``inputs_key``), or a note that it is out of date once
    the inputs changed."""
    built = st.session_state.get(store)
    if built is not None and built[0] == (built_for or inputs_key):
        st.download_button(
            t(label_term),
            data=built[1],
            file_name=file_name,
            mime=mime,
            key=f"download_{store}",
            icon=":material/download:",
        )
    elif built is not None:
        st.caption(t("workbook_outdated"))


left, right = st.columns(2)
with left:
    st.subheader(t("export_excel"))
    st.caption(t("export_excel_help"))
    if st.button(t("build_workbook"), key="build_workbook", icon=":material/table_view:", type="primary"):
        with st.spinner(t("building_workbook")):
            st.session_state["workbook"] = (inputs_key, workbook_bytes(result, lang=lang(), unit=unit()))
    offer_built(
        "workbook",
        "download_workbook",
        "fundmodel.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

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

st.subheader(t("briefing_pdf"))
st.caption(t("briefing_pdf_help"))
others = {k: state.scenario_title(state.scenario_of(k)) for k in state.scenario_keys() if k != state.DEFAULT_SCENARIO}
compare_keys = st.multiselect(
    t("briefing_compare_with"),
    options=list(others),
    format_func=others.__getitem__,
    max_selections=2,  # with the baseline and the current state: four columns fit the page
    placeholder=t("briefing_compare_none"),
    key="briefing_compare",
)
briefing_key = f"{inputs_key}|{','.join(compare_keys)}"
if st.button(t("build_briefing"), key="build_briefing", icon=":material/picture_as_pdf:"):
    from fundmodel.outputs.briefing import BriefingError, briefing_pdf  # Chromium runs only on click

    baseline_run = state.scenario_result(state.DEFAULT_SCENARIO)
    # a comparison pins the baseline first and ends with the current state
    runs = [baseline_run, *(state.scenario_result(k) for k in compare_keys), result] if compare_keys else [result]
    with st.spinner(t("building_briefing")):
        try:
            pdf = briefing_pdf(runs, baseline_run, lang=lang(), unit=unit(), basis=state.basis())
            st.session_state["briefing"] = (briefing_key, pdf)
        except BriefingError as exc:
            st.error(render_error(exc, lang(), unit()), icon=":material/error:")
offer_built("briefing", "download_briefing", "fundmodel_briefing.pdf", "application/pdf", briefing_key)

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
    st.error(f"{t('scenario_not_savable')}: {render_error(exc, lang(), unit())}", icon=":material/error:")
