"""The message table: both languages carry the same parameters, and rendering honours the unit."""

import string

from fundmodel.messages import Message, format_money, render, templates


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_both_languages_with_the_same_parameters():
    for message_id, text in templates().items():
        assert text["en"].strip() and text["zh"].strip(), message_id
        assert _fields(text["en"]) == _fields(text["zh"]), message_id


def test_money_in_the_chosen_unit_by_hand():
    # 495 bn = 4,950 亿元; -5 bn = -50 亿元
    message = Message("demo_allocation_total", {"total": 495.0, "size": 500.0, "diff": -5.0})
    assert render(message, "zh", "yi") == "分配合计 4,950 亿元，工具规模 5,000 亿元（差额 -50 亿元）。"
    assert str(message).startswith("Allocation sums to 495.0 bn RMB")


def test_a_small_amount_is_never_shown_as_zero():
    # a 2,076 万元 fund is 0.2076 亿元: 亿元 shows no decimals, so two significant digits are kept
    assert format_money(0.02076, "yi", "zh") == "0.21 亿元"
    assert format_money(0.02076, "wan", "zh") == "2,076 万元"
    assert format_money(0.0, "yi", "zh") == "0 亿元"
