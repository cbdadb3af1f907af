"""Notifications and the event bus in memory: the adapters' contracts, for fast tests."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from ..money.notifications import Notification
from .events import event_entry
from .port import Page, StoredNotification, position


class InMemoryNotificationStore:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], StoredNotification] = {}  # (user, position)
        self._lock = threading.Lock()

    def add(self, n: Notification, at: str) -> tuple[StoredNotification, bool]:
        with self._lock:
            k = (n.user_id, position(n))
            held = self._items.get(k)
            if held is not None:
                return held, False
            self._items[k] = StoredNotification(n, at)
            return self._items[k], True

    def mark_published(self, n: Notification, at: str) -> None:
        with self._lock:
            k = (n.user_id, position(n))
            held = self._items.get(k)
            if held is not None and held.published_at is None:
                self._items[k] = replace(held, published_at=at)

    def unpublished(self, limit: int) -> list[StoredNotification]:
        with self._lock:
            waiting = [s for s in self._items.values() if s.published_at is None]
        waiting.sort(key=lambda s: (s.created_at, s.notification.user_id, s.notification.key))
        return waiting[: max(limit, 0)]

    def inbox(self, user_id: str, before: str | None, limit: int) -> Page:
        with self._lock:
            mine = sorted((pos for (user, pos) in self._items if user == user_id), reverse=True)
            if before is not None:
                mine = [pos for pos in mine if pos < before]
            page = [self._items[(user_id, pos)] for pos in mine[: limit + 1]]
        more = len(page) > limit
        page = page[:limit]
        return Page(tuple(page), page[-1].position if more and page else None)


class InMemoryEventBus:
    """Takes what PutEvents would take and keeps it, in order: `entries` are the PutEvents
    entries the EventBridge adapter sends (same builder). `refuse` makes the bus refuse the
    next N notifications (a throttled or unavailable bus)."""

    def __init__(self, bus_name: str = "weili-notifications") -> None:
        self.bus_name = bus_name
        self.entries: list[dict[str, Any]] = []
        self.refuse = 0
        self._lock = threading.Lock()

    def publish_events(self, notifications: list[Notification]) -> list[Notification]:
        failed = []
        with self._lock:
            for n in notifications:
                if self.refuse > 0:
                    self.refuse -= 1
                    failed.append(n)
                else:
                    self.entries.append(event_entry(n, self.bus_name))
        return failed

    def keys(self) -> list[str]:
        return [json.loads(e["Detail"])["key"] for e in self.entries]
