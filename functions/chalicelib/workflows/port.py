"""The workflow port: start an execution by name, complete a task token."""

from __future__ import annotations

from typing import Any, Protocol


class Workflows(Protocol):
    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        """Start an execution named `name`; starting the same name twice is not an error (a
        retried request after a lost response: the execution is already under way)."""
        ...

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        """Complete a waiting task; raises if the token is no longer valid (timed out)."""
        ...
