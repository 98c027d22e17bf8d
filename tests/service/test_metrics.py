"""``/metrics``: Prometheus text format with request, ingestion and lag metrics."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import insert

from service.bootstrap import import_stations
from stations.store.schema import ingested_files, latest_values
from stations.timeutil import now_epoch
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    bearer,
    fast_password_hashing,
)

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"
SAMPLE = re.compile(r'^[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? [0-9.e+-]+$')


def test_metrics_need_a_viewer_and_follow_the_text_format(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    assert client.get("/metrics").status_code == 401
    engine = client.app.state.ctx.engine
    import_stations(engine, DEMO / "stations.yaml")
    now = now_epoch()
    with engine.begin() as conn:
        conn.execute(
            insert(ingested_files).values(
                sha256="a" * 64,
                name="f.txt",
                origin="test",
                received_at=now,
                size=10,
                outcome="ok",
                readings=7,
                line_errors=[],
            )
        )
        conn.execute(
            insert(latest_values).values(
                station_id="LS_XMDB_KHI01",
                parameter="Dust",
                observed_at=now - 600,
                value=1.0,
                unit="mg/Nm3",
                status="00",
                qc_flags=0,
            )
        )
    viewer = bearer(tokens["viewer"])
    client.get("/api/stations", headers=viewer)
    response = client.get("/metrics", headers=viewer)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = response.text.splitlines()
    for line in lines:
        assert line.startswith("# ") or SAMPLE.match(line), line
    text = response.text
    assert 'quantrac_http_requests_total{method="GET",route="/api/stations",status="200"} 1' in text
    assert 'quantrac_http_requests_total{method="GET",route="<none>",status="401"}' in text
    bucket = 'quantrac_http_request_duration_seconds_bucket{method="GET",route="/api/stations"'
    assert bucket + ',le="+Inf"} 1' in text
    assert 'quantrac_ingested_files_total{outcome="ok"} 1' in text
    assert "quantrac_ingested_readings_total 7" in text
    lag = re.search(r'quantrac_station_lag_seconds\{station="LS_XMDB_KHI01"\} (\d+)', text)
    assert lag and 600 <= int(lag.group(1)) < 700
