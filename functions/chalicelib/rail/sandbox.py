"""A local bank for tests and the local cloud: accounts with balances, idempotent transfers,
and seeded fault injection.

Like a real rail, the bank keeps its own record of every transfer and a repeated key returns
the recorded result without moving money again. It keeps a balance per account (`card-{userId}`,
see borrowing/bank.py): a payout credits it, a collection debits it. A collection takes what
the account holds, never more than asked (`money.collections.amount_to_debit`): a partial
collection settles with the smaller `amount_fen`, and a collection from an empty account is
declined as INSUFFICIENT_FUNDS. The debit and the transfer's record are one atomic write whose
condition is that the balance still covers it (`RailBook.transfer`), so concurrent collections
never overdraw an account. An account the bank has not seen opens with `opening_fen` (0 by
default: empty until money is deposited; the setting RAIL_SANDBOX_OPENING_BALANCE).

Faults, drawn from a seeded RNG, for payouts and collections alike:

- decline: a definitive refusal (DECLINED_BY_BANK), recorded (a repeat of the key is declined
  again);
- error_5xx: refused before processing, nothing recorded;
- timeout_before: the request never reached the bank, nothing recorded, the caller times out;
- timeout_after: the bank moved the money and recorded it, then the caller timed out.

The adapter raises PayoutOutcomeUnknown / CollectionOutcomeUnknown for the last three: the caller
cannot know whether money moved and must resolve with `status(key)`, never by paying again.
An account_ref starting with "decline-" is always declined (deterministic hook for tests).
Deposits and withdrawals (`lending bank ...`: the account holder at their own bank) have no
faults, and a withdrawal never overdraws.

The bank's book lives behind `port.RailBook`: `memory.InMemoryRailBook` (one per name in the
process, so Lambda invocations in one process share it) or `dynamo.DynamoRailBook` (items
`RAIL#{key}` / `TXN` and `BANK#{accountRef}` / `ACCOUNT` in the lending table, so the bank
survives restarts as a real bank would).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.amounts import fen_to_yuan
from chalicelib.errors import (
    CollectionOutcomeUnknown,
    Conflict,
    PayoutOutcomeUnknown,
    Unprocessable,
)
from chalicelib.money.collections import amount_to_debit
from chalicelib.rail.port import (
    COLLECT,
    DECLINED,
    DECLINED_BY_BANK,
    DEPOSIT,
    INSUFFICIENT_FUNDS,
    PAYOUT,
    SETTLED,
    WITHDRAWAL,
    BalanceChanged,
    RailBook,
    RailResult,
)


@dataclass(frozen=True)
class Faults:
    """Probabilities per call (they are tried in this order) and a latency range in seconds."""

    decline: float = 0.0
    error_5xx: float = 0.0
    timeout_before: float = 0.0
    timeout_after: float = 0.0
    latency_s: tuple[float, float] = (0.0, 0.0)
    seed: int = 0


class SandboxRail:
    """The sandbox bank seen through the `Rail` port."""

    def __init__(self, state: RailBook, faults: Faults = Faults(), opening_fen: int = 0) -> None:
        if type(opening_fen) is not int or opening_fen < 0:
            raise ValueError(f"an opening balance is integer fen >= 0, not {opening_fen!r}")
        self.state = state
        self.faults = faults
        self.opening_fen = opening_fen
        self._rng = random.Random(faults.seed)
        self._rng_lock = threading.Lock()
        # what this bank injected, by kind (a chaos run reports it beside its own counts)
        self.injected: Counter[str] = Counter()

    def _injected(self, kind: str) -> None:
        with self._rng_lock:
            self.injected[kind] += 1

    def payout(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        return self._transfer(
            PAYOUT, idempotency_key, account_ref, amount_fen, PayoutOutcomeUnknown
        )

    def collect(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        return self._transfer(
            COLLECT, idempotency_key, account_ref, amount_fen, CollectionOutcomeUnknown
        )

    def status(self, idempotency_key: str) -> RailResult | None:
        return self.state.get(idempotency_key)

    # -- the bank --------------------------------------------------------------------------

    def _draw(self) -> tuple[float, float]:
        with self._rng_lock:
            lo, hi = self.faults.latency_s
            return self._rng.random(), self._rng.uniform(lo, hi) if hi > 0 else 0.0

    def _transfer(
        self, kind: str, key: str, account_ref: str, amount_fen: int, unknown: type[Exception]
    ) -> RailResult:
        _check_amount(amount_fen)
        roll, latency = self._draw()
        if latency:
            self._injected("latency")
            time.sleep(latency)
        f = self.faults
        existing = self.state.get(key)
        if existing is not None:
            _same_transfer(existing, kind, account_ref, amount_fen)
            if roll < f.timeout_after:  # the repeat may time out too; money still moves once
                self._injected("timeout_after")
                raise unknown(f"{kind} {key}: timed out (repeat)")
            return existing
        edge = f.decline
        if roll < edge or account_ref.startswith("decline-"):
            if roll < edge:
                self._injected("decline")
            return self.state.record(
                RailResult(key, kind, DECLINED, 0, account_ref, amount_fen, DECLINED_BY_BANK)
            )
        edge += f.error_5xx
        if roll < edge:
            self._injected("error_5xx")
            raise unknown(f"{kind} {key}: bank answered 503")
        edge += f.timeout_before
        if roll < edge:
            self._injected("timeout_before")
            raise unknown(f"{kind} {key}: timed out before the bank received it")
        if kind == PAYOUT:
            result = self._move(key, kind, account_ref, amount_fen)
        else:
            result = self._move(
                key, kind, account_ref, amount_fen, lambda held: amount_to_debit(amount_fen, held)
            )
        _same_transfer(result, kind, account_ref, amount_fen)
        edge += f.timeout_after
        if roll < edge:
            self._injected("timeout_after")
            raise unknown(f"{kind} {key}: timed out after the bank moved the money")
        return result

    def _move(
        self,
        key: str,
        kind: str,
        account_ref: str,
        asked_fen: int,
        size: Callable[[int], int] | None = None,
    ) -> RailResult:
        """Settle a credit of `asked_fen` (size None), or a debit of `size(balance)` fen (0:
        declined, INSUFFICIENT_FUNDS), with its record, atomically. A debit is sized again on
        a fresh read when another transfer changed the balance in between."""
        for _ in range(50):
            if size is None:
                moved = asked_fen  # a credit does not depend on the balance: no read
            else:
                moved = size(self._balance_opening(account_ref))
                if moved <= 0:
                    return self.state.record(
                        RailResult(
                            key, kind, DECLINED, 0, account_ref, asked_fen, INSUFFICIENT_FUNDS
                        )
                    )
            try:
                return self.state.transfer(
                    RailResult(key, kind, SETTLED, moved, account_ref, asked_fen)
                )
            except BalanceChanged:
                if size is None:
                    self._balance_opening(account_ref)  # a credit fails only on a new account
        raise Conflict(f"account {account_ref} kept changing; {key} was not settled")

    def _balance_opening(self, account_ref: str) -> int:
        held = self.state.balance(account_ref)
        return self.state.open_account(account_ref, self.opening_fen) if held is None else held

    # -- the account holder at their own bank (sandbox only: `lending bank ...`) -------------

    def balance(self, account_ref: str) -> int:
        """What the account holds, in fen (an account never used holds its opening balance)."""
        held = self.state.balance(account_ref)
        return self.opening_fen if held is None else held

    def deposit(self, key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Money paid into the account. Idempotent on `key`."""
        _check_amount(amount_fen)
        existing = self.state.get(key)
        if existing is not None:
            _same_transfer(existing, DEPOSIT, account_ref, amount_fen)
            return existing
        result = self._move(key, DEPOSIT, account_ref, amount_fen)
        _same_transfer(result, DEPOSIT, account_ref, amount_fen)
        return result

    def withdraw(self, key: str, account_ref: str, amount_fen: int) -> RailResult:
        """Money taken out of the account; never more than it holds (Unprocessable, nothing
        moved). Idempotent on `key`."""
        _check_amount(amount_fen)
        existing = self.state.get(key)
        if existing is not None:
            _same_transfer(existing, WITHDRAWAL, account_ref, amount_fen)
            return existing

        def whole(held: int) -> int:
            if held < amount_fen:
                raise Unprocessable(
                    f"account {account_ref} holds {fen_to_yuan(held)}, less than the "
                    f"{fen_to_yuan(amount_fen)} to withdraw (nothing withdrawn)",
                    field="amount",
                )
            return amount_fen

        result = self._move(key, WITHDRAWAL, account_ref, amount_fen, whole)
        _same_transfer(result, WITHDRAWAL, account_ref, amount_fen)
        return result

    def moved(self) -> dict[str, int]:
        """The bank's totals of settled money between us and borrowers:
        {"payout": fen, "collect": fen} (deposits and withdrawals are the borrower's own)."""
        totals = {PAYOUT: 0, COLLECT: 0}
        for r in self.state.all():
            if r.status == SETTLED and r.kind in totals:
                totals[r.kind] += r.amount_fen
        return totals


def _check_amount(amount_fen: int) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise ValueError(f"amount must be a positive integer of fen, not {amount_fen!r}")


def _same_transfer(stored: RailResult, kind: str, account_ref: str, asked_fen: int) -> None:
    """A key names one transfer: reusing it for another is a Conflict, never a second move."""
    if (stored.kind, stored.requested_fen, stored.account_ref) != (kind, asked_fen, account_ref):
        raise Conflict(f"rail key {stored.key} was used for a different transfer")
