"""Alert texts: a one-line message (feed, map, SSE) and the e-mail, Vietnamese first.

Numbers are written the Vietnamese way (decimal comma) in Vietnamese text; times are local
(UTC+7) with the offset spelled out, because an e-mail may be read as legal evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from stations.alerts.bands import band_citation, band_label
from stations.timeutil import VN_TZ, from_epoch

TITLE_VI = {
    "exceedance": "Vượt giới hạn cho phép",
    "near_limit": "Gần ngưỡng giới hạn cho phép",
    "delayed": "Trạm chậm truyền dữ liệu",
    "offline": "Trạm mất kết nối, không nhận được dữ liệu",
    "device_error": "Thiết bị báo lỗi (trạng thái 02) kéo dài",
    "calibration": "Thiết bị hiệu chuẩn (trạng thái 01) kéo dài",
    "aqi": "Chất lượng không khí Xấu (VN_AQI ≥ 151)",
    "rain_warning": "Cảnh báo rủi ro lũ quét, sạt lở đất do mưa (QĐ 18/2021)",
    "forward_lag": "Chậm chuyển tiếp dữ liệu tới nơi nhận",
}
TITLE_EN = {
    "exceedance": "Limit exceeded",
    "near_limit": "Close to the limit",
    "delayed": "Station data delayed",
    "offline": "Station offline, no data received",
    "device_error": "Analyser error (status 02) lasting",
    "calibration": "Calibration (status 01) lasting",
    "aqi": "Poor air quality (VN_AQI ≥ 151)",
    "rain_warning": "Flash-flood and landslide risk from rain (Decision 18/2021)",
    "forward_lag": "Forwarding lag to a destination",
}
NOTICE_VI = {
    "opened": "MỚI",
    "escalated": "TĂNG MỨC",
    "reminder": "NHẮC LẠI",
    "unacknowledged": "CHƯA ĐƯỢC XÁC NHẬN",
    "resolved": "ĐÃ KẾT THÚC",
}
NOTICE_EN = {
    "opened": "NEW",
    "escalated": "BAND RAISED",
    "reminder": "REMINDER",
    "unacknowledged": "NOT ACKNOWLEDGED",
    "resolved": "RESOLVED",
}


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """The station facts a message names."""

    id: str
    name: str
    facility: str | None
    kind: str


def site_of(sites: Mapping[str, SiteInfo], row: Any) -> SiteInfo:
    """What a message names for an alert: its station, else its subject (an alert about a
    forwarding destination has no station; ``kind`` is then the subject's kind,
    ``destination``)."""
    if row.station_id is None:
        kind, _, name = str(row.subject).partition(":")
        return SiteInfo(str(row.subject), name or kind, None, kind)
    return sites.get(row.station_id) or SiteInfo(row.station_id, row.station_id, None, "")


def number_vi(value: float | None, digits: int = 2) -> str:
    """``1234.5`` → ``1.234,5`` (Vietnamese separators, trailing zeros dropped)."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def number_en(value: float | None, digits: int = 2) -> str:
    """``1234.5`` → ``1,234.5``."""
    return "—" if value is None else f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def local_time(epoch: int, tz: tzinfo = VN_TZ) -> str:
    """``14:00 21/11/2026 (UTC+07:00)``."""
    dt = from_epoch(epoch, tz)  # type: ignore[arg-type]
    offset = dt.strftime("%z")
    return f"{dt:%H:%M %d/%m/%Y} (UTC{offset[:3]}:{offset[3:]})"


def one_line(
    alert: Mapping[str, Any], site: SiteInfo, param_vi: str, param_en: str
) -> tuple[str, str]:
    """The feed/map message in Vietnamese and English."""
    kind = alert["rule_type"]
    where_vi = f"{site.name}" + (f" — {param_vi}" if alert["parameter"] else "")
    where_en = f"{site.name}" + (f" — {param_en}" if alert["parameter"] else "")
    vi, en = f"{TITLE_VI[kind]}: {where_vi}", f"{TITLE_EN[kind]}: {where_en}"
    if alert.get("value") is not None and kind in (
        "exceedance",
        "near_limit",
        "aqi",
        "rain_warning",
        "forward_lag",
    ):
        unit = f" {alert['unit']}" if alert.get("unit") else ""
        vi += f", {number_vi(alert['value'])}{unit}"
        en += f", {number_en(alert['value'])}{unit}"
        if alert.get("ratio") is not None:
            vi += f" ({number_vi(alert['ratio'])} lần giới hạn)"
            en += f" ({number_en(alert['ratio'])}× the limit)"
    return vi, en


def email_text(
    notification: str,
    alert: Mapping[str, Any],
    site: SiteInfo,
    param_vi: str,
    param_en: str,
    *,
    map_url: str,
    tz: tzinfo = VN_TZ,
) -> tuple[str, str]:
    """(subject, plain-text body) of an alert e-mail; Vietnamese, then an English summary."""
    kind = alert["rule_type"]
    subject = f"[Quan trắc][{NOTICE_VI[notification]}] {TITLE_VI[kind]} — {site.name}"
    if alert["parameter"]:
        subject += f" — {param_vi}"
    unit = alert.get("unit") or ""
    lines = [f"{NOTICE_VI[notification]}: {TITLE_VI[kind]}", ""]
    if alert.get("subject"):  # about a forwarding destination, not a station
        lines.append(f"Nơi nhận dữ liệu chuyển tiếp: {site.name}")
        pending = (alert.get("details") or {}).get("pending")
        if pending is not None:
            lines.append(f"Số tệp đang chờ: {pending}")
    else:
        lines.append(f"Trạm: {site.name} ({site.id})")
        lines.append(f"Cơ sở: {site.facility or '—'}")
    if alert["parameter"]:
        lines.append(f"Thông số: {param_vi} ({alert['parameter']})")
    if alert.get("value") is not None:
        avg = f" trung bình {alert['averaging']}" if alert.get("averaging") else ""
        lines.append(f"Giá trị{avg}: {number_vi(alert['value'])} {unit}".rstrip())
    if alert.get("limit_value") is not None:
        lines.append(f"Giới hạn: {number_vi(alert['limit_value'])} {unit}".rstrip())
    if alert.get("ratio") is not None:
        lines.append(f"Tỉ lệ so với giới hạn: {number_vi(alert['ratio'])} lần")
    if alert.get("band") is not None and kind == "exceedance":
        lines.append(f"Mức vượt: {band_label(alert['band'])} ({band_citation(alert['band'])})")
    lines.append(f"Bắt đầu lúc: {local_time(alert['opened_at'], tz)}")
    if notification == "resolved" and alert.get("resolved_at"):
        lines.append(f"Kết thúc lúc: {local_time(alert['resolved_at'], tz)}")
    if notification in ("reminder", "unacknowledged"):
        lines.append("Cảnh báo này chưa được xác nhận. Vui lòng xác nhận trên hệ thống.")
    see = "Xem trang chuyển tiếp" if alert.get("subject") else "Xem trạm trên bản đồ"
    lines += [f"{see}: {map_url}", f"Mã cảnh báo: {alert['id']}", "", "---"]
    lines.append(f"{NOTICE_EN[notification]}: {TITLE_EN[kind]} — {site.name}")
    if alert.get("value") is not None:
        lines.append(
            f"Value {number_en(alert['value'])} {unit}, limit {number_en(alert.get('limit_value'))}"
            f" {unit}, ratio {number_en(alert.get('ratio'))}".replace("  ", " ")
        )
    return subject, "\n".join(lines) + "\n"
