"""Facility compliance report (Decree 45/2022 evidence) over the demo's hours: the live COD
episode of the Đồng Bành industrial zone (service.demo.simulator demo_scenario: COD ≈ 1.8 × its
limit from 3 h before "now") is listed with its source files, each SHA-256 matching the bytes in
the raw archive; the XLSX opens with openpyxl; the route, the CLI and bad requests.

LS_KCNDB_NT01: QCVN 40:2011 cột B, Kq 0.9, Kf 1.1 → COD 148.5 mg/L, kept until 31/12/2031 as the
zone operates since 2009 (TT 06/2025 Art. 3).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.demo import DEMO_STATIONS
from service.demo.ingest import backfill_history
from service.demo.simulator.model import StationModel
from stations.compliance.engine import recompute
from stations.store.sites import list_sites
from stations.timeutil import epoch_to_local_iso, now_epoch

STATION = "LS_KCNDB_NT01"
FACILITY = "khu-cong-nghiep-dong-banh"
HOURS = 4


@pytest.fixture
def demo(engine: Engine, settings) -> tuple[Engine, int]:  # type: ignore[no-untyped-def]
    import_stations(engine, DEMO_STATIONS)
    with engine.connect() as conn:
        site = next(s for s in list_sites(conn, site_type="station") if s.id == STATION)
    now = now_epoch()
    backfill_history(
        engine, settings, [StationModel(site.id, site.kind, site.parameters)], HOURS / 24, now
    )
    recompute(engine, now - HOURS * 3600, now + 300, now, station_ids=[STATION])
    return engine, now


def _archived_bytes(archive_path: str) -> bytes:
    """The file's bytes from the raw archive: a file, or a member of an archived zip."""
    path, _, member = archive_path.partition("#")
    if member:
        with zipfile.ZipFile(path) as zf:
            return zf.read(member)
    return Path(path).read_bytes()


def _window(now: int) -> dict[str, str]:
    return {
        "start": epoch_to_local_iso(now - HOURS * 3600),
        "end": epoch_to_local_iso(now + 300),
    }


def test_report_lists_the_live_cod_episode_with_verifiable_files(demo, client) -> None:  # type: ignore[no-untyped-def]
    _, now = demo
    facilities = client.get("/api/facilities").json()["facilities"]
    assert {"key": FACILITY, "name": "Khu công nghiệp Đồng Bành", "stations": [STATION]} in (
        facilities
    )
    report = client.get(f"/api/facilities/{FACILITY}/report", params=_window(now)).json()
    (station,) = report["stations"]
    cod_row = next(p for p in station["parameters"] if p["parameter"] == "COD")
    assert cod_row["rule"].startswith("QCVN 40:2011 cột B — áp dụng chuyển tiếp đến 31/12/2031")
    assert cod_row["limit"]["value"] == pytest.approx(148.5)
    assert 0 < cod_row["data_capture_pct"] <= 100
    assert cod_row["periods_compliant"] < cod_row["periods_evaluated"]
    (cod,) = [e for e in station["episodes"] if e["parameter"] == "COD"]
    assert cod["state"] == "open" and cod["peak_ratio"] > 1.5 and cod["band"] >= 1
    assert cod["duration_hours"] >= 1 and cod["band_label"]
    assert len(cod["files"]) >= 12  # an hour of 5-minute files at least
    assert all(f["name"].startswith(STATION) for f in cod["files"])
    for f in (cod["files"][0], cod["files"][-1]):
        assert hashlib.sha256(_archived_bytes(f["archive_path"])).hexdigest() == f["sha256"]
        assert f["verified"]

    xlsx = client.get(
        f"/api/facilities/{STATION}/report", params={**_window(now), "format": "xlsx"}
    )
    assert xlsx.status_code == 200 and "bao-cao-tuan-thu-" in xlsx.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["tong_quan", "thong_so", "vuot_nguong", "tep_nguon"]
    files = {r[4] for r in wb["tep_nguon"].iter_rows(min_row=2, values_only=True)}
    assert {f["sha256"] for f in cod["files"]} <= files
    html = client.get(
        f"/api/facilities/{FACILITY}/report", params={**_window(now), "format": "html"}
    )
    assert html.status_code == 200 and cod["files"][0]["sha256"] in html.text
    assert "Báo cáo tuân thủ quy chuẩn của cơ sở" in html.text


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/facilities/no-such-facility/report", {}, 404),
        (f"/api/facilities/{FACILITY}/report", {"start": "yesterday"}, 400),
        (f"/api/facilities/{FACILITY}/report", {"start": "2026-03-02", "end": "2026-03-01"}, 400),
        (f"/api/facilities/{FACILITY}/report", {"format": "pdf"}, 422),
    ],
)
def test_bad_requests_get_a_clear_4xx(engine, client, path: str, params: dict, status: int) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, DEMO_STATIONS)
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_cli_facility_and_monthly(
    request, db_url: str, settings, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("CLI wiring only; the numbers are tested on both backends above")
    from service.cli import _load_commands, app

    _, now = request.getfixturevalue("demo")
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(settings.data_dir))
    _load_commands()
    runner = CliRunner()
    window = _window(now)
    one = runner.invoke(
        app,
        ["--db", db_url, "report", "facility", FACILITY, "--from", window["start"], "--to",
         window["end"], "--format", "html", "-o", str(tmp_path)],
    )  # fmt: skip
    assert one.exit_code == 0, one.output
    page = Path(one.stdout.strip().splitlines()[-1])
    assert page.exists() and "LS_KCNDB_NT01" in page.read_text(encoding="utf-8")
    month = epoch_to_local_iso(now)[:7]
    monthly = runner.invoke(
        app, ["--db", db_url, "report", "monthly", month, "-o", str(tmp_path / "m")]
    )
    assert monthly.exit_code == 0, monthly.output
    written = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert len(written) == 8 and all(n.endswith(".xlsx") for n in written)  # 8 demo facilities
    assert any(FACILITY in n for n in written)
    bad = runner.invoke(
        app, ["--db", db_url, "report", "facility", "nowhere", "--from", "2026-01-01"]
    )
    assert bad.exit_code == 2 and "unknown facility" in bad.output
