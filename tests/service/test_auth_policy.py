"""The route permission table, as a specification (no database, no app)."""

from __future__ import annotations

import pytest

from service.auth.policy import Access, Rule, is_allowed, required_access
from service.auth.principal import ANONYMOUS, Principal, Role

CASES = [
    pytest.param("GET", "/healthz", Access.PUBLIC, id="health-open"),
    pytest.param("HEAD", "/healthz", Access.PUBLIC, id="head-is-get"),
    pytest.param("GET", "/login", Access.PUBLIC, id="login-page"),
    pytest.param("POST", "/login", Access.PUBLIC, id="login-post"),
    pytest.param("GET", "/auth/static/auth.css", Access.PUBLIC, id="login-css"),
    pytest.param("GET", "/map", Access.PUBLIC_READ, id="map"),
    pytest.param("GET", "/map/", Access.PUBLIC_READ, id="map-slash"),
    pytest.param("GET", "/ogc/collections/stations/items", Access.PUBLIC_READ, id="ogc"),
    pytest.param("GET", "/api/stations", Access.PUBLIC_READ, id="stations"),
    pytest.param("GET", "/api/stations/LS_1/readings", Access.PUBLIC_READ, id="readings"),
    pytest.param("GET", "/tiles/landslide/8/203/113.png", Access.PUBLIC_READ, id="tiles"),
    pytest.param("GET", "/export/stations", Access.PUBLIC_READ, id="export"),
    pytest.param("GET", "/api/aqi", Access.PUBLIC_READ, id="aqi"),
    pytest.param("GET", "/api/stationsX", Access.VIEWER, id="prefix-is-not-a-segment"),
    pytest.param("GET", "/api/alerts", Access.VIEWER, id="alerts-read"),
    pytest.param("GET", "/api/exceedances", Access.VIEWER, id="exceedances-read"),
    pytest.param("GET", "/metrics", Access.VIEWER, id="metrics"),
    pytest.param("POST", "/api/alerts/17/ack", Access.OPERATOR, id="ack"),
    pytest.param("POST", "/api/alerts/17/ack/extra", Access.ADMIN, id="ack-longer-path"),
    pytest.param("POST", "/api/results", Access.OPERATOR, id="results-upload"),
    pytest.param("GET", "/api/admin/users", Access.ADMIN, id="admin-read"),
    pytest.param("DELETE", "/api/admin/tokens/1", Access.ADMIN, id="admin-delete"),
    pytest.param("GET", "/admin", Access.ADMIN, id="admin-page"),
    pytest.param("POST", "/api/stations", Access.ADMIN, id="write-default-admin"),
    pytest.param("PUT", "/ogc/collections/stations", Access.ADMIN, id="put-default-admin"),
    pytest.param("OPTIONS", "/api/stations", Access.ADMIN, id="options-deny-default"),
    pytest.param("GET", "/anything/new", Access.VIEWER, id="read-default-viewer"),
]


@pytest.mark.parametrize(("method", "path", "expected"), CASES)
def test_required_access(method: str, path: str, expected: Access) -> None:
    assert required_access(method, path) is expected


def _who(role: Role | None) -> Principal:
    return ANONYMOUS if role is None else Principal(username="x", role=role, via="token")


@pytest.mark.parametrize(
    ("access", "role", "public_read", "allowed"),
    [
        pytest.param(Access.PUBLIC, None, False, True, id="public-anon"),
        pytest.param(Access.PUBLIC_READ, None, False, False, id="public-read-off"),
        pytest.param(Access.PUBLIC_READ, None, True, True, id="public-read-on"),
        pytest.param(Access.VIEWER, None, True, False, id="viewer-route-anon-even-public"),
        pytest.param(Access.VIEWER, Role.VIEWER, False, True, id="viewer"),
        pytest.param(Access.OPERATOR, Role.VIEWER, False, False, id="viewer-cannot-ack"),
        pytest.param(Access.OPERATOR, Role.OPERATOR, False, True, id="operator-ack"),
        pytest.param(Access.ADMIN, Role.OPERATOR, False, False, id="operator-not-admin"),
        pytest.param(Access.ADMIN, Role.ADMIN, False, True, id="admin"),
    ],
)
def test_is_allowed(access: Access, role: Role | None, public_read: bool, allowed: bool) -> None:
    assert is_allowed(access, _who(role), public_read=public_read) is allowed


def test_rule_patterns_match_one_segment_per_placeholder() -> None:
    rule = Rule("POST", "/api/alerts/{id}/ack", Access.OPERATOR)
    assert rule.matches("POST", "/api/alerts/9/ack")
    assert not rule.matches("POST", "/api/alerts/9/x/ack")
    assert not rule.matches("GET", "/api/alerts/9/ack")
    assert Rule("GET", "/ogc/**", Access.PUBLIC_READ).matches("HEAD", "/ogc")


def test_role_parse_names_the_valid_roles() -> None:
    assert Role.parse(" Operator ") is Role.OPERATOR
    with pytest.raises(ValueError, match="viewer, operator, admin"):
        Role.parse("root")
