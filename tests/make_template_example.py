"""Write portfolios/template_example.xlsx: a project list shaped like the templates
provincial development-and-reform commissions circulate (附件1, a title, 填报单位 and
单位：万元 above the table, a two-row header with 资金结构 merged over 资本金比例 and
申请金额, a 序号 column, a 合计 row and a note under the table). One amount is pasted as
text with thousands separators, one capital ratio is a percentage written as text, and
行业 holds the words people write (铁路, 城市更新, 光伏). The projects are illustrative,
not reported ones.

Run from the repository root: ``python tests/make_template_example.py``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

TARGET = Path(__file__).resolve().parent.parent / "portfolios" / "template_example.xlsx"

TOP = [
    "序号",
    "项目名称",
    "项目编号",
    "所属领域",
    "银行",
    "省份",
    "是否民营",
    "行业",
    "总投资",
    "资金结构",
    "",
    "开工年份",
    "建设期",
]
SUB = ["", "", "", "", "", "", "", "", "", "资本金比例", "申请金额", "", ""]
# Amounts in 万元. Row 6: total investment pasted as text with separators; row 7: "20%" as text.
PROJECTS = [
    [1, "示例城际铁路", "TPL-1", "交通物流", "国开行", "江苏", "否", "铁路", "1,858,000", 0.4, 319900, 2025, 4],
    [2, "示例街区更新", "TPL-2", "市政和产业园区基础设施", "农发行", "浙江", "否", "城市更新",
     480000, "20%", 25600, 2025, 3],
    [3, "示例光伏基地", "TPL-3", "绿色低碳转型", "进出口银行", "甘肃", "是", "光伏", 250000, 0.25, 20000, 2026, 2],
]  # fmt: skip
# 合计 by hand: 1,858,000 + 480,000 + 250,000 = 2,588,000; 319,900 + 25,600 + 20,000 = 365,500.
TOTAL = ["合计", "", "", "", "", "", "", "", 2588000, "", 365500, "", ""]


def build(path: Path = TARGET) -> Path:
    """Write the example (whole: to a temporary name, then renamed) and return its path."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目清单"
    for row in [
        ["附件1"],
        ["新型政策性金融工具项目清单（示例）"],
        ["填报单位：（盖章）示例省发展改革委", "", "", "", "", "", "", "", "", "", "单位：万元"],
        TOP,
        SUB,
        *PROJECTS,
        TOTAL,
        ["注：总投资以可行性研究报告批复为准；本表为示例，项目并非实际申报项目。"],
    ]:
        sheet.append(row)
    sheet.merge_cells("A2:M2")
    sheet.merge_cells("J4:K4")  # 资金结构 over 资本金比例 and 申请金额
    for column in "ABCDEFGHILM":
        sheet.merge_cells(f"{column}4:{column}5")
    partial = path.with_suffix(".tmp.xlsx")
    book.save(partial)
    partial.replace(path)
    return path


if __name__ == "__main__":
    print(build())
