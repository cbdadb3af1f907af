from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.decision import decide
from chalicelib.fraud.model import FraudResult
from chalicelib.pricing_model import DEFAULT_ECONOMICS, review_band
from chalicelib.reasons import Reason

from .factories import CLEAN_FRAUD, Score, bureau

AMOUNT = 800_000  # ¥8,000 asked for
SMALL = 50_000  # ¥500: too little at stake for an analyst
M4 = ("M0", "M1", "M2", "M3")
MODEL_REASONS = tuple(Reason(f"M{i}", f"model reason {i}") for i in range(6))
FRAUD_DECLINE = FraudResult(True, False, (Reason("FRAUD_DEVICE_SHARED", "shared device"),))
FRAUD_REVIEW = FraudResult(False, True, (Reason("FRAUD_LOCATION", "far away"),))
AGE = Reason("KYC_AGE", "Applicants must be 18 to 60 years old.")


@pytest.mark.parametrize(
    "case,kyc,fraud,report,pd,amount,outcome,codes",
    [
        ("clean, well inside", True, CLEAN_FRAUD, bureau(), 0.05, AMOUNT, "APPROVE", ()),
        ("grade E, below the band", True, CLEAN_FRAUD, bureau(), 0.125, AMOUNT, "APPROVE", ()),
        (
            "in the band, under break-even",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.14,
            AMOUNT,
            "REVIEW",
            ("SCORE_BORDERLINE", *M4),
        ),
        (
            "in the band, over break-even",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.19,
            AMOUNT,
            "REVIEW",
            ("SCORE_BORDERLINE", *M4),
        ),
        (
            "above the band",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.21,
            AMOUNT,
            "DECLINE",
            ("PRICE_ABOVE_CAP", *M4),
        ),
        ("small amount under break-even", True, CLEAN_FRAUD, bureau(), 0.15, SMALL, "APPROVE", ()),
        (
            "small amount over break-even",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.17,
            SMALL,
            "DECLINE",
            ("PRICE_ABOVE_CAP", *M4),
        ),
        (
            "a large amount widens the band",
            True,
            CLEAN_FRAUD,
            bureau(),
            0.125,
            20_000_000,
            "REVIEW",
            ("SCORE_BORDERLINE", *M4),
        ),
        ("fraud review", True, FRAUD_REVIEW, bureau(), 0.10, AMOUNT, "REVIEW", ("FRAUD_LOCATION",)),
        (
            "fraud review in the band: both asked",
            True,
            FRAUD_REVIEW,
            bureau(),
            0.14,
            AMOUNT,
            "REVIEW",
            ("SCORE_BORDERLINE", *M4, "FRAUD_LOCATION"),
        ),
        (
            "fraud review but the price is above the cap",
            True,
            FRAUD_REVIEW,
            bureau(),
            0.9,
            AMOUNT,
            "DECLINE",
            ("PRICE_ABOVE_CAP", *M4),
        ),
        (
            "fraud decline",
            True,
            FRAUD_DECLINE,
            bureau(),
            0.05,
            AMOUNT,
            "DECLINE",
            ("FRAUD_DEVICE_SHARED", *M4),
        ),
        (
            "kyc failed",
            False,
            CLEAN_FRAUD,
            bureau(),
            0.05,
            AMOUNT,
            "DECLINE",
            ("KYC_AGE", *M4),
        ),
        (
            "bureau blacklist",
            True,
            CLEAN_FRAUD,
            bureau(blacklisted=True),
            0.05,
            AMOUNT,
            "DECLINE",
            ("KO_BUREAU_BLACKLIST", *M4),
        ),
        (
            "court judgment",
            True,
            CLEAN_FRAUD,
            bureau(court_judgment=True),
            0.05,
            AMOUNT,
            "DECLINE",
            ("KO_COURT_JUDGMENT", *M4),
        ),
        (
            "dpd 90 is tolerated",
            True,
            CLEAN_FRAUD,
            bureau(max_dpd_24m=90),
            0.05,
            AMOUNT,
            "APPROVE",
            (),
        ),
        (
            "dpd 91",
            True,
            CLEAN_FRAUD,
            bureau(max_dpd_24m=91),
            0.05,
            AMOUNT,
            "DECLINE",
            ("KO_SERIOUS_DELINQUENCY", *M4),
        ),
        (
            "6 inquiries tolerated",
            True,
            CLEAN_FRAUD,
            bureau(recent_hard_inquiries=6),
            0.05,
            AMOUNT,
            "APPROVE",
            (),
        ),
        (
            "7 inquiries",
            True,
            CLEAN_FRAUD,
            bureau(recent_hard_inquiries=7),
            0.05,
            AMOUNT,
            "DECLINE",
            ("KO_TOO_MANY_INQUIRIES", *M4),
        ),
        (
            "thin file approves with a note",
            True,
            CLEAN_FRAUD,
            bureau(thin_file=True, open_loans=0),
            0.10,
            AMOUNT,
            "APPROVE",
            ("THIN_FILE",),
        ),
        (
            "every knockout is listed",
            False,
            FRAUD_DECLINE,
            bureau(blacklisted=True, court_judgment=True, max_dpd_24m=120, recent_hard_inquiries=9),
            0.9,
            AMOUNT,
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
def test_decision_table(case, kyc, fraud, report, pd, amount, outcome, codes) -> None:
    d = decide(
        kyc, () if kyc else (AGE,), fraud, report, Score(pd=pd, reasons=MODEL_REASONS), amount
    )
    assert d.outcome == outcome, case
    assert tuple(r.code for r in d.reasons) == codes, case
    assert all(r.text for r in d.reasons)


def test_the_table_rows_sit_where_the_economics_put_the_band() -> None:
    # The rows above are chosen around these edges; if the economics move, move the rows.
    assert review_band(AMOUNT) == (Decimal("0.131065"), Decimal("0.197725"))
    assert review_band(SMALL) is None
    assert round(DEFAULT_ECONOMICS.break_even_pd, 4) == Decimal("0.1599")


def test_kyc_failure_without_reasons_still_explains_and_needs_no_later_steps() -> None:
    d = decide(False, (), None, None, None, AMOUNT)
    assert d.outcome == "DECLINE"
    assert [r.code for r in d.reasons] == ["KYC_FAILED"]


def test_missing_steps_without_a_knockout_are_a_bug() -> None:
    with pytest.raises(ValueError):
        decide(True, (), CLEAN_FRAUD, bureau(), None, AMOUNT)


def test_plain_string_model_reasons_are_accepted() -> None:
    score = Score(pd=0.9, reasons=("Short employment",))  # type: ignore[arg-type]
    d = decide(True, (), CLEAN_FRAUD, bureau(), score, AMOUNT)
    assert d.reasons[1] == Reason("MODEL", "Short employment")


def test_a_dearer_review_sends_fewer_to_an_analyst() -> None:
    dear = replace(DEFAULT_ECONOMICS, review_cost_fen=8_000)
    score = Score(pd=0.14)
    assert decide(True, (), CLEAN_FRAUD, bureau(), score, AMOUNT).outcome == "REVIEW"
    assert decide(True, (), CLEAN_FRAUD, bureau(), score, AMOUNT, economics=dear).outcome == (
        "APPROVE"
    )


@pytest.mark.parametrize("pd,amount", [(float("nan"), AMOUNT), (1.5, AMOUNT), (0.1, -1)])
def test_nonsense_inputs_are_refused(pd: float, amount: int) -> None:
    with pytest.raises(ValueError):
        decide(True, (), CLEAN_FRAUD, bureau(), Score(pd=pd), amount)


def test_decision_serialises() -> None:
    d = decide(True, (), FRAUD_REVIEW, bureau(), Score(pd=0.1), AMOUNT)
    assert d.as_dict() == {
        "outcome": "REVIEW",
        "reasons": [{"code": "FRAUD_LOCATION", "text": "far away"}],
    }
