"""The running service end to end: scheduler jobs, the post-ingest hook, real SMTP and webhook
receivers, the SSE stream and acknowledgement over HTTP (uvicorn on loopback, real clock)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from pydantic import SecretStr

from service.settings import Settings
from service.web.app import create_app
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import (
    ComplianceFeed,
    SmtpServer,
    WebhookReceiver,
    add_readings,
    alert_config,
    free_port,
    make_station,
    wait_for,
)

pytestmark = [pytest.mark.smtp, pytest.mark.slow]
ST = "LS_TEST_NT01"


class SseReader:
    """Reads ``event: alert`` messages from the stream in a thread."""

    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.ids: list[int] = []
        self.client = httpx.Client(timeout=httpx.Timeout(5, read=60))
        self.thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self.thread.start()

    def _run(self, url: str) -> None:
        event, data = None, None
        try:
            with self.client.stream("GET", url) as response:
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data = line[5:].strip()
                    elif line.startswith("id:"):
                        self.ids.append(int(line[3:]))
                    elif line == "" and event == "alert" and data:
                        self.events.append(json.loads(data))
                        event, data = None, None
        except httpx.HTTPError:
            pass  # closed by the test

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def live(settings: Settings, tmp_path: Path) -> Iterator[dict[str, Any]]:
    smtp, hook = SmtpServer(), WebhookReceiver()
    smtp.start()
    path = tmp_path / "alerts.yaml"
    data = alert_config(hook.url, escalate_after_minutes=600)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    port = free_port()
    s = settings.model_copy(
        update={
            "alerts_file": path,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "webhook_secret": SecretStr("k"),
            "port": port,
            "scheduler_enabled": True,
        }
    )
    app = create_app(s, scheduler=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: server.started, timeout=60)
    yield {"base": base, "app": app, "smtp": smtp, "hook": hook}
    server.should_exit = True
    thread.join(timeout=10)
    smtp.stop()
    hook.close()


def test_ingest_to_email_webhook_and_stream_within_10_s(live: dict[str, Any]) -> None:
    ctx = live["app"].state.ctx
    engine = ctx.engine
    smtp: SmtpServer = live["smtp"]
    hook: WebhookReceiver = live["hook"]
    make_station(engine)
    sse = SseReader(f"{live['base']}/api/alerts/stream")
    time.sleep(0.5)  # let the stream subscribe
    try:
        # What the ingest pipeline does: store the file's readings, then call every hook in
        # order (compliance first; here its event is written as the compliance engine would).
        now = now_epoch()
        add_readings(engine, ST, "COD", [(now - 60, 150.0, "00")])
        ComplianceFeed(engine).event(ST, "COD", "opened", now - 60, 150.0)
        started = time.monotonic()
        ctx.after_ingest({ST: (now - 60, now - 60)})
        wait_for(lambda: smtp.messages and hook.calls and sse.events, timeout=10)
        elapsed = time.monotonic() - started
        assert elapsed < 10
        assert len(smtp.messages) == 1 and len(hook.calls) == 1
        first = sse.events[0]
        assert {
            "id",
            "state",
            "rule",
            "station_id",
            "parameter",
            "severity",
            "message_vi",
            "message_en",
            "opened_at",
        } <= first.keys()
        assert (first["state"], first["rule"], first["station_id"]) == ("firing", "exceedance", ST)

        response = httpx.post(
            f"{live['base']}/api/alerts/{first['id']}/ack",
            json={"by": "Trực ban", "comment": "Đã xác nhận"},
        )
        assert response.status_code == 200
        wait_for(lambda: any(e["state"] == "acknowledged" for e in sse.events), timeout=10)
    finally:
        sse.close()
    print(f"ingest → e-mail + webhook + SSE: {elapsed:.2f} s")
