"""The batched ingest path gives exactly what one pass over every reading in time order gives.

The store step seeds QC memory from storage with one statement per batch and takes each
canonical file's time span from the parser; whatever the batch size, the stored flags, hourly
means and latest values must equal a reference computed from scratch (QC: ``apply_qc`` over all
readings sorted by station, parameter and time; means and latest values: the definitions in
test_ingest_pipeline).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from service.bootstrap import import_stations
from service.demo.simulator.model import render_tt10
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.ingest.writer import qc_ranges
from stations.parsers import ParserOptions, Reading, parse
from stations.qc import Flag, QcConfig, QcState, apply_qc
from stations.store.readings import station_units
from stations.store.schema import hourly_means, latest_values, readings
from tests.stations.test_ingest_pipeline import _reference_hourly, _reference_latest

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000
UNIT = "µg/Nm³"


def _values(i: int) -> dict[str, tuple[float, str]]:
    """Readings at step ``i`` (5 minutes apart) for PM2.5, PM10 and SO2: a flat line of 16 steps
    across batch boundaries, a spike (PM10 +1,500 > 25 % of 0–5,000), a calibration, a value out
    of range, and an hour where every reading is invalid."""
    pm25 = 42.0 if 10 <= i < 26 else 20.0 + i % 7
    pm10 = 1600.0 if i == 31 else 60.0 + i % 5
    so2 = -5.0 if i == 40 else 10.0 + i % 3
    return {
        "PM2.5": (pm25, "01" if i == 20 else "00"),
        "PM10": (pm10, "00"),
        "SO2": (so2, "02" if 48 <= i < 60 else "00"),
    }


def _files() -> list[IncomingFile]:
    start = NOW - 6 * 3600 - 600  # ends mid-hour
    out = []
    for i in range(72):
        for station in ("LS_SONNMT_KK01", "LS_SONNMT_KK02"):
            values = _values(i + (3 if station.endswith("2") else 0))
            lines = [(p, v, UNIT, s) for p, (v, s) in values.items()]
            name, data = render_tt10(station, start + 300 * i, lines)
            out.append(IncomingFile(name, data, "t"))
    return out


def _reference_flags(sites: dict[str, dict[str, str]]) -> dict[tuple[str, str, int], int]:
    every: list[Reading] = []
    for f in _files():
        every += parse(f.data, f.name, "tt10", ParserOptions()).readings
    every.sort(key=lambda r: (r.station_id, r.parameter, r.observed_at))
    flags = apply_qc(
        every, units=sites, ranges=qc_ranges(), now=NOW, config=QcConfig(), state=QcState()
    )
    return {(r[0], r[1], r[2]): f for r, f in zip(every, flags, strict=True)}


@pytest.mark.parametrize("batch", [1, 7, 50, 1000])
def test_batched_ingest_matches_one_pass(engine: Engine, tmp_path: Path, batch: int) -> None:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    files = _files()
    for i in range(0, len(files), batch):
        ingest_batch(engine, files[i : i + batch], sites=sites, now=NOW, archive_dir=tmp_path / "a")
    with engine.connect() as conn:
        stored = {
            (s, p, t): f
            for s, p, t, f in conn.execute(
                select(
                    readings.c.station_id, readings.c.parameter, readings.c.observed_at
                ).add_columns(readings.c.qc_flags)
            )
        }
        hours = {tuple(r[:3]): tuple(r[3:]) for r in conn.execute(select(hourly_means))}
        latest = {
            (s, p): (t, v)
            for s, p, t, v in conn.execute(
                select(latest_values.c.station_id, latest_values.c.parameter).add_columns(
                    latest_values.c.observed_at, latest_values.c.value
                )
            )
        }
    expected = _reference_flags(sites)
    assert stored == expected
    seen = set(expected.values())
    for bit in (Flag.FLATLINE, Flag.SPIKE, Flag.CALIBRATING, Flag.DEVICE_ERROR, Flag.OUT_OF_RANGE):
        assert any(f & bit for f in seen), bit  # the scenario exercises every check
    reference = _reference_hourly(engine)
    assert hours.keys() == reference.keys()
    for key, (mean, *rest) in reference.items():
        assert hours[key] == (pytest.approx(mean) if mean is not None else None, *rest)
    assert latest == _reference_latest(engine)


CORPUS = sorted((ROOT / "tests" / "fixtures" / "tt10").rglob("*.txt"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
@pytest.mark.parametrize("strict", [False, True])
def test_parser_span_is_the_readings_span(path: Path, strict: bool) -> None:
    out = parse(path.read_bytes(), path.name, "tt10", ParserOptions(strict=strict))
    if out.span is None:
        return
    assert out.readings and not out.errors
    assert {r.station_id for r in out.readings} == {out.station_id}
    times = [r.observed_at for r in out.readings]
    assert out.span == (min(times), max(times))


def test_canonical_files_carry_their_span_and_blank_lines_stay_blank() -> None:
    name, data = render_tt10("LS_SONNMT_KK01", NOW, [("PM2.5", 1.0, UNIT, "00")])
    assert parse(data, name, "tt10", ParserOptions()).span == (NOW, NOW)
    # a line of separators only is a blank line, as before, in every mode
    padded = data + b"\t\t\t\t\r\n   \r\n"
    for options in (ParserOptions(), ParserOptions(strict=True), ParserOptions.lenient()):
        out = parse(padded, name, "tt10", options)
        assert (len(out.readings), out.errors) == (1, []), options
