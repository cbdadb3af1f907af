"""One contract, two adapters: the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from chalicelib.books.dynamo import check_ledger
from chalicelib.errors import Conflict, NotFound, Unprocessable
from chalicelib.ledger.entries import balances, line_available, line_commitment, line_drawn
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.lines.memory import InMemoryCreditLines

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
