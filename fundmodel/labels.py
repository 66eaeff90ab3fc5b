"""Chinese and English words of the interface (page titles, buttons, help texts, rule names).

Output terms (quantities and their units) are declared in :mod:`fundmodel.terms`; field and
bank ids take their names from the parameter files. :func:`label` finds any of them.
"""

from __future__ import annotations

import contextlib

from fundmodel.inputs.parameters import Parameters, bundled_instruments, default_parameters
from fundmodel.terms import UnknownTermError, is_term
from fundmodel.terms import term as output_term

LABELS: dict[str, tuple[str, str]] = {
    # term: (English, 中文)
    "scenario": ("Scenario", "情景"),
    "unit": ("Unit", "单位"),
    "total": ("Total", "合计"),
    "by_field": ("By field", "按领域"),
    "by_bank": ("By bank", "按银行"),
    "by_year": ("By year", "按年份"),
    "by_province": ("By province", "按省份"),
    "by_ownership": ("By ownership", "按所有制"),
    "fiscal": ("Fiscal and quasi-fiscal cost", "财政及准财政成本"),
    "debt_by_holder": ("Debt by holder", "债务按承担主体"),
    "debt_by_province": ("Debt by province", "债务按省份"),
    "fiscal_by_year": ("Funding cost against return, and buy-backs, by year", "资金成本与收益、回购退出（按年）"),
    "holder": ("Who carries the debt", "债务承担主体"),
    "target_effect_line": (
        "Ex-ante '+{target:.1f} pp' (a whole-program level, X/B) vs peak level effect {level:.2f}%;"
        " peak growth effect {growth:+.2f} pp",
        "事前预期'+{target:.1f}个百分点'（全计划水平口径 X/B）对比水平效应峰值 {level:.2f}%；"
        "增速效应峰值 {growth:+.2f} 个百分点",
    ),
    "help_level_effect": (
        "Additional infrastructure investment X_y as % of the counterfactual base B_y.",
        "当年新增基建投资 X_y 占反事实基数 B_y 的百分比。",
    ),
    "help_growth_effect": (
        "Change in the growth rate of infrastructure investment: 100·(X_y − X_(y−1)) / B_(y−1), pp;"
        " negative when spending winds down.",
        "对基建投资增速的拉动：100·(X_y − X_(y−1)) / B_(y−1)，百分点；投资回落年份为负。",
    ),
    "chart_effects": (
        "Level and growth effect on infrastructure investment by year",
        "逐年对基建投资的水平效应与增速效应",
    ),
    "checks": ("Checks", "校验"),
    "all_pass": ("all pass", "全部通过"),
    "private": ("Private", "民营"),
    "state": ("State / other", "国有及其他"),
    # --- dashboard and charts -------------------------------------------------------
    "app_title": ("fundmodel", "fundmodel 政策性金融工具模型"),
    "app_subtitle": (
        "Policy-based financial instruments: project capital and the investment it crowds in",
        "政策性金融工具：项目资本金及其带动的投资",
    ),
    "language": ("Language", "语言"),
    "edited_short": ("edited", "已修改"),
    "edited_note": ("edited: differs from the scenario as loaded", "已修改：与所选情景不同"),
    "page_overview": ("Overview", "总览"),
    "page_allocation": ("Allocation", "额度分配"),
    "page_leverage": ("Leverage assumptions", "杠杆假设"),
    "page_portfolio": ("Portfolio", "项目组合"),
    "page_scenarios": ("Scenarios", "情景"),
    "page_export": ("Export", "导出"),
    "page_fiscal": ("Fiscal cost and debt", "财政成本与债务"),
    "fiscal_none": ("This run has no fiscal figures.", "本次运行没有财政成本数据。"),
    "page_about": ("About the data", "数据说明"),
    "fund_total": ("Instrument", "工具资金合计"),
    "target": ("Target", "目标"),
    "help_fund": ("Instrument money allocated to project capital.", "投入项目资本金的工具资金。"),
    "help_total_investment": (
        "I = F / (s·k), summed over fields and banks.",
        "总投资 I = F / (s·k)，按领域和银行加总。",
    ),
    "help_net_investment": (
        "Additional investment a·I: what would not happen without the instrument.",
        "净新增投资 a·I：没有工具就不会发生的投资。",
    ),
    "help_multiplier": ("Total investment / fund (gross).", "总投资 / 工具资金（总撬动倍数）。"),
    "help_gap": ("Total investment minus the instrument's ex-ante target.", "总投资减去该工具的事前预期目标。"),
    "help_violations": (
        "Rules broken (allocation sums, quotas, caps, statutory minimums); reported, never corrected.",
        "违反的规则（分配合计、额度、上限、法定最低比例）；只报告，不自动修正。",
    ),
    "chart_sankey": (
        "Money flow: instrument → bank → field → total investment",
        "资金流向：工具 → 银行 → 领域 → 总投资",
    ),
    "chart_uplift": ("Uplift to infrastructure investment growth by year", "逐年拉动基建投资增速"),
    "chart_stack_field": ("Capital stack by field", "各领域资本结构"),
    "chart_stack_bank": ("Capital stack by bank", "各银行资本结构"),
    "chart_compare": ("Gross and net investment by scenario", "各情景总投资与净新增投资"),
    "chart_tornado": ("Sensitivity of total investment", "总投资敏感性分析"),
    "chart_monte_carlo": ("Monte Carlo: total investment", "蒙特卡洛模拟：总投资"),
    "low_value": ("Low value", "低值"),
    "high_value": ("High value", "高值"),
    "draws": ("Draws", "模拟次数"),
    "all_checks_pass": ("All checks pass.", "全部校验通过。"),
    "col_severity": ("Severity", "级别"),
    "col_rule": ("Rule", "规则"),
    "col_subject": ("Where", "位置"),
    "col_value": ("Value", "数值"),
    "col_limit": ("Limit", "限值"),
    "col_message": ("Message", "说明"),
    "col_parameter": ("Parameter", "参数"),
    "col_description": ("Description", "说明"),
    "col_reference": ("Source", "来源"),
    "col_date": ("Date", "日期"),
    "col_overridden_by": ("Overridden by", "覆盖来源"),
    "severity_error": ("Error", "错误"),
    "severity_warning": ("Warning", "警告"),
    "severity_info": ("Note", "提示"),
    "check_allocation_total": ("Allocation total ≠ instrument size", "分配合计不等于工具规模"),
    "check_bank_quota": ("Bank total ≠ its quota", "银行合计不等于其额度"),
    "check_negative_cell": ("Negative allocation", "分配额为负"),
    "check_private_share": ("Private share below the floor", "民营企业占比低于下限"),
    "check_fund_share_cap": ("Fund share above its cap", "资本金占比超过上限"),
    "instrument": ("Instrument", "工具"),
    "check_fund_buyback_at_par": (
        "Fund bought back at par: capital with a repayment promise (国发〔2019〕26号, 名股实债)",
        "工具到期按面值回购：带回购承诺的资本金（国发〔2019〕26号，名股实债）",
    ),
    "check_capital_ratio_minimum": ("Capital ratio below the statutory minimum", "资本金比例低于法定最低"),
    "allocation_intro": (
        "Edit any cell (amounts in the unit chosen in the sidebar). Sums, quotas and rule violations update at"
        " once; nothing is corrected automatically.",
        "可直接编辑任一单元格（单位见侧栏）。合计、额度与违规项即时更新；不会自动修正。",
    ),
    "empty_cell_kept": ("the cell was emptied; its previous value is kept.", "单元格被清空，保留原值。"),
    "allocated": ("Allocated", "已分配"),
    "quota_or_size": ("Quota / instrument size", "额度 / 工具规模"),
    "difference": ("Difference", "差额"),
    "sums_vs_quotas": ("Sums against the quotas and the instrument's size", "合计与额度及工具规模对比"),
    "propose_allocation": ("Propose an allocation", "建议分配方案"),
    "propose_help": (
        "Proportional rebalancing scales each bank's column to its quota, keeping its mix across fields; portfolio"
        " selection chooses the projects of the chosen portfolio that crowd in the most investment within the"
        " quotas, the 20% private floor and the caps. Review the proposal, then apply or discard it.",
        "等比例调整：各银行列按其额度缩放，保持领域结构不变；项目组合优选：在额度、20%民营下限与上限约束下，"
        "从所选项目组合中选出撬动投资最多的项目。确认后再应用或放弃。",
    ),
    "propose_button": ("Propose", "生成建议"),
    "propose_method": ("Method", "方法"),
    "propose_proportional": ("Proportional rebalancing to the quotas", "按额度等比例调整"),
    "propose_selection": (
        "Portfolio selection (MILP: most total investment within the quotas)",
        "项目组合优选（混合整数规划：额度内总投资最大）",
    ),
    "selection_settings": ("Selection settings", "优选设置"),
    "objective": ("Objective", "目标"),
    "objective_total": ("Most total investment", "总投资最大"),
    "objective_net": ("Most net (additional) investment", "净新增投资最大"),
    "objective_value_total": ("total investment", "总投资"),
    "objective_value_net": ("net investment", "净新增投资"),
    "min_fraction": ("Smallest funded share of a chosen request", "入选项目的最低资助比例"),
    "min_fraction_help": (
        "A chosen project gets at least this share of the fund it asks for, at its own capital ratio and fund"
        " share; 1 = all or nothing.",
        "入选项目至少获得其申请金额的该比例（按其自身资本金比例和工具占比）；1 = 全额或不选。",
    ),
    "private_min": ("Private-enterprise share of the money, at least", "民营企业项目资金占比下限"),
    "private_min_help": (
        "Not below the instrument's floor; raise it to favour private-enterprise projects.",
        "不得低于工具规定的下限；可提高以向民营企业项目倾斜。",
    ),
    "field_bounds_help": (
        "Optional bounds on each field's share of the money chosen (percent); leave a cell empty for no bound.",
        "可选：各领域占所选资金的比例上下限（%）；留空表示不设限。",
    ),
    "field_min_share": ("Field share at least", "领域占比下限"),
    "field_max_share": ("Field share at most", "领域占比上限"),
    "selection_note": (
        "{chosen:,} of {candidates:,} projects chosen; {what} {objective} ({gain} against the greedy"
        " ranking by multiplier); binding: {binding}. Found by {method}; at most {gap} below the best possible.",
        "从 {candidates:,} 个项目中选出 {chosen:,} 个；{what} {objective}（较按撬动倍数贪心排序 {gain}）；"
        "起约束作用：{binding}。求解方法：{method}；与最优解相差至多 {gap}。",
    ),
    "selection_method_milp": ("the MILP on every candidate", "对全部候选项目求解混合整数规划"),
    "selection_method_lp_core": (
        "the LP relaxation, then the MILP on the candidates nearest its threshold",
        "线性规划松弛，再对临界附近的候选项目求解混合整数规划",
    ),
    "selection_method_greedy": ("the greedy ranking by multiplier", "按撬动倍数贪心排序"),
    "apply_proposal": ("Apply proposal", "应用建议"),
    "discard_proposal": ("Discard", "放弃"),
    "reset_allocation": ("Reset to the scenario's allocation", "恢复情景分配"),
    "leverage_intro": (
        "Per field: fund share of capital s (at most its cap), capital ratio k (at least the statutory"
        " minimum), additionality a and infrastructure share θ. Multiplier = 1 / (s·k).",
        "各领域：工具占项目资本金比例 s（不超过上限）、资本金比例 k（不低于法定最低）、额外性 a、基建口径占比 θ。"
        "撬动倍数 = 1 / (s·k)。",
    ),
    "cap": ("cap", "上限"),
    "minimum_k": ("min k", "最低k"),
    "bank_scales": ("Bank scale on the fund share", "银行资本金占比系数"),
    "bank_scales_help": (
        "Each bank's vehicle multiplies the field's s by this scale (below 1: it covers less of each project's"
        " capital, so crowds in more).",
        "各银行工具公司将领域 s 乘以该系数（小于1表示覆盖资本金比例更低，撬动更多投资）。",
    ),
    "reset_assumptions": ("Reset to the scenario's values", "恢复情景取值"),
    "compare": ("Compare side by side", "并列比较"),
    "compare_with": ("Compare the current state with", "与以下情景比较"),
    "current_state": ("Current", "当前"),
    "diff_vs_current": ("Total investment vs current", "总投资与当前差异"),
    "export_json": ("Result as JSON", "JSON 结果"),
    "export_json_help": (
        "The full result of the current state (totals, fields, banks, years, checks, parameter sources).",
        "当前状态的完整结果（合计、领域、银行、年度、校验、参数来源）。",
    ),
    "download_json": ("Download JSON", "下载 JSON"),
    "about_intro": (
        "Every policy fact and assumption is a parameter with its unit, source and date. Values changed by the"
        " scenario or by your edits show where the change came from.",
        "每项政策事实和假设都是带单位、来源和日期的参数。被情景或您的编辑修改的取值会注明修改来源。",
    ),
    "about_formulas": (
        "Total investment I = F / (s·k); other capital = K − F; debt = I − K; net investment = a·I;"
        " level effect in year y = 100·X_y / B_y and growth effect = 100·(X_y − X_(y−1)) / B_(y−1),"
        " with X_y = Σ θ·a·I·w_y.",
        "总投资 I = F / (s·k)；其他资本金 = K − F；债务 = I − K；净新增投资 = a·I；"
        "第 y 年水平效应 = 100·X_y / B_y，增速效应 = 100·(X_y − X_(y−1)) / B_(y−1)，其中 X_y = Σ θ·a·I·w_y。",
    ),
    "net_investment_short": ("Net investment", "净新增投资"),
    "help_private_share": (
        "Share of the instrument going to private-enterprise projects (floor 20%).",
        "投向民营企业项目的工具资金占比（下限20%）。",
    ),
    "basis": ("Model basis", "测算口径"),
    "basis_top_down": ("Top-down (allocation × assumptions)", "自上而下（分配 × 假设）"),
    "basis_portfolio": ("Portfolio (project by project)", "项目组合（逐项目）"),
    "basis_help": (
        "What the overview, comparison and export show: the top-down model of the allocation and leverage"
        " assumptions, or the bottom-up run of the chosen portfolio.",
        "总览、比较与导出所用口径：按分配与杠杆假设的自上而下测算，或所选项目组合的逐项目测算。",
    ),
    "use_top_down": ("Use the top-down basis", "改用自上而下口径"),
    "use_portfolio": ("Use the portfolio basis", "改用项目组合口径"),
    "transfer_title": ("Transfer between cells", "单元格间划转额度"),
    "transfer_from": ("From", "划出"),
    "transfer_to": ("To", "划入"),
    "transfer_amount": ("Amount", "金额"),
    "transfer_button": ("Transfer", "划转"),
    "undo": ("Undo", "撤销"),
    "redo": ("Redo", "重做"),
    "amounts_in": ("Amounts in {unit}", "单位：{unit}"),
    "undo_help": ("Undo the last edit; puts back: {parts}", "撤销上一步修改，恢复：{parts}"),
    "redo_help": ("Redo the edit undone; changes again: {parts}", "重做刚撤销的修改，再次改变：{parts}"),
    "nothing_to_undo": ("No edit to undo", "没有可撤销的修改"),
    "nothing_to_redo": ("No undone edit to redo", "没有可重做的修改"),
    "edit_part_allocation_bn": ("the allocation", "额度分配"),
    "edit_part_assumptions": ("the leverage assumptions", "杠杆假设"),
    "edit_part_bank_scale": ("the bank scales", "银行资本金占比系数"),
    "edit_part_project_edits": ("the project inputs", "项目数据"),
    "unused_budgets": ("Budgets no project takes", "未被使用的额度"),
    "compare_reference": ("Reference (shown first; differences are against it)", "比较基准（列在最前，差额相对于它）"),
    "compare_reference_short": ("Reference", "基准"),
    "compare_this": ("This scenario", "本情景"),
    "compare_current": ("Include the current state", "包括当前状态"),
    "province_map": ("Provinces", "各省份分布"),
    "province_map_value": ("Colour the provinces by", "省份着色依据"),
    "share_of_total": ("Share", "占比"),
    "col_required": ("Required", "必填"),
    "col_content": ("What to enter", "填写内容"),
    "col_range": ("Range", "取值范围"),
    "col_aliases": ("Other headers accepted", "可用的其他表头"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
    "coltype_text": ("Text", "文字"),
    "coltype_field": ("One of the eight fields (name or id)", "八个领域之一（名称或代码）"),
    "coltype_bank": ("CDB, ADBC or EXIM (name or id)", "国开行、农发行或进出口银行（名称或代码）"),
    "coltype_province": ("Province (name or id)", "省份（名称或代码）"),
    "coltype_sector": ("Sector (name or id)", "行业（名称或代码）"),
    "coltype_profile": ("Phasing profile (name)", "投资进度曲线（名称）"),
    "coltype_bool": ("Yes or no (是/否)", "是或否"),
    "coltype_money": ("Amount in the unit of the header", "金额，单位见表头"),
    "coltype_share": ("Share: 0.25 or 25%", "比例：0.25 或 25%"),
    "coltype_int": ("Whole number", "整数"),
    "coltype_number": ("Number", "数值"),
    "download_template": ("Blank project list template (.xlsx)", "空白申报表模板（.xlsx）"),
    "download_report": ("Validation report (.xlsx)", "校验报告（.xlsx）"),
    "portfolio_intro": (
        "A portfolio of projects, run bottom-up under the current parameters (additionality and infrastructure"
        " share of the leverage page apply where a project leaves them empty).",
        "项目组合按当前参数逐项目测算（项目未填写的额外性与基建口径占比取杠杆假设页的取值）。",
    ),
    "portfolio_choice": ("Portfolio", "项目组合"),
    "portfolio_unit": ("Unit of money columns without a declared unit", "未注明单位的金额列的单位"),
    "portfolio_unit_help": (
        "Headers may declare their unit (总投资(亿元), total investment (bn)); a money column without one is an"
        " error unless a unit is chosen here.",
        "表头可注明单位（如 总投资(亿元)）；未注明单位的金额列须在此选择单位，否则报错。",
    ),
    "upload_portfolio": ("Upload a portfolio (CSV or XLSX)", "上传项目组合（CSV 或 XLSX）"),
    "upload_limit": (
        "Files up to {limit} MB; a larger file is refused by the upload box with a message.",
        "文件不超过 {limit} MB；更大的文件会被上传框拒绝并提示。",
    ),
    "portfolio_unreadable": ("The file cannot be read", "无法读取文件"),
    "validation_summary": (
        "{projects:,} projects · {errors:,} errors · {warnings:,} warnings",
        "{projects:,} 个项目 · {errors:,} 个错误 · {warnings:,} 个警告",
    ),
    "validation_report": ("Validation report", "校验报告"),
    "col_file": ("File", "文件"),
    "col_sheet": ("Sheet", "工作表"),
    "mapping_title": ("How the file was read", "文件的识别结果"),
    "mapping_help": (
        "Each column of the file and the field it is read as; change one and apply to read the file again.",
        "文件的每一列及其对应的字段；如有误，可修改后点击“应用”重新读取文件。",
    ),
    "mapping_not_read": ("(not read)", "（不读取）"),
    "mapping_apply": ("Apply the mapping", "应用列映射"),
    "mapping_reset": ("Read the columns as the file says", "恢复按文件表头识别"),
    "col_row": ("Row", "行"),
    "col_column": ("Column", "列"),
    # Validation rules of a portfolio file (the ``rule`` of each issue).
    "rule_unknown_column": ("Not a portfolio column (ignored)", "不是项目组合的列（已忽略）"),
    "rule_duplicate_column": ("Column given twice", "列重复"),
    "rule_missing_column": ("Required column missing", "缺少必填列"),
    "rule_unknown_unit": ("Unknown unit in the header", "表头单位无法识别"),
    "rule_unit_undeclared": ("Money unit not declared", "未注明金额单位"),
    "rule_missing_value": ("Required value missing", "缺少必填值"),
    "rule_not_a_number": ("Not a number", "不是数字"),
    "rule_not_an_integer": ("Not a whole number", "不是整数"),
    "rule_negative_amount": ("Negative amount", "金额为负"),
    "rule_zero_amount": ("Amount must be above zero", "金额须大于零"),
    "rule_out_of_range": ("Out of the allowed range", "超出允许范围"),
    "rule_not_a_boolean": ("Not yes / no", "不是“是/否”"),
    "rule_unknown_field": ("Unknown field", "领域无法识别"),
    "rule_unknown_bank": ("Unknown bank", "银行无法识别"),
    "rule_unknown_province": ("Unknown province", "省份无法识别"),
    "rule_unknown_sector": ("Unknown sector", "行业类别无法识别"),
    "rule_unknown_profile": ("Unknown phasing profile", "投资进度曲线无法识别"),
    "rule_inconsistent_capital": (
        "Project capital ≠ capital ratio × total investment",
        "项目资本金与资本金比例×总投资不一致",
    ),
    "rule_capital_above_investment": ("Project capital above total investment", "项目资本金超过总投资"),
    "rule_capital_ratio_below_minimum": ("Capital ratio below the statutory minimum", "资本金比例低于法定最低"),
    "rule_fund_above_cap": ("Fund share of capital above its cap", "工具资金占资本金比例超过上限"),
    "rule_other_public_above_capital": (
        "Other public money above capital less the fund",
        "其他财政资金超过项目资本金减工具资金",
    ),
    "rule_duplicate_id": ("Project id repeated", "项目编号重复"),
    "rule_unknown_column_name": ("Unknown column id in estimated_columns", "估算字段中的列名无法识别"),
    "rule_control_character": ("Control character in a cell", "单元格含控制字符"),
    "rule_error_cell": ("Spreadsheet error value in a cell", "单元格为公式错误值"),
    "rule_placeholder_text": ("Placeholder text (N/A, null) instead of a value", "单元格为占位文字而非数值"),
    "rule_no_projects": ("No project rows", "没有项目行"),
    "rule_sector_unmapped": ("Sector word mapped to no statutory sector", "行业未对应法定行业类别"),
    "rule_total_mismatch": ("Total row differs from the sum of its projects", "合计行与项目之和不符"),
    "edit_projects": ("Edit project inputs", "编辑项目数据"),
    "cells_edited": ("{n:,} cells edited", "已修改 {n:,} 个单元格"),
    "edit_projects_help": (
        "The file's cells, as written (its units, its row numbers). An edit re-validates its row and re-runs the"
        " model; the file itself is not changed. Download the edited portfolio to keep the edits.",
        "文件中的原始单元格（沿用文件的单位和行号）。修改后即时重新校验该行并重新测算；原文件不变。"
        "如需保留修改，请下载修改后的项目组合。",
    ),
    "discard_edits": ("Discard the edits", "撤销全部修改"),
    "build_edited_portfolio": ("Write the edited portfolio file", "生成修改后的项目组合文件"),
    "download_edited_portfolio": ("Download the edited portfolio (.xlsx)", "下载修改后的项目组合（.xlsx）"),
    "portfolio_fix_errors": (
        "Fix the errors listed above, in the file or in the project inputs above (nothing is dropped or corrected"
        " automatically); the portfolio is run once it is valid.",
        "请在文件中或上方的项目数据中修正上述错误（不会自动删除或修正任何数据）；项目组合有效后即可测算。",
    ),
    "portfolio_vs_top_down": (
        "Portfolio multiplier {portfolio} against the top-down assumption {top_down}.",
        "项目组合撬动倍数 {portfolio}，自上而下假设为 {top_down}。",
    ),
    "filters": ("Filters", "筛选"),
    "all": ("All", "全部"),
    "projects_shown": ("Projects shown", "显示项目数"),
    "project_metrics": ("Projects", "项目明细"),
    "no_projects_match": ("No project matches the filters.", "没有符合筛选条件的项目。"),
    "export_excel": ("Excel workbook", "Excel 工作簿"),
    "export_excel_help": (
        "An auditable workbook in live formulas (inputs, calculations, checks), in the language and unit chosen."
        " Built when you press the button.",
        "以公式呈现、可审计的工作簿（输入、计算、校验），语言与单位同当前选择。点击按钮后生成。",
    ),
    "build_workbook": ("Build workbook", "生成工作簿"),
    "building_workbook": ("Building the workbook…", "正在生成工作簿…"),
    "download_workbook": ("Download workbook (.xlsx)", "下载工作簿（.xlsx）"),
    "workbook_outdated": (
        "The inputs changed since the workbook was built: build it again.",
        "生成工作簿后输入已变更，请重新生成。",
    ),
    "export_scenario": ("The current state as a scenario file", "将当前状态保存为情景文件"),
    "export_scenario_help": (
        "A YAML scenario (overrides of the bundled parameters) that reproduces the current state with"
        " `fundmodel run --scenario`.",
        "YAML 情景文件（对内置参数的覆盖），可在命令行中用它复现当前状态。",
    ),
    "download_scenario": ("Download scenario (.yaml)", "下载情景（.yaml）"),
    "scenario_not_savable": ("The current state breaks a rule of scenario files", "当前状态不符合情景文件规则"),
    "sensitivity": ("Sensitivity", "敏感性分析"),
    "goal_seek": ("Goal-seek", "目标求解"),
    "monte_carlo": ("Monte Carlo", "蒙特卡洛模拟"),
    "scenario_files": ("Scenario files", "情景文件"),
    "col_metric": ("Metric", "指标"),
    "money_in": ("Money in", "金额单位："),
    "where_differences_come_from": ("Where the differences come from", "差异来源分解"),
    "choose_scenarios": ("Choose at least one scenario to compare with.", "请至少选择一个情景进行比较。"),
    "sensitivity_help": (
        "One assumption at a time, from its low to its high value (default ±20%, narrowed to stay within caps"
        " and statutory minimums), all others at the current values.",
        "每次只改变一个假设，从低值到高值（默认±20%，并限制在上限与法定最低比例之内），其他假设取当前值。",
    ),
    "sens_by": ("Change", "变动方式"),
    "by_all_fields": ("in every field at once", "所有领域同时变动"),
    "by_each_field": ("field by field", "逐领域变动"),
    "goal_seek_help": (
        "The change of one assumption (the same factor in every field) that reaches a target, within the caps"
        " and statutory minimums; if the target is out of reach, how close it gets.",
        "求解单一假设（所有领域同一倍数）达到目标所需的变动，须在上限与法定最低比例之内；若无法达到，给出最接近的结果。",
    ),
    "apply_solution": ("Apply to the leverage assumptions", "应用到杠杆假设"),
    "monte_carlo_help": (
        "Leverage assumptions drawn from the distributions of the scenario's uncertainty block (seeded and"
        " reproducible); total investment across the draws with P5, P50, P95 and the target.",
        "按情景不确定性设定的分布抽取杠杆假设（固定随机种子，可复现）；展示总投资分布及 P5、P50、P95 与目标。",
    ),
    "no_uncertainty": ("This scenario declares no uncertainty block.", "该情景未设定不确定性。"),
    "seed": ("Seed", "随机种子"),
    "distributions_from": ("Distributions from", "分布设定来源"),
    "base_value": ("Current", "当前值"),
    "scenario_files_help": (
        "Load a scenario file (YAML overrides of the bundled parameters); it is checked as strictly as the"
        " bundled ones. The Export page saves the current state as such a file.",
        "载入情景文件（对内置参数的 YAML 覆盖），校验规则与内置情景相同。“导出”页可将当前状态保存为情景文件。",
    ),
    "upload_scenario": ("Scenario file (YAML)", "情景文件（YAML）"),
    "scenario_registered": ("Scenario “{name}” is ready to load.", "情景“{name}”已可载入。"),
    "load_scenario": ("Load this scenario", "载入该情景"),
    "library": ("Library", "情景库"),
    "library_help": (
        "Saved scenarios with their full version history, in a database (SQLite by default; FUNDMODEL_DB_URL for"
        " PostgreSQL). A save based on an older version than the library's latest is refused, never overwritten.",
        "保存的情景及完整版本历史，存于数据库（默认 SQLite；可用 FUNDMODEL_DB_URL 指向 PostgreSQL）。"
        "基于旧版本的保存会被拒绝，不会覆盖他人的修改。",
    ),
    "library_unavailable": ("The scenario library cannot be opened", "无法打开情景库"),
    "library_saved": ("Saved scenarios", "已保存情景"),
    "library_empty": ("No scenario saved yet.", "尚无保存的情景。"),
    "library_history": ("Version history", "版本历史"),
    "library_save": ("Save the current state", "保存当前状态"),
    "save_to_library": ("Save to the library", "保存到情景库"),
    "library_manage": ("Rename or delete", "重命名或删除"),
    "new_name": ("New name", "新名称"),
    "rename": ("Rename", "重命名"),
    "delete_scenario": ("Delete", "删除"),
    "restore": ("Restore", "恢复"),
    "library_deleted_list": ("Deleted scenarios", "已删除的情景"),
    "library_renamed": (
        "Renamed “{name}” to “{new}” (version {version}).",
        "已将“{name}”重命名为“{new}”（第 {version} 版）。",
    ),
    "library_deleted": (
        "Deleted “{name}” (version {version}); its history is kept and it can be restored.",
        "已删除“{name}”（第 {version} 版）；历史版本保留，可恢复。",
    ),
    "library_restored": ("Restored “{name}” (version {version}).", "已恢复“{name}”（第 {version} 版）。"),
    "library_saved_as": ("Saved as “{name}”, version {version}.", "已保存为“{name}”，第 {version} 版。"),
    "col_name": ("Name", "名称"),
    "col_version": ("Version", "版本"),
    "col_author": ("Author", "作者"),
    "col_note": ("Note", "备注"),
    "col_action": ("Action", "操作"),
    "cashflow_note": (
        "Cash-flow metrics (numpy-financial) for projects with cash-flow columns; empty where a project has none"
        " or an IRR does not exist, never zero.",
        "现金流指标（numpy-financial）仅针对含现金流数据的项目；无数据或内部收益率不存在时留空，不记为零。",
    ),
    "filter_parameters": ("Filter parameters", "筛选参数"),
    "parameters_shown": ("parameters shown", "项参数"),
    # portfolios (bottom-up runs)
    # --- scenarios: compare, sensitivity, goal-seek, Monte Carlo, library ---
    "metric": ("Metric", "指标"),
    "difference_pct": ("Difference %", "差异%"),
    "vs": ("vs", "对比"),
    "where_from": ("Where the difference comes from", "差异来源"),
    "driver": ("Driver", "驱动因素"),
    "allocation": ("Allocation of the fund", "资金分配"),
    "field_fund_share": ("Field fund share of capital", "领域资本金占比"),
    "bank_fund_share_scale": ("Bank scale on fund share", "银行资本金占比系数"),
    "share_of_difference": ("Share of difference", "占差异比例"),
    "parameters_changed": ("Parameters changed", "参数变化"),
    "assumption": ("Assumption", "假设"),
    "low": ("Low", "低"),
    "high": ("High", "高"),
    "base": ("Base", "基准"),
    "swing": ("Swing", "波动幅度"),
    "all_fields": ("all fields", "全部领域"),
    "all_banks": ("all banks", "全部银行"),
    "probability_reaching": ("Probability of reaching the target", "达到目标的概率"),
    "mean": ("Mean", "均值"),
    "p5": ("P5", "P5"),
    "p50": ("P50", "P50"),
    "p95": ("P95", "P95"),
    "version": ("Version", "版本"),
    "author": ("Author", "作者"),
    "saved_at": ("Saved at", "保存时间"),
    "note": ("Note", "备注"),
    "name": ("Name", "名称"),
    "sorted_by": ("sorted by", "排序依据"),
    # sign-in and the shared library's roles
    "sign_in_title": ("fundmodel: sign in", "fundmodel：登录"),
    "sign_in_help": (
        "This dashboard is shared by your office. Sign in with your organisation's account.",
        "本看板由单位共享使用，请使用单位账号登录。",
    ),
    "sign_in": ("Sign in", "登录"),
    "sign_out": ("Sign out", "退出登录"),
    "signed_in_as": ("Signed in as {name} ({role})", "当前用户：{name}（{role}）"),
    "role_viewer": ("viewer", "查看者"),
    "role_editor": ("editor", "编辑者"),
    "role_owner": ("owner of the official scenarios", "官方情景负责人"),
    "viewer_no_save": (
        "Viewers read, compare and export; saving needs the editor or owner role.",
        "查看者可以浏览、比较和导出；保存需要编辑者或负责人角色。",
    ),
    "official_needs_owner": (
        "{name} is official: only an owner saves a new version. Save your change under another name as a proposal.",
        "“{name}”是官方情景：只有负责人可以保存新版本。请以其他名称保存您的修改作为建议。",
    ),
    "official_needs_note": (
        "{name} is official: say in the note why this version changes it.",
        "“{name}”是官方情景：请在备注中说明本版本修改的原因。",
    ),
    "col_official": ("Official", "官方"),
    "col_time_cst_utc": ("Time (CST, UTC)", "时间（北京时间，UTC）"),
    "col_changes": ("Changes to the overrides", "参数修改"),
    "choose_options": ("Choose options", "请选择"),
    # parameters named in a comparison's "parameters changed" (fundmodel.messages {x:path})
    "size_bn": ("Instrument size", "工具规模"),
    "cap_key_area": ("Cap on the fund share of capital, key areas", "重点领域资本金占比上限"),
    "cap_in_principle": ("Cap on the fund share of capital, in principle", "资本金占比原则上限"),
    "private_share_min": ("Private-enterprise share, floor", "民营企业占比下限"),
    "target_total_investment_bn": ("Target total investment", "预期总投资目标"),
    "target_uplift_pp": ("Target uplift to infrastructure investment growth", "预期拉动基建投资增速"),
    "reported_total_investment_bn": ("Reported total investment", "公布的总投资"),
    "disbursement_date": ("Disbursement date", "投放日期"),
    "base_level_bn": ("Infrastructure investment in the base year", "基年基建投资"),
    "base_year": ("Base year", "基年"),
    "growth_pct": ("Growth of infrastructure investment", "基建投资增速"),
    "projected_growth_pct": ("Projected growth of infrastructure investment", "基建投资预测增速"),
    "measure": ("Measure of infrastructure investment", "基建投资口径"),
    "sectors": ("Statutory sectors", "法定行业"),
    "minimum": ("Statutory minimum capital ratio", "法定最低资本金比例"),
    "shortfall_reduction": ("Reduction for shortfall infrastructure", "补短板项目下调幅度"),
    "pro_rata_attribution": ("Pro-rata attribution of co-financed investment", "共同投资按比例归属"),
    "allocation_bn": ("Allocation of the fund by field and bank", "按领域和银行的资金分配"),
    "fiscal_cost_pv": ("Fiscal cost (present value)", "财政成本（现值）"),
    "instruments_compared": ("Instruments", "政策工具"),
    "backtest_title": ("Back-test: ex-ante model against the reported outturn", "回测：事前模型与公布结果对比"),
    "col_quantity": ("Quantity", "指标"),
    "col_of": ("Of", "对象"),
    "col_reported": ("Reported", "公布值"),
    "col_ex_ante": ("Ex ante", "事前模型"),
    "col_ex_ante_error": ("Ex-ante error", "事前误差"),
    "col_fit": ("Outturn fit", "拟合值"),
    "col_fit_error": ("Fit error", "拟合误差"),
    "col_assumption_moved": ("Assumption that moved", "变动的假设"),
    "not_published": ("not published", "未公布"),
    "no_portfolio": ("no portfolio", "无项目清单"),
    "projects_count": ("Projects", "项目数"),
    "backtest_portfolio_note": (
        "Projects under 'Ex ante' are counted in the bundled portfolio {file} (synthetic, calibrated to the "
        "reported counts: a check of the portfolio, not a forecast).",
        "「事前模型」一栏的项目数取自内置项目清单 {file}（合成数据，按公布的项目数校准：用于核对清单，并非预测）。",
    ),
    "decomposition_title": ("Difference by identified driver, added in sequence", "按可识别驱动因素依次分解差异"),
    "decomposition_difference": ("Difference (sum of the rows)", "差异（各行合计）"),
    "decomposition_from": ("Reference scenario", "参照情景"),
    "decomposition_to": ("Compared scenario", "比较情景"),
    "briefing_title": ("New policy-based financial instrument: briefing", "新型政策性金融工具 情况简报"),
    "briefing_made": ("Made", "生成时间"),
    "briefing_indicator": ("Indicator", "指标"),
    "briefing_minus_baseline": ("minus baseline", "较基准"),
    "briefing_changes": ("Assumptions that differ from the baseline", "与基准不同的假设"),
    "briefing_no_changes": ("None: every assumption is the baseline's.", "无：全部假设与基准相同。"),
    "briefing_pdf": ("Briefing (one A4 page, PDF)", "情况简报（A4 单页 PDF）"),
    "briefing_pdf_help": (
        "KPIs, the key charts, the checks and the assumptions that differ from the baseline, on one A4 page.",
        "在一页 A4 上汇总关键指标、主要图表、校验结果以及与基准不同的假设。",
    ),
    "build_briefing": ("Build the briefing", "生成简报"),
    "building_briefing": ("Printing the briefing…", "正在生成简报…"),
    "download_briefing": ("Download the briefing (PDF)", "下载简报（PDF）"),
    "briefing_compare_with": (
        "Compare with (the baseline first, the current state last)",
        "对比情景（基准情景在前，当前状态在后）",
    ),
    "briefing_compare_none": ("None: the current state alone", "不选：仅当前状态"),
    "download_csv": ("Download table (.csv)", "下载表格（.csv）"),
    "csv_made_safe": (
        "In the CSV, {n:,} text cell(s) were changed so that a spreadsheet shows them as text "
        "(formula-like text gets a leading apostrophe; control characters are replaced visibly).",
        "CSV 中有 {n:,} 个文本单元格已改写，使电子表格将其显示为文本"
        "（类似公式的文本前加撇号；控制字符以可见符号替换）。",
    ),
}


#: Words of the parameter files shown as they are (units, and the one text value): English -> 中文.
PARAMETER_WORDS: dict[str, str] = {
    "bn RMB": "十亿元",
    "date": "日期",
    "flag": "是/否",
    "measure": "口径",
    "percent per year": "每年百分比",
    "percentage points": "百分点",
    "profile": "进度曲线",
    "rate per year": "年利率",
    "sector id": "行业代码",
    "share of fund": "占工具资金比例",
    "share of investment": "占投资比例",
    "share of project capital": "占项目资本金比例",
    "share of the debt of non-private projects": "占非民营项目债务比例",
    "share of the fund due at buy-back": "占回购时应付工具资金比例",
    "share of total investment": "占总投资比例",
    "times the field's share": "领域占比的倍数",
    "year": "年份",
    "years": "年",
    "NBS infrastructure investment excluding power, heat, gas and water production and supply (narrow measure)": (
        "国家统计局基础设施投资（不含电力、热力、燃气及水生产和供应业，窄口径）"
    ),
}


def parameter_word(text: str, lang: str = "en") -> str:
    """A unit or text value of the parameter files in ``lang`` (as written when it has no
    translation).

    >>> parameter_word("share of project capital", "zh")
    '占项目资本金比例'
    """
    return PARAMETER_WORDS.get(text, text) if lang == "zh" else text


def label(term: str, lang: str = "en") -> str:
    """The label of ``term`` in ``lang`` ("en" or "zh"): an output term from
    :mod:`fundmodel.terms`, a word of the interface from :data:`LABELS`, or the name of a
    field, bank or province from the parameter files. Anything else raises
    :class:`~fundmodel.terms.UnknownTermError`.

    >>> label("debt_bn", "zh")
    '债务融资'
    >>> label("cdb", "en")
    'China Development Bank'
    """
    zh = lang == "zh"
    if is_term(term):
        return output_term(term).label(lang)
    if term in LABELS:
        return LABELS[term][1 if zh else 0]
    # the chosen instrument's fields and banks first, then the other bundled instruments'
    for params in (default_parameters(), *(default_parameters(n) for n in bundled_instruments())):
        if term in params.fields:
            f = params.fields[term]
            return f.name_zh if zh else f.name_en
        if term in params.banks:
            b = params.banks[term]
            return b.name_zh if zh else b.name_en
        if term.startswith("short_") and term.removeprefix("short_") in params.banks:
            return bank_short_name(params, term.removeprefix("short_"), lang)
    from fundmodel.inputs.portfolio import PROVINCES  # provinces are portfolio data

    if term in PROVINCES.index:
        return PROVINCES.at[term, "name_zh" if zh else "name_en"]
    raise UnknownTermError(f"{term!r} has no label (fundmodel/inputs/data/terms.csv or fundmodel.labels.LABELS)")


def bank_short_name(params: Parameters, bank: str, lang: str = "en") -> str:
    """A bank's short name (a table's column header) from its parameter file; its full name
    where the file gives none. Also the label ``short_<bank>``.

    >>> bank_short_name(default_parameters("2025"), "exim", "zh"), label("short_cdb", "en")
    ('进出口银行', 'CDB')
    """
    b = params.banks[bank]
    if b.short_name is None:
        return b.name_zh if lang == "zh" else b.name_en
    return b.short_name.zh if lang == "zh" else b.short_name.en


def instrument_title(params: Parameters, lang: str = "en") -> str:
    """The instrument of ``params`` as a header names it: its id and its name.

    >>> instrument_title(default_parameters("2025"), "zh")
    '2025 新型政策性金融工具'
    """
    inst = params.instrument
    return f"{params.instrument_id} {inst.name_zh if lang == 'zh' else inst.name_en}"


def name_of(key: str, lang: str = "en") -> str:
    """The name of ``key`` in a message: its :func:`label` (an interface word, output term,
    field, bank or province), else a portfolio column's or a statutory sector's name, else
    the key itself (how :mod:`fundmodel.messages` names the ids in its parameters).

    >>> name_of("cdb", "zh"), name_of("no_such_id")
    ('国家开发银行', 'no_such_id')
    """
    with contextlib.suppress(KeyError):  # not a label: a column, a sector or the key itself
        return label(key, lang)
    from fundmodel.inputs.portfolio.schema import SCHEMA  # the portfolio's columns, loaded when needed

    if key in SCHEMA:
        return SCHEMA[key].label(lang)
    sector = default_parameters().capital_ratios.sectors.get(key)
    if sector is not None:
        return sector.name_zh if lang == "zh" else sector.name_en
    return key
