"""Hostile and damaged portfolio files, generated here (nothing large is committed): each is
refused or flagged by ``fundmodel validate`` in its own process within 10 s and 1 GB, with
one clear line (exit 2) or a report naming row and column (exit 1), and nothing silently
changed."""

from __future__ import annotations

import json
import os
import resource
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests._hostile import MAX_RSS_BYTES, MAX_SECONDS, run_fundmodel

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "project_id,project_name,field,bank,province,private,total_investment_bn,capital_ratio,fund_requested_bn,"
    "start_year,construction_years"
)
ROW = "P1,{name},transport_logistics,cdb,jiangsu,no,{investment},0.4,3.199,2025,4"


def _csv(path: Path, *rows: str, header: str = HEADER, newline: str = "\n", encoding: str = "utf-8") -> Path:
    path.write_bytes(newline.join([header, *rows, ""]).encode(encoding))
    return path


def _xlsx(path: Path, sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal XLSX written part by part (hostile content openpyxl would not write)."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        b'<sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def _sheet(rows_xml: bytes, dimension: bytes = b"") -> bytes:
    dim = b'<dimension ref="' + dimension + b'"/>' if dimension else b""
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + dim
        + b"<sheetData>"
        + rows_xml
        + b"</sheetData></worksheet>"
    )


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _workbook(path: Path, rows: list[list], hidden_first: list[list] | None = None) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if hidden_first is not None:
        sheet.title = "old"
        sheet.sheet_state = "hidden"
        for row in hidden_first:
            sheet.append(row)
        sheet = book.create_sheet("current")
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _good_rows() -> list[list]:
    return [
        HEADER.split(","),
        ["P1", "Rail", "transport_logistics", "cdb", "jiangsu", "no", 18.58, 0.4, 3.199, 2025, 4],
    ]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(*args, env: dict | None = None):
    """``fundmodel ARGS`` under the harness, with the child's CPU seconds: on a shared
    machine the wall clock measures the other processes too (the harness kills the child
    at its own wall-clock timeout)."""
    before = _cpu_seconds()
    outcome = run_fundmodel(*args, env=env)
    return outcome, _cpu_seconds() - before


def _bounded(run) -> None:
    outcome, cpu_seconds = run
    assert outcome.code is not None, "killed at the time limit"
    assert cpu_seconds <= MAX_SECONDS, cpu_seconds
    assert outcome.peak_rss_bytes <= MAX_RSS_BYTES, outcome.peak_rss_bytes
    assert "Traceback" not in outcome.stderr, outcome.stderr[-2000:]


def _refused(path: Path, *needles: str, env: dict | None = None) -> str:
    run = _run("validate", path, env=env)
    _bounded(run)
    outcome = run[0]
    assert outcome.code == 2, (outcome.code, outcome.stdout[-500:], outcome.stderr[-500:])
    line = outcome.one_line_error
    assert path.name in line, line
    for needle in needles:
        assert needle in line, line
    return line


def _issues(path: Path, *extra: str) -> tuple[int, dict]:
    run = _run("validate", path, "--format", "json", *extra)
    _bounded(run)
    outcome = run[0]
    assert outcome.code in (0, 1), outcome.stderr[-2000:]
    return outcome.code, json.loads(outcome.stdout)


def _rules(report: dict) -> set[tuple]:
    return {(i["row"], i["column"], i["rule"]) for i in report["issues"] if i["severity"] == "error"}


# ------------------------------------------------------------ tiny files, huge sheets


def test_xfd_cell_on_20000_rows_is_refused_before_loading(tmp_path):
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (r, r) for r in range(1, 20_001))
    line = _refused(_xlsx(tmp_path / "xfd.xlsx", _sheet(rows)), "16,384 columns", "FUNDMODEL_MAX_COLUMNS")
    assert "sheet 'data'" in line


def test_huge_shared_string_is_refused_on_its_compression_ratio(tmp_path):
    path = tmp_path / "bomb.xlsx"
    strings_head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    sheet = _sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    _xlsx(path, sheet)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/sharedStrings.xml", "w") as out:
        out.write(strings_head)
        block = b"a" * 2**20
        for _ in range(100):  # 100 MB of one string, about 100 KB compressed
            out.write(block)
        out.write(b"</t></si></sst>")
    assert path.stat().st_size < 2**20
    _refused(path, "FUNDMODEL_MAX_XLSX_COMPRESSION_RATIO", "sharedStrings.xml")


def test_one_cell_at_the_last_row_with_a_lowered_row_limit(tmp_path):
    sheet = _sheet(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    _refused(_xlsx(tmp_path / "far.xlsx", sheet), "1,048,576 rows", env={"FUNDMODEL_MAX_ROWS": "100000"})


def test_one_cell_at_the_last_row_is_read_within_bounds(tmp_path):
    header = (
        b'<row r="1">' + b"".join(_inline(f"{c}1", h) for c, h in zip("ABC", ["a", "b", "c"], strict=True)) + b"</row>"
    )
    sheet = _sheet(header + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>')
    code, report = _issues(_xlsx(tmp_path / "far.xlsx", sheet))
    assert code == 1  # one row, every required column missing: reported, not a crash
    assert report["projects"] == 1


def test_huge_declared_dimension_is_refused(tmp_path):
    sheet = _sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', dimension=b"A1:XFD1048576")
    _refused(_xlsx(tmp_path / "dim.xlsx", sheet), "declared <dimension>", "FUNDMODEL_MAX_SHEET_CELLS")


def test_cell_longer_than_excel_allows_is_refused(tmp_path):
    header = b'<row r="1">' + _inline("A1", "project_name") + b"</row>"
    sheet = _sheet(header + b'<row r="2">' + _inline("A2", "x" * 40_000) + b"</row>")
    _refused(_xlsx(tmp_path / "long.xlsx", sheet), "40,000 characters", "FUNDMODEL_MAX_CELL_CHARS")


def test_file_size_limit_can_be_lowered(tmp_path):
    path = _csv(tmp_path / "p.csv", ROW.format(name="Rail", investment="18.58"))
    _refused(path, "FUNDMODEL_MAX_FILE_BYTES", env={"FUNDMODEL_MAX_FILE_BYTES": "10"})


def test_too_many_csv_columns_are_refused(tmp_path):
    path = _csv(tmp_path / "wide.csv", header=",".join(f"c{i}" for i in range(300)))
    _refused(path, "300 columns")


def test_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")


def test_corrupt_xlsx_is_one_line(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip" * 10)
    _refused(path, "not a readable spreadsheet")


def test_formula_without_cached_value_names_the_cell(tmp_path):
    header = b'<row r="1">' + _inline("A1", "project_id") + _inline("B1", "total_investment_bn") + b"</row>"
    body = b'<row r="2">' + _inline("A2", "P1") + b'<c r="B2"><f>SUM(C1:C9)</f></c></row>'
    _refused(_xlsx(tmp_path / "formula.xlsx", _sheet(header + body)), "cell B2", "formula not calculated")


def test_unknown_sheet_lists_the_sheets(tmp_path):
    path = _workbook(tmp_path / "book.xlsx", _good_rows())
    run = _run("validate", path, "--sheet", "nope")
    _bounded(run)
    outcome = run[0]
    assert outcome.code == 2 and "no sheet 'nope'" in outcome.one_line_error


# ------------------------------------------------------------ nothing silently changed


def test_nul_inside_a_number_is_an_error_not_a_shorter_number(tmp_path):
    code, report = _issues(_csv(tmp_path / "nul.csv", ROW.format(name="Rail", investment="18\x00.58")))
    assert code == 1
    [issue] = [i for i in report["issues"] if i["rule"] == "control_character"]
    assert (issue["row"], issue["column"], issue["value"]) == (2, "total_investment_bn", "18\\x00.58")


def test_nul_inside_a_name_is_a_warning_and_the_name_is_kept_whole(tmp_path):
    code, report = _issues(_csv(tmp_path / "nul.csv", ROW.format(name="Ra\x00il", investment="18.58")))
    assert code == 0
    [issue] = [i for i in report["issues"] if i["rule"] == "control_character"]
    assert (issue["row"], issue["column"], issue["value"], issue["severity"]) == (
        2,
        "project_name",
        "Ra\\x00il",
        "warning",
    )


def test_utf8_file_with_one_gb18030_row_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "mixed.csv"
    good = ROW.format(name="无锡城际", investment="18.58").encode("utf-8")
    bad = ROW.format(name="广西核电", investment="41").replace("P1", "P2").encode("gb18030")
    path.write_bytes(HEADER.encode() + b"\n" + good + b"\n" + bad + b"\n")
    _refused(path, "row 3", "mixed encodings")


def test_gb18030_file_with_one_utf8_row_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "mixed.csv"
    good = ROW.format(name="无锡城际", investment="18.58").encode("gb18030")
    bad = ROW.format(name="广西核电", investment="41").replace("P1", "P2").encode("utf-8")
    path.write_bytes(HEADER.encode() + b"\n" + good + b"\n" + bad + b"\n")
    _refused(path, "row 3", "mixed encodings")


def test_text_in_neither_encoding_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"\n" + b"P1,\xff\xff\xff\n")
    _refused(path, "row 2", "not UTF-8 or GB18030")


def test_whole_gb18030_file_reads_its_names_exactly(tmp_path):
    path = _csv(tmp_path / "gb.csv", ROW.format(name="无锡至宜兴城际铁路", investment="18.58"), encoding="gb18030")
    code, report = _issues(path)
    assert code == 0 and report["projects"] == 1
    from fundmodel.inputs.portfolio import read_portfolio

    assert read_portfolio(path).frame["project_name"].tolist() == ["无锡至宜兴城际铁路"]


#: Traditional-Chinese project names (Taiwan), as a Big5 file would hold them.
BIG5_NAMES = ["臺北捷運環狀線", "高雄輕軌", "桃園機場捷運", "新竹科學園區", "台中港區", "屏東綠能", "花蓮鐵路電氣化"]


def _rows(names: list[str]) -> list[str]:
    return [ROW.format(name=n, investment="18.58").replace("P1", f"P{i}") for i, n in enumerate(names, 1)]


def test_big5_file_of_chinese_names_is_refused_not_garbled(tmp_path):
    """Every Big5 name also decodes as GB18030, into other characters: refused, never read."""
    path = _csv(tmp_path / "big5.csv", *_rows(BIG5_NAMES), encoding="big5")
    path.read_bytes().decode("gb18030")  # the trap: GB18030 alone would accept the file
    line = _refused(path, "row 2", "private-use character", "save it as UTF-8")
    assert "Big5" in line


def test_big5_names_without_private_use_characters_are_refused(tmp_path):
    """Names whose Big5 bytes all land on real GB18030 characters: one of them is outside the
    common simplified set (高雄輕軌 -> 蔼动淮瓂) and the file is valid Big5 as a whole."""
    path = _csv(tmp_path / "big5.csv", *_rows(["基隆港", "高雄輕軌"]), encoding="big5")
    assert not any(0xE000 <= ord(c) <= 0xF8FF for c in path.read_bytes().decode("gb18030"))
    _refused(path, "row 3", "also valid Big5", "(U+74C2)", "save the file as UTF-8")


def test_gb18030_file_with_a_rare_character_is_read_exactly(tmp_path):
    """A real GB18030 file with a character outside GB2312 (镕) is not Big5: read as written."""
    names = ["朱镕基大道改造", "人民路综合管廊"]
    path = _csv(tmp_path / "gb.csv", *_rows(names), encoding="gb18030")
    code, report = _issues(path)
    assert code == 0 and report["projects"] == 2
    from fundmodel.inputs.portfolio import read_portfolio

    assert read_portfolio(path).frame["project_name"].tolist() == names


def test_traditional_names_in_utf8_are_read_exactly(tmp_path):
    path = _csv(tmp_path / "utf8.csv", *_rows(BIG5_NAMES))
    code, report = _issues(path)
    assert code == 0 and report["projects"] == len(BIG5_NAMES)
    from fundmodel.inputs.portfolio import read_portfolio

    assert read_portfolio(path).frame["project_name"].tolist() == BIG5_NAMES


def test_hidden_stale_sheet_is_not_read_and_the_report_names_the_sheet(tmp_path):
    stale = [HEADER.split(","), ["OLD", "Old", "transport_logistics", "cdb", "jiangsu", "no", 1, 0.4, "abc", 2025, 4]]
    path = _workbook(tmp_path / "book.xlsx", _good_rows(), hidden_first=stale)
    run = _run("validate", path)
    _bounded(run)
    outcome = run[0]
    assert outcome.code == 0, outcome.stdout
    assert "read sheet 'current'" in outcome.stdout and "hidden sheets not read: 'old'" in outcome.stdout


def test_only_hidden_sheets_is_refused(tmp_path):
    path = _workbook(tmp_path / "visible.xlsx", _good_rows())
    hidden = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(hidden, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":  # openpyxl will not save such a book
                data = data.replace(b'state="visible"', b"").replace(b"<sheet ", b'<sheet state="hidden" ')
            target.writestr(info, data)
    _refused(hidden, "every sheet is hidden")


def test_error_cell_is_its_own_error_naming_the_cell(tmp_path):
    rows = _good_rows()
    rows[1][6] = "#DIV/0!"  # openpyxl writes it as an error cell (t="e")
    code, report = _issues(_workbook(tmp_path / "err.xlsx", rows))
    assert code == 1
    errors = _rules(report)
    assert (2, "total_investment_bn", "error_cell") in errors
    assert not any(rule == "missing_value" for _, _, rule in errors)


@pytest.mark.parametrize("text", ["N/A", "null", "NULL", "n/a"])
def test_placeholder_text_is_its_own_error_never_missing(tmp_path, text):
    code, report = _issues(_csv(tmp_path / "na.csv", ROW.format(name="Rail", investment=text)))
    assert code == 1
    assert _rules(report) == {(2, "total_investment_bn", "placeholder_text")}


def test_error_text_in_a_csv_is_an_error_cell(tmp_path):
    code, report = _issues(_csv(tmp_path / "err.csv", ROW.format(name="Rail", investment="#VALUE!")))
    assert code == 1 and _rules(report) == {(2, "total_investment_bn", "error_cell")}


# ------------------------------------------------------------ clean failures


def test_inf_in_a_cell_is_not_a_number(tmp_path):
    code, report = _issues(_csv(tmp_path / "inf.csv", ROW.format(name="Rail", investment="inf")))
    assert code == 1 and (2, "total_investment_bn", "not_a_number") in _rules(report)


def test_inf_as_start_year_is_not_a_number(tmp_path):
    row = ROW.format(name="Rail", investment="18.58").replace(",2025,", ",inf,")
    code, report = _issues(_csv(tmp_path / "inf.csv", row))
    assert code == 1 and (2, "start_year", "not_a_number") in _rules(report)


def test_header_only_csv_is_an_error_not_a_crash_later(tmp_path):
    path = _csv(tmp_path / "empty.csv")
    code, report = _issues(path)
    assert code == 1 and [i["rule"] for i in report["issues"]] == ["no_projects"]
    run = _run("run", "--portfolio", path)
    _bounded(run)
    outcome = run[0]
    assert outcome.code == 1 and "no_projects" in outcome.stderr


def test_cr_only_csv_reads_like_the_lf_one(tmp_path):
    rows = [ROW.format(name="Rail", investment="18.58"), ROW.format(name="Road", investment="20").replace("P1", "P2")]
    code, report = _issues(_csv(tmp_path / "cr.csv", *rows, newline="\r"))
    assert code == 0 and report["projects"] == 2


# ------------------------------------------------------------ .xls and .ods: limits before loading


def _xls(path: Path, sheets: dict[str, list[tuple[int, int, object]]]) -> Path:
    """A .xls file (BIFF8, written by xlwt) with the given cells (row, column, 0-based)."""
    import xlwt

    book = xlwt.Workbook()
    for name, cells in sheets.items():
        sheet = book.add_sheet(name)
        for row, col, value in cells:
            sheet.write(row, col, value)
    book.save(str(path))
    return path


def _ods(path: Path, tables: dict[str, bytes]) -> Path:
    """A minimal .ods file whose sheets hold the given table rows (hostile repeats included)."""
    ns = (
        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = b"".join(
        b'<table:table table:name="' + n.encode() + b'">' + rows + b"</table:table>" for n, rows in tables.items()
    )
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?><office:document-content ' + ns + b' office:version="1.2">'
        b"<office:body><office:spreadsheet>" + body + b"</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        b'<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        b'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        b"</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def _ods_row(*cells: object, repeat: int = 1) -> bytes:
    out = []
    for cell in cells:
        if isinstance(cell, tuple):  # (value, columns repeated)
            value, span = cell
            out.append(
                f'<table:table-cell table:number-columns-repeated="{span}" office:value-type="float" '
                f'office:value="{value}"/>'
            )
        elif isinstance(cell, int | float):
            out.append(f'<table:table-cell office:value-type="float" office:value="{cell}"/>')
        else:
            out.append(f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>')
    rows = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rows}>{''.join(out)}</table:table-row>".encode()


def _good_ods_rows() -> bytes:
    return b"".join(_ods_row(*row) for row in _good_rows())


def test_xls_value_in_column_iv_is_refused_before_loading(tmp_path):
    path = _xls(tmp_path / "far.xls", {"data": [(0, 0, "project_id"), (65_535, 255, 1)]})
    assert path.stat().st_size < 20_000
    _refused(path, "sheet 'data'", "256 columns", "FUNDMODEL_MAX_COLUMNS")


def test_xls_far_corner_within_the_column_limit_is_refused_on_its_used_range(tmp_path):
    path = _xls(tmp_path / "far.xls", {"data": [(0, 0, "project_id"), (65_535, 199, 1)]})
    _refused(path, "sheet 'data' (used range)", "13,107,200 cells", "FUNDMODEL_MAX_SHEET_CELLS")


def test_xls_other_sheet_is_checked_too(tmp_path):
    """calamine parses every sheet of a .xls on opening: a huge second sheet is refused by name."""
    rows = [(r, c, v) for r, row in enumerate(_good_rows()) for c, v in enumerate(row)]
    path = _xls(tmp_path / "two.xls", {"data": rows, "notes": [(0, 0, "x"), (60_000, 150, 1)]})
    _refused(path, "sheet 'notes' (used range)", "9,060,151 cells")


def test_xls_row_limit_can_be_lowered(tmp_path):
    path = _xls(tmp_path / "rows.xls", {"data": [(0, 0, "project_id"), (4_999, 0, "P1")]})
    _refused(path, "sheet 'data'", "5,000 rows", "FUNDMODEL_MAX_ROWS", env={"FUNDMODEL_MAX_ROWS": "1000"})


def test_good_xls_is_read_exactly(tmp_path):
    rows = [(r, c, v) for r, row in enumerate(_good_rows()) for c, v in enumerate(row)]
    code, report = _issues(_xls(tmp_path / "good.xls", {"data": rows}))
    assert code == 0 and report["projects"] == 1
    from fundmodel.inputs.portfolio import read_portfolio

    frame = read_portfolio(tmp_path / "good.xls").frame
    assert frame["total_investment_bn"].tolist() == [18.58] and frame["project_name"].tolist() == ["Rail"]


def test_ods_repeated_columns_bomb_is_refused_before_loading(tmp_path):
    rows = _good_ods_rows() + _ods_row("P2", (1, 16_384))
    path = _ods(tmp_path / "wide.ods", {"data": rows})
    assert path.stat().st_size < 5_000
    _refused(path, "sheet 'data'", "16,385 columns", "FUNDMODEL_MAX_COLUMNS")


def test_ods_repeated_rows_bomb_is_refused_before_loading(tmp_path):
    rows = _good_ods_rows() + _ods_row("P2", "x", 1, 2, 3, 4, 5, 6, repeat=1_000_000)
    _refused(_ods(tmp_path / "tall.ods", {"data": rows}), "(used range)", "11,000,022 cells")


def test_ods_rows_limit_can_be_lowered(tmp_path):
    rows = _good_ods_rows() + _ods_row("P2", repeat=5_000)
    path = _ods(tmp_path / "tall.ods", {"data": rows})
    _refused(path, "5,002 rows", "FUNDMODEL_MAX_ROWS", env={"FUNDMODEL_MAX_ROWS": "1000"})


def test_ods_other_sheet_is_checked_too(tmp_path):
    path = _ods(tmp_path / "two.ods", {"data": _good_ods_rows(), "notes": _ods_row(("1", 300))})
    _refused(path, "sheet 'notes'", "300 columns")


def test_ods_empty_repeated_area_is_no_used_range(tmp_path):
    """Spreadsheet programs pad every sheet with huge repeated empty rows and cells: not data."""
    padding = (
        b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
        b'table:number-columns-repeated="1024"/></table:table-row>'
    )
    rows = b"".join(
        _ods_row(*row)[: -len(b"</table:table-row>")]
        + b'<table:table-cell table:number-columns-repeated="1013"/></table:table-row>'
        for row in _good_rows()
    )
    code, report = _issues(_ods(tmp_path / "padded.ods", {"data": rows + padding}))
    assert code == 0 and report["projects"] == 1
