"""The deployable artifacts, built once per test run by `lending package` (slow: the first build
downloads Lambda wheels), shared by the tests of this directory."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from lending_cli.package import Package, build
from localcloud.template import _CfnLoader

# What a deployer passes for the parameters that have no default (samconfig.toml per stage).
DEPLOY_PARAMETERS = {
    "CognitoUserPoolId": "us-east-1_AbCdEf123",
    "CognitoAppClientIds": "4d1vq0kq3r0fd2ofg4mqbsgc1n",
    "PiiPepperVersion": "1",
    "AlarmEmail": "oncall@example.com",
    "PiiPepperKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890a",
}


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Package:
    """One build per test run, by whichever worker asks first; the others wait and reuse it.

    Every xdist worker has its own session, and the xdist_group mark no longer keeps this
    module on one worker: pytest-xdist 3.8 renames `item._nodeid`, which pytest 9 no longer
    reads. Two workers then ran `chalice package` into infra/build at once, and one read the
    other's half-written zip (BadZipFile, EOFError: 2 of 3 fresh-clone CI runs, 2026-11-28).
    """
    if worker_id == "master":  # not distributed
        return build()
    shared = tmp_path_factory.getbasetemp().parent  # this run's directory, common to its workers
    with open(shared / "lambda-package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = shared / "lambda-package.json"
        if built.exists():
            saved = json.loads(built.read_text())
            return Package(
                Path(saved["template"]), Path(saved["zip_path"]), int(saved["unzipped_bytes"])
            )
        package = build()
        built.write_text(
            json.dumps(
                {
                    "template": str(package.template),
                    "zip_path": str(package.zip_path),
                    "unzipped_bytes": package.unzipped_bytes,
                }
            )
        )
        return package


@pytest.fixture(scope="session")
def template(package: Package) -> dict[str, Any]:
    return yaml.load(package.template.read_text(), Loader=_CfnLoader)
