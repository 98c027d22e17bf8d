"""What the ingest pipeline takes and returns: received files, options, per-file outcomes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Connection, Engine

from stations.parsers import ParserOptions
from stations.parsers.base import LineError
from stations.qc import QcConfig

Spans = Mapping[str, tuple[int, int]]
"""``{station_id: (first, last)}`` observation times (UTC epoch seconds) a commit stored."""

AfterIngestHook = Callable[[Engine, Spans], object]
"""``hook(engine, spans)``, called once per committed batch with every station it touched
(one call for a poll's batch of files, not one per file: the hooks' fixed costs are paid once)."""


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A received file. ``name`` is untrusted; ``archived`` names raw bytes already kept
    elsewhere in the archive (a zip member: ``<zip archive path>#<member>``)."""

    name: str
    data: bytes
    origin: str
    archived: str | None = None


@dataclass(slots=True)
class FileOutcome:
    """What happened to one file: ``ok | partial | quarantined | duplicate``."""

    name: str
    origin: str
    sha256: str
    outcome: str = "ok"
    reason: str | None = None
    station_id: str | None = None
    readings: int = 0  # readings accepted from the file (stored unless already present)
    line_errors: list[LineError] = field(default_factory=list)
    file_id: int | None = None
    notes: list[str] = field(default_factory=list)  # deviations from the canonical form


@dataclass(slots=True)
class BatchResult:
    """Outcomes per file, readings newly stored, and the span stored per station."""

    files: list[FileOutcome]
    stored: int = 0
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


class RecordedFile(NamedTuple):
    """A file recorded in ``ingested_files`` by the current transaction (for ``on_record``)."""

    file_id: int
    station_id: str | None
    name: str
    outcome: str  # ok | partial | quarantined
    first: int  # earliest observed_at (0 when quarantined)
    received_at: int


OnRecord = Callable[[Connection, list[RecordedFile]], object]
"""``on_record(conn, files)``: runs inside the ingest transaction (e.g. to queue the files for
forwarding), so what it writes commits or rolls back with the files themselves."""


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How a source's files are read. ``fsync`` makes archive writes durable before commit."""

    fmt: str = "tt10"
    parser: ParserOptions = field(default_factory=ParserOptions)
    qc: QcConfig = field(default_factory=QcConfig)
    quarantine_dir: Path | None = None
    fsync: bool = False
    on_record: OnRecord | None = None


def file_key(f: IncomingFile) -> str:
    """The identity of a received file: sha256 of its name and bytes.

    The name is part of it because a Circular 10/2021 file carries its station only in the
    name: two stations can send byte-identical files (same values, same time). The archive
    itself is addressed by the content hash alone.
    """
    h = hashlib.sha256(f.name.encode("utf-8", "surrogateescape"))
    h.update(b"\x00")
    h.update(f.data)
    return h.hexdigest()
