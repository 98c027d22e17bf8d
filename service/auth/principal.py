"""Roles and the principal a request acts as (a person's session, a script's token, or nobody)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Role(IntEnum):
    """Staff roles, each including the rights of the ones below it."""

    VIEWER = 1  # reads the map, data, exceedances, alerts
    OPERATOR = 2  # also acknowledges alerts and imports results
    ADMIN = 3  # also edits stations, permits, limits, recipients and users

    @classmethod
    def parse(cls, name: str) -> Role:
        """``"operator"`` -> ``Role.OPERATOR``; ValueError names the valid roles."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            valid = ", ".join(r.label for r in cls)
            raise ValueError(
                f"vai trò không hợp lệ '{name}' / unknown role '{name}' (valid: {valid})"
            ) from None

    @property
    def label(self) -> str:
        """The lower-case name stored in the database."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as.

    ``via`` is ``session`` (browser login), ``token`` (API bearer token), ``anonymous``, or
    ``local`` (access control switched off: every request acts as a local administrator).
    ``csrf`` is the token that unsafe requests made with the session cookie must echo.
    """

    username: str
    role: Role | None
    via: str
    user_id: int | None = None
    session_id: str | None = None
    token_id: int | None = None
    csrf: str | None = None

    @property
    def is_anonymous(self) -> bool:
        """True when no one is logged in."""
        return self.role is None

    def has(self, role: Role) -> bool:
        """True when this principal holds ``role`` or a higher one."""
        return self.role is not None and self.role >= role

    @property
    def actor(self) -> str:
        """The name written to the audit trail (a token acts as its owner)."""
        return self.username[:64]


ANONYMOUS = Principal(username="anonymous", role=None, via="anonymous")
LOCAL_ADMIN = Principal(username="local", role=Role.ADMIN, via="local")
