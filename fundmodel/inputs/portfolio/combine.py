"""Several files (and sheets) read into one portfolio: one file per province is how
project lists arrive.

Each file and sheet is read and validated on its own (its headers, its unit line, its
``--map`` corrections), then the projects are put one after the other. Every project keeps
where it came from (``source_file``, ``source_sheet``, ``source_row``: the row as seen in
its own file) and every issue names its file, sheet and row. A project id given in two
files is one error, at the second place, naming the first.

>>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
>>> from fundmodel.inputs.portfolio import read_portfolio
>>> both = read_portfolio([PORTFOLIO_DIR / "first_batch_examples.csv", PORTFOLIO_DIR / "template_example.xlsx"])
>>> [len(p.index) for p in both.parts], len(both.index) == sum(len(p.index) for p in both.parts)
([5, 3], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fundmodel.errors import PortfolioError
from fundmodel.inputs.limits import check, where_sheet
from fundmodel.inputs.parameters import Parameters, default_parameters
from fundmodel.inputs.portfolio.issues import EMPTY_ISSUES, ISSUE_COLUMNS
from fundmodel.inputs.portfolio.model import Portfolio
from fundmodel.inputs.portfolio.spreadsheet import SPREADSHEET_SUFFIXES, visible_sheets
from fundmodel.messages import Message

#: Columns a combined portfolio adds to the canonical table: where each project was read.
SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")
#: File types a folder is searched for.
PORTFOLIO_SUFFIXES = (".csv", *SPREADSHEET_SUFFIXES)
#: Every sheet of each spreadsheet (``--sheet '*'``).
ALL_SHEETS = "*"
#: The sheet column of an issue read from a CSV file (no sheets).
NO_SHEET = ""


def portfolio_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files named, a folder standing for its portfolio files (sorted by name; hidden
    files and Excel's ``~$`` lock files left out). A file named twice, or a folder without
    portfolio files, is refused.

    >>> from fundmodel.inputs.bundled import PORTFOLIO_DIR
    >>> [p.name for p in portfolio_files([PORTFOLIO_DIR / "template_example.xlsx"])]
    ['template_example.xlsx']
    """
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in PORTFOLIO_SUFFIXES and p.is_file() and not p.name.startswith((".", "~$"))
            )
            if not found:
                kinds = ", ".join(PORTFOLIO_SUFFIXES)
                raise PortfolioError(str(Message("portfolio_folder_empty", {"folder": str(path), "kinds": kinds})))
            files += found
        else:
            files.append(path)
    first = ", ".join(p.name for p in files[:3])
    more = Message("limit_where_files", {"files": first, "more": len(files) - 3})
    check("portfolio_files", len(files), more if len(files) > 3 else first)
    seen: dict[Path, Path] = {}
    for path in files:
        key = path.resolve()
        if key in seen:
            raise PortfolioError(str(Message("portfolio_file_twice", {"file": str(path)})))
        seen[key] = path
    return files


def display_names(files: Sequence[Path]) -> list[str]:
    """The name each file is shown by: its name, or the path as given where two files
    share a name (one list per province, each called 项目清单.xlsx).

    >>> display_names([Path("a/x.csv"), Path("b/x.csv"), Path("b/y.csv")])
    ['a/x.csv', 'b/x.csv', 'y.csv']
    """
    names = [p.name for p in files]
    return [p.as_posix() if names.count(p.name) > 1 else p.name for p in files]


def sheets_to_read(path: Path, sheet: str | int | Sequence[str | int] | None) -> list[str | int | None]:
    """The sheets to read of ``path``: none for a CSV; ``*`` for every visible sheet."""
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return [None]
    if sheet == ALL_SHEETS:
        return list(visible_sheets(path))
    if isinstance(sheet, list | tuple):
        return list(sheet) or [None]
    return [sheet]


def _cross_file_duplicates(
    ids: np.ndarray, part_of: np.ndarray, files: np.ndarray, sheets: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, dict[int, Message]]:
    """Projects whose id was already given in another file or sheet: the first time the id
    appears in its own part but not the first time overall (a repeat inside one part is that
    part's own ``duplicate_id``). Returns their mask and one message each naming the first
    place.

    Example: ids [a, b | a] in two parts -> [False, False, True], the third naming part 1's a.
    """
    present = pd.notna(ids) & (ids != "")
    frame = pd.DataFrame({"id": ids, "part": part_of})
    first_in_part = ~frame.duplicated(["part", "id"]).to_numpy()
    first_overall = ~frame.duplicated(["id"]).to_numpy()
    cross = present & first_in_part & ~first_overall
    if not cross.any():
        return cross, {}
    first_at = pd.Series(np.arange(len(ids))).groupby(pd.Series(ids).to_numpy()).transform("first").to_numpy()
    messages = {}
    for i in np.flatnonzero(cross):
        j = first_at[i]
        params = {"id": ids[i], "other_file": files[j], "other_row": int(rows[j])}
        if sheets[j]:
            messages[int(i)] = Message("portfolio_duplicate_id_across_files", {**params, "other_sheet": sheets[j]})
        else:  # a CSV file has no sheets
            messages[int(i)] = Message("portfolio_duplicate_id_across_csv_files", params)
    return cross, messages


class CombinedPortfolio(Portfolio):
    """Projects of several files or sheets (:attr:`parts`, each a :class:`Portfolio` read
    and validated alone) in one portfolio. Its index numbers the projects 1..N in reading
    order; ``source_file``, ``source_sheet`` and ``source_row`` say where each was read.
    Its issues have a ``sheet`` column beside ``file``; their rows are rows of their own
    file. Edits and other parameters go to the parts, which are combined again."""

    parts: list[Portfolio]

    def with_edits(self, edits: Mapping[tuple[int, str], Any], params: Parameters | None = None) -> Portfolio:
        """Edits keyed by (project number in this portfolio, column id or header), applied in
        the part each project came from."""
        p = params or default_parameters()
        starts = np.cumsum([0] + [len(part.index) for part in self.parts])
        by_part: dict[int, dict[tuple[int, str], Any]] = {}
        for (number, column), value in edits.items():
            position = int(number) - 1
            if not 0 <= position < starts[-1]:
                raise PortfolioError(
                    str(Message("portfolio_no_project_number", {"number": number, "count": int(starts[-1])}))
                )
            k = int(np.searchsorted(starts, position, side="right")) - 1
            row = int(self.parts[k].index[position - starts[k]])
            by_part.setdefault(k, {})[(row, column)] = value
        parts = [part.with_edits(by_part[k], p) if k in by_part else part.under(p) for k, part in enumerate(self.parts)]
        return combine(parts)

    def under(self, params: Parameters) -> Portfolio:
        fingerprint = params.fingerprint
        if fingerprint == self.params_fingerprint:
            return self
        if fingerprint not in self._revalidated:
            if len(self._revalidated) >= 8:
                self._revalidated.pop(next(iter(self._revalidated)))
            self._revalidated[fingerprint] = combine([part.under(params) for part in self.parts])
        return self._revalidated[fingerprint]

    def reading_lines(self, lang: str = "en", unit: str = "bn") -> list[str]:
        """Each part's projects and what was understood of it, in ``lang``."""
        lines = []
        for part in self.parts:
            sheet = part.reading.get("sheet")
            where = where_sheet(part.source, sheet) if sheet else part.source
            line = Message("understood_part", {"where": where, "projects": len(part.index)}).render(lang, unit)
            lines.append(f"  {line}")
            lines += [f"  {line}" for line in part.reading_lines(lang, unit, sheet=False)]
        return lines


def combine(parts: Sequence[Portfolio]) -> CombinedPortfolio:
    """One portfolio of the projects of ``parts`` (validated under the same parameters),
    in order, with their sources and a ``duplicate_id`` error for an id given in two parts."""
    fingerprints = {part.params_fingerprint for part in parts}
    if len(fingerprints) > 1:  # a programming error: parts are validated together
        raise ValueError("parts validated under different parameters cannot be combined")
    sizes = [len(part.index) for part in parts]
    n = sum(sizes)
    sheets_of = [str(part.reading.get("sheet") or NO_SHEET) for part in parts]
    part_of = np.repeat(np.arange(len(parts)), sizes)
    files = np.repeat(np.array([part.source for part in parts], dtype=object), sizes)
    sheets = np.repeat(np.array(sheets_of, dtype=object), sizes)
    rows = np.concatenate([part.index.to_numpy(dtype=np.int64) for part in parts]) if n else np.zeros(0, np.int64)
    columns: dict[str, np.ndarray] = {}
    for cid in parts[0].columns:
        values = [np.asarray(part.columns[cid]) for part in parts]
        kinds = {v.dtype.kind for v in values}
        columns[cid] = np.concatenate(values if len(kinds) == 1 else [v.astype(object) for v in values])
    columns["source_file"], columns["source_sheet"], columns["source_row"] = files, sheets, rows

    ids = np.asarray(columns["project_id"], dtype=object)
    cross, messages = _cross_file_duplicates(ids, part_of, files, sheets, rows)
    valid = np.asarray(columns["valid"], dtype=bool).copy()
    valid[cross] = False
    columns["valid"] = valid

    tables = []
    for k, part in enumerate(parts):
        issues = part.issues.copy() if len(part.issues) else EMPTY_ISSUES.copy()
        issues.insert(1, "sheet", sheets_of[k])
        mine = np.flatnonzero(cross & (part_of == k))
        if len(mine):
            header = part.headers.get("project_id", "project_id")
            extra = pd.DataFrame(
                {
                    "file": part.source,
                    "sheet": sheets_of[k],
                    "row": rows[mine],
                    "column": header,
                    "value": ids[mine].astype(str),
                    "rule": "duplicate_id",
                    "severity": "error",
                    "message": [str(messages[int(i)]) for i in mine],
                }
            )
            issues = pd.concat([t for t in (issues, extra) if len(t)], ignore_index=True)
            issues["row"] = issues["row"].astype("Int64")
            issues = issues.sort_values(["row", "column"], kind="stable", na_position="first")
        if len(issues):
            tables.append(issues)
    all_issues = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame({c: pd.Series(dtype=object) for c in ["file", "sheet", *ISSUE_COLUMNS[1:]]})
    )
    all_issues["row"] = all_issues["row"].astype("Int64")

    index = pd.RangeIndex(1, n + 1, name="project")
    raws = [
        part.raw.set_axis(index[start : start + size]) for part, start, size in _spans(parts) if part.raw is not None
    ]
    raw = pd.concat(raws) if len(raws) == len(parts) else None
    headers: dict[str, str] = {}
    units: dict[str, str] = {}
    for part in parts:
        headers = {**part.headers, **headers}
        units = {**part.units, **units}
    combined = CombinedPortfolio(
        columns=columns,
        index=index,
        issues=all_issues,
        source=", ".join(dict.fromkeys(part.source for part in parts)),
        headers=headers,
        units=units,
        raw=raw,
        unit_option=parts[0].unit_option,
        params_fingerprint=next(iter(fingerprints)),
        reading={
            "parts": [
                {"file": part.source, "sheet": s, **part.reading} for part, s in zip(parts, sheets_of, strict=True)
            ]
        },
    )
    combined.parts = list(parts)
    return combined


def _spans(parts: Sequence[Portfolio]) -> list[tuple[Portfolio, int, int]]:
    """Each part with the position of its first project and its number of projects."""
    out, start = [], 0
    for part in parts:
        out.append((part, start, len(part.index)))
        start += len(part.index)
    return out
