"""Ledger domain and the DynamoDB request builders (pure), plus check_ledger catching damage."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from chalicelib.books.check import check_ledger_items, reconcile_rail
from chalicelib.books.dynamo import check_ledger
from chalicelib.ledger import entries as le
from chalicelib.ledger.records import entry_from_item, entry_item, put_entry_tx
from chalicelib.lines.dynamo import move_line_tx, set_limit_tx
from chalicelib.lines.memory import InMemoryCreditLines
from chalicelib.loans.dynamo import servicing_tx, set_status_tx
from chalicelib.loans.memory import InMemoryLoans
from chalicelib.loans.port import LoanRecord
from chalicelib.money.accrual import Book
from chalicelib.money.schedule import build_schedule
from chalicelib.money.servicing import Payment

AT = "2024-06-01T00:00:00Z"


def test_entries_balance_and_refuse_imbalance() -> None:
    e = le.repayment_entry("u", "L", "r1", 900, 80, 20, AT, suspense_fen=5)
    assert e.debits == e.credits == 1_005
    with pytest.raises(le.Unbalanced):
        le.JournalEntry("k", "x", "LOAN#L", (le.Posting("a", 10, 0), le.Posting("b", 0, 9)), AT)
    with pytest.raises(ValueError):
        le.Posting("a", 0, 0)
    with pytest.raises(ValueError):
        le.Posting("a", -1, 0)


def test_balances_derive_from_entries() -> None:
    es = [
        le.open_line_entry("u", "app", 100_000, AT),
        le.reserve_entry("u", "L", 30_000, AT),
        le.disbursement_entry("u", "L", 30_000, AT),
        le.repayment_entry("u", "L", "r1", 10_000, 500, 0, AT),
        le.restore_entry("u", "r1", 10_000, AT, "L"),
    ]
    b = le.balances(es)
    assert b[le.line_available("u")] == 80_000 and b[le.line_drawn("u")] == 20_000
    assert b[le.loan_principal("L")] == 20_000
    assert b[le.CASH_CLEARING] == -30_000 + 10_500
    assert sum(b.values()) == 0


def test_entry_item_round_trip_and_put_is_conditional() -> None:
    e = le.disbursement_entry("u", "L", 30_000, AT)
    item = entry_item(e)
    assert (item["PK"], item["SK"]) == ("LOAN#L", "ENTRY#disburse:L")
    assert entry_from_item(item) == e
    put = put_entry_tx("T", e)["Put"]
    assert put["ConditionExpression"] == "attribute_not_exists(#pk)"
    assert put["ExpressionAttributeNames"] == {"#pk": "PK"}


def test_line_builders_guard_with_conditions() -> None:
    reserve = move_line_tx("T", "u", 500, AT)["Update"]
    assert "#av >= :a" in reserve["ConditionExpression"]
    assert reserve["ExpressionAttributeValues"][":a"] == 500
    release = move_line_tx("T", "u", -500, AT)["Update"]
    assert "#dr >= :a" in release["ConditionExpression"]
    limit = set_limit_tx("T", "u", 9, 4, 7, AT)["Update"]
    assert limit["ConditionExpression"] == "#ver = :ver"
    assert limit["ExpressionAttributeValues"][":next"] == 8
    for req in (reserve, release, limit):
        used = {t for t in req["UpdateExpression"].split() if t.startswith("#")}
        assert {u.rstrip(",") for u in used} <= set(req["ExpressionAttributeNames"])


def test_loan_builders_guard_with_conditions() -> None:
    st = set_status_tx("T", "L", "PENDING", "ACTIVE", AT, 100)["Update"]
    assert st["ConditionExpression"] == "#st = :from"
    assert st["ExpressionAttributeValues"][":out"] == 100
    pay = Payment("r", date(2024, 1, 1), 10, 0, 1, 9)
    s = build_schedule(100, Decimal("0.1"), 3, date(2024, 1, 1))
    after = replace(
        LoanRecord.from_schedule("L", "u", s, "acct", AT),
        status="ACTIVE",
        payments=(pay,),
        outstanding_principal_fen=91,
        last_closed=date(2023, 12, 31),
    )
    before = replace(after, payments=(), outstanding_principal_fen=100, version=3, last_closed=None)
    rp = servicing_tx("T", before, after, AT)["Update"]
    assert rp["ConditionExpression"] == "#ver = :v"
    assert rp["ExpressionAttributeValues"][":v"] == 3
    # the payments as rows: key, day, penalty, interest, principal (the amount is their sum)
    assert json.loads(rp["ExpressionAttributeValues"][":payments"]) == [
        ["r", "2024-01-01", 0, 1, 9]
    ]
    assert rp["ExpressionAttributeValues"][":lastClosed"] == "2023-12-31"
    # a close that only moved the book and the last day closed writes only those (and the
    # version and the time): not the payments, the principal or the status it left as they were
    closed = replace(after, book=Book(interest_accrued_fen=5), last_closed=date(2024, 1, 5))
    rc = servicing_tx("T", replace(after, version=4), closed, AT)["Update"]
    assert rc["UpdateExpression"] == (
        "SET #ver = #ver + :one, #upd = :at, #book = :book, #lastClosed = :lastClosed"
    )
    assert rc["ExpressionAttributeValues"][":v"] == 4
    assert set(rc["ExpressionAttributeNames"].values()) == {
        "version",
        "updatedAt",
        "book",
        "lastClosed",
    }
    # a reserved repayment drops its reservation in the same write, and only if it is there
    rr = servicing_tx("T", before, after, AT, dropped=("r", 10))["Update"]
    assert "contains(#rs, :relem)" in rr["ConditionExpression"]
    assert rr["ExpressionAttributeValues"][":rset"] == {"r=10"}
    assert rr["ExpressionAttributeValues"][":neg"] == -10


def _books():
    lines, loans = InMemoryCreditLines(), InMemoryLoans()
    lines.open_line("u", 100_000, Decimal("0.1"), "B", "app")
    lines.reserve("u", "L", 30_000)
    s = build_schedule(30_000, Decimal("0.1"), 3, date(2024, 1, 1))
    loans.create(LoanRecord.from_schedule("L", "u", s, "acct", AT))
    loans.disburse("L", AT)
    return lines, loans


def test_check_is_clean_on_sound_books_and_names_the_damage() -> None:
    lines, loans = _books()
    items = [*lines.items(), *loans.items()]
    assert check_ledger_items(items).ok
    # a loan whose record disagrees with its principal account
    bad = [dict(i, outstandingPrincipalFen=1) if i["SK"] == "LOAN" else i for i in items]
    assert check_ledger_items(bad).loans == ["L"]
    # an unbalanced entry slipped in by hand
    forged = dict(
        entry_item(le.disbursement_entry("u", "L", 5, AT)), SK="ENTRY#forged", entryKey="forged"
    )
    forged["postings"] = [dict(forged["postings"][0], debitFen=6), forged["postings"][1]]
    report = check_ledger_items([*items, forged])
    assert report.unbalanced_entries == ["forged"] and not report.ok
    # money that left for a loan with no record
    stray = entry_item(le.disbursement_entry("u", "GHOST", 5, AT))
    assert check_ledger_items([*items, stray]).loans == ["GHOST"]
    # a reserved total that disagrees with the repayment reservations it sums
    loans.reserve_repayment("L", "r1", 700, 0, loans.get("L").version)
    held = [*lines.items(), *loans.items()]
    assert check_ledger_items(held).ok
    drift = [dict(i, reservedFen=0) if i["SK"] == "LOAN" else i for i in held]
    assert check_ledger_items(drift).loans == ["L"]
    # an open loan the close of business would never see (its marker lost), and a marker for
    # a loan that does not exist
    unlisted = [i for i in held if not i["PK"].startswith("OPEN_LOANS#")]
    assert check_ledger_items(unlisted).loans == ["L"]
    ghost = {"PK": "OPEN_LOANS#00", "SK": "LOAN#GHOST", "type": "OPEN_LOAN"}
    assert check_ledger_items([*held, ghost]).loans == ["GHOST"]


def test_check_ledger_scans_the_table(dynamodb_table) -> None:
    lines, loans = _books()
    with dynamodb_table.batch_writer() as w:
        for item in [*lines.items(), *loans.items()]:
            w.put_item(Item=item)
    report = check_ledger(dynamodb_table)
    assert report.ok and report.entries == 3, report.as_dict()


@pytest.mark.parametrize("status", ["ACTIVE", "OVERDUE", "CLOSED", "WRITTEN_OFF"])
def test_a_payout_is_booked_for_every_loan_that_went_on_the_books(status) -> None:
    # an overdue (or written-off) loan's payout was reported as money the books do not show
    items = [
        {"PK": "LOAN#L1", "SK": "LOAN", "status": status, "payments": []},
        {"PK": "RAIL#payout:L1", "SK": "T", "key": "payout:L1", "kind": "payout"}
        | {"status": "settled"},
    ]
    assert reconcile_rail(items) == []


@pytest.mark.parametrize("status", ["PENDING", "FAILED"])
def test_a_settled_payout_of_a_loan_not_on_the_books_is_reported(status) -> None:
    items = [
        {"PK": "LOAN#L1", "SK": "LOAN", "status": status, "payments": []},
        {"PK": "RAIL#payout:L1", "SK": "T", "key": "payout:L1", "kind": "payout"}
        | {"status": "settled"},
    ]
    assert reconcile_rail(items) == ["payout:L1"]
