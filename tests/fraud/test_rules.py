"""Pure parts of fraud screening: geography, keys, request builders, thresholds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.fraud import dynamo as req
from chalicelib.fraud import keys
from chalicelib.fraud.geo import CITIES, city_coordinates, haversine_km
from chalicelib.fraud.identifiers import hash_identifier
from chalicelib.fraud.memory import InMemoryFraudStore
from chalicelib.fraud.model import FraudInput, FraudResult, Sighting
from chalicelib.fraud.policy import DEFAULT_FRAUD_POLICY, FraudPolicy
from chalicelib.fraud.port import MemberAdd
from chalicelib.fraud.screen import screen
from tests.risk.factories import BEIJING, NOW, SHANGHAI, application


@pytest.mark.parametrize(
    "name", ["北京", "北京市", "Beijing", " beijing ", "BEIJING CITY", "Peking"]
)
def test_city_names_in_chinese_or_pinyin(name: str) -> None:
    assert city_coordinates(name) == BEIJING


@pytest.mark.parametrize("name", ["Xi'an", "西安市", "xian"])
def test_city_aliases(name: str) -> None:
    assert city_coordinates(name) == CITIES[("西安", "xian")]


def test_unknown_city_is_none() -> None:
    assert city_coordinates("Atlantis") is None


@pytest.mark.parametrize(
    "a,b,km",
    [
        (BEIJING, SHANGHAI, 1067),
        (BEIJING, BEIJING, 0),
        (CITIES[("广州", "guangzhou")], CITIES[("深圳", "shenzhen")], 104),
    ],
)
def test_haversine(a: tuple[float, float], b: tuple[float, float], km: int) -> None:
    assert abs(haversine_km(*a, *b) - km) < 5


def test_window_buckets_are_utc_named_by_width_and_start() -> None:
    t = int(
        datetime(2026, 11, 28, 1, 30, tzinfo=timezone(timedelta(hours=8))).timestamp()
    )  # 17:30 UTC the day before
    assert keys.window_bucket(t, 86400) == "W86400#2026112700"
    assert keys.window_bucket(t, 3600) == "W3600#2026112717"


@pytest.mark.parametrize("seconds", [3600, 86400, 30 * 86400])
@pytest.mark.parametrize("offset", [0, 1, 43_200, 86_399])
def test_the_last_window_always_lies_in_the_two_buckets_read(seconds: int, offset: int) -> None:
    now = int(NOW.timestamp()) + offset
    read = keys.window_buckets(now, seconds)
    assert len(read) == 2 and read[0] < read[1]
    # every second of the window (now - seconds, now] falls in a bucket that is read
    for at in range(now - seconds + 1, now + 1, max(1, seconds // 97)):
        assert keys.window_bucket(at, seconds) in read
    assert keys.window_bucket(now, seconds) in read


def test_a_bucket_outlives_every_read_of_it() -> None:
    t = int(NOW.timestamp()) + 5000
    expiry = keys.window_expiry(t, 86400)
    # the last read that names this bucket is one window after the bucket ends
    last_reader = t - t % 86400 + 2 * 86400 - 1
    assert keys.window_bucket(t, 86400) in keys.window_buckets(last_reader, 86400)
    assert expiry > last_reader and expiry - last_reader <= 3601


def test_stamped_members_count_distinct_values_inside_the_window() -> None:
    members = [
        keys.stamped(100, "a"),
        keys.stamped(200, "a"),
        keys.stamped(150, "b#c"),
        keys.stamped(99, "old"),
    ]
    assert keys.values_since(members, 100) == {"a", "b#c"}
    assert keys.values_since(members, 201) == set()


def test_a_sighting_member_keeps_two_decimals_and_reads_back() -> None:
    member = keys.sighting_member(Sighting("app#1", 5, 39.90421, 116.40739))
    assert member == "0000000005#39.90#116.41#app#1"
    assert keys.sighting_from_member(member) == Sighting("app#1", 5, 39.9, 116.41)


def test_request_builders_name_every_attribute_and_merge_one_item_per_bucket() -> None:
    adds = [
        MemberAdd("VEL#IP#h", "W86400#2026112800", "app-1", 123),
        MemberAdd("VEL#IP#h", "W86400#2026112800", "app-2", 124),
        MemberAdd("DEV#d", "W2592000#2026110300", "idh", 9),
    ]
    items = req.add_members_request("T", adds, 1000)
    assert len(items) == 2
    r = items[0]["Update"]
    assert r["TableName"] == "T" and r["Key"] == {"PK": "VEL#IP#h", "SK": "W86400#2026112800"}
    assert r["UpdateExpression"] == "ADD #m :m SET #e = :e"
    assert r["ConditionExpression"] == "attribute_not_exists(#m) OR size(#m) < :cap"
    assert r["ExpressionAttributeNames"] == {"#m": "members", "#e": "expiresAt"}
    assert r["ExpressionAttributeValues"] == {":m": {"app-1", "app-2"}, ":e": 124, ":cap": 1000}


def test_hash_identifier_is_keyed_namespaced_and_normalised() -> None:
    assert hash_identifier(b"p", "ID", "11010519900101123X") == hash_identifier(
        b"p", "ID", " 11010519900101123x"
    )
    assert hash_identifier(b"p", "ID", "x") != hash_identifier(b"q", "ID", "x")
    assert hash_identifier(b"p", "ID", "x") != hash_identifier(b"p", "PHONE", "x")
    assert len(hash_identifier(b"p", "IP", "1.2.3.4")) == 64
    with pytest.raises(ValueError):
        hash_identifier(b"", "ID", "x")


def _screen_many(
    inputs: list[FraudInput], policy: FraudPolicy = DEFAULT_FRAUD_POLICY
) -> FraudResult:
    store = InMemoryFraudStore()
    result = None
    for inp in inputs:
        result = screen(inp, store=store, pepper=b"p", policy=policy)
    assert result is not None
    return result


@pytest.mark.parametrize(
    "case,inputs,codes,decline,review",
    [
        (
            "3 people on a device is allowed",
            [application(n, device_fingerprint="d") for n in range(3)],
            (),
            False,
            False,
        ),
        (
            "4 people on a device is a ring",
            [application(n, device_fingerprint="d") for n in range(4)],
            ("FRAUD_DEVICE_SHARED",),
            True,
            False,
        ),
        (
            "5 applications from one ID is fine",
            [application(1, application_id=f"a{k}") for k in range(5)],
            (),
            False,
            False,
        ),
        (
            "6 applications from one ID is velocity",
            [application(1, application_id=f"a{k}") for k in range(6)],
            ("FRAUD_VELOCITY",),
            False,
            True,
        ),
        (
            "one identity from two accounts is asked about",
            [application(1), application(2, id_hash="idhash-1", now=NOW + timedelta(days=200))],
            ("FRAUD_IDENTITY_SHARED",),
            False,
            True,
        ),
        (
            "one identity from two accounts a year and a day apart is not",
            [application(1), application(2, id_hash="idhash-1", now=NOW + timedelta(days=366))],
            (),
            False,
            False,
        ),
        (
            "299 km from home is fine",
            [application(1, lat=BEIJING[0] + 2.69, lon=BEIJING[1])],
            (),
            False,
            False,
        ),
        (
            "301 km from home is flagged",
            [application(1, lat=BEIJING[0] + 2.71, lon=BEIJING[1])],
            ("FRAUD_LOCATION",),
            False,
            True,
        ),
        (
            "unknown declared city is not flagged",
            [application(1, declared_city="小镇", lat=SHANGHAI[0], lon=SHANGHAI[1])],
            (),
            False,
            False,
        ),
        (
            "GPS drift of 30 km in a minute is not travel",
            [
                application(1, application_id="a"),
                application(
                    1, application_id="b", lat=BEIJING[0] + 0.27, now=NOW + timedelta(minutes=1)
                ),
            ],
            (),
            False,
            False,
        ),
        (
            "decline and review together: decline wins, all reasons kept",
            [application(n, device_fingerprint="d", ip="1.1.1.1") for n in range(6)],
            ("FRAUD_DEVICE_SHARED", "FRAUD_VELOCITY"),
            True,
            False,
        ),
    ],
)
def test_thresholds(
    case: str, inputs: list[FraudInput], codes: tuple[str, ...], decline: bool, review: bool
) -> None:
    r = _screen_many(inputs)
    assert tuple(x.code for x in r.reasons) == codes, case
    assert (r.decline, r.review) == (decline, review), case


def test_actions_are_policy() -> None:
    lenient = FraudPolicy(actions={**FraudPolicy().actions, "FRAUD_DEVICE_SHARED": "REVIEW"})
    r = _screen_many([application(n, device_fingerprint="d") for n in range(4)], lenient)
    assert (r.decline, r.review) == (False, True)


def test_result_round_trips() -> None:
    r = _screen_many([application(n, device_fingerprint="d") for n in range(4)])
    assert FraudResult.from_dict(r.as_dict()) == r


@pytest.mark.parametrize(
    "overrides",
    [
        {"now": NOW.replace(tzinfo=None)},
        {"lat": None},
        {"lat": 91.0},
        {"application_id": ""},
        {"ip": ""},
    ],
)
def test_bad_input_is_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        replace(application(), **overrides)


def test_input_from_a_workflow_payload() -> None:
    payload = {
        "application_id": "app-1",
        "user_id": "user-1",
        "id_hash": "idhash-1",
        "device_fingerprint": "device-1",
        "ip": "10.0.0.1",
        "lat": BEIJING[0],
        "lon": BEIJING[1],
        "declared_city": "北京",
        "now": "2026-11-28T12:00:00+00:00",
    }
    assert FraudInput.from_dict(payload) == application()
    with pytest.raises(ValueError):
        FraudInput.from_dict({**payload, "now": "2026-11-28T12:00:00"})


class _ConflictingClient:
    """A DynamoDB client whose transactions always conflict, as on a hot bucket."""

    def __init__(self) -> None:
        self.updates: list[dict] = []

    def transact_write_items(self, TransactItems: list[dict]) -> None:
        from botocore.exceptions import ClientError

        reasons = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (len(TransactItems) - 1)
        raise ClientError(
            {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons},
            "TransactWriteItems",
        )

    def update_item(self, **request: object) -> None:
        self.updates.append(request)


def test_counters_that_keep_conflicting_are_added_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from types import SimpleNamespace

    monkeypatch.setattr(req.time, "sleep", lambda s: None)
    client = _ConflictingClient()
    table = SimpleNamespace(name="T", meta=SimpleNamespace(client=client))
    req.DynamoDBFraudCounters(table).add_members(
        [
            MemberAdd("VEL#IP#hot", "H#2026112812", "app-1", 9),
            MemberAdd("VEL#ID#i", "H#2026112812", "app-1", 9),
        ]
    )
    assert [u["Key"]["PK"] for u in client.updates] == ["VEL#IP#hot", "VEL#ID#i"]
    assert all(u["UpdateExpression"] == "ADD #m :m SET #e = :e" for u in client.updates)
