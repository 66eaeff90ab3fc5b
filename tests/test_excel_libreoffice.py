"""Exported workbooks recalculated by a real spreadsheet engine (LibreOffice headless).

All books go through ONE LibreOffice run (module fixture); every formula cell of each
recalculated book is compared with the Python model (relative difference <= 1e-9), and
the main outputs against the Result tables directly.
"""

import datetime as dt
import re
import zipfile

import numpy as np
import pytest
from _libreoffice import SOFFICE, mismatches, recalculate
from openpyxl import load_workbook

from fundmodel import default_parameters, run
from fundmodel.core.fiscal import BY_YEAR_COLUMNS
from fundmodel.core.fiscal import present_value as fiscal_pv
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.scenario import Scenario, load_scenario
from fundmodel.outputs.excel import export_workbook, read_workbook_inputs, read_workbook_scenario
from fundmodel.outputs.excel.topdown_sheets import BANKS_COLUMN, CELLS_COLUMN, FIELDS_COLUMN, MACRO_COLUMN, MACRO_Y0
from fundmodel.outputs.excel.workbook import build_workbook

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not installed")]

#: Edited in the workbook before recalculation (by path on the Inputs sheet).
EDITS = {
    "fields.digital_economy.capital_ratio": 0.25,
    "fields.transport_logistics.construction_years": 6,
    "fields.agriculture_rural.start_year": 2026,
    "fields.green_low_carbon.phasing_profile": "uniform",
    "fields.municipal_parks.key_area": False,  # cap falls to 50%: s = 45% still passes
    "allocation_bn.digital_economy.cdb": 35,
    "allocation_bn.transport_logistics.cdb": 65,
    "banks.exim.fund_share_scale": 0.9,
    "macro.growth_pct.2025": -1.0,
    "macro.base_level_bn": 24000,
    # Money paid in a quarter later (2026Q1), and a third of transport's investment already spent:
    "macro.disbursement_date": dt.date(2026, 2, 15),
    "fields.transport_logistics.sunk_share": 0.3,
    # Dearer funding, and 30% of the buy-backs rolled over for another term:
    "instrument.funding_rate": 0.025,
    "instrument.buyback_rollover_share": 0.3,
    # Two rule violations, so that the Checks formulas must fail where Python's checks do:
    "fields.low_altitude_economy.capital_ratio": 0.15,  # below the 20% statutory minimum
    "allocation_bn.agriculture_rural.adbc": 80,  # ADBC 155 > quota 150; total 505 > 500
}
EDITED_OVERRIDES = {
    "fields": {
        "digital_economy": {"capital_ratio": 0.25},
        "transport_logistics": {"construction_years": 6, "sunk_share": 0.3},
        "agriculture_rural": {"start_year": 2026},
        "green_low_carbon": {"phasing_profile": "uniform"},
        "municipal_parks": {"key_area": False},
        "low_altitude_economy": {"capital_ratio": 0.15},
    },
    "allocation_bn": {
        "digital_economy": {"cdb": 35},
        "transport_logistics": {"cdb": 65},
        "agriculture_rural": {"adbc": 80},
    },
    "banks": {"exim": {"fund_share_scale": 0.9}},
    "macro": {"growth_pct": {2025: -1.0}, "base_level_bn": 24000, "disbursement_date": dt.date(2026, 2, 15)},
    "instrument": {"funding_rate": 0.025, "buyback_rollover_share": 0.3},
}
#: Field values a portfolio's projects take where they give none, edited on the Inputs sheet.
FIELD_EDITS = {
    "fields.transport_logistics.additionality": 0.9,
    "fields.green_low_carbon.infrastructure_share": 0.2,
    "fields.green_low_carbon.phasing_profile": "uniform",
    "fields.transport_logistics.shortfall_infrastructure": True,
}
FIELD_EDIT_OVERRIDES = {
    "fields": {
        "transport_logistics": {"additionality": 0.9, "shortfall_infrastructure": True},
        "green_low_carbon": {"infrastructure_share": 0.2, "phasing_profile": "uniform"},
    }
}
#: Patched straight into the sheet XML so that every cached value is stale.
STALE_EDITS = {"fields.digital_economy.capital_ratio": 0.25, "fields.transport_logistics.construction_years": 6}
STALE_OVERRIDES = {
    "fields": {"digital_economy": {"capital_ratio": 0.25}, "transport_logistics": {"construction_years": 6}}
}


def _patch_inputs_xml(book, out, edits):
    """Change input values inside the file without touching any cached formula value."""
    cells = read_workbook_inputs(book).cells
    with zipfile.ZipFile(book) as z:
        files = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet2.xml"  # Inputs is the second sheet
    xml = files[name].decode()
    for path, value in edits.items():
        coord = cells[path].split("!")[1]
        xml, n = re.subn(rf'(<c r="{coord}"[^>]*>)<v>[^<]*</v>', rf"\g<1><v>{value}</v>", xml)
        assert n == 1, (path, coord)
    files[name] = xml.encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in files.items():
            z.writestr(n, data)
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """Every case exported, edited and recalculated in one LibreOffice run."""
    src = tmp_path_factory.mktemp("books")
    base = Scenario(name="baseline").run()
    reported = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml").run()
    cap50 = load_scenario(SCENARIO_DIR / "cap_50pct.yaml").run()
    edited = Scenario(name="edited", overrides=EDITED_OVERRIDES).run()
    stale = Scenario(name="baseline", overrides=STALE_OVERRIDES).run()
    cases = {}
    cases["baseline"] = (export_workbook(base, src / "baseline.xlsx"), build_workbook(base)[1], base)
    cases["compare"] = (
        export_workbook([reported, base, cap50], src / "compare.xlsx", lang="zh", unit="yi"),
        build_workbook([reported, base, cap50], lang="zh", unit="yi")[1],
        reported,
    )
    # Edited with openpyxl (as in Excel) in 亿元: money edits are typed in the workbook's unit.
    yi_book = export_workbook(base, src / "to_edit.xlsx", unit="yi")
    cells = read_workbook_inputs(yi_book).cells
    wb = load_workbook(yi_book)
    for path, value in EDITS.items():
        sheet, coord = cells[path].split("!")
        money = path.startswith("allocation_bn") or path.endswith("_bn")
        wb[sheet][coord] = value * 10 if money else value
    wb.save(src / "edited.xlsx")
    cases["edited"] = (src / "edited.xlsx", build_workbook(edited, unit="yi")[1], edited)
    cases["stale"] = (
        _patch_inputs_xml(cases["baseline"][0], src / "stale.xlsx", STALE_EDITS),
        build_workbook(stale)[1],
        stale,
    )
    # As the dashboard runs it: an allocation edited outside the parameters (CDB over its quota).
    allocation = default_parameters().allocation_matrix.copy()
    allocation[0, 0] += 10
    dashboard = run(default_parameters(), allocation_bn=allocation, scenario_name="dashboard")
    cases["dashboard"] = (
        export_workbook(dashboard, src / "fundmodel_dashboard.xlsx"),
        build_workbook(dashboard)[1],
        dashboard,
    )
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    params = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml").parameters()
    portfolio = run_portfolio(read_portfolio(SCENARIO_DIR.parent / "first_batch_examples.csv", params=params), params)
    cases["portfolio"] = (
        export_workbook(portfolio, src / "portfolio.xlsx", lang="zh", unit="yi"),
        build_workbook(portfolio, lang="zh", unit="yi")[1],
        portfolio,
    )
    # The field's value edited on the Inputs sheet reaches the projects that gave none of their
    # own (the first-batch projects leave additionality, infrastructure share and phasing empty).
    to_edit = export_workbook(portfolio, src / "portfolio_to_edit.xlsx")
    cells = read_workbook_inputs(to_edit).cells
    wb = load_workbook(to_edit)
    for path, value in FIELD_EDITS.items():
        sheet, coord = cells[path].split("!")
        wb[sheet][coord] = value
    wb.save(src / "portfolio_field_edit.xlsx")
    edited_params = params.with_overrides(FIELD_EDIT_OVERRIDES)
    moved = run_portfolio(
        read_portfolio(SCENARIO_DIR.parent / "first_batch_examples.csv", params=edited_params), edited_params
    )
    cases["portfolio_field_edit"] = (src / "portfolio_field_edit.xlsx", build_workbook(moved)[1], moved)
    outputs = recalculate([c[0] for c in cases.values()], tmp_path_factory.mktemp("recalculated"))
    return {
        key: (case, load_workbook(out, data_only=True)) for (key, case), out in zip(cases.items(), outputs, strict=True)
    }


@pytest.mark.parametrize(
    "case", ["baseline", "compare", "edited", "stale", "portfolio", "dashboard", "portfolio_field_edit"]
)
def test_every_formula_cell_matches_python(books, case):
    (book, expected, _), recalculated = books[case]
    formulas = {
        (ws.title, c.coordinate)
        for ws in load_workbook(book).worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=") and c.data_type == "f"
    }
    assert formulas == set(expected)  # nothing escapes the comparison
    bad = mismatches(recalculated, expected, rel=1e-9)
    assert not bad, f"{len(bad)} of {len(expected)} cells differ, e.g. {bad[:5]}"


@pytest.mark.parametrize(("case", "per_bn"), [("baseline", 1), ("edited", 10), ("stale", 1), ("dashboard", 1)])
def test_outputs_equal_the_result_tables(books, case, per_bn):
    (_, _, result), wb = books[case]
    p = result.parameters
    for i, fid in enumerate(p.field_ids):
        for key in [
            "fund_bn",
            "project_capital_bn",
            "other_capital_bn",
            "debt_bn",
            "total_investment_bn",
            "net_investment_bn",
        ]:
            got = wb["Fields"].cell(row=5 + i, column=FIELDS_COLUMN[key]).value
            assert got == pytest.approx(result.by_field.loc[fid, key] * per_bn, rel=1e-9), (fid, key)
        for key in ["multiplier", "net_multiplier"]:
            assert wb["Fields"].cell(row=5 + i, column=FIELDS_COLUMN[key]).value == pytest.approx(
                result.by_field.loc[fid, key], rel=1e-9
            )
    for j, bid in enumerate(p.bank_ids):
        for key in ["fund_bn", "total_investment_bn", "net_investment_bn"]:
            got = wb["Banks"].cell(row=5 + j, column=BANKS_COLUMN[key]).value
            assert got == pytest.approx(result.by_bank.loc[bid, key] * per_bn, rel=1e-9), (bid, key)
    total = 5 + len(p.field_ids)
    assert wb["Fields"].cell(row=total, column=FIELDS_COLUMN["total_investment_bn"]).value == pytest.approx(
        result.total_investment_bn * per_bn, rel=1e-9
    )
    assert wb["Fields"].cell(row=total, column=FIELDS_COLUMN["multiplier"]).value == pytest.approx(
        result.multiplier, rel=1e-9
    )
    _assert_macro_rows_equal_the_result(wb["Macro"], result, per_bn)
    assert wb["Checks"]["F3"].value is (not result.errors)


def _macro_rows(macro):
    """Row of each key in column A of a Macro sheet, and the column of each year and quarter."""
    rows = {macro.cell(row=r, column=1).value: r for r in range(1, macro.max_row + 1)}
    years, quarters = {}, {}
    for c in range(MACRO_Y0, macro.max_column + 1):
        year, quarter = macro.cell(row=4, column=c).value, macro.cell(row=rows["quarter"], column=c).value
        if isinstance(year, int | float):
            years[int(year)] = c
        if isinstance(quarter, str):
            quarters[quarter] = c
    return rows, years, quarters


def _assert_macro_rows_equal_the_result(macro, result, per_bn):
    """The Macro sheet, recalculated, gives the model's level and growth effects by year (zero in
    the sheet's years the model has no spending in), its money by year and by quarter."""
    rows, years, quarters = _macro_rows(macro)
    by_year = result.by_year
    for key, scale in [
        ("level_effect_pct", 1),
        ("growth_effect_pp", 1),
        ("investment_bn", per_bn),
        ("infrastructure_net_bn", per_bn),
        ("base_bn", per_bn),
        ("base_previous_year_bn", per_bn),
    ]:
        for year, want in by_year[key].items():
            got = macro.cell(row=rows[key], column=years[int(year)]).value
            assert got == pytest.approx(want * scale, rel=1e-9, abs=1e-12), (key, year)
    for key in ("level_effect_pct", "growth_effect_pp", "infrastructure_net_bn"):
        others = [macro.cell(row=rows[key], column=c).value for y, c in years.items() if y not in by_year.index]
        assert all(v == pytest.approx(0, abs=1e-12) for v in others), key
    for key in ("investment_bn", "infrastructure_net_bn"):
        for quarter, want in result.by_quarter[key].items():
            got = macro.cell(row=rows[f"{key}_by_quarter"], column=quarters[quarter]).value
            assert got == pytest.approx(want * per_bn, rel=1e-9, abs=1e-12), (key, quarter)
    peaks = {
        "peak_level_effect_pct": result.peak_level_effect_pct,
        "peak_growth_effect_pp": result.peak_growth_effect_pp,
        "lowest_growth_effect_pp": result.lowest_growth_effect_pp,
    }
    for key, want in peaks.items():
        assert macro.cell(row=rows[key], column=MACRO_Y0).value == pytest.approx(want, rel=1e-9), key


def test_macro_sheet_by_hand_after_recalculation(books):
    """The edited book (亿元): money paid in 2026Q1, transport 30% sunk over 6 S-curve years."""
    (_, _, result), wb = books["edited"]
    macro = wb["Macro"]
    rows, years, quarters = _macro_rows(macro)
    row = next(r for r in range(1, macro.max_row + 1) if macro.cell(row=r, column=1).value == "transport_logistics")
    invest = macro.cell(row=row, column=MACRO_COLUMN["total_investment_bn"]).value
    # new investment = (1 - 0.3) x total; spending starts at 2026.00 (start year 2025, paid in 2026Q1)
    assert macro.cell(row=row, column=MACRO_COLUMN["new_investment_bn"]).value == pytest.approx(0.7 * invest)
    assert macro.cell(row=row, column=MACRO_COLUMN["spending_start"]).value == pytest.approx(2026.0)
    # 6 S-curve years from 2026: nothing in 2025, C(1/6) = 3/36 - 2/216 = 1/12 - 1/108 in 2026
    assert macro.cell(row=row, column=years[2025]).value == 0
    assert macro.cell(row=row, column=years[2026]).value == pytest.approx(1 / 12 - 1 / 108, rel=1e-12)
    # Nothing lands before 2026Q1, so X_2025 = 0 and the 2026 growth effect is 100 X_2026 / B_2025,
    # B_2025 = 24,000 bn x (1 - 1.0%) = 23,760 bn = 237,600 亿元; level 2026 = 100 X_2026 / B_2026.
    x = {y: macro.cell(row=rows["infrastructure_net_bn"], column=years[y]).value for y in (2025, 2026, 2027)}
    b = {y: macro.cell(row=rows["base_bn"], column=years[y]).value for y in (2025, 2026, 2027)}
    assert x[2025] == 0 and macro.cell(row=rows["investment_bn_by_quarter"], column=quarters["2025Q4"]).value == 0
    assert b[2025] == pytest.approx(237_600)
    assert b[2026] == pytest.approx(237_600)  # no published growth for 2026: projected 0%
    growth, level = rows["growth_effect_pp"], rows["level_effect_pct"]
    assert macro.cell(row=growth, column=years[2026]).value == pytest.approx(100 * x[2026] / 237_600, rel=1e-12)
    assert macro.cell(row=level, column=years[2026]).value == pytest.approx(100 * x[2026] / 237_600, rel=1e-12)
    assert macro.cell(row=growth, column=years[2027]).value == pytest.approx(
        100 * (x[2027] - x[2026]) / 237_600, rel=1e-12
    )
    # the four quarters of 2026 add up to the year
    q2026 = sum(
        macro.cell(row=rows["infrastructure_net_bn_by_quarter"], column=quarters[f"2026Q{q}"]).value
        for q in (1, 2, 3, 4)
    )
    assert q2026 == pytest.approx(x[2026], rel=1e-12)
    assert result.growth_effect_pp[2026] == pytest.approx(100 * x[2026] / 237_600 / 1, rel=1e-9)


def _fiscal_rows(ws):
    rows = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    years = {
        int(ws.cell(row=rows["year"], column=c).value): c
        for c in range(3, ws.max_column + 1)
        if isinstance(ws.cell(row=rows["year"], column=c).value, int | float)
    }
    return rows, years


@pytest.mark.parametrize(
    ("case", "sheet", "per_bn"), [("baseline", "Fiscal", 1), ("edited", "Fiscal", 10), ("portfolio", "财政成本", 10)]
)
def test_fiscal_sheet_equals_the_model(books, case, sheet, per_bn):
    (_, _, result), wb = books[case]
    ws = wb[sheet]
    rows, years = _fiscal_rows(ws)
    f = result.fiscal
    for key in BY_YEAR_COLUMNS:
        for year, want in f["by_year"][key].items():
            assert ws.cell(row=rows[key], column=years[int(year)]).value == pytest.approx(
                want * per_bn, rel=1e-9, abs=1e-12
            ), (key, year)
        pv_col = max(years.values()) + 2
        if key == "balance_bn":  # a stock: no present value
            continue
        assert ws.cell(row=rows[key], column=pv_col).value == pytest.approx(
            fiscal_pv(f["by_year"][key].to_numpy(), f["summary"]["discount_rate"]) * per_bn, rel=1e-9, abs=1e-12
        )
    for key, want in f["debt_by_holder"].items():
        assert ws.cell(row=rows[key], column=3).value == pytest.approx(want * per_bn, rel=1e-9), key
    if result.mode == "portfolio":
        prov = {ws.cell(row=r, column=1).value: r for r in range(rows["special_bonds_in_capital_bn"], ws.max_row + 1)}
        for p, rec in f["debt_by_province"].iterrows():
            for j, key in enumerate(["lgfv_debt_bn", "state_firm_debt_bn", "private_firm_debt_bn", "debt_bn"]):
                assert ws.cell(row=prov[p], column=3 + j).value == pytest.approx(rec[key] * per_bn, rel=1e-9, abs=1e-12)


def test_fiscal_sheet_by_hand(books):
    # Baseline: 500 bn at 2% for 15 years from 2025 -> 10 bn a year; PV at 6% = 10 (1 - 1.06^-15) / 0.06
    (_, _, _), wb = books["baseline"]
    ws = wb["Fiscal"]
    rows, years = _fiscal_rows(ws)
    assert ws.cell(row=rows["funding_cost_bn"], column=years[2025]).value == pytest.approx(10.0)
    assert ws.cell(row=rows["buyback_bn"], column=years[2039]).value == pytest.approx(500.0)
    assert ws.cell(row=rows["funding_cost_bn"], column=max(years.values()) + 2).value == pytest.approx(
        10 * (1 - 1.06**-15) / 0.06
    )
    # Edited (亿元): 30% rolled over at 2.5% funding - 2041-2055 balance 0.3 x 5,050 = 1,515 亿元 (the
    # allocation sums to 505 bn), rolled-over buy-back at the end of 2055; funding 2026 = 5,050 x 2.5%
    (_, _, _), wb = books["edited"]
    ws = wb["Fiscal"]
    rows, years = _fiscal_rows(ws)
    assert ws.cell(row=rows["funding_cost_bn"], column=years[2026]).value == pytest.approx(5050 * 0.025)
    assert ws.cell(row=rows["buyback_bn"], column=years[2040]).value == pytest.approx(0.7 * 5050)
    assert ws.cell(row=rows["balance_bn"], column=years[2041]).value == pytest.approx(0.3 * 5050)
    assert ws.cell(row=rows["buyback_bn"], column=years[2055]).value == pytest.approx(0.3 * 5050)


def test_hand_computed_cells_after_recalculation(books):
    (_, _, _), wb = books["edited"]
    cells = wb["Cells"]
    # digital economy x cdb after the edit: F = 35 bn = 350 亿元, s = 0.4, k = 0.25
    # -> K = 350 / 0.4 = 875, I = 875 / 0.25 = 3,500, D = 2,625, net = 0.6 x 3,500 = 2,100 (亿元)
    assert cells.cell(row=5, column=CELLS_COLUMN["fund_bn"]).value == pytest.approx(350)
    assert cells.cell(row=5, column=CELLS_COLUMN["project_capital_bn"]).value == pytest.approx(875)
    assert cells.cell(row=5, column=CELLS_COLUMN["total_investment_bn"]).value == pytest.approx(3500)
    assert cells.cell(row=5, column=CELLS_COLUMN["debt_bn"]).value == pytest.approx(2625)
    assert cells.cell(row=5, column=CELLS_COLUMN["net_investment_bn"]).value == pytest.approx(2100)
    assert cells.cell(row=5, column=CELLS_COLUMN["multiplier"]).value == pytest.approx(10)  # 1 / (0.4 x 0.25)
    # agriculture now starts 2026 (and the money comes in 2026Q1): nothing of it lands in 2025
    macro = wb["Macro"]
    row = next(r for r in range(1, macro.max_row + 1) if macro.cell(row=r, column=1).value == "agriculture_rural")
    year_col = next(c for c in range(MACRO_Y0, 60) if macro.cell(row=4, column=c).value == 2025)
    assert macro.cell(row=row, column=year_col).value == 0


def test_libreoffice_recalculated_stale_cached_values(books):
    """The stale book still carries the baseline's cached values; LibreOffice's results follow the
    edited inputs instead, so it really recalculated."""
    (book, _, stale_result), wb = books["stale"]
    cached = load_workbook(book, data_only=True)
    total = 5 + len(default_parameters().field_ids)
    col = FIELDS_COLUMN["total_investment_bn"]
    baseline_total = Scenario(name="b").run().total_investment_bn  # 5,992.06 bn
    assert cached["Fields"].cell(row=total, column=col).value == pytest.approx(baseline_total, rel=1e-12)  # stale
    # digital economy at k = 0.25: I = 45 / (0.4 x 0.25) = 450 instead of 562.5 -> total falls by 112.5
    assert wb["Fields"].cell(row=total, column=col).value == pytest.approx(stale_result.total_investment_bn, rel=1e-9)
    assert stale_result.total_investment_bn == pytest.approx(
        cached["Fields"].cell(row=total, column=col).value - 112.5, rel=1e-12
    )


def test_round_trip_of_the_edited_book_matches_python(books):
    (book, _, edited_result), _ = books["edited"]
    scenario = read_workbook_scenario(book)
    assert scenario.overrides == EDITED_OVERRIDES
    got = scenario.run()
    assert got.totals == pytest.approx(edited_result.totals, rel=1e-12)
    np.testing.assert_allclose(got.by_year["growth_effect_pp"], edited_result.by_year["growth_effect_pp"], rtol=1e-12)


def test_scenario_comparison_sheet_is_live(books):
    (_, _, reported), wb = books["compare"]
    ws = wb["情景比较"]
    # total investment (亿元): reported 70,800 vs baseline 59,918; difference column
    assert ws["B6"].value == pytest.approx(reported.total_investment_bn * 10, rel=1e-9)
    assert ws["C6"].value == pytest.approx(Scenario(name="b").run().total_investment_bn * 10, rel=1e-9)
    assert ws["E6"].value == pytest.approx(ws["C6"].value - ws["B6"].value, rel=1e-9)


def test_portfolio_outputs_equal_the_result_tables(books):
    from fundmodel.outputs.excel.portfolio_sheets import PORTFOLIO_FIELDS_COLUMN, PROJECTS_COLUMN

    (_, _, result), wb = books["portfolio"]
    projects = result.projects
    ws = wb["项目"]
    for i, (_, row) in enumerate(projects.iterrows()):
        for key in ["fund_bn", "total_investment_bn", "net_investment_bn", "attributed_investment_bn", "debt_bn"]:
            assert ws.cell(row=5 + i, column=PROJECTS_COLUMN[key]).value == pytest.approx(row[key] * 10, rel=1e-9), key
        assert ws.cell(row=5 + i, column=PROJECTS_COLUMN["multiplier"]).value == pytest.approx(
            row["multiplier"], rel=1e-9
        )
    fields = wb["领域"]
    for i, fid in enumerate(result.parameters.field_ids):
        want = result.by_field.loc[fid]
        assert fields.cell(row=5 + i, column=PORTFOLIO_FIELDS_COLUMN["total_investment_bn"]).value == pytest.approx(
            want["total_investment_bn"] * 10, rel=1e-9, abs=1e-12
        )
        assert fields.cell(row=5 + i, column=PORTFOLIO_FIELDS_COLUMN["n_projects"]).value == want["n_projects"]
        got_m = fields.cell(row=5 + i, column=PORTFOLIO_FIELDS_COLUMN["multiplier"]).value
        assert got_m == "#N/A" if want["fund_bn"] == 0 else got_m == pytest.approx(want["multiplier"], rel=1e-9)
    total = 5 + len(result.parameters.field_ids)
    assert fields.cell(row=total, column=PORTFOLIO_FIELDS_COLUMN["multiplier"]).value == pytest.approx(
        result.multiplier, rel=1e-9
    )
    _assert_macro_rows_equal_the_result(wb["宏观"], result, 10)
    assert wb["校验"]["F3"].value is (not result.errors)


def test_failing_rules_fail_in_the_workbook_too(books):
    (_, _, result), wb = books["edited"]
    failing = {(c.code, c.subject) for c in result.errors}
    assert failing == {
        ("capital_ratio_minimum", "low_altitude_economy"),
        ("bank_quota", "adbc"),
        ("allocation_total", "total"),
    }
    checks = wb["Checks"]
    seen = {}
    for r in range(6, checks.max_row + 1):
        code, subject = checks.cell(row=r, column=1).value, checks.cell(row=r, column=2).value
        if code:
            seen[(code, subject)] = checks.cell(row=r, column=6).value
    assert {k for k, ok in seen.items() if ok is False} == failing
    assert checks["F3"].value is False
    assert wb["Cover"]["B9"].value is False


def test_a_field_value_edited_in_the_workbook_reaches_the_projects_that_use_it(books):
    (_, _, moved), wb = books["portfolio_field_edit"]
    (_, _, before), _ = books["portfolio"]
    # FB-01 (transport) gives no additionality: at the field's 0.9 its net investment is 0.9 x 18.58 bn
    projects = wb["Projects"]
    from fundmodel.outputs.excel.portfolio_sheets import PROJECTS_COLUMN

    row = 5 + list(moved.projects["project_id"]).index("FB-01")
    assert projects.cell(row=row, column=PROJECTS_COLUMN["net_investment_bn"]).value == pytest.approx(
        0.9 * 18.58, rel=1e-9
    )
    assert moved.net_investment_bn != pytest.approx(before.net_investment_bn)


#: Rows a landscape A4 page holds at least, at 100%: 210 mm less the default margins
#: (2 x 0.75 in) and header / footer (2 x 0.3 in) leaves about 157 mm = 445 pt, i.e. 29 rows of
#: the default 15 pt; a few wrapped header rows take two or three rows' height, so 25. Fitting
#: the columns to the page width only shrinks the rows, so a page holds at least this many.
ROWS_PER_PAGE = 25
#: A4 in PDF points (210 x 297 mm).
A4_PT = (595.3, 841.9)


def test_every_sheet_prints_on_a4_fitted_to_the_page_width(tmp_path):
    """The Chinese workbooks (top-down, and a portfolio of the first-batch projects), printed by
    LibreOffice sheet by sheet: every page A4; the Cover on one page; every other sheet on at
    most ceil(rows / ROWS_PER_PAGE) pages. A sheet whose columns spilled onto a second page
    across would print at least twice the pages its rows need, so for the sheets of up to 25
    rows (Cells, Banks, Allocation, Checks, Project inputs, ...) the bound is one page."""
    import math

    from _libreoffice import only_sheet, pdf_pages, to_pdf

    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    portfolio = run_portfolio(read_portfolio(SCENARIO_DIR.parent / "first_batch_examples.csv"))
    books = {
        "top-down": export_workbook(run(), tmp_path / "topdown.xlsx", lang="zh", unit="yi"),
        "portfolio": export_workbook(portfolio, tmp_path / "portfolio.xlsx", lang="zh", unit="yi"),
    }
    singles, expected = [], []
    for key, book in books.items():
        wb = load_workbook(book, read_only=True)
        for i, ws in enumerate(wb.worksheets):
            singles.append(only_sheet(book, i, tmp_path / f"{key}-{i}.xlsx"))
            expected.append((key, ws.title, i == 0, ws.max_row))
        wb.close()
    pdfs = to_pdf(singles, tmp_path / "pdf")
    seen = {}
    for (key, title, cover, rows), pdf in zip(expected, pdfs, strict=True):
        pages = pdf_pages(pdf)
        seen[(key, title)] = pages
        sizes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
        assert sizes, (key, title)
        for w, h in sizes:
            assert sorted((float(w), float(h))) == pytest.approx(A4_PT, abs=1), (key, title, w, h)
        bound = 1 if cover else math.ceil(rows / ROWS_PER_PAGE)
        assert 1 <= pages <= bound, f"{key} {title}: {pages} pages for {rows} rows (at most {bound})"
    assert seen[("top-down", "封面")] == 1 and seen[("portfolio", "封面")] == 1
    print(seen)


def _fiscal_years(wb, fiscal: str) -> dict[str, object]:
    """The Fiscal sheet's years check: column A key -> column C value."""
    ws = wb[fiscal]
    keys = ("fiscal_years_needed", "fiscal_years_spanned", "fiscal_years_check")
    return {r[0]: r[2] for r in ws.iter_rows(min_row=1, max_row=20, max_col=3, values_only=True) if r[0] in keys}


def test_a_fund_term_longer_than_the_fiscal_sheet_fails_its_check_after_recalculation(tmp_path):
    """The Fiscal sheet spans twice the longest term at export (2 x 15 = 30 years by default).
    Typed into the book afterwards: a 31-year term (30 + 1 > 30), or a 16-year term with a share
    of buy-backs rolled over (2 x 16 = 32 > 30), fails the check there, on the Checks sheet and
    in the master check; a 20-year term without rollover (20 <= 30) still fits. In a portfolio,
    one project's own term of 31 years does the same (the other projects use the default 15)."""
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.core.cashflow import cashflow_defaults
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.outputs.excel.layout import xl_label
    from fundmodel.outputs.excel.portfolio_sheets import FIRST_ROW, PROJECT_INPUTS_COLUMN

    assert cashflow_defaults()["fund_term_years"] == 15
    src = tmp_path / "src"
    src.mkdir()
    bundled = export_workbook(run(), src / "bundled.xlsx")

    def typed(name: str, edits: dict[str, float]) -> object:
        wb = load_workbook(bundled)
        inputs = wb["Inputs"]
        rows = {r[0].value: r[0].row for r in inputs.iter_rows(min_col=2, max_col=2) if r[0].value}
        for key, value in edits.items():
            inputs.cell(row=rows[key], column=3, value=value)
        wb.save(src / name)
        return src / name

    books = {
        "bundled": bundled,
        "term_31": typed("term_31.xlsx", {"cashflow.fund_term_years": 31}),
        "term_16_rolled": typed(
            "term_16_rolled.xlsx", {"cashflow.fund_term_years": 16, "instrument.buyback_rollover_share": 0.3}
        ),
        "term_20": typed("term_20.xlsx", {"cashflow.fund_term_years": 20}),
    }
    params = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml").parameters()
    portfolio = run_portfolio(read_portfolio(SCENARIO_DIR.parent / "first_batch_examples.csv", params=params), params)
    zh = export_workbook(portfolio, src / "portfolio.xlsx", lang="zh", unit="yi")
    wb = load_workbook(zh)
    wb["项目输入"].cell(row=FIRST_ROW, column=PROJECT_INPUTS_COLUMN["fund_term_years"], value=31)
    wb.save(src / "portfolio_term_31.xlsx")
    books["portfolio"] = zh
    books["portfolio_term_31"] = src / "portfolio_term_31.xlsx"
    out = recalculate(list(books.values()), tmp_path / "recalculated")
    got = {key: load_workbook(path, data_only=True) for key, path in zip(books, out, strict=True)}

    expected = {  # (years needed, years spanned, passes)
        "bundled": (15, 30, True),
        "term_31": (31, 30, False),
        "term_16_rolled": (32, 30, False),
        "term_20": (20, 30, True),
        "portfolio": (15, 30, True),
        "portfolio_term_31": (31, 30, False),
    }
    others_pass = {key: True for key in expected} | {
        k: not portfolio.errors for k in ("portfolio", "portfolio_term_31")
    }
    for key, (needed, spanned, passes) in expected.items():
        wb = got[key]
        lang = "en" if "Fiscal" in wb.sheetnames else "zh"
        fiscal, checks, cover = (xl_label(k, lang) for k in ("fiscal", "checks", "cover"))
        assert _fiscal_years(wb, fiscal) == {
            "fiscal_years_needed": needed,
            "fiscal_years_spanned": spanned,
            "fiscal_years_check": passes,
        }, key
        row = next(r for r in wb[checks].iter_rows(min_row=6, values_only=True) if r[0] == "fiscal_years_within_sheet")
        assert row[2:6] == (xl_label("chk_fiscal_years", lang), needed, spanned, passes), key
        master = passes and others_pass[key]
        assert wb[checks]["F3"].value is master, key
        label = xl_label("master_check", lang)
        assert next(r[1] for r in wb[cover].iter_rows(max_col=2, values_only=True) if r[0] == label) is master, key
