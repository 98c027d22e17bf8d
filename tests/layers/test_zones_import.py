"""Zone import: every supported format, repairs, and bad files that change nothing."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin
from sqlalchemy import Engine, func, select

from layers.errors import ZoneImportRejected
from layers.levels import parse_level_map
from layers.store import zone_sources, zones
from layers.zone_index import zone_index
from layers.zones import import_zones

from .conftest import NOW, square


def _write(frame: gpd.GeoDataFrame, path: Path, driver: str) -> Path:
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


def _zip_shp(frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    shp = _write(frame, tmp / "vung.shp", "ESRI Shapefile")
    archive = tmp / "vung.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp.glob("vung.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    assert shp.exists()
    return archive


WRITERS: dict[str, Callable[[gpd.GeoDataFrame, Path], Path]] = {
    "gpkg-vn2000": lambda f, t: _write(f.to_crs("EPSG:9215"), t / "vung.gpkg", "GPKG"),
    "shp": lambda f, t: _write(f.to_crs("EPSG:3405"), t / "vung.shp", "ESRI Shapefile"),
    "zipped-shp": _zip_shp,
    "geojson": lambda f, t: _write(f, t / "vung.geojson", "GeoJSON"),
    "kml": lambda f, t: _write(f, t / "vung.kml", "KML"),
}


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(zone_sources)),
            conn.scalar(select(func.count()).select_from(zones)),
        )


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_vector_formats_import_with_levels_and_names(
    fmt: str, engine: Engine, tmp_path: Path, zone_frame: gpd.GeoDataFrame
) -> None:
    path = WRITERS[fmt](zone_frame, tmp_path)
    field = "muc"
    report = import_zones(
        engine, path, hazard="landslide", data_dir=tmp_path, now=NOW, level_field=field
    )
    assert report.zones_by_level == {2: 1, 3: 1, 5: 1}
    with engine.connect() as conn:
        index = zone_index(conn)
        at = index.containing(106.76, 21.85)
    assert [(z.level, z.name) for z in at] == [(5, "Khu Tam Thanh")]
    # VN-2000 and UTM files come back to the same lon/lat within a few centimetres.
    assert shapely.hausdorff_distance(at[0].geometry, square(106.75, 21.84)) < 1e-6


def test_self_intersecting_polygon_is_repaired_and_reported(
    engine: Engine, tmp_path: Path, zone_frame: gpd.GeoDataFrame
) -> None:
    bow_tie = shapely.Polygon([(106.7, 21.8), (106.8, 21.9), (106.8, 21.8), (106.7, 21.9)])
    zone_frame.loc[1, "geometry"] = bow_tie
    path = _write(zone_frame, tmp_path / "z.geojson", "GeoJSON")
    report = import_zones(engine, path, hazard="flood", data_dir=tmp_path, now=NOW)
    assert report.repaired == ["feature 2: hình đã sửa / geometry repaired (make_valid)"]
    assert sum(report.zones_by_level.values()) == 3


def _no_prj(frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    path = _write(frame, tmp / "noprj.shp", "ESRI Shapefile")
    path.with_suffix(".prj").unlink()
    return path


def _flat_polygon(frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    frame.loc[2, "geometry"] = shapely.Polygon([(106.7, 21.8), (106.8, 21.8), (106.75, 21.8)])
    return _write(frame, tmp / "flat.geojson", "GeoJSON")


def _wrong_crs(frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    # VN-2000 metres labelled as UTM 49N: the zones land far from Lạng Sơn.
    moved = frame.to_crs("EPSG:9215").set_crs("EPSG:3406", allow_override=True)
    return _write(moved, tmp / "wrong.gpkg", "GPKG")


def _zip_without_shp(_frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    archive = tmp / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    return archive


def _raster_without_crs(_frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    path = tmp / "nocrs.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
        transform=from_origin(106.7, 21.9, 0.01, 0.01),
    ) as dst:  # fmt: skip
        dst.write(np.full((1, 4, 4), 3, dtype="uint8"))
    return path


def _raster_unmapped(_frame: gpd.GeoDataFrame, tmp: Path) -> Path:
    path = tmp / "classes.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8", nodata=0,
        crs="EPSG:4326", transform=from_origin(106.7, 21.9, 0.01, 0.01),
    ) as dst:  # fmt: skip
        dst.write(np.full((1, 4, 4), 9, dtype="uint8"))
    return path


@pytest.mark.parametrize(
    ("build", "options", "message"),
    [
        pytest.param(_no_prj, {}, "declares no CRS", id="unknown-crs"),
        pytest.param(_flat_polygon, {}, "feature 3 ('Khu Hoàng Đồng')", id="broken-geometry"),
        pytest.param(_wrong_crs, {}, "outside Lạng Sơn", id="crs-puts-zones-elsewhere"),
        pytest.param(
            lambda f, t: _write(f, t / "z.gpkg", "GPKG"),
            {"level_field": "cap_do"},
            "level field 'cap_do' not found; give --level-field, one of: ten, muc",
            id="wrong-level-field",
        ),
        pytest.param(
            lambda f, t: _write(f, t / "z.gpkg", "GPKG"),
            {"level_map": parse_level_map("rất cao=5")},
            "feature 2 ('Khu Đông Kinh')",
            id="value-not-mapped",
        ),
        pytest.param(_raster_without_crs, {}, "the raster has no CRS", id="raster-no-crs"),
        pytest.param(_raster_unmapped, {}, "pixel values map to no level: 9", id="raster-classes"),
        pytest.param(_zip_without_shp, {}, "the zip holds no .shp", id="zip-without-shp"),
    ],
)
def test_bad_imports_say_why_and_change_nothing(
    build: Callable[[gpd.GeoDataFrame, Path], Path],
    options: dict[str, object],
    message: str,
    engine: Engine,
    tmp_path: Path,
    zone_frame: gpd.GeoDataFrame,
) -> None:
    good = _write(zone_frame.copy(), tmp_path / "good.geojson", "GeoJSON")
    data_dir = tmp_path / "data"
    import_zones(engine, good, hazard="landslide", data_dir=data_dir, now=NOW, source_id="same")
    before = _counts(engine)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    path = build(zone_frame.copy(), bad_dir)
    with pytest.raises(ZoneImportRejected) as caught:
        import_zones(
            engine, path, hazard="landslide", data_dir=data_dir, now=NOW + 1, source_id="same",
            **options,  # type: ignore[arg-type]
        )  # fmt: skip
    assert message in str(caught.value)
    assert _counts(engine) == before
    assert not (data_dir / "rasters").exists() or not any((data_dir / "rasters").iterdir())


def test_raster_import_keeps_the_raster_and_vectorises_levels(
    engine: Engine, tmp_path: Path
) -> None:
    from service.demo.synthetic_zones import landslide_raster

    tif = landslide_raster(tmp_path / "ls.tif", pixel_m=500)
    report = import_zones(
        engine, tif, hazard="landslide", data_dir=tmp_path / "d", now=NOW, source_id="ls"
    )
    assert report.zones_by_level == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    kept = tmp_path / "d" / "rasters" / "ls.tif"
    with rasterio.open(kept) as src:
        assert src.crs.to_epsg() == 9215 and src.overviews(1)
        levels = src.read(1)
    assert set(np.unique(levels)) == {0, 1, 2, 3, 4, 5}
    with engine.connect() as conn:
        row = conn.execute(select(zone_sources).where(zone_sources.c.id == "ls")).one()
    assert (row.raster_path, row.simplify_m, row.source_crs) == (
        "rasters/ls.tif",
        250.0,
        "EPSG:9215",
    )
