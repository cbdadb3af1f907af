"""One suite, two implementations: the in-memory fakes and the DynamoDB adapters (in moto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.fraud.blacklisting import blacklist_value
from chalicelib.fraud.dynamo import DynamoFraudStore
from chalicelib.fraud.identifiers import hash_identifier
from chalicelib.fraud.memory import InMemoryFraudStore
from chalicelib.fraud.model import BlacklistEntry, FraudResult
from chalicelib.fraud.port import MemberAdd
from chalicelib.fraud.screen import screen
from tests.risk.factories import NOW, SHANGHAI, application

PEPPER = b"test-pepper"


@dataclass
class Stores:
    counters: Any  # one FraudStore, seen as both of its ports
    blacklist: Any
    table: Any = None

    def screen(self, inp) -> FraudResult:  # type: ignore[no-untyped-def]
        return screen(inp, store=self.counters, pepper=PEPPER)


MAX_MEMBERS = 20  # small, so that the cap is testable


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "memory":
        store = InMemoryFraudStore(MAX_MEMBERS)
        yield Stores(store, store)
    else:
        table = request.getfixturevalue("dynamodb_table")
        store = DynamoFraudStore(table, MAX_MEMBERS)
        yield Stores(store, store, table)


# --- Port contract ----------------------------------------------------------------------------


def _add(c, series: str, bucket: str, member: str) -> None:  # type: ignore[no-untyped-def]
    c.add_members([MemberAdd(series, bucket, member, 1)])


def test_adding_a_member_twice_counts_once(stores: Stores) -> None:
    c = stores.counters
    _add(c, "VEL#IP#x", "H#2026112812", "app-1")
    _add(c, "VEL#IP#x", "H#2026112812", "app-1")
    _add(c, "VEL#IP#x", "H#2026112813", "app-1")
    hours = [f"H#20261128{h:02d}" for h in range(24)]
    assert c.members({"VEL#IP#x": hours}) == {"VEL#IP#x": {"app-1"}}


def test_members_are_the_union_of_the_buckets_asked_for_per_series(stores: Stores) -> None:
    c = stores.counters
    c.add_members(
        [
            MemberAdd("VEL#IP#x", "H#2026112710", "old", 1),
            MemberAdd("VEL#IP#x", "H#2026112811", "a", 1),
            MemberAdd("VEL#IP#x", "H#2026112812", "b", 1),
            MemberAdd("VEL#IP#x", "H#2026112812", "b2", 1),  # the same item twice in one call
            MemberAdd("VEL#IP#x", "H#2026112813", "late", 1),
            MemberAdd("VEL#IP#y", "H#2026112812", "other-series", 1),
        ]
    )
    got = c.members(
        {
            "VEL#IP#x": ["H#2026112811", "H#2026112812"],
            "VEL#IP#nobody": ["H#2026112812"],
            "VEL#IP#y": ["H#2026112812"],
        }
    )
    assert got == {
        "VEL#IP#x": {"a", "b", "b2"},
        "VEL#IP#nobody": frozenset(),
        "VEL#IP#y": {"other-series"},
    }


def test_one_read_covers_more_buckets_than_one_batch_request(stores: Stores) -> None:
    c = stores.counters
    buckets = [f"D#{n:04d}" for n in range(130)]
    c.add_members(
        [MemberAdd("DEV#d", buckets[0], "first", 1), MemberAdd("DEV#d", buckets[-1], "last", 1)]
    )
    assert c.members({"DEV#d": buckets}) == {"DEV#d": {"first", "last"}}


def test_a_full_bucket_stops_growing_but_still_counts_and_others_still_land(stores: Stores) -> None:
    c = stores.counters
    for n in range(MAX_MEMBERS + 5):
        _add(c, "VEL#IP#nat", "H#2026112812", f"app-{n}")
    # A retry of an early member, and an add to another bucket in the same call
    c.add_members(
        [
            MemberAdd("VEL#IP#nat", "H#2026112812", "app-0", 1),
            MemberAdd("VEL#ID#i", "H#2026112812", "app-0", 1),
        ]
    )
    got = c.members({"VEL#IP#nat": ["H#2026112812"], "VEL#ID#i": ["H#2026112812"]})
    assert len(got["VEL#IP#nat"]) == MAX_MEMBERS and got["VEL#ID#i"] == {"app-0"}


def test_blacklist_add_find_remove(stores: Stores) -> None:
    b = stores.blacklist
    b.add(BlacklistEntry("ID", "h1", "CONFIRMED_FRAUD", 1))
    b.add(BlacklistEntry("DEVICE", "h2", "CONFIRMED_FRAUD", 1))
    assert b.find([("ID", "h1"), ("ID", "h2"), ("DEVICE", "h2"), ("PHONE", "h1")]) == {
        ("ID", "h1"),
        ("DEVICE", "h2"),
    }
    b.remove("ID", "h1")
    b.remove("ID", "never-listed")
    assert b.find([("ID", "h1")]) == set()


# --- Screening scenarios, against both --------------------------------------------------------


def test_a_clean_application_passes(stores: Stores) -> None:
    r = stores.screen(application())
    assert (r.decline, r.review, r.reasons) == (False, False, ())
    assert r.signals["km_from_declared_city"] == 0
    assert not any(isinstance(v, float) for v in r.signals.values())


def test_fraud_ring_of_five_applicants_on_one_device(stores: Stores) -> None:
    # GIVEN five different people applying from one phone over a few days
    results = [
        stores.screen(application(n, device_fingerprint="ring-phone", now=NOW + timedelta(days=n)))
        for n in range(1, 6)
    ]
    # THEN the first three pass, the fourth and fifth are declined as a shared device
    assert [r.decline for r in results] == [False, False, False, True, True]
    assert [r.signals["device_distinct_ids_30d"] for r in results] == [1, 2, 3, 4, 5]
    assert results[3].reasons[0].code == "FRAUD_DEVICE_SHARED"


def test_device_sharing_forgets_after_the_window(stores: Stores) -> None:
    for n in range(1, 5):
        stores.screen(application(n, device_fingerprint="old-phone", now=NOW))
    later = stores.screen(
        application(9, device_fingerprint="old-phone", now=NOW + timedelta(days=31))
    )
    assert later.signals["device_distinct_ids_30d"] == 1 and not later.decline


def test_one_person_reapplying_on_one_device_is_not_a_ring(stores: Stores) -> None:
    for k in range(4):
        r = stores.screen(
            application(1, application_id=f"again-{k}", now=NOW + timedelta(days=k * 2))
        )
    assert r.signals["device_distinct_ids_30d"] == 1 and not r.decline


def test_velocity_from_one_ip_asks_for_review(stores: Stores) -> None:
    results = [
        stores.screen(application(n, ip="203.0.113.7", now=NOW + timedelta(hours=n * 3)))
        for n in range(1, 7)
    ]
    assert [r.review for r in results] == [False] * 5 + [True]
    assert results[-1].signals["velocity_ip_24h"] == 6
    assert [x.code for x in results[-1].reasons] == ["FRAUD_VELOCITY"]


def test_velocity_window_slides(stores: Stores) -> None:
    for n in range(1, 6):
        stores.screen(application(n, ip="203.0.113.8", now=NOW))
    r = stores.screen(application(6, ip="203.0.113.8", now=NOW + timedelta(hours=26)))
    assert r.signals["velocity_ip_24h"] == 1 and not r.review


def test_velocity_windows_are_exact_to_the_second(stores: Stores) -> None:
    # GIVEN five applications from one IP at 12:00 and one more at 12:00 the next day
    for n in range(1, 6):
        stores.screen(application(n, ip="203.0.113.9", now=NOW))
    edge = stores.screen(application(6, ip="203.0.113.9", now=NOW + timedelta(hours=24)))
    # THEN exactly 24 h later all five still count; one second past, none does
    assert edge.signals["velocity_ip_24h"] == 6 and edge.review
    after = stores.screen(
        application(7, ip="203.0.113.9", now=NOW + timedelta(hours=24, seconds=1))
    )
    assert after.signals["velocity_ip_24h"] == 2


def test_a_window_that_spans_two_buckets_counts_both(stores: Stores) -> None:
    # GIVEN three applications from one IP just before midnight UTC (where daily buckets turn)
    late = NOW.replace(hour=23, minute=50)
    for n in range(1, 4):
        stores.screen(application(n, ip="203.0.113.10", now=late))
    # WHEN three more come just after it
    results = [
        stores.screen(application(n, ip="203.0.113.10", now=late + timedelta(minutes=20)))
        for n in range(4, 7)
    ]
    # THEN the last window, which crosses midnight, counts all six
    assert [r.signals["velocity_ip_24h"] for r in results] == [4, 5, 6] and results[-1].review


def test_impossible_travel_beijing_to_shanghai_in_ten_minutes(stores: Stores) -> None:
    stores.screen(application(1, application_id="a1"))
    r = stores.screen(
        application(
            1,
            application_id="a2",
            lat=SHANGHAI[0],
            lon=SHANGHAI[1],
            declared_city="上海",
            now=NOW + timedelta(minutes=10),
        )
    )
    assert r.decline
    assert [x.code for x in r.reasons] == ["FRAUD_IMPOSSIBLE_TRAVEL"]
    assert r.signals["max_travel_kmh"] > 6000


def test_the_same_trip_by_plane_is_fine(stores: Stores) -> None:
    stores.screen(application(1, application_id="a1"))
    r = stores.screen(
        application(
            1,
            application_id="a2",
            lat=SHANGHAI[0],
            lon=SHANGHAI[1],
            declared_city="上海",
            now=NOW + timedelta(hours=3),
        )
    )
    assert not r.decline and r.signals["max_travel_kmh"] < 900


def test_impossible_travel_is_also_caught_per_device(stores: Stores) -> None:
    stores.screen(application(1, device_fingerprint="shared"))
    r = stores.screen(
        application(
            2,
            device_fingerprint="shared",
            lat=SHANGHAI[0],
            lon=SHANGHAI[1],
            declared_city="上海",
            now=NOW + timedelta(minutes=30),
        )
    )
    assert "FRAUD_IMPOSSIBLE_TRAVEL" in [x.code for x in r.reasons]


def test_far_from_the_declared_city_asks_for_review(stores: Stores) -> None:
    r = stores.screen(application(1, declared_city="Beijing", lat=SHANGHAI[0], lon=SHANGHAI[1]))
    assert r.review and not r.decline
    assert [x.code for x in r.reasons] == ["FRAUD_LOCATION"]
    assert 1000 < r.signals["km_from_declared_city"] < 1100


def test_no_location_means_no_location_signals(stores: Stores) -> None:
    r = stores.screen(application(1, lat=None, lon=None))
    assert r.signals["location_shared"] is False and r.reasons == ()


@pytest.mark.parametrize(
    "kind,field,raw",
    [
        ("ID", "id_hash", None),
        ("DEVICE", "device_fingerprint", "bad-phone-fp"),
        ("PHONE", "phone_hash", None),
    ],
)
def test_blacklisted_identity_device_or_phone_is_declined(
    stores: Stores, kind: str, field: str, raw: str | None
) -> None:
    if raw is None:
        value = hash_identifier(
            PEPPER, kind, "13800138000" if kind == "PHONE" else "110105199001011234"
        )
        stores.blacklist.add(BlacklistEntry(kind, value, "CONFIRMED_FRAUD", 0))  # type: ignore[arg-type]
        inp = application(1, **{field: value})
    else:
        blacklist_value(
            stores.blacklist,
            pepper=PEPPER,
            kind=kind,  # type: ignore[arg-type]
            raw_value=raw,
            reason_code="CONFIRMED_FRAUD",
            now=NOW,
        )
        inp = application(1, **{field: raw})
    r = stores.screen(inp)
    assert r.decline and r.reasons[0].code == "FRAUD_BLACKLIST"
    assert r.signals["blacklist_hits"] == [kind]


def test_a_retried_application_is_counted_once_and_judged_the_same(stores: Stores) -> None:
    # GIVEN five applications from one IP; the fifth is retried by Step Functions three times
    for n in range(1, 5):
        stores.screen(application(n, ip="198.51.100.1"))
    fifth = application(5, ip="198.51.100.1")
    first = stores.screen(fifth)
    retries = [stores.screen(replace(fifth, now=NOW + timedelta(minutes=k))) for k in (1, 2, 70)]
    # THEN the retries count five, not eight, and change nothing
    assert first.signals["velocity_ip_24h"] == 5 and not first.review
    for r in retries:
        assert r == first


def test_nothing_personal_in_keys(stores: Stores) -> None:
    if stores.table is None:
        pytest.skip("keys are a DynamoDB concern")
    inp = application(1, device_fingerprint="fp-secret", ip="192.0.2.55", id_hash="idh")
    stores.screen(inp)
    keys = [(i["PK"], i["SK"]) for i in stores.table.scan()["Items"]]
    assert keys and not any("fp-secret" in pk or "192.0.2.55" in pk for pk, _ in keys)
    assert all("expiresAt" in i for i in stores.table.scan()["Items"])
