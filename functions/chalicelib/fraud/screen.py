"""Screen one application for fraud: pure rules over counters and a blacklist behind ports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.fraud import keys
from chalicelib.fraud import policy as p
from chalicelib.fraud.geo import city_coordinates, haversine_km
from chalicelib.fraud.identifiers import hash_identifier
from chalicelib.fraud.model import FraudInput, FraudResult, Sighting
from chalicelib.fraud.port import FraudStore, MemberAdd
from chalicelib.reasons import Reason

REASON_TEXT = {
    p.BLACKLIST: "Your identity, phone or device is on our fraud prevention list.",
    p.DEVICE_SHARED: "This device has been used to apply by several different people.",
    p.VELOCITY: "Too many applications came from this device, network or identity in a short time.",
    p.LOCATION: "Your location is far from the city you told us you live in.",
    p.IMPOSSIBLE_TRAVEL: "Applications came from places too far apart for the time between them.",
    p.IDENTITY_SHARED: "This identity has already been used to apply from another account.",
}
_ORDER = (
    p.BLACKLIST,
    p.DEVICE_SHARED,
    p.IMPOSSIBLE_TRAVEL,
    p.IDENTITY_SHARED,
    p.VELOCITY,
    p.LOCATION,
)


def screen(
    inp: FraudInput,
    *,
    store: FraudStore,
    pepper: bytes,
    policy: p.FraudPolicy = p.DEFAULT_FRAUD_POLICY,
) -> FraudResult:
    """Record this application in the counters, then judge it against them.

    Safe to retry: counters are sets of application ids / ID hashes, sightings of the same
    application are ignored, so a repeated call gives the same result (unless other
    applications arrived in between).
    """
    device = hash_identifier(pepper, "DEVICE", inp.device_fingerprint)
    ip = hash_identifier(pepper, "IP", inp.ip)
    now_s = int(inp.now.timestamp())
    flagged: set[str] = set()
    signals: dict[str, Any] = {}

    listed = [("ID", inp.id_hash), ("DEVICE", device)]
    if inp.phone_hash:
        listed.append(("PHONE", inp.phone_hash))

    # Record, then count (the counts include this application): one write, then one read of
    # every window and the blacklist together.
    vel_s = policy.velocity_window_hours * 3600
    dev_s = policy.device_window_days * 86400
    velocity_series = {
        "device": keys.velocity_series("DEV", device),
        "ip": keys.velocity_series("IP", ip),
        "id": keys.velocity_series("ID", inp.id_hash),
    }
    dev_series = keys.device_ids_series(device)
    acc_s = policy.identity_window_days * 86400
    acc_series = keys.accounts_series(inp.id_hash)
    # What each series records for this application, and over which window it counts.
    recorded = {
        series: (vel_s, keys.stamped(now_s, inp.application_id))
        for series in velocity_series.values()
    }
    recorded[dev_series] = (dev_s, keys.stamped(now_s, inp.id_hash))
    recorded[acc_series] = (acc_s, keys.stamped(now_s, inp.user_id))
    travel_series = (
        keys.sightings_series("USR", inp.user_id),
        keys.sightings_series("DEV", device),
    )
    if inp.lat is not None and inp.lon is not None:
        # Where this application came from, per user and per device (for impossible travel).
        here = keys.sighting_member(Sighting(inp.application_id, now_s, inp.lat, inp.lon))
        recorded.update(
            {series: (policy.travel_lookback_hours * 3600, here) for series in travel_series}
        )
    store.add_members(
        [
            MemberAdd(series, keys.window_bucket(now_s, w), member, keys.window_expiry(now_s, w))
            for series, (w, member) in recorded.items()
        ]
    )
    counted, hits = store.lookup(
        {series: keys.window_buckets(now_s, w) for series, (w, _) in recorded.items()}, listed
    )
    signals["blacklist_hits"] = sorted(kind for kind, _ in hits)
    if hits:
        flagged.add(p.BLACKLIST)

    limits = {
        "device": policy.velocity_max_per_device,
        "ip": policy.velocity_max_per_ip,
        "id": policy.velocity_max_per_id,
    }
    for name, series in velocity_series.items():
        n = len(keys.values_since(counted[series], now_s - vel_s))
        signals[f"velocity_{name}_{policy.velocity_window_hours}h"] = n
        if n > limits[name]:
            flagged.add(p.VELOCITY)

    distinct_ids = len(keys.values_since(counted[dev_series], now_s - dev_s))
    signals[f"device_distinct_ids_{policy.device_window_days}d"] = distinct_ids
    if distinct_ids > policy.device_max_distinct_ids:
        flagged.add(p.DEVICE_SHARED)

    accounts = len(keys.values_since(counted[acc_series], now_s - acc_s))
    signals[f"id_accounts_{policy.identity_window_days}d"] = accounts
    if accounts > policy.identity_max_accounts:
        flagged.add(p.IDENTITY_SHARED)

    # Location
    city = city_coordinates(inp.declared_city)
    signals["declared_city_known"] = city is not None
    signals["km_from_declared_city"] = None
    signals["max_travel_kmh"] = None
    if inp.lat is None or inp.lon is None:
        signals["location_shared"] = False
    else:
        signals["location_shared"] = True
        if city is not None:
            km = haversine_km(inp.lat, inp.lon, *city)
            signals["km_from_declared_city"] = int(km)
            if km > policy.max_km_from_declared_city:
                flagged.add(p.LOCATION)
        seen = [keys.sighting_from_member(m) for s in travel_series for m in counted[s]]
        speed = _max_travel_kmh(inp, seen, policy)
        signals["max_travel_kmh"] = speed
        if speed is not None and speed > policy.max_travel_kmh:
            flagged.add(p.IMPOSSIBLE_TRAVEL)

    codes = [c for c in _ORDER if c in flagged]
    decline = any(policy.actions[c] == "DECLINE" for c in codes)
    review = not decline and any(policy.actions[c] == "REVIEW" for c in codes)
    return FraudResult(
        decline=decline,
        review=review,
        reasons=tuple(Reason(c, REASON_TEXT[c]) for c in codes),
        signals=signals,
    )


def _max_travel_kmh(
    inp: FraudInput, sightings: list[Sighting], policy: p.FraudPolicy
) -> int | None:
    """Fastest implied speed between this application and a recent one of the same user or
    device. None when there is nothing to compare."""
    assert inp.lat is not None and inp.lon is not None
    now_s = int(inp.now.timestamp())
    since = int((inp.now - timedelta(hours=policy.travel_lookback_hours)).timestamp())
    fastest: int | None = None
    for seen in sightings:
        if seen.application_id == inp.application_id or not since <= seen.at <= now_s:
            continue
        km = haversine_km(seen.lat, seen.lon, inp.lat, inp.lon)
        if km < policy.travel_min_km:
            kmh = 0
        else:
            hours = max(now_s - seen.at, policy.travel_min_seconds) / 3600
            kmh = int(km / hours)
        fastest = kmh if fastest is None else max(fastest, kmh)
    return fastest
