"""The credit bureau port."""

from __future__ import annotations

from typing import Protocol

from .report import BureauReport


class CreditBureau(Protocol):
    """Raises errors.BureauUnavailable when the bureau does not answer."""

    def pull(self, id_number: str, consent_id: str) -> BureauReport: ...
