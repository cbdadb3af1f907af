"""The GitHub Actions workflows, checked offline so a broken pipeline cannot land (.ci/run).

1. Every file in .github/workflows/ against GitHub's workflow schema (check-jsonschema ships
   it, so no network is needed).
2. zizmor's security audit, offline, medium severity and up (template injection, secrets
   inherited, unpinned actions beyond the policy in .github/zizmor.yml).

    python infra/ci_check.py [WORKFLOW_DIR]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def check(workflows: Path = ROOT / ".github" / "workflows") -> int:
    files = sorted(str(p) for p in workflows.glob("*.yml")) + sorted(
        str(p) for p in workflows.glob("*.yaml")
    )
    if not files:
        print(f"ci_check: no workflow files in {workflows}", file=sys.stderr)
        return 1
    schema = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files]
    )
    config = str(ROOT / ".github" / "zizmor.yml")
    audit = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--min-severity",
            "medium",
            "--no-progress",
            "--config",
            config,
            str(workflows),
        ]
    )
    return 1 if schema.returncode or audit.returncode else 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1])) if len(sys.argv) > 1 else check())
