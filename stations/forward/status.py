"""Per-destination forwarding figures: backlog, dead letters, last receipt and lag.

Lag is received -> confirmed: for the backlog, the age of the oldest file still unconfirmed
(the figure the lag alert watches); for delivered files, p50/p99 over the last hour's receipts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, func, select

from stations.forward.outbox import DEAD, PENDING, SENT
from stations.store.forward_tables import forward_outbox

LAG_WINDOW_S = 3600
_MAX_SAMPLES = 100_000  # bounds memory for the percentiles


@dataclass(slots=True)
class DestinationStatus:
    """Figures of one destination (times UTC epoch seconds, lags in seconds)."""

    destination: str
    pending: int = 0
    dead: int = 0
    sent: int = 0
    oldest_pending_received_at: int | None = None
    backlog_lag_s: int = 0
    last_sent_at: int | None = None
    sent_last_hour: int = 0
    lag_p50_s: float | None = None
    lag_p99_s: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


def percentile(sorted_values: list[int], q: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(q * len(sorted_values))))
    return float(sorted_values[rank - 1])


def destination_status(conn: Connection, dests: Iterable[str], now: int) -> list[DestinationStatus]:
    """Figures for each destination in ``dests`` (configured ones, even with no rows yet)."""
    o = forward_outbox
    out = {d: DestinationStatus(d) for d in dests}
    for dest, state, n, last in conn.execute(
        select(o.c.destination, o.c.state, func.count(), func.max(o.c.sent_at)).group_by(
            o.c.destination, o.c.state
        )
    ):
        st = out.setdefault(dest, DestinationStatus(dest))
        if state == PENDING:
            st.pending = n
        elif state == DEAD:
            st.dead = n
        elif state == SENT:
            st.sent, st.last_sent_at = n, last
    # Refilled files are old by nature: the backlog lag counts first sends only.
    for dest, oldest in conn.execute(
        select(o.c.destination, func.min(o.c.received_at))
        .where(o.c.state == PENDING, o.c.refills == 0)
        .group_by(o.c.destination)
    ):
        st = out[dest]
        st.oldest_pending_received_at, st.backlog_lag_s = oldest, max(0, now - oldest)
    for st in out.values():
        lags = sorted(
            lag
            for (lag,) in conn.execute(
                select(o.c.sent_at - o.c.received_at)
                .where(
                    o.c.destination == st.destination,
                    o.c.state == SENT,
                    o.c.sent_at >= now - LAG_WINDOW_S,
                )
                .limit(_MAX_SAMPLES)
            )
        )
        st.sent_last_hour = len(lags)
        st.lag_p50_s, st.lag_p99_s = percentile(lags, 0.5), percentile(lags, 0.99)
    return sorted(out.values(), key=lambda s: s.destination)


def lag_exceeded(st: DestinationStatus, threshold_s: int) -> bool:
    """True when the oldest unconfirmed file has waited longer than ``threshold_s``."""
    return st.pending > 0 and st.backlog_lag_s > threshold_s
