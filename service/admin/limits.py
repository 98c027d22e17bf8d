"""Audited edits of the limits overlay ``<data_dir>/limits/overrides.csv``.

The cited package files (``stations/data/limits``) are never written. An edit copies the row
into the overlay with the new values; reverting removes it from the overlay, so the package
row applies again. Every candidate overlay is validated by the limits loader (the same rules
as the package files, overlaps refused) before anything is written; the file is replaced
atomically and the audit entry is committed with it (a failed commit puts the file back).
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from service.admin.errors import NoOverride, UnknownLimit
from service.admin.files import replace_with_audit
from stations.errors import InvalidRequest
from stations.limits.loader import (
    format_limits_csv,
    limits_with_overrides,
    merged_table,
    package_table,
    parse_limits_csv,
    read_overrides,
)
from stations.limits.model import Confidence, Limit
from stations.limits.overrides import Identity, identity, row_key
from stations.limits.table import LimitTable, regulation_code
from stations.store import revisions
from stations.store.audit import record_audit

OVERRIDES_FILE = Path("limits") / "overrides.csv"
EDITABLE = ("value", "low", "high", "unit", "citation", "confidence", "effective_to", "note")
IDENTITY_FIELDS = ("regulation", "table", "parameter", "averaging", "column_class")

# One edit at a time per process: each is read-modify-write of the whole file.
_write_lock = threading.Lock()


def overrides_file(data_dir: Path) -> Path:
    """Where a deployment keeps its overlay."""
    return data_dir / OVERRIDES_FILE


@dataclass(frozen=True, slots=True)
class LimitEntry:
    """One row of the merged table, where it comes from, and the cited row it replaces."""

    key: str
    limit: Limit
    source: Literal["package", "override"]
    package: Limit | None  # the package row an override replaces (None: package or new row)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "key": self.key,
            "source": self.source,
            **_fields(self.limit),
            "medium": self.limit.medium,
            "effective_from": _day(self.limit.effective_from),
            "applies_coefficients": self.limit.applies_coefficients,
            "missing": self.limit.missing,
            "package": None if self.package is None else _fields(self.package),
        }


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _fields(limit: Limit) -> dict[str, Any]:
    out: dict[str, Any] = {f: getattr(limit, f) for f in IDENTITY_FIELDS + EDITABLE}
    out["confidence"] = str(limit.confidence)
    out["effective_to"] = _day(limit.effective_to)
    return out


def _entries(table: LimitTable, overlay: list[Limit]) -> list[LimitEntry]:
    overridden = {identity(r) for r in overlay}
    package: dict[Identity, Limit] = {identity(r): r for r in package_table()}
    return [
        LimitEntry(
            key=row_key(row),
            limit=row,
            source="override" if identity(row) in overridden else "package",
            package=package.get(identity(row)) if identity(row) in overridden else None,
        )
        for row in table
    ]


def list_limits(
    path: Path,
    *,
    regulation: str | None = None,
    parameter: str | None = None,
    missing: bool | None = None,
) -> list[LimitEntry]:
    """Rows of the merged table; ``regulation`` matches by code ("40:2025" or the full name)."""
    entries = _entries(limits_with_overrides(path), read_overrides(path))
    if regulation:
        code = regulation_code(regulation)
        entries = [e for e in entries if regulation_code(e.limit.regulation) == code]
    if parameter:
        entries = [e for e in entries if e.limit.parameter.lower() == parameter.strip().lower()]
    if missing is not None:
        entries = [e for e in entries if e.limit.missing == missing]
    return entries


def get_limit(path: Path, key: str) -> LimitEntry:
    """One row by key; UnknownLimit otherwise."""
    return _find(_entries(limits_with_overrides(path), read_overrides(path)), key)


def _find(entries: list[LimitEntry], key: str) -> LimitEntry:
    found = next((e for e in entries if e.key == key), None)
    if found is None:
        raise UnknownLimit(key)
    return found


def _checked(path: Path, overlay: list[Limit]) -> str:
    """The overlay's text after the loader accepted it (ImportRejected names the bad rows)."""
    text = format_limits_csv(overlay)
    merged_table(parse_limits_csv(text, path.name))
    return text


def _audit_record(limit: Limit, source: str, changed: list[str]) -> dict[str, Any]:
    fields = _fields(limit)
    return {
        **{f: fields[f] for f in IDENTITY_FIELDS},
        "effective_from": _day(limit.effective_from),
        **{f: fields[f] for f in changed},
        "source": source,
    }


def edit_limit(
    engine: Engine,
    path: Path,
    key: str,
    changes: dict[str, Any],
    *,
    actor: str,
    reason: str,
    now: int,
) -> LimitEntry:
    """Write the row ``key`` with ``changes`` (fields of :data:`EDITABLE`) into the overlay."""
    _require_reason(reason)
    values = {k: v for k, v in changes.items() if k in EDITABLE}
    if "confidence" in values:
        values["confidence"] = Confidence(values["confidence"])
    with _write_lock:
        overlay = read_overrides(path)
        entry = _find(_entries(merged_table(overlay), overlay), key)
        new = dataclasses.replace(entry.limit, **values)
        ident = identity(new)
        if any(identity(r) == ident for r in overlay):
            overlay = [new if identity(r) == ident else r for r in overlay]
        else:
            overlay = [*overlay, new]
        text = _checked(path, overlay)
        changed = [f for f in EDITABLE if getattr(entry.limit, f) != getattr(new, f)]

        def audit(conn: Connection) -> None:
            record_audit(
                conn,
                actor,
                "limit.override",
                f"limit:{key}",
                _audit_record(entry.limit, entry.source, changed),
                _audit_record(new, "override", changed),
                reason,
                at=now,
            )
            revisions.bump(conn, revisions.LIMITS)

        replace_with_audit(engine, path, text.encode("utf-8"), audit)
    return get_limit(path, key)


def revert_limit(
    engine: Engine, path: Path, key: str, *, actor: str, reason: str, now: int
) -> LimitEntry | None:
    """Drop the override of row ``key``: the package row applies again (None when the row was
    added by the overlay and is now gone)."""
    _require_reason(reason)
    with _write_lock:
        overlay = read_overrides(path)
        entry = _find(_entries(merged_table(overlay), overlay), key)
        if entry.source != "override":
            raise NoOverride(key)
        ident = identity(entry.limit)
        text = _checked(path, [r for r in overlay if identity(r) != ident])
        back = entry.package
        changed = [
            f for f in EDITABLE if back is None or getattr(back, f) != getattr(entry.limit, f)
        ]

        def audit(conn: Connection) -> None:
            after = _audit_record(back, "package", changed) if back is not None else None
            before = _audit_record(entry.limit, "override", changed)
            record_audit(conn, actor, "limit.revert", f"limit:{key}", before, after, reason, at=now)
            revisions.bump(conn, revisions.LIMITS)

        replace_with_audit(engine, path, text.encode("utf-8"), audit)
    return None if back is None else get_limit(path, key)


def _require_reason(reason: str) -> None:
    if len(reason.strip()) < 3:
        raise InvalidRequest("Cần ghi lý do / a reason is required")
