"""``GET /api/stations``: the automatic stations as GeoJSON with status and latest values."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from layers.stations_layer import station_features
from service.deps import ConnDep, SettingsDep
from stations.timeutil import now_epoch

router = APIRouter(prefix="/api", tags=["stations"])


@router.get("/stations", summary="Stations (GeoJSON) with data status and latest values")
def list_stations(conn: ConnDep, settings: SettingsDep) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of every automatic station."""
    return station_features(
        conn,
        now_epoch(),
        offline_after=settings.offline_after_intervals,
        tz=ZoneInfo(settings.display_tz),
    )
