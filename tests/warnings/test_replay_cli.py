"""``quantrac warnings replay``: scores against an events file; bad files are refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import _load_commands, app
from service.database import make_engine
from stations.rain.events import EventsFileError, parse_events
from stations.timeutil import epoch_to_local_iso
from tests.warnings.scenario import STEP, T0, load_places, storm, write_rain


@pytest.fixture
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    _load_commands()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["--db", db_url, *args])


def test_replay_scores_hits_misses_false_alarms(run, db_url: str, tmp_path: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    engine = make_engine(db_url)
    load_places(engine, tmp_path)
    series = storm([0, 0, 20, 150]) + [0.0] * 144
    write_rain(engine, "G1", series)
    write_rain(engine, "G2", series)
    engine.dispose()
    storm_day = T0 + 3 * 86400
    end = T0 + (len(series) - 1) * STEP
    events = tmp_path / "events.csv"
    # A slid late on the storm day (warned); C flooded with no gauge near it (missed).
    events.write_text(
        "place,time\n"
        f"A,{epoch_to_local_iso(storm_day + 22 * 3600)}\n"
        f"C,{epoch_to_local_iso(storm_day + 20 * 3600)}\n",
        encoding="utf-8",
    )
    res = run(
        "warnings",
        "replay",
        "--from",
        epoch_to_local_iso(storm_day),
        "--to",
        epoch_to_local_iso(end),
        "--events",
        str(events),
        "--step",
        "60",
        "--json",
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    level1, level2 = out["levels"][0], out["levels"][1]
    assert out["events"] == 2 and out["unknown_places"] == []
    assert (level1["hits"], level1["misses"]) == (1, 1)
    assert level1["false_alarms"] >= 1  # B and the zones were warned and nothing was reported
    assert level1["csi"] == pytest.approx(1 / (2 + level1["false_alarms"]), abs=1e-3)
    assert level1["median_lead_minutes"] > 0 and level2["hits"] == 1


def test_bad_events_file_is_refused_with_every_row_named(run, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("place,time\nA,yesterday\n,2026-07-01T10:00\n", encoding="utf-8")
    res = run(
        "warnings", "replay", "--from", "2026-07-01", "--to", "2026-07-02", "--events", str(events)
    )
    assert res.exit_code == 2
    assert "line 2" in res.output and "line 3" in res.output


EVENT_CASES = [
    ("place,time\nA,2026-07-01T10:00\n", [("commune:A", 1782874800)]),
    ("place,time\nzone:7,2026-07-01T10:00+07:00\n", [("zone:7", 1782874800)]),
    ("\ufeffPlace , Time\nA,2026-07-01T03:00Z\n", [("commune:A", 1782874800)]),
]


@pytest.mark.parametrize(("text", "expected"), EVENT_CASES)
def test_events_file(text: str, expected) -> None:
    assert parse_events(text.encode()) == expected


def test_events_file_needs_its_columns() -> None:
    with pytest.raises(EventsFileError, match="place, time"):
        parse_events(b"where,when\nA,2026-07-01\n")
