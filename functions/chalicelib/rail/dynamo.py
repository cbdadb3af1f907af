"""The sandbox bank's book in the lending table: transfers (`RAIL#`) and accounts (`BANK#`)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.clock import utc_now_iso
from chalicelib.rail.port import BalanceChanged, RailResult
from chalicelib.rail.records import (
    account_key,
    balance_from_item,
    from_item,
    open_account_request,
    put_rail_txn_request,
    rail_txn_key,
    transfer_tx,
)


class DynamoRailBook:
    """The sandbox bank's book in the lending table, under its own prefixes."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._client = table.meta.client

    def record(self, result: RailResult) -> RailResult:
        try:
            self._table.put_item(**put_rail_txn_request(result))
            return result
        except self._client.exceptions.ConditionalCheckFailedException:
            stored = self.get(result.key)
            assert stored is not None
            return stored

    def transfer(self, result: RailResult) -> RailResult:
        try:
            self._client.transact_write_items(
                TransactItems=transfer_tx(self._table.name, result, utc_now_iso())
            )
            return result
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
        # Cancelled: either the key was written first (return what is stored, as a repeat),
        # or the balance no longer covers the debit.
        stored = self.get(result.key)
        if stored is not None:
            return stored
        raise BalanceChanged(f"account {result.account_ref} does not cover {result.key}")

    def open_account(self, account_ref: str, balance_fen: int) -> int:
        try:
            self._table.put_item(**open_account_request(account_ref, balance_fen, utc_now_iso()))
            return balance_fen
        except self._client.exceptions.ConditionalCheckFailedException:
            balance = self.balance(account_ref)
            assert balance is not None
            return balance

    def balance(self, account_ref: str) -> int | None:
        got = self._table.get_item(Key=account_key(account_ref), ConsistentRead=True)
        return balance_from_item(got.get("Item"))

    def get(self, key: str) -> RailResult | None:
        item = self._table.get_item(Key=rail_txn_key(key), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def all(self) -> list[RailResult]:
        out: list[RailResult] = []
        kwargs: dict[str, Any] = {
            "FilterExpression": "begins_with(#pk, :p)",
            "ExpressionAttributeNames": {"#pk": "PK"},
            "ExpressionAttributeValues": {":p": "RAIL#"},
        }
        while True:
            page = self._table.scan(**kwargs)
            out.extend(from_item(i) for i in page["Items"])
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
