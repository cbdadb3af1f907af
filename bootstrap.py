#!/usr/bin/env python3
"""Set up this checkout's own virtual environment, then run one of the two front-door jobs.

    python3 bootstrap.py demo   # the local cloud, demo applicants through the API, four months
                                # of life, then keeps serving
    python3 bootstrap.py test   # run the test suite

Only the standard library is used here, so a machine with nothing but python3 can run it.
The environment lives in .venv/ and is reinstalled when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-from"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = _venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"bootstrap: creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(
        "bootstrap: installing the project and its dev dependencies "
        "(first run takes a few minutes)",
        flush=True,
    )
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[dev]",
        ],
        check=True,
    )
    STAMP.write_text(wanted)
    return python


def ensure_tools() -> None:
    """Deploy tools in environments of their own (.venv/tools/NAME), one per infra/tools/NAME.txt:
    checkov and the SAM CLI pin versions of boto3 and click that would downgrade the project's."""
    for spec in sorted((ROOT / "infra" / "tools").glob("*.txt")):
        home = VENV / "tools" / spec.stem
        stamp = home / ".installed-from"
        wanted = hashlib.sha256(spec.read_bytes()).hexdigest()
        if stamp.exists() and stamp.read_text().strip() == wanted:
            continue
        print(f"bootstrap: installing {spec.stem} into {home}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        subprocess.run(
            [
                str(home / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(spec),
            ],
            check=True,
        )
        stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    python = ensure_environment()
    job, rest = argv[0], argv[1:]
    if job == "test":
        ensure_tools()
        command = [str(python), "-m", "pytest", *rest]
    else:
        command = [str(VENV / "bin" / "lending"), "demo", *rest]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
