"""`lending` pointed at a running local cloud, as `lending up` would leave its state file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lending_cli import state
from localcloud.client import RemoteCloud


def point_cli_at(cloud: RemoteCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    info = cloud.info
    state_file = tmp_path / "local.json"
    state_file.write_text(
        json.dumps(
            {
                "awsEndpoint": info["awsEndpoint"],
                "table": info["physical"]["LendingTable"],
                "physical": info["physical"],
                "railOpeningBalance": "0",
            }
        )
    )
    monkeypatch.setattr(state, "STATE_FILE", state_file)
    # What `lending` would set from the state file, set here so that it is undone after the test.
    monkeypatch.setenv("AWS_ENDPOINT_URL", info["awsEndpoint"])
