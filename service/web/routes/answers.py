"""Models of the public JSON answers, so /openapi.json describes what the routes return.

They document the routes (``responses={200: {"model": ...}}``) without re-serialising the
answers; tests/service/test_answers.py validates real answers against them (extra keys
forbidden), so the description cannot drift from the code.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HealthAnswer(_Answer):
    """``GET /healthz``: ``ok`` with the database dialect, or ``error`` (HTTP 503)."""

    status: str = Field(description="ok | error")
    database: str = Field(description="sqlite | postgresql, or 'unreachable'")


class RawPoint(_Answer):
    """One stored reading (``interval=raw``)."""

    time: str = Field(description="ISO 8601 in the display time zone")
    value: float | None
    status: str = Field(description="00 measuring · 01 calibrating · 02 device error")
    qc_flags: int
    flags: list[str] = Field(description="names of the QC flags set")
    valid: bool = Field(description="False when a flag excludes the reading from judgements")
    notes: str | None = Field(
        None, description="how the reading's file deviated from the canonical form, if it did"
    )


class AggregatePoint(_Answer):
    """One hour or local day (``interval=hour|day``) of valid readings."""

    time: str
    mean: float | None
    min: float | None
    max: float | None
    n_valid: int
    n_total: int
    hours: int | None = Field(None, description="day interval only: hours with data")


class Series(_Answer):
    """The points of one parameter with its unit."""

    parameter: str
    name_vi: str
    name_en: str
    unit: str | None
    points: list[RawPoint] | list[AggregatePoint]


class ReadingsAnswer(_Answer):
    """``GET /stations/{station_id}/readings``."""

    station_id: str
    interval: str = Field(description="raw | hour | day")
    start: str
    end: str
    series: list[Series]
    conflicts: int = Field(0, description="resent values that disagreed with the stored ones")
    page_limit: int | None = Field(None, description="raw: readings per page at most")
    next: str | None = Field(None, description="raw: the next page (same request + cursor)")


class Episode(_Answer):
    """One exceedance (or near-limit) episode and the rule that applied."""

    id: int
    station_id: str
    parameter: str
    averaging: str = Field(description="1h | 24h | … (the averaging the limit is set for)")
    kind: str = Field(description="exceedance | near_limit")
    state: str = Field(description="open | closed")
    regulation: str | None
    rule: str = Field(description="permit | regulation | transition: where the limit came from")
    limit: float | None
    limit_low: float | None
    limit_high: float | None
    unit: str
    since: str
    opened_at: str
    closed_at: str | None
    last_period_end: str
    mean: float | None = Field(description="the latest period's mean")
    ratio: float | None = Field(description="mean ÷ limit")
    peak_value: float | None
    peak_ratio: float | None
    band: int | None = Field(description="Decree 45/2022 band 0–5 (exceedances only)")
    band_label: str | None
    low_confidence: bool = Field(description="the limit's figure is of low or missing confidence")
    citation: str


class ExceedancesAnswer(_Answer):
    """``GET /api/exceedances``."""

    start: str
    end: str
    count: int
    exceedances: list[Episode]
    note: str | None = Field(None, description="present when a limit is of low confidence")
