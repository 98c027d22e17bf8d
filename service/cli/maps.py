"""``quantrac map export -o FILE.html``: a standalone snapshot of the staff map."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from service.cli.common import app, console, fail, get_settings

map_app = typer.Typer(help="Bản đồ / the staff map.", no_args_is_help=True)
app.add_typer(map_app, name="map")


@map_app.command("export")
def export_map(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    lang: Annotated[str, typer.Option("--lang", help="Interface language: vi or en.")] = "vi",
    tiles: Annotated[
        bool, typer.Option("--tiles/--no-tiles", help="Inline the hazard raster tiles.")
    ] = True,
) -> None:
    """Write the map with its current data as one HTML file that opens with no server."""
    from maps.export import collect_snapshot_data, snapshot_html

    if lang not in ("vi", "en"):
        raise fail("--lang phải là vi hoặc en / --lang must be vi or en")
    from fastapi.testclient import TestClient

    from service.bootstrap import prepare_database
    from service.web.app import create_app

    # The snapshot reads the same public URLs as the live page, in-process: no server needed.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    settings = get_settings().model_copy(update={"scheduler_enabled": False, "auth_enabled": False})
    prepare_database(settings).dispose()
    now = datetime.now(UTC)
    with TestClient(create_app(settings, scheduler=False)) as client:

        def fetch(url: str) -> Any | None:
            response = client.get(url)
            return response.json() if response.status_code == 200 else None

        def fetch_bytes(url: str) -> bytes | None:
            response = client.get(url)
            return response.content if response.status_code == 200 else None

        data = collect_snapshot_data(fetch, fetch_bytes if tiles else None, now=now)
    stamp = now.astimezone(ZoneInfo(settings.display_tz)).isoformat(timespec="seconds")
    html = snapshot_html(data, lang=lang, tz=settings.display_tz, generated_at=stamp)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(html, encoding="utf-8")
    counts = {k: len(v.get("features", [])) for k, v in data.items() if isinstance(v, dict)}
    console.print(
        f"bản đồ / map: {output} ({len(html.encode()) // 1024} KB) — "
        + ", ".join(f"{k} {n}" for k, n in counts.items() if k != "readings")
    )
