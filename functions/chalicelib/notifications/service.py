"""Tell borrowers: store each notification in their inbox once, then put it on the event bus.

    notify(notifications)    the close of business, the repayment workflow (Notify Borrower)
    publish_pending()        the sweep: whatever was stored and never published, oldest first
    inbox(user, cursor, n)   GET /v1/notifications

The inbox write is the commitment; the event follows it. A notification whose key is stored
already is not stored again, and is published only if it never was: a re-run (a retried
batch, a retried step) publishes exactly what the failed run stored and could not publish,
and nothing twice. What no re-run comes back for, the sweep publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import InvalidRequest
from ..money.notifications import Notification
from .port import (
    MAX_PAGE,
    BadCursor,
    EventPublisher,
    NotificationStore,
    StoredNotification,
    cursor_for,
    position_of,
)

log = logging.getLogger(__name__)

DEFAULT_PAGE = 20
SWEEP_BATCH = 100  # read, put (10 calls), marked per batch
SWEEP_LIMIT = 5_000  # per sweep: ~500 PutEvents calls, well inside a Lambda's time


@dataclass(frozen=True)
class Delivery:
    """What one call did: notifications newly stored, events put on the bus, and the keys
    stored but not published yet (the bus refused them: a re-run or the sweep sends them)."""

    stored: int = 0
    published: int = 0
    unpublished: tuple[str, ...] = ()

    def __add__(self, other: Delivery) -> Delivery:
        return Delivery(
            self.stored + other.stored,
            self.published + other.published,
            self.unpublished + other.unpublished,
        )


@dataclass(frozen=True)
class InboxPage:
    items: tuple[StoredNotification, ...]
    cursor: str | None  # for the next (older) page; None on the last page


@dataclass
class NotificationService:
    store: NotificationStore
    publisher: EventPublisher
    now: Callable[[], str]

    def notify(self, notifications: Iterable[Notification]) -> Delivery:
        """Store each (once per key), then publish those never published. Raises only when
        the store does (nothing is lost: the caller's retry stores it); a bus that refuses is
        reported in `Delivery.unpublished`, never raised."""
        at = self.now()
        stored = 0
        to_publish: list[Notification] = []
        seen: set[str] = set()
        for n in notifications:
            if n.key in seen:
                continue
            seen.add(n.key)
            record, new = self.store.add(n, at)
            stored += new
            if record.published_at is None:
                to_publish.append(record.notification)
        return Delivery(stored=stored) + self._publish(to_publish)

    def publish_pending(self, limit: int = SWEEP_LIMIT) -> Delivery:
        """Publish up to `limit` of what was stored and never published, oldest first, in
        batches; stops early when the bus takes none of a batch (it is down: try later)."""
        done = Delivery()
        while done.published < limit:
            waiting = self.store.unpublished(min(SWEEP_BATCH, limit - done.published))
            if not waiting:
                break
            d = self._publish([s.notification for s in waiting])
            done += d
            if not d.published:
                break
        return done

    def inbox(self, user_id: str, cursor: str | None, limit: int = DEFAULT_PAGE) -> InboxPage:
        """A page of the user's notifications, newest first. InvalidRequest (naming the
        parameter) for a limit outside 1..100 or a cursor this API did not hand out."""
        if type(limit) is not int or not 1 <= limit <= MAX_PAGE:
            raise InvalidRequest(
                f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit"
            )
        try:
            before = position_of(cursor) if cursor is not None else None
        except BadCursor as exc:
            raise InvalidRequest(str(exc), field="cursor") from None
        page = self.store.inbox(user_id, before, limit)
        nxt = cursor_for(page.next_position) if page.next_position is not None else None
        return InboxPage(page.items, nxt)

    def _publish(self, notifications: list[Notification]) -> Delivery:
        if not notifications:
            return Delivery()
        refused = self.publisher.publish_events(notifications)
        refused_keys = {n.key for n in refused}
        at = self.now()
        published = 0
        for n in notifications:
            if n.key not in refused_keys:
                self.store.mark_published(n, at)
                published += 1
        if refused:
            # Ids only: the keys name kind, subject (loan or repayment) and day.
            log.warning(
                "%d notifications not published yet: %s", len(refused), sorted(refused_keys)
            )
        return Delivery(published=published, unpublished=tuple(sorted(refused_keys)))
