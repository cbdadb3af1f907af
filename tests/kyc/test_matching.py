"""KYC decision from extracted fields and the declaration (pure, no OCR)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from chalicelib.kyc.fields import ExtractedFields
from chalicelib.kyc.idnumber import make_id_number
from chalicelib.kyc.services import verify_identity

TODAY = dt.date(2026, 11, 28)
ID = make_id_number("440305", dt.date(1992, 4, 3), 35)
CARD = ExtractedFields(
    name="陈小明", sex="男", ethnicity="汉", birth_date=dt.date(1992, 4, 3),
    address="广东省深圳市南山区科技园南路1号", id_number=ID,
    name_confidence=0.99, id_confidence=0.99,
)  # fmt: skip


def test_matching_card_and_declaration_pass() -> None:
    result = verify_identity(CARD, "陈小明", ID, TODAY)
    assert result.passed and result.reasons == ()
    assert result.age == 34
    assert not result.expiry_checked  # only the front side was read


def test_name_is_compared_after_whitespace_and_full_width_normalisation() -> None:
    assert verify_identity(CARD, " 陈 小明　", ID.lower(), TODAY).passed
    minority = replace(CARD, name="阿依古丽·买买提")
    assert verify_identity(minority, "阿依古丽・买买提", ID, TODAY).passed


def test_name_mismatch() -> None:
    result = verify_identity(CARD, "陈晓明", ID, TODAY)
    assert not result.passed and result.codes == ("KYC_NAME_MISMATCH",)


def test_id_mismatch() -> None:
    other = make_id_number("440305", dt.date(1992, 4, 3), 37)
    assert verify_identity(CARD, "陈小明", other, TODAY).codes == ("KYC_ID_MISMATCH",)


def test_declared_id_with_wrong_check_digit_is_invalid() -> None:
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    result = verify_identity(CARD, "陈小明", wrong, TODAY)
    assert result.codes == ("KYC_ID_INVALID",)
    assert "check digit" in result.reasons[0].text


@pytest.mark.parametrize(
    "card",
    [
        replace(CARD, name=None),
        replace(CARD, id_number=None),
        replace(CARD, id_confidence=0.6),
        ExtractedFields(),
    ],
)
def test_unreadable_card_is_the_only_reason(card: ExtractedFields) -> None:
    result = verify_identity(card, "陈小明", "not even an id", TODAY)
    assert result.codes == ("KYC_UNREADABLE",)


def test_number_on_card_failing_its_check_digit_asks_for_a_new_photo() -> None:
    misread = replace(CARD, id_number=ID[:-1] + ("0" if ID[-1] != "0" else "1"))
    assert verify_identity(misread, "陈小明", ID, TODAY).codes == ("KYC_UNREADABLE",)


def test_expired_document() -> None:
    expired = replace(CARD, valid_from=dt.date(2016, 3, 1), valid_until=dt.date(2026, 3, 1))
    result = verify_identity(expired, "陈小明", ID, TODAY)
    assert result.codes == ("KYC_EXPIRED",) and result.expiry_checked


def test_valid_until_today_and_long_term_are_not_expired() -> None:
    assert verify_identity(replace(CARD, valid_until=TODAY), "陈小明", ID, TODAY).passed
    long_term = replace(CARD, valid_from=dt.date(2010, 1, 5), long_term=True)
    result = verify_identity(long_term, "陈小明", ID, TODAY)
    assert result.passed and result.expiry_checked


@pytest.mark.parametrize("birth", [dt.date(2009, 1, 1), dt.date(1960, 1, 1)])
def test_age_out_of_range(birth: dt.date) -> None:
    number = make_id_number("110105", birth, 11)
    card = replace(CARD, id_number=number, birth_date=birth)
    assert verify_identity(card, "陈小明", number, TODAY).codes == ("KYC_AGE",)


def test_several_reasons_are_all_given() -> None:
    expired = replace(CARD, valid_until=dt.date(2020, 1, 1))
    other = make_id_number("440305", dt.date(1992, 4, 3), 37)
    assert set(verify_identity(expired, "王五", other, TODAY).codes) == {
        "KYC_NAME_MISMATCH", "KYC_ID_MISMATCH", "KYC_EXPIRED",
    }  # fmt: skip


def test_summary_carries_no_personal_data() -> None:
    result = verify_identity(CARD, "陈晓明", ID, TODAY)
    shown = f"{result!r} {result.summary()}"
    assert "陈" not in shown and ID not in shown and "深圳" not in shown
    assert result.summary()["reasons"][0]["code"] == "KYC_NAME_MISMATCH"
