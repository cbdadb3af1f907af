"""The synthetic ID-card generator makes valid, distinct people and decodable photos."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from chalicelib.kyc.idnumber import check_id_number

idcard = pytest.importorskip("demo.idcard")
Image = pytest.importorskip("PIL.Image")

TODAY = dt.date(2026, 11, 28)


def test_fake_id_numbers_are_valid_for_the_given_birth_date_region_and_sex() -> None:
    birth = dt.date(1991, 2, 3)
    for region in idcard.REGIONS:
        for male in (True, False):
            check = check_id_number(idcard.fake_id_number(birth, region, male=male), TODAY)
            assert check.valid and check.birth_date == birth
            assert check.sex == ("M" if male else "F")


def test_people_are_distinct_reproducible_and_aged_as_asked() -> None:
    people = [idcard.fake_person(s, today=TODAY) for s in range(20)]
    assert len({p.id_number for p in people}) == 20
    assert idcard.fake_person(3, today=TODAY) == people[3]
    assert check_id_number(idcard.fake_person(1, today=TODAY, age=61).id_number, TODAY).age == 61
    assert idcard.fake_person(1, today=TODAY, expired=True).valid_until < TODAY


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_photos_decode(fmt: str) -> None:
    person = idcard.fake_person(1, today=TODAY)
    for photo in (
        idcard.front_photo(person, fmt=fmt),
        idcard.back_photo(person, fmt=fmt),
        idcard.front_photo(person, fmt=fmt, distortion=idcard.UNREADABLE),
    ):
        image = Image.open(io.BytesIO(photo))
        assert image.format == fmt and image.width > image.height > 500
