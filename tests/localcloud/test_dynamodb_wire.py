"""The local cloud writes DynamoDB item results itself; they must read back exactly as moto's
did."""

from __future__ import annotations

import sys

import boto3
import pytest
from moto import mock_aws

from localcloud import engine
from localcloud.template import table_create_args

ITEM = {
    "PK": "APP#1",
    "SK": "APP",
    "n": 12,
    "f": "0.25",
    "flag": True,
    "nothing": None,
    "nested": {"list": [1, "two", {"three": [3]}], "empty": {}},
    "strings": {"a", "b"},
    "numbers": {1, 2},
    "blob": b"\x00\x01binary",
}


def _read_all() -> dict:
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        table.put_item(Item=ITEM)
        return {
            "get": table.get_item(Key={"PK": "APP#1", "SK": "APP"})["Item"],
            "query": table.query(
                KeyConditionExpression=boto3.dynamodb.conditions.Key("PK").eq("APP#1")
            )["Items"],
            "update": table.update_item(
                Key={"PK": "APP#1", "SK": "APP"},
                UpdateExpression="SET #n = #n + :one",
                ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues={":one": 1},
                ReturnValues="ALL_NEW",
            )["Attributes"],
            "missing": table.get_item(Key={"PK": "nope", "SK": "APP"}).get("Item"),
        }


def test_fast_wire_format_reads_back_like_motos_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.responses import DynamoResult

    # moto's own serializer, even when this process installed the engine before this test
    monkeypatch.setattr(
        DynamoResult,
        "execute_result",
        engine.UNPATCHED.get("execute_result", DynamoResult.execute_result),
    )  # restored after the test
    expected = _read_all()
    engine._patch_dynamodb_responses()
    assert _read_all() == expected


def test_a_failed_transaction_leaves_nothing_behind_with_item_snapshots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.dynamodb import models

    monkeypatch.setattr(models, "copy", models.copy)
    monkeypatch.setattr(
        models.DynamoDBBackend, "transact_write_items", models.DynamoDBBackend.transact_write_items
    )
    engine._patch_dynamodb_transactions()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))
        client.put_item(TableName="t", Item={"PK": {"S": "A"}, "SK": {"S": "1"}, "v": {"N": "1"}})
        with pytest.raises(client.exceptions.TransactionCanceledException):
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"PK": {"S": "A"}, "SK": {"S": "1"}},
                            "UpdateExpression": "SET v = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}},
                        }
                    },
                    {"Put": {"TableName": "t", "Item": {"PK": {"S": "B"}, "SK": {"S": "1"}}}},
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"PK": {"S": "A"}, "SK": {"S": "2"}},
                            "ConditionExpression": "attribute_exists(PK)",
                        }
                    },
                ]
            )
        assert client.get_item(TableName="t", Key={"PK": {"S": "A"}, "SK": {"S": "1"}})["Item"][
            "v"
        ] == {"N": "1"}
        assert "Item" not in client.get_item(
            TableName="t", Key={"PK": {"S": "B"}, "SK": {"S": "1"}}
        )
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"PK": {"S": "C"}, "SK": {"S": "1"}}}}
            ]
        )
        assert "Item" in client.get_item(TableName="t", Key={"PK": {"S": "C"}, "SK": {"S": "1"}})


def _queries() -> dict:
    """Queries whose answers depend on partition, order, paging and the GSI."""
    from boto3.dynamodb.conditions import Key

    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        for p in range(6):
            for s in range(7):
                table.put_item(
                    Item={
                        "PK": f"P#{p}",
                        "SK": f"S#{(s * 5) % 7}",
                        "GSI1PK": f"G#{(p + s) % 3}",
                        "GSI1SK": f"{s:02d}",
                        "v": p * 10 + s,
                    }
                )
        out = {
            "partition": table.query(KeyConditionExpression=Key("PK").eq("P#2"))["Items"],
            "range": table.query(
                KeyConditionExpression=Key("PK").eq("P#3") & Key("SK").between("S#2", "S#5")
            )["Items"],
            "reverse": table.query(
                KeyConditionExpression=Key("PK").eq("P#4"), ScanIndexForward=False
            )["Items"],
            "missing": table.query(KeyConditionExpression=Key("PK").eq("P#9"))["Items"],
            "gsi": table.query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("G#1"))[
                "Items"
            ],
        }
        pages, kwargs = [], {"KeyConditionExpression": Key("PK").eq("P#5"), "Limit": 3}
        while True:
            page = table.query(**kwargs)
            pages.append(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out["pages"] = pages
        return out


def test_queries_answer_as_motos_table_wide_query_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    expected = _queries()
    assert [i["SK"] for i in expected["partition"]] == [f"S#{s}" for s in range(7)]
    assert len(expected["pages"]) == 3 and expected["gsi"]
    monkeypatch.setattr(Table, "query", Table.query)  # restored after the test
    engine._patch_dynamodb_queries()
    assert _queries() == expected


def test_threads_sharing_one_table_resource_build_their_own_conditions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As chalice local and the engine's task threads share one Container (one Table resource).
    import threading

    from boto3.dynamodb.conditions import Key
    from boto3.dynamodb.transform import TransformationInjector

    monkeypatch.setattr(TransformationInjector, "_condition_builder", None, raising=False)
    engine._patch_condition_builder()

    errors: list[Exception] = []
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        table.put_item(Item={"PK": "A", "SK": "B"})

        def work() -> None:
            try:
                for _ in range(150):
                    cond = Key("PK").eq("A") & Key("SK").between("A", "C")
                    assert table.query(KeyConditionExpression=cond)["Count"] == 1
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        interval = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads often, as a loaded local cloud does
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(interval)
    assert errors == []


def _projections() -> dict:
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        table.put_item(Item=ITEM)
        key = {"PK": "APP#1", "SK": "APP"}

        def get(expr: str, names: dict[str, str]) -> dict:
            return table.get_item(
                Key=key, ProjectionExpression=expr, ExpressionAttributeNames=names
            )["Item"]

        return {
            "top": get(
                "#n, #f, #s, #b, #missing",
                {"#n": "n", "#f": "flag", "#s": "strings", "#b": "blob", "#missing": "x"},
            ),
            "map": get("#nested", {"#nested": "nested"}),
            "nested": get("#nested.#list, #n", {"#nested": "nested", "#list": "list", "#n": "n"}),
            "query": table.query(
                KeyConditionExpression=boto3.dynamodb.conditions.Key("PK").eq("APP#1"),
                ProjectionExpression="#n, #nested",
                ExpressionAttributeNames={"#n": "n", "#nested": "nested"},
            )["Items"],
        }


def test_projections_answer_as_motos_do(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.dynamo_type import Item

    expected = _projections()
    assert expected["top"]["strings"] == {"a", "b"} and "x" not in expected["top"]
    monkeypatch.setattr(Item, "project", Item.project)  # restored after the test
    engine._patch_projection()
    assert _projections() == expected


def test_gsi_queries_see_exactly_what_a_scan_sees_after_every_kind_of_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-index map behind a GSI Query (engine 8) is kept by puts, updates that move an
    item to another key, deletes, transactions and their rollbacks: a Query never misses an
    item a Scan finds, nor returns one it does not."""
    import random

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    for owner, name in (
        (Table, "query"),
        (Table, "put_item"),
        (models.DynamoDBBackend, "update_item"),
        (models, "copy"),
        (models.DynamoDBBackend, "transact_write_items"),
    ):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    engine._patch_dynamodb_queries()
    engine._patch_dynamodb_transactions()
    rng = random.Random(7)
    users = [f"USER#{n}" for n in range(4)]
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))

        def key(n: int) -> dict:
            return {"PK": {"S": f"LOAN#{n}"}, "SK": {"S": "LOAN"}}

        def check() -> None:
            scanned = client.scan(TableName="t")["Items"]
            for user in users:
                expected = sorted(
                    i["PK"]["S"] for i in scanned if i.get("GSI1PK", {}).get("S") == user
                )
                got = client.query(
                    TableName="t",
                    IndexName="GSI1",
                    KeyConditionExpression="GSI1PK = :u",
                    ExpressionAttributeValues={":u": {"S": user}},
                )["Items"]
                assert sorted(i["PK"]["S"] for i in got) == expected

        check()  # the index is built on a first Query of an empty table, then kept
        for step in range(300):
            n, user = rng.randrange(30), rng.choice(users)
            kind = rng.choice(["put", "update", "unindex", "delete", "transact", "rollback"])
            if kind == "unindex":  # the item leaves the index altogether
                client.update_item(
                    TableName="t", Key=key(n), UpdateExpression="REMOVE GSI1PK, GSI1SK"
                )
            elif kind == "put":
                item = {**key(n), "GSI1PK": {"S": user}, "GSI1SK": {"S": f"{step:04d}"}}
                client.put_item(TableName="t", Item=item)
            elif kind == "update":
                client.update_item(
                    TableName="t",
                    Key=key(n),
                    UpdateExpression="SET GSI1PK = :u, GSI1SK = :s",
                    ExpressionAttributeValues={":u": {"S": user}, ":s": {"S": f"{step:04d}"}},
                )
            elif kind == "delete":
                client.delete_item(TableName="t", Key=key(n))
            else:
                moves = [
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": key(n),
                            "UpdateExpression": "SET GSI1PK = :u, GSI1SK = :s",
                            "ExpressionAttributeValues": {
                                ":u": {"S": user},
                                ":s": {"S": f"{step:04d}"},
                            },
                        }
                    }
                ]
                if kind == "rollback":  # a second write that must fail takes the first back
                    moves.append(
                        {
                            "ConditionCheck": {
                                "TableName": "t",
                                "Key": key(n + 100),
                                "ConditionExpression": "attribute_exists(PK)",
                            }
                        }
                    )
                try:
                    client.transact_write_items(TransactItems=moves)
                except client.exceptions.TransactionCanceledException:
                    assert kind == "rollback"
            check()


UPDATES = [  # (UpdateExpression, values): what our adapters write, and the awkward cases
    ("SET #n = #n + :one, #f = :f ADD #s :set REMOVE #gone", {":one": 1, ":f": "x", ":set": {"a"}}),
    ("SET #l = list_append(if_not_exists(#l, :empty), :more)", {":empty": [], ":more": [1, 2]}),
    ("SET #m.#k = :v, #n = if_not_exists(#n, :one)", {":v": {"deep": [1]}, ":one": 1}),
    ("SET #n = :one SET #f = :f", {":one": 1, ":f": "y"}),  # two SET clauses: refused
    ("ADD #n :one ADD #n :one", {":one": 1}),  # two ADD clauses: refused
    ("SET #gone = :one REMOVE #gone", {":one": 1}),  # overlapping paths: refused
]


def _apply_updates() -> list:
    from botocore.exceptions import ClientError

    names_all = {"#n": "n", "#f": "f", "#s": "s", "#gone": "gone", "#l": "l", "#m": "m", "#k": "k"}
    out = []
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        table.put_item(Item={"PK": "A", "SK": "1", "n": 1, "gone": "x", "m": {}})
        for _round in range(2):  # the second round meets the cached parses
            for expression, values in UPDATES:
                names = {k: v for k, v in names_all.items() if k in expression}
                try:
                    got = table.update_item(
                        Key={"PK": "A", "SK": "1"},
                        UpdateExpression=expression,
                        ExpressionAttributeNames=names,
                        ExpressionAttributeValues=values,
                        ReturnValues="ALL_NEW",
                    )["Attributes"]
                except ClientError as exc:
                    got = exc.response["Error"]
                out.append(got)
    return out


def test_update_expressions_mean_the_same_with_the_engines_shortcuts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Engine 16: a parse kept per expression string, clauses counted at the root, the tree
    copied by pickle: every update gives the item (or the error) moto gave without them."""
    from moto.dynamodb.parsing import ast_nodes, expressions, validators

    # moto as it ships, even when this process installed the engine before this test
    make, deepcopy, kinds = engine.UNPATCHED.get(
        "update_expressions",
        (
            expressions.UpdateExpressionParser.__dict__["make"],
            validators.deepcopy,
            ast_nodes.DepthFirstTraverser.__dict__["nodes_to_be_processed"],
        ),
    )
    monkeypatch.setattr(expressions.UpdateExpressionParser, "make", make)
    monkeypatch.setattr(validators, "deepcopy", deepcopy)
    monkeypatch.setattr(ast_nodes.DepthFirstTraverser, "nodes_to_be_processed", kinds)
    if "traverse" in validators.ActionCountValidator.__dict__:  # the engine's count at the root
        monkeypatch.delattr(validators.ActionCountValidator, "traverse")
    expected = _apply_updates()
    engine._patch_update_expressions()
    assert _apply_updates() == expected
    assert sum(1 for r in expected if "Code" in r) == 6  # the refused ones, both rounds


@pytest.mark.parametrize("char", ["a", "中"])  # 1 and 3 bytes of UTF-8
def test_an_item_over_the_size_limit_is_refused_by_put_and_by_update(
    monkeypatch: pytest.MonkeyPatch, char: str
) -> None:
    """Engine 17 checks an item's size once, whole, and takes an ASCII string's length for its
    UTF-8 size: what fits and what does not is as before (moto's limit, 405,000 bytes)."""
    from botocore.exceptions import ClientError
    from moto.dynamodb.models import dynamo_type, utilities

    monkeypatch.setattr(dynamo_type.Item, "__init__", dynamo_type.Item.__init__)
    monkeypatch.setattr(utilities, "bytesize", utilities.bytesize)
    monkeypatch.setattr(dynamo_type, "bytesize", dynamo_type.bytesize)
    engine._patch_item_sizes()
    width = len(char.encode())
    with mock_aws():
        boto3.client("dynamodb", region_name="us-east-1").create_table(**table_create_args("t"))
        table = boto3.resource("dynamodb", region_name="us-east-1").Table("t")
        key = {"PK": "A", "SK": "1"}  # 6 bytes of names, 2 of values
        fits = char * ((404_000 - 8 - len("big")) // width)
        table.put_item(Item={**key, "big": fits})
        with pytest.raises(ClientError, match="size"):
            table.put_item(Item={**key, "big": fits, "more": char * (2_000 // width)})
        with pytest.raises(ClientError, match="size"):
            table.update_item(
                Key=key,
                UpdateExpression="SET #more = :more",
                ExpressionAttributeNames={"#more": "more"},
                ExpressionAttributeValues={":more": char * (2_000 // width)},
            )
        assert table.get_item(Key=key)["Item"] == {**key, "big": fits}


def test_string_keys_compare_and_hash_as_moto_compares_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    values = [
        {"S": "b"},
        {"S": "a"},
        {"S": "a"},
        {"N": "2"},
        {"N": "10"},
        {"S": "10"},
        {"B": "eA=="},
    ]
    pairs = [(DynamoType(x), DynamoType(y)) for x in values for y in values]

    def outcomes() -> list:
        same_kind = [(a, b) for a, b in pairs if a.type == b.type]
        return [
            [(a == b, a != b) for a, b in pairs],
            [a < b for a, b in same_kind],
            len({DynamoType(v) for v in values}),
        ]

    for name in ("__eq__", "__ne__", "__lt__", "__hash__"):
        moto_own = engine.UNPATCHED.get("dynamo_type", {}).get(name, DynamoType.__dict__[name])
        monkeypatch.setattr(DynamoType, name, moto_own)
    expected = outcomes()
    engine._patch_string_comparisons()
    assert outcomes() == expected


def _every_operation_we_use() -> list:
    """The DynamoDB operations the product sends, and the refusals it reads, as the client
    parses them (request ids and the table's creation time aside)."""
    from botocore.exceptions import ClientError

    heard: list = []
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**table_create_args("t"))

        def call(operation: str, **kwargs: object) -> None:
            try:
                answer = getattr(client, operation)(**kwargs)
                answer.pop("ResponseMetadata")
                answer.get("Table", {}).pop("CreationDateTime", None)
                heard.append((operation, answer))
            except ClientError as e:
                r = e.response
                heard.append(
                    (
                        operation,
                        r["Error"],
                        r.get("CancellationReasons"),
                        r.get("Item"),
                        r["ResponseMetadata"]["HTTPStatusCode"],
                    )
                )

        key = {"PK": {"S": "A"}, "SK": {"S": "1"}}
        item = {
            **key,
            "GSI1PK": {"S": "G"},
            "GSI1SK": {"S": "1"},
            "n": {"N": "12"},
            "b": {"B": b"\x00\x01"},
            "m": {"M": {"B": {"S": "not binary"}, "l": {"L": [{"N": "1"}, {"NULL": True}]}}},
            "ss": {"SS": ["x", "y"]},
        }
        call("put_item", TableName="t", Item=item)
        call(
            "put_item",
            TableName="t",
            Item=item,
            ConditionExpression="attribute_not_exists(PK)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        call("get_item", TableName="t", Key=key, ConsistentRead=True)
        call("get_item", TableName="t", Key={"PK": {"S": "none"}, "SK": {"S": "1"}})
        call("get_item", TableName="missing", Key=key)
        call(
            "update_item",
            TableName="t",
            Key=key,
            UpdateExpression="SET #n = #n + :one ADD ss :z",
            ExpressionAttributeNames={"#n": "n"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":z": {"SS": ["z"]}},
            ReturnValues="ALL_NEW",
        )
        call("update_item", TableName="t", Key=key, UpdateExpression="SET = broken")
        call(
            "query",
            TableName="t",
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": "A"}},
        )
        call(
            "query",
            TableName="t",
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :g",
            ExpressionAttributeValues={":g": {"S": "G"}},
            ProjectionExpression="PK, n",
        )
        call("batch_get_item", RequestItems={"t": {"Keys": [key], "ConsistentRead": True}})
        call(
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"PK": {"S": "B"}, "SK": {"S": "1"}}}},
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": key,
                        "ConditionExpression": "n = :x",
                        "ExpressionAttributeValues": {":x": {"N": "0"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ],
        )
        call(
            "transact_write_items",
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"PK": {"S": "B"}, "SK": {"S": "1"}}}},
                {"Delete": {"TableName": "t", "Key": key}},
            ],
        )
        call("scan", TableName="t")
        call(
            "delete_item",
            TableName="t",
            Key={"PK": {"S": "B"}, "SK": {"S": "1"}},
            ReturnValues="ALL_OLD",
        )
        call("describe_table", TableName="t")
    return heard


def test_direct_dispatch_answers_as_motos_request_handling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.core.botocore_stubber import BotocoreStubber

    # moto's own request handling, even when this process installed the engine before
    monkeypatch.setattr(
        BotocoreStubber,
        "process_request",
        engine.UNPATCHED.get("process_request", BotocoreStubber.process_request),
    )
    expected = _every_operation_we_use()
    engine._patch_dynamodb_dispatch()
    assert BotocoreStubber.process_request is not engine.UNPATCHED["process_request"]
    assert _every_operation_we_use() == expected
