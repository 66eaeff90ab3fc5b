"""Hostile and damaged inputs: scenario YAML, parameter values, output paths, signals, the
scenario library and command-line arguments.

Every file is generated here (nothing large is committed). Each case runs the real command in
its own process under a memory ceiling (``tests/_hostile.py``) and asserts the exit code, the
one-line message (no traceback), the time, the peak memory, and that nothing was changed
silently: the files of the case's folder are the same before and after (no input overwritten,
no output or partial file left behind) unless the case writes an output on purpose.

Time: the CPU seconds of the command are held to 10 s (the issue's bound). Wall time on a
shared machine is mostly waiting for a core, so it is only held to the kill timeout, which
catches a command that hangs (a FIFO, a lock).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from _hostile import MAX_RSS_BYTES, MAX_SECONDS, ROOT, Outcome, finish, run_fundmodel, start_fundmodel

from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.limits import LIMITS
from fundmodel.store import ScenarioStore

#: A command that takes longer than this is killed and the case fails (a hang).
KILL_SECONDS = 90.0
#: A message is one line and short: no value from the file is quoted whole.
MAX_MESSAGE_CHARS = 400

EXAMPLES = PORTFOLIO_DIR / "first_batch_examples.csv"
BASELINE = SCENARIO_DIR / "baseline.yaml"


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its SHA-256 or its kind."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_fifo():
            out[str(path.relative_to(folder))] = "fifo"
        elif path.is_file():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            out[str(path.relative_to(folder))] = "dir"
    return out


def _assert_bounded(outcome: Outcome) -> None:
    assert outcome.code is not None, f"killed after {outcome.seconds:.0f} s (a hang)"
    assert outcome.cpu_seconds <= MAX_SECONDS, f"{outcome.cpu_seconds:.1f} CPU seconds"
    assert outcome.peak_rss_bytes <= MAX_RSS_BYTES, f"{outcome.peak_rss_bytes / 2**20:.0f} MB"


def _scenario(overrides: str) -> str:
    return f"scenario:\n  name: hostile\noverrides:\n{overrides}"


# --------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], list[str]]  # writes the case's files in the folder, returns the arguments
    code: int
    words: tuple[str, ...]  # all must appear in the one-line message
    env: dict[str, str] | None = None


def _write(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make


def run_with(name: str, content: str | bytes) -> Callable[[Path], list[str]]:
    """``fundmodel run --scenario FILE`` with FILE holding ``content``."""
    return lambda folder: ["run", "--scenario", _write(name, content)(folder)]


def save_with(name: str, content: str | bytes) -> Callable[[Path], list[str]]:
    """``fundmodel scenarios save FILE`` into a library in the case's folder."""
    return lambda folder: ["scenarios", "save", _write(name, content)(folder), "--db", folder / "lib.sqlite"]


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.yaml"
    os.mkfifo(path)
    return path


def _copy_examples(folder: Path, name: str = "portfolio.csv") -> Path:
    return Path(shutil.copy(EXAMPLES, folder / name))


def _book(folder: Path) -> Path:
    """Any bytes named book.xlsx: output paths are refused before the book is read."""
    path = folder / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    return path


YAML_CASES = [
    Case("billion-laughs", run_with("laughs.yaml", _billion_laughs()), 2, ("laughs.yaml", "anchors and aliases")),
    Case(
        "one-alias",
        run_with("alias.yaml", "scenario: &s {name: x}\nother: *s\n"),
        2,
        ("alias.yaml", "line 1", "anchors and aliases"),
    ),
    Case(
        "alias-in-overrides",
        run_with("alias2.yaml", _scenario("  instrument: {size_bn: 500}\nx: *nothing\n")),
        2,
        ("alias2.yaml", "anchors and aliases"),
    ),
    # 5,000 and 3,000 levels: libyaml's own bound (1,000) answers first; 40 levels: the limit
    Case("deep-sequences", run_with("deep.yaml", "a: " + "[" * 5000 + "]" * 5000), 2, ("deep.yaml", "nesting depth")),
    Case(
        "deep-mappings",
        run_with("deepmap.yaml", "a: " + "{a: " * 3000 + "1" + "}" * 3000),
        2,
        ("deepmap.yaml", "nesting depth"),
    ),
    Case(
        "deeper-than-the-limit",
        run_with("deep40.yaml", "a: " + "[" * 40 + "]" * 40),
        2,
        ("deep40.yaml", "33 levels exceeds the limit of 32 levels", "FUNDMODEL_MAX_YAML_DEPTH"),
    ),
    Case(
        "too-large",
        run_with("big.yaml", "# " + "x" * (LIMITS["yaml_bytes"].default + 10) + "\n"),
        2,
        ("big.yaml", "bytes exceeds the limit", "FUNDMODEL_MAX_YAML_BYTES"),
    ),
    Case(
        "limit-lowered",
        lambda folder: ["run", "--scenario", BASELINE],
        2,
        ("baseline.yaml", "exceeds the limit of 100 bytes"),
        env={"FUNDMODEL_MAX_YAML_BYTES": "100"},
    ),
    Case(
        "limit-unreadable",
        lambda folder: ["run", "--scenario", BASELINE],
        2,
        ("FUNDMODEL_MAX_YAML_DEPTH", "whole number"),
        env={"FUNDMODEL_MAX_YAML_DEPTH": "lots"},
    ),
    Case(
        "too-many-nodes",
        run_with("nodes.yaml", "a: [" + ",".join(["1"] * 250_000) + "]\n"),
        2,
        ("nodes.yaml", "nodes exceeds the limit"),
    ),
    Case("dev-zero", lambda folder: ["run", "--scenario", "/dev/zero"], 2, ("/dev/zero", "not a regular file")),
    Case("fifo", lambda folder: ["run", "--scenario", _fifo(folder)], 2, ("pipe.yaml", "not a regular file")),
    Case("directory", lambda folder: ["run", "--scenario", folder], 2, ("a directory",)),
    Case("missing", lambda folder: ["run", "--scenario", folder / "nope.yaml"], 2, ("nope.yaml", "cannot read")),
    Case(
        "duplicate-key",
        run_with("dup.yaml", "scenario:\n  name: a\n  name: b\n"),
        2,
        ("dup.yaml", "line 3", "scenario.name", "duplicate key", "first at line 2"),
    ),
    Case(
        "impossible-date",
        run_with("date.yaml", "scenario:\n  name: a\n  date: 2025-13-45\n"),
        2,
        ("date.yaml", "scenario.date", "2025-13-45", "not a valid date"),
    ),
    Case(
        "not-utf8",
        run_with("gbk.yaml", "scenario:\n  name: 基准情景\n".encode("gb18030")),
        2,
        ("gbk.yaml", "not UTF-8"),
    ),
    Case("bad-syntax", run_with("syntax.yaml", "scenario: [unclosed\n"), 2, ("syntax.yaml", "invalid YAML")),
    Case("top-level-list", run_with("list.yaml", "- a\n- b\n"), 2, ("list.yaml", "must be a mapping")),
    Case("empty-file", run_with("empty.yaml", ""), 2, ("empty.yaml", "must be a mapping")),
    Case(
        "complex-key",
        run_with("key.yaml", "scenario: {name: a}\n? [a, b]\n: 1\n"),
        2,
        ("key.yaml", "a key must be a plain value"),
    ),
    Case(
        "huge-unknown-key",
        run_with("hugekey.yaml", _scenario(f"  instrument: {{{'k' * 500}: 1}}\n")),
        2,
        ("hugekey.yaml", "500 characters exceeds the limit of 200", "YAML_KEY_CHARS"),
    ),
    Case(
        "huge-value",
        run_with("hugevalue.yaml", _scenario(f"  instrument: {{size_bn: {'9' * 500_000}x}}\n")),
        2,
        ("hugevalue.yaml", "instrument.size_bn", "characters"),
    ),
]

PARAMETER_CASES = [
    Case(
        "inf-amount",
        run_with("inf.yaml", _scenario("  instrument: {size_bn: .inf}\n")),
        2,
        ("inf.yaml", "instrument.size_bn", "finite"),
    ),
    Case(
        "nan-amount",
        run_with("nan.yaml", _scenario("  instrument: {size_bn: .nan}\n")),
        2,
        ("nan.yaml", "instrument.size_bn", "finite"),
    ),
    Case(
        "tiny-bank-scale",
        run_with("scale.yaml", _scenario("  banks:\n    cdb: {fund_share_scale: 1.0e-300}\n")),
        2,
        ("scale.yaml", "banks.cdb.fund_share_scale", "greater than or equal to 0.001"),
    ),
    Case(
        "huge-bank-scale",
        run_with("scale2.yaml", _scenario("  banks:\n    cdb: {fund_share_scale: 1.0e+30}\n")),
        2,
        ("scale2.yaml", "banks.cdb.fund_share_scale", "less than or equal to 1000"),
    ),
    Case(
        "huge-allocation",
        run_with("alloc.yaml", _scenario("  allocation_bn:\n    agriculture_rural: {adbc: 1.0e+308}\n")),
        2,
        ("alloc.yaml", "agriculture_rural.adbc", "less than or equal to 1000000"),
    ),
    Case(
        "huge-quota",
        run_with("quota.yaml", _scenario("  banks:\n    cdb: {quota_bn: 1.0e+308}\n")),
        2,
        ("quota.yaml", "banks.cdb.quota_bn", "less than or equal to 1000000"),
    ),
    Case(
        "minus-inf-growth",
        run_with("growth.yaml", _scenario("  macro: {projected_growth_pct: -.inf}\n")),
        2,
        ("growth.yaml", "macro.projected_growth_pct", "finite"),
    ),
    Case(
        "huge-uplift",
        run_with("uplift.yaml", _scenario("  instrument: {target_uplift_pp: 1.0e+6}\n")),
        2,
        ("uplift.yaml", "instrument.target_uplift_pp", "less than or equal to 100"),
    ),
    Case(
        "tiny-capital-ratio",
        run_with("ratio.yaml", _scenario("  fields:\n    digital_economy: {capital_ratio: 1.0e-300}\n")),
        2,
        ("ratio.yaml", "fields.digital_economy.capital_ratio", "greater than or equal to 0.001"),
    ),
    Case(
        "share-as-text",
        run_with("text.yaml", _scenario("  instrument: {cap_in_principle: '0.5'}\n")),
        2,
        ("text.yaml", "instrument.cap_in_principle", "valid number"),
    ),
]

UNCERTAIN = (SCENARIO_DIR / "uncertain_leverage.yaml").read_text(encoding="utf-8")
PARAMETER_CASES += [
    Case(
        "nan-target",
        run_with("target.yaml", UNCERTAIN.replace("total_investment_bn: 6000", "total_investment_bn: .nan")),
        2,
        ("target.yaml", "uncertainty.targets.total_investment_bn", "finite"),
    ),
    Case(
        "inf-sd",
        run_with("sd.yaml", UNCERTAIN.replace("mean: 0.22, sd: 0.02", "mean: 0.22, sd: .inf")),
        2,
        ("sd.yaml", "uncertainty.distributions.capital_ratio.all.sd", "finite"),
    ),
]

OUTPUT_CASES = [
    Case(
        "metrics-out-is-input",
        lambda folder: ["metrics", "--portfolio", _copy_examples(folder), "--out", folder / "portfolio.csv"],
        2,
        ("portfolio.csv", "is also this command's input"),
    ),
    Case(
        "metrics-out-empty",
        lambda folder: ["metrics", "--portfolio", _copy_examples(folder), "--out", ""],
        2,
        ("output file", "empty"),
    ),
    Case(
        "metrics-out-wrong-suffix",
        lambda folder: ["metrics", "--portfolio", _copy_examples(folder), "--out", folder / "m.xlsx"],
        2,
        ("m.xlsx", "written as .csv"),
    ),
    Case(
        "metrics-out-folder",
        lambda folder: ["metrics", "--portfolio", _copy_examples(folder), "--out", _mkdir(folder / "d.csv")],
        2,
        ("d.csv", "is a folder"),
    ),
    Case(
        "metrics-out-no-folder",
        lambda folder: ["metrics", "--portfolio", _copy_examples(folder), "--out", folder / "nope" / "m.csv"],
        2,
        ("m.csv", "does not exist"),
    ),
    Case(
        "select-out-is-input",
        lambda folder: ["select", "--portfolio", _copy_examples(folder, "p.csv"), "--out", folder / "p.csv"],
        2,
        ("p.csv", "is also this command's input"),
    ),
    Case(
        "export-out-csv",
        lambda folder: ["export", "--out", folder / "x.csv"],
        2,
        ("x.csv", "written as .xlsx"),
    ),
    Case("export-out-empty", lambda folder: ["export", "--out", ""], 2, ("output file", "empty")),
    Case(
        "export-out-under-a-file",
        lambda folder: ["export", "--out", "/etc/passwd/x.xlsx"],
        2,
        ("/etc/passwd", "is a file, not a folder"),
    ),
    Case(
        "import-excel-out-is-book",
        lambda folder: ["import-excel", _book(folder), "--out", folder / "book.xlsx"],
        2,
        ("book.xlsx", "written as .yaml"),
    ),
    Case(
        "import-excel-portfolio-out-is-book",
        lambda folder: ["import-excel", _book(folder), "--portfolio-out", folder / "book.xlsx"],
        2,
        ("book.xlsx", "is also this command's input"),
    ),
    Case(
        "import-excel-portfolio-out-yaml",
        lambda folder: ["import-excel", _book(folder), "--portfolio-out", folder / "p.yaml"],
        2,
        ("p.yaml", "written as .xlsx"),
    ),
    Case(
        "import-excel-out-folder",
        lambda folder: ["import-excel", _book(folder), "--out", _mkdir(folder / "s.yaml")],
        2,
        ("s.yaml", "is a folder"),
    ),
    Case(
        "scenarios-export-out-csv",
        lambda folder: ["scenarios", "export", "base", "--db", folder / "lib.sqlite", "--out", folder / "x.csv"],
        2,
        ("x.csv", "written as .yaml"),
    ),
]

LIBRARY_CASES = [
    Case("save-billion-laughs", save_with("laughs.yaml", _billion_laughs()), 2, ("laughs.yaml", "anchors")),
    Case(
        "save-duplicate-key",
        save_with("dup.yaml", "scenario:\n  name: a\n  name: b\n"),
        2,
        ("dup", "scenario.name", "duplicate key"),
    ),
    Case(
        "save-inf",
        save_with("inf.yaml", _scenario("  instrument: {size_bn: .inf}\n")),
        2,
        ("instrument.size_bn", "finite"),
    ),
    Case(
        "save-impossible-date",
        save_with("date.yaml", "scenario:\n  name: a\n  date: 2025-02-30\n"),
        2,
        ("scenario.date", "2025-02-30", "not a valid date"),
    ),
    Case(
        "save-dev-zero",
        lambda folder: ["scenarios", "save", "/dev/zero", "--db", folder / "lib.sqlite"],
        2,
        ("/dev/zero", "not a regular file"),
    ),
    Case(
        "save-fifo",
        lambda folder: ["scenarios", "save", _fifo(folder), "--db", folder / "lib.sqlite"],
        2,
        ("pipe.yaml", "not a regular file"),
    ),
    Case(
        "db-under-a-file",
        lambda folder: ["scenarios", "list", "--db", "/etc/passwd/x.sqlite"],
        2,
        ("/etc/passwd", "is a file, not a folder"),
    ),
    Case(
        "db-driver-missing-mysql",
        lambda folder: ["scenarios", "list", "--db", "mysql+pymysql://u@localhost/db"],
        2,
        ("driver 'pymysql' is not installed", "pip install pymysql"),
    ),
    Case(
        "db-driver-missing-psycopg2",
        lambda folder: ["scenarios", "list", "--db", "postgresql+psycopg2://u@localhost/db"],
        2,
        ("psycopg2", "pip install psycopg2-binary"),
    ),
    Case(
        "db-unknown-dialect",
        lambda folder: ["scenarios", "list", "--db", "nosuchdb://u@localhost/db"],
        2,
        ("cannot open the scenario library", "nosuchdb"),
    ),
]


USAGE_CASES = [
    # argparse's usage errors: one line naming the command and where its options are listed
    Case("no-command", lambda folder: [], 2, ("required: COMMAND", "fundmodel --help")),
    Case("unknown-command", lambda folder: ["frobnicate"], 2, ("invalid choice: 'frobnicate'", "fundmodel --help")),
    Case("unknown-option", lambda folder: ["run", "--nope"], 2, ("unrecognized arguments: --nope",)),
    Case(
        "option-without-value",
        lambda folder: ["run", "--scenario"],
        2,
        ("error: run: argument --scenario: expected one argument", "fundmodel run --help"),
    ),
    Case(
        "bad-choice",
        lambda folder: ["run", "--format", "pdf"],
        2,
        ("run: argument --format: invalid choice: 'pdf'", "fundmodel run --help"),
    ),
    Case(
        "subcommand-missing",
        lambda folder: ["scenarios"],
        2,
        ("error: scenarios: the following arguments are required", "fundmodel scenarios --help"),
    ),
]


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


CASES = YAML_CASES + PARAMETER_CASES + OUTPUT_CASES + LIBRARY_CASES + USAGE_CASES


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_in_one_line(case: Case, tmp_path: Path) -> None:
    args = case.make(tmp_path)
    before = _snapshot(tmp_path)
    outcome = run_fundmodel(*args, timeout=KILL_SECONDS, cwd=tmp_path, env=case.env)
    _assert_bounded(outcome)
    assert outcome.code == case.code, outcome.stderr[-2000:]
    message = outcome.one_line_error
    assert message.startswith("fundmodel: error: "), message
    assert len(message) <= MAX_MESSAGE_CHARS, message[:500]
    for word in case.words:
        assert word in message, f"{word!r} not in {message!r}"
    assert _snapshot(tmp_path) == before  # nothing written, nothing overwritten, no partial file


def test_enough_cases() -> None:
    assert len(CASES) + len(SIGNAL_TESTS) + len(WRITE_TESTS) >= 45


# ----------------------------------------------------------------- outputs written


def _formula_portfolio(folder: Path) -> Path:
    rows = list(csv.reader(io.StringIO(EXAMPLES.read_text(encoding="utf-8"))))
    rows[1][rows[0].index("project_name")] = "=cmd|' /C calc'!A0"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return _write("formula.csv", out.getvalue())(folder)


def test_metrics_csv_neutralizes_formulas(tmp_path: Path) -> None:
    portfolio = _formula_portfolio(tmp_path)
    source = portfolio.read_bytes()
    outcome = run_fundmodel(
        "metrics", "--portfolio", portfolio, "--out", tmp_path / "m.csv", timeout=KILL_SECONDS, cwd=tmp_path
    )
    _assert_bounded(outcome)
    assert outcome.code == 0, outcome.stderr
    written = (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in written
    assert ",=cmd" not in written and '"=cmd' not in written
    assert "m.csv: row 1, column project_name: starts like a formula" in outcome.stderr
    assert portfolio.read_bytes() == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["formula.csv", "m.csv"]  # no partial file


def test_select_csv_neutralizes_formulas(tmp_path: Path) -> None:
    portfolio = _formula_portfolio(tmp_path)
    outcome = run_fundmodel(
        "select", "--portfolio", portfolio, "--out", tmp_path / "s.csv", timeout=KILL_SECONDS, cwd=tmp_path
    )
    _assert_bounded(outcome)
    assert outcome.code == 0, outcome.stderr
    written = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in written and ",=cmd" not in written
    assert "s.csv: row 1, column project_name: starts like a formula" in outcome.stderr


def test_import_excel_writes_scenario_whole(tmp_path: Path) -> None:
    from fundmodel.inputs.scenario import baseline
    from fundmodel.outputs.excel.workbook import export_workbook

    book = export_workbook(baseline().run(), tmp_path / "book.xlsx")
    source = book.read_bytes()
    outcome = run_fundmodel("import-excel", book, "--out", tmp_path / "s.yaml", timeout=KILL_SECONDS, cwd=tmp_path)
    _assert_bounded(outcome)
    assert outcome.code == 0, outcome.stderr
    assert "scenario:" in (tmp_path / "s.yaml").read_text(encoding="utf-8")
    assert book.read_bytes() == source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx", "s.yaml"]


def test_export_shows_control_characters_and_cuts_long_text_visibly(tmp_path: Path) -> None:
    """Control characters in a name (an IllegalCharacterError traceback before) and a name over
    32,767 characters: the workbook is written, each the same way on every sheet (U+FFFD, a
    visible cut marker), never silently stripped or cut."""
    import openpyxl

    rows = list(csv.reader(io.StringIO(EXAMPLES.read_text(encoding="utf-8"))))
    at = rows[0].index("project_name")
    rows[1][at], rows[2][at] = "Ra\x1bil\x07", "x" * 40_000
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    portfolio = _write("ctl.csv", out.getvalue())(tmp_path)
    outcome = run_fundmodel(
        "export", "--portfolio", portfolio, "--out", tmp_path / "book.xlsx", timeout=KILL_SECONDS, cwd=tmp_path
    )
    _assert_bounded(outcome)
    assert outcome.code == 0 and "Traceback" not in outcome.stderr, outcome.stderr[-2000:]
    book = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True)
    seen: dict[str, set[str]] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str) and (v.startswith(("Ra\ufffd", "xxxx")) or v == "Rail"):  # "Rail": stripped
                    seen.setdefault(ws.title, set()).add(v)
    book.close()
    cut = "x" * (32_767 - len(" …[cut: 40,000 characters in all]")) + " …[cut: 40,000 characters in all]"
    assert seen and all(values == {"Ra\ufffdil\ufffd", cut} for values in seen.values()), {
        k: {v[:20] for v in vs} for k, vs in seen.items()
    }
    assert len(seen) >= 2  # the project inputs and the long tables alike


WRITE_TESTS = [
    test_export_shows_control_characters_and_cuts_long_text_visibly,
    test_metrics_csv_neutralizes_formulas,
    test_select_csv_neutralizes_formulas,
    test_import_excel_writes_scenario_whole,
]


# ------------------------------------------------------------------------ signals


def _signal_when(proc, predicate: Callable[[], bool], signum: int, limit_seconds: float = KILL_SECONDS) -> bool:
    """Send ``signum`` once ``predicate`` holds (polled); False if the process ended first."""
    deadline = time.perf_counter() + limit_seconds
    while time.perf_counter() < deadline and proc.poll() is None:
        if predicate():
            proc.send_signal(signum)
            return True
        time.sleep(0.005)
    return False


def _partial_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")]
)
def test_signal_during_export_leaves_nothing(tmp_path: Path, signum: int, code: int, word: str) -> None:
    portfolio = PORTFOLIO_DIR / "national_synthetic.csv"
    start = time.perf_counter()
    proc = start_fundmodel("export", "--portfolio", portfolio, "--out", tmp_path / "book.xlsx", cwd=tmp_path)
    sent = _signal_when(proc, lambda: bool(_partial_files(tmp_path)), signum)
    outcome = finish(proc, start, KILL_SECONDS)
    assert sent, "the export ended before its partial file was seen"
    assert outcome.code == code, outcome.stderr[-2000:]
    assert outcome.one_line_error == f"fundmodel: {word}"
    assert list(tmp_path.iterdir()) == []  # neither the workbook nor its partial file


def test_sigterm_during_metrics_out_leaves_no_partial(tmp_path: Path) -> None:
    """SIGTERM at any moment of a CSV write: either the whole file or nothing."""
    portfolio = _copy_examples(tmp_path)
    start = time.perf_counter()
    proc = start_fundmodel("metrics", "--portfolio", portfolio, "--out", tmp_path / "m.csv", cwd=tmp_path)
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    outcome = finish(proc, start, KILL_SECONDS)
    # 0: it had finished; -15: stopped while Python loaded, before any file could be opened
    assert outcome.code in (0, 143, -signal.SIGTERM), outcome.stderr[-2000:]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == (["m.csv", "portfolio.csv"] if outcome.code == 0 else ["portfolio.csv"])
    if outcome.code == 143:
        assert outcome.one_line_error == "fundmodel: terminated"


def _maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


#: Shared libraries mapped in order while the command loads: numpy's core, then pandas'
#: (the package and ``python -m`` load neither; the command's first imports do).
LOADING = {"numpy": "numpy/_core/_multiarray_umath", "pandas": "pandas/_libs/"}


@pytest.mark.parametrize("library", sorted(LOADING))
def test_ctrl_c_while_the_libraries_load(tmp_path: Path, library: str) -> None:
    """Ctrl-C during the first imports (numpy, pandas): one line, exit 130, nothing written."""
    start = time.perf_counter()
    proc = start_fundmodel("metrics", "--portfolio", EXAMPLES, "--out", tmp_path / "m.csv", cwd=tmp_path)
    sent = _signal_when(proc, lambda: LOADING[library] in _maps(proc.pid), signal.SIGINT)
    outcome = finish(proc, start, KILL_SECONDS)
    assert sent, f"the command ended before {library} was seen loading"
    _assert_bounded(outcome)
    assert outcome.code == 130, outcome.stderr[-2000:]
    assert outcome.one_line_error == "fundmodel: interrupted"
    assert outcome.stdout == "" and list(tmp_path.iterdir()) == []


def test_import_fundmodel_loads_no_heavy_library() -> None:
    """The package itself loads nothing heavy, so that the command's Ctrl-C handling is in
    place before numpy and pandas start loading (``python -m fundmodel`` imports the package
    before its ``__main__``)."""
    import subprocess
    import sys

    code = "import sys, fundmodel; print(sorted(m for m in ('numpy', 'pandas', 'openpyxl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


SIGNAL_TESTS = [test_signal_during_export_leaves_nothing] * 2 + [
    test_sigterm_during_metrics_out_leaves_no_partial,
    test_ctrl_c_while_the_libraries_load,
]


# ------------------------------------------------------------------------ library


def test_read_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    """A writer holds its transaction open; a read of the library returns in under a second
    (in process) and ``scenarios list`` succeeds (in its own process)."""
    url = f"sqlite:///{tmp_path / 'lib.sqlite'}"
    store = ScenarioStore(url)
    store.save("base", BASELINE.read_text(encoding="utf-8"), author="ana")
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with ScenarioStore(url)._transaction() as conn:
            conn.exec_driver_sql("UPDATE scenarios SET created_by = 'writer'")
            holding.set()
            release.wait(120)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(30)
        with pytest.raises(sqlite3.OperationalError, match="locked"):  # the write lock is really held
            other = sqlite3.connect(tmp_path / "lib.sqlite", timeout=0.1, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
        reader = ScenarioStore(url)
        start = time.perf_counter()
        names = [i.name for i in reader.list()]
        text = reader.get("base").text
        seconds = time.perf_counter() - start
        assert names == ["base"] and "Baseline" in text
        assert seconds < 1.0, f"the read took {seconds:.2f} s behind the writer"
        outcome = run_fundmodel("scenarios", "list", "--db", tmp_path / "lib.sqlite", timeout=KILL_SECONDS)
        _assert_bounded(outcome)
        assert outcome.code == 0, outcome.stderr
        assert "base" in outcome.stdout
    finally:
        release.set()
        thread.join()
    assert ScenarioStore(url).list()[0].created_by == "writer"  # the writer committed after the reads


def test_refused_save_leaves_library_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    ScenarioStore(f"sqlite:///{db}").save("base", BASELINE.read_text(encoding="utf-8"), author="ana")
    bad = _write("base.yaml", _billion_laughs())(tmp_path)
    outcome = run_fundmodel("scenarios", "save", bad, "--db", db, "--base-version", "1", timeout=KILL_SECONDS)
    _assert_bounded(outcome)
    assert outcome.code == 2
    assert "anchors and aliases" in outcome.one_line_error
    assert [v.version for v in ScenarioStore(f"sqlite:///{db}").history("base")] == [1]


def test_hostile_harness_measures_one_child() -> None:
    """The harness reports this child's own peak memory (not the largest child so far)."""
    outcome = run_fundmodel("--version", timeout=KILL_SECONDS, cwd=ROOT)
    assert outcome.code == 0 and outcome.stdout.startswith("fundmodel ")
    assert 10 * 2**20 < outcome.peak_rss_bytes < MAX_RSS_BYTES
    assert 0 < outcome.cpu_seconds <= outcome.seconds + 1


# ------------------------------------------------------------- in-process checks


def test_docs_list_every_limit() -> None:
    """docs/limits.md names every limit with its default and its setting."""
    page = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for spec in LIMITS.values():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{spec.name}` |")), "")
        assert f"{spec.default:,} {spec.unit}" in row and f"`{spec.env}`" in row, spec.name


def test_csv_writer_same_rules_for_every_text_cell(tmp_path: Path) -> None:
    import pandas as pd

    from fundmodel.outputs.csv_writer import write_csv

    frame = pd.DataFrame(
        {
            "name": ["=1+2", "a\x00b\x1bc", "x" * 40_000, "-5", "plain 名称"],
            "amount_bn": [-1.5, 2.0, 3.0, 4.0, 5.0],
        }
    )
    warnings = write_csv(frame, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", dtype={"name": str})
    assert back["name"].tolist()[:2] == ["'=1+2", "a\ufffdb\ufffdc"]
    assert len(back["name"][2]) == 32_767 and back["name"][2].endswith("…[cut: 40,000 characters in all]")
    assert back["name"][3] == "'-5" and back["name"][4] == "plain 名称"
    assert back["amount_bn"].tolist() == [-1.5, 2.0, 3.0, 4.0, 5.0]  # numbers stay numbers
    assert warnings == [
        "t.csv: row 1, column name: starts like a formula: a leading apostrophe was added",
        "t.csv: row 2, column name: 2 control character(s) replaced with U+FFFD",
        "t.csv: row 3, column name: longer than 32,767 characters: cut to fit, "
        "marked '…[cut: 40,000 characters in all]'",
        "t.csv: row 4, column name: starts like a formula: a leading apostrophe was added",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_atomic_write_failure_keeps_the_old_file(tmp_path: Path) -> None:
    from fundmodel.outputs.atomic import atomic_path

    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target, suffixes=(".xlsx",)) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_yaml_loader_refuses_aliases_before_expansion() -> None:
    """A billion-laughs text is refused at its first anchor, in far less time than expanding
    even one level would take."""
    from fundmodel.inputs.yaml_loader import YamlError, loads

    start = time.process_time()
    with pytest.raises(YamlError, match="anchors and aliases"):
        loads(_billion_laughs(), "laughs.yaml")
    assert time.process_time() - start < 0.5


def test_dashboard_scenario_upload_uses_the_strict_loader(tmp_path: Path, monkeypatch) -> None:
    """The dashboard's scenario upload refuses a billion-laughs file and duplicate keys with
    the same one-line messages as the command line, and registers nothing."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("FUNDMODEL_DB_URL", f"sqlite:///{tmp_path / 'library.sqlite'}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("fundmodel_dashboard/screens/scenarios.py").run()
    assert not at.exception, at.exception
    uploads = [
        ("laughs.yaml", _billion_laughs().encode(), "laughs.yaml: line 1: anchors and aliases"),
        ("dup.yaml", b"scenario:\n  name: a\n  name: b\n", "dup.yaml: line 3: scenario.name: duplicate key"),
        ("inf.yaml", _scenario("  instrument: {size_bn: .inf}\n").encode(), "inf.yaml: instrument.size_bn"),
    ]
    for name, data, words in uploads:
        at.file_uploader(key="scenario_upload").set_value((name, data, "application/x-yaml")).run()
        assert not at.exception, at.exception
        assert any(words in e.value for e in at.error), [e.value for e in at.error]
        assert not any("is ready to load" in s.value for s in at.success)
