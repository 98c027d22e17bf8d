"""The alert as JSON: one document for the API feed, the SSE stream and the webhook body.

Schema (documented in docs/alerts.md, version ``quantrac.alert.v1``): times are ISO 8601 in the
display time zone with offset; ``parameter`` is null for station-level rules.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from stations.alerts.bands import band_label
from stations.alerts.messages import SiteInfo
from stations.timeutil import VN_TZ, epoch_to_local_iso

WEBHOOK_SCHEMA = "quantrac.alert.v1"


def _iso(epoch: int | None, tz: tzinfo) -> str | None:
    return epoch_to_local_iso(epoch, tz) if epoch is not None else None


def map_url(base_url: str, station_id: str) -> str:
    """Link to the station on the staff map."""
    return f"{base_url.rstrip('/')}/map?station={station_id}"


def link_of(base_url: str, row: Any) -> str:
    """Where a person looks at an alert: the station on the map, or the forwarding page for
    an alert about a destination."""
    if row.station_id is None:
        return f"{base_url.rstrip('/')}/admin/forwarding"
    return map_url(base_url, row.station_id)


def alert_document(
    row: Any, site: SiteInfo | None, *, base_url: str, tz: tzinfo = VN_TZ
) -> dict[str, Any]:
    """The public JSON form of a stored alert row."""
    acknowledged = (
        {"by": row.acked_by, "at": _iso(row.acked_at, tz), "comment": row.ack_comment}
        if row.acked_at is not None
        else None
    )
    return {
        "id": row.id,
        "state": row.state,
        "rule": row.rule,
        "rule_type": row.rule_type,
        "station_id": row.station_id,
        "subject": row.subject,  # what the alert is about when station_id is null
        "station_name": site.name if site else None,
        "facility": site.facility if site else None,
        "kind": site.kind if site else None,
        "parameter": row.parameter or None,
        "severity": row.severity,
        "value": row.value,
        "unit": row.unit,
        "limit_value": row.limit_value,
        "ratio": row.ratio,
        "band": row.band,
        "band_label_vi": band_label(row.band) if row.band is not None else None,
        "band_label_en": band_label(row.band, "en") if row.band is not None else None,
        "averaging": row.averaging,
        "message_vi": row.message_vi,
        "message_en": row.message_en,
        "opened_at": _iso(row.opened_at, tz),
        "created_at": _iso(row.created_at, tz),
        "updated_at": _iso(row.updated_at, tz),
        "resolved_at": _iso(row.resolved_at, tz),
        "acknowledged": acknowledged,
        "escalated_at": _iso(row.escalated_at, tz),
        "reminders": row.reminders,
        "map_url": link_of(base_url, row),
    }


def webhook_body(
    notification: str, event_id: int, key: str, created_at: int, alert: dict[str, Any], tz: tzinfo
) -> dict[str, Any]:
    """The webhook JSON: stable across retries (the signature header carries the time)."""
    return {
        "schema": WEBHOOK_SCHEMA,
        "idempotency_key": key,
        "notification": notification,
        "event_id": event_id,
        "created_at": _iso(created_at, tz),
        "alert": alert,
    }
