"""The field corpus (tests/fixtures/tt10/field/README.md): real senders' spellings, default options.

Each file must give exactly its expected readings (value, unit after conversion, QC flags), the
notes that say how it deviated, and its line errors; ambiguous input stays a line error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from service.bootstrap import import_stations
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.parsers import ParserOptions, parse
from stations.qc import flag_names
from stations.store.readings import station_units
from stations.store.schema import ingested_files, readings

ROOT = Path(__file__).resolve().parents[2]
FIELD = ROOT / "tests" / "fixtures" / "tt10" / "field"
NOW = 1_795_140_000  # 2026-11-20 09:00 +07:00, after every file of the corpus
CASES = json.loads((FIELD / "expected.json").read_text(encoding="utf-8"))


def test_the_corpus_is_large_and_documented() -> None:
    assert len(CASES) >= 30
    readme = (FIELD / "README.md").read_text(encoding="utf-8")
    for case in CASES:
        assert (FIELD / case["file"]).is_file()
        assert case["file"] in readme and case["seen"]


def test_field_corpus_ingests_as_expected(engine: Engine, tmp_path: Path) -> None:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    files = [IncomingFile(c["file"], (FIELD / c["file"]).read_bytes(), "field") for c in CASES]
    result = ingest_batch(
        engine, files, sites=sites, now=NOW, archive_dir=tmp_path, options=IngestOptions()
    )
    outcomes = {f.name: f for f in result.files}
    with engine.connect() as conn:
        ids = dict(conn.execute(select(ingested_files.c.name, ingested_files.c.id)).all())
        notes = dict(
            conn.execute(select(ingested_files.c.name, ingested_files.c.format_notes)).all()
        )
        stored: dict[int, list[tuple[str, float, str, list[str]]]] = {}
        for file_id, param, value, unit, flags in conn.execute(
            select(
                readings.c.file_id,
                readings.c.parameter,
                readings.c.value,
                readings.c.unit,
                readings.c.qc_flags,
            )
        ):
            stored.setdefault(file_id, []).append((param, value, unit, flag_names(flags)))
    for case in CASES:
        name = case["file"]
        got = outcomes[name]
        assert got.outcome == case["outcome"], (name, got.reason, got.line_errors)
        for needle in case["notes"]:
            assert needle in (notes[name] or ""), (name, needle, notes[name])
        if not case["notes"]:
            assert notes[name] is None, (name, notes[name])
        reasons = [e.reason for e in got.line_errors] + [got.reason or ""]
        for needle in case["errors"]:
            assert any(needle in r for r in reasons), (name, needle, reasons)
        rows = sorted(stored.get(ids[name], []))
        want = sorted(case["readings"])
        assert [(p, u, f) for p, _v, u, f in rows] == [(p, u, f) for p, _v, u, f in want], name
        for (_p, value, _u, _f), (_p2, expected, _u2, _f2) in zip(rows, want, strict=True):
            assert value == pytest.approx(expected, rel=1e-4), name


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["spelling"][:40])
def test_strict_sources_keep_the_canonical_form_only(case: dict[str, object]) -> None:
    """``strict: true`` keeps today's behaviour: every deviating spelling is refused somewhere
    (a fatal reason, a line error, or a unit left as written for QC to flag)."""
    name = str(case["file"])
    raw = (FIELD / name).read_bytes()
    strict = parse(raw, name, "tt10", ParserOptions(strict=True))
    tolerant = parse(raw, name, "tt10", ParserOptions())
    if not tolerant.notes and not case["errors"]:
        assert strict.fatal is None and strict.errors == []
        assert strict.readings == tolerant.readings
    elif tolerant.notes:
        refused = strict.fatal or strict.errors
        units_as_written = [r.unit for r in strict.readings] != [r.unit for r in tolerant.readings]
        assert refused or units_as_written, (name, strict)
