"""Editing cells of a read portfolio: re-validating only the edited rows must give
exactly what reading the edited file gives (frame, issues, validity)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fundmodel.inputs.portfolio.validate as portfolio_validate
from fundmodel import default_parameters
from fundmodel.core.bottom_up import run_portfolio
from fundmodel.inputs.portfolio import PortfolioError, parse_portfolio, read_portfolio
from fundmodel.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
PARAMS = default_parameters()
# 120 rows: more than the small-table threshold, so the edited rows (few) and the whole
# table (many) take both paths of the parser.
RAW = read_portfolio(ROOT / "portfolios" / "national_synthetic.csv", params=PARAMS).raw.iloc[:120]
BASE = parse_portfolio(RAW, params=PARAMS, source="national_synthetic.csv")


def edited_raw(raw: pd.DataFrame, edits: dict[tuple[int, str], object]) -> pd.DataFrame:
    """The raw table with the cells changed, as a reader of the edited file would hold it
    (every edited column as text cells)."""
    out = raw.copy()
    for (row, column), value in edits.items():
        out[column] = out[column].astype(object)
        out.loc[row, column] = value
    return out


def assert_same_as_full(portfolio, edits, params=PARAMS):
    got = portfolio.with_edits(edits, params)
    want = portfolio_validate.parse_portfolio(edited_raw(portfolio.raw, edits), params=params, source=portfolio.source)
    pd.testing.assert_frame_equal(got.frame, want.frame)
    pd.testing.assert_frame_equal(got.issues.astype(str), want.issues.astype(str))
    assert got.n_errors == want.n_errors
    return got


CELL_VALUES = st.one_of(
    st.sampled_from(["", "abc", "-1", "0", "1,234.5", "20%", "  7 ", "inf", "yes", "否", "jiangsu", "s_curve"]),
    st.floats(min_value=-5, max_value=500, allow_nan=False),
    st.integers(min_value=-3, max_value=2040),
)
COLUMNS = [c for c in RAW.columns if c != "project_id"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(list(RAW.index)), st.sampled_from(COLUMNS), CELL_VALUES), min_size=1, max_size=4)
)
def test_editing_rows_equals_reading_the_edited_file(cells):
    edits = {(row, column): value for row, column, value in cells}
    with parsed_sizes() as sizes:
        assert_same_as_full(BASE, edits)
    # Only the edited rows were parsed by with_edits (then the whole table, for the comparison).
    assert sizes == [len({row for row, _ in edits}), len(RAW)]


@contextmanager
def parsed_sizes() -> Iterator[list[int]]:
    """The number of rows of every table parse_portfolio is given, in order."""
    sizes: list[int] = []
    real = portfolio_validate.parse_portfolio

    def counting(table, *args, **kwargs):
        sizes.append(len(table))
        return real(table, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(portfolio_validate, "parse_portfolio", counting)
        yield sizes


def test_a_fixed_edit_gets_valid_again_and_the_original_is_untouched():
    first = RAW.index[0]
    before = BASE.frame.copy()
    broken = assert_same_as_full(BASE, {(first, "fund_requested_bn"): "abc", (first + 3, "total_investment_bn"): -1})
    assert [(i.row, i.column, i.rule) for i in broken.errors] == [
        (first, "fund_requested_bn", "not_a_number"),
        (first + 3, "total_investment_bn", "negative_amount"),
    ]
    assert not broken.frame.loc[first, "valid"] and np.isnan(broken.frame.loc[first, "fund_requested_bn"])
    fixed = broken.with_edits(
        {
            (first, "fund_requested_bn"): RAW.loc[first, "fund_requested_bn"],
            (first + 3, "total_investment_bn"): RAW.loc[first + 3, "total_investment_bn"],
        },
        PARAMS,
    )
    assert fixed.ok and fixed.frame["valid"].all()
    pd.testing.assert_frame_equal(fixed.frame, BASE.frame)
    pd.testing.assert_frame_equal(BASE.frame, before)  # a new portfolio; this one unchanged
    assert BASE.raw.loc[first, "fund_requested_bn"] == RAW.loc[first, "fund_requested_bn"]


def test_the_model_follows_an_edit():
    # Fund of the first project x 1.04: the run's total fund moves by exactly 0.04 x that fund.
    first = RAW.index[0]
    fund = float(RAW.loc[first, "fund_requested_bn"])
    edited = BASE.with_edits({(first, "fund_requested_bn"): fund * 1.04}, PARAMS)
    before = run_portfolio(BASE, PARAMS, cashflow=False).totals["fund_bn"]
    after = run_portfolio(edited, PARAMS, cashflow=False).totals["fund_bn"]
    assert after - before == pytest.approx(0.04 * fund, rel=1e-9)


def test_edits_by_header_as_written_and_in_other_units(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "项目编号,项目名称,所属领域,政策性银行,省份,民营企业项目,总投资(亿元),资本金比例,申请金额(亿元),开工年份,建设期\n"
        "P1,Rail,transport_logistics,cdb,jiangsu,否,1000,0.2,100,2025,4\n"
        "P2,Water,municipal_parks,adbc,guangdong,是,100,0.25,15,2026,2\n",
        encoding="utf-8",
    )
    portfolio = read_portfolio(path, params=PARAMS)
    # 120 亿元 = 12 bn; by the header as written and by the column id alike.
    by_header = assert_same_as_full(portfolio, {(2, "申请金额(亿元)"): "120"})
    assert by_header.frame.loc[2, "fund_requested_bn"] == pytest.approx(12.0)
    with pytest.raises(PortfolioError, match="no column"):
        portfolio.with_edits({(2, "no such column"): 1}, PARAMS)
    with pytest.raises(PortfolioError, match="no row 9"):
        portfolio.with_edits({(9, "申请金额(亿元)"): 1}, PARAMS)
    by_id = portfolio.with_edits({(2, "fund_requested_bn"): "120"}, PARAMS)
    pd.testing.assert_frame_equal(by_id.frame, by_header.frame)


def test_rules_across_rows_are_checked_on_the_whole_table():
    first, second = RAW.index[0], RAW.index[1]
    with parsed_sizes() as sizes:
        duplicate = assert_same_as_full(BASE, {(second, "project_id"): RAW.loc[first, "project_id"]})
    assert sizes == [len(RAW), len(RAW)]  # an id edit is checked against every row
    assert [(i.row, i.rule) for i in duplicate.errors] == [(second, "duplicate_id")]
    # With a duplicate in the table, an edit elsewhere keeps reporting it.
    again = assert_same_as_full(duplicate, {(RAW.index[5], "fund_requested_bn"): "abc"})
    assert {i.rule for i in again.errors} == {"duplicate_id", "not_a_number"}


def test_an_edit_that_changes_a_file_level_rule(tmp_path):
    # An empty money column without a unit is fine; a number in it needs the unit declared.
    path = tmp_path / "p.csv"
    path.write_text(
        "project_id,project_name,field,bank,province,private,total_investment_bn,capital_ratio,"
        "fund_requested_bn,start_year,construction_years,Other public money in capital\n"
        "P1,Rail,transport_logistics,cdb,jiangsu,no,100,0.2,10,2025,4,\n"
        "P2,Water,municipal_parks,adbc,guangdong,yes,10,0.25,1.5,2026,2,\n",
        encoding="utf-8",
    )
    portfolio = read_portfolio(path, params=PARAMS)
    assert portfolio.ok
    edited = assert_same_as_full(portfolio, {(3, "Other public money in capital"): "1"})
    assert [(i.row, i.rule) for i in edited.errors] == [(1, "unit_undeclared")]
    assert not edited.frame["valid"].any()


def test_edits_under_other_parameters():
    # cap_50pct lowers the key-area cap: the edited portfolio is validated under it.
    params = load_scenario(ROOT / "portfolios" / "scenarios" / "cap_50pct.yaml").parameters()
    edits = {(RAW.index[0], "fund_requested_bn"): "0.01"}
    got = assert_same_as_full(BASE, edits, params)
    assert got.params_fingerprint == params.fingerprint


RUN_BASE = parse_portfolio(RAW, params=PARAMS, source="national_synthetic.csv")
run_portfolio(RUN_BASE, PARAMS, cashflow=False)  # what a run derives (group codes, phasing) is kept with it


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_run_after_edits_equals_a_run_of_the_edited_file(data):
    # Valid edits: each cell takes another project's value of its column (field, bank, years,
    # profile ...), so what a run derived from the unedited columns must still hold.
    cells = data.draw(st.lists(st.tuples(st.sampled_from(list(RAW.index)), st.sampled_from(COLUMNS)), max_size=3))
    edits = {(row, column): data.draw(st.sampled_from(RAW[column].tolist())) for row, column in cells}
    got = RUN_BASE.with_edits(edits, PARAMS)
    want = parse_portfolio(edited_raw(RAW, edits), params=PARAMS, source=RUN_BASE.source)
    if not want.ok:  # a swap can break a rule (e.g. a fund above another project's cap)
        assert not got.ok
        return
    a, b = run_portfolio(got, PARAMS, cashflow=False), run_portfolio(want, PARAMS, cashflow=False)
    for name in ("by_field", "by_bank", "by_cell", "by_year"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=1e-12)
    pd.testing.assert_frame_equal(a.breakdowns["province"], b.breakdowns["province"], rtol=1e-12)
    pd.testing.assert_frame_equal(a.breakdowns["ownership"], b.breakdowns["ownership"], rtol=1e-12)
    assert a.totals == pytest.approx(b.totals, rel=1e-12, nan_ok=True)


def test_a_field_edit_moves_the_phasing_of_a_project_that_uses_its_fields_profile(tmp_path):
    # P2 gives no phasing profile: it follows its field's. Municipal parks land uniformly
    # here (s-curve elsewhere), so moving P2 there changes its phasing although the phasing
    # column was not edited: what the first run derived must not be kept.
    # Spending from 2025Q1 and nothing sunk: the quarterly phasing sums to the yearly one.
    params = PARAMS.with_overrides(
        {
            "fields": {
                "municipal_parks": {"phasing_profile": "uniform", "sunk_share": 0.0},
                "digital_economy": {"sunk_share": 0.0},
                "transport_logistics": {"sunk_share": 0.0},
            },
            "macro": {"disbursement_date": dt.date(2025, 1, 1)},
        }
    )
    path = tmp_path / "p.csv"
    path.write_text(
        "project_id,project_name,field,bank,province,private,total_investment_bn,capital_ratio,"
        "fund_requested_bn,start_year,construction_years,phasing_profile\n"
        "P1,Rail,transport_logistics,cdb,jiangsu,no,100,0.2,10,2025,4,uniform\n"
        "P2,Data,digital_economy,exim,guizhou,no,20,0.3,2,2025,4,\n",
        encoding="utf-8",
    )
    base = read_portfolio(path, params=params)
    before = run_portfolio(base, params, cashflow=False).by_year["investment_bn"]
    edited = base.with_edits({(3, "field"): "municipal_parks"}, params)
    assert edited.frame.loc[3, "phasing_profile"] == "uniform"
    after = run_portfolio(edited, params, cashflow=False).by_year["investment_bn"]
    # 2025-2028: P1 25 a year; P2 20 bn on the s-curve [0.15625, 0.34375, 0.34375, 0.15625] -> 5 a year;
    # 2029, the year after the spending, lands nothing
    assert before.tolist() == pytest.approx([28.125, 31.875, 31.875, 28.125, 0.0])
    assert after.tolist() == pytest.approx([30.0, 30.0, 30.0, 30.0, 0.0])
