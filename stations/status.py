"""Station data status from the time of its last data against its expected interval."""

from __future__ import annotations

from enum import StrEnum


class DataStatus(StrEnum):
    """online: data within about one interval; delayed: late; offline: N missed; no_data: never."""

    ONLINE = "online"
    DELAYED = "delayed"
    OFFLINE = "offline"
    NO_DATA = "no_data"


# Files may arrive up to 5 minutes after the measurement (Circular 10/2021 latency rule), so a
# station is still "online" until one interval plus that grace has passed.
TRANSMISSION_GRACE_S = 300


def data_status(
    last_at: int | None, now: int, interval_s: float, offline_after: int = 3
) -> DataStatus:
    """Classify a station given its last observation time (UTC epoch seconds).

    Args:
        last_at: time of the newest reading, or None if it never sent any.
        now: current time, UTC epoch seconds.
        interval_s: expected interval between readings, seconds.
        offline_after: missed intervals after which the station counts as offline.
    """
    if last_at is None:
        return DataStatus.NO_DATA
    age = now - last_at
    if age <= interval_s + TRANSMISSION_GRACE_S:
        return DataStatus.ONLINE
    if age < offline_after * interval_s + TRANSMISSION_GRACE_S:
        return DataStatus.DELAYED
    return DataStatus.OFFLINE
