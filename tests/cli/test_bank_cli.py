"""`lending bank balance | deposit | withdraw` over a moto table: a user's card at the sandbox
bank, empty until money is paid in; refusals exit 2 and move nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.applications.dynamo import DynamoApplicationRepository
from chalicelib.lines.dynamo import DynamoCreditLines
from chalicelib.rail.sandbox import SandboxRail
from lending_cli import bank
from lending_cli.main import main as lending
from tests.applications.test_contract import make_app


@pytest.fixture
def the_bank(dynamodb_table) -> bank.Bank:
    DynamoApplicationRepository(dynamodb_table).create(*make_app(user="applicant"))
    DynamoCreditLines(dynamodb_table).open_line("borrower", 500_000, Decimal("0.12"), "B", "a-1")
    return bank.Bank.over(dynamodb_table)


def test_a_card_is_empty_until_money_is_deposited(the_bank, capsys) -> None:
    assert bank.main(the_bank, "balance", "applicant") == 0
    assert capsys.readouterr().out == "0.00\n"
    assert bank.main(the_bank, "deposit", "applicant", 10_050) == 0
    assert capsys.readouterr().out == "100.50 deposited into card-applicant; balance 100.50\n"
    assert bank.main(the_bank, "withdraw", "applicant", 50) == 0
    assert capsys.readouterr().out == "0.50 withdrawn from card-applicant; balance 100.00\n"
    bank.main(the_bank, "balance", "applicant")
    assert capsys.readouterr().out == "100.00\n"


def test_a_user_with_a_line_has_a_card_too_and_a_payout_lands_on_it(the_bank, capsys) -> None:
    the_bank.rail.payout("payout:loan-1", "card-borrower", 300_000)
    assert bank.main(the_bank, "balance", "borrower") == 0
    assert capsys.readouterr().out == "3000.00\n"


def test_a_withdrawal_beyond_the_balance_exits_2_and_moves_nothing(the_bank, capsys) -> None:
    bank.main(the_bank, "deposit", "applicant", 1_000)
    capsys.readouterr()
    assert bank.main(the_bank, "withdraw", "applicant", 1_001) == 2
    assert "holds 10.00, less than the 10.01" in capsys.readouterr().err
    assert the_bank.balance("applicant") == 1_000


@pytest.mark.parametrize("action", ["balance", "deposit", "withdraw"])
def test_an_unknown_user_exits_2_naming_them(the_bank, capsys, action) -> None:
    assert bank.main(the_bank, action, "nobody", 100) == 2
    assert "unknown user 'nobody'" in capsys.readouterr().err
    assert the_bank.rail.state.balance("card-nobody") is None  # no account was opened


def test_the_opening_balance_of_the_running_cloud_applies(dynamodb_table) -> None:
    DynamoCreditLines(dynamodb_table).open_line("u", 500_000, Decimal("0.12"), "B", "a-1")
    assert bank.Bank.over(dynamodb_table, opening_fen=20_000).balance("u") == 20_000
    assert isinstance(bank.Bank.over(dynamodb_table).rail, SandboxRail)


@pytest.mark.parametrize(
    "amount", ["0", "0.00", "-5", "1.005", "1e3", "abc", "", " 5", "１００", "10,000", "NaN"]
)
def test_amounts_that_are_not_money_exit_2(amount, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        lending(["bank", "deposit", "u", amount])
    assert stop.value.code == 2 and "is not an amount of money" in capsys.readouterr().err
