#!/usr/bin/env python3
"""Set up this checkout's own virtual environment, then run one of the two front-door jobs.

    python3 bootstrap.py demo   # start the local cloud, send demo applicants through the API, keep serving
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
        "bootstrap: installing the project and its dev dependencies (first run takes a few minutes)",
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


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    python = ensure_environment()
    job, rest = argv[0], argv[1:]
    if job == "test":
        command = [str(python), "-m", "pytest", *rest]
    else:
        command = [str(VENV / "bin" / "lending"), "demo", *rest]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
