"""What every page says about the basis of its numbers, and the refused-portfolio state.

On the portfolio basis the numbers are the projects funded under the allocation's field x
bank budgets; a portfolio that cannot be used (unreadable, validation errors, nothing
funded) is shown as refused, with its report and a way to the top-down basis, never
replaced by a quiet top-down run.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fundmodel.inputs.portfolio import Portfolio, PortfolioError, rendered_issues
from fundmodel.messages import Message, render, render_error
from fundmodel_dashboard import state
from fundmodel_dashboard.widgets import lang, t, unit


def say(message_id: str, **params) -> str:
    """A message of fundmodel/inputs/data/messages.csv in the session's language and unit."""
    return render(Message(message_id, params), lang(), unit())


def issues_table(portfolio: Portfolio) -> pd.DataFrame:
    """The portfolio's validation report with headers and rule names in the session's language."""
    shown = rendered_issues(portfolio.issues, lang(), unit(), "web")  # messages in the reader's words
    return shown.assign(
        rule=shown["rule"].map(lambda r: t(f"rule_{r}")),
        severity=shown["severity"].map(lambda v: t(f"severity_{v}")),
    ).rename(
        columns={
            "file": t("col_file"),
            "sheet": t("col_sheet"),
            "row": t("col_row"),
            "column": t("col_column"),
            "value": t("col_value"),
            "rule": t("col_rule"),
            "severity": t("col_severity"),
            "message": t("col_message"),
        }
    )


def _use(basis: str) -> None:
    # The sidebar's radio keeps one key per language (widgets.localized_widget): set both.
    st.session_state["basis"] = basis
    for key in [k for k in st.session_state if str(k).startswith("basis__")]:
        st.session_state[key] = basis


def refusal() -> tuple[str, Portfolio | None] | None:
    """Why the portfolio basis cannot give numbers now (a sentence, and the portfolio whose
    report explains it); None when it can, or on the top-down basis."""
    if state.basis() != "portfolio":
        return None
    key = st.session_state.get("portfolio_key")
    if not key:
        return say("basis_refused_none"), None
    title = state.portfolio_title(key)
    try:
        portfolio = state.current_portfolio()
    except (PortfolioError, OSError) as exc:
        return say("basis_refused_unreadable", portfolio=title, reason=render_error(exc, lang(), unit())), None
    if portfolio is None:
        return say("basis_refused_none"), None
    if not portfolio.ok:
        return say("basis_refused_errors", portfolio=title, errors=portfolio.n_errors), portfolio
    if state.portfolio_result() is None:
        return say("basis_refused_unfunded", portfolio=title), None
    return None


def basis_note(basis: str | None = None) -> str:
    """The sentence naming the basis of the page's numbers (``basis``: the session's)."""
    if (basis or state.basis()) != "portfolio":
        return say("basis_top_down_note")
    chosen = state.portfolio_budgets()
    cells = chosen.cells
    return say(
        "basis_portfolio_note",
        portfolio=state.portfolio_title(st.session_state["portfolio_key"]),
        chosen=chosen.n_chosen,
        candidates=len(chosen.projects),
        funded=float(cells["funded_bn"].sum()),
        budget=float(cells["budget_bn"].sum()),
        unused=float(cells["unused_bn"].sum()),
    )


def show_basis(stop: bool = True, report: bool = True) -> bool:
    """Say which basis the page's numbers come from. When the portfolio is refused, say why
    (with its validation report unless ``report`` is False), offer the top-down basis and,
    with ``stop``, end the page. Returns True when the page's numbers can be shown."""
    refused = refusal()
    if refused is None:
        st.caption(basis_note())
        return True
    text, portfolio = refused
    st.error(text, icon=":material/block:")
    if report and portfolio is not None and len(portfolio.issues):
        issues = issues_table(portfolio)
        st.dataframe(issues, hide_index=True, width="stretch", height=min(320, 38 + 35 * len(issues)))
    st.button(t("use_top_down"), key="use_top_down", on_click=_use, args=("top_down",))
    if stop:
        st.stop()
    return False


def leverage_not_applied_note() -> None:
    """On the portfolio basis: say that the fund share and capital ratio edits do not move
    the projects (each carries its own), and offer the top-down basis where they apply."""
    if state.basis() != "portfolio":
        return
    st.info(say("leverage_budget_note"), icon=":material/info:")
    st.button(t("use_top_down"), key="leverage_use_top_down", on_click=_use, args=("top_down",))
