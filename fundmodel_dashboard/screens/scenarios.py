"""Scenarios: compare side by side, sensitivity (tornado), goal-seek, Monte Carlo, and the
scenario files / library."""

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from fundmodel.analysis.compare import compare_results
from fundmodel.analysis.uncertainty import CONTINUOUS, goal_seek, monte_carlo, parse_uncertainty, sensitivity
from fundmodel.errors import FundmodelError
from fundmodel.inputs import yaml_loader
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import ParameterError, read_yaml
from fundmodel.inputs.scenario import Scenario
from fundmodel.messages import render_error
from fundmodel.outputs import charts, echarts
from fundmodel.outputs.comparison_text import comparison_table, explanation
from fundmodel.store import OWNER, VIEWER, StoreError, default_author, format_change, format_time_cst_utc
from fundmodel.terms import term
from fundmodel.units import to_bn
from fundmodel_dashboard import state
from fundmodel_dashboard.auth import t_auth
from fundmodel_dashboard.basis import say, show_basis
from fundmodel_dashboard.widgets import lang, localized_widget, money, show_echart, t, to_unit, unit, unit_name

st.header(t("page_scenarios"))
show_basis()
current = state.active_result()


def _title(key: str) -> str:
    return state.scenario_title(state.scenario_of(key))


tab_compare, tab_sensitivity, tab_goal, tab_mc, tab_files = st.tabs(
    [t("compare"), t("sensitivity"), t("goal_seek"), t("monte_carlo"), t("library")]
)

# --- compare ----------------------------------------------------------------------------
# The reference (the baseline unless chosen otherwise) is pinned first; every difference is
# "this scenario minus the reference"; at most MAX_COMPARED others, so the table fits 1024 px.
MAX_COMPARED = 3
with tab_compare:
    keys = state.scenario_keys()
    scenario_names = {k: _title(k) for k in keys}
    c1, c2 = st.columns([1, 2])
    with c1:
        reference_key = localized_widget(
            st.selectbox, t("compare_reference"), keys, scenario_names, "compare_reference"
        )  # the first option is the baseline (state.bundled_scenarios)
    others = [k for k in keys if k != reference_key]
    with c2:
        chosen = localized_widget(
            st.multiselect,
            t("compare_with"),
            others,
            scenario_names,
            "compare_keys",
            max_selections=MAX_COMPARED,
            placeholder=t("choose_scenarios"),
        )
    chosen = [k for k in chosen if k != reference_key]
    with_current = st.checkbox(t("compare_current"), value=True, key="compare_current")
    params_now = state.current_base()
    columns: list[tuple[str, object, np.ndarray]] = []  # (name, result, allocation)
    left_out: list[str] = []
    portfolio_name = state.portfolio_title(st.session_state.get("portfolio_key") or "")
    for k in [reference_key, *chosen]:
        run = state.scenario_result(k)
        if run is None:
            pf = state.scenario_portfolio(k)
            if pf is not None and not pf.ok:
                left_out.append(
                    say(
                        "compare_refused_portfolio",
                        scenario=scenario_names[k],
                        portfolio=portfolio_name,
                        errors=pf.n_errors,
                    )
                )
            else:
                left_out.append(say("compare_refused_unfunded", scenario=scenario_names[k], portfolio=portfolio_name))
            continue
        columns.append((scenario_names[k], run, state.scenario_allocation(k)))
    if with_current and (state.is_edited() or st.session_state["scenario_key"] != reference_key):
        current_name = f"{t('current_state')}: {state.display_name(lang())}"
        columns.insert(min(1, len(columns)), (current_name, current, st.session_state["allocation_bn"]))
    for text in left_out:
        st.warning(text, icon=":material/block:")
    if len(columns) >= 2 and columns[0][0] == scenario_names[reference_key]:
        comparison = compare_results([c[1] for c in columns])
        reference_name = columns[0][0]
        st.caption(say("compare_legend", reference=reference_name, unit=unit_name()))
        show_echart(echarts.comparison_chart(comparison.results, lang(), unit()), key="compare_chart")
        ids = (params_now.field_ids, params_now.bank_ids)
        # One block per scenario: its table (reference, it, it minus the reference) and where
        # the difference comes from; four columns fit a 1024 px screen.
        for k in range(1, len(columns)):
            st.markdown(f"**{columns[k][0]}** − {reference_name}")
            headers = [t("compare_reference_short")] + [t("compare_this")] * (len(columns) - 1)
            st.dataframe(
                comparison_table(comparison, headers, lang(), unit(), only=k),
                hide_index=True,
                width="stretch",
                key=f"compare_table_{k}",
            )
            lines = explanation(
                comparison,
                k,
                (reference_name, columns[k][0]),
                lang(),
                unit(),
                allocations=(columns[0][2], columns[k][2]),
                ids=ids,
            )
            st.markdown("\n".join(f"- {line}" for line in lines))
    else:  # fewer than two runs, or the reference itself left out (its warning says why)
        st.info(t("choose_scenarios"), icon=":material/info:")

# --- sensitivity --------------------------------------------------------------------------
try:
    params = state.current_parameters()
except ParameterError as exc:
    params = None
    for tab in (tab_sensitivity, tab_goal, tab_mc):
        tab.error(f"{t('scenario_not_savable')}: {render_error(exc, lang(), unit())}", icon=":material/error:")

metric_names = {"total_investment_bn": t("total_investment_bn"), "net_investment_bn": t("net_investment_bn")}
if params is not None:
    with tab_sensitivity:
        st.caption(t("sensitivity_help"))
        if state.basis() == "portfolio":
            st.info(say("analysis_top_down_note"), icon=":material/info:")
        c1, c2 = st.columns(2)
        with c1:
            metric = localized_widget(st.radio, t("col_metric"), list(metric_names), metric_names, "sens_metric")
        by_names = {"uniform": t("by_all_fields"), "field": t("by_each_field")}
        with c2:
            by = localized_widget(st.radio, t("sens_by"), list(by_names), by_names, "sens_by")
        sens = sensitivity(params, by=by, metric=metric)
        table = sens.table.copy()
        table["name"] = [
            t(a) if e == "all" else f"{t(a)} · {t(e)}"
            for a, e in zip(table["assumption"], table["element"], strict=True)
        ]
        table = table[table[f"{metric}:swing"] > 0].head(15)
        show_echart(
            echarts.tornado_chart(
                charts.sensitivity_swings(
                    table,
                    sens.base[metric],
                    lang(),
                    unit(),
                    low=f"{metric}:low",
                    high=f"{metric}:high",
                    name="name",
                    translate=False,
                )
            ),
            key="tornado",
        )
        shown = pd.DataFrame(
            {
                t("col_parameter"): table["name"],
                t("low_value"): [
                    f"×{v:.3g}" if a != "construction_years" else f"{v:+.0f}"
                    for a, v in zip(table["assumption"], table["change_low"], strict=True)
                ],
                t("high_value"): [
                    f"×{v:.3g}" if a != "construction_years" else f"{v:+.0f}"
                    for a, v in zip(table["assumption"], table["change_high"], strict=True)
                ],
                f"{metric_names[metric]} ({t('low_value')})": [money(v) for v in table[f"{metric}:low"]],
                f"{metric_names[metric]} ({t('high_value')})": [money(v) for v in table[f"{metric}:high"]],
                t("swing"): [money(v) for v in table[f"{metric}:swing"]],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")

    # --- goal-seek ------------------------------------------------------------------------
    with tab_goal:
        st.caption(t("goal_seek_help"))
        if state.basis() == "portfolio":
            st.info(say("analysis_top_down_note"), icon=":material/info:")
        goal_metrics = {**metric_names, "peak_level_effect_pct": t("peak_level_effect_pct")}
        c1, c2, c3 = st.columns(3)
        with c1:
            goal_metric = localized_widget(st.selectbox, t("col_metric"), list(goal_metrics), goal_metrics, "gs_metric")
        assumption_names = {a: t(a) for a in CONTINUOUS}
        with c2:
            assumption = localized_widget(
                st.selectbox, t("assumption"), list(assumption_names), assumption_names, "gs_assumption"
            )
        with c3:
            if goal_metric == "peak_level_effect_pct":
                target_value = st.number_input(t("target") + " (%)", value=3.5, step=0.1, key="gs_target_pp")
                target = float(target_value)
            else:
                default = to_unit(float(params.instrument.target_total_investment_bn.value))
                target_value = st.number_input(
                    f"{t('target')} ({unit_name()})",
                    value=default,
                    step=100.0,
                    format="%.1f",
                    key=f"gs_target_{unit()}",
                )
                target = float(to_bn(float(target_value), unit()))
        solution = goal_seek(target, assumption, params, metric=goal_metric)
        (st.success if solution.reachable else st.warning)(solution.render(lang(), unit()))
        values = pd.DataFrame(
            {t("col_subject"): [t(k) for k in solution.values], t("col_value"): list(solution.values.values())}
        )
        st.dataframe(
            values,
            hide_index=True,
            column_config={t("col_value"): st.column_config.NumberColumn(format="%.4f")},
        )
        st.button(
            t("apply_solution"),
            key="apply_goal_seek",
            on_click=state.apply_values,
            args=(assumption, dict(solution.values)),
            disabled=not solution.reachable,
        )

    # --- Monte Carlo ----------------------------------------------------------------------
    with tab_mc:
        st.caption(t("monte_carlo_help"))
        if state.basis() == "portfolio":
            st.info(say("analysis_top_down_note"), icon=":material/info:")
        block = state.current_scenario().uncertainty
        block_source = state.current_scenario().source
        if block is None and (SCENARIO_DIR / "uncertain_leverage.yaml").exists():
            raw = read_yaml(SCENARIO_DIR / "uncertain_leverage.yaml")
            block, block_source = raw.get("uncertainty"), "uncertain_leverage.yaml"
        if block is None:
            st.info(t("no_uncertainty"), icon=":material/info:")
        else:
            c1, c2 = st.columns(2)
            draws = int(
                c1.number_input(t("draws"), 1_000, 100_000, int(block.get("draws", 10_000)), 1_000, key="mc_draws")
            )
            seed = int(c2.number_input(t("seed"), 0, 2**31 - 1, int(block.get("seed", 1)), key="mc_seed"))
            st.caption(f"{t('distributions_from')}: {block_source}")
            try:
                spec = parse_uncertainty(block, params, block_source)
                mc = monte_carlo(spec, params, draws=draws, seed=seed)
            except (ParameterError, ValueError) as exc:
                st.error(render_error(exc, lang(), unit()), icon=":material/error:")
            else:
                target_bn = mc.targets.get("total_investment_bn")
                show_echart(
                    echarts.distribution_chart(
                        charts.draws_histogram(mc.outcomes.total_investment_bn, target_bn, lang(), unit())
                    ),
                    key="monte_carlo",
                )
                summary = mc.summary.loc[
                    [
                        "total_investment_bn",
                        "net_investment_bn",
                        "peak_level_effect_pct",
                        "peak_growth_effect_pp",
                        "multiplier",
                    ]
                ]
                shown = pd.DataFrame(
                    {
                        col: [money(v) if term(m).is_money else term(m).format(v) for m, v in summary[col].items()]
                        for col in ["base", "p5", "p50", "p95"]
                    },
                    index=[t(m) for m in summary.index],
                )
                shown.columns = [t("base_value"), "P5", "P50", "P95"]
                st.dataframe(shown, width="stretch")
                st.caption(
                    " · ".join(f"P({t(k)} ≥ {v:,.1f}) = {mc.probabilities[k]:.1%}" for k, v in mc.targets.items())
                )

# --- scenario library (database) and scenario files ------------------------------------------
with tab_files:
    st.caption(t("library_help"))
    try:
        store = state.scenario_store()
        saved = store.list()
    except (StoreError, SQLAlchemyError, OSError) as exc:
        store, saved = None, []
        st.error(f"{t('library_unavailable')}: {render_error(exc, lang(), unit())}", icon=":material/error:")
    flash = st.session_state.pop("library_flash", None)
    if flash is not None:
        kind, text, values = flash
        if kind == "error":
            st.error(text, icon=":material/error:")
        else:
            st.success(t(text).format(**values), icon=":material/check_circle:")
    # with sign-in configured, the signed-in identity and its role; None: one local user
    who = store.identity if store is not None else None
    may_write = who is None or who.role != VIEWER
    if store is not None:
        lib_left, lib_right = st.columns(2)
        with lib_left:
            st.markdown(f"**{t('library_saved')}**")
            if saved:
                st.dataframe(
                    pd.DataFrame(
                        {
                            t("col_name"): [i.name for i in saved],
                            t("col_version"): [i.current_version for i in saved],
                            t("col_author"): [i.updated_by for i in saved],
                            t("col_date"): [i.updated_at.strftime("%Y-%m-%d %H:%M UTC") for i in saved],
                            t_auth("col_official"): ["✓" if i.official else "" for i in saved],
                        }
                    ),
                    hide_index=True,
                    width="stretch",
                )
                names = [i.name for i in saved]
                chosen_name = st.selectbox(t("col_name"), names, key="library_name")
                history = store.history(chosen_name)
                versions = [v.version for v in history]
                chosen_version = st.selectbox(t("col_version"), versions[::-1], key=f"library_version_{chosen_name}")
                st.button(
                    t("load_scenario"),
                    key="library_load",
                    on_click=state.load_from_library,
                    args=(chosen_name, int(chosen_version)),
                    icon=":material/upload_file:",
                )
                if may_write:  # a viewer reads, compares and exports
                    with st.expander(t("library_manage")):
                        # Based on the latest version shown: a change saved meanwhile by someone else is refused.
                        latest = int(versions[-1])
                        new_name = st.text_input(t("new_name"), key=f"library_new_name_{chosen_name}")
                        c1, c2 = st.columns(2)
                        c1.button(
                            t("rename"), key="library_rename", icon=":material/edit:", disabled=not new_name.strip(),
                            on_click=state.change_library, args=("rename", chosen_name, latest, new_name.strip()),
                        )  # fmt: skip
                        c2.button(
                            t("delete_scenario"), key="library_delete", icon=":material/delete:",
                            on_click=state.change_library, args=("delete", chosen_name, latest),
                        )  # fmt: skip
                with st.expander(t("library_history")):
                    # a plain table: the audit trail is text to read (and copy), identities and diffs in full
                    st.table(
                        pd.DataFrame(
                            {
                                t("col_action"): [v.action for v in history],
                                t("col_author"): [v.author for v in history],
                                t_auth("col_time_cst_utc"): [format_time_cst_utc(v.created_at) for v in history],
                                t("col_note"): [v.note for v in history],
                                t_auth("col_changes"): ["; ".join(map(format_change, v.changes)) for v in history],
                            },
                            index=pd.Index([v.version for v in history], name=t("col_version")),
                        ),
                    )
            else:
                st.caption(t("library_empty"))
            deleted = [i.name for i in store.list(include_deleted=True) if i.deleted]
            if deleted and may_write:
                with st.expander(f"{t('library_deleted_list')} ({len(deleted)})"):
                    gone = st.selectbox(t("col_name"), deleted, key="library_deleted_name")
                    st.button(
                        t("restore"), key="library_restore", icon=":material/restore_from_trash:",
                        on_click=state.change_library, args=("restore", gone),
                    )  # fmt: skip
        with lib_right:
            st.markdown(f"**{t('library_save')}**")
            base = st.session_state.get("library_base")
            if who is not None:
                st.caption(t_auth("signed_in_as", name=who.name, role=t_auth(f"role_{who.role}")))
            if not may_write:
                st.info(t_auth("viewer_no_save"), icon=":material/visibility:")
            else:
                name = st.text_input(t("col_name"), value=base[0] if base else "", key="library_save_name")
                if who is None:  # signed in, the author is the identity, never a typed name
                    author = st.text_input(t("col_author"), value=default_author(), key="library_save_author")
                else:
                    author = who.name
                    if name.strip() and store.is_official(name.strip()):
                        term = "official_needs_note" if who.role == OWNER else "official_needs_owner"
                        st.caption(t_auth(term, name=name.strip()))
                note = st.text_input(t("col_note"), key="library_save_note")
                if st.button(t("save_to_library"), key="library_save", type="primary", icon=":material/save:"):
                    try:
                        info = state.save_to_library(name, author, note)
                    except (StoreError, ParameterError, SQLAlchemyError) as exc:
                        st.error(render_error(exc, lang(), unit()), icon=":material/error:")
                    else:  # drawn again, so that the list on the left holds the new version
                        values = {"name": info.name, "version": info.version}
                        st.session_state["library_flash"] = ("success", "library_saved_as", values)
                        st.rerun()

    st.divider()
    st.markdown(f"**{t('upload_scenario')}**")
    upload = st.file_uploader(
        t("upload_scenario"), type=["yaml", "yml"], key="scenario_upload", label_visibility="collapsed"
    )
    if upload is not None:
        try:
            data = yaml_loader.loads(upload.getvalue(), upload.name)
            scenario = Scenario.from_dict(data, source=upload.name)
        except FundmodelError as exc:  # the message names the file
            st.error(render_error(exc, lang(), unit()), icon=":material/error:")
        else:
            key = f"file:{upload.name}"
            if key not in state.scenario_keys():
                state.register_scenario(key, scenario)
            st.success(t("scenario_registered").format(name=scenario.name), icon=":material/check_circle:")
            st.button(t("load_scenario"), key="load_uploaded", on_click=state.load_into_session, args=(key,))
