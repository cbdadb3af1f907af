"""Applications in memory: the same contract as DynamoApplicationRepository, for fast tests.

Records are kept as the items the DynamoDB adapter writes, so both map through records.py
and a caller never shares an object with the store.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import replace
from typing import Any

from ..errors import Conflict
from ..reasons import Reason
from .port import (
    ApplicantPii,
    Application,
    LatestMoved,
    Offer,
    Review,
    Status,
    StepRecords,
    StepResult,
    allowed_from,
)
from .records import (
    from_item,
    offer_item,
    pii_from,
    pii_item,
    reasons_item,
    step_item,
    steps_from,
    to_dynamo,
    to_item,
)


class InMemoryApplicationRepository:
    def __init__(self) -> None:
        self._apps: dict[str, dict[str, Any]] = {}
        self._pii: dict[str, dict[str, Any]] = {}
        self._steps: dict[str, dict[str, dict[str, Any]]] = {}
        self._reviews: dict[str, Review] = {}
        self._latest: dict[str, str] = {}
        self._lock = threading.Lock()

    def create(self, app: Application, pii: ApplicantPii, *, after: str | None = None) -> None:
        with self._lock:
            if self._latest.get(app.user_id) != after:
                raise LatestMoved(
                    f"another application of user {app.user_id} was submitted at the same moment"
                )
            if app.application_id in self._apps:
                raise Conflict(f"application {app.application_id} already exists")
            self._apps[app.application_id] = to_item(app)
            self._pii[app.application_id] = pii_item(pii)
            self._latest[app.user_id] = app.application_id

    def latest_for_user(self, user_id: str) -> str | None:
        return self._latest.get(user_id)

    def get(self, application_id: str) -> Application | None:
        with self._lock:
            item = copy.deepcopy(self._apps.get(application_id))
        return from_item(item) if item else None

    def get_for_step(
        self, application_id: str
    ) -> tuple[Application, ApplicantPii, StepRecords] | None:
        with self._lock:
            app = copy.deepcopy(self._apps.get(application_id))
            pii = copy.deepcopy(self._pii.get(application_id))
            steps = copy.deepcopy(list(self._steps.get(application_id, {}).values()))
        if app is None or pii is None:
            return None
        return from_item(app), pii_from(pii), steps_from(steps)

    def list_for_user(self, user_id: str, limit: int = 50) -> list[Application]:
        with self._lock:
            items = copy.deepcopy([i for i in self._apps.values() if i["userId"] == user_id])
        apps = [from_item(i) for i in items]
        return sorted(apps, key=lambda a: a.created_at, reverse=True)[:limit]

    def record_step(self, application_id: str, step: str, result: StepResult) -> None:
        with self._lock:
            self._steps.setdefault(application_id, {})[step] = step_item(
                application_id, step, result
            )

    def move(
        self,
        application_id: str,
        new: Status,
        now: str,
        *,
        reasons: tuple[Reason, ...] | None = None,
        offer: Offer | None = None,
        trail: dict[str, Any] | None = None,
    ) -> None:
        with self._lock:
            item = self._apps.get(application_id)
            if item is None or Status(item["status"]) not in allowed_from(new):
                raise Conflict(f"application {application_id} cannot move to {new.value}")
            item.update(status=new.value, updatedAt=now)
            if reasons is not None:
                item["reasons"] = reasons_item(reasons)
            if offer is not None:
                item["offer"] = offer_item(offer)
            if trail is not None:
                item["trail"] = to_dynamo(copy.deepcopy(trail))

    def mark_accepted(self, application_id: str, now: str) -> None:
        with self._lock:
            item = self._apps.get(application_id)
            if item is None or item["status"] != Status.APPROVED.value or "acceptedAt" in item:
                raise Conflict(f"application {application_id} is not an open approved offer")
            item.update(acceptedAt=now, updatedAt=now)

    def put_review(self, review: Review) -> None:
        with self._lock:
            self._reviews[review.application_id] = review

    def get_review(self, application_id: str) -> Review | None:
        return self._reviews.get(application_id)

    def list_reviews(self) -> list[Review]:
        return [r for r in self._reviews.values() if r.state == "PENDING"]

    def close_review(self, application_id: str, outcome: str, now: str) -> Review:
        with self._lock:
            r = self._reviews.get(application_id)
            if r is None or r.state != "PENDING":
                raise Conflict(f"application {application_id} has no pending review")
            r = self._reviews[application_id] = replace(
                r, state="CLOSED", outcome=outcome, closed_at=now
            )
            return r
