"""`lending schedule ...`: print a repayment schedule as JSON (the lead wires it into `lending`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from chalicelib.amounts import yuan_to_fen
from chalicelib.money.schedule import DAY_COUNTS, METHODS, ROUNDINGS, build_schedule


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lending schedule", description="Print a repayment schedule.")
    p.add_argument("--principal", required=True, help="amount in yuan, e.g. 10000 or 10000.50")
    p.add_argument("--apr", required=True, help="annual rate in percent, e.g. 12 or 7.2 (max 24)")
    p.add_argument("--months", required=True, type=int, help="1..36")
    p.add_argument("--method", default="equal-installment", choices=METHODS)
    p.add_argument("--start", required=True, help="draw date, YYYY-MM-DD")
    p.add_argument("--day-count", default="30/360", choices=DAY_COUNTS)
    p.add_argument("--rounding", default="half-up", choices=ROUNDINGS)
    return p


def schedule_main(argv: Sequence[str] | None = None) -> int:
    """Parse argv, print the schedule JSON on stdout; 0 on success, 2 on a bad argument."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        principal_fen = yuan_to_fen(args.principal)
        try:
            apr = Decimal(args.apr) / 100
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal APR: {args.apr!r}") from exc
        start = date.fromisoformat(args.start)
        schedule = build_schedule(
            principal_fen, apr, args.months, start, args.method, args.day_count, args.rounding
        )
    except ValueError as exc:
        print(f"lending schedule: {exc}", file=sys.stderr)
        return 2
    json.dump(schedule.as_json(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(schedule_main())
