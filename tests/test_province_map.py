"""The province tile map: one tile per province of the provinces table, no two on one
square, and the colour of each tile the province's amount in the chosen unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundmodel.inputs.portfolio import PROVINCES
from fundmodel.outputs.province_map import province_tile_map, province_tiles


def test_every_province_has_one_tile_and_no_two_share_a_square():
    tiles = province_tiles()
    assert sorted(tiles.index) == sorted(PROVINCES.index)
    assert not tiles.duplicated(["row", "col"]).any()
    # north above south, west left of east (a few anchors)
    assert tiles.loc["heilongjiang", "row"] < tiles.loc["hainan", "row"]
    assert tiles.loc["xinjiang", "col"] < tiles.loc["shanghai", "col"]


def test_tiles_show_each_provinces_amount_in_the_unit():
    table = pd.DataFrame(
        {"fund_bn": [3.0, 1.0], "total_investment_bn": [40.0, 10.0], "n_projects": [2, 1]}, index=["jiangsu", "tibet"]
    )
    tiles = province_tile_map(table, "total_investment_bn", "zh", "yi")
    grid = province_tiles()
    at = {(r, c): i for i, (r, c) in enumerate(zip(tiles.rows, tiles.cols, strict=True))}
    jiangsu = at[grid.loc["jiangsu", "row"], grid.loc["jiangsu", "col"]]
    beijing = at[grid.loc["beijing", "row"], grid.loc["beijing", "col"]]
    assert tiles.amounts[jiangsu] == 400.0  # 40 bn = 400 亿元
    assert tiles.amounts[beijing] == 0.0  # no projects: 0, still a tile
    assert len(tiles.amounts) == 31 and np.sum(tiles.amounts) == 500.0
    assert tiles.labels[jiangsu] == "江苏\n400" and tiles.labels[beijing] == "北京\n0"
    assert tiles.tooltips[jiangsu] == "江苏<br/>总投资：400 亿元<br/>项目数：2"
    assert "亿元" in tiles.title and (tiles.n_rows, tiles.n_cols) == (8, 8)
    fund = province_tile_map(table, "fund_bn", "en", "bn")
    assert fund.amounts[jiangsu] == 3.0 and fund.tooltips[jiangsu] == "Jiangsu<br/>Fund: 3.0 bn RMB<br/>Projects: 2"
    with pytest.raises(ValueError, match="province map"):
        province_tile_map(table, "multiplier")
