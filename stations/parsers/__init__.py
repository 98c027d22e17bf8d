"""Protocol parsers: Circular 10/2021 text, CSV and JSON (see :mod:`stations.parsers.base`).

:data:`PARSERS` is the registry: a new format is one module with a ``ReadingParser`` and one
line below; the format lists of the CLI, the sources file and ``auto`` derive from it.
"""

from __future__ import annotations

from stations.parsers.base import ParseOutcome, ParserOptions, Reading, ReadingParser
from stations.parsers.csv_ import CsvParser
from stations.parsers.json_ import JsonParser
from stations.parsers.tt10 import Tt10Parser

PARSERS: dict[str, ReadingParser] = {
    p.format_id: p
    for p in (
        Tt10Parser(),
        CsvParser(),
        JsonParser(),
    )
}
AUTO = "auto"  # pick the parser by file-name extension
FORMATS: tuple[str, ...] = (AUTO, *PARSERS)  # what a source or ``quantrac ingest`` may name
_BY_SUFFIX = {p.suffix: p.format_id for p in PARSERS.values()}


def format_for(name: str, default: str = "tt10") -> str:
    """The format id for a file name (``auto`` sources): by extension, else ``default``."""
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:].lower(), default) if dot >= 0 else default


def parse(raw: bytes, filename: str, fmt: str, options: ParserOptions) -> ParseOutcome:
    """Parse with the named format (``auto`` picks by extension); never raises on bad bytes."""
    parser = PARSERS.get(format_for(filename) if fmt == AUTO else fmt)
    if parser is None:
        return ParseOutcome(fatal=f"unknown format {fmt!r}; expected one of {sorted(PARSERS)}")
    try:
        return parser.parse(raw, filename=filename, options=options)
    except RecursionError:  # deeply nested JSON: the only input-driven error left
        return ParseOutcome(fatal="nested too deeply / lồng quá sâu")


__all__ = [
    "AUTO",
    "FORMATS",
    "PARSERS",
    "ParseOutcome",
    "ParserOptions",
    "Reading",
    "format_for",
    "parse",
]
