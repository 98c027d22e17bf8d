"""Admin ingestion API: per-station/per-source format notes, /metrics, and the no-store preview."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from service.bootstrap import import_stations
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import ingested_files, readings
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    bearer,
    fast_password_hashing,
)

ROOT = Path(__file__).resolve().parents[2]
FIELD = ROOT / "tests" / "fixtures" / "tt10" / "field"
NOW = 1_795_140_000  # 2026-11-20 09:00 +07:00
LF_FILE = "LS_SONNMT_KK01_20261120080200.txt"  # LF line ends (quytttb)
STACK_FILE = "LS_NMNDNA_KHI01_20261120082100.txt"  # ASCII mg/Nm3
CANONICAL = "LS_SONNMT_KK01_20261120080100.txt"


def _ingest(engine, names: list[str], origin: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        sites = station_units(conn)
    files = [IncomingFile(n, (FIELD / n).read_bytes(), f"{origin}:/in/{n}") for n in names]
    ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path)


def test_format_notes_per_station_and_source_and_metrics(auth_client, tmp_path) -> None:  # noqa: F811
    client, tokens = auth_client
    engine = client.app.state.ctx.engine
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    _ingest(engine, [LF_FILE, CANONICAL], "ftp-so", tmp_path)
    _ingest(engine, [STACK_FILE], "ftp-nm", tmp_path)
    admin, viewer = bearer(tokens["admin"]), bearer(tokens["viewer"])
    assert client.get("/api/admin/ingest/format-notes", headers=viewer).status_code == 403
    body = client.get("/api/admin/ingest/format-notes", headers=admin).json()
    by_station = {s["station_id"]: s for s in body["stations"]}
    air = by_station["LS_SONNMT_KK01"]
    assert (air["files"], air["deviating_files"]) == (2, 1)
    assert air["notes"] == [{"note": "LF", "files": 1}] and air["sources"] == ["ftp-so"]
    assert air["last_deviation"].endswith("+07:00")
    stack = by_station["LS_NMNDNA_KHI01"]
    assert {"note": "unit mg/Nm3→mg/Nm³", "files": 1} in stack["notes"]
    sources = {s["source"]: s["deviating_files"] for s in body["sources"]}
    assert sources == {"ftp-so": 1, "ftp-nm": 1}
    later = client.get(
        "/api/admin/ingest/format-notes", params={"since": "2100-01-01"}, headers=admin
    )
    assert later.json()["stations"] == []
    bad = client.get("/api/admin/ingest/format-notes", params={"since": "soon"}, headers=admin)
    assert bad.status_code == 400 and "ISO" in bad.json()["detail"]
    html = client.get("/admin/ingest", headers=admin)
    assert html.status_code == 200 and "LS_NMNDNA_KHI01" in html.text
    assert "unit mg/Nm3→mg/Nm³ (1)" in html.text
    assert client.get("/admin/ingest", headers=viewer).status_code == 403
    metrics = client.get("/metrics", headers=admin).text
    assert 'quantrac_ingested_files_deviating_total{source="ftp-so"} 1' in metrics


def test_preview_parses_converts_and_stores_nothing(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    engine = client.app.state.ctx.engine
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    admin = bearer(tokens["admin"])
    sample = (FIELD / "LS_NMNDNA_KHI01_20261120082300.txt").read_bytes()  # SO2 150 ppm
    url = "/api/admin/ingest/preview"
    name = "LS_NMNDNA_KHI01_20261120082300.txt"
    r = client.post(url, params={"name": name}, content=sample, headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    (reading,) = body["readings"]
    assert reading["unit"] == "mg/Nm³" and abs(reading["value"] - 392.746) < 0.01
    assert reading["flags"] == [] and reading["time"] == "2026-11-20T08:23:00+07:00"
    assert any("ppm→mg/Nm³" in n for n in body["notes"])
    assert body["stations"] == [{"id": "LS_NMNDNA_KHI01", "registered": True}]
    strict = client.post(url, params={"name": name, "strict": True}, content=sample, headers=admin)
    assert strict.json()["readings"][0]["flags"] == ["unit_mismatch"]  # ppm left as written
    bad = (FIELD / "LS_SONNMT_KK01_20261120083200.txt").read_bytes()  # comma separators
    errors = client.post(
        url, params={"name": "LS_SONNMT_KK01_20261120083200.txt"}, content=bad, headers=admin
    ).json()
    assert "comma could be a separator" in errors["fatal"] and errors["error_count"] == 1
    too_big = client.post(
        url, params={"name": name}, content=b"x" * (1024 * 1024 + 1), headers=admin
    )
    assert too_big.status_code == 413
    unsafe = client.post(url, params={"name": "../x.txt"}, content=sample, headers=admin)
    assert unsafe.status_code == 400
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 0
        assert conn.scalar(select(func.count()).select_from(ingested_files)) == 0


def test_resent_file_conflicts_keep_the_first_value_and_are_counted(auth_client, tmp_path) -> None:  # noqa: F811
    client, tokens = auth_client
    engine = client.app.state.ctx.engine
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    name = "LS_SONNMT_KK01_20261120083000.txt"
    lines = ("PM2.5\t30.5\tµg/Nm³\t20261120083000\t00", "PM10\t50\tµg/Nm³\t20261120083000\t00")
    first = "".join(f"{line}\r\n" for line in lines).encode()
    corrected = first.replace(b"30.5", b"31.5")  # same name, other bytes: a corrected resend
    for data in (first, corrected, corrected):  # the exact resend is a duplicate file
        ingest_batch(
            engine,
            [IncomingFile(name, data, "ftp-so:/in")],
            sites=sites,
            now=NOW,
            archive_dir=tmp_path,
        )
    admin = bearer(tokens["admin"])
    body = client.get(
        "/api/stations/LS_SONNMT_KK01/readings",
        params={"start": "2026-11-20T08:00:00+07:00", "end": "2026-11-20T09:00:00+07:00"},
        headers=admin,
    ).json()
    assert body["conflicts"] == 1
    pm25 = next(s for s in body["series"] if s["parameter"] == "PM2.5")
    assert [p["value"] for p in pm25["points"]] == [30.5]  # the first value is the evidence
    assert "notes" not in pm25["points"][0]  # a canonical file: nothing to note
    listed = client.get("/api/admin/ingest/conflicts", headers=admin).json()
    assert listed["total"] == 1
    (c,) = listed["conflicts"]
    assert (c["parameter"], c["kept_value"], c["value"]) == ("PM2.5", 30.5, 31.5)
    assert c["file_id"] != c["kept_file_id"] and c["time"] == "2026-11-20T08:30:00+07:00"
    assert (
        client.get("/api/admin/ingest/conflicts", headers=bearer(tokens["viewer"])).status_code
        == 403
    )
