"""``quantrac warnings replay --from --to --events FILE``: re-run the warning chain over stored
rain and score it against observed events (hits, misses, false alarms, CSI, lead time)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import app, console, fail, get_settings
from stations.timeutil import VN_OFFSET, parse_iso_time

warnings_app = typer.Typer(help="Cảnh báo lũ quét, sạt lở / rain-triggered warnings.")
app.add_typer(warnings_app, name="warnings")
LEVELS = (1, 2, 3)


def _epoch(text: str, name: str) -> int:
    try:
        return parse_iso_time(text, VN_OFFSET)
    except ValueError as exc:
        raise fail(f"--{name}: not an ISO 8601 date/time: {text!r}", code=2) from exc


@warnings_app.command("replay")
def replay_cmd(
    from_: Annotated[str, typer.Option("--from", help="Start, ISO 8601 (local if no offset).")],
    to: Annotated[str, typer.Option("--to", help="End, ISO 8601.")],
    events: Annotated[
        Path | None, typer.Option("--events", help="CSV of observed events: place,time.")
    ] = None,
    step_minutes: Annotated[int, typer.Option("--step", help="Assessment step, minutes.")] = 10,
    window_hours: Annotated[
        float,
        typer.Option("--window", help="An event this long after a warning ends still counts."),
    ] = 6.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
) -> None:
    """Chạy lại chuỗi cảnh báo và chấm điểm / replay the warning chain and score it."""
    from layers.warnings import replay
    from service.bootstrap import prepare_database
    from stations.rain.engine import DEFAULT_STEP_S, HOLD_S
    from stations.rain.events import EventsFileError, parse_events
    from stations.rain.verify import score

    start, end = _epoch(from_, "from"), _epoch(to, "to")
    if start >= end:
        raise fail("--from phải trước --to / --from must be before --to", code=2)
    if step_minutes * 60 < DEFAULT_STEP_S or step_minutes <= 0:
        raise fail(f"--step: at least {DEFAULT_STEP_S // 60} minutes", code=2)
    observed: list[tuple[str, int]] = []
    if events is not None:
        try:
            observed = parse_events(events.read_bytes())
        except OSError as exc:
            raise fail(f"không đọc được / cannot read {events}: {exc.strerror}", code=2) from exc
        except EventsFileError as exc:
            raise fail(f"{events.name}: {exc}", code=2) from exc
    engine = prepare_database(get_settings())
    series = replay(engine, start, end, step_s=step_minutes * 60, hold_s=HOLD_S)
    levels = {f"{k[0]}:{k[1]}": v for k, v in series.items()}
    in_range = [(p, t) for p, t in observed if start <= t <= end]
    unknown = sorted({p for p, _ in in_range} - set(levels))
    rows = []
    for level in LEVELS:
        s = score(levels, in_range, level, window_s=int(window_hours * 3600))
        rows.append(
            {
                "level": level,
                "hits": s.hits,
                "misses": s.misses,
                "false_alarms": s.false_alarms,
                "csi": None if s.csi is None else round(s.csi, 3),
                "median_lead_minutes": None if s.median_lead_s is None else s.median_lead_s // 60,
            }
        )
    result = {
        "places": len(levels),
        "events": len(in_range),
        "unknown_places": unknown,
        "levels": rows,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    console.print(f"{len(levels)} địa điểm / places, {len(in_range)} sự kiện / events")
    if unknown:
        console.print(f"[yellow]địa điểm lạ / unknown places:[/] {', '.join(unknown)}")
    console.print("cấp/level  trúng/hits  sót/misses  báo nhầm/false alarms  CSI  lead (min)")
    for r in rows:
        console.print(
            f"{r['level']:>9}  {r['hits']:>10}  {r['misses']:>10}  {r['false_alarms']:>21}  "
            f"{'—' if r['csi'] is None else r['csi']:>4}  {r['median_lead_minutes'] or '—'}"
        )
