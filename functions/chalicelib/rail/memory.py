"""The sandbox bank's book in memory."""

from __future__ import annotations

import threading
from typing import ClassVar

from chalicelib.rail.port import BalanceChanged, RailResult
from chalicelib.rail.records import balance_change


class InMemoryRailBook:
    _named: ClassVar[dict[str, InMemoryRailBook]] = {}
    _named_lock = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._txns: dict[str, RailResult] = {}
        self._balances: dict[str, int] = {}

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

    def transfer(self, result: RailResult) -> RailResult:
        delta = balance_change(result)
        with self._lock:
            stored = self._txns.get(result.key)
            if stored is not None:
                return stored
            balance = self._balances.get(result.account_ref)
            if balance is None or balance + delta < 0:
                raise BalanceChanged(f"account {result.account_ref} does not cover {result.key}")
            self._balances[result.account_ref] = balance + delta
            self._txns[result.key] = result
            return result

    def open_account(self, account_ref: str, balance_fen: int) -> int:
        with self._lock:
            return self._balances.setdefault(account_ref, balance_fen)

    def balance(self, account_ref: str) -> int | None:
        with self._lock:
            return self._balances.get(account_ref)

    def get(self, key: str) -> RailResult | None:
        with self._lock:
            return self._txns.get(key)

    def all(self) -> list[RailResult]:
        with self._lock:
            return list(self._txns.values())
