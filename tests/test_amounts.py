from decimal import Decimal

import pytest

from chalicelib.amounts import fen_to_yuan, percent, yuan_to_fen


def test_yuan_round_trips_through_fen() -> None:
    assert yuan_to_fen("1234.56") == 123456
    assert fen_to_yuan(123456) == "1234.56"
    assert fen_to_yuan(5) == "0.05"
    assert fen_to_yuan(-5) == "-0.05"


@pytest.mark.parametrize("bad", ["1.234", "abc", "NaN", "Infinity"])
def test_bad_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        yuan_to_fen(bad)


def test_percent_formats_rates() -> None:
    assert percent(Decimal("0.1825")) == "18.25"
    assert percent(Decimal("0.1825") / 360, places=4) == "0.0507"
