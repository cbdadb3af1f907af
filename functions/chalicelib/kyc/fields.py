"""Field extraction from the OCR lines of a 居民身份证 (pure).

OCR returns boxes, not fields: a label and its value may come as one line ("姓名张三") or as
two boxes on the same row ("姓名" "张三"), and the order of boxes is not reliable (the ID
number often comes before its own label). So the lines are first grouped into rows by
geometry, each row read left to right, and the fields found by their labels in row text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from stdnum.cn import ric

from chalicelib.kyc.idnumber import normalise_id_number
from chalicelib.kyc.port import OcrLine


@dataclass(frozen=True)
class ExtractedFields:
    """What was read from one or both sides of the card; None where nothing was found.

    Name, address and ID number are personal data: they are kept out of `repr` (so they do
    not end up in a log line or a traceback) and out of `redacted()`.
    """

    name: str | None = field(default=None, repr=False)
    sex: str | None = None  # "男" / "女" as printed
    ethnicity: str | None = None
    birth_date: dt.date | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)
    id_number: str | None = field(default=None, repr=False)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    long_term: bool = False  # 有效期限 "…-长期": never expires
    name_confidence: float = 0.0
    id_confidence: float = 0.0

    @property
    def has_validity(self) -> bool:
        return self.long_term or self.valid_until is not None

    def merged(self, other: ExtractedFields) -> ExtractedFields:
        """Combine the front (portrait) side with the back (validity) side; self wins."""
        updates = {
            name: getattr(other, name)
            for name in self.__dataclass_fields__
            if getattr(self, name) in (None, 0.0, False) and getattr(other, name) not in (None,)
        }
        return replace(self, **updates)

    def redacted(self) -> dict[str, object]:
        """Safe to log or to put in a workflow payload: which fields were found, no values."""
        return {
            "name_found": self.name is not None,
            "id_number_found": self.id_number is not None,
            "address_found": self.address is not None,
            "birth_date_found": self.birth_date is not None,
            "sex": self.sex,
            "ethnicity_found": self.ethnicity is not None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "long_term": self.long_term,
            "name_confidence": round(self.name_confidence, 3),
            "id_confidence": round(self.id_confidence, 3),
        }


@dataclass(frozen=True)
class _Row:
    text: str  # the row's boxes left to right, normalised, no spaces
    parts: tuple[OcrLine, ...]
    top: float
    bottom: float
    left: float

    @property
    def confidence(self) -> float:
        return min(p.confidence for p in self.parts)


def clean_text(text: str) -> str:
    """NFKC (full-width to ASCII), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def group_rows(lines: Sequence[OcrLine]) -> list[_Row]:
    """Group boxes whose vertical centres fall within one another's height into rows."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.top + ln.bottom) / 2):
        centre = (line.top + line.bottom) / 2
        for row in rows:
            anchor = row[0]
            if (
                anchor.top <= centre <= anchor.bottom
                or line.top <= (anchor.top + anchor.bottom) / 2 <= line.bottom
            ):
                row.append(line)
                break
        else:
            rows.append([line])
    out = []
    for row in rows:
        row.sort(key=lambda ln: ln.left)
        out.append(
            _Row(
                "".join(clean_text(p.text) for p in row),
                tuple(row),
                min(p.top for p in row),
                max(p.bottom for p in row),
                min(p.left for p in row),
            )
        )
    out.sort(key=lambda r: r.top)
    return out


# Labels as printed, and as OCR has been seen to misread them (one character off).
_NAME = re.compile(r"^(?:姓名|娃名|姓各|性名|姓)")
_SEX = re.compile(r"(?:性别|姓别|性刑)([男女])")
_ETHNICITY = re.compile(r"民族([\u4e00-\u9fff]{1,6})")
_BIRTH = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_ADDRESS = re.compile(r"^(?:住址|往址|佳址|住)")
_ID_LABEL = re.compile(r"公民身份号码|公民身份号|身份号码")
_VALIDITY = re.compile(
    r"(\d{4})[.\-/年]?(\d{2})[.\-/月]?(\d{2})日?[-—–~至]+(?:(\d{4})[.\-/年]?(\d{2})[.\-/月]?(\d{2})|(长期))"
)
# 17 digits (or their look-alikes) then a digit or X; checked against the check digit below.
_ID_CANDIDATE = re.compile(r"[0-9OoDQlIi|ZzSsBg]{17}[0-9Xx×ㄨχOoDQlIi|ZzSsBg]")


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _find_id_number(rows: Sequence[_Row]) -> tuple[str | None, float]:
    """Prefer a candidate that passes the check digit; else the first well-shaped one."""
    fallback: tuple[str | None, float] = (None, 0.0)
    # The labelled row first: the address can hold long digit runs, the ID row never less.
    ordered = sorted(rows, key=lambda r: not _ID_LABEL.search(r.text))
    for row in ordered:
        text = _ID_LABEL.sub("", row.text)
        for match in _ID_CANDIDATE.finditer(text):
            number = normalise_id_number(match.group(0), repair_ocr=True)
            if number[:17].isdigit() and number[17] == ric.calc_check_digit(number):
                return number, row.confidence
            if fallback[0] is None:
                fallback = (number, row.confidence)
    return fallback


def _value_after(label: re.Pattern[str], row: _Row) -> tuple[str, float]:
    """The row's text after its label, and how sure OCR was of it, without what OCR read in
    the gap between them. The card prints nothing there, but RapidOCR has read it as '：', '1'
    and '日' (seen on the test cards), fused to the label's box while the value had boxes of
    its own: then the value is those boxes alone, at their confidence. Whatever the boxes, a
    name or an address never begins with anything but a letter."""
    first, rest = clean_text(row.parts[0].text), row.parts[1:]
    m = label.match(first)
    if m and rest and m.end() < len(first):
        value = "".join(clean_text(p.text) for p in rest)
        confidence = min(p.confidence for p in rest)
    else:
        value, confidence = label.sub("", row.text, count=1), row.confidence
    start = 0
    while start < len(value) and not value[start].isalpha():
        start += 1
    return value[start:], confidence


def extract_fields(lines: Sequence[OcrLine]) -> ExtractedFields:
    """Read the fields of either side of the card from its OCR lines. Never raises."""
    rows = group_rows([ln for ln in lines if ln.text.strip()])
    name = sex = ethnicity = address = None
    birth = valid_from = valid_until = None
    long_term = False
    name_conf = 0.0
    id_number, id_conf = _find_id_number(rows)

    address_parts: list[str] = []
    address_label_left: float | None = None  # set while reading the address's rows
    for row in rows:
        text = row.text
        if address_label_left is not None:
            # A continuation starts in the value column, right of where the label stood.
            ends = _ID_LABEL.search(text) or (id_number and id_number in text)
            if not ends and row.left > address_label_left + 1.5 * (row.bottom - row.top):
                address_parts.append(text)
                continue
            address_label_left = None
        if name is None and _NAME.match(text):
            value, confidence = _value_after(_NAME, row)
            if value:
                name, name_conf = value, confidence
            continue
        if sex is None and (m := _SEX.search(text)):
            sex = m.group(1)
        if ethnicity is None and (m := _ETHNICITY.search(text)):
            ethnicity = m.group(1)
        if birth is None and text.startswith(("出生", "出", "生")) and (m := _BIRTH.search(text)):
            birth = _date(*m.groups())
        if not address_parts and address_label_left is None and _ADDRESS.match(text):
            address_label_left = row.left
            if first := _value_after(_ADDRESS, row)[0]:
                address_parts.append(first)
            continue
        if valid_until is None and not long_term and (m := _VALIDITY.search(text)):
            valid_from = _date(*m.group(1, 2, 3))
            if m.group(7):
                long_term = True
            else:
                valid_until = _date(*m.group(4, 5, 6))
    if address_parts:
        address = "".join(address_parts)
    return ExtractedFields(
        name=name,
        sex=sex,
        ethnicity=ethnicity,
        birth_date=birth,
        address=address,
        id_number=id_number,
        valid_from=valid_from,
        valid_until=valid_until,
        long_term=long_term,
        name_confidence=name_conf,
        id_confidence=id_conf,
    )
