"""Import validated laboratory results into the store: one transaction, idempotent.

New results are inserted, changed ones updated, identical ones left alone, so re-importing a
file changes nothing. The file's hash is kept in ``programme_imports`` for provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from stations.programme.results_file import ResultRecord, read_table, validate_rows
from stations.programme.rounds import round_window
from stations.store.programme import points
from stations.store.programme_tables import lab_results, programme_imports, programme_rounds

_VALUE_COLUMNS = (
    "value",
    "unit",
    "qualifier",
    "value_reported",
    "unit_reported",
    "laboratory",
    "method",
    "note",
)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What one import did. Re-importing the same file gives inserted = updated = 0."""

    file: str
    sha256: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rounds: list[str]
    points: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def import_results_file(
    conn: Connection, data: bytes, filename: str, now: int, *, synthetic: bool = False
) -> ImportSummary:
    """Validate every row of a CSV/XLSX results file, then store it (all or nothing).

    Raises :class:`~stations.errors.ImportRejected` listing every bad row and column. Run it
    inside one transaction (``engine.begin()``): nothing is written unless every row is good.
    """
    known = points(conn)
    records = validate_rows(
        read_table(data, filename), {k: p.medium for k, p in known.items()}, filename
    )
    sha = hashlib.sha256(data).hexdigest()
    return store_results(conn, records, filename, sha, now, synthetic=synthetic)


def _round_ids(
    conn: Connection, keys: set[tuple[int, int]], now: int
) -> dict[tuple[int, int], int]:
    ids = {
        (r.year, r.number): r.id
        for r in conn.execute(
            select(programme_rounds.c.id, programme_rounds.c.year, programme_rounds.c.number)
        )
    }
    for year, number in sorted(keys - ids.keys()):
        window = round_window(year, number)
        ids[(year, number)] = conn.execute(
            insert(programme_rounds)
            .values(
                year=year,
                number=number,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
                created_at=now,
            )
            .returning(programme_rounds.c.id)
        ).scalar_one()
    return ids


def store_results(
    conn: Connection,
    records: list[ResultRecord],
    filename: str,
    sha256: str,
    now: int,
    *,
    synthetic: bool = False,
) -> ImportSummary:
    """Insert new results, update changed ones, leave identical ones untouched."""
    round_keys = {(r.year, r.number) for r in records}
    round_ids = _round_ids(conn, round_keys, now)
    existing: dict[tuple[int, str, str, int, str], tuple[Any, ...]] = {}
    wanted_rounds = [round_ids[k] for k in round_keys]
    cols = [getattr(lab_results.c, c) for c in _VALUE_COLUMNS]
    for row in conn.execute(
        select(
            lab_results.c.round_id,
            lab_results.c.point_id,
            lab_results.c.parameter,
            lab_results.c.sampled_at,
            lab_results.c.averaging,
            *cols,
        ).where(lab_results.c.round_id.in_(wanted_rounds))
    ):
        existing[tuple(row[:5])] = tuple(row[5:])
    new_rows, changed = [], []
    for rec in records:
        key = (
            round_ids[(rec.year, rec.number)],
            rec.point_id,
            rec.parameter,
            rec.sampled_at,
            rec.averaging,
        )
        values = tuple(getattr(rec, c) for c in _VALUE_COLUMNS)
        if key not in existing:
            new_rows.append((key, values))
        elif existing[key] != values:
            changed.append((key, values))
    import_id = None
    if new_rows or changed:
        import_id = (
            _import_id(conn, sha256)
            or conn.execute(
                insert(programme_imports)
                .values(
                    sha256=sha256,
                    name=filename,
                    rows=len(records),
                    inserted=len(new_rows),
                    updated=len(changed),
                    imported_at=now,
                )
                .returning(programme_imports.c.id)
            ).scalar_one()
        )
    if new_rows:
        conn.execute(
            insert(lab_results),
            [
                {
                    **dict(
                        zip(
                            ("round_id", "point_id", "parameter", "sampled_at", "averaging"),
                            key,
                            strict=True,
                        )
                    ),
                    **dict(zip(_VALUE_COLUMNS, values, strict=True)),
                    "synthetic": synthetic,
                    "import_id": import_id,
                    "updated_at": now,
                }
                for key, values in new_rows
            ],
        )
    for key, values in changed:
        rid, pid, param, at, avg = key
        conn.execute(
            update(lab_results)
            .where(
                lab_results.c.round_id == rid,
                lab_results.c.point_id == pid,
                lab_results.c.parameter == param,
                lab_results.c.sampled_at == at,
                lab_results.c.averaging == avg,
            )
            .values(
                **dict(zip(_VALUE_COLUMNS, values, strict=True)),
                import_id=import_id,
                updated_at=now,
            )
        )
    return ImportSummary(
        file=filename,
        sha256=sha256,
        rows=len(records),
        inserted=len(new_rows),
        updated=len(changed),
        unchanged=len(records) - len(new_rows) - len(changed),
        rounds=[f"{y}-{n}" for y, n in sorted(round_keys)],
        points=len({r.point_id for r in records}),
    )


def _import_id(conn: Connection, sha256: str) -> int | None:
    return conn.scalar(select(programme_imports.c.id).where(programme_imports.c.sha256 == sha256))
