"""The ``warning`` topic of citizens' subscriptions: a commune's QĐ 18/2021 level rising.

A rain-warning alert (``stations.rain.alerts``: one alert per place and level) that *opens* for a
commune tells that commune's confirmed ``warning`` subscribers whose level N is at or below the
alert's level. Only commune alerts count (a hazard zone is not what people subscribe to); only
``opened`` counts (each alert is one level, so a subscriber hears of each level once per rise);
a backlog that opened several levels of one commune at once sends one message, for the highest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from layers.levels import LEVELS
from layers.store import communes
from stations.alerts.config import RuleType
from stations.timeutil import epoch_to_local_iso

RULE_TYPE = RuleType.RAIN_WARNING.value


@dataclass(frozen=True, slots=True)
class WarningRise:
    """The highest level a commune reached among the events of one pass."""

    alert_id: int
    event_id: int
    commune_id: str
    commune: str  # display name
    level: int
    at: int  # data time of the assessment that opened it
    rain24: float | None
    provisional: bool
    citation: str


def is_commune_rise(ev: Any) -> bool:
    """An ``opened`` rain-warning alert of a commune (not of a zone)."""
    details = ev.details or {}
    return (
        ev.rule_type == RULE_TYPE
        and ev.event == "opened"
        and ev.band is not None
        and details.get("place_type") == "commune"
    )


def highest_rises(conn: Connection, events: list[Any]) -> list[WarningRise]:
    """One rise per commune: the event of the highest level among ``events``."""
    best: dict[str, Any] = {}
    for ev in events:
        cid = str(ev.details["place_id"])
        if cid not in best or ev.band > best[cid].band:
            best[cid] = ev
    if not best:
        return []
    names = dict(
        conn.execute(select(communes.c.id, communes.c.name).where(communes.c.id.in_(best))).all()
    )
    return [
        WarningRise(
            ev.alert_id,
            ev.event_id,
            cid,
            str(names.get(cid, cid)),
            int(ev.band),
            int(ev.opened_at),
            ev.value,
            bool(ev.details.get("provisional")),
            str(ev.details.get("citation") or ""),
        )
        for cid, ev in best.items()
    ]


def warning_message(rise: WarningRise, lang: str, page: str, unsubscribe: str) -> dict[str, Any]:
    """Subject, body and the webhook fields of one rise, in the subscriber's language."""
    en = lang == "en"
    level = LEVELS.get(rise.level)
    rain = "no data" if rise.rain24 is None else f"{rise.rain24:.1f} mm"
    rain_vi = "không có số liệu" if rise.rain24 is None else f"{rise.rain24:.1f} mm"
    when = epoch_to_local_iso(rise.at)
    if en:
        subject = f"Landslide/flash-flood risk level {rise.level} in {rise.commune}"
        text = f"24-h rain {rain} (data of {when}, Vietnam time). Decision 18/2021/QĐ-TTg."
        caveat = " Provisional threshold, pending the officer's confirmation." * rise.provisional
        tail = "Unsubscribe (one click): "
    else:
        subject = f"Rủi ro sạt lở, lũ quét cấp độ {rise.level} tại {rise.commune}"
        text = f"Mưa 24 giờ {rain_vi} (số liệu lúc {when}). Quyết định 18/2021/QĐ-TTg."
        if level is not None:
            text += f" Màu {level.colour_name_vi}."
        caveat = " Ngưỡng tạm thời, chờ cán bộ xác nhận." * rise.provisional
        tail = "Hủy đăng ký (một lần bấm): "
    body = f"{subject}\n\n{text}{caveat}\n\n{page}\n\n{tail}{unsubscribe}\n"
    return {
        "type": "public.warning",
        "subject": subject,
        "body": body,
        "commune": rise.commune,
        "commune_id": rise.commune_id,
        "level": rise.level,
        "rain24_mm": rise.rain24,
        "at": when,
        "provisional": rise.provisional,
        "citation": rise.citation,
        "page": page,
        "unsubscribe": unsubscribe,
    }
