"""The canonical fast path of the tt10 parser reads exactly what the line-by-line reader reads.

``_parse_canonical`` accepts a file only when every line is canonical and otherwise leaves it to
``Tt10Parser._parse_lines``; table-driven over the corpus and one deviation per row, whenever it
accepts a file the readings (and span) must equal the line-by-line reader's, which must have
found no line error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stations.parsers.base import ParseOutcome, ParserOptions
from stations.parsers.tt10 import Tt10Parser, _parse_canonical

ROOT = Path(__file__).resolve().parents[2]
STATION = "LS_SONNMT_KK01"
GOOD = "PM2.5\t12.5\tµg/Nm³\t20261120080000\t00"
OTHER = "PM10\t40\tµg/Nm³\t20261120080000\t01"

# (case, lines, accepted by the fast path)
CASES = [
    ("canonical", [GOOD, OTHER, ""], True),
    ("no final line end", [GOOD, OTHER], True),
    ("two stamps", [GOOD, OTHER.replace("080000", "080500"), ""], True),
    ("stamps alternate", [GOOD, OTHER.replace("080000", "080500"), GOOD, ""], True),
    ("good stamp, then an impossible one", [GOOD, OTHER.replace("080000", "086100"), ""], False),
    ("Circular symbol PM2,5", [GOOD.replace("PM2.5", "PM2,5"), ""], True),
    ("blank line inside", [GOOD, "", OTHER, ""], True),
    ("padded value", [GOOD.replace("12.5", " 12.5 "), ""], True),
    ("six fields", [GOOD + "\t", ""], False),
    ("four fields", [GOOD.rsplit("\t", 1)[0], ""], False),
    ("padded name", [" " + GOOD, ""], False),
    ("unknown parameter", [GOOD.replace("PM2.5", "PM3"), ""], False),
    ("ASCII unit", [GOOD.replace("µg/Nm³", "ug/Nm3"), ""], False),
    ("NaN", [GOOD.replace("12.5", "nan"), ""], False),
    ("infinity", [GOOD.replace("12.5", "1e400"), ""], False),
    ("minus infinity", [GOOD.replace("12.5", "-inf"), ""], False),
    ("largest finite value", [GOOD.replace("12.5", "1.7976931348623157e308"), ""], True),
    ("decimal comma", [GOOD.replace("12.5", "12,5"), ""], False),
    ("impossible time", [GOOD.replace("20261120", "20261320"), ""], False),
    ("padded time", [GOOD.replace("\t2026", "\t 2026"), ""], True),  # both strip it
    ("padded status", [GOOD.replace("\t00", "\t00 "), ""], False),
    ("unknown status", [GOOD.replace("\t00", "\t03"), ""], False),
    ("blanks only", [GOOD, "   ", ""], False),
    ("separators only", [GOOD, "\t\t\t\t", ""], False),
    ("one good, one bad", [GOOD, OTHER.replace("40", "forty"), ""], False),
    ("empty", [""], False),
]


@pytest.mark.parametrize(("case", "lines", "fast"), CASES, ids=[c[0] for c in CASES])
def test_fast_path_reads_what_the_line_reader_reads(
    case: str, lines: list[str], fast: bool
) -> None:
    quick, slow = ParseOutcome(), ParseOutcome()
    accepted = _parse_canonical(lines, STATION, quick)
    Tt10Parser._parse_lines(lines, STATION, ParserOptions(strict=True), slow)
    assert accepted is fast, case
    if accepted:
        assert slow.errors == []
        assert quick.readings == slow.readings and quick.span == slow.span
    else:
        assert quick == ParseOutcome()  # untouched: the line reader's result is the one kept


CORPUS = sorted((ROOT / "tests" / "fixtures" / "tt10").rglob("*.txt"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.relative_to(ROOT).as_posix() for p in CORPUS])
def test_corpus_reads_the_same_either_way(path: Path) -> None:
    try:
        lines = path.read_bytes().decode("utf-8").split("\r\n")
    except UnicodeDecodeError:
        return  # refused before any line is read
    quick, slow = ParseOutcome(), ParseOutcome()
    if _parse_canonical(lines, STATION, quick):
        Tt10Parser._parse_lines(lines, STATION, ParserOptions(strict=True), slow)
        assert slow.errors == [] and quick.readings == slow.readings and quick.span == slow.span


def test_the_corpus_takes_both_paths() -> None:
    taken = set()
    for path in CORPUS:
        text = path.read_bytes().decode("utf-8", "replace")
        taken.add(_parse_canonical(text.split("\r\n"), STATION, ParseOutcome()))
    assert taken == {True, False}
