"""The warning chain on both backends: gauges → intervals → levels per commune and zone."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from layers.warnings import recompute, replay, warnings_geojson
from stations.store import rain as store
from tests.warnings.scenario import STEP, T0, load_places, storm, write_rain


def by_place(rows):
    return {(r["place_type"], r["place_id"]): r for r in rows}


def test_storm_raises_levels_per_commune_and_zone(engine: Engine, tmp_path: Path) -> None:
    load_places(engine, tmp_path)
    # Three days of 20 mm (prior rain days, ≥ 16 mm each), then 150 mm in the last 24 h.
    span1 = write_rain(engine, "G1", storm([20, 20, 20, 150]))
    span2 = write_rain(engine, "G2", storm([20, 20, 20, 150]))
    rows = by_place(recompute(engine, {"G1": span1, "G2": span2}))
    a, b, c = rows[("commune", "A")], rows[("commune", "B")], rows[("commune", "C")]
    assert a["rain24"] == pytest.approx(150.0) and a["prior_days"] == 3  # three 20-mm days
    # A: high zone, 100–200 mm… with 3 prior days: outside the 1–2 days band → not assessed
    assert (a["status"], a["susceptibility"]) == ("not_assessed", "high")
    assert (b["status"], b["level"]) == ("not_assessed", None)
    assert (c["status"], c["level"]) == ("no_data", None)  # no gauge within 15 km
    assert c["gauges"] == []


def test_level_rises_then_falls_after_the_hold(engine: Engine, tmp_path: Path) -> None:
    load_places(engine, tmp_path)
    series = storm([0, 0, 20, 150]) + [0.0] * 144  # then a dry day
    write_rain(engine, "G1", series)
    write_rain(engine, "G2", series)
    end = T0 + (len(series) - 1) * STEP
    levels = replay(engine, T0 + 3 * 86400, end, step_s=3600, hold_s=6 * 3600)
    a = levels[("commune", "A")]
    b = levels[("commune", "B")]
    peak_b = max(lv or 0 for _, lv in b)
    assert peak_b == 1  # medium zone, 150 mm with one prior rain day: level 1 (Điều 46 kh. 1)
    assert max(lv or 0 for _, lv in a) == 2  # high zone: level 2 (provisional clause)
    assert a[-1][1] == 0  # a dry day later, after the 6-h hold: back to 0
    first_up = next(t for t, lv in a if lv)
    assert first_up < T0 + 4 * 86400  # warned before the end of the storm day
    with engine.connect() as conn:
        stored = store.level_history(conn, T0, end)
        assert any(r.level == 2 and "first clause only" in r.citation for r in stored)
        rain = store.intervals(conn, "G1", end - STEP, end)
        assert rain[-1].r24h == 0.0 and rain[-1].swi > 0  # soil still wet after a dry day
        geo = warnings_geojson(conn)
    props = {f["id"]: f["properties"] for f in geo["features"]}
    assert props["commune:C"]["status"] == "no_data"
    assert props["commune:A"]["gauges"][0]["station"] == "G1"


def test_gap_is_no_data_not_zero(engine: Engine, tmp_path: Path) -> None:
    load_places(engine, tmp_path)
    series: list[float | None] = storm([0, 0, 0, 50])
    series[-30:-20] = [None] * 10  # the gauge did not report for 100 minutes
    span = write_rain(engine, "G1", series)
    recompute(engine, {"G1": span})
    with engine.connect() as conn:
        last = store.intervals(conn, "G1", span[1], span[1])[0]
        gap = store.intervals(conn, "G1", span[1] - 25 * STEP, span[1] - 25 * STEP)[0]
    assert last.missing_24h == 10 and gap.mm is None and gap.qc == "gap"


def test_cumulative_feed_gauge_through_the_json_parser(engine: Engine, tmp_path: Path) -> None:
    """A gauge publishing "mm since 19:00" (VRAIN style) through the ordinary JSON parser."""
    import json

    from sqlalchemy import update

    from stations.parsers import ParserOptions, parse
    from stations.store.schema import readings, sites
    from stations.timeutil import epoch_to_local_iso

    load_places(engine, tmp_path)
    with engine.begin() as conn:
        cfg = {"interval_s": STEP, "rain_feed": "cumulative", "reset_hour": 19}
        conn.execute(update(sites).where(sites.c.id == "G1").values(config=cfg))
    reset = T0 - (T0 + 7 * 3600) % 86400 + 19 * 3600  # 19:00 local on T0's day
    times = [reset - 2 * STEP, reset - STEP, reset, reset + STEP, reset + 2 * STEP]
    cum = [10.0, 12.0, 15.0, 1.0, 4.0]  # resets to 0 at 19:00, then 1 and 3 more mm
    doc = {
        "station_id": "G1",
        "readings": [
            {"parameter": "RainCum", "value": c, "unit": "mm", "time": epoch_to_local_iso(t)}
            for t, c in zip(times, cum, strict=True)
        ],
    }
    parsed = parse(json.dumps(doc).encode(), "g1.json", "json", ParserOptions())
    assert parsed.fatal is None and len(parsed.readings) == 5
    with engine.begin() as conn:
        conn.execute(
            insert(readings),
            [{**r._asdict(), "qc_flags": 0, "file_id": None} for r in parsed.readings],
        )
    recompute(engine, {"G1": (times[0], times[-1])})
    with engine.connect() as conn:
        got = [(r.at, r.mm) for r in store.intervals(conn, "G1", times[1], times[-1])]
    assert got == [(times[1], 2.0), (times[2], 3.0), (times[3], 1.0), (times[4], 3.0)]


def test_live_path_matches_the_full_recompute(engine: Engine, tmp_path: Path) -> None:
    """The bulk 10-minute path (stored look-back) gives the same intervals as the full path."""
    from stations.rain.engine import update_gauge

    load_places(engine, tmp_path)
    series: list[float | None] = storm([0, 10, 30, 90])
    series[-20] = None  # a gap among the live intervals
    series[-8] = -1.0  # a negative value: rain QC
    _, end = write_rain(engine, "G1", series)
    recompute(engine, {"G1": (T0, end - 12 * STEP)})
    for k in range(11, -1, -1):  # then interval by interval, as files arrive
        t = end - k * STEP
        recompute(engine, {"G1": (t, t)})
    with engine.connect() as conn:
        live = [tuple(r) for r in store.intervals(conn, "G1", end - 12 * STEP, end)]
    with engine.begin() as conn:
        update_gauge(conn, "G1", STEP, end - 12 * STEP, end)
    with engine.connect() as conn:
        full = [tuple(r) for r in store.intervals(conn, "G1", end - 12 * STEP, end)]
    assert len(live) == 13
    assert [r[:4] for r in live] == [r[:4] for r in full]  # station, at, mm, qc
    for a, b in zip(live, full, strict=True):
        assert a[4:] == pytest.approx(b[4:])
    assert any(r[3] == "negative" for r in live)


def test_silent_gauges_turn_places_to_no_data_without_lowering_the_warning(
    engine: Engine, tmp_path: Path
) -> None:
    from layers.warnings import assess_at

    load_places(engine, tmp_path)
    _, end = write_rain(engine, "G1", storm([0, 0, 20, 150]))
    rows = by_place(recompute(engine, {"G1": (T0, end)}))
    assert rows[("commune", "A")]["issued_level"] == 2
    later = by_place(assess_at(engine, end + 2 * 3600))  # G1 silent for two hours
    a = later[("commune", "A")]
    assert (a["status"], a["level"], a["issued_level"]) == ("no_data", None, 2)
