"""The :class:`Portfolio`: a read and validated table of projects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.errors import PortfolioError
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio.cells import describe_conversions, is_missing
from fundmodel.inputs.portfolio.issues import EMPTY_ISSUES, ValidationIssue
from fundmodel.inputs.portfolio.schema import split_header
from fundmodel.inputs.portfolio.template import describe
from fundmodel.messages import Message

# ----------------------------------------------------------------------- portfolio


#: The parser a portfolio uses to validate a raw table again (after edits, or under other
#: parameters). Validation builds portfolios, so it registers itself here when imported
#: (fundmodel.inputs.portfolio imports it) instead of this module importing it back.
PARSER: dict[str, Callable[..., Portfolio]] = {}


def _parse(*args: Any, **kwargs: Any) -> Portfolio:
    """:func:`~fundmodel.inputs.portfolio.validate.parse_portfolio`, as registered in :data:`PARSER`."""
    return PARSER["parse_portfolio"](*args, **kwargs)


def _file_level(issues: pd.DataFrame) -> pd.DataFrame:
    """The file-level issues (headers, units: row 1 or no row), in order."""
    row = issues["row"]
    return issues[(row.isna() | (row == 1)).to_numpy(dtype=bool)].reset_index(drop=True)


def _same_file_level(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two issue tables hold the same file-level issues."""
    if not len(a) and not len(b):
        return True
    return _file_level(a).astype(str).equals(_file_level(b).astype(str))


def _positions(index: pd.Index, rows: list[int]) -> np.ndarray:
    """Positions of ``rows`` in a table's row-number index (-1 where absent).

    Example: index [2, 3, 5], rows [3, 4] -> [1, -1]."""
    values = index.to_numpy()
    wanted = np.asarray(rows, dtype=np.int64)
    if index.is_monotonic_increasing:  # file row numbers: no hash table needed
        at = np.clip(np.searchsorted(values, wanted), 0, max(len(values) - 1, 0))
        found = len(values) > 0 and values[at] == wanted
        return np.where(found, at, -1)
    return index.get_indexer(wanted)


def _same_cells(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two columns hold the same cells (NaN / None equal to themselves).

    Example: [1.0, nan] and [1.0, nan] -> True; ["a"] and ["b"] -> False."""
    if len(a) != len(b):
        return False
    return bool(all(x == y or (is_missing(x) and is_missing(y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)))


def _fits(dtype: np.dtype, value: Any) -> bool:
    """Whether ``value`` can be stored in a column of ``dtype`` as it is (no cast).

    Example: float64 takes 1.5 and 2; int64 takes 2, not 1.5; object takes anything."""
    if dtype.kind == "O":
        return True
    if isinstance(value, bool | np.bool_):
        return dtype.kind == "b"
    if dtype.kind == "f":
        return isinstance(value, int | float | np.integer | np.floating)
    if dtype.kind in "iu":
        return isinstance(value, int | np.integer)
    return False


class Portfolio:
    """A read and validated portfolio.

    * ``frame``: the canonical table, one row per data row of the file, indexed by the
      row number as seen in the file (header = row 1). Columns are the schema ids; money
      in bn RMB; shares as fractions. Empty optional columns take the field's parameter
      (sector, shortfall flag, phasing, additionality, infrastructure share); cells that
      broke a rule are NaN and ``valid`` is False on their row.
    * ``columns``: the same table as one array per column (the model's fast path; the
      frame is built from them on first use).
    * ``issues``: every problem found (DataFrame with :data:`ISSUE_COLUMNS`).
    * ``source``: the file name; ``headers``: column id -> header as written;
      ``units``: money column id -> the unit it was read in.
    * ``params_fingerprint``: the parameters it was validated under (caps, statutory
      minimums and field defaults depend on them); :meth:`under` validates it again
      under other parameters from the ``raw`` table it was read from.

    Build it from a ``frame``, or from ``columns`` and their ``index``. Treat it as
    read-only: :meth:`with_edits` and :meth:`under` return new portfolios.
    """

    def __init__(
        self,
        frame: pd.DataFrame | None = None,
        issues: pd.DataFrame | None = None,
        source: str = "portfolio",
        headers: dict[str, str] | None = None,
        units: dict[str, str] | None = None,
        raw: pd.DataFrame | None = None,
        unit_option: str | None = None,
        params_fingerprint: str = "",
        *,
        reading: dict[str, Any] | None = None,
        columns: dict[str, np.ndarray] | None = None,
        index: pd.Index | None = None,
    ) -> None:
        if frame is None and (columns is None or index is None):
            raise TypeError("a Portfolio needs a frame, or columns and their index")
        self._frame = frame
        self._columns = columns
        self.index: pd.Index = frame.index if frame is not None else index  # type: ignore[assignment]
        self.issues = EMPTY_ISSUES.copy() if issues is None else issues
        self.source = source
        self.headers = dict(headers or {})
        self.units = dict(units or {})
        self.raw = raw
        self.unit_option = unit_option
        self.params_fingerprint = params_fingerprint
        #: What the reader found about the file: ``sheet`` read, ``hidden_sheets_skipped`` ...
        self.reading = dict(reading or {})
        self._revalidated: dict[str, Portfolio] = {}
        self._derived: dict[Any, tuple[frozenset[str], Any]] = {}

    def __repr__(self) -> str:
        return f"Portfolio(source={self.source!r}, projects={len(self.index):,}, errors={self.n_errors:,})"

    @property
    def frame(self) -> pd.DataFrame:
        """The canonical table (see the class docstring), built once from the columns."""
        if self._frame is None:
            self._frame = pd.DataFrame(self._columns, index=self.index, copy=False)
        return self._frame

    def derived(self, key: Any, depends_on: Iterable[str], compute: Callable[[], Any]) -> Any:
        """A value computed from some columns, once: ``compute()`` on first use, kept with
        the portfolio under ``key``. :meth:`with_edits` hands it on to the edited portfolio
        when the edits leave the columns it ``depends_on`` alone (a fund edit keeps the
        projects' group codes and phasing). Treat the value as read-only.

        Example: ``p.derived(("codes", "field"), ["field"], lambda: codes_of(p))``."""
        hit = self._derived.get(key)
        if hit is None:
            hit = (frozenset(depends_on), compute())
            self._derived[key] = hit
        return hit[1]

    @property
    def columns(self) -> dict[str, np.ndarray]:
        """The canonical table as one array per column, without a pandas lookup per
        column: the model's fast path. Read them, do not write."""
        if self._columns is None:
            self._columns = {str(c): self.frame[c].to_numpy() for c in self.frame.columns}
        return self._columns

    def with_edits(self, edits: Mapping[tuple[int, str], Any], params: Parameters | None = None) -> Portfolio:
        """This portfolio with some cells changed, validated again: a new portfolio (this
        one is left as it is) equal to reading the edited file.

        ``edits`` maps (row as seen in the file, column id or header as written) to the new
        cell, text or number as a user would type it, e.g. ``{(2, "fund_requested_bn"): 1.5}``.
        Only the edited rows are parsed again when that gives the same answer as parsing
        the whole table: every rule is local to a row except duplicate project ids and
        file-level rules (headers, undeclared units), so an edit of ``project_id``, a
        portfolio with duplicate ids, or an edit that changes a file-level issue is
        validated in full. ``params``: the parameters to validate under (default: the
        bundled ones); under other parameters than this portfolio's, the whole table is
        validated again.

        Example: ``p.with_edits({(2, "总投资(亿元)"): "120"}, params)`` re-validates row 2.
        """
        if self.raw is None:
            raise PortfolioError(f"{self.source}: this portfolio has no raw table to edit")
        p = params or default_parameters()
        raw = self.raw.copy()
        cells: dict[str, dict[int, Any]] = {}
        for (row, column), value in edits.items():
            header = column if column in raw.columns else self.headers.get(column)
            if header is None:
                raise PortfolioError(f"{self.source}: no column {column!r} to edit")
            cells.setdefault(str(header), {})[row] = value
        rows = sorted({row for by_row in cells.values() for row in by_row})
        positions = _positions(raw.index, rows)
        if (positions < 0).any():
            missing = [r for r, i in zip(rows, positions, strict=True) if i < 0]
            first, last = raw.index.min(), raw.index.max()
            raise PortfolioError(f"{self.source}: no row {missing[0]} to edit (rows {first}-{last})")
        at = dict(zip(rows, positions.tolist(), strict=True))
        for header, by_row in cells.items():
            values = raw[header].to_numpy()
            # A column read as numbers takes a number of its kind; anything else makes it a text column.
            values = values.copy() if all(_fits(values.dtype, v) for v in by_row.values()) else values.astype(object)
            for row, value in by_row.items():
                values[at[row]] = value
            raw[header] = values
        edited_ids = {split_header(h)[0] for h in cells}
        full = (
            not rows
            or p.fingerprint != self.params_fingerprint
            or "project_id" in edited_ids
            or (len(self.issues) > 0 and bool((self.issues["rule"] == "duplicate_id").any()))
        )
        if not full:
            part = _parse(raw.iloc[positions], self.unit_option, p, self.source)
            if _same_file_level(part.issues, self.issues):
                return self._spliced(part, raw, rows, positions)
        return _parse(raw, self.unit_option, p, self.source)

    def _spliced(self, part: Portfolio, raw: pd.DataFrame, rows: list[int], positions: np.ndarray) -> Portfolio:
        """This portfolio with the rows of ``part`` (the edited rows, validated alone) put
        in place of its own, and their issues in place of theirs (same order as a full
        validation: by row, then column, then the order the rules run in)."""
        columns = {}
        changed: set[str] = set()
        for cid, values in self.columns.items():
            cells = part.columns[cid]
            if not _same_cells(values[positions], cells):
                changed.add(cid)
            values = values.copy()
            values[positions] = cells
            columns[cid] = values
        issues = self.issues
        if len(issues) or len(part.issues):
            kept = issues[~issues["row"].isin(rows).to_numpy(dtype=bool)]
            new = part.issues[part.issues["row"].isin(rows).to_numpy(dtype=bool)]
            if len(kept) + len(new) == 0:
                issues = EMPTY_ISSUES.copy()
            else:
                parts = [t for t in (kept, new) if len(t)]  # an empty part would change the dtypes
                issues = pd.concat(parts, ignore_index=True)
                issues["row"] = issues["row"].astype("Int64")
                issues = issues.sort_values(["row", "column"], kind="stable", na_position="first")
                issues = issues.reset_index(drop=True)
        edited = Portfolio(
            columns=columns,
            index=self.index,
            issues=issues,
            source=self.source,
            headers=dict(self.headers),
            units=dict(self.units),
            raw=raw,
            unit_option=self.unit_option,
            params_fingerprint=self.params_fingerprint,
            reading=self.reading,
        )
        # Values derived from canonical columns the edits left as they were stay valid.
        edited._derived = {k: v for k, v in self._derived.items() if not (v[0] & changed)}
        return edited

    def under(self, params: Parameters) -> Portfolio:
        """This portfolio validated under ``params``: itself when they are the parameters it
        was read with, else parsed again from its raw table, so that field defaults (empty
        additionality, infrastructure share, sector, phasing), caps and statutory minimums
        follow the scenario instead of staying those of the first reading.

        Example: a scenario raising transport's additionality raises the net investment of
        every transport project that gave none of its own.
        """
        fingerprint = params.fingerprint
        if fingerprint == self.params_fingerprint or self.raw is None:
            return self
        if fingerprint not in self._revalidated:
            if len(self._revalidated) >= 8:  # a few scenarios at a time; keep memory bounded
                self._revalidated.pop(next(iter(self._revalidated)))
            self._revalidated[fingerprint] = _parse(self.raw, self.unit_option, params, self.source)
        return self._revalidated[fingerprint]

    @property
    def errors(self) -> list[ValidationIssue]:
        return self.issue_records("error")

    @property
    def warnings(self) -> list[ValidationIssue]:
        return self.issue_records("warning")

    @cached_property
    def n_errors(self) -> int:
        """How many errors (computed once: a portfolio's issues do not change)."""
        return int(np.count_nonzero(self.issues["severity"].to_numpy() == "error"))

    @property
    def ok(self) -> bool:
        """True when no rule is broken (warnings allowed)."""
        return self.n_errors == 0

    def issue_records(self, severity: str | None = None) -> list[ValidationIssue]:
        """The issues as :class:`ValidationIssue` records (optionally of one severity)."""
        table = self.issues if severity is None else self.issues[self.issues["severity"] == severity]
        return [
            ValidationIssue(
                file=r.file,
                row=None if pd.isna(r.row) else int(r.row),
                column=r.column,
                value=r.value,
                rule=r.rule,
                severity=r.severity,
                message=r.message,
                sheet=getattr(r, "sheet", ""),
                text=getattr(r, "text", None),
            )
            for r in table.itertuples(index=False)
        ]

    def report(self, limit: int | None = None, lang: str = "en", unit: str = "bn") -> str:
        """A readable validation report in ``lang`` and money ``unit``: a summary line, what
        was understood of the file, then one line per issue (at most ``limit``)."""
        n_err = self.n_errors
        n_warn = int((self.issues["severity"] == "warning").sum())
        counts = {"source": self.source, "projects": len(self.frame), "errors": n_err, "warnings": n_warn}
        head = Message("portfolio_report_valid" if n_err == 0 else "portfolio_report_head", counts).render(lang)
        records = self.issue_records()
        # the English line in bn is str(issue): the fast path for a report of a million issues
        english = lang != "zh" and unit == "bn"
        lines = [head, *self.reading_lines(lang, unit)]
        lines += [f"  {r}" if english else f"  {r.line(lang, unit)}" for r in records[:limit]]
        if limit is not None and len(records) > limit:
            lines.append("  " + Message("portfolio_report_more", {"n": len(records) - limit}).render(lang))
        return "\n".join(lines)

    def reading_lines(self, lang: str = "en", unit: str = "bn", sheet: bool = True) -> list[str]:
        """What was understood about the file, in ``lang`` (the sheet read unless ``sheet`` is
        False, hidden sheets passed over, values read as written, the table found in a
        template); none for a CSV read as it is."""
        zh = lang == "zh"

        def say(message_id: str, **params: Any) -> str:
            return "  " + Message(message_id, params).render(lang, unit)

        lines = []
        if self.reading.get("sheet") and sheet:
            lines.append(say("understood_sheet", sheet=self.reading["sheet"]))
        hidden = self.reading.get("hidden_sheets_skipped") or []
        if hidden:
            names = ("、" if zh else ", ").join((f"“{h}”" if zh else f"'{h}'") for h in hidden)
            lines.append(say("understood_hidden_sheets", sheets=names))
        if self.reading.get("conversions"):
            lines.append(say("understood_conversions", parts=describe_conversions(self.reading["conversions"], lang)))
        return lines + describe(self.reading, lang)

    def require_valid(self) -> Portfolio:
        """Return self, or raise :class:`PortfolioError` listing the first errors."""
        if not self.ok:
            first = "; ".join(str(e) for e in self.errors[:5])
            more = f" (and {self.n_errors - 5} more; run 'fundmodel validate')" if self.n_errors > 5 else ""
            raise PortfolioError(f"{self.source}: {self.n_errors} validation errors: {first}{more}")
        return self

    @property
    def valid_frame(self) -> pd.DataFrame:
        """Rows without errors."""
        return self.frame[self.frame["valid"]]
