"""A local credit bureau that behaves like a real one: same person, same report; slow; flaky.

Reports are drawn from the German credit data: an HMAC of the ID number picks one of its 1000
applicants, whose bureau attributes are kept together, so the sandbox reproduces the data set's
joint distribution (and a realistic mix of grades). The fields the data set lacks (debt, days past
due, inquiries, flags) are synthesised from the same seed, conditioned on that applicant's credit
history and good/bad label. Failures come from a separate seeded stream, so a retry of the same
pull can succeed, and tests choose exactly when it fails.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chalicelib.bureau import categories as c
from chalicelib.bureau.report import BureauReport
from chalicelib.errors import BureauUnavailable

ROWS_FILE = Path(__file__).with_name("german_rows.csv")
DM_TO_FEN = 300  # one Deutsche Mark of 1994 credit ~ 3 yuan of today's micro-loan: scale only


@dataclass(frozen=True)
class _Row:
    checking: int
    history: int
    savings: int
    debtors: int
    property: int
    plans: int
    credits: int
    amount_dm: int
    good: bool


def _row(r: dict[str, str]) -> _Row:
    return _Row(
        checking=int(r["checking"]),
        history=int(r["history"]),
        savings=int(r["savings"]),
        debtors=int(r["debtors"]),
        property=int(r["property"]),
        plans=int(r["plans"]),
        credits=int(r["credits"]),
        amount_dm=int(r["amount_dm"]),
        good=r["good"] == "1",
    )


@lru_cache(maxsize=1)
def _rows() -> tuple[_Row, ...]:
    with ROWS_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(_row(r) for r in csv.DictReader(fh))


def sandbox_report(id_number: str, consent_id: str, seed: str = "sandbox") -> BureauReport:
    """The report the sandbox gives for this ID number: a pure function of (seed, id_number)."""
    digest = hmac.new(seed.encode(), id_number.strip().upper().encode(), hashlib.sha256).digest()
    rng = random.Random(int.from_bytes(digest, "big"))
    rows = _rows()
    row = rows[rng.randrange(len(rows))]
    history = c.HISTORY_VALUES[row.history]
    plans = c.INSTALLMENT_PLANS_VALUES[row.plans]

    thin = history == c.NO_HISTORY and rng.random() < 0.7
    if thin:
        open_loans, debt_fen, dpd = 0, 0, 0
    else:
        open_loans = (
            row.credits
            + (plans != "none")
            + (rng.randint(1, 3) if history == c.CRITICAL_ACCOUNT else 0)
        )
        drawn = rng.uniform(0.1, 0.9)
        debt_fen = int(row.amount_dm * DM_TO_FEN * drawn * open_loans) if open_loans else 0
        if history == c.DELAY_IN_PAST:
            dpd = rng.choice((7, 15, 30, 45, 60, 95, 120) if not row.good else (3, 7, 15, 30))
        elif history == c.CRITICAL_ACCOUNT:
            dpd = rng.choice((0, 0, 15, 30, 60, 120) if not row.good else (0, 0, 0, 7, 30))
        else:
            dpd = rng.choice((0,) * 8 + (5, 15)) if not row.good else rng.choice((0,) * 19 + (3,))
    inquiries = min(12, int(rng.expovariate(1 / (2.5 if not row.good else 1.0))))
    blacklisted = not row.good and rng.random() < 0.03
    court = not row.good and rng.random() < 0.02
    return BureauReport(
        consent_id=consent_id,
        checking_account_status=c.CHECKING_VALUES[row.checking],
        credit_history=history,
        savings=c.SAVINGS_VALUES[row.savings],
        other_debtors_or_guarantors=c.DEBTORS_VALUES[row.debtors],
        property=c.PROPERTY_VALUES[row.property],
        other_installment_plans=plans,
        existing_credits_at_this_bank=row.credits,
        thin_file=thin,
        open_loans=open_loans,
        outstanding_debt_fen=debt_fen,
        recent_hard_inquiries=inquiries,
        max_dpd_24m=dpd,
        blacklisted=blacklisted,
        court_judgment=court,
    )


class SandboxBureau:
    """CreditBureau for local runs and tests.

    latency_s: sleep per pull (through `sleep`, which tests replace).
    failure_rate: share of pulls that raise BureauUnavailable, drawn from Random(failure_seed),
        so the sequence of failures is the same on every run.
    fail_next(n): the next n pulls fail, whatever the rate (for retry tests).
    """

    def __init__(
        self,
        *,
        seed: str = "sandbox",
        latency_s: float = 0.0,
        failure_rate: float = 0.0,
        failure_seed: int = 0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be within [0, 1], not {failure_rate}")
        self._seed = seed
        self._latency_s = latency_s
        self._failure_rate = failure_rate
        self._failures = random.Random(failure_seed)
        self._forced_failures = 0
        self._sleep = sleep
        self.pulls = 0

    def fail_next(self, n: int = 1) -> None:
        self._forced_failures += n

    def pull(self, id_number: str, consent_id: str) -> BureauReport:
        if not id_number.strip():
            raise ValueError("id_number is empty")
        if not consent_id:
            raise ValueError("a bureau pull needs the applicant's consent_id")
        self.pulls += 1
        if self._latency_s:
            self._sleep(self._latency_s)
        if self._forced_failures:
            self._forced_failures -= 1
            raise BureauUnavailable("sandbox bureau: forced failure")
        if self._failure_rate and self._failures.random() < self._failure_rate:
            raise BureauUnavailable("sandbox bureau: timed out")
        return sandbox_report(id_number, consent_id, self._seed)
