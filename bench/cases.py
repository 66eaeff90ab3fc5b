"""The benchmark cases: each has a set-up (not timed) and a call (timed)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[], Any]
    call: Callable[[Any], Any]
    max_seconds: float | None = None
    max_mb: float | None = None
    quick: bool = True
    heavy: bool = False

    @property
    def target_text(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"<= {self.max_seconds:g} s")
        if self.max_mb is not None:
            parts.append(f"<= {self.max_mb / 1024:g} GB")
        return ", ".join(parts) or "(no target)"

    def verdict(self, seconds: float, peak_mb: float) -> str:
        if self.max_seconds is None and self.max_mb is None:
            return "measured"
        ok = (self.max_seconds is None or seconds <= self.max_seconds) and (
            self.max_mb is None or peak_mb <= self.max_mb
        )
        return "meets target" if ok else "MISSES target"


# ---------------------------------------------------------------- top-down


def _top_down_setup():
    from fundmodel import default_parameters

    return default_parameters()


def _top_down_call(params):
    from fundmodel.core.topdown import run

    return f"{run(params).total_investment_bn:,.0f} bn"


def _override_setup():
    from fundmodel import default_parameters

    return default_parameters(), {"fields": {"digital_economy": {"fund_share_of_capital": 0.35}}}


def _override_call(state):
    from fundmodel.core.topdown import run

    params, overrides = state
    return f"{run(params.with_overrides(overrides)).total_investment_bn:,.0f} bn"


CASES: list[Case] = [
    Case("top-down model run (8 fields x 3 banks)", _top_down_setup, _top_down_call),
    Case("top-down recompute after one input change", _override_setup, _override_call),
]


# ------------------------------------------------- what-if: sensitivity, goal-seek, Monte Carlo


def _uncertain_setup():
    from fundmodel.analysis.uncertainty import parse_uncertainty
    from fundmodel.inputs.bundled import SCENARIO_DIR
    from fundmodel.inputs.scenario import load_scenario

    scenario = load_scenario(SCENARIO_DIR / "uncertain_leverage.yaml")
    params = scenario.parameters()
    return params, parse_uncertainty(scenario.uncertainty, params, scenario.source)


def _monte_carlo_call(draws):
    def call(state):
        from fundmodel.analysis.uncertainty import monte_carlo

        params, spec = state
        mc = monte_carlo(spec, params, draws=draws)
        return f"P50 {mc.summary.loc['total_investment_bn', 'p50']:,.0f} bn, {len(spec.variables)} variables"

    return call


def _sensitivity_call(state):
    from fundmodel.analysis.uncertainty import sensitivity

    return f"{len(sensitivity(state[0], by='field').table)} bars"


def _goal_seek_call(state):
    from fundmodel.analysis.uncertainty import goal_seek

    return f"s = {goal_seek(6000, 'fund_share_of_capital', state[0], mode='value').change:.5f}"


CASES += [
    Case("Monte Carlo 10,000 draws x 8 fields x 3 banks", _uncertain_setup, _monte_carlo_call(10_000), max_seconds=0.5),
    Case("Monte Carlo 100,000 draws x 8 fields x 3 banks", _uncertain_setup, _monte_carlo_call(100_000)),
    Case("sensitivity by field (6 assumptions)", _uncertain_setup, _sensitivity_call),
    Case("goal-seek uniform s to 6,000 bn", _uncertain_setup, _goal_seek_call),
]


# ---------------------------------------------------------------- Excel workbook


def _excel_top_down_setup():
    from fundmodel import run

    return run()


def _excel_portfolio_setup():
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.bundled import SCENARIO_DIR
    from fundmodel.inputs.portfolio import read_portfolio

    return run_portfolio(read_portfolio(SCENARIO_DIR.parent / "national_synthetic.csv"))


def _excel_call(state):
    from fundmodel.outputs.excel import workbook_bytes

    data = workbook_bytes(state, lang="zh", unit="yi")
    projects = 0 if state.projects is None else len(state.projects)
    return f"{len(data) / 1e6:.2f} MB, {projects:,} projects"


CASES += [
    Case("Excel export, top-down (live formulas)", _excel_top_down_setup, _excel_call),
    Case("Excel export, 2,300-project portfolio", _excel_portfolio_setup, _excel_call, max_seconds=3),
]


# ------------------------------------------------- portfolios at 2,300 / 100,000 / 1,000,000 projects

SIZES = {2_300: "2,300", 100_000: "100k", 1_000_000: "1M"}
BENCH_DATA = Path(tempfile.gettempdir()) / "fundmodel-bench"


def _generator_key() -> str:
    """Short hash of the generator and its calibration: cached files are remade when either changes."""
    import hashlib

    from fundmodel.inputs import synthetic

    digest = hashlib.sha256(Path(synthetic.__file__).read_bytes() + synthetic.CALIBRATION_FILE.read_bytes())
    return digest.hexdigest()[:8]


def portfolio_file(n: int) -> Path:
    """A synthetic portfolio CSV of ``n`` projects, made once and kept for later runs."""
    from fundmodel.inputs.synthetic import generate_portfolio, write_portfolio

    path = BENCH_DATA / f"synthetic_{n}_{_generator_key()}.csv"
    if not path.exists():
        BENCH_DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_portfolio(generate_portfolio(n, seed=2025), tmp)
        tmp.replace(path)
    return path


def candidates_file(n: int, oversubscription: float = 2.0) -> Path:
    """Candidates asking for ``oversubscription`` x the 500 bn (requests and investment scaled
    together, so every project keeps its ratios and stays valid): selection must choose."""
    from fundmodel.inputs.synthetic import generate_portfolio, write_portfolio

    path = BENCH_DATA / f"candidates_{n}_x{oversubscription:g}_{_generator_key()}.csv"
    if not path.exists():
        BENCH_DATA.mkdir(parents=True, exist_ok=True)
        frame = generate_portfolio(n, seed=2026)
        for column in ("fund_requested_bn", "total_investment_bn"):
            frame[column] *= oversubscription
        tmp = path.with_suffix(".tmp")
        write_portfolio(frame, tmp)
        tmp.replace(path)
    return path


def _candidates_setup(n):
    def setup():
        from fundmodel.inputs.portfolio import read_portfolio

        return read_portfolio(candidates_file(n))

    return setup


def _read_setup(n):
    return lambda: portfolio_file(n)


def _read_call(path):
    from fundmodel.inputs.portfolio import read_table

    return f"{len(read_table(path)):,} rows"


def _validate_setup(n):
    def setup():
        from fundmodel.inputs.portfolio import read_table

        path = portfolio_file(n)
        return read_table(path), path.name

    return setup


def _validate_call(state):
    from fundmodel.inputs.portfolio import parse_portfolio

    raw, name = state
    portfolio = parse_portfolio(raw, source=name)
    return f"{portfolio.n_errors} errors"


def _model_setup(n):
    def setup():
        from fundmodel.inputs.portfolio import read_portfolio

        return read_portfolio(portfolio_file(n))

    return setup


def _model_call(portfolio):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import Portfolio

    # A first run: the same columns without what an earlier run derived (group codes, phasing).
    fresh = Portfolio(
        columns=portfolio.columns,
        index=portfolio.index,
        issues=portfolio.issues,
        source=portfolio.source,
        params_fingerprint=portfolio.params_fingerprint,
    )
    r = run_portfolio(fresh, cashflow=False)  # cash-flow metrics are a case of their own
    return f"{r.total_investment_bn:,.0f} bn, {r.multiplier:.2f}x"


def _end_to_end_call(path):
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    r = run_portfolio(read_portfolio(path))
    return f"{r.total_investment_bn:,.0f} bn"


def _select_call(portfolio):
    from fundmodel.analysis.selection import select_projects

    s = select_projects(portfolio, objective="total", with_result=False)
    proven = "optimal within 1e-5" if s.proven_optimal else "not proven optimal"
    return (
        f"{int(s.chosen.shape[0]):,} chosen, gain over greedy {s.gain:,.3f} bn; {s.method}, "
        f"gap {s.gap:.1e} of the bound, {proven}"
    )


for _n, _label in SIZES.items():
    _big = _n >= 1_000_000
    CASES += [
        Case(f"read CSV, {_label} projects", _read_setup(_n), _read_call, quick=_n == 2_300, heavy=_big),
        Case(f"validate, {_label} projects", _validate_setup(_n), _validate_call, quick=_n == 2_300, heavy=_big),
        Case(
            f"bottom-up model run (capital stack, checks, macro), {_label} projects",
            _model_setup(_n),
            _model_call,
            max_seconds=0.05 if _n == 2_300 else None,
            quick=_n == 2_300,
            heavy=_big,
        ),
    ]


def xlsx_file(n: int) -> Path:
    """The synthetic portfolio of ``n`` projects as an XLSX (written once, kept)."""
    import openpyxl

    path = portfolio_file(n).with_suffix(".xlsx")
    if not path.exists():
        frame = pd_read_csv(portfolio_file(n))
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("portfolio")
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([None if v != v else v for v in row])
        tmp = path.with_suffix(".tmp.xlsx")
        book.save(tmp)
        tmp.replace(path)
    return path


def pd_read_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=object, keep_default_na=False)


def _xlsx_setup(n):
    return lambda: xlsx_file(n)


def _openpyxl_read_call(path):
    """The reader before calamine: pandas over openpyxl, every cell as text."""
    import pandas as pd

    raw = pd.read_excel(path, sheet_name=0, dtype=object, header=None)
    return f"{len(raw) - 1:,} rows"


for _n, _label in list(SIZES.items())[:2]:
    CASES += [
        Case(f"read XLSX (calamine), {_label} projects", _xlsx_setup(_n), _read_call, quick=_n == 2_300),
        Case(
            f"read XLSX (openpyxl via pandas, before), {_label} projects",
            _xlsx_setup(_n),
            _openpyxl_read_call,
            quick=_n == 2_300,
        ),
    ]

CASES += [
    Case(
        "read + validate + model, 1M projects",
        _read_setup(1_000_000),
        _end_to_end_call,
        max_seconds=10,
        max_mb=4096,
        quick=False,
        heavy=True,
    ),
    Case(
        "selection (MILP), 2,300 candidates asking 2x the fund", _candidates_setup(2_300), _select_call, max_seconds=5
    ),
    Case(
        "selection (LP + core MILP), 100k candidates asking 2x the fund",
        _candidates_setup(100_000),
        _select_call,
        quick=False,
    ),
]


# ------------------------------------ portfolios: generator, cash-flow metrics, all-or-nothing selection


def _generator_call(n):
    def call(_):
        from fundmodel.inputs.synthetic import generate_portfolio

        return f"{len(generate_portfolio(n, seed=1)):,} rows"

    return call


def _metrics_call(portfolio):
    from fundmodel.core.cashflow import cashflow_metrics

    m = cashflow_metrics(portfolio.frame)
    return f"{int((m['cashflow_status'] == 'ok').sum()):,} projects with metrics"


def _select_whole_call(portfolio):
    from fundmodel.analysis.selection import SelectionConstraints, select_projects

    s = select_projects(portfolio, "total", SelectionConstraints(min_fraction=1.0), with_result=False)
    return f"{int(s.chosen.shape[0]):,} chosen, gain over greedy {s.gain:,.1f} bn (all or nothing)"


CASES += [
    Case("synthetic generator, 1M projects", lambda: None, _generator_call(1_000_000), quick=False, heavy=True),
    Case(
        "cash-flow metrics (IRR, NPV, DSCR, payback, subsidy), 2,300 projects",
        _model_setup(2_300),
        _metrics_call,
        max_seconds=1,
    ),
    Case("cash-flow metrics, 100k projects", _model_setup(100_000), _metrics_call, quick=False),
    Case("cash-flow metrics, 1M projects", _model_setup(1_000_000), _metrics_call, quick=False, heavy=True),
    Case(
        "selection (MILP, all or nothing), 2,300 candidates asking 2x the fund",
        _candidates_setup(2_300),
        _select_whole_call,
    ),
]


# ---------------------------------------------------------------------- dashboard
# Re-render after one changed assumption, on the 2,300-project synthetic portfolio (model
# basis "portfolio"): each call moves the green field's additionality to a value not seen
# before, so the cached model cannot answer and the portfolio is re-read and re-run.

_APP = Path(__file__).resolve().parent.parent / "app.py"


def _dashboard_setup():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(_APP), default_timeout=120)
    at.run()
    at.radio(key="basis__en").set_value("portfolio").run()
    at.switch_page("fundmodel_dashboard/screens/leverage.py").run()
    return {"at": at, "step": 0}


def _dashboard_call(state):
    state["step"] += 1
    value = 0.55 + 0.001 * state["step"]
    at = state["at"]
    at.slider(key="lev_a_green_low_carbon").set_value(value).run()
    if at.exception:
        raise RuntimeError(str(at.exception[0].value))
    shown = {m.label: m.value for m in at.metric}["Net investment (bn RMB)"]
    return f"script run (AppTest), net investment {shown} bn at a = {value:.3f}"


def _browser_setup():
    import atexit
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    server = subprocess.Popen(
        [streamlit, "run", str(_APP), "--server.headless", "true", "--server.port", str(port)],
        cwd=_APP.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(server.terminate)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    pw = sync_playwright().start()
    browser = pw.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    )
    atexit.register(pw.stop)
    atexit.register(browser.close)
    page = browser.new_page(viewport={"width": 1480, "height": 1000})
    page.goto(f"http://127.0.0.1:{port}")
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
    page.get_by_text("Portfolio (project by project)").click()
    page.wait_for_timeout(1500)
    page.get_by_role("link", name="Leverage assumptions").click()
    page.locator(".st-key-lev_a_green_low_carbon input[type='range']").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    return {"page": page}


def _browser_call(state):
    page = state["page"]
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Net investment").first
    value = card.locator('[data-testid="stMetricValue"]')
    before = value.inner_text()
    thumb = page.locator(".st-key-lev_a_green_low_carbon input[type='range']")
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function(
        "([el, old]) => el.innerText !== old", arg=[value.element_handle(), before], polling=10, timeout=30_000
    )
    return f"key press to new KPI in Chromium: {before} -> {value.inner_text()} bn"


CASES += [
    Case("dashboard re-render, one assumption, 2,300 projects", _dashboard_setup, _dashboard_call, max_seconds=0.5),
    Case("dashboard in Chromium, slider to KPI, 2,300 projects", _browser_setup, _browser_call, max_seconds=0.5),
]


# ---------------------------------------------------------------- project-level Monte Carlo


def _project_mc_call(portfolio):
    from fundmodel.analysis.project_uncertainty import project_monte_carlo

    mc = project_monte_carlo(portfolio, draws=1000)
    return f"P50 {mc.summary.loc['total_investment_bn', 'p50']:,.0f} bn over {mc.projects:,} projects"


CASES += [Case("Monte Carlo 1,000 draws x 2,300 projects", _model_setup(2_300), _project_mc_call)]


# ---------------------------------------------------------------- Excel at 100k rows


def _excel_100k_setup():
    from fundmodel.core.bottom_up import run_portfolio
    from fundmodel.inputs.portfolio import read_portfolio

    return run_portfolio(read_portfolio(portfolio_file(100_000)), cashflow=False)


CASES += [Case("Excel export, 100k-project portfolio", _excel_100k_setup, _excel_call, quick=False)]


# ------------------------------------------- portfolio basis: projects chosen under the allocation


def _budgets_setup():
    from fundmodel.analysis.budgets import select_under_budgets
    from fundmodel.inputs.bundled import PORTFOLIO_DIR
    from fundmodel.inputs.parameters import default_parameters
    from fundmodel.inputs.portfolio import read_portfolio

    params = default_parameters()
    portfolio = read_portfolio(PORTFOLIO_DIR / "national_synthetic.csv", params=params)
    return portfolio, params, select_under_budgets(portfolio, params, params.allocation_matrix)


def _budgets_call(state):
    # what the dashboard recomputes after a transfer: the two changed cells, then the run
    from fundmodel.analysis.budgets import select_under_budgets
    from fundmodel.edits import transfer

    portfolio, params, before = state
    budgets = transfer(params.allocation_matrix, (4, 0), (4, 2), 5.0)
    chosen = select_under_budgets(portfolio, params, budgets, previous=before)
    result = chosen.run(params, "bench", cashflow=False)
    return f"{chosen.n_chosen:,} of {len(chosen.projects):,} funded, {result.total_investment_bn:,.1f} bn"


CASES += [
    Case(
        "portfolio under the allocation's cell budgets after a transfer, 2,300 projects", _budgets_setup, _budgets_call
    )
]
