"""The engine's UpdateItem patches (20 on) make moto's UpdateItem cheaper; every answer, refusal
and stored item must stay as moto's own path gives them. Each test runs the same story of
requests on moto as it ships and again with one patch, and compares all a client could see."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud import engine
from localcloud.template import table_create_args

KEY = {"PK": {"S": "LOAN#1"}, "SK": {"S": "LOAN"}}
OTHER = {"PK": {"S": "LOAN#2"}, "SK": {"S": "LOAN"}}
LIMIT = 405_000  # moto's item size limit (bytes of names and values)


def _item() -> dict[str, Any]:
    return {
        **KEY,
        "status": {"S": "OPEN"},
        "version": {"N": "7"},
        "apr": {"N": "0.18"},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "blob": {"B": b"\x00\x01"},
        "book": {"M": {"interestFen": {"N": "10"}, "deep": {"M": {"x": {"L": [{"N": "1"}]}}}}},
        "lines": {"L": [{"S": "a"}, {"N": "2"}]},
        "tags": {"SS": ["a", "b"]},
        "amounts": {"NS": ["1", "2", "3"]},
        "gone": {"S": "bye"},
    }


# (UpdateExpression, names, values, ReturnValues): the postings our adapters send, the other
# shapes an update can take, and refusals; each is sent twice (the second meets every cache)
UPDATES: list[tuple[str, dict[str, str], dict[str, Any], str]] = [
    (
        "SET #st = :st, #ver = #ver + :one, #book = :book, #pay = :pay",
        {"#st": "status", "#ver": "version", "#book": "book", "#pay": "payments"},
        {
            ":st": {"S": "CURRENT"},
            ":one": {"N": "1"},
            ":book": {"M": {"interestFen": {"N": "12"}, "penaltyFen": {"N": "0"}}},
            ":pay": {"S": '[{"key":"p1"}]'},
        },
        "ALL_OLD",
    ),
    (
        "SET #book.#i = :v, #book.#new = :m, #lines = list_append(#lines, :more)",
        {"#book": "book", "#i": "interestFen", "#new": "added", "#lines": "lines"},
        {":v": {"N": "99"}, ":m": {"M": {"k": {"S": "v"}}}, ":more": {"L": [{"S": "c"}]}},
        "UPDATED_OLD",
    ),
    (
        "SET #book.#new.#k = :v ADD #tags :t, #ver :one DELETE #amounts :a REMOVE #gone",
        {
            "#book": "book",
            "#new": "added",
            "#k": "k",
            "#tags": "tags",
            "#ver": "version",
            "#amounts": "amounts",
            "#gone": "gone",
        },
        {":v": {"S": "w"}, ":t": {"SS": ["c"]}, ":one": {"N": "1"}, ":a": {"NS": ["2"]}},
        "ALL_NEW",
    ),
    (
        "SET #copy = #book, #n = if_not_exists(#n, :zero) DELETE #amounts :all",
        {"#copy": "copy", "#book": "book", "#n": "n", "#amounts": "amounts"},
        {":zero": {"N": "0"}, ":all": {"NS": ["1", "3"]}},
        "UPDATED_NEW",
    ),
    ("SET #copy.#x = :v", {"#copy": "copy", "#x": "interestFen"}, {":v": {"N": "5"}}, "ALL_NEW"),
    # refused: overlapping paths, in one clause and across clauses, and a duplicate by name
    ("SET #a = :v, #a.#b = :v", {"#a": "book", "#b": "x"}, {":v": {"N": "1"}}, "NONE"),
    ("SET #a.#b = :v REMOVE #a", {"#a": "book", "#b": "x"}, {":v": {"N": "1"}}, "NONE"),
    # two overlaps: moto names the pair its walk meets first, in the innermost subtree
    ("SET a.b = :v, c = :v, c.d = :v, a = :v", {}, {":v": {"N": "1"}}, "NONE"),
    ("SET #a = :v, #b = :v", {"#a": "status", "#b": "status"}, {":v": {"S": "x"}}, "NONE"),
    (
        "SET #a = :v ADD #b :one",
        {"#a": "version", "#b": "version"},
        {":v": {"N": "1"}, ":one": {"N": "1"}},
        "NONE",
    ),
    # refused: a key attribute, a type mismatch, a path through a missing map, bad operands
    ("SET #k = :v", {"#k": "SK"}, {":v": {"S": "x"}}, "NONE"),
    ("ADD #st :one", {"#st": "status"}, {":one": {"N": "1"}}, "NONE"),
    ("SET #m.#x = :v", {"#m": "missing", "#x": "x"}, {":v": {"N": "1"}}, "NONE"),
    ("SET #st = #st + :one", {"#st": "status"}, {":one": {"N": "1"}}, "NONE"),
    ("SET #a = #missing", {"#a": "status", "#missing": "missing"}, {}, "NONE"),
    ("SET #a = #missing + :one", {"#a": "n", "#missing": "missing"}, {":one": {"N": "1"}}, "NONE"),
    ("SET #l = list_append(#st, :l)", {"#l": "lines", "#st": "status"}, {":l": {"L": []}}, "NONE"),
]


def _story(*, stream: bool = False) -> list[Any]:
    """Every answer the client reads, in order, and the stored items at the end."""
    heard: list[Any] = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        args = table_create_args("t")
        if stream:
            args["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
        client.create_table(**args)

        def call(operation: str, **kwargs: Any) -> None:
            try:
                answer = getattr(client, operation)(**kwargs)
                answer.pop("ResponseMetadata")
                heard.append((operation, answer))
            except ClientError as e:
                r = e.response
                heard.append((operation, r["Error"], r.get("CancellationReasons"), r.get("Item")))

        def stored() -> None:
            heard.append(("scan", sorted(client.scan(TableName="t")["Items"], key=str)))

        call("put_item", TableName="t", Item=_item())
        for _round in range(2):
            for expression, names, values, returns in UPDATES:
                call(
                    "update_item",
                    TableName="t",
                    Key=KEY,
                    UpdateExpression=expression,
                    ReturnValues=returns,
                    **({"ExpressionAttributeNames": names} if names else {}),
                    **({"ExpressionAttributeValues": values} if values else {}),
                )
                stored()
        # a new item made by an update, and a refused condition that returns the old item
        call(
            "update_item",
            TableName="t",
            Key=OTHER,
            UpdateExpression="SET #v = :v ADD #s :s",
            ExpressionAttributeNames={"#v": "v", "#s": "s"},
            ExpressionAttributeValues={":v": {"N": "1"}, ":s": {"SS": ["x"]}},
            ReturnValues="ALL_OLD",
        )
        call(
            "update_item",
            TableName="t",
            Key=KEY,
            UpdateExpression="SET #st = :st",
            ConditionExpression="#st = :never",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":st": {"S": "X"}, ":never": {"S": "never"}},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        stored()
        if not stream:  # 6 restores through writes, which a stream would record
            _transactions(call, stored)
        _size_limits(call, stored)
        if stream:
            _stream_images(heard)
    return heard


def _transactions(call: Any, stored: Any) -> None:
    """A transaction whose updates (nested, sets, lists) are taken back when a later write is
    refused, then the same updates committed."""
    updates = [
        {
            "Update": {
                "TableName": "t",
                "Key": KEY,
                "UpdateExpression": "SET #book.#i = :v, #lines = list_append(#lines, :l), "
                "#ver = #ver + :one ADD #tags :t DELETE #amounts :a",
                "ExpressionAttributeNames": {
                    "#book": "book",
                    "#i": "interestFen",
                    "#lines": "lines",
                    "#ver": "version",
                    "#tags": "tags",
                    "#amounts": "amounts",
                },
                "ExpressionAttributeValues": {
                    ":v": {"N": "1000"},
                    ":l": {"L": [{"S": "z"}]},
                    ":one": {"N": "1"},
                    ":t": {"SS": ["t"]},
                    ":a": {"NS": ["3"]},
                },
            }
        },
        {
            "Update": {
                "TableName": "t",
                "Key": OTHER,
                "UpdateExpression": "SET #v = #v + :one ADD #s :s",
                "ExpressionAttributeNames": {"#v": "v", "#s": "s"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":s": {"SS": ["y"]}},
            }
        },
    ]
    refused = {
        "ConditionCheck": {
            "TableName": "t",
            "Key": {"PK": {"S": "LOAN#3"}, "SK": {"S": "LOAN"}},
            "ConditionExpression": "attribute_exists(PK)",
        }
    }
    ledger = {"Put": {"TableName": "t", "Item": {"PK": {"S": "LEDGER#1"}, "SK": {"S": "1"}}}}
    call("transact_write_items", TransactItems=[*updates, ledger, refused])
    stored()
    call("transact_write_items", TransactItems=[*updates, ledger])
    stored()


def _stream_images(heard: list[Any]) -> None:
    """What the table's stream recorded: each write's old and new image."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table("t").stream_shard
    images = [r.record["dynamodb"] for r in shard.items]
    heard.append([(i.get("OldImage"), i.get("NewImage")) for i in images])


def _size_limits(call: Any, stored: Any) -> None:
    """Updates at the edge of the item size limit, where moto counts the replaced value too and
    refuses at the action that passes it, keeping the actions before it."""
    big = {"PK": {"S": "BIG"}, "SK": {"S": "1"}}
    base = LIMIT - 1_000 - 11  # 1,000 bytes to spare: names PK, SK, big; values BIG, 1
    call("put_item", TableName="t", Item={**big, "big": {"S": "a" * base}})
    for expression, values in [
        ("SET #s = :s", {":s": {"S": "b" * 400}}),  # fits
        ("SET #s = :s", {":s": {"S": "c" * 400}}),  # counts the old 400 and the new: fits
        ("SET #s = :s", {":s": {"S": "d" * 600}}),  # the old 401 and the new 601: refused
        ("SET #m = :m", {":m": {"M": {"k": {"S": "e" * 100}}}}),  # fits
        ("SET #m.#k = :big", {":big": {"S": "f" * 300}}),  # the map grows in place
        ("SET #t = :t", {":t": {"S": "g" * 400}}),  # refused only because the map grew
        ("SET #u = :u, #t = :t", {":u": {"N": "1"}, ":t": {"S": "h" * 700}}),  # u kept
        ("SET #m.#k = :small", {":small": {"S": "i"}}),  # the map shrinks in place
        ("SET #t = :t", {":t": {"S": "j" * 400}}),  # fits only because the map shrank
        ("SET #v = :v", {":v": {"S": "k" * 193}}),  # a byte over the limit: refused
        ("SET #v = :v", {":v": {"S": "l" * 192}}),  # exactly at the limit: fits
    ]:
        call(
            "update_item",
            TableName="t",
            Key=big,
            UpdateExpression=expression,
            ExpressionAttributeNames={
                k: v
                for k, v in {
                    "#s": "s",
                    "#m": "m",
                    "#k": "k",
                    "#t": "t",
                    "#u": "u",
                    "#v": "v",
                }.items()
                if k in expression
            },
            ExpressionAttributeValues=values,
            ReturnValues="UPDATED_NEW",
        )
        stored()


def _refused(answer: Any) -> bool:
    return isinstance(answer, tuple) and len(answer) == 4


def test_an_update_without_a_stream_is_not_copied_and_answers_as_moto(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Engine 20 (and 6's snapshot, no longer copied twice): old items in ReturnValues, a
    transaction rolled back after nested, set and list updates, a stream's old images."""
    from moto.dynamodb import models

    # moto as it ships, even when this process installed the engine before this test
    update_item, _ = engine.UNPATCHED.get(
        "update_copies", (models.DynamoDBBackend.update_item, None)
    )
    transact, copies = engine.UNPATCHED.get(
        "transactions", (models.DynamoDBBackend.transact_write_items, models.copy)
    )
    monkeypatch.setattr(models.DynamoDBBackend, "update_item", update_item)
    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", transact)
    monkeypatch.setattr(models, "copy", copies)
    expected = _story(), _story(stream=True)
    engine._patch_dynamodb_transactions()  # 6, whose snapshot is no longer copied again
    engine._patch_update_copies()
    assert (_story(), _story(stream=True)) == expected
    assert sum(map(_refused, expected[0])) >= 20
    images = expected[1][-1]
    assert any(old and new and old != new for old, new in images)  # the stream saw both


def test_size_checks_refuse_exactly_what_moto_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engine 21: sizes of unchanging values reused, maps and sets measured every time."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    monkeypatch.setattr(
        LimitedSizeDict,
        "__setitem__",
        engine.UNPATCHED.get("size_checks", LimitedSizeDict.__setitem__),
    )
    expected = _story()
    engine._patch_size_checks()
    assert _story() == expected
    sizes = [_refused(h) for h in expected if h[0] == "update_item"][-11:]
    assert sizes == [False, False, True, False, False, True, True, False, False, True, False]


def test_update_validation_refuses_as_motos_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Engine 22 (with 16): processing functions kept per class, overlapping paths checked at
    the root, no walk for functions or missing paths where there can be none."""
    from moto.dynamodb.parsing import ast_nodes, expressions, validators

    traverser = ast_nodes.DepthFirstTraverser
    make, deepcopy, kinds = engine.UNPATCHED.get(
        "update_expressions",
        (
            expressions.UpdateExpressionParser.__dict__["make"],
            validators.deepcopy,
            traverser.__dict__["nodes_to_be_processed"],
        ),
    )
    process, init, validate = engine.UNPATCHED.get(
        "update_validation",
        (
            traverser.__dict__["process"],
            validators.Validator.__dict__["__init__"],
            validators.Validator.__dict__["validate"],
        ),
    )
    walk = engine.UNPATCHED.get("traversal", traverser.__dict__["traverse_node_recursively"])
    # moto as it ships, even when this process installed the engine before this test; every
    # attribute set here is put back after it
    monkeypatch.setattr(expressions.UpdateExpressionParser, "make", make)
    monkeypatch.setattr(validators, "deepcopy", deepcopy)
    monkeypatch.setattr(traverser, "nodes_to_be_processed", kinds)
    monkeypatch.setattr(traverser, "process", process)
    monkeypatch.setattr(validators.Validator, "__init__", init)
    monkeypatch.setattr(validators.Validator, "validate", validate)
    monkeypatch.setattr(traverser, "traverse_node_recursively", walk)
    for counted_at_root in (validators.ActionCountValidator, validators.OverlappingPathsValidator):
        monkeypatch.setattr(counted_at_root, "traverse", traverser.traverse, raising=False)
    expected = _story()
    engine._patch_update_expressions()
    engine._patch_update_validation()
    assert traverser.traverse_node_recursively is not walk
    assert _story() == expected
    messages = " ".join(str(h[1]) for h in expected if _refused(h))
    assert "overlap" in messages and "path one: [c], path two: [c, d]" in messages
