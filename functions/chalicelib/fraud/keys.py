"""Single-table keys of fraud screening. Every hash here is an HMAC, never a raw identifier.

| PK                    | SK                      | holds                                       |
|-----------------------|-------------------------|---------------------------------------------|
| VEL#DEV#<device hash> | W86400#<yyyymmddhh>     | members: "<epoch>#<application id>"         |
| VEL#IP#<ip hash>      | W86400#<yyyymmddhh>     | same, per IP                                |
| VEL#ID#<id hash>      | W86400#<yyyymmddhh>     | same, per ID                                |
| DEV#<device hash>     | W2592000#<yyyymmddhh>   | members: "<epoch>#<ID hash>"                |
| ACC#<id hash>         | W31536000#<yyyymmddhh>  | members: "<epoch>#<user id>" (per ID)       |
| LOC#USR#<user id>     | W86400#<yyyymmddhh>     | sightings "<epoch>#<lat>#<lon>#<app id>"    |
| LOC#DEV#<device hash> | W86400#<yyyymmddhh>     | same, per device                            |
| BLK#<kind>#<hash>     | BLK                     | kind, reasonCode, addedAt                   |

Every counter is a string set per time bucket, and a series' buckets are as wide as its
window (the SK names the width in seconds and the bucket's start, UTC). So the last window
always lies in two buckets, the one before and this one, whatever its length: one screening
reads 14 items, not one per hour of every window. Members carry the time they were added
("<epoch:010d>#<value>"), and counts keep only those inside the window, so windows are exact
to the second. A retried screening adds the same value with a later time; counts are of
distinct values, so it still counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from chalicelib.fraud.model import Sighting


def velocity_series(kind: str, value_hash: str) -> str:
    return f"VEL#{kind}#{value_hash}"


def device_ids_series(device_hash: str) -> str:
    return f"DEV#{device_hash}"


def accounts_series(id_hash: str) -> str:
    return f"ACC#{id_hash}"


def sightings_series(kind: str, value: str) -> str:
    return f"LOC#{kind}#{value}"


def blacklist_pk(kind: str, value_hash: str) -> str:
    return f"BLK#{kind}#{value_hash}"


BLACKLIST_SK = "BLK"


def window_bucket(epoch: int, seconds: int) -> str:
    """The bucket holding time `epoch` in a series whose buckets are `seconds` wide."""
    start = epoch - epoch % seconds
    return f"W{seconds}#{datetime.fromtimestamp(start, UTC):%Y%m%d%H}"


def window_buckets(now: int, seconds: int) -> list[str]:
    """The buckets that hold every member of the last `seconds` seconds: the one before and
    this one."""
    return [window_bucket(now - seconds, seconds), window_bucket(now, seconds)]


def window_expiry(epoch: int, seconds: int) -> int:
    """When the bucket holding `epoch` may go: it is read until the next bucket ends (plus an
    hour)."""
    return epoch - epoch % seconds + 2 * seconds + 3600


def stamped(epoch: int, value: str) -> str:
    return f"{epoch:010d}#{value}"


def values_since(members: Iterable[str], since: int) -> set[str]:
    """The distinct values of stamped members added at or after `since`."""
    out = set()
    for member in members:
        at, value = member.split("#", 1)
        if int(at) >= since:
            out.add(value)
    return out


def sighting_member(s: Sighting) -> str:
    # Two decimals (~1 km): enough for travel speed, less precise than a home address.
    return stamped(s.at, f"{s.lat:.2f}#{s.lon:.2f}#{s.application_id}")


def sighting_from_member(member: str) -> Sighting:
    at, lat, lon, application_id = member.split("#", 3)
    return Sighting(application_id, int(at), float(lat), float(lon))
