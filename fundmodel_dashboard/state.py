"""Session state of the dashboard: the one place that holds what the planner has edited.

The edited values live in plain session-state entries (never only inside widgets, whose
state Streamlit drops when their page is not shown):

* ``instrument``: the instrument (parameter package) the session runs on (sidebar selector)
* ``scenario_key``: which scenario the edits start from
* ``allocation_bn``: the fields x banks matrix (numpy, bn RMB), the single source of the
  allocation; the data editor shows it and writes its cell edits back into it
* ``assumptions``: {field id: {assumption: value}} (fractions)
* ``bank_scale``: {bank id: fund_share_scale}
* ``editor_version``: bumped when the allocation is replaced (scenario change, reset,
  proposal applied) so that the data editor starts clean on the new matrix

The model runs through a :class:`fundmodel.session.Session` (scenario, edits, allocation,
portfolio and its cell edits), cached on a hashable form of its inputs.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from fundmodel.analysis.budgets import BudgetedSelection
from fundmodel.analysis.selection import Selection, SelectionConstraints, select_projects
from fundmodel.core.cashflow import cashflow_metrics
from fundmodel.core.result import Result
from fundmodel.edits import (
    FIELD_ASSUMPTIONS,
    History,
    assumption_table,
    bank_scales,
    freeze,
    leverage_overrides,
    thaw,
    transfer,
)
from fundmodel.errors import InputError
from fundmodel.inputs.bundled import PORTFOLIO_DIR, SCENARIO_DIR
from fundmodel.inputs.parameters import (
    DEFAULT_INSTRUMENT,
    ParameterError,
    Parameters,
    bundled_instruments,
    default_parameters,
    instrument_id,
)
from fundmodel.inputs.portfolio import Portfolio, PortfolioError, parse_portfolio, read_table
from fundmodel.inputs.scenario import Scenario, baseline, load_scenario
from fundmodel.messages import render_error
from fundmodel.outputs.excel import write_portfolio_file
from fundmodel.session import Session
from fundmodel.store import ScenarioStore, StoreError, VersionInfo, database_url
from fundmodel_dashboard import auth
from fundmodel_dashboard.editing import project_cell_edits
from fundmodel_dashboard.widgets import lang, unit

DEFAULT_SCENARIO = "baseline.yaml"
#: Package folders offered in the instrument selector besides the bundled ones (os.pathsep-separated).
INSTRUMENTS_ENV = "FUNDMODEL_INSTRUMENTS"
WIDGET_PREFIX = "lev_"


@dataclass(frozen=True)
class Inputs:
    """Everything a run depends on, in hashable form (the cache key)."""

    scenario_key: str
    scenario_name: str
    base_overrides: tuple
    edit_overrides: tuple
    allocation_bn: tuple
    instrument: str = DEFAULT_INSTRUMENT

    def allocation_matrix(self) -> np.ndarray:
        return np.array(self.allocation_bn, dtype=float)

    def session(
        self, source: str, portfolio: Portfolio | None = None, cell_edits: tuple = (), edited: Parameters | None = None
    ) -> Session:
        """The library's session of these inputs (the parameters come from the caches here)."""
        scenario = Scenario(
            name=self.scenario_name, overrides=thaw(self.base_overrides), source=source, instrument=self.instrument
        )
        return Session(
            scenario,
            edits=thaw(self.edit_overrides),
            allocation_bn=self.allocation_matrix() if self.allocation_bn else None,
            portfolio=portfolio,
            cell_edits=dict(cell_edits),
            base=base_parameters(self.base_overrides, source, self.instrument),
            edited=edited,
        )


# ----------------------------------------------------------------- scenarios


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario files by file name, baseline first."""
    files = sorted(SCENARIO_DIR.glob("*.yaml"), key=lambda p: (p.name != DEFAULT_SCENARIO, p.name))
    return {p.name: p for p in files}


@functools.lru_cache(maxsize=64)  # read on every page many times: a plain cache, no hashing of arguments
def _load_bundled(name: str, mtime: float) -> Scenario:
    return load_scenario(SCENARIO_DIR / name)


# ----------------------------------------------------------------- instruments


def instrument_choices() -> list[str]:
    """The instruments the sidebar offers: the bundled ones, then the package folders named in
    ``FUNDMODEL_INSTRUMENTS``."""
    extra = [instrument_id(p) for p in os.environ.get(INSTRUMENTS_ENV, "").split(os.pathsep) if p.strip()]
    return list(dict.fromkeys([*bundled_instruments(), *extra]))


def instrument() -> str:
    """The instrument of this session."""
    return st.session_state.get("instrument", DEFAULT_INSTRUMENT)


def baseline_key(name: str) -> str:
    """The scenario key of an instrument's baseline (for 2025 the bundled baseline file)."""
    return DEFAULT_SCENARIO if name == DEFAULT_INSTRUMENT else f"instrument:{name}"


@st.cache_resource(show_spinner=False)
def _instrument_baseline(name: str) -> Scenario:
    return baseline(name)


def choose_instrument() -> None:
    """Sidebar callback: start over on the chosen instrument's baseline (its fields and banks
    differ, so edits do not carry over); a bundled portfolio belongs to 2025, so another
    instrument opens top-down."""
    name = instrument()
    if name != DEFAULT_INSTRUMENT:
        st.session_state["basis"] = "top_down"
        for key in [k for k in st.session_state if str(k).startswith("basis__")]:
            del st.session_state[key]  # the basis radio (one per language) is seeded again from "basis"
    st.session_state.pop("selection_bounds", None)
    load_into_session(baseline_key(name))


def scenario_of(key: str) -> Scenario:
    """The scenario behind ``key`` (a bundled file name, an instrument's baseline, or one
    registered in the session)."""
    extra: dict[str, Scenario] = st.session_state.get("extra_scenarios", {})
    if key in extra:
        return extra[key]
    if key.startswith("instrument:"):
        return _instrument_baseline(key.removeprefix("instrument:"))
    path = SCENARIO_DIR / key
    return _load_bundled(key, path.stat().st_mtime)


def register_scenario(key: str, scenario: Scenario) -> None:
    """Make a scenario (uploaded, or loaded from the library) selectable in this session."""
    extra = dict(st.session_state.get("extra_scenarios", {}))
    extra[key] = scenario
    st.session_state["extra_scenarios"] = extra


def scenario_keys() -> list[str]:
    """The scenarios of the session's instrument: its baseline (for 2025 the bundled files),
    then those registered in the session (uploaded, or loaded from the library)."""
    name = instrument()
    own = list(bundled_scenarios()) if name == DEFAULT_INSTRUMENT else [baseline_key(name)]
    extra: dict[str, Scenario] = st.session_state.get("extra_scenarios", {})
    return own + [key for key, s in extra.items() if s.instrument_name == name]


@st.cache_resource(show_spinner=False, max_entries=32)
def base_parameters(base_overrides: tuple, source: str, instrument: str = DEFAULT_INSTRUMENT) -> Parameters:
    """The instrument's parameters with a scenario's overrides applied (cached)."""
    return default_parameters(instrument).with_overrides(thaw(base_overrides), source=source)


# ------------------------------------------------------------------- session


def init() -> None:
    """Fill the session with the default scenario on first use."""
    st.session_state.setdefault("lang", "en")
    st.session_state.setdefault("unit", "bn")
    st.session_state.setdefault("editor_version", 0)
    st.session_state.setdefault("instrument", DEFAULT_INSTRUMENT)
    # The dashboard opens on the bundled national portfolio, run project by project.
    if "basis" not in st.session_state:
        st.session_state["basis"] = "portfolio" if DEFAULT_PORTFOLIO in bundled_portfolios() else "top_down"
    st.session_state.setdefault("portfolio_key", DEFAULT_PORTFOLIO)
    # The portfolio boxes live on one page; Streamlit forgets a widget's value on pages that
    # do not draw it, so the choice is written back on every run to outlive a page change.
    for key in ("portfolio_key", "portfolio_unit", *SELECTION_DEFAULTS):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    if "scenario_key" not in st.session_state:
        load_into_session(baseline_key(instrument()))
    record_edit()


def load_into_session(key: str) -> None:
    """Start editing from scenario ``key``: its allocation and assumptions replace the
    edited ones (the planner asked for it by choosing the scenario or pressing reset)."""
    scenario = scenario_of(key)
    try:
        scenario.check_instrument(instrument())
    except ParameterError as exc:  # a scenario of another instrument: one error naming both, nothing loaded
        st.session_state["library_flash"] = ("error", render_error(exc, lang(), unit()), {})
        return
    params = base_parameters(freeze(scenario.overrides), scenario.source, scenario.instrument_name)
    st.session_state["scenario_key"] = key
    st.session_state["scenario_choice"] = key
    for widget_key in scenario_choice_keys():  # re-seeded from scenario_choice when drawn
        st.session_state.pop(widget_key, None)
    st.session_state["allocation_bn"] = np.array(params.allocation_matrix, dtype=float)
    _put_back_assumptions(params)
    bump_editor()
    st.session_state.pop("proposal_bn", None)
    st.session_state["edit_history"] = History(_snapshot())  # undo stays within one scenario


def _put_back_assumptions(params: Parameters | None = None) -> None:
    """Put the scenario's leverage assumptions back (fields and bank scales)."""
    params = params or current_base()
    table = assumption_table(params)
    st.session_state["assumptions"] = {
        fid: {name: float(table.loc[fid, name]) for name in FIELD_ASSUMPTIONS} for fid in params.field_ids
    }
    st.session_state["bank_scale"] = bank_scales(params)
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def _as_one_step(change):
    """The edit ``change`` as one undo step: what was edited before it and not yet recorded
    (a slider on a page that re-ran alone) is recorded first as a step of its own."""

    @functools.wraps(change)
    def step(*args, **kwargs):
        record_edit()
        change(*args, **kwargs)
        record_edit()

    return step


@_as_one_step
def reset_assumptions() -> None:
    """Button callback: put the scenario's leverage assumptions back (one undo step)."""
    _put_back_assumptions()


@_as_one_step
def reset_allocation() -> None:
    """Put the scenario's allocation back."""
    st.session_state["allocation_bn"] = np.array(current_base().allocation_matrix, dtype=float)
    bump_editor()


def set_allocation(matrix_bn: np.ndarray) -> None:
    """Replace the whole allocation (a proposal the planner applied)."""
    st.session_state["allocation_bn"] = np.array(matrix_bn, dtype=float)
    bump_editor()


@_as_one_step
def apply_proposal() -> None:
    """Apply the proposed allocation (the planner pressed "apply")."""
    proposal = st.session_state.pop("proposal_bn", None)
    if proposal is not None:
        set_allocation(proposal)


def discard_proposal() -> None:
    st.session_state.pop("proposal_bn", None)


def bump_editor() -> None:
    """Give the allocation editor a new key, so it shows the new matrix without old edits."""
    st.session_state["editor_version"] = st.session_state.get("editor_version", 0) + 1


def editor_key() -> str:
    """Key of the allocation editor; it changes with the unit (edits are in that unit)."""
    return f"allocation_editor_{st.session_state['unit']}_{st.session_state['editor_version']}"


def current_scenario() -> Scenario:
    return scenario_of(st.session_state["scenario_key"])


def current_base() -> Parameters:
    scenario = current_scenario()
    return base_parameters(freeze(scenario.overrides), scenario.source, instrument())


def edit_overrides(params: Parameters | None = None) -> dict[str, Any]:
    """The planner's leverage edits that differ from the scenario, as overrides."""
    params = params or current_base()
    return leverage_overrides(params, st.session_state["assumptions"], st.session_state["bank_scale"])


def current_inputs() -> Inputs:
    """The inputs of the current state; the run is named after the scenario, marked as
    edited when it differs from the scenario as loaded."""
    scenario = current_scenario()
    edits = freeze(edit_overrides())
    allocation = freeze(st.session_state["allocation_bn"])
    edited = bool(edits) or allocation != freeze(current_base().allocation_matrix)
    return Inputs(
        scenario_key=st.session_state["scenario_key"],
        scenario_name=scenario_title(scenario) + (edited_suffix() if edited else ""),
        base_overrides=freeze(scenario.overrides),
        edit_overrides=edits,
        allocation_bn=allocation,
        instrument=instrument(),
    )


def scenario_inputs() -> Inputs:
    """The inputs of the scenario as loaded (no edits): the reference for KPI deltas."""
    scenario = current_scenario()
    params = current_base()
    return Inputs(
        scenario_key=st.session_state["scenario_key"],
        scenario_name=scenario_title(scenario),
        base_overrides=freeze(scenario.overrides),
        edit_overrides=(),
        allocation_bn=freeze(params.allocation_matrix),
        instrument=instrument(),
    )


@st.cache_resource(show_spinner=False, max_entries=128)
def _run_cached(inputs: Inputs, source: str) -> Result:
    # cache_resource, not cache_data: a Result holds validated Parameters (pydantic
    # generic models, not picklable) and is never mutated, so it is shared as is.
    return inputs.session(source).result(name=inputs.scenario_name)


def run_inputs(inputs: Inputs) -> Result:
    """The result of ``inputs`` (cached on them)."""
    return _run_cached(inputs, scenario_of(inputs.scenario_key).source)


def current_result() -> Result:
    """The result of the current edited state (cached on its inputs)."""
    return run_inputs(current_inputs())


def reference_result() -> Result:
    """The result of the scenario as loaded, without the planner's edits."""
    return run_inputs(scenario_inputs())


def is_edited() -> bool:
    inputs = current_inputs()
    return bool(inputs.edit_overrides) or inputs.allocation_bn != scenario_inputs().allocation_bn


# ------------------------------------------------------------------ undo / redo
# The edits (allocation, leverage assumptions, bank scales, the portfolios' cell edits) as one
# frozen snapshot; every change is recorded in an edits.History kept in the session
# ("edit_history").


def _frozen_cell_edits() -> tuple:
    """Every portfolio's cell edits, hashable: (portfolio key, ((row, column, value), ...)) pairs."""
    stored = st.session_state.get("project_edits", {})
    return tuple(
        (key, tuple(sorted(((row, column, value) for (row, column), value in cells.items()), key=str)))
        for key, cells in sorted(stored.items())
        if cells
    )


def _snapshot() -> tuple:
    return (
        freeze(st.session_state["allocation_bn"]),
        freeze(st.session_state["assumptions"]),
        freeze(st.session_state["bank_scale"]),
        _frozen_cell_edits(),
    )


def edit_history() -> History:
    """The undo / redo history of this session's edits."""
    if "edit_history" not in st.session_state:
        st.session_state["edit_history"] = History(_snapshot())
    return st.session_state["edit_history"]


def record_edit() -> None:
    """Record the edits as they are now (no step when nothing changed since the last)."""
    st.session_state["edit_history"] = edit_history().record(_snapshot())


#: What a snapshot holds, in its order (the words a step's tooltip names).
SNAPSHOT_PARTS = ("allocation_bn", "assumptions", "bank_scale", "project_edits")


def changed_parts(before: tuple, after: tuple) -> list[str]:
    """Which parts of the edits (:data:`SNAPSHOT_PARTS`) differ between two snapshots.

    >>> changed_parts(((1.0,), (), (), ()), ((2.0,), (), (), ()))
    ['allocation_bn']
    """
    return [name for name, a, b in zip(SNAPSHOT_PARTS, before, after, strict=True) if a != b]


def _restore(snapshot: tuple) -> None:
    allocation, assumptions, scales, cell_edits = snapshot
    st.session_state["allocation_bn"] = np.array(thaw(allocation), dtype=float)
    st.session_state["assumptions"] = thaw(assumptions)
    st.session_state["bank_scale"] = thaw(scales)
    bump_editor()
    restored = {key: {(row, column): value for row, column, value in cells} for key, cells in cell_edits}
    if restored != {k: v for k, v in st.session_state.get("project_edits", {}).items() if v}:
        st.session_state["project_edits"] = restored
        # a new project editor: it shows the file's cells with the restored edits, none of its own
        st.session_state["project_editor_version"] = st.session_state.get("project_editor_version", 0) + 1
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def undo_edit() -> None:
    """Button callback: one edit back."""
    record_edit()
    history = edit_history().undo()
    st.session_state["edit_history"] = history
    _restore(history.present)


def redo_edit() -> None:
    """Button callback: one undone edit again."""
    record_edit()
    history = edit_history().redo()
    st.session_state["edit_history"] = history
    _restore(history.present)


def transfer_allocation(source: tuple[int, int], target: tuple[int, int], amount_bn: float) -> None:
    """Button callback: move ``amount_bn`` between two allocation cells (one undo step).
    A refused transfer leaves the allocation as it was and keeps the reason for the page
    (``transfer_refused``)."""
    record_edit()
    try:
        matrix = transfer(st.session_state["allocation_bn"], source, target, amount_bn)
    except InputError:
        st.session_state["transfer_refused"] = (source, target, amount_bn)
        return
    st.session_state.pop("transfer_refused", None)
    set_allocation(matrix)
    record_edit()


# ----------------------------------------------------------------- portfolios

DEFAULT_PORTFOLIO = "national_synthetic.csv"
UPLOAD_PREFIX = "upload:"


def bundled_portfolios() -> dict[str, Path]:
    """Bundled portfolio files by file name, the national synthetic one first (the folder is
    listed again when it changes: a run asks for it several times)."""
    return dict(_bundled_portfolios(PORTFOLIO_DIR, PORTFOLIO_DIR.stat().st_mtime_ns))


@functools.lru_cache(maxsize=4)
def _bundled_portfolios(folder: Path, folder_mtime_ns: int) -> dict[str, Path]:
    files = [p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx")]
    files.sort(key=lambda p: (p.name != DEFAULT_PORTFOLIO, p.name))
    return {p.name: p for p in files}


@functools.lru_cache(maxsize=8)
def _file_bytes(path: Path, mtime_ns: int, size: int) -> bytes:
    """A bundled file's bytes, read again when it changes (a run reads the portfolio several times)."""
    return path.read_bytes()


def register_upload(name: str, data: bytes) -> str:
    """Keep an uploaded portfolio in the session; returns its key (name and content hash)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    key = f"{UPLOAD_PREFIX}{digest}:{name}"
    uploads = dict(st.session_state.get("portfolio_uploads", {}))
    uploads[key] = (name, data)
    st.session_state["portfolio_uploads"] = uploads
    return key


def portfolio_keys() -> list[str]:
    return list(bundled_portfolios()) + list(st.session_state.get("portfolio_uploads", {}))


def portfolio_title(key: str) -> str:
    if key.startswith(UPLOAD_PREFIX):
        return key.split(":", 2)[2]
    return key


def _portfolio_source(key: str) -> tuple[str, bytes]:
    if key.startswith(UPLOAD_PREFIX):
        return st.session_state["portfolio_uploads"][key]
    path = bundled_portfolios()[key]
    stat = path.stat()
    return path.name, _file_bytes(path, stat.st_mtime_ns, stat.st_size)


@st.cache_resource(show_spinner=False, max_entries=16)
def _raw_table(key: str, name: str, data: bytes) -> pd.DataFrame:
    """The file's cells as text (read once per file; parsing depends on the parameters)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_file_name(name)
        path.write_bytes(data)
        return read_table(path)


def upload_file_name(name: str) -> str:
    """The name an uploaded file is read under (from a folder of its own), so that every
    message about it names the user's file: the name without any folder, or
    ``portfolio.csv`` where no file could take it (empty, ``.``/``..``, over 200 bytes).

    >>> upload_file_name("项目/长表.xlsx"), upload_file_name(".."), upload_file_name("a" * 300)
    ('长表.xlsx', 'portfolio.csv', 'portfolio.csv')
    """
    base = Path(name.replace("\\", "/")).name
    if base in ("", ".", "..") or len(base.encode("utf-8")) > 200 or "\x00" in base:
        return "portfolio" + (Path(name).suffix.lower()[:8] or ".csv")
    return base


@st.cache_resource(show_spinner=False, max_entries=32)
def run_parameters(base_overrides: tuple, edit_overrides: tuple, source: str, instrument: str) -> Parameters:
    """A scenario's parameters with the planner's edits on top (cached: one object per state)."""
    return Inputs("", "", base_overrides, edit_overrides, (), instrument).session(source).parameters


@st.cache_resource(show_spinner=False, max_entries=16)
def _read_portfolio(
    key: str,
    name: str,
    data: bytes,
    unit: str | None,
    base_overrides: tuple,
    edit_overrides: tuple,
    source: str,
    instrument: str,
    column_map: tuple = (),
) -> Portfolio:
    # Validation and the defaults a project leaves empty (additionality, infrastructure
    # share ...) depend on the parameters, so the edited parameters are part of the key.
    params = run_parameters(base_overrides, edit_overrides, source, instrument)
    table = _raw_table(key, name, data).copy()
    if column_map:  # the user's corrections of how columns are read (fundmodel_dashboard.mapping)
        table.attrs = {**table.attrs, "column_map": dict(column_map)}
    return parse_portfolio(table, unit=unit, params=params, source=name)


@st.cache_resource(show_spinner=False, max_entries=16)
def _edited_portfolio(
    key: str,
    unit: str | None,
    base_overrides: tuple,
    edit_overrides: tuple,
    source: str,
    edits: tuple,
    _pf: Portfolio,
    instrument: str,
) -> Portfolio:
    # Only the edited rows are validated again (Portfolio.with_edits); the key holds every input.
    inputs = Inputs(key, "", base_overrides, edit_overrides, (), instrument)
    params = run_parameters(base_overrides, edit_overrides, source, instrument)
    return inputs.session(source, portfolio=_pf, cell_edits=edits, edited=params).validated_portfolio


def _column_map(key: str) -> tuple:
    """The user's corrections of how the columns of portfolio ``key`` are read (a cache key)."""
    return tuple(sorted(st.session_state.get("portfolio_column_maps", {}).get(key, {}).items()))


def current_portfolio() -> Portfolio | None:
    """The chosen portfolio with the planner's cell edits, read and validated under the
    current parameters; None when none is chosen. Raises PortfolioError when the file
    cannot be read as a table."""
    key = st.session_state.get("portfolio_key")
    if not key:
        return None
    name, data = _portfolio_source(key)
    inputs = current_inputs()
    scenario = current_scenario()
    unit = st.session_state.get("portfolio_unit")
    portfolio = _read_portfolio(
        key,
        name,
        data,
        unit,
        inputs.base_overrides,
        inputs.edit_overrides,
        scenario.source,
        inputs.instrument,
        _column_map(key),
    )
    edits = frozen_project_edits()
    if not edits:
        return portfolio
    return _edited_portfolio(
        key, unit, inputs.base_overrides, inputs.edit_overrides, scenario.source, edits, portfolio, inputs.instrument
    )


# ------------------------------------------------------------ project cell edits
# {portfolio key: {(row as in the file, header as written): cell}}: plain session state, so
# the edits survive page changes; the project editor's own state is merged into it.


def project_edits() -> dict[tuple[int, str], Any]:
    """The planner's cell edits of the chosen portfolio (absolute cells, as typed)."""
    key = st.session_state.get("portfolio_key")
    return dict(st.session_state.get("project_edits", {}).get(key, {}))


def frozen_project_edits() -> tuple:
    """:func:`project_edits` in hashable form, ordered by row and column (a cache key)."""
    return tuple(sorted(project_edits().items(), key=lambda item: (item[0][0], item[0][1])))


def project_editor_key() -> str:
    """Key of the project editor; a new one after the edits are discarded."""
    version = st.session_state.get("project_editor_version", 0)
    return f"project_editor_{st.session_state.get('portfolio_key')}_{version}"


def sync_project_editor() -> None:
    """Merge this run's project-editor cells into the stored edits, before anything reads
    the portfolio (so the report, KPIs and charts show the edited values)."""
    key = st.session_state.get("portfolio_key")
    editor = st.session_state.get(project_editor_key())
    if not key or not editor:
        return
    name, data = _portfolio_source(key)
    cells = project_cell_edits(_raw_table(key, name, data), editor)
    if cells:
        stored = dict(st.session_state.get("project_edits", {}))
        stored[key] = {**stored.get(key, {}), **cells}
        st.session_state["project_edits"] = stored


@_as_one_step
def discard_project_edits() -> None:
    """Forget the chosen portfolio's cell edits (the file's cells apply again)."""
    key = st.session_state.get("portfolio_key")
    stored = dict(st.session_state.get("project_edits", {}))
    stored.pop(key, None)
    st.session_state["project_edits"] = stored
    st.session_state["project_editor_version"] = st.session_state.get("project_editor_version", 0) + 1


def edited_portfolio_workbook() -> bytes:
    """The chosen portfolio's cells with the edits, as an .xlsx portfolio file (text stays
    text, never a formula), to read again with fundmodel."""
    portfolio = current_portfolio()
    if portfolio is None or portfolio.raw is None:
        raise PortfolioError("no portfolio chosen")
    raw = portfolio.raw
    rows = [[str(c) for c in raw.columns]]
    rows += [[None if pd.isna(v) else v for v in record] for record in raw.itertuples(index=False, name=None)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portfolio.xlsx"
        write_portfolio_file(rows, path)
        return path.read_bytes()


@st.cache_resource(show_spinner=False, max_entries=32)
def _portfolio_session(
    key: str,
    unit: str | None,
    base_overrides: tuple,
    edit_overrides: tuple,
    source: str,
    edits: tuple,
    allocation: tuple,
    _pf: Portfolio,
    instrument: str,
) -> Session:
    # One session per portfolio state and allocation: its budgeted selection is computed
    # once and shared by the run, the allocation page and the portfolio page. Under an
    # edited allocation, the cells whose budget is the scenario's keep that selection's
    # choice (after a transfer only two cells are solved again).
    # An edit of an assumption that does not move the requests (a fund share, additionality)
    # keeps every cell's choice of the last selection of the same portfolio: the selection
    # checks that the projects' decision columns are unchanged before reusing a cell.
    params = run_parameters(base_overrides, edit_overrides, source, instrument)
    scenario_allocation = freeze(params.allocation_matrix)
    last_key = (key, unit, edits, instrument)
    previous = _LAST_SELECTION.get(last_key)
    if previous is None and allocation and allocation != scenario_allocation:
        args = (key, unit, base_overrides, edit_overrides, source, edits, scenario_allocation, _pf, instrument)
        previous = _portfolio_session(*args).budgeted_selection
    inputs = Inputs(key, "", base_overrides, edit_overrides, allocation, instrument)
    session = dataclasses.replace(inputs.session(source, portfolio=_pf, edited=params), previous_selection=previous)
    if session.budgeted_selection is not None:
        if len(_LAST_SELECTION) >= _LAST_SELECTION_MAX:
            _LAST_SELECTION.clear()
        _LAST_SELECTION[last_key] = session.budgeted_selection
    return session


#: The newest budgeted selection per portfolio state (shared by the sessions of the process;
#: a selection is reused only where its projects' decision columns equal the new ones).
_LAST_SELECTION: dict[tuple, BudgetedSelection] = {}
_LAST_SELECTION_MAX = 16


@st.cache_resource(show_spinner=False, max_entries=32)
def _run_portfolio(
    key: str,
    unit: str | None,
    base_overrides: tuple,
    edit_overrides: tuple,
    source: str,
    name: str,
    edits: tuple,
    allocation: tuple,
    _pf: Portfolio,
    instrument: str,
) -> Result | None:
    session = _portfolio_session(key, unit, base_overrides, edit_overrides, source, edits, allocation, _pf, instrument)
    # Cash-flow metrics do not depend on the leverage assumptions: they are computed once per
    # portfolio (portfolio_cashflow), not on every change of an assumption.
    try:
        return session.budgeted_result(name, cashflow=False)
    except InputError:  # no project is funded under these budgets: the basis note says so
        return None


def _portfolio_args(edited: bool) -> tuple | None:
    """The cache key of the chosen portfolio's run under the current (or the scenario's)
    parameters and allocation, with the portfolio itself last; None without a valid one."""
    key = st.session_state.get("portfolio_key")
    portfolio = current_portfolio()
    if portfolio is None or not portfolio.ok:
        return None
    inputs = current_inputs() if edited else scenario_inputs()
    scenario = current_scenario()
    unit = st.session_state.get("portfolio_unit")
    if not edited:
        name, data = _portfolio_source(key)
        portfolio = _read_portfolio(
            key, name, data, unit, inputs.base_overrides, (), scenario.source, inputs.instrument, _column_map(key)
        )
        if not portfolio.ok:
            return None
    edits = frozen_project_edits() if edited else ()
    return (
        key,
        unit,
        inputs.base_overrides,
        inputs.edit_overrides,
        scenario.source,
        edits,
        inputs.allocation_bn,
        portfolio,
        inputs.instrument,
    )


def portfolio_result(edited: bool = True) -> Result | None:
    """The bottom-up run of the chosen portfolio's projects funded under the current (or,
    with ``edited=False``, the scenario's) parameters and allocation budgets; None without
    a valid portfolio or when no project is funded."""
    args = _portfolio_args(edited)
    if args is None:
        return None
    inputs = current_inputs() if edited else scenario_inputs()
    title = f"{inputs.scenario_name} · {portfolio_title(args[0])}"
    return _run_portfolio(*args[:5], title, *args[5:])


def portfolio_budgets(edited: bool = True) -> BudgetedSelection | None:
    """Which projects the allocation's cell budgets fund (None without a valid portfolio)."""
    args = _portfolio_args(edited)
    return None if args is None else _portfolio_session(*args).budgeted_selection


@st.cache_resource(show_spinner=False, max_entries=8)
def _cashflow(key: str, unit: str | None, edits: tuple, _frame: pd.DataFrame) -> pd.DataFrame:
    return cashflow_metrics(_frame)


def portfolio_cashflow() -> pd.DataFrame | None:
    """Cash-flow metrics of the chosen portfolio's projects (index as its rows; NaN where a
    project has no cash-flow data), computed once per portfolio."""
    portfolio = current_portfolio()
    if portfolio is None or not portfolio.ok:
        return None
    key, unit = st.session_state["portfolio_key"], st.session_state.get("portfolio_unit")
    return _cashflow(key, unit, frozen_project_edits(), portfolio.frame)


def basis() -> str:
    return st.session_state.get("basis", "top_down")


def active_result() -> Result:
    """The result the overview, comparison and export show: the portfolio run when the
    basis is "portfolio" and the portfolio is valid, else the top-down run."""
    if basis() == "portfolio":
        result = portfolio_result()
        if result is not None:
            return result
    return current_result()


def active_reference() -> Result:
    if basis() == "portfolio":
        result = portfolio_result(edited=False)
        if result is not None:
            return result
    return reference_result()


def warm_default(langs: tuple[str, ...] = ("en", "zh")) -> Result | None:
    """Fill the caches with what a new session opens on: the bundled baseline run on the
    bundled national portfolio, its projects chosen under the allocation's budgets (the
    slowest step: one small program per over-requested cell), with the run's name in each
    language. Called by the launcher while the server starts, so that the first planner after
    a start does not wait for it. The arguments are those a fresh session passes (no edits,
    no unit given, the scenario's allocation); returns the run in ``langs[0]``."""
    for name, path in bundled_scenarios().items():  # the sidebar names them all
        _load_bundled(name, path.stat().st_mtime)
    if DEFAULT_PORTFOLIO not in bundled_portfolios():
        return None
    scenario = _load_bundled(DEFAULT_SCENARIO, (SCENARIO_DIR / DEFAULT_SCENARIO).stat().st_mtime)
    base = freeze(scenario.overrides)
    params = base_parameters(base, scenario.source, DEFAULT_INSTRUMENT)
    name, data = DEFAULT_PORTFOLIO, bundled_portfolios()[DEFAULT_PORTFOLIO].read_bytes()
    portfolio = _read_portfolio(DEFAULT_PORTFOLIO, name, data, None, base, (), scenario.source, DEFAULT_INSTRUMENT)
    if not portfolio.ok:
        return None
    allocation = freeze(np.array(params.allocation_matrix, dtype=float))
    runs = [
        _run_portfolio(
            DEFAULT_PORTFOLIO,
            None,
            base,
            (),
            scenario.source,
            f"{scenario_title(scenario, lang)} · {portfolio_title(DEFAULT_PORTFOLIO)}",
            (),
            allocation,
            portfolio,
            DEFAULT_INSTRUMENT,
        )
        for lang in langs
    ]
    return runs[0]


# ------------------------------------------------------------ the state as a scenario


def current_session() -> Session:
    """The library's session of the current state (scenario, edits, allocation)."""
    return current_inputs().session(current_scenario().source)


def current_overrides() -> dict[str, Any]:
    """The scenario's overrides with the planner's edits (leverage and allocation) on top:
    the ``overrides:`` of a scenario file that reproduces the current state."""
    return current_session().overrides()


@st.cache_resource(show_spinner=False, max_entries=32)
def _parameters_of(overrides: tuple, instrument: str) -> Parameters:
    return Session(Scenario("current", thaw(overrides), instrument=instrument)).full_parameters()


def current_parameters() -> Parameters:
    """The parameters of the current state, allocation included (raises ParameterError
    when an edit breaks a rule a parameter file may not break, e.g. a negative cell)."""
    return _parameters_of(freeze(current_overrides()), instrument())


def scenario_portfolio(key: str) -> Portfolio | None:
    """The chosen portfolio read under scenario ``key``'s parameters (no edits); None
    without a portfolio or off the portfolio basis."""
    if basis() != "portfolio" or not st.session_state.get("portfolio_key"):
        return None
    scenario = scenario_of(key)
    pkey = st.session_state["portfolio_key"]
    name, data = _portfolio_source(pkey)
    unit = st.session_state.get("portfolio_unit")
    frozen = freeze(scenario.overrides)
    return _read_portfolio(
        pkey, name, data, unit, frozen, (), scenario.source, scenario.instrument_name, _column_map(pkey)
    )


def scenario_allocation(key: str) -> np.ndarray:
    """Scenario ``key``'s allocation as loaded (fields x banks, bn RMB)."""
    scenario = scenario_of(key)
    params = base_parameters(freeze(scenario.overrides), scenario.source, scenario.instrument_name)
    return np.array(params.allocation_matrix, dtype=float)


def scenario_result(key: str) -> Result | None:
    """The run of scenario ``key`` as loaded (no edits), on the current basis: on the
    portfolio basis the portfolio's projects funded under the scenario's parameters and
    allocation, None when the portfolio is not valid under them or nothing is funded (the
    page says so; never a top-down run in its place); else the top-down model."""
    scenario = scenario_of(key)
    frozen = freeze(scenario.overrides)
    params = base_parameters(frozen, scenario.source, scenario.instrument_name)
    if basis() == "portfolio":
        portfolio = scenario_portfolio(key)
        if portfolio is None or not portfolio.ok:
            return None
        pkey = st.session_state["portfolio_key"]
        title = f"{scenario_title(scenario)} · {portfolio_title(pkey)}"
        allocation = freeze(params.allocation_matrix)
        unit = st.session_state.get("portfolio_unit")
        return _run_portfolio(
            pkey, unit, frozen, (), scenario.source, title, (), allocation, portfolio, scenario.instrument_name
        )
    allocation = freeze(params.allocation_matrix)
    inputs = Inputs(key, scenario_title(scenario), frozen, (), allocation, scenario.instrument_name)
    return run_inputs(inputs)


@_as_one_step
def apply_values(assumption: str, values: dict[str, float]) -> None:
    """Set one assumption to ``values`` (by field id, or by bank id for the bank scale),
    e.g. a goal-seek solution the planner chose to apply."""
    if assumption == "fund_share_scale":
        scales = dict(st.session_state["bank_scale"])
        scales.update({k: float(v) for k, v in values.items() if k in scales})
        st.session_state["bank_scale"] = scales
    else:
        assumptions = {f: dict(v) for f, v in st.session_state["assumptions"].items()}
        for fid, v in values.items():
            if fid in assumptions:
                assumptions[fid][assumption] = float(v)
        st.session_state["assumptions"] = assumptions
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


@st.cache_resource(show_spinner=False, max_entries=8)
def _selection(
    key: str, unit: str | None, overrides: tuple, edits: tuple, settings: tuple, _portfolio: Portfolio, instrument: str
) -> Selection:
    objective, min_fraction, private_min, bounds = settings
    constraints = SelectionConstraints(
        field_min={f: lo for f, (lo, _) in bounds if lo is not None},
        field_max={f: hi for f, (_, hi) in bounds if hi is not None},
        private_min=private_min,
        min_fraction=min_fraction,
    )
    params = _parameters_of(overrides, instrument)
    return select_projects(_portfolio, objective, constraints, params=params, time_limit=30.0, with_result=False)


#: Selection settings a planner sets on the allocation page, and their defaults
#: (``None``: the instrument's private floor).
SELECTION_DEFAULTS: dict[str, Any] = {"sel_objective": "total", "sel_min_fraction": 0.5, "sel_private_min": None}


def selection_settings() -> tuple:
    """Objective, smallest funded share of a request, private floor and field share bounds
    ((field, (min, max)) pairs, fractions; None: no bound), hashable (a cache key)."""
    bounds = st.session_state.get("selection_bounds", {})
    pairs = tuple((f, (b.get("min"), b.get("max"))) for f, b in sorted(bounds.items()))
    get = st.session_state.get
    return (
        get("sel_objective") or SELECTION_DEFAULTS["sel_objective"],
        float(get("sel_min_fraction", SELECTION_DEFAULTS["sel_min_fraction"])),
        get("sel_private_min"),
        pairs,
    )


def portfolio_selection() -> Selection:
    """The portfolio selection (MILP) of the chosen portfolio, with the planner's cell
    edits, under the current parameters and selection settings (cached). Raises
    PortfolioError / SelectionError."""
    portfolio = current_portfolio()
    if portfolio is None:
        raise PortfolioError("no portfolio chosen (Portfolio page)")
    return _selection(
        st.session_state["portfolio_key"],
        st.session_state.get("portfolio_unit"),
        freeze(current_overrides()),
        frozen_project_edits(),
        selection_settings(),
        portfolio,
        instrument(),
    )


# ------------------------------------------------------------------ scenario library


@st.cache_resource(show_spinner=False)
def _store(url: str) -> ScenarioStore:
    return ScenarioStore(url)


def scenario_store() -> ScenarioStore:
    """The scenario library (SQLite by default; ``FUNDMODEL_DB_URL`` for any SQLAlchemy URL),
    written to as the signed-in identity when sign-in is configured (fundmodel_dashboard.auth)."""
    return auth.bind(_store(database_url()))


def load_from_library(name: str, version: int) -> None:
    """Load a saved version; a later save of the same name is checked against it."""
    scenario = scenario_store().load(name, version)
    key = f"library:{name}@v{version}"
    register_scenario(key, scenario)
    load_into_session(key)
    if st.session_state.get("scenario_key") == key:  # not refused (another instrument's)
        st.session_state["library_base"] = (name, version)


def save_to_library(name: str, author: str, note: str) -> VersionInfo:
    """Save the current state as a new version of ``name``; refused (StaleVersionError) when
    someone saved a newer version since this session loaded it."""
    base = st.session_state.get("library_base")
    base_version = base[1] if base and base[0] == name.strip() else None
    text = current_session().to_scenario(name.strip() or "unnamed").to_yaml()
    info = scenario_store().save(name, text, base_version=base_version, author=author or None, note=note)
    st.session_state["library_base"] = (info.name, info.version)
    return info


def change_library(action: str, name: str, base_version: int | None = None, new_name: str = "") -> None:
    """Rename, delete or restore a saved scenario (a button callback: the lists drawn after
    it are fresh). The outcome, or why nothing changed (a newer version saved meanwhile, a
    taken name), is kept for the page to show once (``library_flash``)."""
    store = scenario_store()
    author = st.session_state.get("library_save_author") or None
    try:
        if action == "rename":
            info = store.rename(name, new_name, author=author, base_version=base_version)
        elif action == "delete":
            info = store.delete(name, author=author, base_version=base_version)
        elif action == "restore":
            info = store.restore(name, author=author)
        else:
            raise ValueError(f"unknown library action {action!r}")
    except (StoreError, SQLAlchemyError) as exc:
        st.session_state["library_flash"] = ("error", render_error(exc, lang(), unit()), {})
        return
    st.session_state["library_flash"] = (
        "success",
        f"library_{action}d",
        {"name": name, "new": info.name, "version": info.version},
    )
    if action == "rename" and st.session_state.get("library_base", ("",))[0] == name:
        st.session_state["library_base"] = (info.name, info.version)


def on_portfolio_upload() -> None:
    """Upload box callback: keep the uploaded file and make it the chosen portfolio."""
    upload = st.session_state.get("portfolio_upload")
    if upload is not None:
        st.session_state["portfolio_key"] = register_upload(upload.name, upload.getvalue())


def scenario_choice_keys() -> tuple[str, ...]:
    """The scenario selector's widget keys, one per language: Streamlit keeps a selectbox's
    value as the option's text, and a scenario's title differs by language."""
    return ("scenario_choice__en", "scenario_choice__zh")


def scenario_title(scenario: Scenario, lang: str | None = None) -> str:
    """The scenario's name in ``lang`` (the session's by default): its Chinese name where it has one."""
    lang = lang or st.session_state.get("lang", "en")
    return scenario.name_zh if lang == "zh" and scenario.name_zh else scenario.name


def scenario_description(scenario: Scenario, lang: str | None = None) -> str:
    """The scenario's description in ``lang`` (the session's by default)."""
    lang = lang or st.session_state.get("lang", "en")
    return scenario.description_zh if lang == "zh" and scenario.description_zh else scenario.description


def edited_suffix(lang: str | None = None) -> str:
    """What marks an edited run's name: " (edited)", "（已修改）"."""
    from fundmodel.labels import label

    lang = lang or st.session_state.get("lang", "en")
    word = label("edited_short", lang)
    return f"（{word}）" if lang == "zh" else f" ({word})"


def display_name(lang: str) -> str:
    """What the pages say the current run is: the scenario's name in ``lang``, marked when
    edited, and the portfolio on the portfolio basis."""
    from fundmodel.labels import label

    name = scenario_title(current_scenario(), lang)
    if is_edited():
        name += f" · {label('edited_short', lang)}"
    if basis() == "portfolio" and portfolio_result() is not None:
        name += f" · {portfolio_title(st.session_state['portfolio_key'])}"
    return name
