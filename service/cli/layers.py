"""Layer commands: ``import zones``, ``import communes`` and ``export``."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from layers.errors import BadQuery, UnknownCollection
from layers.formats import FORMATS
from layers.levels import parse_level_map
from service.cli.common import app, console, fail, get_settings, import_app
from stations.errors import ImportRejected
from stations.timeutil import now_epoch

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


def _valid_from(text: str | None, tz: str) -> int | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise fail(f"--valid-from phải dạng YYYY-MM-DD / must be YYYY-MM-DD: {text}") from exc
    return int(datetime.combine(day, time(0), ZoneInfo(tz)).timestamp())


@import_app.command("zones")
def import_zones_cmd(
    file: FileArg,
    kind: Annotated[str, typer.Option("--kind", help="landslide | flood")],
    level_field: Annotated[
        str | None, typer.Option(help="Attribute holding the class (vector files).")
    ] = None,
    level_map: Annotated[
        str | None,
        typer.Option(
            help="Source value -> level 1..5: '1=5,2=4,...' or 'breaks:0.01,0.5,1,2,3' (lower "
            "bounds of levels 1..5; below the first is no zone)."
        ),
    ] = None,
    source_id: Annotated[str | None, typer.Option("--id", help="Source id (replaces it).")] = None,
    title: Annotated[str | None, typer.Option(help="Title shown on the map.")] = None,
    valid_from: Annotated[str | None, typer.Option(help="Valid from, YYYY-MM-DD.")] = None,
    simplify_m: Annotated[
        float | None, typer.Option(help="Raster vectorising tolerance, metres (default ½ pixel).")
    ] = None,
) -> None:
    """Nhập vùng cảnh báo / import warning zones (GPKG, SHP, zip, GeoJSON, KML, GeoTIFF)."""
    from layers.zones import HAZARDS, import_zones
    from service.bootstrap import prepare_database

    if kind not in HAZARDS:
        raise fail(f"--kind phải là / must be one of {', '.join(HAZARDS)}")
    settings = get_settings()
    engine = prepare_database(settings)
    try:
        report = import_zones(
            engine,
            file,
            hazard=kind,
            data_dir=settings.data_dir,
            now=now_epoch(),
            level_field=level_field,
            level_map=parse_level_map(level_map),
            source_id=source_id,
            title=title,
            valid_from=_valid_from(valid_from, settings.display_tz),
            simplify_m=simplify_m,
        )
    except (ImportRejected, BadQuery) as exc:
        raise fail(str(exc), code=2) from exc
    for note in report.repaired:
        console.print(f"[yellow]{note}[/]")
    levels = ", ".join(f"cấp/level {k}: {v}" for k, v in report.zones_by_level.items())
    console.print(f"[green]{report.source_id}[/] ({report.source_crs}): {levels}")
    if report.raster:
        console.print(f"tiles: /tiles/{report.raster}/{{z}}/{{x}}/{{y}}.png")


@import_app.command("communes")
def import_communes_cmd(
    file: FileArg,
    name_field: Annotated[str, typer.Option(help="Attribute with the commune name.")] = "name",
    id_field: Annotated[str | None, typer.Option(help="Attribute with a unique code.")] = None,
    district_field: Annotated[
        str | None, typer.Option(help="Attribute with the former district.")
    ] = None,
) -> None:
    """Nhập ranh giới xã/phường / import commune polygons (replaces the previous set)."""
    from layers.communes import import_communes
    from service.bootstrap import prepare_database

    settings = get_settings()
    engine = prepare_database(settings)
    try:
        n = import_communes(
            engine,
            file,
            now=now_epoch(),
            name_field=name_field,
            id_field=id_field,
            district_field=district_field,
        )
    except ImportRejected as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]communes:[/] {n}")


@app.command("export")
def export_cmd(
    layer: Annotated[str, typer.Argument(help="Collection id (GET /ogc/collections).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file.")],
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "geojson",
    crs: Annotated[str, typer.Option(help="EPSG:4326 | EPSG:9215 | EPSG:3405")] = "EPSG:4326",
    bbox: Annotated[str | None, typer.Option(help="minlon,minlat,maxlon,maxlat")] = None,
    where: Annotated[
        list[str] | None, typer.Option("--where", help="property=value (repeatable)")
    ] = None,
) -> None:
    """Xuất lớp bản đồ / export a layer (GeoJSON, GPKG, SHP zip, KML, CSV, FlatGeobuf)."""
    from layers.export import export_features
    from layers.query import parse_query
    from layers.registry import BuildContext
    from layers.snapshot import SnapshotCache
    from service.bootstrap import prepare_database

    settings = get_settings()
    engine = prepare_database(settings)
    tz = ZoneInfo(settings.display_tz)
    cache = SnapshotCache(
        engine, lambda: BuildContext(now_epoch(), tz, settings.offline_after_intervals)
    )
    params = dict(w.split("=", 1) for w in (where or []) if "=" in w)
    if bbox:
        params["bbox"] = bbox
    try:
        snap = cache.get(layer)
        chosen = snap.select(parse_query(snap.collection, params))
        out = export_features([snap.features[i] for i in chosen], layer, fmt, crs)
    except (BadQuery, UnknownCollection) as exc:
        raise fail(str(exc), code=2) from exc
    output.write_bytes(out.content)
    console.print(f"[green]{layer}:[/] {len(chosen)} đối tượng / features -> {output}")
