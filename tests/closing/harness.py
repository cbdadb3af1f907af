"""A close of business over fakes: loans, requests, notifications, files and days in memory,
the repayment workflow recorded (tests/closing) or run by hand with the real steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from chalicelib.books.check import check_ledger_items
from chalicelib.borrowing.handoffs import RepaymentState
from chalicelib.borrowing.repayment import RepaymentSteps
from chalicelib.borrowing.requests.memory import InMemoryMoneyRequests
from chalicelib.closing.auto_debit import AutoDebits
from chalicelib.closing.close_lines import CloseLines
from chalicelib.closing.close_loans import CloseLoans
from chalicelib.closing.day_summary import WriteDaySummary
from chalicelib.closing.failure import RecordFailure
from chalicelib.closing.handoffs import Batch, BatchClosed, Day, LineBatch, LinesClosed
from chalicelib.closing.memory import InMemoryWorkFiles
from chalicelib.closing.work_list import WriteWorkList
from chalicelib.cobdays.memory import InMemoryCobDays
from chalicelib.errors import CollectionDeclined, NothingToCollect
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.lines.servicing import LineServicing
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import LoanRecord
from chalicelib.money.schedule import ACTUAL_360, EQUAL_INSTALLMENT, build_schedule
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.notifications.service import NotificationService
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.sandbox import SandboxRail
from chalicelib.workflows.memory import RecordingWorkflows

AT = "2030-01-01T00:00:00.000Z"
REPAYMENT_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:repayment"
START = date(2030, 1, 10)  # due on the 10th of each month


def loan_id(n: int) -> str:
    return f"loan_{n:026d}"


@dataclass
class Cob:
    loans: InMemoryLoans = field(default_factory=InMemoryLoans)
    lines: InMemoryCreditLines = field(default_factory=InMemoryCreditLines)
    requests: InMemoryMoneyRequests = field(default_factory=InMemoryMoneyRequests)
    workflows: RecordingWorkflows = field(default_factory=RecordingWorkflows)
    files: InMemoryWorkFiles = field(default_factory=InMemoryWorkFiles)
    days: InMemoryCobDays = field(default_factory=InMemoryCobDays)
    store: InMemoryNotificationStore = field(default_factory=InMemoryNotificationStore)
    bus: InMemoryEventBus = field(default_factory=InMemoryEventBus)
    rail: SandboxRail = field(default_factory=lambda: SandboxRail(InMemoryRailBook()))

    def __post_init__(self) -> None:
        now = lambda: AT  # noqa: E731
        self.notices = NotificationService(self.store, self.bus, now)
        self.debits = AutoDebits(self.requests, self.loans, self.workflows, REPAYMENT_ARN, now)
        self.servicing = LineServicing(self.lines, self.loans, self.notices.notify)
        self.close_lines = CloseLines(self.servicing, now)
        self.close = CloseLoans(
            self.loans, self.debits, self.notices.notify, now, follow_lines=self.close_lines.follow
        )
        self.work_list = WriteWorkList(
            self.loans, self.lines, self.files, self.days, "close-of-business/"
        )
        self.summary = WriteDaySummary(self.files, self.days, now)
        self.failure = RecordFailure(self.days, now)
        self.repayment = RepaymentSteps(
            self.requests, self.lines, self.loans, self.rail, now, self.notices.notify
        )

    def lend(
        self,
        n: int,
        user: str = "u1",
        amount: int = 600_000,
        months: int = 6,
        start: date = START,
        method: str = EQUAL_INSTALLMENT,
        disburse: bool = True,
    ) -> LoanRecord:
        """A disbursed loan (its line reserved as a draw would) on `start`."""
        if self.lines.get_line(user) is None:
            self.lines.open_line(
                user, 20_000_000, Decimal("0.12"), "B", f"app-{user}", opened_on=start
            )
        s = build_schedule(amount, Decimal("0.12"), months, start, method, ACTUAL_360)
        rec = LoanRecord.from_schedule(loan_id(n), user, s, f"card-{user}", AT)
        self.lines.reserve(user, rec.loan_id, amount)
        self.loans.create(rec)
        return self.loans.disburse(rec.loan_id, AT) if disburse else rec

    def night(self, day: date, ids: list[str] | None = None) -> BatchClosed:
        ids = ids if ids is not None else sorted(self.loans.open_loan_ids())
        return self.close(Batch(businessDate=day.isoformat(), loanIds=ids))

    def work(self, day: date) -> list[str]:
        w = self.work_list(Day(businessDate=day.isoformat()))
        ids: list[str] = self.files.get_json(w.key)
        return ids

    def lines_of(self, day: date) -> list[str]:
        w = self.work_list(Day(businessDate=day.isoformat()))
        users: list[str] = self.files.get_json(w.linesKey)
        return users

    def lines_night(self, day: date) -> LinesClosed:
        """The lines' Map of the night of `day`, as one batch."""
        return self.close_lines(LineBatch(businessDate=day.isoformat(), userIds=self.lines_of(day)))

    def run_debit(self, order_id: str, loan: str) -> RepaymentState:
        """The repayment workflow's steps for an auto-debit, as the ASL runs them."""
        s = RepaymentState(loanId=loan, repaymentId=order_id)
        try:
            s = s.model_copy(update={"quote": self.repayment.quote_repayment(s)})
            s = s.model_copy(update={"collection": self.repayment.collect_repayment(s)})
            s = s.model_copy(update={"posted": self.repayment.post_repayment(s)})
            s = s.model_copy(update={"restored": self.repayment.restore_line(s)})
        except (CollectionDeclined, NothingToCollect) as exc:
            s = s.model_copy(update={"error": {"Error": type(exc).__name__}})
            s = s.model_copy(update={"result": self.repayment.record_failure(s)})
        self.repayment.notify_borrower(s)
        return s

    def books_ok(self) -> bool:
        report = check_ledger_items([*self.lines.items(), *self.loans.items()])
        assert report.ok, report.as_dict()
        return True
