"""Engine 23: a condition's tree is kept per (text, names) and each request's values are put in.
Every parse, answer and refusal must be moto's own: each expression is parsed by moto as it
ships and by the patch, twice (the second meets the kept tree), with several sets of values."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from localcloud import engine
from localcloud.template import table_create_args

NAMES = {"#v": "version", "#s": "status", "#b": "book", "#i": "interestFen", "#t": "tags"}

# (expression, names): what our adapters send, the other shapes a condition takes, and refusals
EXPRESSIONS: list[tuple[str, dict[str, str]]] = [
    ("#v = :v", NAMES),
    ("#v = :v", {"#v": "status"}),  # the same text, another name: another tree
    ("attribute_not_exists(PK)", {}),
    ("attribute_exists(PK) AND #v = :v", NAMES),
    ("#s IN (:a, :b) OR #v < :v", NAMES),
    ("NOT (#s = :a) AND #b.#i BETWEEN :lo AND :hi", NAMES),
    ("begins_with(#s, :a) OR contains(#t, :b)", NAMES),
    ("size(#t) > :v AND attribute_type(#s, :type)", NAMES),
    ("(#v >= :lo) AND ((#v <= :hi) OR #s <> :a)", NAMES),
    ("#v = :missing", NAMES),  # a value the request does not give: KeyError
    ("#nope = :v", NAMES),  # a name the request does not give
    ("#v = = :v", NAMES),  # not an expression
    ("((#v = :v))", NAMES),  # redundant parentheses
    ("status = :a", {}),  # a reserved word
]

VALUE_SETS: list[dict[str, Any]] = [
    {
        ":v": {"N": "3"},
        ":a": {"S": "OPEN"},
        ":b": {"S": "x"},
        ":lo": {"N": "1"},
        ":hi": {"N": "9"},
        ":type": {"S": "S"},
    },
    {
        ":v": {"N": "7"},
        ":a": {"S": "CLOSED"},
        ":b": {"S": "b"},
        ":lo": {"N": "10"},
        ":hi": {"N": "20"},
        ":type": {"S": "N"},
    },
]

ITEMS = [
    Item(
        DynamoType({"S": "LOAN#1"}),
        DynamoType({"S": "LOAN"}),
        {
            "PK": {"S": "LOAN#1"},
            "SK": {"S": "LOAN"},
            "version": {"N": "3"},
            "status": {"S": "OPEN"},
            "book": {"M": {"interestFen": {"N": "12"}}},
            "tags": {"SS": ["a", "b"]},
        },
    ),
    Item(
        DynamoType({"S": "LOAN#2"}),
        DynamoType({"S": "LOAN"}),
        {"PK": {"S": "LOAN#2"}, "SK": {"S": "LOAN"}, "version": {"N": "7"}},
    ),
    None,
]


def _parse(expression: str, names: dict[str, str], values: dict[str, Any]) -> Any:
    parser = ConditionExpressionParser(expression, names, values)
    try:
        op = parser.parse()
    except Exception as exc:
        return ("refused", type(exc).__name__, str(exc))
    verdicts = []
    for item in ITEMS:
        try:
            verdicts.append(op.expr(item))
        except Exception as exc:
            verdicts.append((type(exc).__name__, str(exc)))
    return repr(op), parser.expr_attr_names_found, parser.expr_attr_values_found, verdicts


def _parses() -> list[Any]:
    return [
        _parse(expression, names, values)
        for _ in range(2)
        for expression, names in EXPRESSIONS
        for values in VALUE_SETS
    ]


def _story() -> list[Any]:
    """Conditional writes, a transaction and a filtered scan, as a client sees them."""
    seen: list[Any] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))

        def call(operation: str, **kwargs: Any) -> None:
            try:
                answer = getattr(client, operation)(**kwargs)
                answer.pop("ResponseMetadata", None)
                seen.append((operation, answer))
            except ClientError as e:
                seen.append(
                    (operation, e.response["Error"]["Code"], e.response["Error"]["Message"])
                )

        key = {"PK": {"S": "LOAN#1"}, "SK": {"S": "LOAN"}}
        for attempt in range(2):
            call(
                "put_item",
                TableName="t",
                Item={**key, "version": {"N": "1"}, "status": {"S": "OPEN"}},
                ConditionExpression="attribute_not_exists(PK)",
            )
            for version in ("1", "2", "5"):
                call(
                    "update_item",
                    TableName="t",
                    Key=key,
                    UpdateExpression="SET #v = #v + :one",
                    ConditionExpression="#v = :v AND #s IN (:a, :b)",
                    ExpressionAttributeNames={"#v": "version", "#s": "status"},
                    ExpressionAttributeValues={
                        ":v": {"N": version},
                        ":one": {"N": "1"},
                        ":a": {"S": "OPEN"},
                        ":b": {"S": "x"},
                    },
                    ReturnValues="ALL_NEW",
                )
            call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": key,
                            "UpdateExpression": "SET #s = :c",
                            "ConditionExpression": "#v = :v",
                            "ExpressionAttributeNames": {"#v": "version", "#s": "status"},
                            "ExpressionAttributeValues": {
                                ":v": {"N": str(3 + attempt)},
                                ":c": {"S": "CLOSED"},
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"PK": {"S": f"E#{attempt}"}, "SK": {"S": "E"}},
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ],
            )
            call(
                "scan",
                TableName="t",
                FilterExpression="#s = :c OR begins_with(PK, :e)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":c": {"S": "CLOSED"}, ":e": {"S": "E#"}},
            )
            call(
                "delete_item",
                TableName="t",
                Key=key,
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version", "#x": "unused"},
                ExpressionAttributeValues={":v": {"N": "4"}},
            )
    return seen


def test_kept_trees_parse_answer_and_refuse_as_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        ConditionExpressionParser,
        "parse",
        engine.UNPATCHED.get("condition_parse", ConditionExpressionParser.parse),
    )
    expected_parses, expected_story = _parses(), _story()
    engine._patch_condition_parses()
    assert _parses() == expected_parses
    assert _story() == expected_story
    refusals = [p for p in expected_parses if p[0] == "refused"]
    assert {p[1] for p in refusals} >= {"KeyError", "ValueError", "InvalidConditionExpression"}
    assert any(
        isinstance(e[1], str) and e[1] == "ConditionalCheckFailedException" for e in expected_story
    )
    assert any(e[0] == "transact_write_items" and len(e) == 3 for e in expected_story)
