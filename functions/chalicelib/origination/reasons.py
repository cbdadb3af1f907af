"""Reason codes to the words an applicant reads (pure).

The workflow carries codes; texts come from where they were written: a step that flags
something records its reasons with their texts (KYC, fraud, the model's reasons, which quote
the applicant's own terms; an unaffordable line), and the policy's own reasons have fixed texts.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..applications.port import StepRecords
from ..decision import KO_TEXT, PRICE_ABOVE_CAP, SCORE_BORDERLINE, THIN_FILE
from ..reasons import Reason

REVIEW_TIMEOUT = Reason("REVIEW_TIMEOUT", "We could not complete a manual review in time.")
REVIEW_DECLINED = Reason(
    "REVIEW_DECLINED", "After review, we cannot offer you credit at this time."
)
SYSTEM_FAILURE = Reason(
    "SYSTEM_ERROR", "Something went wrong on our side while deciding. Please apply again."
)
DECLINED = Reason("DECLINED", "Your application did not meet our lending criteria.")

FIXED: dict[str, str] = {
    **KO_TEXT,
    **{
        r.code: r.text
        for r in (
            PRICE_ABOVE_CAP,
            SCORE_BORDERLINE,
            THIN_FILE,
            REVIEW_TIMEOUT,
            REVIEW_DECLINED,
            SYSTEM_FAILURE,
            DECLINED,
        )
    },
}


def resolve(codes: Iterable[str], recorded: StepRecords) -> tuple[Reason, ...]:
    """The reasons for `codes`, in order, each once. A code no step recorded and no rule names
    keeps the generic text rather than showing a bare code."""
    written = {
        r.code: r.text
        for r in (
            *recorded.identity,
            *recorded.fraud,
            *recorded.offer,
            *(recorded.score.reasons if recorded.score else ()),
        )
    }
    out: dict[str, Reason] = {}
    for code in codes:
        if code not in out:
            out[code] = Reason(code, written.get(code) or FIXED.get(code) or DECLINED.text)
    return tuple(out.values())
