"""Issue 13's contention test at scale: rounds of 20-50 repayments fired at once at one loan,
through the live local API and the real repayment workflow. Reports, per round and in total,
what was admitted, refused, collected by the bank, booked on the loan, and left STUCK.

    .venv/bin/python bench/bench_repayment_contention.py [--rounds 12] [--min 20] [--max 50]

Not a timing bench: the figures are counts (seconds are shown for scale only).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions"), str(ROOT / "infra")]

from localcloud.client import RemoteCloud  # noqa: E402
from tests.workflow.contention import run_round  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=12)
    p.add_argument("--min", type=int, default=20)
    p.add_argument("--max", type=int, default=50)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args()
    rng = random.Random(args.seed)
    cloud = RemoteCloud.spawn()
    totals: Counter[str] = Counter()
    unsound = 0
    try:
        print(
            f"{'round':>5}{'sent':>6}{'202':>6}{'422':>6}{'409':>6}{'ok':>5}{'failed':>7}"
            f"{'stuck':>6}{'collected':>12}{'booked':>12}{'books':>7}{'s':>7}"
        )
        for i in range(args.rounds):
            n = rng.randint(args.min, args.max)
            r = run_round(cloud, f"bench-contention-{args.seed}-{i}", n, rng.randrange(10**6))
            unsound += not r.sound
            totals.update(
                sent=n,
                admitted=r.answers[202],
                refused_422=r.answers[422],
                busy_409=r.answers[409],
                succeeded=r.ended["SUCCEEDED"],
                failed=r.ended["FAILED"],
                stuck=r.ended["STUCK"],
                pending=r.ended["PENDING"],
                collected_fen=r.collected_fen,
                booked_fen=r.booked_fen,
                unbooked=len(r.unbooked),
            )
            print(
                f"{i:>5}{n:>6}{r.answers[202]:>6}{r.answers[422]:>6}{r.answers[409]:>6}"
                f"{r.ended['SUCCEEDED']:>5}{r.ended['FAILED']:>7}{r.ended['STUCK']:>6}"
                f"{r.collected_fen / 100:>12.2f}{r.booked_fen / 100:>12.2f}"
                f"{'clean' if r.books_ok else 'OFF':>7}{r.seconds:>7.1f}",
                flush=True,
            )
    finally:
        cloud.stop()
    print(f"\n{args.rounds} rounds: {dict(totals)}; rounds not sound: {unsound}")
    return 1 if unsound else 0


if __name__ == "__main__":
    sys.exit(main())
