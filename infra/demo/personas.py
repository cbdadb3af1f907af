"""Demo and test applicants: invented people with ID-card photos and believable profiles.

The sandbox bureau answers deterministically per ID number, like a real bureau's test
personas. `find` walks invented people until one fits a wanted profile ("good", "thin",
"borderline"), judged by the same bureau, features, model and policy the workflow uses,
so the demo shows each path without any result being written down in advance.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from demo.idcard import Distortion, Person, fake_person, front_photo

ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = ROOT / "models" / "german"

CITIES = {  # declared city -> a point inside it
    "北京": (39.9042, 116.4074),
    "上海": (31.2304, 121.4737),
    "广州": (23.1291, 113.2644),
    "深圳": (22.5431, 114.0579),
    "杭州": (30.2741, 120.1551),
    "成都": (30.5728, 104.0668),
}


@dataclass
class Applicant:
    label: str
    person: Person
    declared_name: str
    profile: dict[str, Any]
    city: str
    device: str
    ip: str
    amount: str = "8000.00"
    term_months: int = 12
    purpose: str = "consumption"
    distortion: Distortion = field(default_factory=Distortion)
    user_id: str = ""

    def photo(self) -> bytes:
        # A stable seed: str hash() changes per process, and so did the photo (and, now and
        # then, whether OCR could read it).
        return front_photo(
            self.person, distortion=self.distortion, seed=zlib.crc32(self.label.encode()) & 0xFFFF
        )

    def application(self, document_id: str) -> dict[str, Any]:
        lat, lon = CITIES[self.city]
        return {
            "documentId": document_id,
            "amount": self.amount,
            "termMonths": self.term_months,
            "purpose": self.purpose,
            "declared": {
                "name": self.declared_name,
                "idNumber": self.person.id_number,
                "phone": "139" + f"{zlib.crc32(self.person.id_number.encode()) % 10**8:08d}",
                "city": self.city,
                **self.profile,
            },
            "device": {"fingerprint": self.device, "ip": self.ip},
            "location": {"lat": lat + 0.01, "lon": lon - 0.01},
            "consent": {"creditReport": True, "textVersion": "2026-11"},
        }


STEADY = {
    "employment": "employed",
    "employmentYears": 8,
    "monthlyIncome": "18000.00",
    "housing": "own",
    "dependants": 1,
    "residenceYears": 6,
    "property": "real_estate",
}
YOUNG = {
    "employment": "employed",
    "employmentYears": 1,
    "monthlyIncome": "6500.00",
    "housing": "rent",
    "dependants": 0,
    "residenceYears": 1,
    "property": "none",
}


@cache
def _scorer() -> Any:
    from chalicelib.scoring.scorer import Scorer

    return Scorer.load(MODEL_DIR)


def judge(
    person: Person,
    profile: dict[str, Any],
    amount_fen: int,
    term: int,
    purpose: str,
    today: dt.date,
) -> tuple[str, Any, float]:
    """The decision our policy would reach for this person, the bureau report and the PD."""
    from chalicelib.amounts import yuan_to_fen
    from chalicelib.applications.port import Profile
    from chalicelib.bureau.sandbox import sandbox_report
    from chalicelib.decision import decide
    from chalicelib.fraud.model import FraudResult
    from chalicelib.origination.features import model_features

    report = sandbox_report(person.id_number, "persona")
    prof = Profile(
        employment=profile["employment"],
        employment_years=profile["employmentYears"],
        monthly_income_fen=yuan_to_fen(profile["monthlyIncome"]),
        housing=profile["housing"],
        dependants=profile["dependants"],
        city=profile.get("city", "北京"),  # the model does not read the city
        residence_years=profile["residenceYears"],
        property=profile.get("property", "none"),
    )
    age = (
        today.year
        - person.birth.year
        - ((today.month, today.day) < (person.birth.month, person.birth.day))
    )
    scorer = _scorer()
    score = scorer.score(
        model_features(
            amount_fen=amount_fen,
            term_months=term,
            purpose=purpose,
            profile=prof,
            age=age,
            bureau=report.model_features(),
        )
    )
    decision = decide(
        kyc_passed=True,
        kyc_reasons=(),
        fraud=FraudResult(False, False, (), {}),
        bureau=report,
        score=score,
        amount_fen=amount_fen,
    )
    return decision.outcome, report, score.pd


def find(
    kind: str,
    *,
    start_seed: int,
    today: dt.date | None = None,
    profile: dict[str, Any] | None = None,
    amount: str = "8000.00",
    term: int = 12,
    purpose: str = "consumption",
    limit: int = 5000,
    stride: int = 1,
) -> tuple[int, Person]:
    """First invented person of `start_seed`, `start_seed + stride`, ... whose sandbox file and
    score fit `kind`: "good", "thin", "borderline" (sent to review), "grade X" (approved,
    offered grade X) or "unaffordable" (approved by the policy, but their debts leave no line to
    offer). Searches from start seeds that differ by less than `stride` never meet."""
    from chalicelib.amounts import yuan_to_fen
    from chalicelib.clock import utcnow
    from chalicelib.pricing import price
    from chalicelib.pricing_model import quote

    today = today or dt.date.today()
    profile = profile or (YOUNG if kind == "borderline" else STEADY)
    for seed in range(start_seed, start_seed + limit * stride, stride):
        person = fake_person(seed, today=today, age=random.Random(seed).randint(24, 50))
        outcome, report, pd = judge(person, profile, yuan_to_fen(amount), term, purpose, today)
        if kind.startswith("grade ") and outcome == "APPROVE" and not report.thin_file:
            if quote(pd).grade == kind.removeprefix("grade "):
                return seed, person
        if kind == "good" and outcome == "APPROVE" and not report.thin_file:
            return seed, person
        if kind == "thin" and outcome == "APPROVE" and report.thin_file:
            return seed, person
        if kind == "borderline" and outcome == "REVIEW":
            return seed, person
        if kind == "unaffordable" and outcome == "APPROVE":
            income = yuan_to_fen(profile["monthlyIncome"])
            offer = price(pd, income, report, yuan_to_fen(amount), now=utcnow())
            if offer.limit_fen == 0:
                return seed, person
    raise LookupError(f"no {kind} persona within {limit} seeds of {start_seed}")


def cast(today: dt.date | None = None) -> list[Applicant]:
    """The demo's applicants, one per path through the workflow."""
    today = today or dt.date.today()
    out: list[Applicant] = []
    _, good = find("good", start_seed=1000, today=today)
    out.append(
        Applicant("good profile", good, good.name, STEADY, "北京", "dev-good-0001", "203.0.113.10")
    )
    _, thin = find("thin", start_seed=2000, today=today, amount="3000.00")
    out.append(
        Applicant(
            "thin credit file",
            thin,
            thin.name,
            STEADY,
            "上海",
            "dev-thin-0002",
            "203.0.113.20",
            amount="3000.00",
        )
    )
    for i in range(5):
        member = fake_person(3000 + i, today=today, age=30 + i)
        out.append(
            Applicant(
                f"fraud ring member {i + 1}",
                member,
                member.name,
                STEADY,
                "深圳",
                "dev-shared-ring-07",
                f"198.51.100.{30 + i}",
            )
        )
    blurry = fake_person(4000, today=today, age=33)
    out.append(
        Applicant(
            "unreadable photo",
            blurry,
            blurry.name,
            STEADY,
            "广州",
            "dev-blur-0004",
            "203.0.113.40",
            distortion=Distortion(blur=6.0, contrast=0.35),
        )
    )
    mismatch = fake_person(5000, today=today, age=41)
    out.append(
        Applicant(
            "name mismatch",
            mismatch,
            "王小明" if mismatch.name != "王小明" else "李小红",
            STEADY,
            "杭州",
            "dev-mism-0005",
            "203.0.113.50",
        )
    )
    _, border = find("borderline", start_seed=6000, today=today)
    out.append(
        Applicant(
            "borderline (manual review)",
            border,
            border.name,
            YOUNG,
            "成都",
            "dev-bord-0006",
            "203.0.113.60",
        )
    )
    for i, a in enumerate(out):
        a.user_id = f"demo-user-{i + 1:02d}"
    return out


# The four borrowers of the demo's four months (lending_cli/demo_life.py): the on-time one is
# priced grade B, so a review may raise the limit (grades A-C step up); the others any grade.
LIFE_ROLES = (("on time", "grade B", 7000), ("late", "good", 7100))
LIFE_ROLES += (("never pays", "good", 7200), ("early payoff", "good", 7300))


def life_cast(today: dt.date | None = None) -> list[Applicant]:
    """The demo's four borrowers, labelled by role, user ids demo-life-1 to demo-life-4."""
    today = today or dt.date.today()
    out = []
    for i, (role, kind, seed) in enumerate(LIFE_ROLES, start=1):
        _, person = find(kind, start_seed=seed, today=today)
        a = Applicant(
            role, person, person.name, STEADY, "北京", f"dev-life-{i:04d}", f"203.0.113.{70 + i}"
        )
        a.user_id = f"demo-life-{i}"
        out.append(a)
    return out
