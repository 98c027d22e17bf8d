"""The prepare step takes a one-station file's parameters and its registered-units check in one
pass: a file already in the station's units keeps its parsed readings as they are, a file with a
unit that differs by a known factor is converted and noted (what ``harmonise_units`` does), and a
strict source without ``aliases`` keeps units as written (QC then flags ``unit_mismatch``).
Units and factors: stations/data/parameters.csv (PM2.5 and CO registered in µg/Nm³ here)."""

from __future__ import annotations

import pytest

from stations.ingest.model import FileOutcome, IncomingFile, IngestOptions
from stations.ingest.prepare import Work, prepare
from stations.parsers import ParserOptions

STATION = "LS_SONNMT_KK01"
SITES = {STATION: {"PM2.5": "µg/Nm³", "CO": "µg/Nm³"}}
PM = "PM2.5\t12.5\tµg/Nm³\t20261120080000\t00\r\n"
CO_UG = "CO\t1200\tµg/Nm³\t20261120080000\t00\r\n"
CO_MG = "CO\t1.2\tmg/Nm³\t20261120080000\t00\r\n"

# (case, file body, options, expected (parameter, value, unit) rows, expected notes)
CASES = [
    ("registered units", PM + CO_UG, IngestOptions(),
     [("PM2.5", 12.5, "µg/Nm³"), ("CO", 1200.0, "µg/Nm³")], []),
    ("CO in mg/Nm³ converted", PM + CO_MG, IngestOptions(),
     [("PM2.5", 12.5, "µg/Nm³"), ("CO", 1200.0, "µg/Nm³")], ["CO mg/Nm³→µg/Nm³ ×1000"]),
    ("strict source keeps mg/Nm³", PM + CO_MG, IngestOptions(parser=ParserOptions(strict=True)),
     [("PM2.5", 12.5, "µg/Nm³"), ("CO", 1.2, "mg/Nm³")], []),
    ("strict source with aliases converts", PM + CO_MG,
     IngestOptions(parser=ParserOptions(strict=True, aliases=True)),
     [("PM2.5", 12.5, "µg/Nm³"), ("CO", 1200.0, "µg/Nm³")], ["CO mg/Nm³→µg/Nm³ ×1000"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "body", "options", "rows", "notes"), CASES, ids=[c[0] for c in CASES]
)
def test_units_and_parameters_in_one_pass(
    case: str,
    body: str,
    options: IngestOptions,
    rows: list[tuple[str, float, str]],
    notes: list[str],
) -> None:
    name = f"{STATION}_20261120080000.txt"
    w = Work(FileOutcome(name, "test", "0" * 64), IncomingFile(name, body.encode(), "test"), "")
    prepare(w, SITES, options)
    assert w.outcome.outcome == "ok", case
    got = [(r[1], r[3], r[4]) for r in w.readings]
    assert [(p, pytest.approx(v), u) for p, v, u in got] == rows
    assert w.outcome.notes == notes
    assert w.parameters == {"PM2.5", "CO"}
    assert w.stations == {STATION}
    assert (w.first, w.last) == (1_795_136_400, 1_795_136_400)  # 2026-11-20 08:00 +07:00
