"""`lending ledger check` over a moto table: clean books exit 0; a tampered line or money the
bank moved without a booking exit 1 naming the ids."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.borrowing.disbursement import DisbursementSteps
from chalicelib.borrowing.handoffs import DrawState
from chalicelib.borrowing.requests.dynamo import DynamoMoneyRequests
from chalicelib.borrowing.requests.port import Draw
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.loans.dynamo import DynamoLoans
from chalicelib.rail.dynamo import DynamoRailBook
from chalicelib.rail.sandbox import SandboxRail
from lending_cli.ledger import check_main

LOAN = "loan_" + "1" * 26


def _paid_out(table) -> tuple[DisbursementSteps, DrawState]:
    """A draw reserved, contracted and paid out; Post Ledger not run yet."""
    lines = DynamoCreditLines(table)
    requests = DynamoMoneyRequests(table)
    steps = DisbursementSteps(
        requests, lines, DynamoLoans(table), SandboxRail(DynamoRailBook(table)), lambda: "t"
    )
    lines.open_line("u", 1_000_000, Decimal("0.12"), "B", "app")
    requests.add_draw(
        Draw(LOAN, "u", 300_000, 6, "equal-installment", "2026-01-05", Decimal("0.12"), "t")
    )
    state = DrawState(loanId=LOAN)
    state = state.model_copy(update={"draw": steps.reserve_line(state)})
    steps.create_contract(state)
    return steps, state.model_copy(update={"payout": steps.pay_out(state)})


def test_clean_books_exit_zero(dynamodb_table, capsys: pytest.CaptureFixture[str]) -> None:
    steps, state = _paid_out(dynamodb_table)
    steps.post_ledger(state)
    assert check_main(dynamodb_table) == 0
    assert '"ok": true' in capsys.readouterr().out


def test_a_payout_never_booked_fails_naming_it(
    dynamodb_table, capsys: pytest.CaptureFixture[str]
) -> None:
    _paid_out(dynamodb_table)  # paid out, Post Ledger never ran
    assert check_main(dynamodb_table) == 1
    assert f"payout:{LOAN}" in capsys.readouterr().err


def test_a_tampered_line_fails_naming_the_user(
    dynamodb_table, capsys: pytest.CaptureFixture[str]
) -> None:
    steps, state = _paid_out(dynamodb_table)
    steps.post_ledger(state)
    dynamodb_table.update_item(
        Key={"PK": "USER#u", "SK": "LINE"},
        UpdateExpression="SET availableFen = :a",
        ExpressionAttributeValues={":a": 1_000_000},
    )
    assert check_main(dynamodb_table) == 1
    assert "u" in capsys.readouterr().err.split("FAILED for ")[1]
