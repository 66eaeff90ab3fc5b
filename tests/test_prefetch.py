"""The chunks the dashboard loads ahead (fundmodel_dashboard.prefetch): found in the installed
Streamlit, one file each; a renamed or doubled chunk is an error, not a silent no-op. That the
browser loads them while a page is read is checked in tests/test_dashboard_browser.py."""

from __future__ import annotations

import pytest

from fundmodel_dashboard.prefetch import CHUNKS, STATIC, STYLES, chunk_files


def test_every_chunk_is_one_file_of_the_installed_streamlit():
    files = chunk_files()
    assert [f.split("/")[1].split(".")[0] for f in files["modules"]] == list(CHUNKS)
    assert [f.split("/")[1].split(".")[0] for f in files["styles"]] == list(STYLES)
    for f in [*files["modules"], *files["styles"]]:
        assert (STATIC / f).stat().st_size > 0


def _static(tmp_path, names: list[str]):
    (tmp_path / "js").mkdir()
    (tmp_path / "css").mkdir()
    for name in names:
        (tmp_path / name).write_text("x")
    return tmp_path


def test_chunk_names_carry_the_hash_and_nothing_else(tmp_path):
    hashed = [f"js/{c}.Ab-_1234.js" for c in CHUNKS] + [f"css/{s}.Zz9_-Q01.css" for s in STYLES]
    # a chunk whose name starts like another's is not taken for it
    folder = _static(tmp_path, [*hashed, "js/DataFrameHelpers.Ab-_1234.js", "js/DataFrame.Ab-_1234.js.map"])
    assert chunk_files.__wrapped__(folder)["modules"][0] == "js/DataFrame.Ab-_1234.js"


@pytest.mark.parametrize("extra, missing", [(["js/Slider.Cd-_5678.js"], None), ([], "js/Slider.Ab-_1234.js")])
def test_a_doubled_or_missing_chunk_is_an_error(tmp_path, extra, missing):
    names = [f"js/{c}.Ab-_1234.js" for c in CHUNKS] + [f"css/{s}.Zz9_-Q01.css" for s in STYLES] + extra
    folder = _static(tmp_path, [n for n in names if n != missing])
    with pytest.raises(FileNotFoundError, match="Slider"):
        chunk_files.__wrapped__(folder)
