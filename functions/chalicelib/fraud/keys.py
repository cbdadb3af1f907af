"""Single-table keys of fraud screening. Every hash here is an HMAC, never a raw identifier.

| PK                    | SK                      | holds                               | TTL      |
|-----------------------|-------------------------|-------------------------------------|----------|
| VEL#DEV#<device hash> | H#<yyyymmddhh>          | members: application ids that hour  | +25 h    |
| VEL#IP#<ip hash>      | H#<yyyymmddhh>          | same, per IP                        | +25 h    |
| VEL#ID#<id hash>      | H#<yyyymmddhh>          | same, per ID                        | +25 h    |
| DEV#<device hash>     | D#<yyyymmdd>            | members: ID hashes seen that day    | +31 d    |
| LOC#USR#<user id>     | H#<yyyymmddhh>          | members: sightings that hour        | +48 h    |
| LOC#DEV#<device hash> | H#<yyyymmddhh>          | same, per device                    | +48 h    |
| BLK#<kind>#<hash>     | BLK                     | kind, reasonCode, addedAt           | none     |

Every counter is a string set per time bucket, so one screening records everything in one
transaction and reads every window back in one or two batch reads (see fraud.dynamodb).
A sighting is a member too: "<epoch:010d>#<lat 2dp>#<lon 2dp>#<application id>".
"""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from chalicelib.fraud.model import Sighting


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


def hour_bucket_list(now: datetime, hours: int) -> list[str]:
    """Every hourly bucket from `hours` hours ago up to now, oldest first."""
    return [hour_bucket(now - timedelta(hours=h)) for h in range(hours, -1, -1)]


def day_bucket_list(now: datetime, days: int) -> list[str]:
    """Every daily bucket of `days` calendar days (UTC) ending today, oldest first."""
    return [day_bucket(now - timedelta(days=d)) for d in range(days - 1, -1, -1)]


def sighting_member(s: Sighting) -> str:
    # Two decimals (~1 km): enough for travel speed, less precise than a home address.
    return f"{s.at:010d}#{s.lat:.2f}#{s.lon:.2f}#{s.application_id}"


def sighting_from_member(member: str) -> Sighting:
    at, lat, lon, application_id = member.split("#", 3)
    return Sighting(application_id, int(at), float(lat), float(lon))
