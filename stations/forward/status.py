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
    sent: int | None = None  # all receipts ever (only when asked: it counts them)
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


def destination_status(
    conn: Connection, dests: Iterable[str], now: int, *, totals: bool = False
) -> list[DestinationStatus]:
    """Figures for each destination in ``dests``.

    Every query reads an index range (the queue index for the backlog and dead letters, the
    receipt-time index for the last receipt and the lag window), so the cost does not grow with
    the years of receipts kept as proof; ``totals`` adds the count of all receipts (a scan).
    """
    o = forward_outbox
    out = []
    for dest in dests:
        st = DestinationStatus(dest)
        mine = o.c.destination == dest
        st.pending = conn.scalar(select(func.count()).where(mine, o.c.state == PENDING)) or 0
        st.dead = conn.scalar(select(func.count()).where(mine, o.c.state == DEAD)) or 0
        # Refilled files are old by nature: the backlog lag counts first sends only.
        oldest = conn.scalar(
            select(func.min(o.c.received_at)).where(mine, o.c.state == PENDING, o.c.refills == 0)
        )
        if oldest is not None:
            st.oldest_pending_received_at, st.backlog_lag_s = oldest, max(0, now - oldest)
        st.last_sent_at = conn.scalar(select(func.max(o.c.sent_at)).where(mine))
        lags = sorted(
            conn.scalars(
                select(o.c.sent_at - o.c.received_at)
                .where(mine, o.c.sent_at >= now - LAG_WINDOW_S)
                .limit(_MAX_SAMPLES)
            )
        )
        st.sent_last_hour = len(lags)
        st.lag_p50_s, st.lag_p99_s = percentile(lags, 0.5), percentile(lags, 0.99)
        if totals:
            st.sent = conn.scalar(select(func.count()).where(mine, o.c.state == SENT)) or 0
        out.append(st)
    return sorted(out, key=lambda s: s.destination)


def lag_exceeded(st: DestinationStatus, threshold_s: int) -> bool:
    """True when the oldest unconfirmed file has waited longer than ``threshold_s``."""
    return st.pending > 0 and st.backlog_lag_s > threshold_s
