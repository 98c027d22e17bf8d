"""Errors of the layers area. They subclass the domain errors, so the service maps them already:
:class:`InvalidRequest` -> 400, :class:`ZoneImportRejected` (an ``ImportRejected``) -> 422,
:class:`UnknownCollection` -> 404 (needs its line in ``service.web.errors.STATUS_CODES``)."""

from __future__ import annotations

from stations.errors import ImportRejected, InvalidRequest, QuantracError, RowError


class UnknownCollection(QuantracError, LookupError):
    """A collection, feature or raster id that does not exist."""

    def __init__(self, ident: str, what_vi: str = "lớp", what_en: str = "collection") -> None:
        super().__init__(f"Không có {what_vi} '{ident}' / no {what_en} '{ident}'")
        self.ident = ident


class BadQuery(InvalidRequest):
    """A query parameter of the OGC API / export that cannot be honoured (HTTP 400)."""


class ZoneImportRejected(ImportRejected):
    """A zone or commune file that cannot be imported; nothing was changed.

    ``errors`` name the feature (row = feature number, counting from 1) and the problem.
    """

    @classmethod
    def whole_file(cls, source: str, message: str) -> ZoneImportRejected:
        """A problem with the file as a whole (format, CRS, missing field)."""
        return cls(source, [RowError(row=0, column="", message=message)])


__all__ = ["BadQuery", "RowError", "UnknownCollection", "ZoneImportRejected"]
