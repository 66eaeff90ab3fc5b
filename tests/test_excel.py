"""The Excel workbook without a spreadsheet engine: layout rules, safety, round trip, CLI.

(Recalculation by LibreOffice is in test_excel_libreoffice.py.)
"""

import datetime as dt
import io
import re
import zipfile

import numpy as np
import pytest
from openpyxl import load_workbook
from openpyxl.formula.translate import Translator

from fundmodel import default_parameters, run
from fundmodel.cli import main
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.scenario import Scenario, load_scenario
from fundmodel.outputs.excel import (
    WorkbookError,
    export_workbook,
    read_workbook_inputs,
    read_workbook_scenario,
    workbook_bytes,
)
from fundmodel.outputs.excel.topdown_sheets import CELLS_COLUMN, FIELDS_COLUMN, MACRO_FIRST_PHASING_ROW, MACRO_Y0
from fundmodel.outputs.excel.workbook import build_workbook
from fundmodel.outputs.excel.writer import MAX_SHEET_NAME, is_formula_like, safe_sheet_name

CALC_SHEETS = ["Cells", "Allocation", "Fields", "Banks", "Macro", "Fiscal", "Checks"]


@pytest.fixture(scope="module")
def baseline_result():
    return run()


@pytest.fixture(scope="module")
def baseline_book(tmp_path_factory, baseline_result):
    return export_workbook(baseline_result, tmp_path_factory.mktemp("xl") / "baseline.xlsx")


def edit_inputs(book, tmp_path, edits, name="edited.xlsx"):
    """Edit input cells (by parameter path) with openpyxl, as a user would in Excel."""
    cells = read_workbook_inputs(book).cells
    wb = load_workbook(book)
    for path, value in edits.items():
        sheet, coord = cells[path].split("!")
        wb[sheet][coord] = value
    out = tmp_path / name
    wb.save(out)
    return out


# ------------------------------------------------------------------ sheet names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Q3/Q4: [draft]*?", "Q3_Q4_ _draft___"),
        ("a\\b", "a_b"),
        ("'quoted'", "quoted"),
        ("", "Sheet"),
        ("x" * 40, "x" * 31),
        ("情景比较", "情景比较"),
    ],
)
def test_safe_sheet_name_removes_forbidden_characters_and_truncates(name, expected):
    assert safe_sheet_name(name) == expected


def test_safe_sheet_name_is_unique_and_short():
    taken = ["Inputs", "x" * 31]
    assert safe_sheet_name("inputs", taken) == "inputs~2"  # Excel compares names case-insensitively
    long = safe_sheet_name("x" * 40, taken)
    assert long == "x" * 29 + "~2" and len(long) == MAX_SHEET_NAME


def test_sheet_names_in_workbook_are_valid(baseline_result, tmp_path):
    named = Scenario(name="Q3/Q4: [draft]*?").run()
    wb, _ = build_workbook([baseline_result, named], lang="zh")
    for title in wb.sheetnames:
        assert len(title) <= 31 and not set(title) & set("[]:*?/\\"), title
    assert len(set(map(str.lower, wb.sheetnames))) == len(wb.sheetnames)


# ------------------------------------------------------------------ injection

DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tHYPERLINK(x)", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_is_formula_like(text):
    assert is_formula_like(text)
    assert not is_formula_like("Baseline " + text)


@pytest.mark.parametrize("text", DANGEROUS)
def test_user_text_is_never_a_formula(tmp_path, text):
    result = Scenario(name=text).run()
    book = export_workbook(result, tmp_path / "inj.xlsx")
    wb = load_workbook(book)
    for sheet, coord in [("Cover", "B3"), ("Inputs", "C5")]:
        cell = wb[sheet][coord]
        assert cell.data_type == "s", (sheet, coord, cell.data_type)
        assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return back as a line feed
        assert cell.quotePrefix
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                formulas = re.findall(r"<f>(.*?)</f>", z.read(name).decode())
                assert not any("1+2" in f or "HYPERLINK" in f or "cmd" in f for f in formulas)
    # It reads back as the same name, not as a formula's result.
    assert read_workbook_scenario(book).name == text.strip()


# ------------------------------------------------------------------ layout rules


def test_inputs_only_on_inputs_sheet_and_all_derived_numbers_are_formulas(baseline_book):
    wb = load_workbook(baseline_book)
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    assert not any(
        isinstance(c.value, str) and c.value.startswith("=") for row in wb["Inputs"].iter_rows() for c in row
    )
    for title in CALC_SHEETS:
        ws = wb[title]
        for row in ws.iter_rows(min_row=3):
            for c in row:
                # A number on a calculation sheet is always a formula (years and labels are text or formulas).
                assert not (isinstance(c.value, int | float) and not isinstance(c.value, bool)), (title, c.coordinate)


def test_formulas_contain_no_assumption_constants(baseline_book):
    """Only structural numbers appear in formulas: 0, 1, 2, 3 (S-curve, months to quarters),
    4 (quarters a year), 100 (pp) and MATCH's 0."""
    wb = load_workbook(baseline_book)
    allowed = {"0", "1", "2", "3", "4", "100"}
    for title in CALC_SHEETS:
        for row in wb[title].iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    # numbers not part of a cell reference
                    body = re.sub(r"'[^']*'!", "", c.value)
                    body = re.sub(r"\$?[A-Z]{1,3}\$?\d+", "", body)
                    numbers = set(re.findall(r"(?<![A-Za-z_])\d+(?:\.\d+)?", body))
                    assert numbers <= allowed, (title, c.coordinate, c.value)


def test_same_formula_down_each_column_and_along_each_macro_row(baseline_book):
    wb = load_workbook(baseline_book)

    def same(ws, origin, target):
        return Translator(ws[origin].value, origin=origin).translate_formula(target) == ws[target].value

    ws = wb["Cells"]
    n_cells = len(default_parameters().field_ids) * len(default_parameters().bank_ids)
    for col in range(CELLS_COLUMN["fund_bn"], CELLS_COLUMN["fund_share_cap"] + 1):
        letter = ws.cell(row=5, column=col).column_letter
        for r in range(6, 5 + n_cells):
            assert same(ws, f"{letter}5", f"{letter}{r}"), (letter, r)
    ws = wb["Fields"]
    for col in range(FIELDS_COLUMN["fund_bn"], FIELDS_COLUMN["private_fund"] + 1):
        letter = ws.cell(row=5, column=col).column_letter
        for r in range(6, 13):
            assert same(ws, f"{letter}5", f"{letter}{r}"), (letter, r)
    ws = wb["Macro"]
    for r in range(6, ws.max_row + 1):
        first = ws.cell(row=r, column=MACRO_Y0 + 1)
        if isinstance(first.value, str) and first.value.startswith("="):
            for col in range(MACRO_Y0 + 2, MACRO_Y0 + 11):
                target = ws.cell(row=r, column=col).coordinate
                assert same(ws, first.coordinate, target), (r, target)


def test_cached_values_full_calc_on_load_and_print_setup(baseline_book, baseline_result):
    wb = load_workbook(baseline_book)
    assert wb.calculation.fullCalcOnLoad
    ws = wb["Fields"]
    assert ws.freeze_panes == "C5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert len(ws._charts) == 1 and len(wb["Macro"]._charts) == 1
    with zipfile.ZipFile(baseline_book) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            assert "<v />" not in z.read(name).decode(), name  # every formula has its cached value
    cached = load_workbook(baseline_book, data_only=True)
    total_row = 5 + len(baseline_result.by_field)
    assert cached["Fields"].cell(row=total_row, column=FIELDS_COLUMN["total_investment_bn"]).value == pytest.approx(
        baseline_result.total_investment_bn, rel=1e-12
    )
    assert cached["Checks"]["F3"].value is True


def test_unit_yi_multiplies_money_by_ten_and_keeps_shares(baseline_result):
    _, bn = build_workbook(baseline_result, unit="bn")
    _, yi = build_workbook(baseline_result, unit="yi")
    # digital economy x cdb: F = 30 bn = 300 亿元; I = 30 / (0.4 x 0.2) = 375 bn = 3,750 亿元
    assert bn[("Cells", "E5")] == pytest.approx(30) and yi[("Cells", "E5")] == pytest.approx(300)
    assert bn[("Cells", "I5")] == pytest.approx(375) and yi[("Cells", "I5")] == pytest.approx(3750)
    assert bn[("Cells", "M5")] == yi[("Cells", "M5")] == pytest.approx(0.4)  # s of the cell


def test_zh_labels(baseline_result):
    wb, _ = build_workbook(baseline_result, lang="zh")
    assert wb.sheetnames[:3] == ["封面", "输入", "领域银行明细"]
    assert wb["领域"]["C4"].value == "政策性金融工具"


def test_workbook_bytes_is_an_xlsx(baseline_result):
    data = workbook_bytes(baseline_result, lang="zh", unit="yi")
    assert data[:2] == b"PK"
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        assert "xl/workbook.xml" in z.namelist()


# ------------------------------------------------------------------ round trip

EDITS = {
    "fields.digital_economy.capital_ratio": 0.25,
    "fields.transport_logistics.construction_years": 5,
    "fields.green_low_carbon.phasing_profile": "uniform",
    "allocation_bn.digital_economy.cdb": 35,
    "allocation_bn.transport_logistics.cdb": 65,
    "macro.growth_pct.2025": -1.0,
}
EDITED_OVERRIDES = {
    "fields": {
        "digital_economy": {"capital_ratio": 0.25},
        "transport_logistics": {"construction_years": 5},
        "green_low_carbon": {"phasing_profile": "uniform"},
    },
    "allocation_bn": {"digital_economy": {"cdb": 35}, "transport_logistics": {"cdb": 65}},
    "macro": {"growth_pct": {2025: -1.0}},
}


def test_round_trip_export_edit_import_equals_python_run(baseline_book, tmp_path):
    edited = edit_inputs(baseline_book, tmp_path, EDITS)
    scenario = read_workbook_scenario(edited)
    assert scenario.overrides == EDITED_OVERRIDES
    got = scenario.run()
    want = Scenario(name="x", overrides=EDITED_OVERRIDES).run()
    assert got.totals == pytest.approx(want.totals, rel=1e-12)
    np.testing.assert_allclose(got.by_year["growth_effect_pp"], want.by_year["growth_effect_pp"], rtol=1e-12)
    # digital economy: F = 35 + 15 = 50 bn at s = 0.4, k = 0.25 -> I = 50 / 0.1 = 500 bn
    assert got.by_field.loc["digital_economy", "total_investment_bn"] == pytest.approx(500)


def test_round_trip_in_yi_converts_back_to_bn(tmp_path):
    reported = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml")
    book = export_workbook(reported.run(), tmp_path / "r.xlsx", lang="zh", unit="yi")
    edited = edit_inputs(
        book,
        tmp_path,
        {
            "allocation_bn.agriculture_rural.adbc": 800,  # 80 bn
            "allocation_bn.municipal_parks.adbc": 250,
        },
    )  # 25 bn
    scenario = read_workbook_scenario(edited)
    assert scenario.overrides == {
        "banks": {
            "cdb": {"fund_share_scale": 0.7898},
            "adbc": {"fund_share_scale": 0.8913},
            "exim": {"fund_share_scale": 0.947},
        },
        "allocation_bn": {"agriculture_rural": {"adbc": 80}, "municipal_parks": {"adbc": 25}},
    }


@pytest.mark.parametrize(
    ("path", "value", "rule"),
    [
        ("fields.digital_economy.capital_ratio", "abc", "must be a number"),
        ("fields.digital_economy.capital_ratio", 1.5, "less than or equal to 1"),
        ("fields.digital_economy.capital_ratio", "=0.2*1", "not a formula"),
        ("fields.digital_economy.capital_ratio", None, "is empty"),
        ("fields.digital_economy.key_area", 1, "TRUE or FALSE"),
        ("fields.digital_economy.start_year", 2025.5, "whole number"),
        ("fields.digital_economy.phasing_profile", "linear", "s_curve"),
        ("fields.digital_economy.sector", "mining", "unknown sector"),
        ("allocation_bn.digital_economy.cdb", -5, "greater than or equal to 0"),
        ("macro.disbursement_date", "next October", "must be a date"),
        ("macro.disbursement_date", dt.datetime(2025, 10, 31, 9, 30), "without a time of day"),
        ("fields.digital_economy.sunk_share", 1.2, "less than or equal to 1"),
    ],
)
def test_import_errors_name_book_sheet_cell_and_rule(baseline_book, tmp_path, path, value, rule):
    cell = read_workbook_inputs(baseline_book).cells[path]
    edited = edit_inputs(baseline_book, tmp_path, {path: value})
    with pytest.raises(WorkbookError) as err:
        read_workbook_scenario(edited)
    message = str(err.value)
    assert "edited.xlsx" in message and cell in message and rule in message, message


def test_import_refuses_moved_rows(baseline_book, tmp_path):
    wb = load_workbook(baseline_book)
    cell = read_workbook_inputs(baseline_book).cells["fields.digital_economy.capital_ratio"]
    row = int(re.sub(r"\D", "", cell.split("!")[1]))
    wb["Inputs"][f"B{row}"] = "artificial_intelligence"
    wb.save(tmp_path / "moved.xlsx")
    with pytest.raises(WorkbookError, match=rf"Inputs!B{row}: expected id 'digital_economy'"):
        read_workbook_inputs(tmp_path / "moved.xlsx")


def test_import_refuses_a_file_that_is_not_a_workbook(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    with pytest.raises(WorkbookError, match=r"bad\.xlsx: not a readable"):
        read_workbook_inputs(bad)


# ------------------------------------------------------------------ commands


def test_cli_export_and_import_excel(tmp_path, capsys):
    book = tmp_path / "cli.xlsx"
    scen = SCENARIO_DIR / "fit_reported_2025.yaml"
    assert (
        main(
            [
                "export",
                "--scenario",
                str(scen),
                "--scenario",
                str(SCENARIO_DIR / "cap_50pct.yaml"),
                "--out",
                str(book),
                "--lang",
                "zh",
                "--unit",
                "yi",
            ]
        )
        == 0
    )
    assert "已写入" in capsys.readouterr().out  # the line in the command's language
    assert "情景比较" in load_workbook(book, read_only=True).sheetnames
    out = tmp_path / "back.yaml"
    assert main(["import-excel", str(book), "--out", str(out)]) == 0
    back = load_scenario(out)
    assert back.overrides == load_scenario(scen).overrides
    assert main(["import-excel", str(book), "--sheet", "输入 2"]) == 0
    assert "cap_key_area: 0.5" in capsys.readouterr().out


def test_cli_import_error_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert main(["import-excel", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fundmodel: error: bad.xlsx") and "\n" not in err


@pytest.mark.parametrize("found", ["fundmodel-inputs-1", "fundmodel-inputs-99"])
def test_a_book_of_another_layout_is_refused_in_one_line_saying_what_to_do(baseline_book, tmp_path, capsys, found):
    from fundmodel.messages import render_error
    from fundmodel.outputs.excel.inputs_sheet import LAYOUT_VERSION

    wb = load_workbook(baseline_book)
    assert wb["Inputs"]["C3"].value == LAYOUT_VERSION
    wb["Inputs"]["C3"] = found
    old = tmp_path / "old.xlsx"
    wb.save(old)
    with pytest.raises(WorkbookError) as err:
        read_workbook_inputs(old)
    en, zh = render_error(err.value, "en"), render_error(err.value, "zh")
    assert en == (
        f"old.xlsx: Inputs!C3: the workbook's Inputs sheet has layout {found}, this version of fundmodel reads "
        f"layout {LAYOUT_VERSION}: export the workbook again with this version (fundmodel export, or the "
        "dashboard's Export page), make the edits there and import that book"
    )
    assert zh.startswith(f"old.xlsx: Inputs!C3：该工作簿的输入表版式为 {found}，") and "重新导出" in zh
    assert main(["import-excel", str(old)]) == 2
    out = capsys.readouterr().err.strip()
    assert out == f"fundmodel: error: {en}"


# ------------------------------------------------------------------ portfolio


def _portfolio_csv(tmp_path, names):
    """The bundled first-batch examples with some project names replaced."""
    import csv

    src = SCENARIO_DIR.parent / "first_batch_examples.csv"
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    for row, name in zip(rows, names, strict=False):
        row["project_name"] = name
    out = tmp_path / "pf.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out


def test_portfolio_project_names_are_text_not_formulas(tmp_path):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    names = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']
    portfolio = read_portfolio(_portfolio_csv(tmp_path, names))
    assert portfolio.ok, portfolio.report()
    book = export_workbook(run_portfolio(portfolio), tmp_path / "pf.xlsx")
    wb = load_workbook(book)
    ws = wb["Project inputs"]
    got = [ws.cell(row=5 + i, column=2) for i in range(len(names))]
    assert [c.value for c in got] == names
    assert all(c.data_type == "s" for c in got)
    assert ws.cell(row=5, column=2).quotePrefix  # the template row; later rows share its style
    # The Projects sheet refers to the name cell; the formula is a reference, never the text.
    assert wb["Projects"]["B6"].value == "='Project inputs'!B6"


def test_portfolio_workbook_sheets_rows_and_cached_values(tmp_path):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.outputs.excel.portfolio_sheets import PROJECTS_COLUMN

    result = run_portfolio(read_portfolio(SCENARIO_DIR.parent / "first_batch_examples.csv"))
    book = export_workbook(result, tmp_path / "pf.xlsx", unit="yi")
    wb = load_workbook(book)
    assert wb.sheetnames == [
        "Cover",
        "Inputs",
        "Project inputs",
        "Projects",
        "Allocation",
        "Fields",
        "Banks",
        "Macro",
        "Fiscal",
        "Checks",
    ]
    n = len(result.projects)
    assert wb["Projects"].max_row == 4 + n
    cached = load_workbook(book, data_only=True)
    # Wuxi-Yixing: I = 18.58 bn = 185.8 亿元; K = 0.40 x 185.8 = 74.32; F = 31.99; s = 31.99 / 74.32 = 0.43044
    ws = cached["Projects"]
    assert ws.cell(row=5, column=PROJECTS_COLUMN["total_investment_bn"]).value == pytest.approx(185.8)
    assert ws.cell(row=5, column=PROJECTS_COLUMN["project_capital_bn"]).value == pytest.approx(74.32)
    assert ws.cell(row=5, column=PROJECTS_COLUMN["fund_share_of_capital"]).value == pytest.approx(31.99 / 74.32)
    assert ws.cell(row=5, column=PROJECTS_COLUMN["multiplier"]).value == pytest.approx(185.8 / 31.99)
    for sheet in ("Projects", "Project inputs"):
        ws = wb[sheet]
        for col in range(1, ws.max_column + 1):
            first = ws.cell(row=5, column=col)
            for r in range(6, 5 + n):
                cell = ws.cell(row=r, column=col)
                if isinstance(first.value, str) and first.value.startswith("="):
                    want = Translator(first.value, origin=first.coordinate).translate_formula(cell.coordinate)
                    assert cell.value == want, (sheet, cell.coordinate)
                assert cell.style_id == first.style_id  # each row styled like the template row
    macro = wb["Macro"]
    for r in range(1, macro.max_row + 1):
        first = macro.cell(row=r, column=MACRO_Y0 + 1)
        if isinstance(first.value, str) and first.value.startswith("=") and macro.cell(row=r, column=1).value:
            for col in range(MACRO_Y0 + 2, MACRO_Y0 + 9):
                target = macro.cell(row=r, column=col)
                assert target.value == Translator(first.value, origin=first.coordinate).translate_formula(
                    target.coordinate
                ), (r, col)
    with zipfile.ZipFile(book) as z:
        assert all("<v />" not in z.read(name).decode() for name in z.namelist() if "worksheets/sheet" in name)


def test_cli_export_portfolio(tmp_path, capsys):
    book = tmp_path / "pf.xlsx"
    pf = SCENARIO_DIR.parent / "first_batch_examples.csv"
    assert main(["export", "--portfolio", str(pf), "--out", str(book), "--lang", "zh"]) == 0
    assert "项目" in load_workbook(book, read_only=True).sheetnames


def test_project_inputs_round_trip_and_errors(tmp_path, capsys):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.outputs.excel import read_workbook_portfolio
    from fundmodel.outputs.excel.portfolio_sheets import PROJECT_INPUTS_COLUMN

    names = ["=1+2", "@cmd"]
    src = _portfolio_csv(tmp_path, names)
    result = run_portfolio(read_portfolio(src))
    book = export_workbook(result, tmp_path / "pf.xlsx", unit="yi")
    wb = load_workbook(book)
    ws = wb["Project inputs"]
    # FB-02 (row 6): total investment 410 -> 500 亿元 (50 bn) with capital 20% of it (100 亿元)
    ws.cell(row=6, column=PROJECT_INPUTS_COLUMN["total_investment_bn"]).value = 500
    ws.cell(row=6, column=PROJECT_INPUTS_COLUMN["project_capital_bn"]).value = 100
    wb.save(tmp_path / "edited.xlsx")
    back = read_workbook_portfolio(tmp_path / "edited.xlsx")
    assert back.ok, back.report()
    assert back.frame["project_name"].tolist()[:2] == names
    got = run_portfolio(back)
    # FB-02: F = 3 bn, k = 0.2 -> K = 0.2 x 50 = 10 bn, I = 50 bn instead of 41 bn: total +9 bn
    assert got.total_investment_bn == pytest.approx(result.total_investment_bn + 9, rel=1e-12)

    out = tmp_path / "projects.xlsx"
    assert (
        main(
            [
                "import-excel",
                str(tmp_path / "edited.xlsx"),
                "--portfolio-out",
                str(out),
                "--out",
                str(tmp_path / "s.yaml"),
            ]
        )
        == 0
    )
    again = read_portfolio(out)
    assert again.ok and again.frame["project_name"].tolist()[:2] == names
    assert load_workbook(out)["portfolio"]["B2"].data_type == "s"  # still text, not a formula
    assert run_portfolio(again).total_investment_bn == pytest.approx(got.total_investment_bn, rel=1e-12)

    ws.cell(row=7, column=PROJECT_INPUTS_COLUMN["total_investment_bn"]).value = "abc"
    ws.cell(row=8, column=PROJECT_INPUTS_COLUMN["fund_requested_bn"]).value = "=2*3"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(WorkbookError, match=r"bad\.xlsx: Project inputs!K8: project inputs must be typed-in values"):
        read_workbook_portfolio(tmp_path / "bad.xlsx")
    ws.cell(row=8, column=PROJECT_INPUTS_COLUMN["fund_requested_bn"]).value = 1
    wb.save(tmp_path / "bad.xlsx")
    report = read_workbook_portfolio(tmp_path / "bad.xlsx").report()
    assert "row 7" in report and "not_a_number" in report and "Total investment" in report
    assert main(["import-excel", str(tmp_path / "bad.xlsx"), "--portfolio-out", str(out)]) == 1
    assert "not_a_number" in capsys.readouterr().err


def test_an_allocation_edited_outside_the_parameters_is_the_one_in_the_workbook(tmp_path):
    """The dashboard runs the model with an edited allocation (not in the parameters)."""
    params = default_parameters()
    allocation = params.allocation_matrix.copy()
    allocation[0, 0] += 10  # digital economy x CDB: 30 -> 40 bn (CDB 260 > quota 250)
    result = run(params, allocation_bn=allocation)
    book = export_workbook(result, tmp_path / "dash.xlsx")
    scenario = read_workbook_scenario(book)
    assert scenario.overrides == {"allocation_bn": {"digital_economy": {"cdb": 40}}}
    assert scenario.run().totals == pytest.approx(result.totals, rel=1e-12)
    cached = load_workbook(book, data_only=True)
    assert cached["Allocation"]["C5"].value == 40
    assert cached["Checks"]["F3"].value is False  # CDB over its quota, total over 500 bn


# ------------------------------------------------------------------ long tables (rows streamed at save)


def _first_batch(tmp_path, names=()):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    portfolio = read_portfolio(
        _portfolio_csv(tmp_path, names) if names else SCENARIO_DIR.parent / "first_batch_examples.csv"
    )
    assert portfolio.ok, portfolio.report()
    return run_portfolio(portfolio)


def test_long_tables_written_in_small_chunks_give_the_same_file(tmp_path, monkeypatch):
    """The 5 projects in chunks of 2 rows (rows 2-3, 4-5 below the template row) or all at once:
    every part of the file is the same, byte for byte (only the creation time may differ)."""
    import fundmodel.outputs.excel.writer as xl

    result = _first_batch(tmp_path)
    whole = workbook_bytes(result)
    monkeypatch.setattr(xl, "CHUNK_ROWS", 2)
    chunked = workbook_bytes(result)
    with zipfile.ZipFile(io.BytesIO(whole)) as a, zipfile.ZipFile(io.BytesIO(chunked)) as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert differ in ([], ["docProps/core.xml"])


def test_long_table_text_below_the_template_row_is_escaped_text(tmp_path):
    """Rows below the template row are written as XML text by fundmodel itself: markup is
    escaped, characters XML cannot hold are shown as U+FFFD (as on every sheet, never dropped),
    formula-like text stays text."""
    names = ["Plain", 'x\x01y & <z> "q"', "=1+2", "+SUM(A1)"]
    book = export_workbook(_first_batch(tmp_path, names), tmp_path / "pf.xlsx")
    wb = load_workbook(book)
    cached = load_workbook(book, data_only=True)
    inputs = wb["Project inputs"]
    assert inputs["B6"].value == 'x\ufffdy & <z> "q"' and inputs["B6"].data_type == "s"
    for r, name in [(7, "=1+2"), (8, "+SUM(A1)")]:
        assert inputs[f"B{r}"].value == name and inputs[f"B{r}"].data_type == "s"
        assert wb["Projects"][f"B{r}"].value == f"='Project inputs'!B{r}"  # a reference, not the text
        assert cached["Projects"][f"B{r}"].value == name  # its cached value: the text
    assert cached["Projects"]["B6"].value == 'x\ufffdy & <z> "q"'
    macro_first = MACRO_FIRST_PHASING_ROW  # 18: the template row of the Macro sheet's phasing rows
    assert cached["Macro"][f"B{macro_first + 1}"].value == 'x\ufffdy & <z> "q"'
    assert wb["Macro"][f"B{macro_first + 2}"].data_type == "s"


def test_cached_values_of_long_tables_are_looked_up_by_cell(tmp_path):
    """build_workbook's cache covers the rows below the template rows without storing them."""
    from openpyxl.utils import get_column_letter

    from fundmodel.outputs.excel.portfolio_sheets import PROJECTS_COLUMN

    result = _first_batch(tmp_path)
    _, cache = build_workbook(result, unit="yi")
    assert len(cache) == len(set(cache))
    # FB-02 (row 6): F = 3.0 bn = 30 亿元; I = 41 bn = 410 亿元; k = 0.2 -> K = 0.2 x 410 = 82 亿元; s = 30 / 82

    def at(key, row):
        return cache[("Projects", f"{get_column_letter(PROJECTS_COLUMN[key])}{row}")]

    assert at("fund_bn", 6) == pytest.approx(30)
    assert at("total_investment_bn", 6) == pytest.approx(410)
    assert at("fund_share_of_capital", 6) == pytest.approx(30 / 82)
    assert at("project_id", 6) == "FB-02"
    assert at("cap_ok", 6) is True
    for missing in [("Projects", "A4"), ("Projects", "A10"), ("Projects", "ZZ6"), ("Project inputs", "A6")]:
        with pytest.raises(KeyError):
            cache[missing]


def test_write_behind_raises_the_writers_error():
    from fundmodel.outputs.excel.writer import write_behind

    class Full:
        def write(self, chunk):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_behind(Full(), (b"x" for _ in range(10)))


def test_a_failed_export_leaves_the_previous_file(tmp_path, monkeypatch):
    import fundmodel.outputs.excel.writer as xl

    result = _first_batch(tmp_path)
    book = tmp_path / "pf.xlsx"
    book.write_bytes(b"previous")

    def broken(table, styles):
        yield b"<row"
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(xl, "render_rows", broken)
    with pytest.raises(RuntimeError, match="rendering failed"):
        export_workbook(result, book)
    assert book.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["pf.xlsx"]  # no partial file left behind


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.5, np.nan, -np.inf, 1e-300, 2.0, 0.1 + 0.2]),
        np.array([True, False]),
        np.array([2025, 2031]),
        ["FB-01", "a & <b>", "x\x01y", "=1+2"],
        [1.0, None, "t", True, 7],
    ],
)
def test_cached_values_column_by_column_are_written_as_cell_by_cell(values):
    """The long tables turn a column of cached values into XML at once; the cells written
    through openpyxl get theirs one by one (cached_xml): both must write the same text."""
    from fundmodel.outputs.excel.writer import cached_parts, cached_xml, plain_value

    types, texts = cached_parts(values)
    types = types if isinstance(types, list) else [types] * len(values)
    for v, t, x in zip(values, types, texts, strict=True):
        want = cached_xml(plain_value(v))
        assert (t, x) == (("", "") if want is None else (want[0].decode(), f"<v>{want[1].decode()}</v>")), v


@pytest.mark.parametrize("cleared", ["B3", "C3"])
def test_a_book_without_the_layout_cell_is_refused_in_the_readers_language(baseline_book, tmp_path, capsys, cleared):
    # a book exported before the layout was recorded has no "layout" in B3 (or no value in C3)
    from fundmodel.messages import render_error
    from tests.test_language import english_sentences

    wb = load_workbook(baseline_book)
    wb["Inputs"][cleared] = None
    old = tmp_path / "older.xlsx"
    wb.save(old)
    with pytest.raises(WorkbookError) as err:
        read_workbook_inputs(old)
    zh = render_error(err.value, "zh")
    assert zh.startswith("older.xlsx: Inputs!C3：") and "重新导出" in zh
    assert not english_sentences(zh, ["older.xlsx: Inputs!C3", "fundmodel export"]), zh
    assert main(["import-excel", str(old), "--lang", "zh"]) == 2
    assert capsys.readouterr().err.strip() == f"fundmodel：错误：{zh}"
    if cleared == "B3":  # no layout cell at all: an older book, or none of fundmodel's
        assert "旧版 fundmodel" in zh
        assert main(["import-excel", str(old)]) == 2
        assert "not a fundmodel inputs sheet of layout fundmodel-inputs-2" in capsys.readouterr().err


def test_a_cell_of_the_wrong_type_is_refused_in_chinese(baseline_book, tmp_path):
    from fundmodel.messages import render_error

    edited = edit_inputs(baseline_book, tmp_path, {"fields.digital_economy.capital_ratio": "abc"})
    with pytest.raises(WorkbookError) as err:
        read_workbook_inputs(edited)
    assert render_error(err.value, "zh").endswith("：fields.digital_economy.capital_ratio：必须是数字（实际为 'abc'）")
    assert str(err.value).endswith(": fields.digital_economy.capital_ratio: must be a number (got 'abc')")
