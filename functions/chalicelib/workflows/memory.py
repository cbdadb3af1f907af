"""Workflows in memory: records what was started and completed, for tests of the services."""

from __future__ import annotations

from typing import Any


class RecordingWorkflows:
    def __init__(self, fail: bool = False) -> None:
        self.started: list[tuple[str, str, dict[str, Any]]] = []
        self.successes: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail
        self._names: set[str] = set()

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        if self.fail:
            raise RuntimeError("states unavailable")
        if name not in self._names:  # a second start of one name is the same execution
            self._names.add(name)
            self.started.append((state_machine_arn, name, payload))
        return f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"

    def send_success(self, task_token: str, output: dict[str, Any]) -> None:
        self.successes.append((task_token, output))
