"""Many collections racing for one account: the balance never goes below zero, and what the
bank took is exactly what the account held, on the fake and on DynamoDB (moto)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.memory import InMemoryRailBook
from chalicelib.rail.port import DECLINED, INSUFFICIENT_FUNDS, SETTLED, RailBook
from chalicelib.rail.sandbox import SandboxRail

THREADS = 12


class Observed:
    """A book that keeps every balance it is asked for: the states the account went through."""

    def __init__(self, book: RailBook) -> None:
        self._book = book
        self.seen: list[int] = []

    def balance(self, account_ref: str) -> int | None:
        held = self._book.balance(account_ref)
        if held is not None:
            self.seen.append(held)
        return held

    def __getattr__(self, name: str):
        return getattr(self._book, name)


class ReadTogether:
    """A book whose first balance read in each thread waits for every thread to read it too:
    all collections size themselves on the same balance, the worst race there is."""

    def __init__(self, book: RailBook, parties: int) -> None:
        self._book = book
        self._barrier = threading.Barrier(parties, timeout=30)
        self._seen = threading.local()

    def balance(self, account_ref: str) -> int | None:
        held = self._book.balance(account_ref)
        if not getattr(self._seen, "read", False):
            self._seen.read = True
            self._barrier.wait()
        return held

    def __getattr__(self, name: str):
        return getattr(self._book, name)


@pytest.fixture(params=["memory", "dynamodb"])
def book(request: pytest.FixtureRequest):
    if request.param == "memory":
        return InMemoryRailBook()
    request.getfixturevalue("atomic_dynamodb")
    return DynamoRailBook(request.getfixturevalue("dynamodb_table"))


def test_racing_collections_never_overdraw(book) -> None:
    # GIVEN ¥10.00 on the card, and 12 collections of ¥1.50 that all see the ¥10.00 at once
    SandboxRail(book).deposit("deposit:1", "card-u", 1_000)
    rail = SandboxRail(ReadTogether(book, THREADS))
    # WHEN they run at once
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda i: rail.collect(f"c{i}", "card-u", 150), range(THREADS)))
    # THEN the bank took exactly the ¥10.00: six whole, one partial ¥1.00, the rest declined
    assert book.balance("card-u") == 0
    taken = sorted(r.amount_fen for r in results if r.status == SETTLED)
    assert sum(taken) == 1_000 and taken == [100] + [150] * 6
    declined = [r for r in results if r.status == DECLINED]
    assert len(declined) == 5 and {r.reason for r in declined} == {INSUFFICIENT_FUNDS}
    # and the bank's record agrees with what each caller was told
    assert sorted(book.all(), key=lambda r: r.key) == sorted(
        [*results, SandboxRail(book).status("deposit:1")], key=lambda r: r.key
    )


def test_collections_racing_deposits_keep_every_fen(book) -> None:
    # GIVEN an empty card; collections and deposits interleave
    observed = Observed(book)
    rail = SandboxRail(observed)

    def act(i: int) -> None:
        if i % 2:
            rail.deposit(f"d{i}", "card-u", 300)
        else:
            rail.collect(f"c{i}", "card-u", 200)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(act, range(4 * THREADS)))
    # THEN the balance is what came in less what went out, never below zero on the way
    assert len(observed.seen) >= THREADS and min(observed.seen) >= 0
    deposited = sum(r.amount_fen for r in book.all() if r.kind == "deposit")
    collected = rail.moved()["collect"]
    assert deposited == 300 * 2 * THREADS
    assert book.balance("card-u") == deposited - collected >= 0
