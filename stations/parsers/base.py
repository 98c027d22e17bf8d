"""What every protocol parser returns, and the options that select documented format variants.

A parser is pure: ``(raw bytes, file name, options) -> ParseOutcome``. It never raises on bad
input: a bad line becomes a :class:`LineError` with a reason and the good lines are kept; a file
that cannot be read at all gets a ``fatal`` reason (the pipeline quarantines it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple, Protocol

from stations.sizes import MAX_FILE_BYTES

# Device status codes of Circular 10/2021 (regulations.md §1.2): measuring, calibrating, error.
STATUS_MEASURING = "00"
STATUS_CALIBRATING = "01"
STATUS_ERROR = "02"
STATUSES = frozenset((STATUS_MEASURING, STATUS_CALIBRATING, STATUS_ERROR))


class Reading(NamedTuple):
    """One parsed value. ``observed_at`` is UTC epoch seconds; ``unit`` as written (normalised)."""

    station_id: str
    parameter: str
    observed_at: int
    value: float
    unit: str
    status: str


@dataclass(frozen=True, slots=True)
class LineError:
    """One rejected line: 1-based line number (0 = the file as a whole), the reason, the text."""

    line: int
    reason: str
    text: str = ""

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (the text is cut to 120 characters)."""
        return {"line": self.line, "reason": self.reason, "text": self.text[:120]}


@dataclass(slots=True)
class ParseOutcome:
    """Readings and per-line errors of one file; ``fatal`` set when nothing could be read."""

    readings: list[Reading] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    fatal: str | None = None
    station_id: str | None = None  # from the file name, when the format puts it there
    notes: list[str] = field(default_factory=list)  # how the file deviated from the canonical form
    # ``(earliest, latest)`` observed_at of ``readings``, from a parser that knows it as it goes
    # and whose readings are all of ``station_id`` (the ingest summary then skips a pass)
    span: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class ParserOptions:
    """How far a source's files may deviate from the canonical form.

    By default (``strict=False``) every documented deviation is accepted and recorded in
    :attr:`ParseOutcome.notes` (see :mod:`stations.parsers.tolerant`); the variant switches
    below then do nothing. With ``strict=True`` only the canonical form and the variants switched
    on are accepted (the behaviour before field-ready ingestion, kept for sources that want it).

    Attributes:
        strict: accept only the canonical form plus the switched-on variants.
        separator: ``tab`` (canonical), ``semicolon``, ``spaces`` (runs of blanks) or ``auto``.
        decimal_comma: accept ``12,5`` as 12.5 (only when the separator is not a comma).
        bom: accept a UTF-8 byte-order mark.
        lf: accept LF (Unix) line ends; canonical is CRLF.
        aliases: accept the common parameter/unit spellings of ``parameter_aliases.csv``
            (the Circular's own symbols, e.g. ``PM2,5``, are always accepted).
        max_bytes: files larger than this are quarantined unread (a datalogger file is ~1 kB).
    """

    strict: bool = False
    separator: str = "tab"
    decimal_comma: bool = False
    bom: bool = False
    lf: bool = False
    aliases: bool = False
    max_bytes: int = MAX_FILE_BYTES

    SEPARATORS: ClassVar[tuple[str, ...]] = ("tab", "semicolon", "spaces", "auto")

    @classmethod
    def lenient(cls) -> ParserOptions:
        """Every variant switch on, strict otherwise (``quantrac ingest --strict --lenient``)."""
        return cls(
            strict=True, separator="auto", decimal_comma=True, bom=True, lf=True, aliases=True
        )


class ReadingParser(Protocol):
    """A protocol parser. ``parse`` must never raise, whatever the bytes; ``render`` writes one
    station's readings as a file of the format that ``parse`` reads back unchanged
    (tests/contracts/test_parser_contract.py holds every registered parser to both)."""

    format_id: ClassVar[str]
    suffix: ClassVar[str]  # the file-name extension ``auto`` sources pick the parser by

    def render(self, station_id: str, readings: Sequence[Reading]) -> tuple[str, bytes]:
        """``(file name, bytes)`` of one station's readings (times written in local UTC+7)."""
        ...

    def parse(self, raw: bytes, *, filename: str, options: ParserOptions) -> ParseOutcome:
        """Parse one file's bytes."""
        ...
