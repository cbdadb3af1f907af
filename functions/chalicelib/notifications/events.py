"""A notification as an EventBridge event (pure): what other systems (SMS, push) subscribe to.

    source       weili.notifications
    detail-type  per kind (`money.notifications.DETAIL_TYPES`: "Installment Due Today", ...)
    detail       Notification.as_record(): key, kind, userId, on, subject and the kind's
                 figures (fen, dates, codes). Ids, fen and dates only, never a name, phone
                 number or ID number: a subscriber looks contact details up on its side.

Delivery is at least once (EventBridge's, and a retry after a lost answer): subscribers drop
repeats by `detail.key`, which is the same for every copy.
"""

from __future__ import annotations

import json
from typing import Any

from ..money.notifications import Notification

SOURCE = "weili.notifications"
MAX_ENTRIES = 10  # PutEvents takes at most 10 entries per call


def event_detail(n: Notification) -> dict[str, Any]:
    return n.as_record()


def event_entry(n: Notification, bus_name: str) -> dict[str, Any]:
    """One PutEvents entry."""
    return {
        "EventBusName": bus_name,
        "Source": SOURCE,
        "DetailType": n.detail_type,
        "Detail": json.dumps(event_detail(n), separators=(",", ":"), sort_keys=True),
    }
