"""Chinese and English labels for the terms every output shows (CLI, dashboard, Excel).

Field and bank ids take their names from the parameter files; other terms from LABELS.
"""

from __future__ import annotations

from fundmodel.parameters import default_parameters

LABELS: dict[str, tuple[str, str]] = {
    # term: (English, 中文)
    "scenario": ("Scenario", "情景"),
    "unit": ("Unit", "单位"),
    "total": ("Total", "合计"),
    "field": ("Field", "领域"),
    "bank": ("Bank", "银行"),
    "year": ("Year", "年份"),
    "province": ("Province", "省份"),
    "ownership": ("Ownership", "所有制"),
    "by_field": ("By field", "按领域"),
    "by_bank": ("By bank", "按银行"),
    "by_year": ("By year", "按年份"),
    "by_province": ("By province", "按省份"),
    "by_ownership": ("By ownership", "按所有制"),
    "fund_bn": ("Fund", "政策性金融工具"),
    "project_capital_bn": ("Project capital", "项目资本金"),
    "other_capital_bn": ("Other capital", "其他资本金"),
    "debt_bn": ("Debt", "债务融资"),
    "total_investment_bn": ("Total investment", "总投资"),
    "net_investment_bn": ("Net (additional) investment", "净新增投资"),
    "multiplier": ("Multiplier", "撬动倍数"),
    "net_multiplier": ("Net multiplier", "净撬动倍数"),
    "gap_to_target_bn": ("Gap to 6 tn target", "与6万亿目标差距"),
    "fund_share_of_capital": ("Fund share of capital", "占项目资本金比例"),
    "fund_share_cap": ("Cap on fund share", "资本金占比上限"),
    "capital_ratio": ("Capital ratio", "资本金比例"),
    "capital_ratio_minimum": ("Statutory minimum capital ratio", "最低资本金比例"),
    "additionality": ("Additionality", "额外性"),
    "infrastructure_share": ("Infrastructure share", "基建口径占比"),
    "private_share": ("Private-enterprise share", "民营企业占比"),
    "fund_share_scale": ("Bank scale on fund share", "银行资本金占比系数"),
    "quota_bn": ("Quota", "额度"),
    "investment_bn": ("Investment landing", "当年投资"),
    "infrastructure_net_bn": ("Additional infrastructure investment", "新增基建投资"),
    "base_previous_year_bn": ("Infrastructure base (previous year)", "上年基建投资基数"),
    "uplift_pp": ("Uplift to infrastructure growth (pp)", "拉动基建投资增速（百分点）"),
    "checks": ("Checks", "校验"),
    "all_pass": ("all pass", "全部通过"),
    "private": ("Private", "民营"),
    "state": ("State / other", "国有及其他"),
}


def label(term: str, lang: str = "en") -> str:
    """The label of ``term`` in ``lang`` ("en" or "zh"); field and bank ids get their names.

    >>> label("debt_bn", "zh")
    '债务融资'
    >>> label("cdb", "en")
    'China Development Bank'
    """
    zh = lang == "zh"
    if term in LABELS:
        return LABELS[term][1 if zh else 0]
    params = default_parameters()
    if term in params.fields:
        f = params.fields[term]
        return f.name_zh if zh else f.name_en
    if term in params.banks:
        b = params.banks[term]
        return b.name_zh if zh else b.name_en
    return term
