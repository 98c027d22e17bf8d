"""Domain exceptions. They know nothing about HTTP: ``service.web.errors`` maps them to status
codes."""

from __future__ import annotations

from dataclasses import dataclass


class QuantracError(Exception):
    """Base of every error the domain core raises on purpose."""


class UnknownStation(QuantracError, LookupError):
    """A station or site id that is not in the registry."""

    def __init__(self, site_id: str) -> None:
        super().__init__(
            f"Không có trạm/điểm '{site_id}' / no station or point with id '{site_id}'"
        )
        self.site_id = site_id


class UnknownParameter(QuantracError, LookupError):
    """A parameter code that is not in the catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Không có thông số '{code}' / unknown parameter '{code}'")
        self.code = code


class InvalidRequest(QuantracError, ValueError):
    """A request argument that cannot be honoured (bad range, bad format...)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row of an imported file (row numbers count the header as row 1)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': {self.message}"


MAX_LISTED_ERRORS = 200  # an answer names the first errors; the count is always exact
MAX_ERROR_CHARS = 300  # a message quoting a cell shows its start only (a cell may be 5 MB)


def clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class ImportRejected(QuantracError, ValueError):
    """An import file with at least one bad row: nothing was imported.

    ``errors`` holds the first :data:`MAX_LISTED_ERRORS` (each still naming its row and column,
    messages clipped); ``total`` counts them all, so the answer stays small whatever the file.
    """

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = clip(source, 200)
        self.total = len(errors)
        self.errors = [
            RowError(e.row, clip(e.column, 80), clip(e.message)) for e in errors[:MAX_LISTED_ERRORS]
        ]
        lines = "\n".join(f"  - {e}" for e in self.errors)
        more = self.total - len(self.errors)
        if more:
            lines += f"\n  … {more} lỗi nữa / {more} more error(s)"
        super().__init__(
            f"{self.source}: {self.total} lỗi, không nhập gì / {self.total} error(s), "
            f"nothing imported:\n{lines}"
        )
