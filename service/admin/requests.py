"""The administrator's requests, as validated models shared by the JSON API and the HTML pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from stations.errors import InvalidRequest
from stations.timeutil import to_epoch

RoleName = Literal["viewer", "operator", "admin"]
Reason = Annotated[str, Field(min_length=3, max_length=2000, description="lý do / reason")]


class UserCreate(BaseModel):
    """A new staff account."""

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]+$")
    display_name: str = Field("", max_length=200)
    role: RoleName = "viewer"
    password: str | None = Field(None, max_length=256, description="≥ 10 characters")
    reason: str | None = Field(None, max_length=2000)


class UserUpdate(BaseModel):
    """Changes to an account (fields left out stay as they are)."""

    role: RoleName | None = None
    active: bool | None = None
    display_name: str | None = Field(None, max_length=200)
    reason: str | None = Field(None, max_length=2000)


class PasswordSet(BaseModel):
    """A new password set by an administrator."""

    password: str = Field(max_length=256)
    reason: str | None = Field(None, max_length=2000)


class TokenCreate(BaseModel):
    """A new API token for a script."""

    username: str = Field(min_length=2, max_length=64)
    name: str = Field(min_length=1, max_length=200, description="what it is for")
    role: RoleName | None = Field(None, description="cap below the owner's role")
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class SiteUpdate(BaseModel):
    """A site's name and/or active flag."""

    name: str | None = Field(None, min_length=1, max_length=300)
    active: bool | None = None
    reason: Reason


class PermitUpdate(BaseModel):
    """A station's permit fields (fields left out stay as they are)."""

    regulation: str | None = Field(None, max_length=64)
    column_class: str | None = Field(None, max_length=8)
    coefficients: dict[str, float] | None = None
    limits: dict[str, float | list[float]] | None = None
    o2_ref: float | None = Field(None, ge=0, le=21)
    basis: Literal["1h", "24h"] | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None
    # What decides the regulation under a transition rule (docs/compliance.md, applicability).
    operating_since: date | None = None
    eia_approved_on: date | None = None
    permit_date: date | None = None
    reason: Reason


def changes_of(model: BaseModel) -> dict[str, Any]:
    """The fields a request sets (times as epoch seconds); InvalidRequest when none."""
    values = model.model_dump(exclude_unset=True, exclude={"reason"})
    for key, value in list(values.items()):
        if isinstance(value, datetime):
            values[key] = to_epoch(value)
    if not values:
        raise InvalidRequest("Không có thay đổi nào / the request changes nothing")
    return values
