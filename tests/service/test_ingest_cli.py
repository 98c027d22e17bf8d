"""``quantrac ingest PATH... --json``: folders and zips, summary, re-ingest adds nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.cli import _load_commands, app
from service.database import make_engine
from service.demo.simulator.model import Scenario, StationModel, history

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_ingest_folder_and_zip_json_summary(db_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    engine.dispose()
    model = StationModel("LS_SONNMT_KK01", "air", dict.fromkeys(("PM2.5", "PM10"), "µg/Nm³"))
    files = list(history([model], NOW - 3600, NOW, Scenario()))
    folder = tmp_path / "in" / "LS_SONNMT_KK01" / "2026" / "11" / "20"
    folder.mkdir(parents=True)
    for name, data in files[:6]:
        (folder / name).write_bytes(data)
    (folder / "garbage.txt").write_bytes(b"\x00\x01")
    with zipfile.ZipFile(tmp_path / "rest.zip", "w") as zf:
        for name, data in files[6:]:
            zf.writestr(name, data)
    _load_commands()
    runner = CliRunner()
    args = ["--db", db_url, "ingest", str(tmp_path / "in"), str(tmp_path / "rest.zip"), "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["files"] == 13 and summary["readings"] == 24 and summary["duplicates"] == 0
    assert [q["file"].endswith("garbage.txt") for q in summary["quarantined"]] == [True]
    assert summary["line_errors"] == []
    second = json.loads(runner.invoke(app, args).stdout)
    assert (second["readings"], second["duplicates"]) == (0, 12)
