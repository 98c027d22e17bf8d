"""Periodic programme end to end: demo import counts, all-or-nothing upload, template, API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from service.bootstrap import import_points
from service.demo import DEMO_POINTS
from service.demo.programme import DEMO_FILE, demo_rounds, run
from service.demo.synthetic_results import PROFILES
from stations.store.programme import latest_point_results, points
from stations.store.programme_tables import lab_results, programme_imports, programme_rounds
from stations.timeutil import now_epoch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "programme"


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


@pytest.fixture
def demo_points(engine: Engine) -> Engine:
    import_points(engine, DEMO_POINTS)
    return engine


def test_demo_import_gives_the_expected_counts(demo_points: Engine, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    engine = demo_points
    with engine.connect() as conn:
        known = points(conn)
    per_round = sum(len(PROFILES[p.medium]) for p in known.values())
    assert len(known) == 163 and per_round == 2260  # 62×23 + 30×15 + 38×7 + 20×2 + 13×6
    run(settings, engine, Console(file=io.StringIO()), 3.0)
    assert _count(engine, lab_results) == 4 * per_round
    assert _count(engine, programme_rounds) == 4
    assert _count(engine, programme_imports) == 1
    written = settings.data_dir / "demo" / DEMO_FILE
    assert written.exists() and "synthetic" in written.read_text(encoding="utf-8-sig")
    run(settings, engine, Console(file=io.StringIO()), 3.0)  # again: nothing changes
    assert _count(engine, lab_results) == 4 * per_round
    assert _count(engine, programme_imports) == 1
    with engine.connect() as conn:
        latest = latest_point_results(conn)
    assert len(latest) == 163
    statuses = {v["status"] for v in latest.values()}
    assert statuses == {"meets", "exceeds", "no_limit"}  # some exceedances, noise/soil unset
    assert all(latest[p]["status"] == "no_limit" for p in known if p.startswith("LS-TO"))
    surface = [v for p, v in latest.items() if known[p].medium == "surface_water"]
    assert all(v["wqi"] is not None and v["colour"].startswith("#") for v in surface)
    sample = next(v for v in latest.values() if v["exceedances"])
    exceeded = sample["exceedances"][0]
    assert exceeded["ratio"] > 1 and sample["results"][exceeded["parameter"]]["limit"]


@pytest.mark.parametrize(
    ("now_iso", "expected"),
    [
        ("2026-11-21", [(2025, 1), (2025, 2), (2026, 1), (2026, 2)]),
        ("2026-08-15", [(2024, 2), (2025, 1), (2025, 2), (2026, 1)]),
    ],
    ids=["after-august", "during-august"],
)
def test_demo_rounds_are_the_last_four_sampled(now_iso: str, expected: list) -> None:  # type: ignore[type-arg]
    from datetime import datetime

    from stations.timeutil import VN_OFFSET

    now = int(datetime.fromisoformat(now_iso).replace(tzinfo=VN_OFFSET).timestamp())
    assert demo_rounds(now) == expected


def test_upload_bad_file_imports_nothing_and_lists_every_error(client, demo_points) -> None:  # type: ignore[no-untyped-def]
    data = (FIXTURES / "bad_results.csv").read_bytes()
    response = client.post("/api/results", files={"file": ("bad.csv", data, "text/csv")})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 12
    assert {"row": 3, "column": "point_id"} == {k: errors[0][k] for k in ("row", "column")}
    assert _count(demo_points, lab_results) == 0  # the good row 2 was not imported either
    assert _count(demo_points, programme_rounds) == 0


def test_upload_good_file_then_again_changes_nothing(client, demo_points) -> None:  # type: ignore[no-untyped-def]
    data = (FIXTURES / "good_results.csv").read_bytes()
    first = client.post("/api/results", files={"file": ("good.csv", data, "text/csv")}).json()
    assert (first["rows"], first["inserted"], first["updated"], first["rounds"]) == (
        8,
        8,
        0,
        ["2025-1"],
    )
    second = client.post("/api/results", files={"file": ("good.csv", data, "text/csv")}).json()
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 0, 8)
    corrected = data.replace(b"BOD5,7.5", b"BOD5,7.7")
    third = client.post("/api/results", files={"file": ("fix.csv", corrected, "text/csv")}).json()
    assert (third["inserted"], third["updated"]) == (0, 1)
    body = client.get("/api/points/LS-NM-002/results").json()
    assert body["point"]["water_class"] == "B"
    (round_,) = body["rounds"]
    assert round_["round"] == "2025-1" and round_["status"] == "exceeds"
    assert round_["results"]["BOD5"]["value"] == 7.7
    assert round_["results"]["BOD5"]["limit"] == "≤ 6"
    assert round_["results"]["As"]["verdict"] == "below_detection"
    assert client.get("/api/points/NOPE/results").status_code == 404
    rounds = client.get("/api/rounds").json()["rounds"]
    assert [(r["key"], r["results"], r["points"]) for r in rounds] == [("2025-1", 8, 4)]
    assert client.get("/api/rounds/999/report?format=json").status_code == 404


def test_template_downloads(client, demo_points) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/results/template?format=csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:7] == ["year", "round", "point_id", "sampled_at", "parameter", "value", "unit"]
    xlsx = client.get("/api/results/template?format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb["diem"].max_row == 164  # header + the 163 points
    assert client.get("/api/results/template?format=pdf").status_code == 422


def test_cli_import_results_json_and_rejection(db_url: str, engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from service.cli import _load_commands, app

    import_points(engine, DEMO_POINTS)
    _load_commands()
    runner = CliRunner()
    good = runner.invoke(
        app, ["--db", db_url, "import", "results", str(FIXTURES / "good_results.csv"), "--json"]
    )
    assert good.exit_code == 0, good.output
    assert json.loads(good.stdout.strip().splitlines()[-1])["inserted"] == 8
    bad = runner.invoke(
        app, ["--db", db_url, "import", "results", str(FIXTURES / "bad_results.csv"), "--json"]
    )
    assert bad.exit_code == 2
    assert len(json.loads(bad.stdout.strip().splitlines()[0])["errors"]) == 12
    assert now_epoch() > 0
