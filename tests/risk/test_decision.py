from __future__ import annotations

import pytest

from chalicelib.decision import DEFAULT_POLICY, DecisionPolicy, decide
from chalicelib.fraud.model import FraudResult
from chalicelib.reasons import Reason

from .factories import CLEAN_FRAUD, Score, bureau

CUTOFF = 0.30
MODEL_REASONS = tuple(Reason(f"M{i}", f"model reason {i}") for i in range(6))
FRAUD_DECLINE = FraudResult(True, False, (Reason("FRAUD_DEVICE_SHARED", "shared device"),))
FRAUD_REVIEW = FraudResult(False, True, (Reason("FRAUD_LOCATION", "far away"),))
AGE = Reason("KYC_AGE", "Applicants must be 18 to 60 years old.")


@pytest.mark.parametrize(
    "case,kyc,fraud,report,pd,outcome,codes",
    [
        ("clean, well inside", True, CLEAN_FRAUD, bureau(), 0.10, "APPROVE", ()),
        ("at cutoff - margin", True, CLEAN_FRAUD, bureau(), 0.28, "APPROVE", ()),
        (
            "borderline low",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.285,
            "REVIEW",
            ("SCORE_BORDERLINE", "M0", "M1", "M2", "M3"),
        ),
        (
            "borderline at +margin",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.32,
            "REVIEW",
            ("SCORE_BORDERLINE", "M0", "M1", "M2", "M3"),
        ),
        (
            "above band",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.33,
            "DECLINE",
            ("SCORE_BELOW_CUTOFF", "M0", "M1", "M2", "M3"),
        ),
        ("fraud review", True, FRAUD_REVIEW, bureau(), 0.10, "REVIEW", ("FRAUD_LOCATION",)),
        (
            "fraud review but score declines",
            True,
            FRAUD_REVIEW,
            bureau(),
            0.9,
            "DECLINE",
            ("SCORE_BELOW_CUTOFF", "M0", "M1", "M2", "M3"),
        ),
        (
            "fraud decline",
            True,
            FRAUD_DECLINE,
            bureau(),
            0.05,
            "DECLINE",
            ("FRAUD_DEVICE_SHARED", "M0", "M1", "M2", "M3"),
        ),
        (
            "kyc failed",
            False,
            CLEAN_FRAUD,
            bureau(),
            0.05,
            "DECLINE",
            ("KYC_AGE", "M0", "M1", "M2", "M3"),
        ),
        (
            "bureau blacklist",
            True,
            CLEAN_FRAUD,
            bureau(blacklisted=True),
            0.05,
            "DECLINE",
            ("KO_BUREAU_BLACKLIST", "M0", "M1", "M2", "M3"),
        ),
        (
            "court judgment",
            True,
            CLEAN_FRAUD,
            bureau(court_judgment=True),
            0.05,
            "DECLINE",
            ("KO_COURT_JUDGMENT", "M0", "M1", "M2", "M3"),
        ),
        ("dpd 90 is tolerated", True, CLEAN_FRAUD, bureau(max_dpd_24m=90), 0.05, "APPROVE", ()),
        (
            "dpd 91",
            True,
            CLEAN_FRAUD,
            bureau(max_dpd_24m=91),
            0.05,
            "DECLINE",
            ("KO_SERIOUS_DELINQUENCY", "M0", "M1", "M2", "M3"),
        ),
        (
            "6 inquiries tolerated",
            True,
            CLEAN_FRAUD,
            bureau(recent_hard_inquiries=6),
            0.05,
            "APPROVE",
            (),
        ),
        (
            "7 inquiries",
            True,
            CLEAN_FRAUD,
            bureau(recent_hard_inquiries=7),
            0.05,
            "DECLINE",
            ("KO_TOO_MANY_INQUIRIES", "M0", "M1", "M2", "M3"),
        ),
        (
            "thin file approves with a note",
            True,
            CLEAN_FRAUD,
            bureau(thin_file=True, open_loans=0),
            0.10,
            "APPROVE",
            ("THIN_FILE",),
        ),
        (
            "every knockout is listed",
            False,
            FRAUD_DECLINE,
            bureau(blacklisted=True, court_judgment=True, max_dpd_24m=120, recent_hard_inquiries=9),
            0.9,
            "DECLINE",
            (
                "KYC_AGE",
                "FRAUD_DEVICE_SHARED",
                "KO_BUREAU_BLACKLIST",
                "KO_COURT_JUDGMENT",
                "KO_SERIOUS_DELINQUENCY",
                "KO_TOO_MANY_INQUIRIES",
                "M0",
                "M1",
                "M2",
                "M3",
            ),
        ),
    ],
)
def test_decision_table(case, kyc, fraud, report, pd, outcome, codes) -> None:
    d = decide(
        kyc, () if kyc else (AGE,), fraud, report, Score(pd=pd, reasons=MODEL_REASONS), CUTOFF
    )
    assert d.outcome == outcome, case
    assert tuple(r.code for r in d.reasons) == codes, case
    assert all(r.text for r in d.reasons)


def test_kyc_failure_without_reasons_still_explains_and_needs_no_later_steps() -> None:
    d = decide(False, (), None, None, None, CUTOFF)
    assert d.outcome == "DECLINE"
    assert [r.code for r in d.reasons] == ["KYC_FAILED"]


def test_missing_steps_without_a_knockout_are_a_bug() -> None:
    with pytest.raises(ValueError):
        decide(True, (), CLEAN_FRAUD, bureau(), None, CUTOFF)


def test_plain_string_model_reasons_are_accepted() -> None:
    score = Score(pd=0.9, reasons=("Short employment",))  # type: ignore[arg-type]
    d = decide(True, (), CLEAN_FRAUD, bureau(), score, CUTOFF)
    assert d.reasons[1] == Reason("MODEL", "Short employment")


def test_margin_is_configurable() -> None:
    wide = DecisionPolicy(borderline_margin=0.10)
    assert decide(True, (), CLEAN_FRAUD, bureau(), Score(pd=0.35), CUTOFF, wide).outcome == "REVIEW"
    assert (
        decide(True, (), CLEAN_FRAUD, bureau(), Score(pd=0.35), CUTOFF, DEFAULT_POLICY).outcome
        == "DECLINE"
    )


@pytest.mark.parametrize("pd,cutoff", [(float("nan"), 0.3), (1.5, 0.3), (0.1, 0.0), (0.1, 1.0)])
def test_nonsense_probabilities_are_refused(pd: float, cutoff: float) -> None:
    with pytest.raises(ValueError):
        decide(True, (), CLEAN_FRAUD, bureau(), Score(pd=pd), cutoff)


def test_decision_serialises() -> None:
    d = decide(True, (), FRAUD_REVIEW, bureau(), Score(pd=0.1), CUTOFF)
    assert d.as_dict() == {
        "outcome": "REVIEW",
        "reasons": [{"code": "FRAUD_LOCATION", "text": "far away"}],
    }
