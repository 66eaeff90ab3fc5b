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

from importlib import resources

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from fundmodel.inputs.portfolio import PROVINCES
from fundmodel.terms import term, with_unit
from fundmodel.units import from_bn

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


def province_tile_figure(
    by_province: pd.DataFrame, value: str = "total_investment_bn", lang: str = "en", unit: str = "bn"
) -> go.Figure:
    """The tile map of ``value`` (one of :data:`MAP_VALUES`) per province, in ``unit``;
    each tile names its province and shows the amount (hover: the project count)."""
    if value not in MAP_VALUES:
        raise ValueError(f"a province map shows one of {MAP_VALUES}, not {value!r}")
    grid = tile_values(by_province, value)
    amounts = np.asarray(from_bn(grid["value"].to_numpy(), unit), dtype=float)
    n_rows, n_cols = int(grid["row"].max()) + 1, int(grid["col"].max()) + 1
    z = np.full((n_rows, n_cols), np.nan)
    text = np.full((n_rows, n_cols), "", dtype=object)
    hover = np.full((n_rows, n_cols), "", dtype=object)
    name_column = "short_zh" if lang == "zh" else "name_en"
    for (pid, row), amount in zip(grid.iterrows(), amounts, strict=True):
        r, c = int(row["row"]), int(row["col"])
        shown = term(value).format(float(grid.loc[pid, "value"]), unit)
        name = PROVINCES.loc[pid, name_column]
        z[r, c] = amount
        text[r, c] = f"{name}<br>{shown}"
        hover[r, c] = f"{name}: {shown} · {int(row['n_projects']):,}"
    title = with_unit(_label(value, lang), lang, unit)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            hovertext=hover,
            hoverinfo="text",
            colorscale="Blues",
            xgap=3,
            ygap=3,
            colorbar={"title": {"text": title}, "thickness": 12},
        )
    )
    figure.update_layout(
        title=f"{_label('province_map', lang)} · {title}",
        xaxis={"visible": False},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=460,
    )
    return figure


def _label(key: str, lang: str) -> str:
    from fundmodel.labels import label  # reads the parameter files: loaded only when needed

    return label(key, lang)
