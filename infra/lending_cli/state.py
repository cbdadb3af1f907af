"""Where a running `lending up` leaves what other `lending` commands need (URL, local key)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATE_FILE = ROOT / ".lending" / "local.json"


def save(data: dict[str, Any]) -> None:
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    os.chmod(tmp, 0o600)  # holds the local signing key
    tmp.replace(STATE_FILE)


def load() -> dict[str, Any]:
    if not STATE_FILE.exists():
        raise SystemExit(
            "no local cloud is running: start one with `lending up` (or `lending demo`)"
        )
    return json.loads(STATE_FILE.read_text())


def clear() -> None:
    STATE_FILE.unlink(missing_ok=True)
