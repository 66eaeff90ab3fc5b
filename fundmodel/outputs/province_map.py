"""A tile-grid map of China's 31 provincial-level divisions: one equal square per province,
placed roughly where it lies (north at the top, west on the left), coloured by an amount.

No boundary data is needed and small provinces are as visible as large ones. The grid
positions are in ``fundmodel/inputs/data/province_tiles.csv`` (``id,row,col``; row 0 is the
north, col 0 the west): a layout drawn for this project from the provinces' relative
positions, not a published map; it holds the 31 divisions of the provinces table, the
ones a portfolio names (Hong Kong, Macao and Taiwan are not project locations of the
instrument and have no tile).

Example: two provinces with investment 40 and 10 bn; the others have no projects and show 0.

>>> t = pd.DataFrame({'total_investment_bn': [40.0, 10.0], 'fund_bn': [3.0, 1.0]}, index=['jiangsu', 'tibet'])
>>> grid = tile_values(t, 'total_investment_bn')
>>> len(grid), float(grid.loc['jiangsu', 'value']), float(grid.loc['beijing', 'value'])
(31, 40.0, 0.0)
>>> (int(grid.loc['jiangsu', 'row']), int(grid.loc['jiangsu', 'col']))
(4, 7)
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from fundmodel.inputs.portfolio import PROVINCES
from fundmodel.terms import term, with_unit
from fundmodel.units import decimals, from_bn, unit_label

#: The amounts a map can be coloured by.
MAP_VALUES = ("fund_bn", "total_investment_bn")


def province_tiles() -> pd.DataFrame:
    """Grid position (``row``, ``col``) of every province, indexed by province id."""
    text = resources.files("fundmodel.inputs.data").joinpath("province_tiles.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return pd.DataFrame(
        {"row": [int(r[1]) for r in rows], "col": [int(r[2]) for r in rows]},
        index=pd.Index([r[0] for r in rows], name="province"),
    )


def tile_values(by_province: pd.DataFrame, value: str) -> pd.DataFrame:
    """Every tile with ``value`` (bn RMB) of ``by_province`` (indexed by province id; a
    province without a row has 0) and its project count where given."""
    tiles = province_tiles()
    out = tiles.copy()
    out["value"] = by_province[value].reindex(tiles.index).fillna(0.0).to_numpy(dtype=float)
    counts = by_province["n_projects"] if "n_projects" in by_province else pd.Series(dtype=float)
    out["n_projects"] = counts.reindex(tiles.index).fillna(0).astype(int).to_numpy()
    return out


@dataclass(frozen=True)
class TileMap:
    """The tile map of an amount per province (what the map shows): every tile's grid position,
    amount in the map's unit, label (short name and amount) and tooltip (with the project count)."""

    title: str
    value_title: str
    rows: list[int]
    cols: list[int]
    amounts: np.ndarray
    labels: list[str]
    tooltips: list[str]
    n_rows: int
    n_cols: int
    decimals: int


def province_tile_map(
    by_province: pd.DataFrame, value: str = "total_investment_bn", lang: str = "en", unit: str = "bn"
) -> TileMap:
    """The tile map of ``value`` (one of :data:`MAP_VALUES`) per province, in ``unit``: each tile
    names its province and shows the amount; its tooltip adds the project count.

    >>> t = pd.DataFrame({'total_investment_bn': [40.0], 'n_projects': [2]}, index=['jiangsu'])
    >>> m = province_tile_map(t, 'total_investment_bn', 'zh', 'yi')
    >>> i = m.labels.index('江苏\\n400')
    >>> (m.rows[i], m.cols[i]), float(m.amounts[i]), m.tooltips[i], m.n_rows
    ((4, 7), 400.0, '江苏<br/>总投资：400 亿元<br/>项目数：2', 8)
    """
    if value not in MAP_VALUES:
        raise ValueError(f"a province map shows one of {MAP_VALUES}, not {value!r}")
    grid = tile_values(by_province, value)
    names = PROVINCES.loc[grid.index, "short_zh" if lang == "zh" else "name_en"].tolist()
    shown = [term(value).format(float(v), unit) for v in grid["value"]]
    colon = "：" if lang == "zh" else ": "
    unit_word = unit_label(unit, lang)
    value_name, count_name = term(value).label(lang), term("n_projects").label(lang)
    title = with_unit(_label(value, lang), lang, unit)
    return TileMap(
        title=f"{_label('province_map', lang)} · {title}",
        value_title=title,
        rows=[int(r) for r in grid["row"]],
        cols=[int(c) for c in grid["col"]],
        amounts=np.asarray(from_bn(grid["value"].to_numpy(dtype=float), unit), dtype=float),
        labels=[f"{name}\n{text}" for name, text in zip(names, shown, strict=True)],
        tooltips=[
            f"{name}<br/>{value_name}{colon}{text} {unit_word}<br/>{count_name}{colon}{n:,}"
            for name, text, n in zip(names, shown, grid["n_projects"], strict=True)
        ],
        n_rows=int(grid["row"].max()) + 1,
        n_cols=int(grid["col"].max()) + 1,
        decimals=decimals(unit),
    )


def _label(key: str, lang: str) -> str:
    from fundmodel.labels import label  # reads the parameter files: loaded only when needed

    return label(key, lang)
