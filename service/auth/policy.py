"""The route permission table: which role each method + path needs.

One table for the whole service, checked by :class:`service.auth.middleware.AuthMiddleware`
before routing, so a router written by another area needs no code to be protected. Rules are
tried in order and the first match wins. When none matches: GET/HEAD need a viewer, every
other method an administrator (deny by default).

Path patterns: ``{name}`` matches one path segment, a trailing ``/**`` matches the prefix
itself and anything below it. Methods: ``"GET"`` also covers HEAD; ``"*"`` matches all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from service.auth.principal import Principal, Role

SAFE_METHODS = frozenset({"GET", "HEAD"})


class Access(Enum):
    """What a request needs."""

    PUBLIC = "public"  # anyone, always (login page, health check)
    PUBLIC_READ = "public_read"  # anyone when settings.public_read, else a viewer
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def role(self) -> Role | None:
        """The role needed when anonymous access is not granted."""
        return {
            Access.PUBLIC: None,
            Access.PUBLIC_READ: Role.VIEWER,
            Access.VIEWER: Role.VIEWER,
            Access.OPERATOR: Role.OPERATOR,
            Access.ADMIN: Role.ADMIN,
        }[self]


def _compile(pattern: str) -> re.Pattern[str]:
    tail = ""
    if pattern.endswith("/**"):
        pattern, tail = pattern[:-3], "(?:/.*)?"
    parts = re.split(r"(\{[^/}]+\})", pattern)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}{tail}/?$")


@dataclass(frozen=True)
class Rule:
    """One line of the table: methods, a path pattern, the access it needs."""

    methods: str  # "GET", "POST", "GET POST", or "*"
    pattern: str
    access: Access
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_regex", _compile(self.pattern))

    def matches(self, method: str, path: str) -> bool:
        """True when this rule applies to the request."""
        wanted = self.methods.split()
        method = "GET" if method == "HEAD" else method
        return ("*" in wanted or method in wanted) and bool(self._regex.match(path))


# Order matters: the first matching rule wins.
RULES: tuple[Rule, ...] = (
    # Always open: logging in and out, the login page's own assets, the health check.
    Rule("GET", "/healthz", Access.PUBLIC),
    Rule("GET POST", "/login", Access.PUBLIC),
    Rule("POST", "/logout", Access.PUBLIC),
    Rule("GET", "/auth/static/**", Access.PUBLIC),
    Rule("GET", "/public/**", Access.PUBLIC),  # the citizens' portal (docs/public-portal.md)
    Rule("POST", "/public/subscriptions/**", Access.PUBLIC),  # double opt-in, one-click out
    # Administration: users, tokens, audit, stations, permits, limits, recipients, corrections.
    Rule("*", "/api/admin/**", Access.ADMIN),
    Rule("*", "/admin/**", Access.ADMIN),
    # Operators acknowledge alerts and import results.
    Rule("POST", "/api/alerts/{id}/ack", Access.OPERATOR),
    Rule("POST", "/api/results/**", Access.OPERATOR),
    Rule("POST", "/api/programme/results/**", Access.OPERATOR),
    Rule("POST", "/api/programme/rounds/{id}/results", Access.OPERATOR),
    # What the public read-only mode exposes: the map, layers, exports, tiles, AQI.
    Rule("GET", "/", Access.PUBLIC_READ),
    Rule("GET", "/map/**", Access.PUBLIC_READ),
    Rule("GET", "/static/**", Access.PUBLIC_READ),
    Rule("GET", "/ogc/**", Access.PUBLIC_READ),
    Rule("GET", "/api/stations/**", Access.PUBLIC_READ),
    Rule("GET", "/api/layers/**", Access.PUBLIC_READ),
    Rule("GET", "/tiles/**", Access.PUBLIC_READ),
    Rule("GET", "/export/**", Access.PUBLIC_READ),
    Rule("GET", "/api/aqi/**", Access.PUBLIC_READ),
    # The warning feeds are open data for other systems and the public portal (issue 17).
    Rule("GET", "/api/warnings", Access.PUBLIC),
    Rule("GET", "/api/warnings.cap", Access.PUBLIC),
)


def required_access(method: str, path: str, rules: tuple[Rule, ...] = RULES) -> Access:
    """The access a request needs (first matching rule, else the deny-by-default fallback)."""
    method = method.upper()
    for rule in rules:
        if rule.matches(method, path):
            return rule.access
    return Access.VIEWER if method in SAFE_METHODS else Access.ADMIN


def is_allowed(access: Access, principal: Principal, *, public_read: bool) -> bool:
    """True when ``principal`` may make a request that needs ``access``."""
    if access is Access.PUBLIC or (access is Access.PUBLIC_READ and public_read):
        return True
    needed = access.role
    return needed is not None and principal.has(needed)
