"""The typed runtime: one after-ingest chain, in written order, however often the scheduler
is rebuilt (a replica regaining the leader lock rebuilds it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import layers.revision
import service.worker.after_ingest as chain
from service.bootstrap import import_stations
from service.database import make_engine
from service.demo.simulator.model import Scenario, StationModel, station_file
from service.runtime import Runtime
from service.settings import Settings
from service.worker.scheduler import build_scheduler
from stations.store.sites import list_sites
from stations.timeutil import now_epoch

ROOT = Path(__file__).resolve().parents[2]


def _folder_runtime(settings: Settings, tmp_path: Path) -> tuple[Runtime, Path]:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {"id": "drop", "type": "folder", "path": str(incoming), "after": "delete"}
                ]
            }
        ),
        encoding="utf-8",
    )
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    return Runtime(
        settings=settings.model_copy(update={"sources_file": sources}), engine=engine
    ), incoming


def _drop_files(rt: Runtime, incoming: Path, stations: int) -> set[str]:
    with rt.engine.connect() as conn:
        sites = list_sites(conn, site_type="station")[:stations]
    t = now_epoch() - 900
    t -= t % 300
    for site in sites:
        found = station_file(StationModel(site.id, site.kind, site.parameters), t, Scenario())
        assert found is not None
        name, data = found
        (incoming / name).write_bytes(data)
    return {site.id for site in sites}


def _recording(
    calls: list[tuple[str, Any]], name: str, real: Callable[..., Any]
) -> Callable[..., Any]:
    def record(*args: Any, **kwargs: Any) -> Any:
        calls.append((name, args, kwargs))
        return real(*args, **kwargs)

    return record


def test_rebuilt_scheduler_runs_each_step_once_per_batch_in_order(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt, incoming = _folder_runtime(settings, tmp_path)
    calls: list[tuple[str, Any]] = []
    # Record the real work each step does, below the chain (not the chain's own list).
    monkeypatch.setattr(
        chain,
        "compliance_after_ingest",
        _recording(calls, "compliance", chain.compliance_after_ingest),
    )
    monkeypatch.setattr(
        layers.revision, "bump_data", _recording(calls, "layers", layers.revision.bump_data)
    )
    monkeypatch.setattr(rt.alerts, "evaluate", _recording(calls, "alerts", rt.alerts.evaluate))
    for _ in range(3):  # as after losing and regaining the leader lock twice
        scheduler = build_scheduler(rt)
    station_ids = _drop_files(rt, incoming, stations=2)
    job = scheduler.get_job("poll:drop")
    result = job.func(*job.args, **job.kwargs)
    assert result.finished == 2 and not list(incoming.iterdir())
    names = [name for name, *_ in calls]
    # compliance runs once per station of the batch; the batch is one transaction
    assert names == ["compliance", "compliance", "layers", "alerts"]
    assert {args[1] for name, args, _ in calls if name == "compliance"} == station_ids
    alert_call = calls[-1]
    assert alert_call[1] == (station_ids,) and alert_call[2] == {"periodic": False}
    rt.engine.dispose()


def test_a_failing_step_is_logged_and_the_next_still_runs(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    rt = Runtime(settings=settings, engine=make_engine(settings.db_url))
    ran: list[str] = []

    def broken(_rt: Runtime, _spans: Any) -> None:
        raise RuntimeError("boom")

    rt.steps = (
        chain.AfterIngestStep("broken", broken),
        chain.AfterIngestStep("next", lambda _rt, spans: ran.append(",".join(spans))),
    )
    rt.after_ingest({"ST1": (1, 2)})
    rt.after_ingest({})  # an empty batch runs nothing
    assert ran == ["ST1"]
    assert "after-ingest step broken failed" in caplog.text
    rt.engine.dispose()


def test_the_chain_is_written_in_order() -> None:
    assert [step.name for step in chain.AFTER_INGEST] == [
        "compliance",
        "layers",
        "public-snapshot",
        "alerts",
        "warnings",
        "public-subscriptions",
    ]
