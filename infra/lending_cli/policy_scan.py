"""`lending policy-scan`: checkov over the built template, against the accepted findings.

checkov runs from its own environment (.venv/tools/checkov, made by bootstrap.py: its pins
would downgrade the project's boto3). Every failed check must be accepted, with a reason, in
infra/policy-scan/accepted.yaml; an accepted entry that no longer matches anything is an error
too, so the file never keeps a reason for something that is gone.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = ROOT / "infra" / "policy-scan" / "accepted.yaml"
CHECKOV = ROOT / ".venv" / "tools" / "checkov" / "bin" / "checkov"


@dataclass(frozen=True)
class Finding:
    check_id: str
    resource: str  # logical id

    def __str__(self) -> str:
        return f"{self.check_id} on {self.resource}"


@dataclass
class ScanResult:
    passed: int
    findings: list[Finding]
    unaccepted: list[Finding]
    stale: list[str]

    @property
    def ok(self) -> bool:
        return not self.unaccepted and not self.stale


def run_checkov(template: Path) -> dict[str, Any]:
    exe = os.environ.get("CHECKOV", str(CHECKOV))
    out = subprocess.run(
        [exe, "-f", str(template), "--framework", "cloudformation", "--quiet", "-o", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
        timeout=900,
    )
    report = json.loads(out.stdout)
    return report[0] if isinstance(report, list) else report


def judge(report: dict[str, Any], accepted: dict[str, Any]) -> ScanResult:
    findings = sorted(
        {
            Finding(f["check_id"], f["resource"].split(".", 1)[-1])
            for f in report["results"]["failed_checks"]
        },
        key=str,
    )

    def covered(f: Finding) -> bool:
        entry = accepted.get(f.check_id)
        if not entry or not str(entry.get("reason", "")).strip():
            return False
        return entry["resources"] == "all" or f.resource in entry["resources"]

    seen = {f.check_id for f in findings}
    return ScanResult(
        passed=int(report["summary"]["passed"]),
        findings=findings,
        unaccepted=[f for f in findings if not covered(f)],
        stale=sorted(set(accepted) - seen),
    )


def main(argv: list[str] | None = None) -> int:
    args = argv or []
    template = Path(args[0]) if args else ROOT / "infra" / "build" / "sam.yaml"
    result = judge(run_checkov(template), yaml.safe_load(ACCEPTED.read_text()))
    accepted = len(result.findings) - len(result.unaccepted)
    print(
        f"checkov: {result.passed} passed, {len(result.findings)} failed "
        f"({accepted} accepted in {ACCEPTED.relative_to(ROOT)})"
    )
    for f in result.unaccepted:
        print(f"  not accepted: {f}")
    for check in result.stale:
        print(f"  accepted but no longer found (remove it): {check}")
    return 0 if result.ok else 1
