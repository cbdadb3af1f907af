"""The notifications store and the event publisher, as ports.

A notification (`money.notifications.Notification`) is written once per `key`
(`{kind}:{subject}:{day}`), so a re-run of a close or a retried workflow step stores nothing
twice. It is published on the event bus after it is stored; `published_at` says it was, so a
later run publishes what an earlier one stored and could not (an outbox: the inbox write is
the commitment, the event follows it at least once, and exactly once when nothing fails).

The inbox is read newest first: by business day, and within a day in the order the day's
messages happen (the morning's reminders, then the night's line review, then collections,
each kind by its subject: repayment ids are time-ordered). `position` is that order as one
sortable string; a page's cursor is the last position it returned, opaque to the client.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Protocol

from ..money.notifications import (
    APR_CHANGED,
    COLLECTION_FAILED,
    COLLECTION_SUCCEEDED,
    DUE_IN_3_DAYS,
    DUE_TODAY,
    LIMIT_CHANGED,
    OVERDUE_DAY_1,
    OVERDUE_DAY_7,
    Notification,
)

# When in its day a kind of message happens: the close of D-1 writes D's reminders before
# the morning's auto-debit runs; repayments come during the day.
DAY_ORDER: dict[str, int] = {
    DUE_IN_3_DAYS: 1,
    DUE_TODAY: 1,
    OVERDUE_DAY_1: 1,
    OVERDUE_DAY_7: 1,
    LIMIT_CHANGED: 2,
    APR_CHANGED: 2,
    COLLECTION_SUCCEEDED: 3,
    COLLECTION_FAILED: 3,
}

MAX_PAGE = 100


def position(n: Notification) -> str:
    """Where `n` sorts in its borrower's inbox (ascending = oldest first)."""
    return f"{n.on.isoformat()}#{DAY_ORDER[n.kind]}#{n.key}"


# A key is {KIND}:{subject}:{yyyy-mm-dd}; a subject is one of our ids (a review's holds the
# user id, which the identity provider chooses).
_POSITION = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}#[1-3]#[A-Z0-9_]+:[^\x00-\x1f]{1,300}:[0-9]{4}-[0-9]{2}-[0-9]{2}$"
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,600}$")


class BadCursor(ValueError):
    """A page cursor this API did not hand out (or that was altered)."""


def cursor_for(pos: str) -> str:
    return base64.urlsafe_b64encode(pos.encode()).decode().rstrip("=")


def position_of(cursor: str) -> str:
    """The position a cursor stands for; BadCursor for anything `cursor_for` cannot have made."""
    if not _TOKEN.fullmatch(cursor):
        raise BadCursor("cursor is not a token this API handed out")
    try:
        pos = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor("cursor is not a token this API handed out") from None
    if not _POSITION.fullmatch(pos):
        raise BadCursor("cursor is not a token this API handed out")
    return pos


@dataclass(frozen=True)
class StoredNotification:
    notification: Notification
    created_at: str  # when it was first stored
    published_at: str | None = None  # when PutEvents took it; None until then

    @property
    def position(self) -> str:
        return position(self.notification)


@dataclass(frozen=True)
class Page:
    items: tuple[StoredNotification, ...]  # newest first
    next_position: str | None  # the last item's position when older ones remain, else None


class NotificationStore(Protocol):
    def add(self, n: Notification, at: str) -> tuple[StoredNotification, bool]:
        """Store `n` unless its key is stored already. Returns the record as stored (this
        one, or the earlier one with its `published_at`) and whether this call stored it."""
        ...

    def mark_published(self, n: Notification, at: str) -> None:
        """Record that the bus took `n` (the first time counts; a stored key only)."""
        ...

    def unpublished(self, limit: int) -> list[StoredNotification]:
        """Stored and never published, oldest first, at most `limit`: what a sweep publishes."""
        ...

    def inbox(self, user_id: str, before: str | None, limit: int) -> Page:
        """A user's notifications newest first: at most `limit`, older than the position
        `before` when given."""
        ...


class EventPublisher(Protocol):
    def publish_events(self, notifications: list[Notification]) -> list[Notification]:
        """Put each notification on the bus as an event. Returns those the bus did not take
        (after the adapter's own bounded retries); they stay unpublished for a later run."""
        ...
