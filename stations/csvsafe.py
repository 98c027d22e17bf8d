"""One cell sanitiser for every CSV and XLSX we write (spreadsheet formula injection).

A cell whose text starts with ``= + - @``, a TAB or a CR is run as a formula by Excel and
LibreOffice (``=HYPERLINK(...)`` in a station name reached exports as a live link). Such text
is written with a leading apostrophe, which spreadsheets show as plain text. Numbers, and text
that is just a number (``-3.5``) or a lone sign (``-``), are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value``, or ``"'" + value`` when it is text a spreadsheet would run as a formula."""
    if (
        isinstance(value, str)
        and len(value) > 1  # a lone "-" (no unit) is no formula
        and value.startswith(FORMULA_START)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]
