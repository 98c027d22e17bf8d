"""Start-up steps shared by the CLI commands: migrate, seed reference data, import registries."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from layers import revision
from service.database import make_engine, upgrade
from service.filemodes import private_dir
from service.settings import Settings
from stations.ingest.archive import remove_orphan_temps
from stations.registry import load_points, load_stations
from stations.store.partitions import ensure_partitions
from stations.store.sites import sync_parameters, upsert_sites
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> Engine:
    """Run migrations and refresh the parameter catalogue; return an engine."""
    private_dir(settings.data_dir)
    engine = make_engine(settings.db_url)  # first: it creates a new SQLite file as 0600
    upgrade(settings.db_url)
    removed = remove_orphan_temps(settings.data_dir / "archive")
    if removed:
        log.warning("archive: removed %d temporary files left by a killed process", removed)
    with engine.begin() as conn:
        sync_parameters(conn)
    ensure_partitions(engine, now_epoch())  # PostgreSQL: this month and the next ones exist
    return engine


def import_stations(engine: Engine, path: Path) -> tuple[int, int]:
    """Validate and import a station registry file (all or nothing); (inserted, updated)."""
    sites = load_stations(path)
    with engine.begin() as conn:
        counts = upsert_sites(conn, sites, now_epoch())
    revision.bump()  # layer snapshots in this process see the new sites at once
    return counts


def import_points(engine: Engine, path: Path) -> tuple[int, int]:
    """Validate and import a monitoring-point file (all or nothing); (inserted, updated)."""
    sites = load_points(path)
    with engine.begin() as conn:
        counts = upsert_sites(conn, sites, now_epoch())
    revision.bump()
    return counts
