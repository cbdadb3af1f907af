"""The demo's second half: an approved applicant accepts, draws, sees the schedule, repays early.

The sandbox bank shows the borrower's side: the payout lands on their card, they spend it, and
they pay in what they repay (a card is empty until money is paid in; `lending bank`)."""

from __future__ import annotations

import time
import uuid
from decimal import ROUND_DOWN, Decimal
from typing import Any

from chalicelib.amounts import fen_to_yuan, yuan_to_fen

from .bank import Bank


def wait_settled(api: Any, path: str, user: str, timeout: float = 30) -> dict[str, Any]:
    """GET `path` until its status leaves PENDING (or `timeout` seconds pass)."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = api.call("GET", path, user)
        if body["status"] != "PENDING" or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def _line(line: dict[str, Any]) -> str:
    return (
        f"limit ¥{line['creditLimit']}  available ¥{line['available']}  drawn ¥{line['drawn']}  "
        f"APR {line['apr']}%  daily {line['dailyRate']}%"
    )


def run(api: Any, bank: Bank, applicants: list[Any], results: dict[str, dict[str, Any]]) -> bool:
    approved = [a for a in applicants if results.get(a.label, {}).get("status") == "APPROVED"]
    if not approved:
        print("\nNo applicant was approved, so nobody borrows in this run.", flush=True)
        return False
    a = approved[0]
    app = results[a.label]
    print(f"\n4. {a.label} accepts the offer; the revolving credit line opens.", flush=True)
    line = api.call("POST", f"/v1/applications/{app['applicationId']}/accept", a.user_id)
    print(f"   {_line(line)}", flush=True)

    available = Decimal(line["available"])
    amount = min(
        Decimal(5000), (available / 2).quantize(Decimal(100), rounding=ROUND_DOWN) or available
    )
    print(
        f"\n5. They draw ¥{amount:.2f} over 6 months (equal installments); "
        "the disbursement workflow reserves the line, writes the contract, pays out and books it.",
        flush=True,
    )
    started = time.perf_counter()
    sub = api.call(
        "POST",
        "/v1/loans",
        a.user_id,
        {"amount": f"{amount:.2f}", "termMonths": 6, "method": "equal-installment"},
        key=str(uuid.uuid4()),
    )
    loan = wait_settled(api, f"/v1/loans/{sub['loanId']}", a.user_id)
    took = time.perf_counter() - started
    print(f"   loan {loan['loanId']}: {loan['status']} after {took * 1000:.0f} ms", flush=True)
    if loan["status"] != "ACTIVE":
        print(f"   the draw did not land: {loan.get('failure')}", flush=True)
        return False
    c = loan["contract"]
    print(
        f"   APR {c['apr']}%  daily rate {c['dailyRate']}%  total interest ¥{c['totalInterest']}  "
        f"total repayable ¥{c['totalRepayable']}",
        flush=True,
    )
    print("\n   #  due date      principal   interest      total    balance", flush=True)
    for i in loan["schedule"]:
        print(
            f"   {i['n']:<2} {i['dueDate']}  {i['principal']:>10} {i['interest']:>10} "
            f"{i['total']:>10} {i['balance']:>10}",
            flush=True,
        )

    held = bank.balance(a.user_id)
    print(
        f"\n   The money is on their card at the sandbox bank: ¥{fen_to_yuan(held)}. They spend "
        "it (lending bank withdraw).",
        flush=True,
    )
    bank.withdraw(a.user_id, held)

    before = api.call("GET", "/v1/credit-line", a.user_id)
    quote = api.call("GET", f"/v1/loans/{loan['loanId']}/payoff-quote", a.user_id)
    part = (Decimal(quote["payoff"]) / 3).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    on_card = bank.deposit(a.user_id, yuan_to_fen(part))
    print(
        f"\n6. They pay ¥{part} into their card (lending bank deposit; it holds "
        f"¥{fen_to_yuan(on_card)}) and repay it early, today (payoff today would be "
        f"¥{quote['payoff']}: interest only to today, ¥{quote['interest']}).",
        flush=True,
    )
    print(f"   line before: {_line(before)}", flush=True)
    rep = api.call(
        "POST",
        f"/v1/loans/{loan['loanId']}/repayments",
        a.user_id,
        {"amount": str(part)},
        key=str(uuid.uuid4()),
    )
    done = wait_settled(
        api, f"/v1/loans/{loan['loanId']}/repayments/{rep['repaymentId']}", a.user_id
    )
    after = api.call("GET", "/v1/credit-line", a.user_id)
    alloc = done.get("allocation") or {}
    print(
        f"   repayment {done['status']}: principal ¥{alloc.get('principal')}  "
        f"interest ¥{alloc.get('interest')}  penalty ¥{alloc.get('penalty')}",
        flush=True,
    )
    print(f"   line after:  {_line(after)}", flush=True)
    print(f"   card after:  ¥{fen_to_yuan(bank.balance(a.user_id))}", flush=True)
    now = api.call("GET", f"/v1/loans/{loan['loanId']}", a.user_id)
    due = now["nextDue"] or {"date": "-", "principal": "0.00"}
    print(
        f"   loan outstanding principal ¥{now['outstanding']['principal']}; next due "
        f"{due['date']} (¥{due['principal']} principal)",
        flush=True,
    )
    print(
        "\n   `lending ledger check` proves the books: every entry balanced, "
        "lines and loans agree.",
        flush=True,
    )
    return done["status"] == "SUCCEEDED" and Decimal(after["available"]) > Decimal(
        before["available"]
    )
