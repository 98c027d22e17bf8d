"""The layer registry: every collection we publish, its title, geometry and property schema.

The schemas are the contract for QGIS users and the map (docs/layers.md prints them). Types are
JSON Schema types; only scalar properties are *queryable* (equality filters in OGC items and
exports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection, func, select

from layers.points_layer import streamed_point_features
from layers.stations_layer import station_features
from layers.zone_index import ZoneIndex
from layers.zones_layer import commune_features, zone_features
from stations.limits import load_limits
from stations.store import revisions
from stations.store.compliance_tables import aqi_hourly, compliance_events
from stations.store.programme_tables import programme_imports, programme_rounds
from stations.store.schema import latest_values, sites
from stations.timeutil import VN_TZ


@dataclass(frozen=True, slots=True)
class BuildContext:
    """What building a layer needs from the service: the clock, display zone and status rule."""

    now: int
    tz: tzinfo = VN_TZ
    offline_after: int = 3


@dataclass(frozen=True, slots=True)
class Prop:
    """One property: JSON type, unit (if any) and a bilingual description."""

    type: str
    description: str
    unit: str | None = None


_ZONE_LEVELS = {
    f"{h}_level{s}": Prop(t, f"{h} zone level at the site {d}")
    for h in ("landslide", "flood")
    for s, t, d in (
        ("", "integer", "(1 very low .. 5 very high; null outside any zone)"),
        ("_vi", "string", "(Vietnamese label)"),
        ("_en", "string", "(English label)"),
    )
}

STATION_PROPS: dict[str, Prop] = {
    "id": Prop("string", "mã trạm / station code"),
    "name": Prop("string", "tên trạm / station name"),
    "kind": Prop("string", "air | wastewater | fluegas"),
    "medium": Prop("string", "ambient_air | wastewater | flue_gas"),
    "facility": Prop("string", "cơ sở / facility or operator"),
    "commune": Prop("string", "xã/phường / commune or ward (post-2025)"),
    "district_former": Prop("string", "huyện cũ / district before 2025-07-01"),
    "synthetic": Prop("boolean", "dữ liệu demo / demo data, not real"),
    "data_status": Prop("string", "online | delayed | offline | no_data"),
    "last_observed_at": Prop("string", "thời điểm đo cuối / last observation, ISO 8601 +07:00"),
    "parameters": Prop(
        "object",
        "{code: {value, unit, observed_at, status, qc_flags, limit, limit_low, limit_high, "
        "limit_unit, averaging, low_confidence, mean, mean_hour, ratio, limit_missing}}",
    ),
    "aqi": Prop("integer", "VN_AQI giờ gần nhất / latest hourly VN_AQI (air stations)"),
    "aqi_class": Prop("string", "mức AQI / AQI class label (Vietnamese)"),
    "aqi_label_en": Prop("string", "AQI class label (English)"),
    "aqi_category": Prop("integer", "bậc AQI / AQI class 1..6"),
    "aqi_colour": Prop("string", "màu AQI / AQI colour, hex"),
    "open_exceedances": Prop("integer", "số vượt ngưỡng đang mở / open exceedance episodes"),
    "exceedances": Prop(
        "array", "vượt ngưỡng đang mở / open exceedances {parameter, mean, limit, ratio, band…}"
    ),
    "compliance_state": Prop(
        "string", "trạng thái tuân thủ / compliance state (… | limit_missing)"
    ),
    "limits_missing": Prop(
        "array", "thông số thiếu giá trị giới hạn / parameters whose limit has no value"
    ),
    **_ZONE_LEVELS,
}
POINT_PROPS: dict[str, Prop] = {
    "id": Prop("string", "mã điểm / point code"),
    "name": Prop("string", "tên điểm / point name"),
    "medium": Prop("string", "surface_water | groundwater | ambient_air | noise | soil"),
    "water_class": Prop("string", "mức QCVN 08:2023 / surface-water use class A..D"),
    "commune": Prop("string", "xã/phường / commune or ward (post-2025)"),
    "district_former": Prop("string", "huyện cũ / district before 2025-07-01"),
    "synthetic": Prop("boolean", "dữ liệu demo / demo data, not real"),
    "round": Prop("string", "đợt quan trắc / sampling round of the latest results"),
    "status": Prop("string", "đạt/vượt / compliance status of the latest round"),
    "wqi": Prop("number", "VN_WQI (surface water)"),
    "wqi_class": Prop("string", "mức WQI / WQI class"),
    "wqi_method": Prop(
        "object", "công thức WQI / VN_WQI {formula, low_confidence_rows} used for the value"
    ),
    "colour": Prop("string", "màu hiển thị / display colour, hex"),
    "exceedances": Prop("array", "thông số vượt / parameters over their limit"),
    "results": Prop("object", "{parameter: {value, unit, limit, exceeds}}"),
    **_ZONE_LEVELS,
}
ZONE_PROPS: dict[str, Prop] = {
    "id": Prop("integer", "mã vùng / zone id"),
    "hazard": Prop("string", "landslide | flood"),
    "level": Prop("integer", "cấp 1 rất thấp .. 5 rất cao / level 1 very low .. 5 very high"),
    "level_vi": Prop("string", "tên cấp / level label (Vietnamese)"),
    "level_en": Prop("string", "level label (English)"),
    "colour": Prop("string", "màu QĐ 18/2021 / Decision 18/2021 risk colour, hex"),
    "name": Prop("string", "tên vùng / zone name"),
    "source_value": Prop("string", "giá trị gốc / class value in the source file"),
    "source_id": Prop("string", "nguồn / zone source id (raster id for /tiles)"),
    "source_title": Prop("string", "tên nguồn / source title"),
    "source_file": Prop("string", "tệp gốc / imported file name"),
    "valid_from": Prop("string", "hiệu lực từ / valid from, ISO 8601"),
    "synthetic": Prop("boolean", "dữ liệu demo / demo data, not real"),
}
COMMUNE_PROPS: dict[str, Prop] = {
    "id": Prop("string", "mã / area id"),
    "name": Prop("string", "tên / name"),
    "level": Prop("string", "province | commune"),
    "district_former": Prop("string", "huyện cũ / district before 2025-07-01"),
    "source": Prop("string", "nguồn ranh giới / boundary source and licence"),
    "synthetic": Prop("boolean", "dữ liệu demo / demo data, not real"),
}

Builder = Callable[[Connection, BuildContext, ZoneIndex], dict[str, Any]]
Fingerprint = Callable[[Connection, BuildContext], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Collection:
    """A published layer."""

    id: str
    title_vi: str
    title_en: str
    description: str
    geometry_type: str
    properties: dict[str, Prop]
    build: Builder
    fingerprint: Fingerprint
    temporal: str | None = None
    # Built from station data that changes with every ingest (see layers.revision.bump_data).
    live: bool = False

    @property
    def queryables(self) -> dict[str, Prop]:
        """Scalar properties, usable as equality filters."""
        return {k: p for k, p in self.properties.items() if p.type not in ("object", "array")}


def _sites_fingerprint(conn: Connection, site_type: str) -> tuple[Any, ...]:
    row = conn.execute(
        select(func.count(), func.max(sites.c.updated_at)).where(sites.c.site_type == site_type)
    ).one()
    # The counters catch two edits within one second (updated_at has 1 s resolution).
    return (*row, *revisions.current(conn, revisions.REGISTRY, revisions.PERMITS))


def _stations_fp(conn: Connection, ctx: BuildContext) -> tuple[Any, ...]:
    latest = conn.execute(select(func.count(), func.max(latest_values.c.observed_at))).one()
    # Compliance runs just after an ingest commits: its events and AQI hours are part of the
    # fingerprint, or a snapshot built in between would show the old state until the next minute.
    events = conn.execute(select(func.max(compliance_events.c.id))).scalar()
    aqi = conn.execute(select(func.count(), func.max(aqi_hourly.c.hour_start))).one()
    # The minute bucket re-derives data_status (online -> delayed) as time passes.
    return (
        _sites_fingerprint(conn, "station"),
        tuple(latest),
        events,
        tuple(aqi),
        ctx.now // 60,
    )


def _points_fp(conn: Connection, ctx: BuildContext) -> tuple[Any, ...]:
    # Results change through imports (each recorded) and rounds; their compliance through the
    # limits (a new table object when the administrator's overlay changes). A ten-minute
    # bucket catches the rest (a file imported again after another changed its rows) without
    # rebuilding the 10,000-point layer of a large department every minute.
    imports = conn.execute(select(func.count(), func.max(programme_imports.c.imported_at))).one()
    rounds = conn.execute(select(func.count(), func.max(programme_rounds.c.created_at))).one()
    return (
        _sites_fingerprint(conn, "point"),
        tuple(imports),
        tuple(rounds),
        id(load_limits()),
        revisions.current(conn, revisions.LIMITS),
        ctx.now // 600,
    )


def _static_fp(_conn: Connection, _ctx: BuildContext) -> tuple[Any, ...]:
    return ()  # zones and communes change only through imports, fingerprinted by the cache


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "stations",
            "Trạm quan trắc tự động",
            "Automatic monitoring stations",
            "Trạm tự động với trạng thái dữ liệu và giá trị mới nhất / automatic stations with "
            "data status, latest values, AQI and zone levels",
            "Point",
            STATION_PROPS,
            lambda conn, ctx, zi: station_features(
                conn, ctx.now, offline_after=ctx.offline_after, tz=ctx.tz, zones=zi
            ),
            _stations_fp,
            temporal="last_observed_at",
            live=True,
        ),
        Collection(
            "monitoring-points",
            "Điểm quan trắc định kỳ",
            "Periodic monitoring points",
            "Điểm quan trắc định kỳ với kết quả đợt gần nhất / periodic monitoring points with "
            "their latest results and zone levels",
            "Point",
            POINT_PROPS,
            lambda conn, ctx, zi: streamed_point_features(conn, zi),
            _points_fp,
        ),
        Collection(
            "landslide-zones",
            "Vùng cảnh báo sạt lở",
            "Landslide susceptibility zones",
            "Phân vùng nguy cơ sạt lở 5 cấp / five-class landslide susceptibility zones",
            "MultiPolygon",
            ZONE_PROPS,
            lambda conn, ctx, zi: zone_features(conn, "landslide", tz=ctx.tz),
            _static_fp,
            temporal="valid_from",
        ),
        Collection(
            "flood-zones",
            "Vùng cảnh báo ngập lụt",
            "Flood warning zones",
            "Vùng ngập theo cấp / flood zones by level",
            "MultiPolygon",
            ZONE_PROPS,
            lambda conn, ctx, zi: zone_features(conn, "flood", tz=ctx.tz),
            _static_fp,
            temporal="valid_from",
        ),
        Collection(
            "communes",
            "Ranh giới hành chính",
            "Administrative boundaries",
            "Ranh giới tỉnh và xã/phường / province outline and commune polygons",
            "MultiPolygon",
            COMMUNE_PROPS,
            lambda conn, ctx, zi: commune_features(conn),
            _static_fp,
        ),
    )
}
