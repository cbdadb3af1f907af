"""Chinese resident ID number (GB 11643-1999): normalisation and validation.

Pure functions. Bad user input never raises: it yields an `IdCheck` carrying reason codes.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from chalicelib.reasons import Reason

MIN_AGE = 18
MAX_AGE = 60

ID_INVALID = "KYC_ID_INVALID"
AGE = "KYC_AGE"

# OCR (and typing) confusions seen in the digit part of the number. The last character may
# also be the check letter X, which OCR returns as x, × or ㄨ.
_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "g": "9",
    }
)
_CHECK_X = {"x", "X", "×", "ㄨ", "χ"}


@dataclass(frozen=True)
class IdCheck:
    """The outcome of checking one ID number; `reasons` is empty when it is valid."""

    number: str
    reasons: tuple[Reason, ...]
    birth_date: dt.date | None = None
    age: int | None = None
    sex: str | None = None  # "M" or "F", from the parity of the sequence code

    @property
    def valid(self) -> bool:
        return not self.reasons


def normalise_id_number(raw: str, *, repair_ocr: bool = False) -> str:
    """Strip spaces, separators and full-width forms; upper-case the check letter X.

    With `repair_ocr`, letters that OCR confuses with digits (O→0, l/I→1, ...) are mapped
    back; that is for text read from a photo, not for what the applicant typed.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    chars = [c for c in text if not c.isspace() and c not in "-_.·:："]
    if not chars:
        return ""
    body, last = "".join(chars[:-1]), chars[-1]
    if repair_ocr:
        body = body.translate(_DIGIT_LOOKALIKES)
        if last not in _CHECK_X:
            last = last.translate(_DIGIT_LOOKALIKES)
    return body + ("X" if last in _CHECK_X else last)


def age_on(birth: dt.date, today: dt.date) -> int:
    """Completed years; someone born on 29 February turns a year older on 1 March."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _region_known(number: str) -> bool:
    # stdnum.cn.ric.get_birth_place also requires the county code to have existed in the
    # birth year, but codes are given at registration, often years after birth: someone
    # born in 1966 in Chengdu's Wuhou district holds 510107..., a code created in 1990.
    # So any code the table has ever known is accepted.
    results = numdb.get("cn/loc").info(number[:6])
    return any(props for _part, props in results)


def check_id_number(
    raw: str, today: dt.date, *, min_age: int = MIN_AGE, max_age: int = MAX_AGE
) -> IdCheck:
    """Validate format, check digit, birth date and region, then the age band at `today`."""
    number = normalise_id_number(raw)

    def invalid(text: str) -> IdCheck:
        return IdCheck(number, (Reason(ID_INVALID, text),))

    if len(number) != 18:
        return invalid("The ID number must have 18 characters.")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return invalid("The ID number may contain only digits, and X as its last character.")
    if number[17] != ric.calc_check_digit(number):
        return invalid("The ID number's check digit is wrong; please check it for typos.")
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:  # InvalidComponent: an impossible date
        return invalid("The ID number does not contain a valid birth date.")
    if birth > today or birth.year < 1900:
        return invalid("The ID number does not contain a valid birth date.")
    if not _region_known(number):
        return invalid("The ID number's region code is unknown.")

    age = age_on(birth, today)
    sex = "M" if int(number[16]) % 2 else "F"
    reasons: tuple[Reason, ...] = ()
    if not min_age <= age <= max_age:
        reasons = (Reason(AGE, f"Applicants must be {min_age} to {max_age} years old."),)
    return IdCheck(number, reasons, birth, age, sex)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A well-formed number for test and demo data: region + birth + sequence + check digit.

    `sequence` is 0..999; odd for a man, even for a woman.
    """
    if not (len(region) == 6 and region.isdigit() and 0 <= sequence <= 999):
        raise ValueError("region must be 6 digits and sequence 0..999")
    stem = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return stem + ric.calc_check_digit(stem + "0")
