"""The one limit shown beside each of a station's latest values (map popup, stations layer).

The engine compares every averaging period that has a limit; a display needs one per parameter.
Facility stations have one basis (the permit's), so the rule resolution already gives one limit
per parameter (permit limits win, else regulation × coefficients). Ambient-air parameters can
have several QCVN 05:2023 limits: the 1-h limit is shown where it exists, else the 24-h, else 8-h.
"""

from __future__ import annotations

from datetime import datetime

from stations.compliance.rules import AppliedLimit, Unresolved, resolve_limits
from stations.limits import LimitTable
from stations.sites import Site
from stations.timeutil import VN_OFFSET

DISPLAY_AVERAGING = ("1h", "24h", "8h")


def current_limits(site: Site, at: int, table: LimitTable | None = None) -> dict[str, AppliedLimit]:
    """``{parameter: limit}`` in force at ``at`` (UTC epoch seconds; rules change by local day).

    Parameters without an applicable limit are absent (reported, never guessed).
    """
    return current_limit_state(site, at, table)[0]


def current_limit_state(
    site: Site, at: int, table: LimitTable | None = None
) -> tuple[dict[str, AppliedLimit], dict[str, Unresolved]]:
    """:func:`current_limits` and ``{parameter: Unresolved}`` for the parameters whose applicable
    limit has no value yet ("not assessed: limit missing", docs/compliance.md)."""
    day = datetime.fromtimestamp(at, VN_OFFSET).date()
    applied, unresolved = resolve_limits(site.kind, site.parameters, site.permit, day, table=table)
    missing = {u.parameter: u for u in unresolved if u.missing}
    rank = {a: i for i, a in enumerate(DISPLAY_AVERAGING)}
    out: dict[str, AppliedLimit] = {}
    for limit in applied:
        held = out.get(limit.parameter)
        if held is None or rank.get(limit.averaging, 99) < rank.get(held.averaging, 99):
            out[limit.parameter] = limit
    return out, {p: u for p, u in missing.items() if p not in out}
