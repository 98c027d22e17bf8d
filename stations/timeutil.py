"""Time conversions: the only place that knows about local time (Asia/Ho_Chi_Minh, UTC+7).

Storage is UTC epoch seconds; file timestamps are local time; display is local time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Vietnam has had no daylight saving since 1975: a fixed offset is exact and faster.
VN_OFFSET = timezone(timedelta(hours=7), "ICT")


def to_epoch(dt: datetime) -> int:
    """Aware datetime -> UTC epoch seconds. Naive datetimes are refused (ambiguous)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: give a time zone (file timestamps are UTC+7)")
    return int(dt.timestamp())


def from_epoch(seconds: int, tz: timezone | ZoneInfo = UTC) -> datetime:
    """UTC epoch seconds -> aware datetime in ``tz`` (UTC by default)."""
    return datetime.fromtimestamp(seconds, tz)


def local_to_epoch(stamp: str) -> int:
    """A ``YYYYMMDDhhmmss`` local-time (UTC+7) stamp -> UTC epoch seconds."""
    dt = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=VN_OFFSET)
    return int(dt.timestamp())


def epoch_to_local_iso(seconds: int, tz: tzinfo = VN_TZ) -> str:
    """UTC epoch seconds -> ISO 8601 string with the display offset (e.g. ``+07:00``)."""
    return datetime.fromtimestamp(seconds, tz).isoformat()


def now_epoch() -> int:
    """Current UTC epoch seconds (callers in the core receive ``now``; this is for the edges)."""
    return int(datetime.now(UTC).timestamp())


# In a query string an unencoded "+07:00" arrives as " 07:00": restore the sign when the text
# already has a time part ("T"), so "2026-11-20 08:00" (space as date/time separator) still works.
_LOST_PLUS = re.compile(r"(T\S*) (\d{2}:?\d{2})$")


MIN_YEAR, MAX_YEAR = 1900, 2200  # the one bound on any time a request or command names


def parse_iso_time(text: str, tz: tzinfo = VN_TZ) -> int:
    """ISO 8601 date or date-time -> UTC epoch seconds; without an offset it is ``tz`` time.

    Raises:
        ValueError: the text is not ISO 8601 (callers turn it into a 400 or a CLI error).
    """
    dt = datetime.fromisoformat(_LOST_PLUS.sub(r"\1+\2", text.strip()))
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        # Far dates overflow later arithmetic (local-time shifts, buckets): refuse them here.
        raise ValueError(f"year must be {MIN_YEAR}..{MAX_YEAR}: {dt.year}")
    return int((dt if dt.tzinfo else dt.replace(tzinfo=tz)).timestamp())


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_HH_MM = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]
_SS = [f":{s:02d}" for s in range(60)]


def local_isos(stamps: Iterable[int], tz: tzinfo) -> dict[int, str]:
    """``{t: epoch_to_local_iso(t, tz)}`` for many epoch seconds at a fraction of the cost.

    ``isoformat`` of an aware datetime costs ~2 µs, most of an answer's time labels. The zone is
    asked once per UTC hour (at both ends: an offset change inside the hour sends that hour's
    times to the exact path); the date is formatted once per local day, the clock by integers.
    """
    hours: dict[int, tuple[int, str] | None] = {}
    days: dict[int, str] = {}
    out: dict[int, str] = {}
    for t in stamps:
        hour = t - t % 3600
        if hour not in hours:
            first, last = datetime.fromtimestamp(hour, tz), datetime.fromtimestamp(hour + 3599, tz)
            offset = first.utcoffset()
            hours[hour] = (
                (int(offset.total_seconds()), first.isoformat()[19:])
                if offset is not None and offset == last.utcoffset()
                else None
            )
        known = hours[hour]
        if known is None:
            out[t] = epoch_to_local_iso(t, tz)
            continue
        day, s = divmod(t + known[0], 86400)
        if day not in days:
            days[day] = date.fromordinal(_EPOCH_ORDINAL + day).isoformat() + "T"
        out[t] = days[day] + _HH_MM[s // 60] + _SS[s % 60] + known[1]
    return out
