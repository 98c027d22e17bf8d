"""The live path of the chain: many gauges, a short new span each, in a few bulk queries.

For a gauge whose interval just before the new span is stored (the usual 10-minute case), the
look-back comes from the stored intervals (already QC-cleaned) and only the new readings, with
enough raw context for the stuck-gauge check, go through the rain QC; the tanks continue from
the stored state. Anything else (first data, a gap before the span, a long backlog, a cumulative
feed) takes the full path of :func:`stations.rain.engine.update_gauge`. A stuck run found by
the live path marks only the new intervals; a replay marks the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from stations.rain import qc as rain_qc
from stations.rain.accumulate import LOOKBACK_S, RainRow, accumulate
from stations.rain.engine import slots, update_gauge
from stations.rain.tank import TankState
from stations.store import rain as store

LIVE_SPAN_S = 3 * 3600  # longer new spans take the full path


@dataclass(frozen=True, slots=True)
class GaugeSpan:
    """A gauge with new data in ``[start, end]``."""

    station_id: str
    step_s: int
    start: int
    end: int
    cumulative: int | None = None  # reset hour of a cumulative feed


def update_gauges(conn: Connection, spans: Sequence[GaugeSpan]) -> int:
    """Recompute and store the intervals of every gauge of ``spans``; returns the rows."""
    quick = [g for g in spans if g.cumulative is None and g.end - g.start <= LIVE_SPAN_S]
    slow = [g for g in spans if g not in quick]
    written = 0
    if quick:
        lo = min(g.start - g.start % g.step_s for g in quick)
        hi = max(g.end for g in quick)
        ids = [g.station_id for g in quick]
        stored = store.stored_history(conn, ids, lo - LOOKBACK_S, hi)
        states = store.states_at(conn, ids, lo - max(g.step_s for g in quick), hi)
        context = rain_qc.STUCK_N * max(g.step_s for g in quick)
        raw = store.readings_many(conn, ids, lo - context, hi)
        rows_by: dict[str, list[RainRow]] = {}
        for g in quick:
            rows = _live_rows(g, stored.get(g.station_id, {}), raw.get(g.station_id, []), states)
            if rows is None:
                slow.append(g)
            else:
                rows_by[g.station_id] = rows
                written += len(rows)
        store.replace_many(conn, rows_by)
    for g in slow:
        written += update_gauge(conn, g.station_id, g.step_s, g.start, g.end, g.cumulative)
    return written


def _live_rows(
    g: GaugeSpan,
    stored: dict[int, tuple[float | None, str | None]],
    raw: list[tuple[int, float | None, str | None]],
    states: dict[tuple[str, int], TankState],
) -> list[RainRow] | None:
    step = g.step_s
    start, end = g.start - g.start % step, g.end - g.end % step
    before = states.get((g.station_id, start - step))
    if before is None:
        return None
    first = start - LOOKBACK_S
    ctx = start - rain_qc.STUCK_N * step
    values, why = slots(raw, ctx, end, step)
    clean, reasons = rain_qc.check(values, step)
    n_old = (ctx - first) // step
    old_vals: list[float | None] = []
    old_qc: list[str | None] = []
    for i in range(n_old):
        mm, qc = stored.get(first + i * step, (None, "gap"))
        old_vals.append(mm)
        old_qc.append(qc if mm is None else None)
    recent = (start - ctx) // step  # context slots: keep their stored (cleaned) values
    for i in range(recent):
        mm, qc = stored.get(ctx + i * step, (None, "gap"))
        clean[i] = mm
        reasons.pop(i, None)
        why[i] = qc if mm is None else None
    qc_new = [reasons.get(i, why[i] if clean[i] is None else None) for i in range(len(clean))]
    return accumulate(
        old_vals + clean, old_qc + qc_new, first, step, emit_from=n_old + recent, state=before
    )
