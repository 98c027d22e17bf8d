"""Manual corrections of readings: a new version with a reason; the original never changes.

A reading in ``readings`` is the evidence as received from the station. When staff find it
wrong (a calibration drift, a known device fault), they record a correction: version 1, 2, ...
of that reading's value, each with the reason, who and when. The stored reading stays as it
was; :func:`effective_values` gives the value to use (the latest correction, else the reading).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, insert, select

from stations.errors import QuantracError
from stations.store.account_tables import reading_corrections
from stations.store.audit import record_audit
from stations.store.ids import inserted_id
from stations.store.schema import readings

STATUS_CODES = ("00", "01", "02")


class UnknownReading(QuantracError, LookupError):
    """No stored reading for the (station, parameter, time) a correction names."""

    def __init__(self, station_id: str, parameter: str, observed_at: int) -> None:
        super().__init__(
            f"Không có số liệu {station_id}/{parameter} lúc {observed_at} / "
            f"no reading of {parameter} at station {station_id} at epoch {observed_at}"
        )
        self.station_id = station_id
        self.parameter = parameter
        self.observed_at = observed_at


@dataclass(frozen=True, slots=True)
class Correction:
    """One correction version of one reading."""

    id: int
    station_id: str
    parameter: str
    observed_at: int
    version: int
    value: float | None
    status: str | None
    original_value: float | None
    reason: str
    corrected_by: str
    corrected_at: int


def record_correction(
    conn: Connection,
    *,
    station_id: str,
    parameter: str,
    observed_at: int,
    value: float | None,
    reason: str,
    actor: str,
    now: int,
    status: str | None = None,
) -> Correction:
    """Add the next correction version of one stored reading, and audit it.

    ``value=None`` invalidates the reading (it is then not used) without deleting anything.

    Raises:
        UnknownReading: the reading does not exist.
        ValueError: empty reason or unknown status code.
    """
    if not reason or not reason.strip():
        raise ValueError("a correction needs a reason / cần ghi lý do hiệu chỉnh")
    if status is not None and status not in STATUS_CODES:
        raise ValueError(f"status must be one of {STATUS_CODES}")
    key = and_(
        readings.c.station_id == station_id,
        readings.c.parameter == parameter,
        readings.c.observed_at == observed_at,
    )
    original = conn.execute(select(readings.c.value, readings.c.status).where(key)).first()
    if original is None:
        raise UnknownReading(station_id, parameter, observed_at)
    ckey = and_(
        reading_corrections.c.station_id == station_id,
        reading_corrections.c.parameter == parameter,
        reading_corrections.c.observed_at == observed_at,
    )
    previous = conn.execute(
        select(reading_corrections.c.version, reading_corrections.c.value)
        .where(ckey)
        .order_by(reading_corrections.c.version.desc())
        .limit(1)
    ).first()
    version = 1 if previous is None else previous.version + 1
    row = {
        "station_id": station_id,
        "parameter": parameter,
        "observed_at": observed_at,
        "version": version,
        "value": value,
        "status": status,
        "original_value": original.value,
        "reason": reason.strip(),
        "corrected_by": actor,
        "corrected_at": now,
    }
    # The unique key (station, parameter, time, version) makes two concurrent corrections
    # of one reading fail loudly instead of both becoming "version n".
    new_id = inserted_id(conn.execute(insert(reading_corrections).values(**row)))
    record_audit(
        conn,
        actor,
        "reading.correct",
        f"reading:{station_id}/{parameter}/{observed_at}",
        before={
            "value": original.value if previous is None else previous.value,
            "status": original.status,
            "version": version - 1,
        },
        after={"value": value, "status": status, "version": version},
        reason=row["reason"],
        at=now,
    )
    return Correction(id=int(new_id), **row)


def list_corrections(
    conn: Connection,
    *,
    station_id: str | None = None,
    parameter: str | None = None,
    start: int | None = None,
    end: int | None = None,
    limit: int = 500,
) -> list[Correction]:
    """Correction versions, newest reading time first then newest version first."""
    c = reading_corrections.c
    query = select(reading_corrections)
    if station_id:
        query = query.where(c.station_id == station_id)
    if parameter:
        query = query.where(c.parameter == parameter)
    if start is not None:
        query = query.where(c.observed_at >= start)
    if end is not None:
        query = query.where(c.observed_at < end)
    query = query.order_by(c.observed_at.desc(), c.version.desc()).limit(limit)
    return [Correction(**dict(r._mapping)) for r in conn.execute(query)]


def effective_values(
    conn: Connection, station_id: str, parameter: str, start: int, end: int
) -> list[tuple[int, float | None, bool]]:
    """``(observed_at, value, corrected)`` for readings in ``[start, end)``, oldest first.

    ``value`` is the latest correction's value where one exists, else the stored reading's.
    """
    c = reading_corrections.c
    latest = (
        select(c.observed_at, func.max(c.version).label("version"))
        .where(c.station_id == station_id, c.parameter == parameter)
        .where(c.observed_at >= start, c.observed_at < end)
        .group_by(c.observed_at)
        .subquery()
    )
    corrected = dict(
        conn.execute(
            select(c.observed_at, c.value)
            .join(
                latest,
                and_(c.observed_at == latest.c.observed_at, c.version == latest.c.version),
            )
            .where(c.station_id == station_id, c.parameter == parameter)
        ).all()
    )
    rows = conn.execute(
        select(readings.c.observed_at, readings.c.value)
        .where(readings.c.station_id == station_id, readings.c.parameter == parameter)
        .where(readings.c.observed_at >= start, readings.c.observed_at < end)
        .order_by(readings.c.observed_at)
    )
    return [(t, corrected[t], True) if t in corrected else (t, v, False) for t, v in rows.all()]
