"""Portfolio: a bundled or uploaded project portfolio, validated, filtered and charted."""

import pandas as pd
import streamlit as st

from fundmodel.inputs.portfolio import PortfolioError
from fundmodel.inputs.portfolio.issues import render_issue
from fundmodel.messages import render_error
from fundmodel.outputs import charts, echarts
from fundmodel.outputs.portfolio_forms import blank_template_bytes, validation_report_bytes
from fundmodel.outputs.province_map import province_tile_map
from fundmodel.outputs.views import column_label, filter_projects, group_projects, province_label, subset_totals
from fundmodel.terms import is_term, term, with_unit
from fundmodel_dashboard import basis, state
from fundmodel_dashboard.mapping import column_mapping_editor
from fundmodel_dashboard.widgets import (
    csv_download,
    grid_column_px,
    kpi_cards,
    lang,
    localized_widget,
    money,
    per_bn,
    show_echart,
    t,
    unit,
    unit_name,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The province map and its table: two columns that wrap to two rows when the window is too
#: narrow for both (26 + 25 rem; the page is about 46 rem wide at 1,024 px, 51 at 1,280, 60 at 1,440).
PROVINCE_VIEW_CSS = """<style>
.st-key-province_view [data-testid="stHorizontalBlock"] { flex-wrap: wrap; row-gap: 0.5rem; }
.st-key-province_view [data-testid="stColumn"]:first-child { flex: 3 1 26rem !important; min-width: 26rem !important; }
.st-key-province_view [data-testid="stColumn"]:last-child { flex: 2 1 25rem !important; min-width: 25rem !important; }
</style>"""


@st.cache_data(show_spinner=False, max_entries=6)
def _template(lang_: str, unit_: str) -> bytes:
    return blank_template_bytes(lang_, unit_)


st.header(t("page_portfolio"))
st.caption(t("portfolio_intro"))

# --- choose ---------------------------------------------------------------------------
left, right = st.columns([3, 2])
with left:
    keys = state.portfolio_keys()
    titles = {k: state.portfolio_title(k) for k in keys}
    if st.session_state.get("portfolio_key") not in keys:
        st.session_state["portfolio_key"] = keys[0] if keys else None
    st.selectbox(t("portfolio_choice"), options=keys, format_func=titles.__getitem__, key="portfolio_key")
    st.selectbox(
        t("portfolio_unit"),
        options=[None, "bn", "yi", "wan"],
        format_func={None: "—", "bn": "bn RMB", "yi": "亿元", "wan": "万元"}.__getitem__,
        key="portfolio_unit",
        help=t("portfolio_unit_help"),
    )
with right:
    limit_mb = int(st.get_option("server.maxUploadSize"))
    st.markdown(f"**{t('upload_portfolio')}**")
    st.caption(t("upload_limit").format(limit=limit_mb))
    st.file_uploader(
        t("upload_portfolio"),
        type=["csv", "xlsx"],
        key="portfolio_upload",
        label_visibility="collapsed",
        on_change=state.on_portfolio_upload,
    )
    st.download_button(
        t("download_template"),
        data=_template(lang(), unit()),
        file_name=f"{t('download_template').split('（')[0].split(' (')[0]}.xlsx",
        mime=XLSX,
        key="download_template",
        icon=":material/download:",
    )

state.sync_project_editor()  # this run's cell edits first: everything below shows them
state.record_edit()  # the cell edits of this run are one undo step
try:
    portfolio = state.current_portfolio()
except (PortfolioError, OSError) as exc:
    st.error(f"{t('portfolio_unreadable')}: {render_error(exc, lang(), unit())}", icon=":material/error:")
    st.stop()
if portfolio is None:
    st.stop()
column_mapping_editor(portfolio, st.session_state["portfolio_key"])

# --- validation report ----------------------------------------------------------------
n_err = portfolio.n_errors
n_warn = int((portfolio.issues["severity"] == "warning").sum())
summary = t("validation_summary").format(projects=len(portfolio.frame), errors=n_err, warnings=n_warn)
if n_err:
    st.error(summary, icon=":material/error:")
elif n_warn:
    st.warning(summary, icon=":material/warning:")
else:
    st.success(summary, icon=":material/check_circle:")
if len(portfolio.issues):
    with st.expander(t("validation_report"), expanded=bool(n_err)):
        issues = basis.issues_table(portfolio)
        st.dataframe(issues, hide_index=True, width="stretch", height=min(420, 38 + 35 * len(issues)))
        csv_download(issues, "fundmodel_validation.csv", key="download_issues_csv")
        st.download_button(
            t("download_report"),
            data=validation_report_bytes(
                portfolio, lang(), lambda i: render_issue(i["message"], i.get("text"), lang(), unit(), "web")
            ),
            file_name=f"{portfolio.source.rsplit('.', 1)[0]}_{t('download_report').split('（')[0].split(' (')[0]}.xlsx",
            mime=XLSX,
            key="download_report",
            icon=":material/download:",
        )

# --- the file's cells, editable: each edit re-validates its row and re-runs the model ---
# The cells (thousands of rows) go to the browser only while the editor is open: opened for a
# file with errors or edits, closed otherwise. Its label stays the same (a new label would
# close it); the edits are kept in the session, not in the editor.
edits = state.project_edits()
if edits:
    st.caption(t("cells_edited").format(n=len(edits)))
open_key = f"project_editor_open_{st.session_state['portfolio_key']}"
if n_err or edits:
    st.session_state.setdefault(open_key, True)
editor_box = st.expander(t("edit_projects"), key=open_key, on_change="rerun")
with editor_box:
    st.caption(t("edit_projects_help"))
    if editor_box.open:
        st.data_editor(
            portfolio.raw,
            key=state.project_editor_key(),
            num_rows="fixed",
            width="stretch",
            height=360,
        )
        if edits:
            b1, b2 = st.columns(2)
            with b1:
                st.button(
                    t("discard_edits"), key="discard_project_edits", icon=":material/undo:",
                    on_click=state.discard_project_edits,
                )  # fmt: skip
            with b2:
                # The file is written only when asked for, and offered while the edits stay the same.
                edits_key = (st.session_state.get("portfolio_key"), state.frozen_project_edits())
                if st.button(t("build_edited_portfolio"), key="build_edited_portfolio", icon=":material/table_view:"):
                    st.session_state["edited_portfolio"] = (edits_key, state.edited_portfolio_workbook())
                built = st.session_state.get("edited_portfolio")
                if built is not None and built[0] == edits_key:
                    st.download_button(
                        t("download_edited_portfolio"),
                        data=built[1],
                        file_name=f"{portfolio.source.rsplit('.', 1)[0]}_edited.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        key="download_edited_portfolio",
                        icon=":material/download:",
                    )

if n_err:
    st.info(t("portfolio_fix_errors"), icon=":material/info:")
    st.stop()

result = state.portfolio_result()
reference = state.portfolio_result(edited=False)
if result is None:
    st.error(basis.say("basis_refused_unfunded", portfolio=state.portfolio_title(st.session_state["portfolio_key"])))
    st.stop()
st.caption(basis.basis_note("portfolio"))
kpi_cards(result, reference)
if "top_down_multiplier" in result.totals:
    st.caption(
        t("portfolio_vs_top_down").format(
            portfolio=f"{result.multiplier:.2f}x", top_down=f"{result.totals['top_down_multiplier']:.2f}x"
        )
    )

# --- filters --------------------------------------------------------------------------
projects = result.projects
st.subheader(t("filters"))
c1, c2, c3, c4 = st.columns([2, 2, 2, 1.3])
field_names = {f: t(f) for f in result.by_field.index}
bank_names = {b: t(b) for b in result.by_bank.index}
with c1:
    fields = localized_widget(
        st.multiselect, t("field"), list(field_names), field_names, "pf_fields", placeholder=t("choose_options")
    )
with c2:
    banks = localized_widget(
        st.multiselect, t("bank"), list(bank_names), bank_names, "pf_banks", placeholder=t("choose_options")
    )
province_ids = sorted(projects["province"].unique())
province_names = {p: province_label(p, lang()) for p in province_ids}
with c3:
    provinces = localized_widget(
        st.multiselect, t("province"), province_ids, province_names, "pf_provinces", placeholder=t("choose_options")
    )
ownership_names = {"all": t("all"), "private": t("private"), "state": t("state")}
with c4:
    private_choice = localized_widget(st.radio, t("ownership"), list(ownership_names), ownership_names, "pf_private")
private = {"all": None, "private": True, "state": False}[private_choice]
chosen = filter_projects(projects, fields, banks, provinces, private)

totals = subset_totals(chosen)
s1, s2, s3, s4 = st.columns(4)
s1.metric(t("projects_shown"), f"{int(totals['n_projects']):,} / {len(projects):,}")
s2.metric(f"{t('fund_bn')}", money(totals.get("fund_bn", 0.0)))
s3.metric(f"{t('total_investment_bn')}", money(totals.get("total_investment_bn", 0.0)))
s4.metric(t("multiplier"), f"{totals['multiplier']:.2f}x" if totals.get("fund_bn") else "—")

# --- three views of the funded projects, one drawn at a time (a page change draws the
# first only: the project table's thousands of rows go to the browser when asked for) ----
if len(chosen):
    views = [t("province_map"), t("portfolio_charts"), t("project_metrics")]
    tab_map, tab_charts, tab_table = st.tabs(views, key=f"pf_view__{lang()}", on_change="rerun")

    # --- the funded projects by province: a tile map beside its table ------------------
    with tab_map:
        if tab_map.open:
            value_names = {"total_investment_bn": t("total_investment_bn"), "fund_bn": t("fund_bn")}
            map_value = localized_widget(
                st.radio, t("province_map_value"), list(value_names), value_names, "pf_map_value", horizontal=True
            )
            per_province = group_projects(chosen, "province")
            # The map and its table side by side where both fit, the table below the map on a narrower
            # window (1,024 px): the table never scrolls sideways.
            st.html(PROVINCE_VIEW_CSS)
            with st.container(key="province_view"):
                map_left, map_right = st.columns([3, 2])
            with map_left:
                tile_map = province_tile_map(per_province, map_value, lang(), unit())
                show_echart(echarts.province_map_chart(tile_map), key="province_map")
            with map_right:
                # The map's amount and its share of the total; the unit said once above the table.
                amounts = per_province[map_value].to_numpy(dtype=float)
                names = [province_names.get(p, p) for p in per_province.index]
                headers = [t("province"), column_label("n_projects", lang()), t(map_value), t("share_of_total")]
                province_table = pd.DataFrame(
                    {
                        headers[0]: names,
                        headers[1]: per_province["n_projects"].astype(int).to_numpy(),
                        headers[2]: amounts * per_bn(),
                        headers[3]: 100 * amounts / amounts.sum() if amounts.sum() else 0.0,
                    }
                ).sort_values(headers[2], ascending=False)
                st.caption(t("amounts_in").format(unit=unit_name()))
                widths = [grid_column_px([headers[0], *names]), *(grid_column_px([h], minimum=64) for h in headers[1:])]
                st.dataframe(
                    province_table,
                    hide_index=True,
                    width="stretch",
                    height=460,
                    column_config={
                        headers[0]: st.column_config.TextColumn(width=widths[0]),
                        headers[1]: st.column_config.NumberColumn(width=widths[1]),
                        headers[2]: st.column_config.NumberColumn(
                            format="%,.1f" if unit() == "yi" else "%,.2f", width=widths[2]
                        ),
                        headers[3]: st.column_config.NumberColumn(format="%.1f%%", width=widths[3]),
                    },
                )

    with tab_charts:
        if tab_charts.open:
            left, right = st.columns([3, 2])
            with left:
                by_province = group_projects(chosen, "province")
                show_echart(
                    echarts.breakdown_chart(
                        charts.capital_by_group(by_province, lang(), unit(), "by_province", names=province_names)
                    ),
                    key="portfolio_provinces",
                )
            with right:
                show_echart(
                    echarts.breakdown_chart(
                        charts.capital_by_group(group_projects(chosen, "field"), lang(), unit(), "by_field")
                    ),
                    key="portfolio_fields",
                )

    # --- per-project metrics ------------------------------------------------------------
    with tab_table:
        if tab_table.open:
            # The key columns first, the project's name pinned: name, bank, province and the amounts are
            # in view without scrolling sideways from 1,024 px; the rest follow.
            key_columns = ["project_name", "bank", "province", "fund_bn", "total_investment_bn", "multiplier"]
            columns = [
                *key_columns,
                "field",
                "project_id",
                "private",
                "fund_share_of_capital",
                "capital_ratio",
                "net_investment_bn",
                "attributed_investment_bn",
                "source_file",
                "source_sheet",
                "source_row",
            ]
            metrics = state.portfolio_cashflow()
            metric_columns = ["project_irr", "equity_irr", "npv_bn", "min_dscr", "payback_year", "subsidy_per_yuan"]
            if metrics is not None:
                chosen = chosen.join(metrics[metric_columns], how="left")
                columns += metric_columns
            columns = [c for c in columns if c in chosen.columns]
            table = chosen[columns].copy()
            for c in columns:
                if is_term(c) and term(c).is_money:
                    table[c] = table[c] * per_bn()
            # one label per distinct id, not per project
            table["field"] = table["field"].map({f: t(f) for f in table["field"].unique()})
            table["bank"] = table["bank"].map({b: t("short_" + b) for b in table["bank"].unique()})
            table["province"] = table["province"].map(province_names)
            d = 0 if unit() == "yi" else 2  # one project's money: two decimals of bn, whole 亿元
            formats = {"share": "percent", "ratio": "%.3f", "year": "%d", "multiplier": "%.2fx", "money": f"%,.{d}f"}
            config, csv_headers = {}, {}
            for c in columns:
                name = column_label(c, lang()) if c not in ("multiplier",) else t(c)
                kind = term(c).unit if is_term(c) else None
                csv_headers[c] = with_unit(name, lang(), unit()) if kind == "money" else name
                # a key column as wide as its header and cells need (the name at most 250 px)
                width = None
                if c in key_columns:
                    # the 20 longest texts are enough to find the widest (2,000 names are not measured)
                    cells = sorted(pd.unique(table[c].astype(str)), key=len)[-20:] if kind is None else []
                    width = min(250, grid_column_px([name, *cells], minimum=0 if kind is None else 72))
                if kind in formats:  # money included
                    config[c] = st.column_config.NumberColumn(name, format=formats[kind], width=width)
                elif c == "private":
                    config[c] = st.column_config.CheckboxColumn(name)
                else:
                    config[c] = st.column_config.TextColumn(name, width=width, pinned=c == "project_name")
            st.caption(t("amounts_in").format(unit=unit_name()))
            st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", height=460, column_config=config)
            csv_download(table.rename(columns=csv_headers), "fundmodel_projects.csv", key="download_projects_csv")
            if metrics is not None:
                st.caption(t("cashflow_note"))
else:
    st.info(t("no_projects_match"), icon=":material/filter_alt_off:")
