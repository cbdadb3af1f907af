"""36-period schedules per second on one core: the exact engine vs numpy-financial ipmt/ppmt.

Run: .venv/bin/python bench/bench_schedule.py [--runs 5] [--loans 20000]

Inputs are drawn once with a seeded RNG: principal ¥50-¥200,000 (to the fen), APR 7.20%-24.00%
in 0.01% steps, start dates over 2024-2026. "warm" lets the engine's rate caches (annuity factor
per APR/term, due dates per start) fill over the run, as a long-lived Lambda would; "cold" clears
every cache before each run so each (APR, start) pair is computed from scratch at least once.
Prints the medians of the runs for each case, per wall-clock second and per CPU second of this
process (time.process_time), which is the fairer figure on a shared, loaded machine. Pin to one
core with `taskset -c 0`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy_financial as npf

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

from chalicelib.money import schedule as sch  # noqa: E402
from tests.money.batch import build_schedules  # noqa: E402
from tests.money.reference import reference_schedule  # noqa: E402

MONTHS = 36


def _inputs(n: int, seed: int = 7) -> list[tuple[int, Decimal, date]]:
    rng = random.Random(seed)
    base = date(2024, 1, 1)
    return [
        (
            rng.randint(5_000, 20_000_000),
            Decimal(rng.randint(720, 2400)).scaleb(-4),
            base + timedelta(days=rng.randint(0, 3 * 365)),
        )
        for _ in range(n)
    ]


def _clear_caches() -> None:
    for fn in (sch.due_dates, sch.period_days, sch._plan):
        fn.cache_clear()


def _rates(n: int, t0: float, c0: float) -> tuple[float, float]:
    """(schedules per wall second, schedules per CPU second of this process)."""
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def run_engine(inputs, day_count: str, method: str) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    for p, apr, start in inputs:
        sch.build_schedule(p, apr, MONTHS, start, method, day_count)
    return _rates(len(inputs), t0, c0)


def run_batch(inputs, day_count: str) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    build_schedules(
        [p for p, _, _ in inputs],
        [a for _, a, _ in inputs],
        MONTHS,
        [s for _, _, s in inputs],
        sch.EQUAL_INSTALLMENT,
        day_count,
    )
    return _rates(len(inputs), t0, c0)


def run_reference(inputs) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    for p, apr, start in inputs:
        reference_schedule(p, apr, MONTHS, start)
    return _rates(len(inputs), t0, c0)


def run_numpy(inputs) -> tuple[float, float]:
    per = np.arange(1, MONTHS + 1)
    t0, c0 = time.perf_counter(), time.process_time()
    for p, apr, _start in inputs:
        r = float(apr) / 12
        npf.ipmt(r, per, MONTHS, -p / 100)
        npf.ppmt(r, per, MONTHS, -p / 100)
    return _rates(len(inputs), t0, c0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--loans", type=int, default=20_000)
    args = ap.parse_args()
    inputs = _inputs(args.loans)
    cases = {
        "engine equal-installment 30/360 (warm)": lambda: run_engine(
            inputs, sch.THIRTY_360, sch.EQUAL_INSTALLMENT
        ),
        "engine equal-installment 30/360 (cold)": lambda: (
            _clear_caches(),
            run_engine(inputs, sch.THIRTY_360, sch.EQUAL_INSTALLMENT),
        )[1],
        "engine equal-installment actual/360 (warm)": lambda: run_engine(
            inputs, sch.ACTUAL_360, sch.EQUAL_INSTALLMENT
        ),
        "engine equal-installment actual/360 (cold)": lambda: (
            _clear_caches(),
            run_engine(inputs, sch.ACTUAL_360, sch.EQUAL_INSTALLMENT),
        )[1],
        "engine equal-principal 30/360 (warm)": lambda: run_engine(
            inputs, sch.THIRTY_360, sch.EQUAL_PRINCIPAL
        ),
        "batch (numpy int64, exact) 30/360 (warm)": lambda: run_batch(inputs, sch.THIRTY_360),
        "batch (numpy int64, exact) actual/360 (warm)": lambda: run_batch(inputs, sch.ACTUAL_360),
        "Decimal reference (same exact result)": lambda: run_reference(
            inputs[: max(1, args.loans // 40)]
        ),
        "numpy-financial ipmt+ppmt per loan (float)": lambda: run_numpy(
            inputs[: max(1, args.loans // 5)]
        ),
    }
    print(f"{args.loans} loans x {MONTHS} periods, {args.runs} runs; median schedules/s")
    print(f"  {'case':48s} {'wall':>10s} {'cpu':>10s}   wall runs")
    for name, fn in cases.items():
        runs = [fn() for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        each = ", ".join(f"{r[0]:,.0f}" for r in runs)
        print(f"  {name:48s} {wall:>10,.0f} {cpu:>10,.0f}   ({each})")


if __name__ == "__main__":
    main()
