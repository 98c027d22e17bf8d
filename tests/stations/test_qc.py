"""QC flags (stations/qc.py): each rule flags, nothing is dropped."""

from __future__ import annotations

import pytest

from stations.parsers.base import Reading
from stations.qc import INVALID_MASK, Flag, QcConfig, QcState, apply_qc, flag_names

NOW = 1_795_138_200
UNITS = {"S": {"PM2.5": "µg/Nm³", "pH": "-"}}
RANGES = {"PM2.5": (0.0, 2000.0), "pH": (0.0, 14.0)}


def r(
    value: float,
    *,
    t: int = NOW - 300,
    unit: str = "µg/Nm³",
    status: str = "00",
    parameter: str = "PM2.5",
    station: str = "S",
) -> Reading:
    return Reading(station, parameter, t, value, unit, status)


CASES = [
    pytest.param(r(25), 0, id="clean"),
    pytest.param(r(25, status="01"), Flag.CALIBRATING, id="status-01-calibrating"),
    pytest.param(r(25, status="02"), Flag.DEVICE_ERROR, id="status-02-device-error"),
    pytest.param(r(2000.1), Flag.OUT_OF_RANGE, id="above-physical-range"),
    pytest.param(r(-0.1), Flag.OUT_OF_RANGE, id="below-physical-range"),
    pytest.param(r(2000), 0, id="range-bound-inclusive"),
    pytest.param(r(25, t=NOW + 600), 0, id="future-10-min-is-allowed"),
    pytest.param(r(25, t=NOW + 601), Flag.FUTURE, id="future-over-10-min"),
    pytest.param(r(25, t=NOW - 11 * 366 * 86400), Flag.TOO_OLD, id="before-retention"),
    pytest.param(r(25, unit="mg/Nm³"), Flag.UNIT_MISMATCH, id="unit-differs"),
    pytest.param(r(25, parameter="PM10"), Flag.NOT_CONFIGURED, id="not-configured"),
    pytest.param(r(25, station="OTHER"), Flag.NOT_CONFIGURED, id="station-without-config"),
]


@pytest.mark.parametrize(("reading", "expected"), CASES)
def test_single_reading_flags(reading: Reading, expected: int) -> None:
    flags = apply_qc(
        [reading], units=UNITS, ranges=RANGES, now=NOW, config=QcConfig(), state=QcState()
    )
    assert flags == [int(expected)]


def test_flatline_after_n_equal_values() -> None:
    readings = [r(7.0, t=NOW - 3600 + i * 300) for i in range(12)]
    flags = apply_qc(
        readings,
        units=UNITS,
        ranges=RANGES,
        now=NOW,
        config=QcConfig(flatline_n=4),
        state=QcState(),
    )
    assert flags == [0, 0, 0] + [int(Flag.FLATLINE)] * 9
    assert not Flag.FLATLINE & INVALID_MASK  # suspect, still counted in means


def test_spike_is_relative_to_previous_reading_and_range() -> None:
    readings = [r(20, t=NOW - 900), r(600, t=NOW - 600), r(620, t=NOW - 300)]
    flags = apply_qc(
        readings, units=UNITS, ranges=RANGES, now=NOW, config=QcConfig(), state=QcState()
    )
    assert flags == [0, int(Flag.SPIKE), 0]  # 580 > 25 % of 2000; 20 is not


def test_spike_ignores_long_gaps_and_seeded_history_counts() -> None:
    state = QcState()
    state.seed([("S", "PM2.5", NOW - 7200, 20.0, "00")])
    far = apply_qc([r(900)], units=UNITS, ranges=RANGES, now=NOW, config=QcConfig(), state=state)
    assert far == [0]  # previous reading 2 h earlier: no spike judgement
    state = QcState()
    state.seed([("S", "PM2.5", NOW - 600, 20.0, "00")])
    near = apply_qc([r(900)], units=UNITS, ranges=RANGES, now=NOW, config=QcConfig(), state=state)
    assert near == [int(Flag.SPIKE)]


def test_flag_names() -> None:
    assert flag_names(int(Flag.CALIBRATING | Flag.SPIKE)) == ["calibrating", "spike"]
    assert flag_names(0) == []
