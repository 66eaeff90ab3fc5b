"""Reading a 2,300-project list shaped like a government template, against the plain file.

    python bench/template_read.py [REPEAT]

The bundled synthetic national portfolio (2,300 projects) is written as the plain file (one
header row of column ids, money in bn) and as a template-shaped file (附件1, a title, 填报单位
and 单位：万元 above the table, a two-row header with 资金结构 merged over 资本金比例 and 申请金额,
a 序号 column, Chinese names for fields, banks and provinces, 是/否, free-text 行业 words, money
in 万元 with every 10th total investment pasted as text with thousands separators and every
10th capital ratio as "20%", a 合计 row and a note): both as .xlsx, and as CSV (the template
in UTF-8 and in GB18030, each against the plain UTF-8 CSV). Each file is read and validated
(``read_portfolio``) REPEAT times (default 5) after one untimed read; the best and the median
are printed, and the ratio template / plain. The floor: the template-shaped file reads in at
most twice the time of the plain one. Both must give the same total fund.
"""

from __future__ import annotations

import csv
import gc
import sys
import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # the checkout's fundmodel, not an installed one

from spreadsheet import timed  # noqa: E402  bench/spreadsheet.py: best and median of REPEAT calls

from fundmodel import default_parameters  # noqa: E402
from fundmodel.inputs.bundled import PORTFOLIO_DIR  # noqa: E402
from fundmodel.inputs.portfolio import PROVINCES, read_portfolio  # noqa: E402
from fundmodel.inputs.portfolio.schema import DATA_DIR  # noqa: E402
from fundmodel.units import PER_BN  # noqa: E402

SOURCE = PORTFOLIO_DIR / "national_synthetic.csv"
PLAIN_COLUMNS = [
    "project_id", "project_name", "field", "bank", "province", "private", "sector",
    "total_investment_bn", "capital_ratio", "fund_requested_bn", "start_year", "construction_years",
]  # fmt: skip
TOP = ["序号", "项目名称", "项目编号", "所属领域", "银行", "省份", "是否民营", "行业", "总投资", "资金结构", ""]
TOP += ["开工年份", "建设期"]
SUB = ["", "", "", "", "", "", "", "", "", "资本金比例", "申请金额", "", ""]
BANK_WORDS = {"cdb": "国开行", "adbc": "农发行", "exim": "进出口银行"}


def template_rows(frame: pd.DataFrame) -> list[list[object]]:
    """The projects as a template writes them (money in 万元; see the module)."""
    p = default_parameters()
    wan = PER_BN["wan"]
    sector_word = {s: w for w, s in zip(*_words_and_sectors(), strict=True)}
    investment = frame["total_investment_bn"].astype(float).to_numpy() * wan
    ratio = frame["capital_ratio"].astype(float).to_numpy()
    fund = frame["fund_requested_bn"].astype(float).to_numpy() * wan
    rows = []
    for i, r in enumerate(frame.itertuples(index=False)):
        total: object = round(investment[i], 2)
        share: object = ratio[i]
        if i % 10 == 0:
            total = f"{investment[i]:,.2f}"  # pasted as text with separators
            share = f"{ratio[i]:.0%}" if abs(ratio[i] * 100 - round(ratio[i] * 100)) < 1e-9 else ratio[i]
        rows.append(
            [
                i + 1,
                r.project_name,
                r.project_id,
                p.fields[r.field].name_zh,
                BANK_WORDS[r.bank],
                PROVINCES.loc[r.province, "name_zh"],
                "是" if r.private == "yes" else "否",
                sector_word.get(r.sector, r.sector),
                total,
                share,
                round(fund[i], 2),
                int(r.start_year),
                int(r.construction_years),
            ]
        )
    return rows


def _words_and_sectors() -> tuple[list[str], list[str]]:
    words = pd.read_csv(DATA_DIR / "portfolio_sector_words.csv", dtype=str).drop_duplicates("sector")
    return words["word"].tolist(), words["sector"].tolist()


def _sums(rows: list[list[object]]) -> tuple[float, float]:
    def number(v: object) -> float:
        return float(str(v).replace(",", ""))

    return sum(number(r[8]) for r in rows), sum(number(r[10]) for r in rows)


def write_files(folder: Path) -> dict[str, Path]:
    """The plain and template-shaped files, as .xlsx and CSV."""
    frame = pd.read_csv(SOURCE, dtype=str, keep_default_na=False)
    projects = template_rows(frame)
    investment, fund = _sums(projects)
    title = [
        ["附件1"],
        ["新型政策性金融工具项目清单（基准测试）"],
        ["填报单位：（盖章）示例省发展改革委", *[""] * 9, "单位：万元"],
        TOP,
        SUB,
    ]
    bottom = [["合计", *[""] * 7, round(investment, 2), "", round(fund, 2), "", ""], ["注：合成数据，仅用于基准测试。"]]
    files = {}
    plain = [PLAIN_COLUMNS, *frame[PLAIN_COLUMNS].itertuples(index=False, name=None)]
    for name, rows, merges in (("plain", plain, False), ("template", [*title, *projects, *bottom], True)):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "项目清单"
        for row in rows:
            sheet.append([_typed(v) for v in row])
        if merges:
            sheet.merge_cells("J4:K4")
            for column in "ABCDEFGHILM":
                sheet.merge_cells(f"{column}4:{column}5")
        files[f"{name}.xlsx"] = folder / f"{name}.xlsx"
        book.save(files[f"{name}.xlsx"])
        for encoding in ("utf-8", "gb18030") if merges else ("utf-8",):
            key = f"{name}.csv" if encoding == "utf-8" else f"{name}.gb18030.csv"
            files[key] = folder / key
            with open(files[key], "w", encoding=encoding, newline="") as handle:
                csv.writer(handle).writerows(rows)
    return files


def _typed(value: object) -> object:
    """Numbers of the plain CSV frame (text) as numbers in the sheet, as a user's file has them."""
    if isinstance(value, str):
        try:
            return float(value) if any(c in value for c in ".e") else int(value)
        except ValueError:
            return value
    return value


def main(repeat: int = 5) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp))
        print(f"read and validate 2,300 projects, best / median of {repeat} (python bench/template_read.py)")
        worst = 0.0
        for kind in ("csv", "gb18030.csv", "xlsx"):
            plain, template = files[f"plain.{kind.split('.')[-1]}"], files[f"template.{kind}"]
            a, b = read_portfolio(plain), read_portfolio(template)
            assert a.ok and b.ok, (a.report(limit=5), b.report(limit=5))
            fund_a, fund_b = a.frame["fund_requested_bn"].sum(), b.frame["fund_requested_bn"].sum()
            assert np.isclose(fund_a, fund_b, rtol=1e-6), (fund_a, fund_b)
            assert len(b.frame) == len(a.frame) == 2_300
            gc.collect()  # each side starts from the same heap, not the garbage of the last
            plain_best, plain_median = timed(lambda p=plain: read_portfolio(p), repeat)
            gc.collect()
            tpl_best, tpl_median = timed(lambda p=template: read_portfolio(p), repeat)
            ratio = tpl_best / plain_best
            worst = max(worst, ratio)
            print(f"  {kind:<12} plain    {plain_best * 1e3:8.1f} ms / {plain_median * 1e3:8.1f} ms")
            print(f"  {kind:<12} template {tpl_best * 1e3:8.1f} ms / {tpl_median * 1e3:8.1f} ms")
            print(f"  {kind:<12} template / plain (best): {ratio:.2f}x (floor 2x); total fund {fund_b:,.3f} bn")
        print("within the floor" if worst <= 2.0 else f"ABOVE THE FLOOR: {worst:.2f}x > 2x")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
