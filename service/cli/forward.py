"""``quantrac forward status | send | reconcile | retry``: the forwarding outbox by hand."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import app, console, fail, get_settings
from stations.errors import InvalidRequest
from stations.timeutil import VN_OFFSET, epoch_to_local_iso, now_epoch, parse_iso_time

if TYPE_CHECKING:
    from service.forwarding import Forwarding

forward_app = typer.Typer(help="Chuyển tiếp dữ liệu / forwarding to the national system.")
app.add_typer(forward_app, name="forward")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def _forwarding() -> Forwarding:
    from service.bootstrap import prepare_database
    from service.forwarding import build_forwarding

    settings = get_settings()
    if settings.forward_file is None:
        raise fail("QUANTRAC_FORWARD_FILE chưa đặt / is not set", code=2)
    try:
        return build_forwarding(settings, prepare_database(settings))
    except InvalidRequest as exc:
        raise fail(str(exc), code=2) from exc


def _checked(fwd: Forwarding, dest: str) -> None:
    try:
        fwd.config.get(dest)
    except InvalidRequest as exc:
        raise fail(str(exc), code=2) from exc


def _time(text: str | None, name: str, default: int) -> int:
    if text is None:
        return default
    try:
        return parse_iso_time(text, VN_OFFSET)
    except ValueError as exc:
        raise fail(f"--{name}: not an ISO 8601 date/time: {text!r}", code=2) from exc


def _local(t: int | None) -> str:
    return epoch_to_local_iso(t) if t is not None else "—"


@forward_app.command("status")
def status_cmd(as_json: JsonOpt = False) -> None:
    """Tồn đọng, độ trễ / backlog, dead letters, last receipt and lag per destination."""
    fwd = _forwarding()
    figures = fwd.status(totals=True)
    if as_json:
        typer.echo(json.dumps([s.as_dict() for s in figures], indent=2))
        return
    for s in figures:
        typer.echo(
            f"{s.destination}: {s.pending} chờ / pending, {s.dead} lỗi / dead, {s.sent} đã gửi / "
            f"sent; lag now {s.backlog_lag_s} s, p50 {s.lag_p50_s} s, p99 {s.lag_p99_s} s "
            f"(last hour, {s.sent_last_hour} files); last receipt {_local(s.last_sent_at)}"
        )


@forward_app.command("send")
def send_cmd(
    dest: Annotated[str, typer.Argument(help="Destination id.")],
    until_empty: Annotated[
        bool,
        typer.Option("--until-empty", help="Go on until nothing is due (no 5-minute budget)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Gửi ngay / send the due files of one destination now."""
    from service.forwarding import SEND_BUDGET_S

    fwd = _forwarding()
    _checked(fwd, dest)
    r = fwd.send(dest, budget_s=float("inf") if until_empty else SEND_BUDGET_S)
    total = {
        "sent": r.sent,
        "present": r.present,
        "retrying": r.retrying,
        "dead": r.dead,
        "error": r.error,
    }
    if as_json:
        typer.echo(json.dumps(total))
    else:
        console.print(f"forward {dest}: {total}")
    if total["error"]:
        raise typer.Exit(1)


@forward_app.command("reconcile")
def reconcile_cmd(
    dest: Annotated[str, typer.Argument(help="Destination id.")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Data from, ISO 8601 (local if no offset); default 48 h ago."),
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Data until; default now.")] = None,
    cap: Annotated[int | None, typer.Option(min=1, help="Refill at most this many.")] = None,
    unqueued: Annotated[
        bool,
        typer.Option(
            "--unqueued", help="Also queue files received before the destination was added."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Đối soát / list what the destination holds and queue what it is missing, oldest first."""
    fwd = _forwarding()
    _checked(fwd, dest)
    now = now_epoch()
    end = _time(to, "to", now)
    start = _time(from_, "from", end - 48 * 3600)
    if start >= end:
        raise fail("--from phải trước --to / --from must be before --to", code=2)
    report = fwd.reconcile(dest, start, end, cap, unqueued=unqueued)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{dest} {_local(start)} → {_local(end)}: {report.checked} files, {report.folders} "
        f"folders listed; thiếu / missing {report.missing_total}, bù / refilled {report.refilled}, "
        f"left for next run {report.left}; pending {report.pending}, dead {report.dead}"
    )
    for m in report.missing:
        typer.echo(f"  missing ({m.reason}): {m.path}  [{_local(m.observed_at)}]")
    if report.missing_total > len(report.missing):
        typer.echo(f"  … the {len(report.missing)} oldest of {report.missing_total} shown")


@forward_app.command("retry")
def retry_cmd(
    dest: Annotated[str, typer.Argument(help="Destination id.")],
    ids: Annotated[list[int] | None, typer.Option("--id", help="Only this outbox row.")] = None,
) -> None:
    """Gửi lại thư chết / put dead letters back in the queue."""
    from stations.forward.outbox import requeue

    fwd = _forwarding()
    _checked(fwd, dest)
    with fwd.engine.begin() as conn:
        n = requeue(conn, dest, ids, now_epoch())
    console.print(f"forward {dest}: {n} dead letters requeued")
