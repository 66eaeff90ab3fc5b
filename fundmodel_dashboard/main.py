"""Dashboard entry: page set-up, the sidebar (language, unit, scenario) and navigation."""

from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

from fundmodel_dashboard import auth, state
from fundmodel_dashboard.widgets import lang, localized_widget, t

# Not "pages/": Streamlit would take a pages/ folder beside the installed app.py for the
# old multipage layout and run a page without the main script.
PAGE_DIR = Path(__file__).with_name("screens")

#: (file, label term, icon), in the order of the navigation.
PAGES: list[tuple[str, str, str]] = [
    ("overview.py", "page_overview", ":material/dashboard:"),
    ("allocation.py", "page_allocation", ":material/grid_on:"),
    ("leverage.py", "page_leverage", ":material/tune:"),
    ("portfolio.py", "page_portfolio", ":material/list_alt:"),
    ("scenarios.py", "page_scenarios", ":material/compare_arrows:"),
    ("export.py", "page_export", ":material/download:"),
    ("about.py", "page_about", ":material/info:"),
]

CSS = """
<style>
.block-container { padding-top: 2.2rem; }
div[data-testid="stMetric"] { background: #fafbfc; }
div[data-testid="stMetricValue"] { font-size: 1.45rem; }
[data-testid="stMetricLabel"] p { font-size: 0.85rem; color: #4a5563; }
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  -webkit-line-clamp: unset !important; line-height: 1.25;
}
section[data-testid="stSidebar"] h1 { font-size: 1.3rem; }
</style>
"""

# Streamlit's file uploader has no parameter for its own words ("Upload", "200MB per file");
# for a Chinese reader they are replaced by CSS, the last resort: the text is sized to 0 and
# the Chinese put in ::after.
ZH_CONTROLS_CSS = """
<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem;
}
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "或将文件拖放到此处"; font-size: 0.8rem; }
</style>
"""


def _on_scenario_change() -> None:
    state.load_into_session(st.session_state["scenario_choice"])


def _sidebar():
    with st.sidebar:
        st.title(t("app_title"))
        st.caption(t("app_subtitle"))
        st.radio(
            t("language"),
            options=["en", "zh"],
            format_func={"en": "English", "zh": "中文"}.__getitem__,
            key="lang",
            horizontal=True,
        )
        st.radio(
            t("unit"),
            options=["bn", "yi"],
            # Option texts stay the same in both languages: Streamlit keeps a radio's value
            # as its text, so a text that changed with the language would lose the choice.
            format_func={"bn": "bn RMB", "yi": "亿元"}.__getitem__,
            key="unit",
            horizontal=True,
        )
        basis_names = {"top_down": t("basis_top_down"), "portfolio": t("basis_portfolio")}
        localized_widget(st.radio, t("basis"), list(basis_names), basis_names, "basis", help=t("basis_help"))
        # Titles are looked up now (format functions must not read the session later) and
        # do not depend on the language (a selectbox keeps its value as the option's text).
        titles = {key: _scenario_title(key) for key in state.scenario_keys()}
        st.selectbox(
            t("scenario"),
            options=list(titles),
            format_func=titles.__getitem__,
            key="scenario_choice",
            on_change=_on_scenario_change,
        )
        # Filled after the page has run, so that it reflects this run's edits.
        return st.empty()


def _scenario_note(slot) -> None:
    scenario = state.current_scenario()
    notes = [state.scenario_description(scenario)] if state.scenario_description(scenario) else []
    if state.is_edited():
        notes.append(t("edited_note"))
    if notes:
        slot.caption(" · ".join(notes))


def _scenario_title(key: str) -> str:
    return state.scenario_title(state.scenario_of(key))


def main() -> None:
    st.set_page_config(page_title="fundmodel", page_icon=":material/account_balance:", layout="wide")
    st.markdown(CSS, unsafe_allow_html=True)
    if lang() == "zh":
        st.markdown(ZH_CONTROLS_CSS, unsafe_allow_html=True)
    auth.require_sign_in()  # with an [auth] configuration, nothing below runs before sign-in
    state.init()
    slot = _sidebar()
    pages = [
        st.Page(PAGE_DIR / name, title=t(term), icon=icon, url_path=name.removesuffix(".py"), default=i == 0)
        for i, (name, term, icon) in enumerate(PAGES)
    ]
    try:
        st.navigation(pages).run()
    finally:
        # a cosmetic note: it must never hide the page's own error
        with contextlib.suppress(Exception):
            _scenario_note(slot)
