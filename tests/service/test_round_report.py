"""Round reports: HTML opens in a browser, XLSX opens with openpyxl, numbers match the API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.console import Console
from sqlalchemy import Engine
from typer.testing import CliRunner

from service.bootstrap import import_points
from service.demo import DEMO_POINTS
from service.demo.programme import run

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
FIELDS = ("points", "meets", "exceeds", "no_limit")


@pytest.fixture
def demo(engine: Engine, settings) -> Engine:  # type: ignore[no-untyped-def]
    import_points(engine, DEMO_POINTS)
    run(settings, engine, Console(file=io.StringIO()), 3.0)
    return engine


def _latest_round(client) -> dict:  # type: ignore[no-untyped-def,type-arg]
    rounds = client.get("/api/rounds").json()["rounds"]
    assert len(rounds) == 4
    return rounds[-1]


def test_xlsx_report_numbers_match_the_api(client, demo) -> None:  # type: ignore[no-untyped-def]
    round_ = _latest_round(client)
    numbers = client.get(f"/api/rounds/{round_['id']}/report?format=json").json()
    assert numbers["points_sampled"] == round_["points"] == 163
    assert numbers["synthetic"] is True and numbers["previous"]["id"] < round_["id"]
    assert sum(m["points"] for m in numbers["media"]) == 163
    response = client.get(f"/api/rounds/{round_['id']}/report?format=xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "tong_hop",
        "theo_thong_so",
        "theo_xa",
        "wqi",
        "can_theo_doi",
        "ket_qua",
    ]
    summary = list(wb["tong_hop"].iter_rows(min_row=5, values_only=True))
    by_medium = {row[0]: row for row in summary if row[0]}
    for m in numbers["media"]:
        row = by_medium[m["medium"]]
        assert list(row[1:5]) == [m[f] for f in FIELDS]
        assert row[5] == m["share_meeting"] and row[7] == m["change"]
        assert row[8] == m["limits_missing"]  # results not assessed: limit missing
    # Noise limits (QCVN 26:2025) are rows without values: their results are "limit missing".
    noise = next(m for m in numbers["media"] if m["medium"] == "noise")
    assert noise["limits_missing"] > 0 and "LAeq" in noise["limits_missing_parameters"]
    assert wb["can_theo_doi"].max_row - 1 == len(numbers["follow_up"])
    assert wb["wqi"].max_row - 1 == len(numbers["wqi_points"]) == 62
    assert len(wb["tong_hop"]._images) == 1  # the share chart is embedded
    by_param = {
        (r[0], r[1]): r[3] for r in wb["theo_thong_so"].iter_rows(min_row=2, values_only=True)
    }
    assert by_param == {
        (p["medium"], p["parameter"]): p["points"] for p in numbers["exceedances_by_parameter"]
    }
    # The per-point API agrees with the report, point by point (first ten surface-water points).
    for point in numbers["wqi_points"][:10]:
        body = client.get(f"/api/points/{point['point_id']}/results").json()
        latest = body["rounds"][-1]
        assert (latest["round_id"], latest["wqi"], latest["colour"]) == (
            round_["id"],
            point["wqi"],
            point["colour"],
        )
        follow = {f["point_id"] for f in numbers["follow_up"]}
        assert (latest["status"] == "exceeds") <= (point["point_id"] in follow)
        # Every WQI answer names its formula and the low-confidence rows it used.
        method = latest["wqi_method"]
        assert method["formula"]["key"] == numbers["wqi_method"]["formula"]["key"] == "cube_root"
        assert set(method["low_confidence_rows"]) <= set(
            numbers["wqi_method"]["low_confidence_rows"]
        )
    assert {"NH4"} <= set(numbers["wqi_method"]["low_confidence_rows"])
    first = next(wb["wqi"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert str(first[8]).startswith("cube_root:")  # the formula column of the wqi sheet


@pytest.mark.browser
def test_html_report_opens_in_a_browser(client, demo, db_url: str) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the page is the same on both backends; one browser run is enough")
    from playwright.sync_api import sync_playwright

    round_ = _latest_round(client)
    numbers = client.get(f"/api/rounds/{round_['id']}/report?format=json").json()
    response = client.get(f"/api/rounds/{round_['id']}/report?format=html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    ARTIFACTS.mkdir(exist_ok=True)
    page_path = ARTIFACTS / f"round-report-{round_['key']}.html"
    page_path.write_bytes(response.content)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(page_path.as_uri())
        assert page.locator("#synthetic-banner").is_visible()
        for m in numbers["media"]:
            for field in FIELDS:
                cell = page.locator(f'tr[data-medium="{m["medium"]}"] td[data-field="{field}"]')
                assert cell.inner_text() == str(m[field])
        assert "[mean_IV² · mean_V]^(1/3)" in page.locator("#wqi-method").inner_text()
        follow = page.locator('[data-field="follow_up"]').inner_text()
        assert int(follow) == len(numbers["follow_up"])
        widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
        assert len(widths) == 4 and all(w > 100 for w in widths)  # the four charts decoded
        page.screenshot(path=str(ARTIFACTS / "round-report.png"), full_page=True)
        browser.close()


def test_cli_report_round(db_url: str, demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("CLI wiring only; the report numbers are tested on both backends above")
    from service.cli import _load_commands, app
    from stations.store.programme import list_rounds

    _load_commands()
    runner = CliRunner()
    missing = runner.invoke(app, ["--db", db_url, "report", "round", "1999", "1"])
    assert missing.exit_code == 1 and "1999-1" in missing.output
    with demo.connect() as conn:
        last = list_rounds(conn)[-1]
    args = ["--db", db_url, "report", "round", str(last["year"]), str(last["number"])]
    result = runner.invoke(app, [*args, "-o", str(tmp_path), "--format", "html"])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"round-report-{last['key']}.html"
    assert path.exists() and "data:image/png;base64," in path.read_text(encoding="utf-8")
    assert runner.invoke(app, [*args, "--format", "pdf"]).exit_code == 1
