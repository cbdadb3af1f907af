"""Issue 13's chaos run at full size: borrowers' journeys (apply -> draw -> repay, some
repaying concurrently) against a local cloud failing at every adapter (localcloud/faults.py,
the plan in tests/workflow/chaos.py), then the proof that nothing was lost.

    .venv/bin/python bench/bench_chaos.py [--journeys 1000] [--applicants 50] [--concurrency 24]
        [--seed 2026] [--scale 1.0]

--scale multiplies every fault rate. Not a timing bench: the figures are counts; the time taken
is reported for scale. Exits 1 unless the run is sound.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions"), str(ROOT / "infra")]

from tests.workflow.chaos import PLAN, run, spawn  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--journeys", type=int, default=1000)
    p.add_argument("--applicants", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=24)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--scale", type=float, default=1.0)
    args = p.parse_args()
    rates = [f.name for f in fields(PLAN) if f.name.startswith(("ddb_", "lambda_", "rail_"))]
    scaled = {n: getattr(PLAN, n) * args.scale for n in rates if n != "rail_latency_ms"}
    plan = replace(PLAN, seed=args.seed, **scaled)
    print(f"plan: {plan}", flush=True)
    log_dir = tempfile.mkdtemp(prefix="chaos-")
    cloud = spawn(plan, log_dir)
    try:
        report = run(
            cloud,
            journeys=args.journeys,
            applicants=args.applicants,
            concurrency=args.concurrency,
            seed=args.seed,
            injected_log=str(Path(log_dir) / "injected.json"),
        )
    finally:
        cloud.stop()
    for line in report.lines():
        print(line)
    print("sound" if report.sound else "NOT SOUND")
    return 0 if report.sound else 1


if __name__ == "__main__":
    sys.exit(main())
