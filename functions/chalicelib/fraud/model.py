"""What fraud screening reads and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from chalicelib.reasons import Reason

BlacklistKind = Literal["ID", "DEVICE", "PHONE"]
BLACKLIST_KINDS: tuple[BlacklistKind, ...] = ("ID", "DEVICE", "PHONE")


@dataclass(frozen=True)
class FraudInput:
    """One application as fraud screening sees it.

    id_hash (and phone_hash) arrive already hashed by KYC; device_fingerprint and ip are raw and
    are hashed with the pepper before they touch a key. lat/lon are the device's position at
    application time, None when the user denied location.
    """

    application_id: str
    user_id: str
    id_hash: str
    device_fingerprint: str
    ip: str
    lat: float | None
    lon: float | None
    declared_city: str
    now: datetime
    phone_hash: str | None = None

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("FraudInput.now must be timezone-aware")
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together or not at all")
        if self.lat is not None and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):  # type: ignore[operator]
            raise ValueError("lat/lon out of range")
        for name in ("application_id", "user_id", "id_hash", "device_fingerprint", "ip"):
            if not getattr(self, name):
                raise ValueError(f"FraudInput.{name} is empty")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FraudInput:
        """From a workflow payload: snake_case keys, `now` as ISO-8601 with offset."""
        lat, lon = data.get("lat"), data.get("lon")
        return cls(
            application_id=str(data["application_id"]),
            user_id=str(data["user_id"]),
            id_hash=str(data["id_hash"]),
            device_fingerprint=str(data["device_fingerprint"]),
            ip=str(data["ip"]),
            lat=None if lat is None else float(lat),
            lon=None if lon is None else float(lon),
            declared_city=str(data.get("declared_city", "")),
            now=datetime.fromisoformat(str(data["now"])),
            phone_hash=data.get("phone_hash") or None,
        )


@dataclass(frozen=True)
class FraudResult:
    decline: bool
    review: bool
    reasons: tuple[Reason, ...]
    signals: dict[str, Any] = field(default_factory=dict)
    """Measured values: ints, bools, strings, lists, None (safe for ASL payloads and DynamoDB)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "decline": self.decline,
            "review": self.review,
            "reasons": [r.as_dict() for r in self.reasons],
            "signals": dict(self.signals),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FraudResult:
        return cls(
            decline=bool(data["decline"]),
            review=bool(data["review"]),
            reasons=tuple(Reason(r["code"], r["text"]) for r in data.get("reasons", ())),
            signals=dict(data.get("signals", {})),
        )


@dataclass(frozen=True)
class Sighting:
    """Where an application was made from; kept briefly to spot impossible travel."""

    application_id: str
    at: int
    """Epoch seconds."""
    lat: float
    lon: float


@dataclass(frozen=True)
class BlacklistEntry:
    kind: BlacklistKind
    value_hash: str
    reason_code: str
    added_at: int
    """Epoch seconds."""
