"""`lending ledger check` over a moto table: clean books exit 0; a tampered line or money the
bank moved without a booking exit 1 naming the ids."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib import money_services as svc
from chalicelib.ledger.check import check_ledger_main
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.rail.sandbox import DynamoRailState, SandboxRail


def _draw(table, loan_id: str = "L1") -> svc.MoneyPorts:
    p = svc.MoneyPorts(
        DynamoCreditLines(table), DynamoLoans(table), SandboxRail(DynamoRailState(table))
    )
    p.lines.open_line("u", 1_000_000, Decimal("0.12"), "B", "app")
    svc.reserve_line(p, user_id="u", loan_id=loan_id, amount_fen=300_000)
    svc.create_contract(
        p,
        loan_id=loan_id,
        user_id="u",
        amount_fen=300_000,
        months=6,
        start="2026-01-05",
        account_ref="acct",
    )
    svc.pay_out(p, loan_id=loan_id)
    return p


def test_clean_books_exit_zero(dynamodb_table, capsys: pytest.CaptureFixture[str]) -> None:
    p = _draw(dynamodb_table)
    svc.post_ledger(p, loan_id="L1")
    assert check_ledger_main(dynamodb_table) == 0
    assert '"ok": true' in capsys.readouterr().out


def test_a_payout_never_booked_fails_naming_it(
    dynamodb_table, capsys: pytest.CaptureFixture[str]
) -> None:
    _draw(dynamodb_table)  # paid out, Post Ledger never ran
    assert check_ledger_main(dynamodb_table) == 1
    assert "payout:L1" in capsys.readouterr().err


def test_a_tampered_line_fails_naming_the_user(
    dynamodb_table, capsys: pytest.CaptureFixture[str]
) -> None:
    p = _draw(dynamodb_table)
    svc.post_ledger(p, loan_id="L1")
    dynamodb_table.update_item(
        Key={"PK": "USER#u", "SK": "LINE"},
        UpdateExpression="SET availableFen = :a",
        ExpressionAttributeValues={":a": 1_000_000},
    )
    assert check_ledger_main(dynamodb_table) == 1
    assert "u" in capsys.readouterr().err.split("FAILED for ")[1]
