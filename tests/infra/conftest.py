"""What the tests of this directory share, made once per test run by whichever xdist worker asks
first (the others wait and reuse it): the deployable artifacts `lending package` builds (slow:
the first build downloads Lambda wheels) and the tour of every function in a recording local
cloud (tests/infra/tour.py)."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable
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


def once_per_run(
    factory: pytest.TempPathFactory, worker_id: str, name: str, make: Callable[[Path], Any]
) -> Any:
    """`make(directory)`'s JSON answer, computed once per test run across xdist workers.

    Every xdist worker has its own session, and the xdist_group mark no longer keeps a module
    on one worker: pytest-xdist 3.8 renames `item._nodeid`, which pytest 9 no longer reads. Two
    workers then ran `chalice package` into infra/build at once, and one read the other's
    half-written zip (BadZipFile, EOFError: 2 of 3 fresh-clone CI runs, 2026-11-28); and each
    ran its own tour, doubling its minute.
    """
    if worker_id == "master":  # not distributed
        return make(factory.mktemp(name))
    shared = factory.getbasetemp().parent  # this run's directory, common to its workers
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.json"
        if done.exists():
            return json.loads(done.read_text())
        answer = make(factory.mktemp(name))
        done.write_text(json.dumps(answer))
        return answer


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Package:
    def make(_: Path) -> dict[str, Any]:
        built = build()
        return {
            "template": str(built.template),
            "zip_path": str(built.zip_path),
            "unzipped_bytes": built.unzipped_bytes,
        }

    saved = once_per_run(tmp_path_factory, worker_id, "lambda-package", make)
    return Package(Path(saved["template"]), Path(saved["zip_path"]), int(saved["unzipped_bytes"]))


@pytest.fixture(scope="session")
def template(package: Package) -> dict[str, Any]:
    return yaml.load(package.template.read_text(), Loader=_CfnLoader)


@pytest.fixture(scope="session")
def tour(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """The tour's recorded calls (`grants`, `invoked`) and the functions' log (`log`)."""

    def make(where: Path) -> dict[str, Any]:
        from tests.infra.tour import run_tour

        recorded = run_tour(where / "calls.json", where / "functions.log")
        recorded["log"] = (where / "functions.log").read_text(encoding="utf-8", errors="replace")
        return dict(recorded)

    return dict(once_per_run(tmp_path_factory, worker_id, "tour", make))
