"""Citizens' subscriptions: store, double opt-in, one-click unsubscribe, and the step that
queues messages for confirmed subscribers in the existing alert outbox.

An AQI alert (rule type ``aqi`` of the alerts file) that opens or escalates at a station of a
commune notifies the confirmed subscribers of that commune whose chosen category is at or
below the alert's; a commune's rain-warning level opening at N notifies its ``warning``
subscribers of level N or below (service/public/warning_topic.py). Messages go through
``alert_outbox`` (retries, dead letters, idempotency keys) and the alert sender's e-mail and
webhook channels.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from service.auth.secret import same, sign
from service.public.warning_topic import (
    WarningRise,
    highest_rises,
    is_commune_rise,
    warning_message,
)
from stations.aqi import category_of
from stations.aqi_advice import advice_for
from stations.store import alert_outbox
from stations.store.alert_tables import alert_cursors, alert_events, alerts
from stations.store.schema import sites
from stations.store.subscription_tables import public_subscriptions as subs

CURSOR = "public_subscriptions"  # last alert_events.id looked at
NOTIFYING = ("opened", "escalated")
EMAIL = re.compile(r"^[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
TOPICS = {"aqi": range(1, 7), "warning": range(1, 6)}


def fold(name: str) -> str:
    """Accent-insensitive key of a commune name ('Đồng Đăng' → 'dong dang')."""
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def signed_link(key: bytes, base: str, purpose: str, sub_id: int, nonce_hash: str) -> str:
    """``confirm`` or ``unsubscribe`` link of one subscription: its id and an HMAC of the id
    and the row's nonce, so a link works only while the row exists and cannot be guessed."""
    sig = sign(key, f"public-{purpose}", f"{sub_id}:{nonce_hash}")
    return f"{base}/public/subscriptions/{purpose}?id={sub_id}&sig={sig}"


def _row_for(conn: Connection, key: bytes, purpose: str, sub_id: int, sig: str) -> Any:
    row = conn.execute(select(subs).where(subs.c.id == sub_id)).first()
    if row is None or not same(sig, sign(key, f"public-{purpose}", f"{row.id}:{row.token_hash}")):
        return None
    return row


class SubscriptionError(ValueError):
    """A request that cannot become a subscription (message in Vietnamese and English)."""


@dataclass(frozen=True, slots=True)
class SubscriptionRequest:
    """A validated subscription request."""

    channel: str
    address: str
    commune: str
    topic: str
    threshold: int
    lang: str = "vi"


def validate(raw: dict[str, Any], communes: list[str]) -> SubscriptionRequest:
    """Check a request against the known communes and topics; SubscriptionError says why."""
    channel = str(raw.get("channel", "email"))
    address = str(raw.get("address", "")).strip()
    topic = str(raw.get("topic", "aqi"))
    if channel == "email" and not EMAIL.match(address):
        raise SubscriptionError("Địa chỉ e-mail không hợp lệ / invalid e-mail address")
    if channel == "webhook" and not re.match(r"^https?://[^\s]{3,2000}$", address):
        raise SubscriptionError("Webhook phải là URL http(s) / the webhook must be an http(s) URL")
    if channel not in ("email", "webhook"):
        raise SubscriptionError("Kênh: email hoặc webhook / channel: email or webhook")
    if topic not in TOPICS:
        raise SubscriptionError("Chủ đề: aqi hoặc warning / topic: aqi or warning")
    try:
        threshold = int(raw.get("threshold", 3))
    except (TypeError, ValueError):
        threshold = -1
    if threshold not in TOPICS[topic]:
        span = TOPICS[topic]
        raise SubscriptionError(
            f"Ngưỡng {span.start}..{span.stop - 1} / threshold {span.start}..{span.stop - 1}"
        )
    known = {fold(c): c for c in communes}
    commune = fold(str(raw.get("commune", "")))
    if commune not in known:
        raise SubscriptionError("Không có xã, phường này / unknown commune")
    lang = "en" if raw.get("lang") == "en" else "vi"
    return SubscriptionRequest(channel, address, commune, topic, threshold, lang)


def create(conn: Connection, req: SubscriptionRequest, now: int) -> Any:
    """Store a pending subscription; returns its row."""
    nonce = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    conn.execute(
        insert(subs).values(
            token_hash=nonce,
            channel=req.channel,
            address=req.address,
            commune=req.commune,
            topic=req.topic,
            threshold=req.threshold,
            lang=req.lang,
            created_at=now,
            confirmed_at=None,
        )
    )
    return conn.execute(select(subs).where(subs.c.token_hash == nonce)).one()


def confirm(conn: Connection, key: bytes, sub_id: int, sig: str, now: int) -> Any:
    """Activate the subscription of a confirm link; its row, or None for a bad link."""
    row = _row_for(conn, key, "confirm", sub_id, sig)
    if row is not None and row.confirmed_at is None:
        conn.execute(update(subs).where(subs.c.id == row.id).values(confirmed_at=now))
    return row


def remove(conn: Connection, key: bytes, sub_id: int, sig: str) -> bool:
    """Delete the subscription of an unsubscribe link (one click); False for a bad link."""
    row = _row_for(conn, key, "unsubscribe", sub_id, sig)
    if row is None:
        return False
    conn.execute(delete(subs).where(subs.c.id == row.id))
    return True


def _message(row: Any, ev: Any, base: str, unsubscribe: str) -> dict[str, Any]:
    aqi = round(ev.value)
    cat = category_of(aqi)
    adv = advice_for(cat.index)
    en = row.lang == "en"
    label = cat.label_en if en else cat.label_vi
    place = ev.commune or ev.station_id
    subject = (
        f"Air quality {label} in {place}: VN_AQI {aqi}"
        if en
        else f"Chất lượng không khí {label} tại {place}: VN_AQI {aqi}"
    )
    advice = adv.general_en if en else adv.general_vi
    page = f"{base}/public#{ev.station_id}"
    body = (
        f"{subject}\n\n{advice}\n\n{page}\n\n"
        + ("Unsubscribe (one click): " if en else "Hủy đăng ký (một lần bấm): ")
        + unsubscribe
        + "\n"
    )
    return {
        "type": "public.aqi",
        "subject": subject,
        "body": body,
        "commune": place,
        "station": ev.station_id,
        "aqi": aqi,
        "category": cat.index,
        "label_vi": cat.label_vi,
        "label_en": cat.label_en,
        "advice": advice,
        "page": page,
        "unsubscribe": unsubscribe,
    }


def _queue(
    conn: Connection,
    where: tuple[str, str, int],
    event: tuple[int, int],
    message: Callable[[Any, str], dict[str, Any]],
    key: bytes,
    base: str,
    now: int,
) -> int:
    """One outbox row per confirmed subscriber of ``where`` = (folded commune, topic, level):
    those whose threshold is at or below the level. ``message(row, unsubscribe_link)`` builds
    the payload; the alert sender delivers it (one mechanism for every topic)."""
    commune, topic, level = where
    alert_id, event_id = event
    rows = conn.execute(
        select(subs).where(
            subs.c.commune == commune,
            subs.c.topic == topic,
            subs.c.threshold <= level,
            subs.c.confirmed_at.is_not(None),
        )
    ).all()
    for row in rows:
        recipient = f"public-{row.id}"
        msg_key = alert_outbox.make_key(alert_id, event_id, row.channel, recipient)
        unsubscribe = signed_link(key, base, "unsubscribe", row.id, row.token_hash)
        alert_outbox.enqueue(
            conn,
            alert_id=alert_id,
            event_id=event_id,
            channel=row.channel,
            recipient=recipient,
            address=row.address,
            key=msg_key,
            payload={**message(row, unsubscribe), "key": msg_key},
            now=now,
        )
    return len(rows)


def _queue_aqi(conn: Connection, ev: Any, key: bytes, base: str, now: int) -> int:
    where = (fold(ev.commune or ""), "aqi", category_of(round(ev.value)).index)
    return _queue(
        conn,
        where,
        (ev.alert_id, ev.event_id),
        lambda row, unsub: _message(row, ev, base, unsub),
        key,
        base,
        now,
    )


def _queue_warning(conn: Connection, rise: WarningRise, key: bytes, base: str, now: int) -> int:
    page = f"{base}/public#warnings"
    return _queue(
        conn,
        (fold(rise.commune), "warning", rise.level),
        (rise.alert_id, rise.event_id),
        lambda row, unsub: warning_message(rise, row.lang, page, unsub),
        key,
        base,
        now,
    )


def _set_cursor(conn: Connection, held: int | None, position: int, now: int) -> None:
    if held is None:
        conn.execute(insert(alert_cursors).values(name=CURSOR, position=position, updated_at=now))
    elif position != held:
        conn.execute(
            update(alert_cursors)
            .where(alert_cursors.c.name == CURSOR)
            .values(position=position, updated_at=now)
        )


def notify_subscribers(
    engine: Engine, key: bytes, base_url: str, now: int, max_age_s: int = 3 * 3600
) -> int:
    """Queue messages for the alert events not looked at yet (AQI alerts and communes' warning
    levels); returns how many. An alert whose data is older than ``max_age_s`` (a station that
    fell silent, a backlog) tells citizens nothing: its opening is skipped."""
    queued = 0
    with engine.begin() as conn:
        since = conn.scalar(select(alert_cursors.c.position).where(alert_cursors.c.name == CURSOR))
        query = (
            select(
                alert_events.c.id.label("event_id"),
                alert_events.c.event,
                alerts.c.id.label("alert_id"),
                alerts.c.station_id,
                alerts.c.rule_type,
                alerts.c.value,
                alerts.c.band,
                alerts.c.details,
                alerts.c.opened_at,
                sites.c.commune,
            )
            .join(alerts, alerts.c.id == alert_events.c.alert_id)
            .join(sites, sites.c.id == alerts.c.station_id)
            .where(alert_events.c.id > (since or 0))
            .order_by(alert_events.c.id)
        )
        last = since or 0
        rises = []
        for ev in conn.execute(query).all():
            last = ev.event_id
            if ev.event == "opened" and now - int(ev.opened_at) > max_age_s:
                continue
            if is_commune_rise(ev):
                rises.append(ev)
            elif ev.event in NOTIFYING and ev.rule_type == "aqi" and ev.value is not None:
                queued += _queue_aqi(conn, ev, key, base_url, now)
        for rise in highest_rises(conn, rises):
            queued += _queue_warning(conn, rise, key, base_url, now)
        _set_cursor(conn, since, last, now)
    return queued
