"""`lending bank deposit | withdraw | balance USER_ID [AMOUNT]`: the sandbox bank's side of a
borrower's bound card (`card-{userId}`), as the borrower's own bank would show it.

The card is empty until money is paid in: a payout credits it, a collection (a repayment, an
auto-debit) takes what it holds, up to what it asks. Amounts are yuan decimal strings
("100.50"), money is integer fen inside. Exit codes: 0 done, 2 refused (an unknown user, an
amount that is not money, a withdrawal larger than the balance: nothing moved).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.amounts import fen_to_yuan, yuan_to_fen
from chalicelib.borrowing.bank import account_ref
from chalicelib.errors import Unprocessable

if TYPE_CHECKING:
    from chalicelib.applications.port import ApplicationRepository
    from chalicelib.lines.port import CreditLines
    from chalicelib.rail.sandbox import SandboxRail

REFUSED = 2
# The API's shape for money (chalicelib/api/models.py): digits, at most 2 decimals, no sign.
_YUAN = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")


def amount(text: str) -> int:
    """argparse type: a positive yuan amount, as integer fen."""
    if not _YUAN.match(text) or yuan_to_fen(text) <= 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an amount of money: yuan, more than 0, at most 2 decimals "
            "(e.g. 100 or 100.50)"
        )
    return yuan_to_fen(text)


class UnknownUser(Exception):
    pass


@dataclass
class Bank:
    """The sandbox bank over the local cloud's table, and who the local cloud knows."""

    rail: SandboxRail
    applications: ApplicationRepository
    lines: CreditLines

    @classmethod
    def over(cls, table: Any, opening_fen: int = 0) -> Bank:
        # The adapters (and boto3) load only when a bank command runs, not for every `lending`.
        from chalicelib.applications.dynamo import DynamoApplicationRepository
        from chalicelib.lines.dynamo import DynamoCreditLines
        from chalicelib.rail.dynamo import DynamoRailBook
        from chalicelib.rail.sandbox import SandboxRail

        return cls(
            SandboxRail(DynamoRailBook(table), opening_fen=opening_fen),
            DynamoApplicationRepository(table),
            DynamoCreditLines(table),
        )

    def card(self, user_id: str) -> str:
        """The user's bound card; UnknownUser when nobody applied or holds a line as them."""
        if self.applications.latest_for_user(user_id) is None and (
            self.lines.get_line(user_id) is None
        ):
            raise UnknownUser(
                f"unknown user {user_id!r}: nobody has applied or holds a credit line as "
                "this user on the local cloud"
            )
        return account_ref(user_id)

    def balance(self, user_id: str) -> int:
        return self.rail.balance(self.card(user_id))

    def deposit(self, user_id: str, fen: int) -> int:
        """Pay `fen` into the user's card; return its balance."""
        card = self.card(user_id)
        self.rail.deposit(f"deposit:{uuid.uuid4().hex}", card, fen)
        return self.rail.balance(card)

    def withdraw(self, user_id: str, fen: int) -> int:
        """Take `fen` out of the user's card (never more than it holds); return its balance."""
        card = self.card(user_id)
        self.rail.withdraw(f"withdraw:{uuid.uuid4().hex}", card, fen)
        return self.rail.balance(card)


def main(bank: Bank, action: str, user_id: str, fen: int | None = None) -> int:
    try:
        if action == "balance":
            print(fen_to_yuan(bank.balance(user_id)))
        elif action in ("deposit", "withdraw"):
            assert fen is not None
            held = getattr(bank, action)(user_id, fen)
            done = "deposited into" if action == "deposit" else "withdrawn from"
            print(f"{fen_to_yuan(fen)} {done} {account_ref(user_id)}; balance {fen_to_yuan(held)}")
        else:
            raise ValueError(f"unknown bank action {action!r}")
    except (UnknownUser, Unprocessable) as exc:
        print(f"lending bank {action}: {exc}", file=sys.stderr)
        return REFUSED
    return 0
