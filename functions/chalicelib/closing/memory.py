"""The close of business's files in memory (tests)."""

from __future__ import annotations

import json
import threading
from typing import Any


class InMemoryWorkFiles:
    def __init__(self, bucket: str = "work-files") -> None:
        self._bucket = bucket
        self._lock = threading.Lock()
        self.files: dict[str, bytes] = {}

    @property
    def bucket(self) -> str:
        return self._bucket

    def put_json(self, key: str, value: Any) -> None:
        with self._lock:
            self.files[key] = json.dumps(value).encode()

    def get_json(self, key: str) -> Any:
        with self._lock:
            return json.loads(self.files[key])
