"""A one-page A4 briefing (PDF, Chinese or English) of one run or of a comparison.

What is on the page: the headline figures (KPIs), two charts, the checks that fail, the
assumptions that differ from the baseline, the time it was made (China Standard Time) and the
version of fundmodel. In a comparison the baseline is pinned first and every difference reads
"this scenario minus the baseline".

How the PDF is made: the page is HTML (:func:`briefing_html`, a pure function) printed by
headless Chromium (:func:`html_to_pdf`). Chromium is already what the dashboard tests drive;
it finds the CJK font through fontconfig (fonts-noto-cjk), lays out Chinese text and draws the
same Plotly charts as the dashboard (:mod:`fundmodel.outputs.charts`, one chart code for screen
and paper). The alternatives were measured against that: reportlab embeds only TrueType, and
Noto Sans CJK is OpenType/CFF (its built-in CID fonts are not embedded, so the page depends on
the reader's fonts); matplotlib would need a second set of charts. Printing takes 1-3 s on
this machine, mostly Chromium's start.

>>> from fundmodel.core.topdown import run
>>> html = briefing_html([run()], lang="zh", unit="yi", plotly_js="")
>>> "59,921" in html and "fundmodel" in html
True
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fundmodel import __version__
from fundmodel.analysis.compare import parameter_changes
from fundmodel.core.kpis import headline
from fundmodel.core.result import Result
from fundmodel.core.rules import RULES
from fundmodel.errors import FundmodelError
from fundmodel.labels import label
from fundmodel.messages import Message, format_money, render
from fundmodel.outputs.atomic import write_bytes
from fundmodel.outputs.kpi_text import KPI_TERMS, kpi_differences, kpi_texts
from fundmodel.store import CST
from fundmodel.terms import term as output_term
from fundmodel.terms import with_unit

#: At most this many runs side by side (the baseline and three others fit the page width).
MAX_RUNS = 4
#: Lines of the checks and of the changed assumptions that fit the page; the rest are counted.
MAX_CHECK_LINES = 6
MAX_CHANGE_LINES = 7
#: Seconds Chromium may take to print the page.
PRINT_TIMEOUT_S = 90
#: Chart size on paper in CSS pixels (96 per inch): two charts side by side on A4.
CHART_WIDTH_PX = 345
CHART_HEIGHT_PX = 300


class BriefingError(FundmodelError):
    """The briefing could not be printed (no Chromium, or Chromium failed)."""


def now_cst() -> dt.datetime:
    """The current time in China Standard Time."""
    return dt.datetime.now(CST)


def format_cst(when: dt.datetime) -> str:
    """A time as printed on the briefing, in China Standard Time.

    >>> format_cst(dt.datetime(2026, 12, 3, 12, 15, tzinfo=dt.UTC))
    '2026-12-03 20:15 CST'
    """
    return f"{when.astimezone(CST):%Y-%m-%d %H:%M} CST"


# ------------------------------------------------------------------ content


def _esc(text: Any) -> str:
    return html_lib.escape(str(text))


def _name_of(part: str, lang: str) -> str:
    """A parameter path part by its label (field, bank, term), else as written in the file."""
    try:
        return label(part, lang)
    except KeyError:
        return part


def parameter_name(path: str, lang: str = "en") -> str:
    """A parameter path in readable words, e.g. ``banks.cdb.fund_share_scale``.

    >>> parameter_name("banks.cdb.fund_share_scale", "zh")
    '国家开发银行 · 银行资本金占比系数'
    """
    parts = path.split(".")
    if parts[0] in ("fields", "banks", "instrument", "macro") and len(parts) > 1:
        parts = parts[1:]
    return " · ".join(_name_of(p, lang) for p in parts)


def value_text(value: Any) -> str:
    """A parameter value as printed: numbers as they are, lists and tables in brackets, none as "–".

    >>> value_text(0.5), value_text([1, 2.5]), value_text(None)
    ('0.5', '[1, 2.5]', '–')
    """
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def check_lines(result: Result, lang: str = "en", unit: str = "bn") -> list[str]:
    """Each failed check as one line: severity, rule, subject, value against the limit."""
    lines = []
    for c in result.checks:
        rule = RULES.get(c.code)
        rule_term = output_term(rule.term) if rule is not None else None
        subject = " × ".join(_name_of(p, lang) for p in c.subject.split("/") if p)
        numbers = []
        for key in ("value", "limit"):
            v = c.values.get(key)
            if v is None:
                continue
            if rule_term is None:
                numbers.append(f"{v:,.4g}")
            else:
                numbers.append(format_money(v, unit, lang) if rule_term.is_money else rule_term.format(v))
        rule_name = _name_of(f"check_{c.code}", lang)
        text = f"{label(f'severity_{c.severity}', lang)} · {c.message if rule_name.startswith('check_') else rule_name}"
        if subject:
            text += f" · {subject}"
        if numbers:
            text += ": " + " / ".join(numbers)
        lines.append(text)
    return lines


def _more(n: int, lang: str) -> str:
    return render(Message("briefing_more_lines", {"n": n}), lang)


def _kpi_grid(result: Result, lang: str, unit: str) -> str:
    values = kpi_texts(result, unit, lang)
    cells = []
    for key in KPI_TERMS:
        name = label(key, lang)
        if output_term(key).is_money:
            name = with_unit(name, lang, unit)
        cells.append(
            f'<div class="kpi"><div class="kl">{_esc(name)}</div><div class="kv">{_esc(values[key])}</div></div>'
        )
    return f'<div class="kpis">{"".join(cells)}</div>'


def _kpi_table(results: Sequence[Result], lang: str, unit: str) -> str:
    """KPIs of several runs: the baseline first, then each run and its difference to the baseline."""
    reference = results[0]
    texts = [kpi_texts(r, unit, lang) for r in results]
    base = headline(reference)
    differences = [kpi_differences(headline(r), base, unit, lang) for r in results[1:]]
    head = [f"<th>{_esc(label('briefing_indicator', lang))}</th>", f"<th>{_esc(results[0].scenario_name)}</th>"]
    for r in results[1:]:
        head += [f"<th>{_esc(r.scenario_name)}</th>", f"<th>{_esc(label('briefing_minus_baseline', lang))}</th>"]
    rows = []
    for key in KPI_TERMS:
        name = label(key, lang)
        if output_term(key).is_money:
            name = with_unit(name, lang, unit)
        cells = [f"<td>{_esc(name)}</td>", f"<td class='n'>{_esc(texts[0][key])}</td>"]
        for text, diff in zip(texts[1:], differences, strict=True):
            cells += [
                f"<td class='n'>{_esc(text[key])}</td>",
                f"<td class='n d'>{_esc(diff[key] or '0')}</td>",
            ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table class='cmp'><tr>{''.join(head)}</tr>{''.join(rows)}</table>"


def _chart_div(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    fig.update_layout(
        width=CHART_WIDTH_PX,
        height=CHART_HEIGHT_PX,
        font={"size": 9},
        title={"font": {"size": 11}},
        margin={"l": 6, "r": 6, "t": 58, "b": 6},
    )
    return pio.to_html(
        fig, include_plotlyjs=False, full_html=False, div_id=div_id, config={"staticPlot": True, "responsive": False}
    )


def _charts(results: Sequence[Result], lang: str, unit: str) -> str:
    from fundmodel.outputs import charts

    current = results[-1]
    first = (
        charts.comparison_figure(results, lang, unit)
        if len(results) > 1
        else charts.effects_figure(current, lang, unit)
    )
    second = charts.capital_stack_figure(current, lang, unit)
    return f'<div class="charts">{_chart_div(first, "chart1")}{_chart_div(second, "chart2")}</div>'


def allocation_moves(baseline: Result, other: Result) -> list[tuple[str, str, float, float]]:
    """(field, bank, baseline fund, fund) of each allocation cell whose fund differs, in bn
    RMB; only between two top-down runs (a portfolio run's cells are its projects' sums).

    >>> import numpy as np
    >>> from fundmodel.core.topdown import run
    >>> from fundmodel.inputs.parameters import default_parameters
    >>> a = np.array(default_parameters().allocation_matrix)
    >>> a[0, 0] += 5.0
    >>> [(f, b, round(new - old, 6)) for f, b, old, new in allocation_moves(run(), run(allocation_bn=a))]
    [('digital_economy', 'cdb', 5.0)]
    """
    if baseline.mode != "top_down" or other.mode != "top_down":
        return []
    before, after = baseline.by_cell["fund_bn"], other.by_cell["fund_bn"]
    cells = before.index.union(after.index)
    before, after = before.reindex(cells, fill_value=0.0), after.reindex(cells, fill_value=0.0)
    moved = (after - before).abs() > 1e-9
    return [(f, b, float(before[(f, b)]), float(after[(f, b)])) for f, b in cells[moved.to_numpy()]]


def _changes(results: Sequence[Result], baseline: Result, lang: str, unit: str) -> list[tuple[str, str]]:
    """(css class, text): one line per assumption or allocation cell that differs from the
    baseline; in a comparison each scenario's lines follow its name."""
    lines = []
    for r in results:
        own = []
        for row in parameter_changes(baseline, r).itertuples(index=False):
            name = parameter_name(row.path, lang)
            own.append(("", f"{name}: {value_text(row.reference_value)} → {value_text(row.value)}"))
        for f, b, old, new in allocation_moves(baseline, r):
            cell = f"{label('allocation', lang)} · {_name_of(f, lang)} × {_name_of(b, lang)}"
            own.append(("", f"{cell}: {format_money(old, unit, lang)} → {format_money(new, unit, lang)}"))
        if len(results) > 1 and own:
            own.insert(0, ("group", r.scenario_name))
        lines += own
    return lines


def _list_block(title: str, lines: list[tuple[str, str]], empty: str, limit: int, lang: str) -> str:
    """A titled list of at most ``limit`` lines; the lines left out are counted on the last line."""
    shown = [f"<li class='{css}'>{_esc(text)}</li>" for css, text in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"<li class='more'>{_esc(_more(len(lines) - limit, lang))}</li>")
    body = f"<ul>{''.join(shown)}</ul>" if lines else f"<p class='ok'>{_esc(empty)}</p>"
    return f"<div class='block'><h2>{_esc(title)}</h2>{body}</div>"


#: Shrinks the page (CSS zoom) when it would be taller than one A4 page, so nothing spills
#: onto a second page; the printable height is 297 - 2 x 11 mm = 275 mm = 1,039 CSS px. The
#: page is measured again after each step (zoomed text re-flows), up to a few steps.
FIT_SCRIPT = """<script>
(function () {
  var printable = 1035, zoom = 1.0;
  for (var step = 0; step < 6; step++) {
    var height = document.documentElement.scrollHeight;
    if (height <= printable) { break; }
    zoom = zoom * (printable / height) * 0.98;
    document.body.style.zoom = zoom.toFixed(3);
  }
})();
</script>"""


CSS = """
@page { size: A4; margin: 11mm 12mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif; font-size: 9pt; color: #1d2530; }
h1 { font-size: 15pt; margin: 0 0 1mm 0; }
h2 { font-size: 10.5pt; margin: 3mm 0 1.5mm 0; border-bottom: 0.4pt solid #9aa5b1; padding-bottom: 0.6mm; }
.meta { color: #4a5563; font-size: 8.5pt; margin-bottom: 2mm; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1.6mm; }
.kpi { border: 0.5pt solid #c9d1da; border-radius: 1.5mm; padding: 1.4mm 2mm; background: #fafbfc; }
.kl { font-size: 7.5pt; color: #4a5563; }
.kv { font-size: 12.5pt; font-weight: 700; white-space: nowrap; }
table.cmp { width: 100%; border-collapse: collapse; font-size: 8.5pt; }
table.cmp th, table.cmp td { border-bottom: 0.4pt solid #d5dbe2; padding: 0.9mm 1.2mm; text-align: left; }
table.cmp th { background: #eef1f5; }
td.n { text-align: right; white-space: nowrap; }
td.d { color: #1f4e79; }
.charts { display: flex; justify-content: space-between; margin-top: 2.5mm; }
.cols { display: flex; gap: 5mm; }
.cols > div { flex: 1; min-width: 0; }
ul { margin: 0; padding-left: 4mm; }
li { margin: 0.5mm 0; overflow-wrap: anywhere; }
li.more, p.ok { color: #4a5563; }
li.group { list-style: none; margin-left: -4mm; font-weight: 700; }
p.ok { margin: 0; }
.foot { margin-top: 3mm; font-size: 7.5pt; color: #6b7580; border-top: 0.4pt solid #c9d1da; padding-top: 1mm; }
"""


def briefing_html(
    results: Sequence[Result],
    baseline: Result | None = None,
    *,
    lang: str = "en",
    unit: str = "bn",
    when: dt.datetime | None = None,
    basis: str | None = None,
    plotly_js: str | None = None,
) -> str:
    """The briefing page as HTML. ``results``: one run, or the runs of a comparison with the
    baseline first (differences are each run minus ``results[0]``). ``baseline``: the run
    whose assumptions the changed-assumption list compares with (default ``results[0]``).
    ``basis``: "top_down" or "portfolio" (default: the mode of the last run). ``plotly_js``:
    the ``<script>`` source of plotly.js (default: the copy shipped with plotly)."""
    if not results:
        raise BriefingError("a briefing needs at least one run")
    if len(results) > MAX_RUNS:
        raise BriefingError(f"a one-page briefing compares at most {MAX_RUNS} runs; {len(results)} were given")
    baseline = baseline or results[0]
    current = results[-1]
    basis = basis or ("portfolio" if current.mode == "portfolio" else "top_down")
    when = when or now_cst()
    if plotly_js is None:
        plotly_js = (Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js").as_uri()
    script = f'<script src="{_esc(plotly_js)}"></script>' if plotly_js else ""
    names = " · ".join(r.scenario_name for r in results)
    meta = [
        f"{label('scenario', lang)}: {names}",
        f"{label('basis', lang)}: {label(f'basis_{basis}', lang)}",
        f"{label('briefing_made', lang)}: {format_cst(when)}",
        f"fundmodel {__version__}",
    ]
    kpis = _kpi_table(results, lang, unit) if len(results) > 1 else _kpi_grid(current, lang, unit)
    checks = [("", line) for line in check_lines(current, lang, unit)]
    changes = _changes([r for r in results if r is not baseline], baseline, lang, unit)
    checks_title = f"{label('checks', lang)} ({current.scenario_name})"
    checks_block = _list_block(checks_title, checks, label("all_checks_pass", lang), MAX_CHECK_LINES, lang)
    no_changes = label("briefing_no_changes", lang)
    changes_block = _list_block(label("briefing_changes", lang), changes, no_changes, MAX_CHANGE_LINES, lang)
    footer = render(Message("briefing_footer", {"version": __version__, "time": format_cst(when)}), lang)
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<title>{_esc(label("briefing_title", lang))}</title><style>{CSS}</style>{script}</head>
<body>
<h1>{_esc(label("briefing_title", lang))}</h1>
<div class="meta">{" &nbsp;|&nbsp; ".join(_esc(m) for m in meta)}</div>
{kpis}
{_charts(results, lang, unit) if plotly_js else ""}
<div class="cols">
{checks_block}
{changes_block}
</div>
<div class="foot">{_esc(footer)}</div>
{FIT_SCRIPT}
</body></html>"""


# ------------------------------------------------------------------ printing


def chromium_path() -> str:
    """The Chromium to print with: ``FUNDMODEL_CHROMIUM``, else chromium on the PATH."""
    named = os.environ.get("FUNDMODEL_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise BriefingError(
        "the briefing is printed by Chromium, which was not found; install chromium "
        "(Debian: apt-get install chromium) or set FUNDMODEL_CHROMIUM to its path"
    )


def html_to_pdf(page: str, timeout_s: float = PRINT_TIMEOUT_S) -> bytes:
    """``page`` (HTML) printed to PDF by headless Chromium (page size from its ``@page`` rule)."""
    with tempfile.TemporaryDirectory(prefix="fundmodel-briefing-") as folder:
        source = Path(folder) / "briefing.html"
        target = Path(folder) / "briefing.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            chromium_path(),
            "--headless",
            "--no-sandbox",  # runs as root in containers and CI
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--allow-file-access-from-files",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=5000",  # the charts are drawn before the page is printed
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise BriefingError(f"Chromium did not print the briefing within {timeout_s:.0f} s") from exc
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise BriefingError(f"Chromium could not print the briefing (exit {done.returncode}): {tail[0]}")
        return target.read_bytes()


def briefing_pdf(results: Sequence[Result], baseline: Result | None = None, **options: Any) -> bytes:
    """The briefing as PDF bytes; ``options`` as for :func:`briefing_html` (lang, unit, when, basis)."""
    return html_to_pdf(briefing_html(results, baseline, **options))


def write_briefing(
    target: str | os.PathLike, results: Sequence[Result], baseline: Result | None = None, **kwargs: Any
) -> Path:
    """Write the briefing PDF to ``target`` whole or not at all; returns the path."""
    from fundmodel.outputs.atomic import check_output_path

    check_output_path(target, suffixes=(".pdf",))  # refused before Chromium runs
    return write_bytes(target, briefing_pdf(results, baseline, **kwargs), suffixes=(".pdf",))
