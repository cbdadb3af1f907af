"""From what the applicant declared and what the bureau reported to the model's inputs.

The packaged model is trained on the German credit data, so its inputs carry that data's
names and category labels. This module is the one place where our product's fields are
translated into them; a test checks every value produced here is one the model knows.
"""

from __future__ import annotations

from typing import Any

from ..amounts import yuan_display
from ..applications.port import Profile

# Our purposes onto the training data's purposes.
PURPOSE = {
    "consumption": "radio/television",
    "education": "education",
    "travel": "others",
    "home_improvement": "repairs",
    "appliances": "domestic appliances",
    "car": "car (used)",
    "medical": "others",
    "business": "business",
    "other": "others",
}

HOUSING = {"own": "own", "rent": "rent", "family": "for free"}

PROPERTY = {
    "real_estate": "real estate",
    "insurance": "building society savings agreement/ life insurance",
    "car": "car or other, not in attribute Savings account/bonds",
    "none": "unknown / no property",
}

JOB = {
    "employed": "skilled employee / official",
    "civil_servant": "skilled employee / official",
    "self_employed": "management/ self-employed/ highly qualified employee/ officer",
    "retired": "unskilled - resident",
    "student": "unemployed/ unskilled - non-resident",
    "unemployed": "unemployed/ unskilled - non-resident",
}

# The training amounts are 1990s Deutsche Mark (250-18,424, median ~2,300). Our requests are
# yuan up to 200,000. A fixed divisor maps the product's typical request (~¥5,000) onto the
# training median; amounts beyond the training range are clamped, as the model cannot
# extrapolate. Documented in docs/architecture.md; revisit when a model trains on our own data.
AMOUNT_DIVISOR = 2
AMOUNT_RANGE = (250, 18_424)


def employment_since(employment: str, years: int) -> str:
    if employment in {"unemployed", "student"}:
        return "unemployed"
    if years < 1:
        return "... < 1 year"
    if years < 4:
        return "1 <= ... < 4 years"
    if years < 7:
        return "4 <= ... < 7 years"
    return "... >= 7 years"


def installment_rate(amount_fen: int, term_months: int, monthly_income_fen: int) -> int:
    """Training coding (Groemping 2019): 1 = >=35% of disposable income ... 4 = <20%."""
    if monthly_income_fen <= 0:
        return 1
    share = amount_fen / term_months / monthly_income_fen
    if share >= 0.35:
        return 1
    if share >= 0.25:
        return 2
    if share >= 0.20:
        return 3
    return 4


def residence_since(years: int) -> int:
    return 1 if years < 1 else 2 if years < 4 else 3 if years < 7 else 4


# What reason texts quote for the applicant's own answers: their words, not the training data's.
HOUSING_WORDS = {"own": "own home", "rent": "renting", "family": "living with family"}
PROPERTY_WORDS = {
    "real_estate": "real estate",
    "insurance": "insurance",
    "car": "car",
    "none": "none declared",
}


def _years(n: int) -> str:
    return "less than 1 year" if n < 1 else "1 year" if n == 1 else f"{n} years"


def _words(code: str) -> str:
    return code.replace("_", " ") if code != "self_employed" else "self-employed"


def applicant_terms(
    *, amount_fen: int, term_months: int, purpose: str, profile: Profile
) -> dict[str, str]:
    """For each model input built from the applicant's answers, the words a reason should quote.

    The model sees a halved, clamped amount and German categories; the applicant and the analyst
    read what was declared: the amount in yuan, the purpose, employment and housing in plain
    words. Inputs from the bureau are absent (reasons show the bureau's category in plain words);
    so is age, which is never given as a reason. No personal identifiers: this sees no name, ID
    number or phone. Keys are the model's (dotted) column names, as `model_features` returns.
    """
    employment = profile.employment
    income = profile.monthly_income_fen
    if income > 0:
        share = round(100 * amount_fen / term_months / income)
        burden = f"about {share}% of your declared monthly income each month"
    else:
        burden = "no monthly income declared"
    terms = {
        "duration_in_month": str(term_months),
        "purpose": _words(purpose),
        "credit_amount": yuan_display(amount_fen),
        "present_employment_since": (
            _words(employment)
            if employment in {"unemployed", "student"}
            else _years(profile.employment_years)
        ),
        "installment_rate_in_percentage_of_disposable_income": burden,
        "present_residence_since": _years(profile.residence_years),
        "property": PROPERTY_WORDS[profile.property],
        "housing": HOUSING_WORDS[profile.housing],
        "job": _words(employment),
        "number_of_people_being_liable_to_provide_maintenance_for": str(profile.dependants),
        "telephone": "verified mobile number",
    }
    return {name.replace("_", "."): value for name, value in terms.items()}


def model_features(
    *,
    amount_fen: int,
    term_months: int,
    purpose: str,
    profile: Profile,
    age: int,
    bureau: dict[str, Any],
) -> dict[str, Any]:
    """`bureau` is BureauReport.model_features(): checking, history, savings, debtors, other
    plans, credits."""
    amount = min(max(amount_fen // 100 // AMOUNT_DIVISOR, AMOUNT_RANGE[0]), AMOUNT_RANGE[1])
    features = {
        **bureau,
        "duration_in_month": term_months,
        "purpose": PURPOSE[purpose],
        "credit_amount": amount,
        "present_employment_since": employment_since(profile.employment, profile.employment_years),
        "installment_rate_in_percentage_of_disposable_income": installment_rate(
            amount_fen, term_months, profile.monthly_income_fen
        ),
        "present_residence_since": residence_since(profile.residence_years),
        # What the applicant declared owning; the bureau's property attribute is its view.
        "property": PROPERTY[profile.property],
        "age_in_years": age,
        "housing": HOUSING[profile.housing],
        "job": JOB[profile.employment],
        "number_of_people_being_liable_to_provide_maintenance_for": 1
        if profile.dependants <= 2
        else 2,
        # The phone number is verified by the app's SMS login.
        "telephone": "yes, registered under the customers name",
    }
    # The model is trained on the German data with its original (dotted) column names.
    return {name.replace("_", "."): value for name, value in features.items()}
