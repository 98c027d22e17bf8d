"""Database engines and migrations for both backends (SQLite embedded, PostgreSQL/PostGIS)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from service.filemodes import private_dir, private_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Password and token hashes live here: 0600 (SQLite gives -wal/-shm the same mode).
            private_file(private_dir(Path(parsed.database).parent) / Path(parsed.database).name)
        # The web server runs up to 40 request threads plus the scheduler's: the pool must not
        # be the narrower gate (a pool timeout turns into a 503, see service/web/errors.py).
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=16,
            max_overflow=48,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=40)


def is_postgres(engine: Engine) -> bool:
    """True when the engine talks to PostgreSQL (PostGIS geometry columns exist there)."""
    return engine.dialect.name == "postgresql"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` (``quantrac db upgrade``)."""
    command.upgrade(alembic_config(url), revision)
