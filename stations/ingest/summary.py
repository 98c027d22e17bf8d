"""The ``quantrac ingest --json`` summary, accumulated over batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stations.ingest.model import BatchResult

MAX_LISTED = 1000  # line errors listed in full; the count is always exact


@dataclass
class IngestSummary:
    """Totals for one ingest run."""

    files: int = 0
    readings: int = 0
    duplicates: int = 0
    partial: int = 0
    quarantined: list[dict[str, str]] = field(default_factory=list)
    line_errors: list[dict[str, Any]] = field(default_factory=list)
    line_error_count: int = 0
    noted: int = 0  # files accepted with format notes (deviations from the canonical form)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # stored, per station
    evaluation: dict[str, Any] | None = None  # the after-ingest chain's counts, when it ran

    def add(self, result: BatchResult) -> None:
        """Fold one batch in."""
        self.readings += result.stored
        for station, (lo, hi) in result.spans.items():
            a, b = self.spans.get(station, (lo, hi))
            self.spans[station] = (min(a, lo), max(b, hi))
        for f in result.files:
            self.files += 1
            if f.outcome == "duplicate":
                self.duplicates += 1
            elif f.outcome == "quarantined":
                self.quarantined.append({"file": f.origin, "reason": f.reason or ""})
            elif f.outcome == "partial":
                self.partial += 1
            if f.notes and f.outcome != "quarantined":
                self.noted += 1
            for e in f.line_errors:
                self.line_error_count += 1
                if len(self.line_errors) < MAX_LISTED:
                    self.line_errors.append({"file": f.origin, **e.as_dict()})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "files": self.files,
            "readings": self.readings,
            "duplicates": self.duplicates,
            "partial": self.partial,
            "quarantined": self.quarantined,
            "line_errors": self.line_errors,
            "line_error_count": self.line_error_count,
            "noted": self.noted,
            "evaluation": self.evaluation,
        }
