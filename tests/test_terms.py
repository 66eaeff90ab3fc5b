"""Output terms declared once (fundmodel/inputs/data/terms.csv): every term the report, the
charts, the comparison and the dashboard use is in the table, and an unknown one is an error."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fundmodel.analysis.compare import SUMMARY_METRICS, compare_results, render_comparison
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.core.result import STACK_COLUMNS
from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.portfolio import read_portfolio
from fundmodel.inputs.scenario import load_scenario
from fundmodel.labels import LABELS, label
from fundmodel.outputs import charts, echarts, report
from fundmodel.outputs.views import GROUP_SUM_COLUMNS
from fundmodel.terms import TERM_UNITS, UnknownTermError, is_term, term, terms, with_unit
from fundmodel_dashboard.widgets import KPI_HELP, KPI_TERMS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results():
    top_down = load_scenario(SCENARIO_DIR / "baseline.yaml").run()
    portfolio = run_portfolio(read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv"), top_down.parameters)
    return top_down, portfolio


def test_labels_units_and_formats_by_hand():
    assert term("total_investment_bn").label_with_unit("zh", "yi") == "总投资（亿元）"
    assert term("total_investment_bn").label_with_unit("en", "bn") == "Total investment (bn RMB)"
    assert term("multiplier").label_with_unit("zh", "yi") == "撬动倍数"  # not money: no unit
    assert term("fund_bn").format(500, "yi") == "5,000"  # 500 bn = 5,000 亿元, whole 亿元
    assert term("fund_bn").format(500, "bn") == "500.0"
    assert term("fund_bn").value_in(3.199, "yi") == pytest.approx(31.99)
    assert term("private_share").format(0.215) == "21.5%"
    assert term("peak_growth_effect_pp").format(1.234) == "+1.23 pp"
    assert term("violations").format(1234) == "1,234"
    assert with_unit("净新增投资", "zh", "yi") == "净新增投资（亿元）"


def test_unknown_term_is_an_error():
    with pytest.raises(UnknownTermError):
        term("total_invesment_bn")
    with pytest.raises(UnknownTermError):
        label("total_invesment_bn")
    assert not is_term("total_invesment_bn")


def test_every_row_is_whole():
    for t in terms().values():
        assert t.unit in TERM_UNITS, t.id
        assert t.zh and t.en and t.description, t.id
        assert t.format(1.5, "yi")  # the format applies to a number
        if t.id.endswith("_bn"):
            assert t.is_money, t.id  # the suffix and the table agree
    # an output term is declared in the table, never again in the interface words
    assert not set(terms()) & set(LABELS)


def test_lists_of_terms_used_by_outputs_are_in_the_table():
    used = [
        *report.TOTAL_TERMS,
        *report.PORTFOLIO_TOTAL_TERMS,
        *report.GROUP_TERMS,
        *report.BREAKDOWN_TERMS,
        *report.YEAR_TERMS,
        *SUMMARY_METRICS,
        *STACK_COLUMNS,
        *GROUP_SUM_COLUMNS,
        *KPI_TERMS,
        *charts.STACK_COLOURS,
    ]
    missing = [u for u in used if not is_term(u)]
    assert not missing
    assert set(KPI_HELP) == set(KPI_TERMS)


def _literal_ids(path: Path) -> set[str]:
    """String ids passed to label(), t() or term() in ``path``."""
    ids = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"label", "t", "term", "output_term"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            ids.add(node.args[0].value)
    return ids


def test_every_literal_id_of_the_report_charts_and_dashboard_has_a_label():
    files = [
        ROOT / "fundmodel/outputs/report.py",
        ROOT / "fundmodel/outputs/charts.py",
        ROOT / "fundmodel/outputs/views.py",
        ROOT / "fundmodel/analysis/compare.py",
        *sorted((ROOT / "fundmodel_dashboard").rglob("*.py")),
    ]
    ids = set().union(*(_literal_ids(f) for f in files))
    assert len(ids) > 100  # the scan finds the calls
    for lang in ("en", "zh"):
        missing = []
        for i in sorted(ids):
            try:
                label(i, lang)
            except UnknownTermError:
                missing.append(i)
        assert not missing


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("unit", ["bn", "yi"])
def test_report_charts_and_comparison_render_with_table_terms_only(results, lang, unit):
    top_down, portfolio = results
    for r in results:
        text = report.render_table(r, unit, lang)
        assert term("total_investment_bn").label(lang) in text
        charts.sankey_figure(r, lang, unit)
        charts.effects_figure(r, lang, unit)
        charts.capital_stack_figure(r, lang, unit, by="bank")
    charts.comparison_figure([top_down, portfolio], lang, unit)
    for chart in (
        echarts.breakdown_chart(charts.capital_by_group(portfolio.breakdowns["province"], lang, unit)),
        echarts.comparison_chart([top_down, portfolio], lang, unit),
        echarts.distribution_chart(charts.draws_histogram(np.array([5000.0, 6000.0]), 6000.0, lang, unit)),
        echarts.tornado_chart(
            charts.sensitivity_swings(
                pd.DataFrame(
                    {"parameter": ["capital_ratio", "additionality"], "low_bn": [5.0, 6.0], "high_bn": [7.0, 6.5]}
                ),
                6.0,
                lang,
                unit,
            )
        ),
    ):
        assert chart.option["title"]["text"]
    text = render_comparison(compare_results([top_down, portfolio]), unit, lang)
    assert term("net_multiplier").label(lang) in text


def test_report_money_in_yi_by_hand(results):
    top_down, _ = results
    text = report.render_table(top_down, "yi", "zh")
    fund_yi = top_down.totals["fund_bn"] * 10  # 1 bn = 10 亿元
    assert f"{fund_yi:,.1f}" in text


def test_workbook_labels_do_not_redeclare_output_terms():
    # The workbook's own label table holds interface words only; its headers that are output
    # terms read the term table.
    from fundmodel.outputs.excel import layout
    from fundmodel.terms import terms

    assert not [key for key in layout._XL if key in terms()]
