"""A line's close of business (`LineServicing.close_line`) over the in-memory stores: freeze
and thaw from the loans' standing, the monthly review with its re-grade and notifications,
re-runs of a day changing nothing, a draw racing the review. And the re-grade's rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.errors import NotFound, Unprocessable
from chalicelib.lines.freeze import LINE_ACTIVE, LINE_FROZEN
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.lines.regrade import regrade
from chalicelib.lines.review import Behaviour, LineReview, review_id
from chalicelib.lines.servicing import LineServicing, review_due, status_change_id
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import LoanRecord
from chalicelib.money.delinquency import due_fen
from chalicelib.money.notifications import APR_CHANGED, LIMIT_CHANGED
from chalicelib.money.schedule import ACTUAL_360, build_schedule
from chalicelib.money.servicing import book_payment, position
from chalicelib.notifications.memory import InMemoryEventBus, InMemoryNotificationStore
from chalicelib.notifications.service import NotificationService

OPENED = date(2025, 1, 10)
AT = "2025-01-10T08:00:00.000Z"
USER = "user-1"


class World:
    def __init__(self, limit_fen: int = 1_000_000, grade: str = "C") -> None:
        self.lines = InMemoryCreditLines()
        self.loans = InMemoryLoans()
        self.store = InMemoryNotificationStore()
        self.bus = InMemoryEventBus()
        self.notifier = NotificationService(self.store, self.bus, lambda: AT)
        self.servicing = LineServicing(self.lines, self.loans, self.notifier.notify)
        apr = {"B": "0.1080", "C": "0.1440", "D": "0.1825"}[grade]
        self.lines.open_line(USER, limit_fen, Decimal(apr), grade, "app-1", opened_on=OPENED)

    def draw(self, loan_id: str, fen: int, months: int = 12, start: date = OPENED) -> LoanRecord:
        line = self.lines.get_line(USER)
        s = build_schedule(fen, line.apr, months, start, day_count=ACTUAL_360)
        self.lines.reserve(USER, loan_id, fen)
        self.loans.create(LoanRecord.from_schedule(loan_id, USER, s, f"card-{USER}", AT))
        return self.loans.disburse(loan_id, AT)

    def pay(self, loan_id: str, on: date, fen: int | None = None) -> LoanRecord:
        loan = self.loans.get(loan_id)
        amount = due_fen(position(loan.servicing(), on)) if fen is None else fen
        _, pay = book_payment(loan.servicing(), f"rep-{loan_id}-{on}", on, amount)
        return self.loans.post_repayment(loan_id, pay, loan.version, AT)

    def pay_on_time(self, loan_id: str, through: date, after: date = OPENED) -> None:
        for d in self.loans.get(loan_id).due_dates:
            if after < d <= through:
                self.pay(loan_id, d)

    def close(self, day: date, at: str = AT):
        return self.servicing.close_line(USER, day, at)

    def history(self):
        return self.lines.history(USER, 100, None).items


def test_an_overdue_loan_freezes_the_line_once_and_paying_thaws_it() -> None:
    w = World()
    loan = w.draw("L1", 300_000)
    due = loan.due_dates[0]
    assert w.close(due).status == LINE_ACTIVE  # due today, not overdue yet
    late = due + timedelta(days=1)
    out = w.close(late)
    assert (out.status_before, out.status, out.frozen, out.thawed) == (
        LINE_ACTIVE,
        LINE_FROZEN,
        True,
        False,
    )
    assert out.reason_codes == ("LOAN_OVERDUE",)
    line = w.lines.get_line(USER)
    assert "Loan L1 is 1 days past due" in line.status_reason
    with pytest.raises(Unprocessable):
        w.lines.reserve(USER, "L2", 100)
    # a re-run of the same day (a retried batch) changes nothing
    again = w.close(late, "2025-02-11T09:00:00.000Z")
    assert (again.status, again.frozen) == (LINE_FROZEN, False)
    statuses = [c for c in w.history() if c.kind == "STATUS"]
    assert [c.change_id for c in statuses] == [status_change_id(USER, late, LINE_FROZEN)]
    # still overdue a week later: frozen, nothing new
    assert w.close(late + timedelta(days=6)).frozen is False
    # the borrower pays what is due: the next close thaws the line
    paid_on = late + timedelta(days=7)
    w.pay("L1", paid_on)
    out = w.close(paid_on)
    assert (out.status, out.thawed) == (LINE_ACTIVE, True)
    assert w.lines.get_line(USER).status == LINE_ACTIVE
    assert [c.reason_codes for c in w.history() if c.kind == "STATUS"] == [
        ("LINE_THAWED",),
        ("LINE_FROZEN",),
    ]


def test_no_review_before_the_review_day_and_one_on_it() -> None:
    w = World()
    w.draw("L1", 300_000)
    line = w.lines.get_line(USER)
    assert line.next_review_on == date(2025, 2, 10)
    assert not review_due(line, date(2025, 2, 9)) and review_due(line, date(2025, 2, 10))
    assert w.close(date(2025, 2, 9)).reviewed is False
    w.pay_on_time("L1", date(2025, 2, 10))
    out = w.close(date(2025, 2, 10))
    assert out.reviewed and out.reason_codes[:1] == ("REVIEW_TOO_NEW",)
    assert (out.limit_before_fen, out.limit_fen) == (1_000_000, 1_000_000)
    line = w.lines.get_line(USER)
    assert line.last_reviewed_on == date(2025, 2, 10) and line.next_review_on == date(2025, 3, 10)
    assert out.notifications == ()  # nothing changed: nothing to tell


def test_an_on_time_borrower_using_the_line_is_raised_and_regraded_and_told_once() -> None:
    w = World(grade="C")
    w.draw("L1", 700_000)
    raised_on = date(2025, 4, 10)  # three months on book, three installments paid on time
    w.pay_on_time("L1", raised_on)
    for d in (date(2025, 2, 10), date(2025, 3, 10)):  # the monthly reviews before: too new
        assert w.close(d).reason_codes == ("REVIEW_TOO_NEW",)
    out = w.close(raised_on)
    assert out.reviewed
    # LIMIT_UP_ON_TIME by grade C's step (+10 %); the grade waits for six clean months
    assert out.reason_codes == ("LIMIT_UP_ON_TIME",)
    assert (out.limit_before_fen, out.limit_fen) == (1_000_000, 1_100_000)
    assert out.apr == out.apr_before == Decimal("0.1440")
    assert [n.kind for n in out.notifications] == [LIMIT_CHANGED]
    assert {n.subject for n in out.notifications} == {review_id(USER, raised_on)}
    published = list(w.bus.keys())
    assert published[-1:] == [n.key for n in out.notifications]
    # a re-run of the day: no second raise, the same notifications, stored and sent once
    again = w.close(raised_on, "2025-04-11T01:00:00.000Z")
    assert again.reviewed is False and w.lines.get_line(USER).limit_fen == 1_100_000
    assert {n.key for n in again.notifications} == {n.key for n in out.notifications}
    assert w.bus.keys() == published
    top = w.history()[0]
    assert (top.kind, top.change_id, top.limit_fen) == (
        "REVIEW",
        review_id(USER, raised_on),
        1_100_000,
    )

    # six months on book, six installments on time: re-graded C -> B, the APR for new draws
    # is B's rate step; the limit stays (the line is now used less than half, on average)
    day = date(2025, 7, 10)
    w.pay_on_time("L1", day, after=raised_on)
    # (the fourth review raises the line by C's step once more: still used more than half)
    assert w.close(date(2025, 5, 10)).reason_codes == ("LIMIT_UP_ON_TIME",)
    assert w.close(date(2025, 6, 10)).reason_codes == ("LIMIT_KEPT",)
    out = w.close(day)
    assert out.reason_codes == ("LIMIT_KEPT", "APR_DOWN_REGRADE", "REGRADE_ON_TIME")
    assert (out.apr_before, out.apr) == (Decimal("0.1440"), Decimal("0.1080"))
    line = w.lines.get_line(USER)
    assert (line.limit_fen, line.apr, line.grade) == (1_210_000, Decimal("0.1080"), "B")
    assert line.available_fen == 1_210_000 - line.drawn_fen
    assert [n.kind for n in out.notifications] == [APR_CHANGED]
    # the draws after the review are priced at the new APR; the signed loan keeps its rate
    assert w.loans.get("L1").apr == Decimal("0.1440")


def test_a_crash_between_the_review_and_the_notifications_is_told_by_the_rerun() -> None:
    w = World(grade="C")
    w.draw("L1", 700_000)
    day = date(2025, 7, 10)
    w.pay_on_time("L1", day)
    sent: list[str] = []

    def crash(notifications) -> None:
        raise RuntimeError("the Lambda died here")

    w.servicing.notify = crash
    for d in (date(2025, m, 10) for m in range(2, 7)):
        w.lines.apply_review(USER, _kept(w, d), AT)
    with pytest.raises(RuntimeError):
        w.close(day)
    assert w.lines.get_line(USER).limit_fen == 1_150_000  # the review itself was applied
    w.servicing.notify = lambda ns: sent.extend(n.key for n in ns)
    out = w.close(day)
    assert out.reviewed is False
    assert sorted(sent) == sorted(
        [f"LIMIT_CHANGED:{review_id(USER, day)}:{day}", f"APR_CHANGED:{review_id(USER, day)}:{day}"]
    )


def _kept(w: World, on: date) -> LineReview:
    """A review that keeps the line as it is (to move the review date along in a test)."""
    line = w.lines.get_line(USER)
    from chalicelib.reasons import Reason

    return LineReview(
        review_id(USER, on),
        USER,
        on,
        line.limit_fen,
        line.limit_fen,
        line.apr,
        line.apr,
        line.grade,
        line.grade,
        (Reason("LIMIT_KEPT", "kept"),),
    )


def test_a_late_borrower_is_cut_and_repriced_on_the_review_day() -> None:
    w = World(grade="C")
    loan = w.draw("L1", 600_000)
    # the first installment paid 12 days late, the rest on time
    w.pay("L1", loan.due_dates[0] + timedelta(days=12))
    day = date(2025, 4, 10)
    for d in loan.due_dates[1:]:
        if d <= day:
            w.pay("L1", d)
    w.lines.apply_review(USER, _kept(w, date(2025, 2, 10)), AT)  # before the late payment
    out = w.close(day)  # the first review after it (the March one, caught up)
    assert out.reviewed and out.status == LINE_ACTIVE
    # cut 20% (LIMIT_CUT_LATE); re-graded C -> D: the APR for new draws goes up
    assert out.reason_codes == ("LIMIT_CUT_LATE", "APR_UP_REGRADE", "REGRADE_LATE")
    assert (out.limit_fen, out.apr) == (800_000, Decimal("0.1825"))
    assert w.lines.get_line(USER).grade == "D"
    # the next review does not punish the same late payment again: kept, still D, and no
    # raise while the window holds it
    later = w.lines.get_line(USER).next_review_on
    assert later is not None
    for d in loan.due_dates:
        if day < d <= later:
            w.pay("L1", d)
    again = w.close(later)
    assert again.reviewed and again.reason_codes == ("LIMIT_KEPT",)
    assert (again.limit_fen, again.apr) == (800_000, Decimal("0.1825"))


def test_an_overdue_line_is_frozen_and_its_review_deferred() -> None:
    w = World()
    loan = w.draw("L1", 300_000)
    w.lines.apply_review(USER, _kept(w, date(2025, 2, 10)), AT)  # move to the March review
    day = date(2025, 3, 10)
    assert loan.due_dates[0] < day  # the February installment was never paid
    out = w.close(day)
    assert out.frozen and out.reviewed
    assert out.reason_codes == ("LOAN_OVERDUE", "REVIEW_DEFERRED_OVERDUE")
    assert (out.limit_fen, out.apr) == (out.limit_before_fen, out.apr_before)
    assert w.lines.get_line(USER).next_review_on == date(2025, 4, 10)


def test_a_missed_review_day_is_caught_up_by_the_next_close() -> None:
    w = World()
    w.draw("L1", 300_000)
    w.pay_on_time("L1", date(2025, 2, 12))
    out = w.close(date(2025, 2, 12))  # no close ran on the 10th or 11th
    assert out.reviewed
    assert w.lines.get_line(USER).next_review_on == date(2025, 3, 10)


def test_a_draw_racing_the_review_makes_it_review_the_line_as_it_is() -> None:
    w = World(grade="C")
    loan = w.draw("L1", 600_000)
    w.pay("L1", loan.due_dates[0] + timedelta(days=12))  # late once: the review cuts 20%
    day = date(2025, 3, 10)
    w.pay("L1", loan.due_dates[1])
    w.lines.apply_review(USER, _kept(w, date(2025, 2, 10)), AT)
    calls: list[LineReview] = []

    class Racing:
        """The store, with a draw of 300,000 landing between the review's read and its write."""

        def __getattr__(self, name):
            return getattr(w.lines, name)

        def apply_review(self, user_id, review, at):
            calls.append(review)
            if len(calls) == 1:
                w.lines.reserve(USER, "L2", 300_000)  # drawn 900,000 > the cut to 800,000
            return w.lines.apply_review(user_id, review, at)

    w.servicing.lines = Racing()  # type: ignore[assignment]
    out = w.close(day)
    assert [c.limit_fen for c in calls] == [800_000, 900_000]
    assert out.reviewed and "LIMIT_HELD_AT_BALANCE" in out.reason_codes
    line = w.lines.get_line(USER)
    assert (line.limit_fen, line.drawn_fen, line.available_fen) == (900_000, 900_000, 0)


def test_closing_a_user_without_a_line_is_not_found() -> None:
    w = World()
    with pytest.raises(NotFound):
        w.servicing.close_line("nobody", OPENED, AT)


# --- the re-grade ------------------------------------------------------------------------


def _b(**kw) -> Behaviour:
    base = dict(
        months_on_book=8,
        installments_due=8,
        installments_on_time=8,
        max_dpd=0,
        current_dpd=0,
        utilisation=Decimal("0.5"),
        drawn_fen=0,
        grade="C",
    )
    return Behaviour(**(base | kw))


@pytest.mark.parametrize(
    "grade,kw,expected,code",
    [
        ("C", {}, "B", "REGRADE_ON_TIME"),
        ("A", {}, "A", None),  # already the best grade
        ("C", {"installments_on_time": 7}, "C", None),  # one paid after its due date's end
        ("C", {"months_on_book": 5}, "C", None),
        ("C", {"installments_due": 5, "installments_on_time": 5}, "C", None),
        ("C", {"max_dpd": 1}, "D", "REGRADE_LATE"),
        ("C", {"max_dpd": 29}, "D", "REGRADE_LATE"),
        ("C", {"max_dpd": 30}, "E", "REGRADE_LATE_30"),
        ("D", {"max_dpd": 90}, "E", "REGRADE_LATE_30"),  # never worse than E
        ("E", {"max_dpd": 5}, "E", None),
    ],
)
def test_regrade_rules(grade, kw, expected, code) -> None:
    r = regrade(grade, _b(**kw))
    assert r.grade == expected
    assert (r.reason.code if r.reason else None) == code


def test_regrade_refuses_an_unknown_grade() -> None:
    with pytest.raises(ValueError):
        regrade("Z", _b())
