"""Finished readings answers are reused only while the data is unchanged (issue 20, item 4).

A chart opened by several officers asks the same question many times; the answer is kept per
process under the request and a data version (newest file id, registry revision), so a file
ingested afterwards is in the very next answer. Both backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.answer_cache import AnswerCache
from service.bootstrap import import_stations
from service.web.routes import readings as readings_route
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units

ROOT = Path(__file__).resolve().parents[2]
FIELD = ROOT / "tests" / "fixtures" / "tt10" / "field"
CANONICAL = "LS_SONNMT_KK01_20261120080100.txt"  # 08:01 local, 2026-11-20
URL = "/api/stations/LS_SONNMT_KK01/readings"
WINDOW = {"start": "2026-11-20T00:00:00+07:00", "end": "2026-11-21T00:00:00+07:00"}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each answer actually built (not taken from the cache) appends its station."""
    made: list[str] = []
    real = readings_route.read_window

    def counted(station_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(station_id)
        return real(station_id, *args, **kwargs)

    monkeypatch.setattr(readings_route, "read_window", counted)
    return made


def _points(answer) -> int:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    return sum(len(s["points"]) for s in answer.json()["series"])


def test_same_question_same_data_is_built_once(client, engine: Engine, builds) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    first = client.get(URL, params=WINDOW)
    again = client.get(URL, params=WINDOW)
    assert _points(first) == _points(again) == 0
    assert again.content == first.content and len(builds) == 1
    # gzip asked or not are different answers
    client.get(URL, params=WINDOW, headers={"Accept-Encoding": "identity"})
    assert len(builds) == 2


def test_a_new_file_is_in_the_next_answer(client, engine: Engine, builds, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    assert _points(client.get(URL, params=WINDOW)) == 0
    with engine.connect() as conn:
        sites = station_units(conn)
    raw = (FIELD / CANONICAL).read_bytes()
    ingest_batch(
        engine, [IncomingFile(CANONICAL, raw, "test")], sites=sites, now=1_795_140_000,
        archive_dir=tmp_path,
    )  # fmt: skip
    after = client.get(URL, params=WINDOW)
    assert _points(after) > 0 and len(builds) == 2


def test_errors_are_not_kept(client, engine: Engine, builds) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    for _ in range(2):
        assert client.get(URL, params={**WINDOW, "interval": "week"}).status_code == 400
    assert client.app.state.ctx.readings_answers.size_bytes == 0


def test_memory_is_bounded_by_bytes() -> None:
    cache = AnswerCache(max_bytes=100, max_entry=60)
    cache.put("a", b"x" * 50, {})
    cache.put("b", b"y" * 40, {})
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("c", b"z" * 30, {})  # 120 bytes: the least recently used ("b") leaves
    assert cache.get("b") is None and cache.get("a") and cache.get("c")
    assert cache.size_bytes == 80
    cache.put("big", b"w" * 61, {})  # over one entry's bound: never kept
    assert cache.get("big") is None and cache.size_bytes == 80


def test_a_registry_change_is_in_the_next_answer(client, engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # the site (its parameters and units) is kept per process by registry revision
    registry = (ROOT / "stations" / "demo" / "stations.yaml").read_text(encoding="utf-8")
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    before = client.get(URL, params=WINDOW).json()
    assert len(before["series"]) == 9
    changed = tmp_path / "stations.yaml"
    nine = "parameters: [PM2.5, PM10, TSP, SO2, NO2, CO, O3, Temp, RH]"
    assert registry.index(nine) < registry.index("LS_SONNMT_KK02")  # KK01's list comes first
    changed.write_text(registry.replace(nine, "parameters: [PM2.5, PM10]", 1), encoding="utf-8")
    import_stations(engine, changed)
    after = client.get(URL, params=WINDOW).json()
    assert [s["parameter"] for s in after["series"]] == ["PM10", "PM2.5"]
