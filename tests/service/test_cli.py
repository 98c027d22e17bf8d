"""The ``quantrac`` command line: db upgrade, import stations/points, helpful errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from service.cli import _load_commands, app
from service.database import make_engine
from stations.store.schema import sites

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"


@pytest.fixture
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    _load_commands()
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", db_url, *args])

    return invoke


def _count(db_url: str) -> int:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(sites))
    engine.dispose()
    return int(n or 0)


def test_db_upgrade_and_import_stations_and_points(run, db_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").exit_code == 0
    result = run("import", "stations", str(DEMO / "stations.yaml"))
    assert result.exit_code == 0, result.output
    assert "13" in result.output
    result = run("import", "points", str(DEMO / "points.csv"))
    assert result.exit_code == 0, result.output
    assert _count(db_url) == 13 + 163
    again = run("import", "stations", str(DEMO / "stations.yaml"))
    assert "0 mới / new, 13 cập nhật / updated" in again.output


def test_bad_file_exits_2_names_rows_and_imports_nothing(  # type: ignore[no-untyped-def]
    run, db_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,name,kind,lon,lat,facility,commune,parameters\n"
        "LS_A_1,A,air,106.7,21.8,,Tam Thanh,PM2.5\n"
        "LS_A_2,B,volcano,106.7,21.8,,Tam Thanh,PM2.5\n"
        "LS_A_3,C,air,151.2,-33.9,,Sydney,PM2.5\n",
        encoding="utf-8",
    )
    result = run("import", "stations", str(bad))
    assert result.exit_code == 2
    assert "row 3, column 'kind'" in result.output
    assert "row 4, column 'lon/lat'" in result.output
    assert _count(db_url) == 0


def test_missing_file_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "stations", "/no/such/file.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output
