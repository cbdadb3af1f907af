"""Single-table keys of fraud screening. Every hash here is an HMAC, never a raw identifier.

| PK                    | SK                      | holds                               | TTL      |
|-----------------------|-------------------------|-------------------------------------|----------|
| VEL#DEV#<device hash> | H#<yyyymmddhh>          | members: application ids that hour  | +25 h    |
| VEL#IP#<ip hash>      | H#<yyyymmddhh>          | same, per IP                        | +25 h    |
| VEL#ID#<id hash>      | H#<yyyymmddhh>          | same, per ID                        | +25 h    |
| DEV#<device hash>     | D#<yyyymmdd>            | members: ID hashes seen that day    | +31 d    |
| LOC#USR#<user id>     | T#<epoch:010d>#<app id> | lat, lon (2 dp), applicationId, at  | +48 h    |
| LOC#DEV#<device hash> | T#<epoch:010d>#<app id> | same, per device                    | +48 h    |
| BLK#<kind>#<hash>     | BLK                     | kind, reasonCode, addedAt           | none     |
"""

from __future__ import annotations

from datetime import datetime, timedelta, UTC


def velocity_series(kind: str, value_hash: str) -> str:
    return f"VEL#{kind}#{value_hash}"


def device_ids_series(device_hash: str) -> str:
    return f"DEV#{device_hash}"


def sightings_series(kind: str, value: str) -> str:
    return f"LOC#{kind}#{value}"


def blacklist_pk(kind: str, value_hash: str) -> str:
    return f"BLK#{kind}#{value_hash}"


BLACKLIST_SK = "BLK"


def hour_bucket(at: datetime) -> str:
    return "H#" + at.astimezone(UTC).strftime("%Y%m%d%H")


def day_bucket(at: datetime) -> str:
    return "D#" + at.astimezone(UTC).strftime("%Y%m%d")


def hour_buckets(now: datetime, hours: int) -> tuple[str, str]:
    """First and last hourly bucket of a window that covers the last `hours` hours."""
    return hour_bucket(now - timedelta(hours=hours)), hour_bucket(now)


def day_buckets(now: datetime, days: int) -> tuple[str, str]:
    """First and last daily bucket of `days` calendar days (UTC) ending today."""
    return day_bucket(now - timedelta(days=days - 1)), day_bucket(now)


def sighting_sk(at: int, application_id: str) -> str:
    return f"T#{at:010d}#{application_id}"


def sighting_sk_from(at: int) -> str:
    return f"T#{at:010d}#"
