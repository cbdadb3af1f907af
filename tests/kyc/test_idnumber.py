"""ID number validation: GB 11643-1999 format, check digit, birth date, region, age band."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from chalicelib.kyc.idnumber import (
    AGE,
    ID_INVALID,
    age_on,
    check_id_number,
    make_id_number,
    normalise_id_number,
)

TODAY = dt.date(2026, 11, 28)


def _with_check_digit(stem: str) -> str:
    return stem + ric.calc_check_digit(stem + "0")


VALID = make_id_number("110105", dt.date(1990, 5, 14), 123)  # 123: odd, a man


def test_valid_number_gives_birth_date_age_and_sex() -> None:
    check = check_id_number(VALID, TODAY)
    assert check.valid and check.reasons == ()
    assert check.birth_date == dt.date(1990, 5, 14)
    assert check.age == 36
    assert check.sex == "M"


def test_published_example_is_valid() -> None:
    # The example from stdnum's documentation.
    assert check_id_number("360426199101010071", TODAY).valid


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "empty"),
        ("11010519900514123", "17 characters"),
        ("1101051990051412345", "19 characters"),
        ("11010519900514A23" + "4", "a letter in the body"),
        (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"), "wrong check digit"),
        (_with_check_digit("11010519901332123"), "13th month"),
        (make_id_number("999999", dt.date(1990, 5, 14), 123), "unknown region"),
        (make_id_number("110105", dt.date(2030, 1, 1), 123), "born in the future"),
        ("абв", "not even digits"),
    ],
)
def test_bad_input_is_declined_with_a_reason_never_raises(raw: str, why: str) -> None:
    check = check_id_number(raw, TODAY)
    assert not check.valid, why
    assert [r.code for r in check.reasons] == [ID_INVALID]
    assert check.reasons[0].text


def test_wrong_check_digit_says_so() -> None:
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    assert "check digit" in check_id_number(wrong, TODAY).reasons[0].text
    assert (
        "birth date"
        in check_id_number(_with_check_digit("11010519901332123"), TODAY).reasons[0].text
    )


def test_lower_case_x_spaces_and_full_width_digits_are_accepted() -> None:
    numbers = (make_id_number("310104", dt.date(1985, 3, 2), s) for s in range(999))
    with_x = next(n for n in numbers if n.endswith("X"))
    typed = " ".join([with_x[:6], with_x[6:14], with_x[14:].lower()])
    full_width = with_x[:17].translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) + "X"
    assert check_id_number(typed, TODAY).number == with_x
    assert check_id_number(full_width, TODAY).valid


def test_ocr_lookalikes_are_repaired_only_when_asked() -> None:
    misread = VALID.replace("0", "O").replace("1", "l")
    assert normalise_id_number(misread, repair_ocr=True) == VALID
    assert not check_id_number(misread, TODAY).valid  # what the applicant typed is not repaired


@pytest.mark.parametrize(
    ("birth", "passes"),
    [
        (dt.date(2008, 11, 28), True),  # 18 today
        (dt.date(2008, 11, 29), False),  # 18 tomorrow
        (dt.date(1966, 11, 29), True),  # 60, 61 tomorrow
        (dt.date(1965, 11, 28), False),  # 61 today
    ],
)
def test_age_band_18_to_60(birth: dt.date, passes: bool) -> None:
    check = check_id_number(make_id_number("110105", birth, 7), TODAY)
    assert check.birth_date == birth
    assert (check.reasons == ()) is passes
    if not passes:
        assert [r.code for r in check.reasons] == [AGE]


def test_region_code_created_after_birth_is_still_accepted() -> None:
    # 510107 (Chengdu Wuhou) dates from 1990; people born earlier registered there later.
    assert check_id_number(make_id_number("510107", dt.date(1970, 1, 1), 12), TODAY).valid


def test_leap_day_birthday() -> None:
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18
