"""The province tile map: one tile per province of the provinces table, no two on one
square, and the colour of each tile the province's amount in the chosen unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fundmodel.inputs.portfolio import PROVINCES
from fundmodel.outputs.province_map import province_tile_figure, province_tiles


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
    fig = province_tile_figure(table, "total_investment_bn", "zh", "yi")
    z = np.asarray(fig.data[0].z, dtype=float)
    tiles = province_tiles()
    assert z[tiles.loc["jiangsu", "row"], tiles.loc["jiangsu", "col"]] == 400.0  # 40 bn = 400 亿元
    assert z[tiles.loc["beijing", "row"], tiles.loc["beijing", "col"]] == 0.0  # no projects: 0, still a tile
    assert np.isfinite(z).sum() == 31 and np.nansum(z) == 500.0
    assert "江苏" in fig.data[0].text[tiles.loc["jiangsu", "row"]][tiles.loc["jiangsu", "col"]]
    assert "亿元" in fig.layout.title.text
    with pytest.raises(ValueError, match="province map"):
        province_tile_figure(table, "multiplier")
