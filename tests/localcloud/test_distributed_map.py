"""The pure parts of the engine's Distributed Map (infra/localcloud/distributed_map.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localcloud.distributed_map import (
    Child,
    InvalidMapDefinition,
    MapRun,
    MapSettings,
    batches,
    rewrite,
)


def compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


items_strategy = st.lists(
    st.fixed_dictionaries({"id": st.text(max_size=20)}) | st.text(max_size=12), max_size=60
)


@given(
    items=items_strategy,
    max_items=st.none() | st.integers(1, 9),
    max_bytes=st.none() | st.integers(20, 400),
    batch_input=st.none() | st.just({"businessDate": "2030-01-02"}),
)
def test_batches_keep_every_item_in_order_within_the_limits_and_as_full_as_they_allow(
    items: list[Any], max_items: int | None, max_bytes: int | None, batch_input: Any
) -> None:
    out = batches(items, max_items, max_bytes, batch_input)
    assert [i for b in out for i in b["Items"]] == items
    for k, batch in enumerate(out):
        assert batch.get("BatchInput") == batch_input
        assert batch["Items"], "no empty batch"
        if max_items is not None:
            assert len(batch["Items"]) <= max_items
        if max_bytes is not None and len(batch["Items"]) > 1:  # one item too big goes alone
            assert compact(batch) <= max_bytes
        if k + 1 < len(out):  # closed only because the next item would not fit
            grown = {**batch, "Items": [*batch["Items"], out[k + 1]["Items"][0]]}
            assert (max_items is not None and len(batch["Items"]) == max_items) or (
                max_bytes is not None and compact(grown) > max_bytes
            )


def distributed_map(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True}},
        },
        "End": True,
        **fields,
    }


def test_rewrite_keeps_what_moto_cannot_parse_and_leaves_the_rest() -> None:
    inner = distributed_map(ItemBatcher={"MaxItemsPerBatch": 3}, ToleratedFailureCount=2)
    outer = distributed_map(
        ItemBatcher={"MaxInputBytesPerBatch": 1024, "BatchInput": {"d.$": "$.d"}},
        ToleratedFailurePercentage=5,
    )
    outer["ItemProcessor"]["States"] = {
        "Fan": {"Type": "Parallel", "Branches": [{"StartAt": "In", "States": {"In": inner}}]}
    }
    outer["ItemProcessor"]["StartAt"] = "Fan"
    text, settings = rewrite(json.dumps({"StartAt": "Out", "States": {"Out": outer}}))
    doc = json.loads(text)
    out = doc["States"]["Out"]
    assert "ItemBatcher" not in out and out["ToleratedFailurePercentage"] == 5.0
    assert out["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "STANDARD"
    nested = out["ItemProcessor"]["States"]["Fan"]["Branches"][0]["States"]["In"]
    assert "ItemBatcher" not in nested
    assert settings[("Out",)].batcher.max_bytes == 1024  # type: ignore[union-attr]
    assert settings[("Out",)].batcher.batch_input == {"d.$": "$.d"}  # type: ignore[union-attr]
    assert settings[("Out",)].declares_percentage and not settings[("Out",)].declares_count
    assert settings[("Out", "Fan", 0, "In")].batcher.max_items == 3  # type: ignore[union-attr]
    assert settings[("Out", "Fan", 0, "In")].declares_count


def test_a_definition_without_a_map_is_parsed_as_given() -> None:
    text = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}'
    assert rewrite(text) == (text, {})


@pytest.mark.parametrize(
    "state, problem",
    [
        (
            {**distributed_map(ItemBatcher={"MaxItemsPerBatch": 2}), "ItemProcessor": {}},
            "needs a DISTRIBUTED Map",
        ),
        (distributed_map(ItemBatcher={"MaxItemsPerBatch": 0}), "positive integer"),
        (distributed_map(ItemBatcher={"MaxItemsPerBatch": 2.5}), "positive integer"),
        (distributed_map(ItemBatcher={"MaxInputBytesPerBatch": 262_145}), "256 KiB"),
    ],
)
def test_rewrite_refuses_a_batcher_aws_refuses(state: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidMapDefinition, match=problem):
        rewrite(json.dumps({"StartAt": "M", "States": {"M": state}}))


def run_with(
    failed_batches: int, *, count: int | None = None, percentage: float | None = None
) -> MapRun:
    """Ten batches of ten items; the first `failed_batches` fail."""
    settings = MapSettings(
        declares_count=count is not None, declares_percentage=percentage is not None
    )
    record = SimpleNamespace(
        tolerated_failure_count=count or 0, tolerated_failure_percentage=percentage or 0.0
    )
    run = MapRun([Child(i, {}, 10) for i in range(10)], settings, record)
    for _ in range(failed_batches):
        child = run.next()
        assert child is not None
        child.status = "FAILED"
        run.finished(child)
    return run


def test_with_no_tolerance_one_failed_item_passes_the_threshold() -> None:
    assert not run_with(0).threshold_passed()
    assert run_with(1).threshold_passed()


def test_the_threshold_is_passed_when_failures_exceed_a_declared_limit() -> None:
    assert not run_with(1, count=10).threshold_passed()  # 10 failed items, 10 tolerated
    assert run_with(2, count=10).threshold_passed()
    assert not run_with(2, percentage=20).threshold_passed()  # 20% of 100 items
    assert run_with(3, percentage=20).threshold_passed()
    assert run_with(2, count=10, percentage=50).threshold_passed()  # either limit


def test_past_the_threshold_no_further_child_is_handed_out() -> None:
    run = run_with(1)
    assert run.next() is None
    assert [c.status for c in run.children].count("PENDING") == 9
