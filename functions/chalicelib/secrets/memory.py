"""A secret held in memory (tests, and containers built by hand)."""

from __future__ import annotations

from .port import SecretUnavailable


class StaticSecret:
    def __init__(self, value: str, name: str = "static") -> None:
        self.name = name
        self._value = value

    def value(self) -> str:
        if not self._value:
            raise SecretUnavailable(f"secret {self.name} is empty")
        return self._value
