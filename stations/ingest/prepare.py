"""Before storing: recognise duplicates, archive the raw bytes, parse, decide each outcome.

Each accepted file is summarised once here (its stations, parameters and time span), so the
store step works per file and per batch instead of per reading.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from stations.ingest.archive import ArchiveBatch, archive_bytes
from stations.ingest.model import FileOutcome, IncomingFile, IngestOptions, RecordedFile
from stations.ingest.units import harmonise_units
from stations.parsers import Reading, parse
from stations.parsers.base import LineError
from stations.parsers.common import unsafe_name
from stations.store.readings import known_hashes


@dataclass(slots=True)
class Work:
    """A file to record, its accepted readings and their summary (empty when quarantined)."""

    outcome: FileOutcome
    incoming: IncomingFile
    archive: str
    readings: Sequence[Reading] = ()
    stations: AbstractSet[str] = frozenset()
    parameters: AbstractSet[str] = frozenset()
    first: int = 0  # earliest observed_at
    last: int = 0  # latest observed_at


def _parameters(
    readings: Sequence[Reading],
    sites: Mapping[str, Mapping[str, str]],
    span: tuple[int, int] | None,
    named: str | None,
) -> tuple[set[str], bool]:
    """A one-station file's parameters, and whether every reading is in the station's
    registered unit (one pass for both); ``(empty, False)`` for other files."""
    parameters: set[str] = set()
    if span is None or named is None:
        return parameters, False
    add, unit_of = parameters.add, sites.get(named, {}).get
    registered = True
    for r in readings:
        parameter = r[1]
        add(parameter)
        if registered and unit_of(parameter) != r[4]:
            registered = False
    return parameters, registered


def prepare(w: Work, sites: Mapping[str, Mapping[str, str]], options: IngestOptions) -> None:
    """Parse one file, decide its outcome and summarise its accepted readings (sets ``w``)."""
    f, o = w.incoming, w.outcome
    reason = unsafe_name(f.name)
    if reason is None:
        parsed = parse(f.data, f.name, options.fmt, options.parser)
        o.station_id = parsed.station_id
        o.line_errors = parsed.errors
        o.notes = parsed.notes
        reason = parsed.fatal
        if reason is None:
            readings = parsed.readings
            span = parsed.span  # set: every reading is of the named station
            named = parsed.station_id
            parameters, registered = _parameters(readings, sites, span, named)
            if not registered and (not options.parser.strict or options.parser.aliases):
                converted: list[str] = []
                readings = harmonise_units(readings, sites, converted)
                if converted:
                    o.notes = [*o.notes, *converted]
            stations: set[str] = (
                {named}
                if span is not None and named is not None
                else set(next(zip(*readings, strict=True), ()))
            )
            if not stations <= sites.keys():
                readings = [r for r in readings if r[0] in sites]
                unknown = sorted(stations - sites.keys())
                stations &= sites.keys()
                if not readings:
                    reason = f"trạm không có trong danh mục / unknown station {', '.join(unknown)}"
                else:
                    o.line_errors.append(LineError(0, f"unknown station(s) {unknown} skipped"))
    if reason is not None:
        o.outcome, o.reason = "quarantined", reason
        return
    o.readings = len(readings)
    o.outcome = "partial" if o.line_errors else "ok"
    if span is None:
        columns = zip(*readings, strict=True)  # station_id, parameter, observed_at, ...
        next(columns)
        parameters = set(next(columns))
        times = next(columns)
        span = (min(times), max(times))
    w.readings, w.stations, w.parameters = readings, stations, parameters
    w.first, w.last = span


def select_work(
    conn: Connection,
    files: Sequence[IncomingFile],
    outcomes: list[FileOutcome],
    sites: Mapping[str, Mapping[str, str]],
    archive_dir: Path,
    options: IngestOptions,
    *,
    parse_now: bool = True,
) -> list[Work]:
    """The files to record (duplicates are marked in ``outcomes`` and left out); each one
    parsed by :func:`prepare` unless ``parse_now`` is False (the caller then prepares it)."""
    known = known_hashes(conn, [(o.name, o.sha256) for o in outcomes])
    seen: set[str] = set()
    work = []
    durable = ArchiveBatch(archive_dir) if options.fsync else None
    packed: list[tuple[Work, str]] = []  # (work, content hash) archived by ``durable``
    for f, o in zip(files, outcomes, strict=True):
        previous = known.get(o.sha256)
        if o.sha256 in seen or (previous is not None and previous[1] != "quarantined"):
            o.outcome, o.file_id = "duplicate", previous[0] if previous else None
            continue
        seen.add(o.sha256)
        if f.archived:
            archived = f.archived
        else:
            sha = hashlib.sha256(f.data).hexdigest()
            if durable:
                durable.add(sha, f.data)
                archived = ""  # known once the batch's pack is written
            else:
                archived = str(archive_bytes(archive_dir, sha, f.data))
        w = Work(o, f, archived)
        if durable and not archived:
            packed.append((w, sha))
        if parse_now:
            prepare(w, sites, options)
        if previous is not None:
            o.file_id = previous[0]
        work.append(w)
    if durable:
        paths = durable.flush()  # on disk before the caller commits
        for w, sha in packed:
            w.archive = paths[sha]
    return work


def recorded(w: Work, received_at: int) -> RecordedFile:
    """The plain record of a stored file handed to ``IngestOptions.on_record``."""
    o = w.outcome
    return RecordedFile(
        o.file_id or 0, o.station_id, w.incoming.name, o.outcome, w.first, received_at
    )
