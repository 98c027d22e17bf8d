"""Domain exceptions. They know nothing about HTTP; ``service.errors`` maps them to status codes."""

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


class ImportRejected(QuantracError, ValueError):
    """An import file with at least one bad row: nothing was imported."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors)
        super().__init__(
            f"{source}: {len(errors)} lỗi, không nhập gì / {len(errors)} error(s), "
            f"nothing imported:\n{lines}"
        )
