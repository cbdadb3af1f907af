"""The demo's last part: four months of borrowers' lives on the business clock.

Four more applicants open lines today and draw (the journey's borrower, steps 4-6, lives the
months too, paying on time); then every business day is closed one by one,
as `lending clock advance` closes it (`clock.close_business_day`: the close-of-business
workflow on the engine, then the morning's auto-debits to their end). Between the nights the
borrowers act as people do, through the same API and sandbox bank a developer uses:

- on time: pays each installment into their card two days before it is due; the auto-debit
  collects it, and the third monthly review raises the limit (LIMIT_UP_ON_TIME);
- late: misses the first installment, goes overdue (M1), the line freezes, the reminders come;
  ten days late they pay in, the weekly retry collects, the loan is cured and the line thaws;
  from then on they pay on time (the reviews cut the limit for the late payment);
- never pays: the card stays empty; the loan ages through M1 and M2 into M3;
- early payoff: pays the first installment on time, then everything in the second month.

Each month ends with a few lines per borrower read back from the API (loan status, days past
due and bucket, what was collected, the line's status and limit, the reminders received); the
nightly summaries are condensed into a progress bar. Then the ledger check and the portfolio
report. Only ids are printed, never a name.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from chalicelib.amounts import yuan_to_fen
from chalicelib.money.schedule import add_months

from .bank import Bank
from .clock import LocalCloud, close_business_day
from .demo_money import wait_settled
from .portfolio import yuan

MONTHS = 4
WIDTH = 110  # the console's width when the output is not a terminal
# The never-payer's first installment falls due a month in; at 91 days past due a loan is M4+.
# The story stops at M3, so four months are cut short by the day or two long months add (the
# night of day D leaves the business date at D + 1: that is the day the loan is seen on).
LAST_M3_DPD = 90
PAY_IN_DAYS_BEFORE_DUE = 2
LATE_PAYS_AFTER_DAYS = 10
# The never-payer draws a few days after the others, so their 90th day past due falls after
# the fourth month's due date (and review): the last day of the story, still M3.
NEVER_DRAWS_AFTER_DAYS = 5
EARLY_PAYOFF_AFTER_DAYS = 45

ON_TIME, LATE, NEVER, EARLY = "on time", "late", "never pays", "early payoff"
FIRST = "first borrower"  # the journey's borrower (steps 4-6): keeps paying on time
# what each draws, as a share of the line (the on-time borrower uses the line, which a raise
# asks for: used >= 50 % on the review days)
DRAW_SHARE = {
    ON_TIME: Decimal("0.9"),
    LATE: Decimal("0.6"),
    NEVER: Decimal("0.6"),
    EARLY: Decimal("0.5"),
}
TERM_MONTHS = 6

KIND_TEXT = {
    "DUE_IN_3_DAYS": "due in 3 days",
    "DUE_TODAY": "due today",
    "COLLECTED": "collected",
    "COLLECTION_FAILED": "collection failed",
    "OVERDUE_DAY_1": "overdue day 1",
    "OVERDUE_DAY_7": "overdue day 7",
    "LIMIT_CHANGED": "limit changed",
    "APR_CHANGED": "APR changed",
}


@dataclass
class Borrower:
    role: str
    user_id: str
    draw_on: date
    loan_id: str = ""
    schedule: list[dict[str, Any]] = field(default_factory=list)
    paid_off: bool = False
    seen: set[str] = field(default_factory=set)  # notification and line change ids reported


@dataclass
class Life:
    api: Any
    bank: Bank
    clock: LocalCloud
    opened: date
    say: Callable[[str], None] = print
    borrowers: list[Borrower] = field(default_factory=list)
    events: list[str] = field(default_factory=list)  # what the borrowers did this month

    def get(self, b: Borrower, path: str) -> dict[str, Any]:
        body: dict[str, Any] = self.api.call("GET", path, b.user_id)
        return body

    def draw(self, b: Borrower) -> str | None:
        """Draw a share of the line and spend the payout; what happened, None if it failed."""
        line = self.get(b, "/v1/credit-line")
        amount = (Decimal(line["available"]) * DRAW_SHARE[b.role]).quantize(
            Decimal(100), rounding=ROUND_DOWN
        ) or Decimal(line["available"])
        sub = self.api.call(
            "POST",
            "/v1/loans",
            b.user_id,
            {"amount": f"{amount:.2f}", "termMonths": TERM_MONTHS, "method": "equal-installment"},
            key=str(uuid.uuid4()),
        )
        loan = wait_settled(self.api, f"/v1/loans/{sub['loanId']}", b.user_id)
        if loan["status"] != "ACTIVE":
            print(f"   {b.role}: the draw did not land ({loan.get('failure')})", flush=True)
            return None
        b.loan_id, b.schedule = loan["loanId"], loan["schedule"]
        # the payout is spent: the card is empty until the borrower pays money in
        self.bank.withdraw(b.user_id, self.bank.balance(b.user_id))
        return (
            f"{b.role:<14} {b.user_id}  line {yuan(yuan_to_fen(line['creditLimit']))}  "
            f"grade {line['grade']}  draws {yuan(yuan_to_fen(f'{amount:.2f}'))} over "
            f"{TERM_MONTHS} months: loan {b.loan_id}, "
            f"{yuan(yuan_to_fen(b.schedule[0]['total']))} a month from {b.schedule[0]['dueDate']}"
        )

    def pay_in(self, b: Borrower, fen: int, why: str, day: date) -> None:
        if fen <= 0:
            return
        self.bank.deposit(b.user_id, fen)
        self.events.append(f"{day:%m-%d} {b.role}: pays {yuan(fen)} into the card ({why})")

    def morning(self, day: date) -> None:
        """What the borrowers do on business day `day`, before its night closes."""
        for b in self.borrowers:
            if not b.loan_id and day == b.draw_on:
                drew = self.draw(b)
                self.events.append(f"{day:%m-%d} {drew or b.role + ': the draw failed'}")
            if b.paid_off or not b.loan_id:
                continue
            first_due = date.fromisoformat(b.schedule[0]["dueDate"])
            if b.role == NEVER:
                continue
            if b.role == LATE and day == first_due + timedelta(days=LATE_PAYS_AFTER_DAYS):
                loan = self.get(b, f"/v1/loans/{b.loan_id}")
                # what the overdue reminder said is due, the penalty to the next retry, and
                # next month's installment: more than enough, the debit never takes more
                owed = yuan_to_fen(loan["outstanding"]["penalty"]) + 2 * yuan_to_fen(
                    b.schedule[0]["total"]
                )
                self.pay_in(b, owed, f"{(day - first_due).days} days late", day)
                continue
            if b.role == EARLY and day == self.opened + timedelta(days=EARLY_PAYOFF_AFTER_DAYS):
                self.pay_off(b, day)
                continue
            for row in b.schedule:
                due = date.fromisoformat(row["dueDate"])
                if b.role == LATE and due == first_due:
                    continue  # the missed one
                if day == due - timedelta(days=PAY_IN_DAYS_BEFORE_DUE):
                    short = yuan_to_fen(row["total"]) - self.bank.balance(b.user_id)
                    self.pay_in(b, short, f"installment {row['n']} due {due:%m-%d}", day)

    def pay_off(self, b: Borrower, day: date) -> None:
        quote = self.get(b, f"/v1/loans/{b.loan_id}/payoff-quote")
        fen = yuan_to_fen(quote["payoff"])
        self.bank.deposit(b.user_id, fen)
        rep = self.api.call(
            "POST",
            f"/v1/loans/{b.loan_id}/repayments",
            b.user_id,
            {"amount": quote["payoff"]},
            key=str(uuid.uuid4()),
        )
        done = wait_settled(
            self.api, f"/v1/loans/{b.loan_id}/repayments/{rep['repaymentId']}", b.user_id
        )
        b.paid_off = done["status"] == "SUCCEEDED"
        self.events.append(
            f"{day:%m-%d} {b.role}: pays the loan off early, {yuan(fen)} "
            f"(interest only to today, no fee): repayment {done['status']}"
        )

    def month_report(self, month: int, start: date, end: date) -> None:
        first = max(start + timedelta(days=1), self.opened)
        self.say(f"\n   Month {month}: {first.isoformat()} → {end.isoformat()}")
        for e in self.events:
            self.say(f"     {e}")
        self.events.clear()
        for b in self.borrowers:
            if not b.loan_id:
                continue
            loan = self.get(b, f"/v1/loans/{b.loan_id}")
            line = self.get(b, "/v1/credit-line?limit=20")
            collected = sum(
                sum(yuan_to_fen(v) for v in (r.get("allocation") or {}).values())
                for r in loan.get("repayments", [])
                if r["status"] == "SUCCEEDED" and start < date.fromisoformat(r["date"]) <= end
            )
            state = loan["status"]
            if state in ("ACTIVE", "OVERDUE"):
                state += f" {loan['bucket']}"
                if dpd := loan["daysPastDue"]:
                    state += f" ({dpd} day{'s' if dpd > 1 else ''} past due)"
            self.say(
                f"   {b.role:<14} {b.user_id}  loan {state:<27} collected {yuan(collected):>10}"
                f"  line {line['status']} {yuan(yuan_to_fen(line['creditLimit']))}"
            )
            changes = _line_changes(b, line.get("history", []), start, end)
            if changes:
                self.say(f"   {'':<14} {'; '.join(changes)}")
            inbox = self._inbox(b, start, end)
            if inbox:
                self.say(f"   {'':<14} inbox: {inbox}")

    def _inbox(self, b: Borrower, start: date, end: date) -> str:
        items = self.get(b, "/v1/notifications?limit=100")["notifications"]
        fresh = [
            n
            for n in items
            if n["notificationId"] not in b.seen and date.fromisoformat(n["date"]) <= end
        ]
        b.seen.update(n["notificationId"] for n in fresh)
        counts = Counter(n["kind"] for n in reversed(fresh))  # oldest first
        return ", ".join(
            KIND_TEXT.get(k, k) + (f" ×{c}" if c > 1 else "") for k, c in counts.items()
        )


def _line_changes(b: Borrower, history: list[dict[str, Any]], start: date, end: date) -> list[str]:
    """The line's changes not reported yet, oldest first, each with its business day: reviews
    with their reasons, freezes and thaws."""
    out = []
    for c in reversed(history):
        if c["changeId"] in b.seen or c["kind"] == "OPENED":
            continue
        b.seen.add(c["changeId"])
        reasons = ",".join(r["code"] for r in c.get("reasons", []))
        if c["kind"] == "REVIEW":
            before, after = yuan_to_fen(c["creditLimitBefore"]), yuan_to_fen(c["creditLimit"])
            moved = f"{yuan(before)} → {yuan(after)}" if before != after else "limit kept"
            out.append(f"review {date.fromisoformat(c['date']):%m-%d}: {moved} ({reasons})")
        elif c["status"] != c["statusBefore"]:
            what = {"FROZEN": "line frozen", "ACTIVE": "line thawed"}.get(c["status"], c["status"])
            out.append(f"{what} {date.fromisoformat(c['date']):%m-%d}" if c.get("date") else what)
    return out


def last_day(opened: date, first_due: date) -> date:
    """The last business day the story closes: four months on, unless that would age the
    never-payer past M3."""
    return min(add_months(opened, MONTHS), first_due + timedelta(days=LAST_M3_DPD - 1))


def live(life: Life, progress: bool = True) -> date:
    """Close every business day from today through four months on, the borrowers acting
    between the nights; a report at each month's end. Returns the last day closed."""
    from rich import progress as rp

    opened = life.opened
    never = next(b for b in life.borrowers if b.role == NEVER)
    end = last_day(opened, add_months(never.draw_on, 1))
    month_ends = [min(add_months(opened, m), end) for m in range(1, MONTHS + 1)]
    total = (end - opened).days + 1
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=WIDTH)
    with rp.Progress(
        rp.TextColumn("   closing {task.description}"),
        rp.BarColumn(),
        rp.MofNCompleteColumn(),
        rp.TimeElapsedColumn(),
        disable=not progress,
        transient=True,
        console=console,
    ) as bar:
        task = bar.add_task(opened.isoformat(), total=total)
        life.say = lambda text: bar.console.print(
            text, markup=False, highlight=False, soft_wrap=True
        )
        month, month_start = 1, opened - timedelta(days=1)
        day = opened
        while day <= end:
            bar.update(task, description=day.isoformat())
            life.morning(day)
            # the nightly summaries are condensed into the bar; `lending cob show DAY` has each
            close_business_day(day, life.clock, lambda _text: None)
            bar.advance(task)
            if day == month_ends[month - 1]:
                life.month_report(month, month_start, day)
                month, month_start = month + 1, day
            day += timedelta(days=1)
    life.say = print
    return end


@dataclass(frozen=True)
class Outcome:
    """Where a borrower ended (read back from the API)."""

    role: str
    user_id: str
    loan_status: str
    bucket: str
    days_past_due: int
    line_status: str
    limit_fen: int
    first_limit_fen: int
    line_history: tuple[tuple[str, str, tuple[str, ...]], ...]  # (kind, status, reasons)
    inbox: tuple[str, ...]  # notification kinds, oldest first


def outcomes(life: Life) -> dict[str, Outcome]:
    out = {}
    for b in life.borrowers:
        loan = life.get(b, f"/v1/loans/{b.loan_id}")
        line = life.get(b, "/v1/credit-line?limit=100")
        history = list(reversed(line["history"]))
        inbox = life.get(b, "/v1/notifications?limit=100")["notifications"]
        out[b.role] = Outcome(
            b.role,
            b.user_id,
            loan["status"],
            loan["bucket"],
            loan["daysPastDue"],
            line["status"],
            yuan_to_fen(line["creditLimit"]),
            yuan_to_fen(history[0]["creditLimit"]),
            tuple(
                (c["kind"], c["status"], tuple(r["code"] for r in c.get("reasons", [])))
                for c in history
            ),
            tuple(n["kind"] for n in reversed(inbox)),
        )
    return out


@dataclass(frozen=True)
class Story:
    """How the four months went: each borrower's end, the books, the time the nights took."""

    outcomes: dict[str, Outcome]
    books_ok: bool
    days: int
    seconds: float

    @property
    def as_told(self) -> bool:
        """Did the four lives go as the story says? (The demo exits 1 when not.)"""
        got = self.outcomes
        late_statuses = [s for k, s, _ in got[LATE].line_history if k == "STATUS"]
        return (
            self.books_ok
            and got[ON_TIME].limit_fen > got[ON_TIME].first_limit_fen
            and got[ON_TIME].loan_status == "ACTIVE"
            and late_statuses[-2:] == ["FROZEN", "ACTIVE"]
            and got[LATE].loan_status == "ACTIVE"
            and (got[NEVER].loan_status, got[NEVER].bucket) == ("OVERDUE", "M3")
            and got[EARLY].loan_status == "CLOSED"
        )


def run(
    api: Any,
    bank: Bank,
    clock: LocalCloud,
    table: Any,
    *,
    first: tuple[str, dict[str, Any]] | None = None,
    progress: bool = True,
) -> Story | None:
    """Open the four borrowers' lines, live four months, check the books, print the portfolio
    report; None when a borrower could not even start (not approved, the draw failed).
    `first`: the journey's borrower and their loan (user id, GET /v1/loans/{id}), who lives
    the four months too, paying on time (else their loan would age into M4+ unseen)."""
    from chalicelib.books.dynamo import check_table
    from chalicelib.reports.dynamo import DynamoLoanBook
    from demo.personas import life_cast

    from . import portfolio
    from .demo import apply, upload_documents

    opened = clock.clock.today()
    print(
        "\n7. Four months of life. Four more borrowers apply, open their lines and draw today; "
        "then every night closes\n   on the business clock (the close-of-business workflow, "
        "then the morning's auto-debits), and they live:\n   one pays on time, one pays late, "
        "one never pays, one pays off early.\n",
        flush=True,
    )
    applicants = life_cast(opened)
    docs = upload_documents(api, applicants)
    life = Life(api, bank, clock, opened)
    if first is not None:
        user_id, loan = first
        life.borrowers.append(Borrower(FIRST, user_id, opened, loan["loanId"], loan["schedule"]))
        print(
            f"   {FIRST:<14} {user_id}  (steps 4-6) keeps paying on time: loan {loan['loanId']}",
            flush=True,
        )
    for a in applicants:
        app, _ = apply(api, a, docs[a.label])
        if app["status"] != "APPROVED":
            print(f"   {a.label} ({a.user_id}) was not approved: {app['status']}", flush=True)
            return None
        api.call("POST", f"/v1/applications/{app['applicationId']}/accept", a.user_id)
        later = NEVER_DRAWS_AFTER_DAYS if a.label == NEVER else 0
        b = Borrower(a.label, a.user_id, opened + timedelta(days=later))
        life.borrowers.append(b)
        if later:
            print(f"   {a.label:<14} {a.user_id}  opens a line; draws in {later} days", flush=True)
            continue
        drew = life.draw(b)
        if drew is None:
            return None
        print(f"   {drew}", flush=True)

    started = time.perf_counter()
    end = live(life, progress)
    took = time.perf_counter() - started
    days = (end - opened).days + 1
    print(
        f"   {days} business days closed in {took:.0f} s ({took / days:.2f} s a day); "
        f"`lending cob show {end.isoformat()}` shows a day's summary.",
        flush=True,
    )
    books = check_table(table)
    r = books.ledger
    print(
        f"   ledger check: {'clean' if books.ok else 'FAILED'} ({r.entries} entries, "
        f"{yuan(r.debits_fen)} each side; accrued - collected = receivable per loan)",
        flush=True,
    )
    if not books.ok:
        print(json.dumps(books.as_dict(), indent=2), flush=True)
    print("\n8. The portfolio report (lending portfolio report):\n", flush=True)
    portfolio.main(DynamoLoanBook(table).disbursed_loans(), clock.clock.today())
    return Story(outcomes(life), books.ok, days, took)
