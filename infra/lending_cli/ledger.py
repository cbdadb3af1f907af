"""`lending ledger check`: prove the books over a table scan, reconcile them with the sandbox
bank's transfers, list draws and repayments an operator must finish (STUCK).

Prints the report as JSON; exits 1 naming the offending ids if anything is off.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from chalicelib.books.dynamo import check_table


def check_main(table: Any) -> int:
    report = check_table(table)
    print(json.dumps(report.as_dict(), indent=2))
    if report.ok:
        r = report.ledger
        print(
            f"ledger check: OK ({r.entries} entries, {r.debits_fen} fen each side)", file=sys.stderr
        )
        return 0
    bad = report.offending
    print(f"ledger check: FAILED for {', '.join(bad) or 'debits != credits'}", file=sys.stderr)
    return 1
