"""Compare what the card says with what the applicant declared (pure)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from chalicelib.kyc.fields import ExtractedFields
from chalicelib.kyc.idnumber import AGE, ID_INVALID, check_id_number, normalise_id_number
from chalicelib.reasons import Reason

UNREADABLE = "KYC_UNREADABLE"
NAME_MISMATCH = "KYC_NAME_MISMATCH"
ID_MISMATCH = "KYC_ID_MISMATCH"
EXPIRED = "KYC_EXPIRED"
__all__ = [
    "AGE",
    "EXPIRED",
    "ID_INVALID",
    "ID_MISMATCH",
    "MIN_CONFIDENCE",
    "NAME_MISMATCH",
    "UNREADABLE",
    "KycResult",
    "match_identity",
    "normalise_name",
]

# Below this recogniser confidence a name or number is a guess: ask for a better photo
# rather than decline on a misread. PP-OCRv4 scores clean card text at 0.95 and above.
MIN_CONFIDENCE = 0.80

# Minority names join their parts with a middle dot, typed and printed in several code points.
_MIDDLE_DOTS = re.compile(r"[·・•‧∙⋅．.]")


def normalise_name(raw: str) -> str:
    """NFKC (full-width to half-width), no whitespace, one kind of middle dot."""
    text = "".join(unicodedata.normalize("NFKC", raw or "").split())
    return _MIDDLE_DOTS.sub("·", text)


@dataclass(frozen=True)
class KycResult:
    """The KYC decision. `fields` holds personal data: store it, never log it."""

    passed: bool
    reasons: tuple[Reason, ...]
    fields: ExtractedFields = field(repr=False)
    age: int | None = None
    birth_date: dt.date | None = field(default=None, repr=False)
    expiry_checked: bool = False  # False when only the front side was read

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def summary(self) -> dict[str, object]:
        """For workflow payloads and logs: the decision and reason codes, no personal data."""
        return {
            "passed": self.passed,
            "reasons": [r.as_dict() for r in self.reasons],
            "age": self.age,
            "expiry_checked": self.expiry_checked,
        }


def match_identity(
    extracted: ExtractedFields,
    declared_name: str,
    declared_id: str,
    today: dt.date,
    *,
    min_confidence: float = MIN_CONFIDENCE,
) -> KycResult:
    """Decide KYC from the fields read off the card and the applicant's declaration.

    An unreadable card is the only reason given when it applies: comparing a misread would
    produce mismatch reasons that send the applicant to fix the wrong thing.
    """
    if (
        extracted.name is None
        or extracted.id_number is None
        or min(extracted.name_confidence, extracted.id_confidence) < min_confidence
    ):
        return _declined(
            extracted,
            Reason(
                UNREADABLE,
                "We could not read your ID card. Please upload a sharper, well-lit "
                "photo of the front side.",
            ),
        )
    on_card = check_id_number(extracted.id_number, today)
    if any(r.code == ID_INVALID for r in on_card.reasons):
        # The extractor prefers numbers that pass the check digit, so one that fails is far
        # more likely a misread than a forged card: ask for a new photo.
        return _declined(
            extracted,
            Reason(
                UNREADABLE,
                "We could not read the ID number on your card reliably. Please upload "
                "a sharper photo of the front side.",
            ),
        )

    reasons: list[Reason] = []
    declared = check_id_number(declared_id, today)
    if any(r.code == ID_INVALID for r in declared.reasons):
        reasons.extend(r for r in declared.reasons if r.code == ID_INVALID)
    elif normalise_id_number(declared_id) != on_card.number:
        reasons.append(
            Reason(ID_MISMATCH, "The ID number you entered does not match your ID card.")
        )
    if normalise_name(declared_name) != normalise_name(extracted.name):
        reasons.append(Reason(NAME_MISMATCH, "The name you entered does not match your ID card."))
    expiry_checked = extracted.has_validity
    if (
        extracted.valid_until is not None
        and not extracted.long_term
        and extracted.valid_until < today
    ):
        reasons.append(
            Reason(EXPIRED, "Your ID card has expired. Please renew it and apply again.")
        )
    # The age band is the card's holder's: the number on the card decides it.
    reasons.extend(r for r in on_card.reasons if r.code == AGE)
    return KycResult(
        not reasons, tuple(reasons), extracted, on_card.age, on_card.birth_date, expiry_checked
    )


def _declined(extracted: ExtractedFields, reason: Reason) -> KycResult:
    return KycResult(False, (reason,), extracted, None, None, extracted.has_validity)
