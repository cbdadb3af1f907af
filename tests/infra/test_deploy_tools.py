"""The built template against the tools a deploying team runs: the policy scan (checkov, every
finding accepted with a reason) and `sam validate --lint`. Both run from their own environments
(.venv/tools/*, made by bootstrap.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from lending_cli.package import Package
from lending_cli.policy_scan import ACCEPTED, judge, run_checkov

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lambda-package")]
ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv" / "tools" / "sam" / "bin" / "sam"


def test_every_policy_scan_finding_is_accepted_with_a_reason(package: Package) -> None:
    result = judge(run_checkov(package.template), yaml.safe_load(ACCEPTED.read_text()))
    assert result.passed > 300
    assert result.unaccepted == [] and result.stale == [], (result.unaccepted, result.stale)


def test_a_finding_not_accepted_or_an_entry_without_a_finding_fails_the_scan() -> None:
    report = {
        "summary": {"passed": 1},
        "results": {
            "failed_checks": [
                {"check_id": "CKV_AWS_1", "resource": "AWS::S3::Bucket.DocumentsBucket"},
                {"check_id": "CKV_AWS_2", "resource": "AWS::SQS::Queue.Q"},
            ]
        },
    }
    accepted = {
        "CKV_AWS_1": {"resources": ["SomethingElse"], "reason": "x"},
        "CKV_AWS_2": {"resources": "all", "reason": "because"},
        "CKV_AWS_3": {"resources": "all", "reason": "gone"},
    }
    result = judge(report, accepted)
    assert [str(f) for f in result.unaccepted] == ["CKV_AWS_1 on DocumentsBucket"]
    assert result.stale == ["CKV_AWS_3"] and not result.ok


def test_sam_validate_lint_passes(package: Package) -> None:
    out = subprocess.run(
        [
            str(SAM),
            "validate",
            "--lint",
            "--template",
            str(package.template),
            "--region",
            "us-east-1",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "is a valid SAM Template" in out.stdout + out.stderr
