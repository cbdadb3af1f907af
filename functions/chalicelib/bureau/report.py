"""What a credit bureau tells us about an applicant (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from chalicelib.bureau import categories as c


@dataclass(frozen=True)
class BureauReport:
    """One bureau pull. Categorical fields hold the model's category values verbatim.

    Holds no name or ID number: the caller knows whom it asked about.
    """

    consent_id: str
    checking_account_status: str
    credit_history: str
    savings: str
    other_debtors_or_guarantors: str
    property: str
    other_installment_plans: str
    existing_credits_at_this_bank: int
    thin_file: bool
    """No credit history on file: the model sees little, so policy lowers the line instead."""
    open_loans: int
    outstanding_debt_fen: int
    recent_hard_inquiries: int
    """Hard inquiries by lenders in the last 6 months."""
    max_dpd_24m: int
    """Worst days past due on any obligation in the last 24 months."""
    blacklisted: bool
    """On the bureau's own fraud/default list."""
    court_judgment: bool
    """An unpaid court judgment (dishonest judgment debtor, 失信被执行人)."""

    def __post_init__(self) -> None:
        for name, value in (
            (c.CHECKING, self.checking_account_status),
            (c.HISTORY, self.credit_history),
            (c.SAVINGS, self.savings),
            (c.DEBTORS, self.other_debtors_or_guarantors),
            (c.PROPERTY, self.property),
            (c.INSTALLMENT_PLANS, self.other_installment_plans),
        ):
            if value not in c.CATEGORICAL[name]:
                raise ValueError(f"{name}: not a model category: {value!r}")
        for name in (
            "existing_credits_at_this_bank",
            "open_loans",
            "outstanding_debt_fen",
            "recent_hard_inquiries",
            "max_dpd_24m",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}: must be a non-negative int, not {value!r}")

    def model_features(self) -> dict[str, Any]:
        """The model's input columns this report supplies, keyed by the model's column names."""
        return {
            c.CHECKING: self.checking_account_status,
            c.HISTORY: self.credit_history,
            c.SAVINGS: self.savings,
            c.DEBTORS: self.other_debtors_or_guarantors,
            c.PROPERTY: self.property,
            c.INSTALLMENT_PLANS: self.other_installment_plans,
            c.CREDITS_AT_BANK: self.existing_credits_at_this_bank,
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON/DynamoDB-safe values (str, int, bool); no floats."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BureauReport:
        """Inverse of as_dict; accepts DynamoDB's Decimal numbers; ignores unknown keys."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                raise ValueError(f"bureau report is missing {f.name!r}")
            v = data[f.name]
            if f.type == "int":
                v = int(v)
            elif f.type == "bool":
                v = bool(v)
            values[f.name] = v
        return cls(**values)
