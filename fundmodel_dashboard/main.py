"""Dashboard entry: page set-up, the sidebar (language, unit, instrument, scenario) and navigation."""

from __future__ import annotations

import contextlib
import runpy
from pathlib import Path

import streamlit as st

from fundmodel.inputs.parameters import default_parameters, using_instrument
from fundmodel_dashboard import auth, state
from fundmodel_dashboard.prefetch import prefetch_chunks
from fundmodel_dashboard.widgets import edit_history_buttons, edit_history_view, lang, localized_widget, t

# Not "pages/": Streamlit would take a pages/ folder beside the installed app.py for the
# old multipage layout and run a page without the main script.
PAGE_DIR = Path(__file__).with_name("screens")

#: (file, label term, icon), in the order of the navigation.
PAGES: list[tuple[str, str, str]] = [
    ("overview.py", "page_overview", ":material/dashboard:"),
    ("allocation.py", "page_allocation", ":material/grid_on:"),
    ("leverage.py", "page_leverage", ":material/tune:"),
    ("portfolio.py", "page_portfolio", ":material/list_alt:"),
    ("fiscal.py", "page_fiscal", ":material/account_balance_wallet:"),
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
/* KPI values are never cut ("4.46 …") nor wrapped ("12.50x" on two lines): one line, and the
   font shrinks with the card (container query units) down to a floor; the cards of a row move
   to a second row before they get narrower than that floor needs. */
div[data-testid="stMetric"] { container-type: inline-size; }
div[data-testid="stMetricValue"] { font-size: clamp(0.95rem, 10.5cqi, 1.45rem); white-space: nowrap; }
div[data-testid="stMetricValue"] > div { overflow: visible !important; text-overflow: clip !important; }
.st-key-kpi_cards [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.75rem; }
.st-key-kpi_cards [data-testid="stColumn"] {
  flex: 1 1 9.5rem !important; min-width: 9.5rem !important; max-width: calc((100% - 3rem) / 4);
}
/* The Overview's two charts side by side where each gets 30rem, else one under the other. */
.st-key-overview_charts [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
.st-key-overview_charts [data-testid="stColumn"] { flex: 1 1 30rem !important; min-width: 30rem !important; }
/* The chunk prefetch (fundmodel_dashboard.prefetch) has nothing to show. */
.st-key-fundmodel_prefetch { display: none; }
/* From 1024 px: a narrower sidebar and less padding leave the tables their width. */
@media (max-width: 1279px) {
  section[data-testid="stSidebar"] { width: 15.5rem !important; min-width: 15.5rem !important; }
  .block-container { padding-left: 1.25rem; padding-right: 1.25rem; }
}
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
    state.load_into_session(st.session_state[f"scenario_choice__{lang()}"])


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
        names = {name: f"{name} {default_parameters(name).instrument.name_zh}" for name in state.instrument_choices()}
        st.selectbox(
            t("instrument"),
            options=list(names),
            format_func=names.__getitem__,
            key="instrument",
            on_change=state.choose_instrument,
        )
        titles = {key: _scenario_title(key) for key in state.scenario_keys()}
        choice_key = f"scenario_choice__{lang()}"  # one per language (state.scenario_choice_keys)
        if choice_key not in st.session_state and "scenario_choice" in st.session_state:
            st.session_state[choice_key] = st.session_state["scenario_choice"]
        st.selectbox(
            t("scenario"),
            options=list(titles),
            format_func=titles.__getitem__,
            key=choice_key,
            on_change=_on_scenario_change,
        )
        # Filled after the page has run, so that it reflects this run's edits.
        return st.empty()


#: Pages run as a fragment: a slider moved there re-runs that page only, not the sidebar and
#: the navigation, so the new KPI comes back sooner (bench/dashboard_speed.py).
FRAGMENT_PAGES = {"leverage"}


def _sidebar_state() -> tuple:
    """What the sidebar shows that a page may change: the basis, the scenario, the edited note."""
    return (st.session_state.get("basis"), st.session_state.get("scenario_key"), state.is_edited(), edit_history_view())


def _run_page_file(path: Path) -> None:
    # Streamlit runs a page object once per app run; a fragment re-runs the page's file itself.
    runpy.run_path(str(path), run_name="__main__")
    if st.session_state.get("app_running") or "sidebar_state" not in st.session_state:
        return  # a run of the whole app draws the sidebar itself, after the page
    # A fragment run leaves the sidebar as it was: when the page changed what it shows (the
    # "edited" note, the basis), the whole app runs once more.
    if st.session_state["sidebar_state"] != _sidebar_state():
        st.rerun(scope="app")


def _run_page_file_in_instrument(path: Path) -> None:
    with using_instrument(state.instrument()):
        _run_page_file(path)


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
    st.html(CSS)  # style only: no markdown parsing, no space taken on the page
    if lang() == "zh":
        st.html(ZH_CONTROLS_CSS)
    auth.require_sign_in()  # with an [auth] configuration, nothing below runs before sign-in
    state.init()
    # the pages (and the library code they call) run on the session's instrument; a
    # fragment re-runs alone, so it enters the instrument itself
    with using_instrument(state.instrument()):
        slot = _sidebar()
        history_slot = edit_history_buttons()
        pages = [
            st.Page(PAGE_DIR / name, title=t(term), icon=icon, url_path=name.removesuffix(".py"), default=i == 0)
            for i, (name, term, icon) in enumerate(PAGES)
        ]
        st.session_state["app_running"] = True
        try:
            page = st.navigation(pages)
            if page.url_path in FRAGMENT_PAGES:
                st.fragment(_run_page_file_in_instrument)(PAGE_DIR / f"{page.url_path}.py")
            else:
                page.run()
            with st.sidebar:
                prefetch_chunks()  # after the page: it loads what the other pages need
        finally:
            # a cosmetic note: it must never hide the page's own error
            with contextlib.suppress(Exception):
                _scenario_note(slot)
            with contextlib.suppress(Exception):
                edit_history_buttons(history_slot)
            with contextlib.suppress(Exception):
                st.session_state["sidebar_state"] = _sidebar_state()
            st.session_state["app_running"] = False
