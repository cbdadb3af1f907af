"""Generated ID-card photos through the real OCR (RapidOCR, tuned as in production).

Each photo is read once per module (`read`), so the whole file costs about eight OCR calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

import pytest

from chalicelib.kyc.fields import ExtractedFields
from chalicelib.kyc.memory import ScriptedOcrEngine, line
from chalicelib.kyc.port import OcrEngine
from chalicelib.kyc.services import extract_document, verify_identity

idcard = pytest.importorskip("demo.idcard")
rapid = pytest.importorskip("chalicelib.kyc.rapid")

TODAY = dt.date(2026, 11, 28)
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return rapid.RapidOcrEngine(rapid.TUNED)


@pytest.fixture(scope="module")
def front(ocr: OcrEngine) -> Callable[[int], ExtractedFields]:
    """Fields read from the front photo of `fake_person(seed)`, slightly rotated and noisy."""

    @cache
    def read(seed: int) -> ExtractedFields:
        person = idcard.fake_person(seed, today=TODAY)
        distortion = idcard.Distortion(rotation=(seed % 5) - 2, noise=8)
        return extract_document(ocr, idcard.front_photo(person, seed=seed, distortion=distortion))

    return read


@pytest.mark.parametrize("seed", [1, 2])
def test_clean_photo_reads_all_front_fields_and_passes(front, seed: int) -> None:
    person = idcard.fake_person(seed, today=TODAY)
    fields = front(seed)
    assert fields.name == person.name
    assert fields.id_number == person.id_number
    assert fields.sex == person.sex
    assert fields.ethnicity == person.ethnicity
    assert fields.birth_date == person.birth
    assert fields.address == person.address
    result = verify_identity(fields, person.name, person.id_number, TODAY)
    assert result.passed, result.codes


def test_name_mismatch_on_a_photo(front) -> None:
    person = idcard.fake_person(1, today=TODAY)
    declared = ("赵" if person.name[0] != "赵" else "钱") + person.name[1:]
    result = verify_identity(front(1), declared, person.id_number, TODAY)
    assert result.codes == ("KYC_NAME_MISMATCH",)


def test_wrong_check_digit_typed_against_a_photo(front) -> None:
    person = idcard.fake_person(2, today=TODAY)
    typo = person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1")
    assert verify_identity(front(2), person.name, typo, TODAY).codes == ("KYC_ID_INVALID",)


def test_unreadable_photo(ocr: OcrEngine) -> None:
    person = idcard.fake_person(5, today=TODAY)
    photo = idcard.front_photo(person, seed=5, distortion=idcard.UNREADABLE)
    result = verify_identity(extract_document(ocr, photo), person.name, person.id_number, TODAY)
    assert result.codes == ("KYC_UNREADABLE",)


def test_expired_document_from_front_and_back(ocr: OcrEngine) -> None:
    person = idcard.fake_person(6, today=TODAY, expired=True)
    front = extract_document(ocr, idcard.front_photo(person, seed=6))
    back = extract_document(ocr, idcard.back_photo(person, seed=6))
    assert back.valid_until == person.valid_until < TODAY
    result = verify_identity(front.merged(back), person.name, person.id_number, TODAY)
    assert result.codes == ("KYC_EXPIRED",)


def test_too_young_applicant(ocr: OcrEngine) -> None:
    person = idcard.fake_person(7, today=TODAY, age=17)
    fields = extract_document(ocr, idcard.front_photo(person, seed=7))
    result = verify_identity(fields, person.name, person.id_number, TODAY)
    assert result.codes == ("KYC_AGE",) and result.age == 17


# --- Contract: the scripted fake and the real engine behave alike at the port -----------------


@pytest.fixture(params=["scripted", "rapidocr"])
def engine(request: pytest.FixtureRequest, ocr: OcrEngine) -> OcrEngine:
    if request.param == "rapidocr":
        return ocr
    person = idcard.fake_person(1, today=TODAY)
    lines = [line("姓名" + person.name, 80, 70), line("公民身份号码" + person.id_number, 80, 530)]
    return ScriptedOcrEngine({_photo(1): lines})


@cache
def _photo(seed: int) -> bytes:
    return idcard.front_photo(idcard.fake_person(seed, today=TODAY), seed=seed)


def test_contract_reads_lines_with_boxes_and_confidence(engine: OcrEngine) -> None:
    person = idcard.fake_person(1, today=TODAY)
    lines = engine.read(_photo(1))
    assert any(person.id_number in ln.text for ln in lines)
    for ln in lines:
        assert 0.0 <= ln.confidence <= 1.0 and len(ln.box) == 4 and ln.right > ln.left


def test_contract_garbage_bytes_read_as_no_lines(engine: OcrEngine) -> None:
    assert engine.read(b"not an image") == []
    assert engine.read(b"") == []
