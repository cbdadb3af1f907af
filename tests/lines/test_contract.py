"""One contract, two adapters: the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.books.dynamo import check_ledger
from chalicelib.errors import Conflict, InvalidRequest, NotFound, Unprocessable
from chalicelib.ledger.entries import balances, line_available, line_commitment, line_drawn
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.lines.review import LineReview, review_id
from chalicelib.reasons import Reason

APR = Decimal("0.18")


@pytest.fixture(params=["memory", "dynamodb"])
def lines(request):
    if request.param == "memory":
        return InMemoryCreditLines()
    table = request.getfixturevalue("dynamodb_table")
    return DynamoCreditLines(table)


def _ledger_agrees(lines, user_id: str) -> None:
    line = lines.get_line(user_id)
    bal = balances(lines.entries(user_id))
    assert bal.get(line_available(user_id), 0) == line.available_fen
    assert bal.get(line_drawn(user_id), 0) == line.drawn_fen
    assert -bal.get(line_commitment(user_id), 0) == line.limit_fen
    assert line.available_fen + line.drawn_fen == line.limit_fen


def test_open_is_idempotent_on_application(lines) -> None:
    a = lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    b = lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    assert a == b and a.available_fen == 1_000_000 and a.apr == APR
    with pytest.raises(Conflict):
        lines.open_line("u1", 2_000_000, APR, "A", "app-2")
    assert len(lines.entries("u1")) == 1
    _ledger_agrees(lines, "u1")


@pytest.mark.parametrize("limit,apr", [(4_999, APR), (20_000_001, APR), (100_000, Decimal("0.25"))])
def test_open_refuses_terms_out_of_product(lines, limit, apr) -> None:
    with pytest.raises(Unprocessable):
        lines.open_line("u1", limit, apr, "B", "app-1")


def test_reserve_release_restore(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    lines.reserve("u1", "L1", 300_000)
    line = lines.get_line("u1")
    assert (line.available_fen, line.drawn_fen) == (700_000, 300_000)
    lines.reserve("u1", "L1", 300_000)  # a retry: no-op
    assert lines.get_line("u1").available_fen == 700_000
    with pytest.raises(Conflict):
        lines.reserve("u1", "L1", 200_000)
    with pytest.raises(Unprocessable):
        lines.reserve("u1", "L2", 700_001)
    lines.reserve("u1", "L2", 700_000)
    assert lines.get_line("u1").available_fen == 0
    assert lines.release("u1", "L2").available_fen == 700_000
    assert lines.release("u1", "L2").available_fen == 700_000  # idempotent
    assert lines.release("u1", "never-reserved").available_fen == 700_000
    assert lines.restore("u1", 100_000, "rep-1", "L1").available_fen == 800_000
    assert lines.restore("u1", 100_000, "rep-1", "L1").available_fen == 800_000  # idempotent
    with pytest.raises(Unprocessable):
        lines.restore("u1", 200_001, "rep-2", "L1")
    _ledger_agrees(lines, "u1")


def test_missing_line(lines) -> None:
    with pytest.raises(NotFound):
        lines.reserve("nobody", "L1", 100)
    assert lines.get_line("nobody") is None


def test_change_limit(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    lines.reserve("u1", "L1", 600_000)
    line = lines.change_limit("u1", 2_000_000, "rev-1")
    assert (line.limit_fen, line.available_fen, line.drawn_fen) == (2_000_000, 1_400_000, 600_000)
    assert lines.change_limit("u1", 2_000_000, "rev-1") == line
    with pytest.raises(Unprocessable):
        lines.change_limit("u1", 500_000, "rev-2")
    line = lines.change_limit("u1", 600_000, "rev-3")
    assert line.available_fen == 0
    _ledger_agrees(lines, "u1")


def _one_request_at_a_time(lines, monkeypatch) -> None:
    """moto's backend is not thread-safe (it deep-copies dicts other threads mutate). DynamoDB
    makes each request atomic; a lock around each moto request models exactly that, while our
    adapter's threads still interleave freely between requests (read, then conditional write)."""
    if not isinstance(lines, DynamoCreditLines):
        return
    client = lines._table.meta.client
    original = client._make_api_call
    lock = threading.Lock()

    def serialized(*args, **kwargs):
        with lock:
            return original(*args, **kwargs)

    monkeypatch.setattr(client, "_make_api_call", serialized)


def test_concurrent_reservations_never_exceed_the_line(lines, monkeypatch) -> None:
    _one_request_at_a_time(lines, monkeypatch)
    lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    ok, refused = [], []
    barrier = threading.Barrier(50)

    def draw(i: int) -> None:
        barrier.wait()
        try:
            lines.reserve("u1", f"L{i}", 30_000)  # 50 x 300 yuan asks for 15,000 of 10,000
            ok.append(i)
        except Unprocessable:
            refused.append(i)

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    line = lines.get_line("u1")
    assert len(ok) == 33 and len(refused) == 17
    assert line.drawn_fen == 33 * 30_000 and line.available_fen == 10_000
    _ledger_agrees(lines, "u1")


def test_dynamo_line_passes_ledger_check(dynamodb_table) -> None:
    lines = DynamoCreditLines(dynamodb_table)
    lines.open_line("u1", 1_000_000, APR, "B", "app-1")
    lines.reserve("u1", "L1", 100_000)
    lines.release("u1", "L1")
    report = check_ledger(dynamodb_table)
    assert report.ok, report.as_dict()
    # tamper: the record disagrees with the ledger
    dynamodb_table.update_item(
        Key={"PK": "USER#u1", "SK": "LINE"},
        UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": "availableFen"},
        ExpressionAttributeValues={":a": 1},
    )
    assert check_ledger(dynamodb_table).lines == ["u1"]


# --- status, reviews and the history (issue 11) -------------------------------------------

OPENED = date(2026, 1, 31)
AT = "2026-03-01T16:00:00.000Z"


def _at(n: int) -> str:
    return f"2026-03-{n:02d}T16:00:00.000Z"


def _review(line, on: date, limit_fen: int, apr: str = "0.144", grade: str = "C") -> LineReview:
    return LineReview(
        review_id(line.user_id, on),
        line.user_id,
        on,
        line.limit_fen,
        limit_fen,
        line.apr,
        Decimal(apr),
        line.grade,
        grade,
        (Reason("LIMIT_UP_ON_TIME", "All paid on time."),),
    )


def test_open_keeps_the_opening_day_and_schedules_the_first_review(lines) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    assert line.opened_on == OPENED and line.next_review_on == date(2026, 2, 28)
    assert line.last_reviewed_on is None and line.status == "ACTIVE"
    assert lines.get_line("u1") == line
    page = lines.history("u1", 10, None)
    assert [(c.kind, c.change_id, c.reason_codes) for c in page.items] == [
        ("OPENED", "app-1", ("LINE_OPENED",))
    ]
    assert page.cursor is None


@pytest.mark.parametrize("store", ["memory", "dynamodb"])
def test_open_without_a_day_takes_the_business_date_of_its_clock(request, store) -> None:
    def clock() -> str:
        return "2026-03-01T17:30:00.000Z"  # 01:30 on 2 March in Beijing

    if store == "memory":
        lines = InMemoryCreditLines(clock)
    else:
        lines = DynamoCreditLines(request.getfixturevalue("dynamodb_table"), clock)
    line = lines.open_line("u1", 100_000, APR, "B", "app-1")
    assert line.opened_on == date(2026, 3, 2) and line.next_review_on == date(2026, 4, 2)


def test_a_frozen_line_refuses_reservations_and_a_thaw_reopens_it(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    why = "Loan L1 is 3 days past due; your line reopens once what is due is repaid."
    frozen_on = date(2026, 3, 2)
    assert lines.set_status("u1", "FROZEN", why, _at(1), "line-FROZEN-u1-20260302", frozen_on)
    line = lines.get_line("u1")
    assert (line.status, line.status_reason) == ("FROZEN", why)
    with pytest.raises(Unprocessable, match="FROZEN"):
        lines.reserve("u1", "L2", 100)
    assert lines.set_status("u1", "ACTIVE", "cured", _at(2), "line-ACTIVE-u1-20260303") is True
    lines.reserve("u1", "L2", 100)
    assert lines.get_line("u1").drawn_fen == 100
    kinds = [
        (c.kind, c.status_before, c.status, c.reason_codes)
        for c in lines.history("u1", 10, None).items
    ]
    assert kinds == [
        ("STATUS", "FROZEN", "ACTIVE", ("LINE_THAWED",)),
        ("STATUS", "ACTIVE", "FROZEN", ("LINE_FROZEN",)),
        ("OPENED", "ACTIVE", "ACTIVE", ("LINE_OPENED",)),
    ]
    assert lines.history("u1", 10, None).items[1].reasons[0].text == why
    # the business day a freeze took effect is kept (the local clock's days are not the wall's)
    assert [c.on for c in lines.history("u1", 10, None).items[:2]] == [None, frozen_on]
    _ledger_agrees(lines, "u1")


def test_a_status_change_is_idempotent_per_change_id(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    assert lines.set_status("u1", "FROZEN", "overdue", _at(1), "chg-1") is True
    # the same change retried later (another `at`) changes nothing and writes no history
    assert lines.set_status("u1", "FROZEN", "overdue", _at(5), "chg-1") is False
    assert lines.set_status("u1", "ACTIVE", "cured", _at(6), "chg-2") is True
    # a retry of the freeze after the thaw must not freeze again
    assert lines.set_status("u1", "FROZEN", "overdue", _at(7), "chg-1") is False
    assert lines.get_line("u1").status == "ACTIVE"
    # a status the line has already: nothing to record
    assert lines.set_status("u1", "ACTIVE", "cured", _at(8), "chg-3") is False
    assert len(lines.history("u1", 10, None).items) == 3


@pytest.mark.parametrize(
    "status,reason,change_id,at",
    [
        ("SUSPENDED", "x", "c", AT),
        ("FROZEN", "", "c", AT),
        ("FROZEN", "x", "", AT),
        ("FROZEN", "x", "a#b", AT),
        ("FROZEN", "x", "c", "yesterday"),
    ],
)
def test_set_status_refuses_what_is_not_a_change(lines, status, reason, change_id, at) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    with pytest.raises(Unprocessable):
        lines.set_status("u1", status, reason, at, change_id)
    with pytest.raises(NotFound):
        lines.set_status("nobody", "FROZEN", "x", AT, "c")
    assert lines.get_line("u1").status == "ACTIVE"


def test_a_review_moves_limit_apr_and_grade_and_schedules_the_next(lines) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    lines.reserve("u1", "L1", 400_000)
    on = date(2026, 2, 28)
    review = _review(line, on, 1_150_000, apr="0.108", grade="B")
    assert lines.apply_review("u1", review, AT) is True
    after = lines.get_line("u1")
    assert (after.limit_fen, after.available_fen, after.drawn_fen) == (1_150_000, 750_000, 400_000)
    assert (after.apr, after.grade) == (Decimal("0.108"), "B")
    assert after.last_reviewed_on == on and after.next_review_on == date(2026, 3, 31)
    # idempotent on the review id: a retry changes nothing
    assert lines.apply_review("u1", review, _at(2)) is False
    assert lines.get_line("u1") == after
    top = lines.history("u1", 1, None).items[0]
    assert (top.kind, top.change_id, top.on, top.next_review_on) == (
        "REVIEW",
        review.review_id,
        on,
        date(2026, 3, 31),
    )
    assert (top.limit_before_fen, top.limit_fen, top.apr_before, top.apr) == (
        1_000_000,
        1_150_000,
        APR,
        Decimal("0.108"),
    )
    assert top.reason_codes == ("LIMIT_UP_ON_TIME",)
    _ledger_agrees(lines, "u1")


def test_a_review_that_keeps_the_terms_is_still_recorded_with_no_entry(lines) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    entries = len(lines.entries("u1"))
    review = _review(line, date(2026, 2, 28), 1_000_000, apr=str(APR), grade="B")
    assert lines.apply_review("u1", review, AT) is True
    assert len(lines.entries("u1")) == entries
    assert lines.history("u1", 1, None).items[0].kind == "REVIEW"
    assert lines.get_line("u1").next_review_on == date(2026, 3, 31)


def test_a_review_never_cuts_below_what_a_concurrent_draw_took(lines) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    lines.reserve("u1", "L1", 300_000)
    # computed while 300,000 was drawn: cut to exactly that ...
    review = _review(line, date(2026, 2, 28), 300_000)
    lines.reserve("u1", "L2", 50_000)  # ... then a draw lands before the review is written
    with pytest.raises(Conflict, match="drawn"):
        lines.apply_review("u1", review, AT)
    after = lines.get_line("u1")
    assert (after.limit_fen, after.drawn_fen, after.available_fen) == (1_000_000, 350_000, 650_000)
    assert after.last_reviewed_on is None
    assert [c.kind for c in lines.history("u1", 10, None).items] == ["OPENED"]
    _ledger_agrees(lines, "u1")


def test_a_review_of_a_line_that_changed_since_is_refused(lines) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    stale = _review(line, date(2026, 2, 28), 1_100_000)
    lines.apply_review("u1", _review(line, date(2026, 2, 27), 1_200_000), AT)
    with pytest.raises(Conflict, match="changed"):
        lines.apply_review("u1", stale, _at(2))
    assert lines.get_line("u1").limit_fen == 1_200_000


@pytest.mark.parametrize(
    "limit,apr", [(4_999, "0.144"), (20_000_001, "0.144"), (100_000, "0.25"), (100_000, "0.05")]
)
def test_a_review_stays_within_the_product(lines, limit, apr) -> None:
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    with pytest.raises(Unprocessable):
        lines.apply_review("u1", _review(line, date(2026, 2, 28), limit, apr=apr), AT)
    assert lines.get_line("u1") == line


def test_history_pages_newest_first(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    for n in range(1, 6):
        status = "FROZEN" if n % 2 else "ACTIVE"
        assert lines.set_status("u1", status, "why", _at(n), f"chg-{n}")
    first = lines.history("u1", 2, None)
    assert [c.change_id for c in first.items] == ["chg-5", "chg-4"]
    second = lines.history("u1", 2, first.cursor)
    assert [c.change_id for c in second.items] == ["chg-3", "chg-2"]
    last = lines.history("u1", 2, second.cursor)
    assert [c.change_id for c in last.items] == ["chg-1", "app-1"] and last.cursor is None
    assert lines.history("nobody", 5, None).items == ()
    for bad in ("not a cursor!", "eHl6", "A" * 700):
        with pytest.raises(InvalidRequest) as e:
            lines.history("u1", 2, bad)
        assert e.value.field == "cursor"
    for bad_limit in (0, 101, "5"):
        with pytest.raises(InvalidRequest) as e:
            lines.history("u1", bad_limit, None)
        assert e.value.field == "limit"


def test_reviews_racing_draws_keep_the_line_whole(lines, monkeypatch) -> None:
    """A review computed on a line read before concurrent draws: it applies or is refused, and
    the line never has a limit below what is drawn."""
    _one_request_at_a_time(lines, monkeypatch)
    line = lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    barrier = threading.Barrier(11)
    outcome: list[str] = []

    def draw(i: int) -> None:
        barrier.wait()
        try:
            lines.reserve("u1", f"L{i}", 60_000)
        except Unprocessable:
            pass

    def review() -> None:
        barrier.wait()
        try:
            lines.apply_review("u1", _review(line, date(2026, 2, 28), 300_000), AT)
            outcome.append("applied")
        except Conflict:
            outcome.append("refused")

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(10)]
    threads.append(threading.Thread(target=review))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = lines.get_line("u1")
    assert after.drawn_fen <= after.limit_fen
    assert after.limit_fen == (300_000 if outcome == ["applied"] else 1_000_000)
    _ledger_agrees(lines, "u1")


def test_the_close_of_business_lists_frozen_lines_and_lines_due_for_review(lines) -> None:
    lines.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)  # review 2026-02-28
    lines.open_line("u2", 1_000_000, APR, "B", "app-2", opened_on=date(2026, 1, 10))  # 02-10
    week = timedelta(days=7)
    assert lines.lines_to_close(date(2026, 2, 9), date(2026, 2, 9) - week) == []
    assert lines.lines_to_close(date(2026, 2, 10), date(2026, 2, 10) - week) == ["u2"]
    # a review date missed by a failed night is still listed within the catch-up window
    assert lines.lines_to_close(date(2026, 2, 12), date(2026, 2, 5)) == ["u2"]
    # frozen: listed every day until thawed
    lines.set_status("u1", "FROZEN", "Loan L1 is 1 day overdue.", AT, "u1:FROZEN:2026-02-01")
    assert lines.lines_to_close(date(2026, 2, 1), date(2026, 2, 1)) == ["u1"]
    assert lines.lines_to_close(date(2026, 2, 10), date(2026, 2, 10)) == ["u1", "u2"]
    lines.set_status("u1", "ACTIVE", "Nothing overdue.", _at(2), "u1:ACTIVE:2026-02-03")
    assert lines.lines_to_close(date(2026, 2, 3), date(2026, 2, 3)) == []
    # a review moves the line to its next review date
    line = lines.get_line("u1")
    lines.apply_review("u1", _review(line, date(2026, 2, 28), 1_200_000), _at(3))
    assert lines.lines_to_close(date(2026, 2, 28), date(2026, 2, 28)) == []
    nxt = lines.get_line("u1").next_review_on
    assert nxt > date(2026, 2, 28) and lines.lines_to_close(nxt, nxt) == ["u1"]


def test_a_change_from_a_line_read_before_another_writer_moved_it_stays_true(
    dynamodb_table,
) -> None:
    """The close of business reads a line (get_line) and then changes it; the change's first
    attempt uses that read. Another function (a draw, a review) moving the line in between must
    never be undone or doubled: the writes are conditioned on what was read."""
    close, api = DynamoCreditLines(dynamodb_table), DynamoCreditLines(dynamodb_table)
    line = close.open_line("u1", 1_000_000, APR, "B", "app-1", opened_on=OPENED)
    close.get_line("u1")
    api.reserve("u1", "L1", 300_000)  # a draw lands after the close read the line
    api.set_status("u1", "FROZEN", "Loan L0 is overdue.", AT, "u1:FROZEN:1")
    assert close.set_status("u1", "FROZEN", "Loan L0 is overdue.", _at(2), "u1:FROZEN:2") is False
    close.get_line("u1")
    api.apply_review("u1", _review(api.get_line("u1"), date(2026, 2, 27), 1_000_000), _at(3))
    with pytest.raises(Conflict):  # computed on the line as read before the other review
        close.apply_review("u1", _review(line, date(2026, 2, 28), 300_000), _at(4))
    after = close.get_line("u1")
    assert (after.status, after.limit_fen, after.drawn_fen) == ("FROZEN", 1_000_000, 300_000)
    kinds = [c.kind for c in close.history("u1", 10, None).items]
    assert kinds == ["REVIEW", "STATUS", "OPENED"]
    _ledger_agrees(close, "u1")
