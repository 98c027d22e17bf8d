"""Foundation: migrations, station import (all-or-nothing, in-place update), the app's basics."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from service.bootstrap import import_stations
from service.settings import Settings
from stations.errors import ImportRejected
from stations.store.schema import sites
from stations.store.sites import get_site

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"


def test_schema_has_the_foundation_tables(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {
        "sites",
        "parameters",
        "permits",
        "readings",
        "ingested_files",
        "latest_values",
        "hourly_means",
        "site_parameters",
    } <= names


def test_postgis_sites_have_a_generated_geometry(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostGIS only")
    import_stations(engine, DEMO / "stations.yaml")
    with engine.connect() as conn:
        from sqlalchemy import text

        srid, n = conn.execute(
            text("SELECT ST_SRID(geom), count(*) FROM sites WHERE ST_X(geom) = lon GROUP BY 1")
        ).one()
        index = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_sites_geom'")
        ).scalar_one()
    assert (srid, n) == (4326, 13)
    assert "gist" in index


def test_import_is_all_or_nothing_and_updates_in_place(engine: Engine, tmp_path: Path) -> None:
    assert import_stations(engine, DEMO / "stations.yaml") == (13, 0)
    bad = tmp_path / "bad.yaml"
    text = (DEMO / "stations.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("lon: 106.2834", "lon: 6.2834"), encoding="utf-8")
    with pytest.raises(ImportRejected):
        import_stations(engine, bad)
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(
        text.replace("Trạm quan trắc không khí tự động Hồng Phong (Cao Lộc)", "Hồng Phong mới"),
        encoding="utf-8",
    )
    assert import_stations(engine, renamed) == (0, 13)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(sites)) == 13
        site = get_site(conn, "LS_SONNMT_KK01")
        assert site is not None and site.name == "Hồng Phong mới"
        stack = get_site(conn, "LS_XMDB_KHI01")
        assert stack is not None and stack.permit is not None and stack.permit.o2_ref == 10


def test_healthz_and_stations_geojson(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/api/stations").json() == {"type": "FeatureCollection", "features": []}
    import_stations(engine, DEMO / "stations.yaml")
    body = client.get("/api/stations").json()
    assert len(body["features"]) == 13
    feature = next(f for f in body["features"] if f["id"] == "LS_NMNDNA_KHI01")
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.9812, 21.7021]}
    assert feature["properties"]["kind"] == "fluegas"
    assert feature["properties"]["data_status"] == "no_data"


def test_root_redirects_to_the_map(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/map"


def test_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("QUANTRAC_PORT", "9001")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.db_url == f"sqlite:///{tmp_path / 'd' / 'quantrac.db'}"
    assert s.display_tz == "Asia/Ho_Chi_Minh"
    assert s.base_url == "http://127.0.0.1:9001"
    monkeypatch.setenv("QUANTRAC_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings(_env_file=None).db_url == "postgresql+psycopg://u@h/db"  # type: ignore[call-arg]


def test_unreachable_database_answers_503_not_500(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from service.web.app import create_app

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2",
        scheduler_enabled=False,
        auth_enabled=False,
    )
    with TestClient(create_app(settings, scheduler=False)) as client:
        assert client.get("/healthz").status_code == 503
        response = client.get("/api/alerts")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert "database" in response.json()["detail"]


def test_cached_stations_follow_registry_and_permit_changes(engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import update

    from stations.store.schema import permits
    from stations.store.sites import cached_stations

    with engine.connect() as conn:
        assert cached_stations(conn) == []
    import_stations(engine, DEMO / "stations.yaml")
    with engine.connect() as conn:
        first = cached_stations(conn)
        assert len(first) == 13
        assert cached_stations(conn) is first  # unchanged registry: served from the cache
    with engine.begin() as conn:
        conn.execute(
            update(permits)
            .where(permits.c.site_id == "LS_XMDB_KHI01")
            .values(o2_ref=11.0, updated_at=permits.c.updated_at + 1)
        )
    with engine.connect() as conn:
        again = cached_stations(conn)
    assert again is not first
    stack = next(s for s in again if s.id == "LS_XMDB_KHI01")
    assert stack.permit is not None and stack.permit.o2_ref == 11.0
