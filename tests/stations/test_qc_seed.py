""":meth:`QcState.seed` reads QC's flat-line/spike memory from the newest stored reading back;
it must leave exactly the state that walking the same rows oldest first, reading by reading,
leaves (the rule as first written, kept here as the reference), whatever the history."""

from __future__ import annotations

import random
from operator import itemgetter

import pytest

from stations.qc import QcState

Row = tuple[str, str, int, float | None, str]


def _forward(rows: list[Row], state: QcState) -> dict[tuple[str, str], list[float]]:
    """Oldest first, one reading at a time: a status-00 value equal to the key's last one
    extends its run, another value starts a new run."""
    for station, parameter, observed_at, value, status in rows:
        if status != "00" or value is None:
            continue
        last = state.last.get((station, parameter))
        if last is not None and last[1] == value:
            last[0], last[2] = observed_at, last[2] + 1
        else:
            state.last[(station, parameter)] = [observed_at, value, 1]
    return state.last


def _rows(station: str, parameter: str, values: list[tuple[float | None, str]]) -> list[Row]:
    return [(station, parameter, 300 * i, v, s) for i, (v, s) in enumerate(values)]


CASES = {
    "no rows": [],
    "one value": _rows("S", "PM2.5", [(20.0, "00")]),
    "a run after another value": _rows("S", "PM2.5", [(1.0, "00"), (2.0, "00"), (2.0, "00")]),
    "calibration and errors do not break a run": _rows(
        "S", "NO2", [(5.0, "00"), (9.0, "01"), (5.0, "00"), (None, "00"), (5.0, "02")]
    ),
    "only calibration": _rows("S", "NO2", [(5.0, "01"), (6.0, "02")]),
    "two series": _rows("A", "SO2", [(1.0, "00"), (1.0, "00")])
    + _rows("A", "TSP", [(3.0, "00"), (4.0, "00")])
    + _rows("B", "SO2", [(7.0, "00")]),
}


@pytest.mark.parametrize("rows", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("prior", [None, 2.0, 5.0], ids=["empty", "prior 2.0", "prior 5.0"])
def test_newest_first_seed_is_the_forward_seed(rows: list[Row], prior: float | None) -> None:
    def start() -> QcState:
        state = QcState()
        if prior is not None:  # PostgreSQL seeds part by part: a key may hold a state already
            for key in {(r[0], r[1]) for r in rows} | {("S", "PM2.5")}:
                state.last[key] = [-300, prior, 4]
        return state

    fast = start()
    fast.seed(rows)
    assert fast.last == _forward(rows, start())


def test_newest_first_seed_matches_on_random_histories() -> None:
    rng = random.Random(20)
    for _ in range(300):
        rows: list[Row] = []
        for station in rng.sample(["A", "B", "C"], rng.randint(1, 3)):
            for parameter in sorted(rng.sample(["CO", "NO2", "PM10"], rng.randint(1, 3))):
                values = [
                    (rng.choice([1.0, 2.0, None]), rng.choice(["00", "00", "00", "01", "02"]))
                    for _ in range(rng.randint(0, 12))
                ]
                rows += _rows(station, parameter, values)
        rows.sort(key=itemgetter(0, 1, 2))
        fast = QcState()
        fast.seed(rows)
        assert fast.last == _forward(rows, QcState()), rows
