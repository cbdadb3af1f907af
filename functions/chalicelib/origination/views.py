"""Applications as the API shows them (yuan strings, percent rates)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..amounts import fen_to_yuan, percent
from ..applications.port import FINAL, Application, Offer


def offer_view(offer: Offer) -> dict[str, Any]:
    return {
        "grade": offer.grade,
        "creditLimit": fen_to_yuan(offer.limit_fen),
        "apr": percent(Decimal(offer.apr), places=2),
        "dailyRate": percent(Decimal(offer.daily_rate), places=4),
        "expiresAt": offer.expires_at,
    }


def application_view(app: Application) -> dict[str, Any]:
    return {
        "applicationId": app.application_id,
        "status": app.status.value,
        "requestedAmount": fen_to_yuan(app.amount_fen),
        "termMonths": app.term_months,
        "createdAt": app.created_at,
        "updatedAt": app.updated_at,
        "reasons": [r.as_dict() for r in app.reasons],
        "offer": offer_view(app.offer) if app.offer else None,
        "accepted": app.accepted_at is not None,
    }


def submitted_view(app: Application) -> tuple[int, dict[str, Any]]:
    """The answer to a POST that waited (`?waitSeconds`): 201 with the decision when it came
    within the wait, else 202 with the application as it stands (PENDING, or IN_REVIEW: a
    person decides, and the client polls on)."""
    return (201 if app.status in FINAL else 202), application_view(app)
