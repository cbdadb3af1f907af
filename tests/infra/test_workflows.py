"""The CI/CD pipeline: GitHub Actions workflows that test every pull request and deploy main
through dev, staging and prod; checked offline (infra/ci_check.py, also run by .ci/run)."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
sys.path.insert(0, str(ROOT / "infra"))
from ci_check import check  # noqa: E402


def _load(name: str) -> dict[str, Any]:
    # PyYAML reads the `on:` key as True; give it its name back.
    doc = yaml.safe_load((WORKFLOWS / name).read_text())
    doc["on"] = doc.pop(True, doc.get("on"))
    return doc


def _runs(doc: dict[str, Any]) -> str:
    return "\n".join(
        str(step.get("run", "")) + str(step.get("uses", ""))
        for job in doc["jobs"].values()
        for step in job.get("steps", [])
    )


def test_the_workflows_pass_the_schema_and_the_security_audit() -> None:
    assert check(WORKFLOWS) == 0


def test_a_broken_workflow_fails_the_check(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("on: push\njobs:\n  x:\n    steps: [{run: echo}]\n")
    assert check(tmp_path) != 0  # no runs-on


def test_every_pull_request_runs_the_suite_the_template_checks_and_the_ocr_image() -> None:
    pr = _load("pr.yml")
    assert "pull_request" in pr["on"]
    runs = _runs(pr)
    for step in (
        "bash .ci/run",
        "lending package",
        "cfn-lint --include-checks I",
        "sam validate --lint",
        "tests/statemachines/test_static.py",
        "lending policy-scan",
        "docker build -f infra/ocr-image/Dockerfile",
        "infra/ocr-image/smoke.py",
    ):
        assert step in runs, step


def test_main_deploys_each_stage_through_oidc_and_prod_as_a_reviewed_change_set() -> None:
    deploy = _load("deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    stages = [job for job in deploy["jobs"].values() if "uses" in job]
    assert [s["with"]["stage"] for s in stages] == ["dev", "staging", "prod"]
    assert [s["with"].get("review-change-set", False) for s in stages] == [False, False, True]
    assert all(s["permissions"]["id-token"] == "write" for s in stages)
    assert "--image-tag" in _runs(deploy)
    stage = _load("deploy-stage.yml")
    runs = _runs(stage)
    assert "aws-actions/configure-aws-credentials" in runs
    assert "aws-access-key-id" not in (WORKFLOWS / "deploy-stage.yml").read_text()
    for step in (
        "sam build ExtractDocument",
        "sam deploy --config-env",
        "--no-execute-changeset",
        "execute-change-set",
        "lending_cli.release smoke",
        "lending_cli.release watch",
        "aws cloudformation deploy",  # the rollback
    ):
        assert step in runs, step
    assert stage["jobs"]["deploy"]["environment"] == "${{ inputs.environment }}"


def test_samconfig_names_a_stack_per_stage() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for stage in ("dev", "staging", "prod"):
        assert config[stage]["deploy"]["parameters"]["stack_name"] == f"weili-{stage}"
