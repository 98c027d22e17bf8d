"""Ingestion-format metrics for ``/metrics``: files that deviated from the canonical form."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection

from service.auth.observability import labels
from stations.store.format_notes import format_summary


def format_note_metrics(conn: Connection) -> Iterator[str]:
    """``quantrac_ingested_files_deviating_total{source}``: files accepted with format notes."""
    yield (
        "# HELP quantrac_ingested_files_deviating_total Files that deviated from the canonical "
        "Circular 10/2021 form (accepted with notes), by source."
    )
    yield "# TYPE quantrac_ingested_files_deviating_total counter"
    for row in format_summary(conn)["sources"]:
        n = row["deviating_files"]
        yield f"quantrac_ingested_files_deviating_total{labels(source=row['source'])} {n}"
