"""No English sentence reaches a Chinese reader: every message of the table rendered in
Chinese, every page of the dashboard in Chinese with 亿元 (an invalid upload, a comparison and
goal-seek included), and every cell of the Chinese workbook.

What may stay in Latin letters, and only that: what the user typed (project names and other
text of a portfolio file, file names), units and ids that are not sentences, and the titles
of the sources (a publication is cited in its own language). A "sentence" is two or more
Latin words in a row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import string
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.parameters import default_parameters
from fundmodel.labels import label
from fundmodel.messages import Message, render, templates

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "allocation", "leverage", "portfolio", "scenarios", "export", "about"]

#: Two or more Latin words in a row (words of two letters or more, apostrophes and hyphens inside).
SENTENCE = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]+)+")


def english_sentences(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The Latin-letter sentences in ``text`` once every ``allowed`` string is taken out.

    >>> english_sentences("总投资 60,000 亿元（12.50x）")
    []
    >>> english_sentences("Total investment 60,000 亿元")
    ['Total investment']
    >>> english_sentences("项目 Wuxi rail: 缺少资本金", ["Wuxi rail"])
    []
    """
    for item in sorted(allowed, key=len, reverse=True):
        if item and item in text:  # whole only: an allowed "no" does not cut an id in two
            text = re.sub(rf"(?<![\w.]){re.escape(item)}(?![\w.])", " ", text)
    return SENTENCE.findall(text)


# ------------------------------------------------------------------------ message table


def _sample(spec: str) -> object:
    """A parameter value for a field with format ``spec`` (ids are 'X1', which is no sentence)."""
    if spec in ("money", "signed_money", "share", "pp") or spec[-1:] in "fgde%" or spec == ",":
        return 1
    if spec == "name":
        return "cdb"
    if spec == "names":
        return ["cdb", "adbc"]
    if spec == "path":
        return "fields.digital_economy.capital_ratio"
    return "X1"


def test_every_message_in_chinese_has_no_english_sentence():
    # Latin in the Chinese table that is not prose: units, a command line (in the messages of
    # CLI-only commands), a command-line option, column ids
    allowed = ["--input-unit", "capital_ratio|bank", "bn", "fundmodel mapping save", "fundmodel export"]
    allowed += ["fundmodel scenarios restore", "pip install"]  # the library's commands to run
    found = {}
    for message_id, text in templates().items():
        fields = {name: _sample(spec) for _, name, spec, _ in string.Formatter().parse(text["zh"]) if name}
        rendered = render(Message(message_id, fields), "zh", "yi")
        if english_sentences(rendered, allowed):
            found[message_id] = rendered
    assert not found, found


# ---------------------------------------------------------------------------- dashboard


def _elements(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _elements(child)


def page_texts(at) -> Iterator[tuple[str, str]]:
    """(element type, text) of every text an element of the page shows: bodies, labels,
    help texts, placeholders, options, and the column names and text cells of tables."""
    for node in _elements(at._tree):
        kind = getattr(node, "type", "")
        for attr in ("label", "value", "help", "placeholder", "body"):
            try:
                value = getattr(node, attr)
            except Exception:  # an attribute this element does not have
                continue
            if isinstance(value, str):
                yield kind, value
            elif isinstance(value, pd.DataFrame):
                yield from ((kind, str(c)) for c in value.columns)
                for c in value.columns:
                    if value[c].dtype == object:
                        yield from ((kind, str(v)) for v in value[c].unique())
        if kind == "plotly_chart":  # titles, axis titles, legend names, labels, hover texts
            yield from ((kind, text) for text in _chart_texts(json.loads(node.proto.spec)))
        if kind == "echarts_chart":  # titles, series, node and category names, labels, tooltips
            yield from ((kind, text) for text in _chart_texts(json.loads(node.proto.spec), keys=ECHARTS_TEXT_KEYS))
        try:
            options = node.options
        except Exception:
            continue
        yield from ((kind, str(o)) for o in options)


#: Keys of a Plotly figure whose strings the reader sees.
CHART_TEXT_KEYS = {"text", "name", "title", "hovertemplate", "texttemplate", "ticktext", "label", "labels"}


#: Keys of an ECharts option whose strings the reader sees (``data``: category and node names).
ECHARTS_TEXT_KEYS = {"text", "name", "formatter", "valueFormatter", "data", "source", "target"}


def _chart_texts(spec: object, shown: bool = False, keys: set[str] = CHART_TEXT_KEYS) -> Iterator[str]:
    if isinstance(spec, dict):
        for key, value in spec.items():
            yield from _chart_texts(value, shown or key in keys, keys)
    elif isinstance(spec, list):
        for value in spec:
            yield from _chart_texts(value, shown, keys)
    elif isinstance(spec, str) and shown:
        yield spec


def _typed_by_the_user(files: Iterable[Path]) -> set[str]:
    """Every text cell of the portfolio files (project names, notes) and the file names."""
    out = set()
    for path in files:
        out.add(path.name)
        if path.suffix == ".csv":
            for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
                out.update(c for c in row if c and not c.replace(".", "").isdigit())
    return out


def _source_titles() -> set[str]:
    """The references of the parameters and scenarios: publications cited as published."""
    from fundmodel.inputs.scenario import load_scenario

    refs = {s.reference for s in default_parameters().sources() if s.reference}
    refs |= {load_scenario(p).reference for p in SCENARIO_DIR.glob("*.yaml")}
    return refs


def _bad_upload() -> bytes:
    """The bundled first batch with a negative total investment in file row 2."""
    rows = list(csv.reader(io.StringIO((PORTFOLIO_DIR / "first_batch_examples.csv").read_text("utf-8"))))
    rows[1][rows[0].index("total_investment_bn")] = "-5"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def chinese_app(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "tester")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.radio(key="lang").set_value("zh")
    at.radio(key="unit").set_value("yi")
    at.run()
    assert not at.exception, at.exception
    return at


def test_no_english_sentence_on_any_page_in_chinese(chinese_app):
    at = chinese_app
    # the unit's name is the same in both languages (a radio keeps its option's text)
    allowed = _typed_by_the_user(PORTFOLIO_DIR.glob("*.*")) | _source_titles() | {"bn RMB", "bad.csv", "empty.csv"}
    found: dict[tuple[str, str], list[str]] = {}

    def look(where: str) -> None:
        assert not at.exception, (where, at.exception)
        for kind, text in page_texts(at):
            if kind in ("markdown", "html") and text.lstrip().startswith("<style>"):
                continue  # the page's CSS
            hits = english_sentences(text, allowed)
            if hits:
                found[(where, text[:200])] = hits

    for page in PAGES:
        at.switch_page(f"fundmodel_dashboard/screens/{page}.py").run()
        look(page)
        shown_here = {text for _, text in page_texts(at)}
        if page == "about":  # every parameter with its Chinese description
            assert default_parameters().instrument.size_bn.description_zh in shown_here
        if page == "leverage":  # a slider's help is its parameter's description, in Chinese
            assert default_parameters().fields["digital_economy"].additionality.description_zh in shown_here
        if page == "portfolio":  # its other two views (tabs drawn when chosen)
            for view in ("portfolio_charts", "project_metrics"):
                at.session_state["pf_view__zh"] = label(view, "zh")
                at.run()
                look(f"portfolio, {view}")
            at.session_state["pf_view__zh"] = label("province_map", "zh")
            at.run()
    # the scenarios page: a comparison with two other scenarios (one of them refused on the
    # portfolio basis, which the page says in words) and goal-seek, shown by default
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    at.multiselect(key="compare_keys__zh").set_value(["cap_50pct.yaml", "fit_reported_2025.yaml"]).run()
    assert any(" − " in m.value for m in at.markdown), "no comparison shown"
    look("scenarios, comparison")
    assert any("达到" in s.value for s in at.success), "no goal-seek answer shown"
    # an uploaded portfolio with an error: its report, in Chinese
    at.switch_page("fundmodel_dashboard/screens/portfolio.py").run()
    at.file_uploader(key="portfolio_upload").set_value(("bad.csv", _bad_upload(), "text/csv")).run()
    assert any("错误" in e.value for e in at.error), "the invalid upload is not reported"
    look("portfolio, invalid upload")
    # a file that cannot be read at all: the reason, in Chinese
    at.file_uploader(key="portfolio_upload").set_value(("empty.csv", b"\n", "text/csv")).run()
    assert any("文件为空" in e.value for e in at.error), [e.value for e in at.error]
    look("portfolio, unreadable upload")
    # the top-down basis with a rule broken: CDB's scale 1.5 lifts its cells above the cap
    at.radio(key="basis__zh").set_value("top_down").run()
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    at.slider(key="lev_scale_cdb").set_value(1.5).run()
    shown = []
    for page in ("overview", "allocation", "leverage"):
        at.switch_page(f"fundmodel_dashboard/screens/{page}.py").run()
        look(f"{page}, top-down, a cap broken")
        shown += [text for _, text in page_texts(at)]
    assert any("（领域占比 × 银行系数），超过上限" in text for text in shown), "no rule message shown"
    assert not found, found


# ----------------------------------------------------------------------------- workbook


def test_no_english_sentence_in_the_chinese_workbook(tmp_path):
    import openpyxl

    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.core.topdown import run as run_top_down
    from fundmodel.inputs.portfolio import read_portfolio
    from fundmodel.inputs.scenario import load_scenario
    from fundmodel.outputs.excel import export_workbook

    # the cover's how-to names the command that reads the book back
    allowed = _typed_by_the_user([PORTFOLIO_DIR / "first_batch_examples.csv"]) | _source_titles()
    allowed |= {"fundmodel import-excel BOOK.xlsx --out scenario.yaml"}
    scenario = load_scenario(SCENARIO_DIR / "fit_reported_2025.yaml")  # overridden parameters: notes in the sources
    params = scenario.parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "first_batch_examples.csv", params=params)
    runs = {
        "top_down": run_top_down(params, scenario_name=scenario.name_zh),
        "portfolio": run_portfolio(portfolio, params, scenario_name=scenario.name_zh),
    }
    sources = params.sources()
    found = {}
    for mode, result in runs.items():
        path = tmp_path / f"{mode}.xlsx"
        export_workbook(result, path, lang="zh", unit="yi")
        book = openpyxl.load_workbook(path)
        cells = 0
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and not cell.value.startswith("="):
                        cells += 1
                        hits = english_sentences(cell.value, allowed)
                        if hits:
                            found[(mode, ws.title, cell.coordinate)] = cell.value[:200]
        assert cells > 100, (mode, cells)  # the books were read
        # the walk above saw every parameter's description, in Chinese: on the cover's sources
        # table, by the parameter's Chinese name (no path), and beside each input of the Inputs sheet
        cover = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
        header = next(i for i, r in enumerate(cover) if r[:2] == ["参数", "出处"])
        table = cover[header + 1 : header + 1 + len(sources)]
        assert [r[4] for r in table] == [s.describe("zh") for s in sources]
        assert [r[0] for r in table] == [Message("parameter_name", {"path": s.path}).render("zh") for s in sources]
        assert not {s.path for s in sources} & {r[0] for r in table}
        inputs = book["输入"]
        scalar = {r[1]: r for r in inputs.iter_rows(values_only=True) if r[1] == "instrument.size_bn"}
        assert (
            scalar["instrument.size_bn"][5]
            == params.instrument.size_bn.description_zh
            == "工具规模；全部用于补充项目资本金。"
        )
        assert "项目资本金 / 总投资（k）。" in [c.value for c in next(inputs.iter_cols(min_col=4, max_col=4))]
    assert not found, found
