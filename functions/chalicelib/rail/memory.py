"""The sandbox bank's book in memory."""

from __future__ import annotations

import threading
from typing import ClassVar

from chalicelib.rail.port import RailResult


class InMemoryRailBook:
    _named: ClassVar[dict[str, InMemoryRailBook]] = {}
    _named_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._txns: dict[str, RailResult] = {}

    @classmethod
    def shared(cls, name: str = "default") -> InMemoryRailBook:
        """The process-wide state for `name`: every Lambda invocation in the process sees it."""
        with cls._named_lock:
            if name not in cls._named:
                cls._named[name] = cls()
            return cls._named[name]

    def record(self, result: RailResult) -> RailResult:
        with self._lock:
            return self._txns.setdefault(result.key, result)

    def get(self, key: str) -> RailResult | None:
        with self._lock:
            return self._txns.get(key)

    def all(self) -> list[RailResult]:
        with self._lock:
            return list(self._txns.values())
