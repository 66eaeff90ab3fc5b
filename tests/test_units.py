"""Money units: bn RMB inside, 亿元 / 万元 at the edges."""

import pytest

from fundmodel.labels import label
from fundmodel.terms import UnknownTermError
from fundmodel.units import format_amount, from_bn, to_bn, unit_label


def test_conversions_by_hand():
    assert from_bn(500, "yi") == 5000  # 500 bn = 5,000 亿元
    assert from_bn(1, "wan") == 100_000  # 1 bn = 100,000 万元
    assert to_bn(31.99, "yi") == pytest.approx(3.199)  # Wuxi-Yixing approval: 31.99 亿元
    assert to_bn(2076, "wan") == pytest.approx(0.02076)  # Taicang: 2,076 万元 = 20.76 mn
    assert to_bn(from_bn(123.456, "wan"), "wan") == pytest.approx(123.456)


def test_unknown_unit():
    with pytest.raises(ValueError, match="unknown money unit 'usd'"):
        from_bn(1, "usd")


def test_labels_and_format():
    assert unit_label("yi", "zh") == "亿元"
    assert format_amount(7080, "yi") == "70,800.0"
    assert label("debt_bn", "zh") == "债务融资"
    assert label("agriculture_rural", "zh") == "农业农村"
    assert label("exim", "en") == "Export-Import Bank of China"
    with pytest.raises(UnknownTermError):
        label("no_such_term")


def test_terminal_width_of_chinese():
    from fundmodel.outputs.report import display_width

    assert display_width("总投资") == 6
    assert display_width("Fund 资本金") == 11
