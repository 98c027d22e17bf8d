"""Shared fixtures: databases on both backends, settings, the app and its client.

Database-backed tests take the ``db_url`` fixture (or ``engine``/``settings``/``client``, which
build on it). It is parametrised over SQLite and PostGIS; the PostGIS case runs when
``QUANTRAC_TEST_PG_URL`` names a server (``scripts/test.sh`` starts one), and is skipped
otherwise unless ``QUANTRAC_REQUIRE_PG=1`` (CI), where a missing server is an error.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from service.database import make_engine, upgrade
from service.settings import Settings
from stations.limits import configure_overrides
from stations.store.sites import sync_parameters
from tests.fixtures.alerts.builders import hook, smtp  # noqa: F401 (shared fixtures)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("QUANTRAC_TEST_PG_URL")
REQUIRE_PG = os.environ.get("QUANTRAC_REQUIRE_PG") == "1"
_counter = itertools.count()


@pytest.fixture(autouse=True)
def _no_limit_overrides_after_the_test() -> Iterator[None]:
    """``create_app`` points ``load_limits()`` at its data directory's overlay (one per
    process); tests that follow must see the package files unless they configure one."""
    yield
    configure_overrides(None)


def _prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostGIS database used as the template of each test's database."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("QUANTRAC_REQUIRE_PG=1 but QUANTRAC_TEST_PG_URL is not set")
        pytest.skip("no PostgreSQL server (set QUANTRAC_TEST_PG_URL)")
    name = f"qt_template_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    _prepare(url)
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgis", id="postgis", marks=pytest.mark.postgis),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "quantrac.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    assert PG_URL is not None
    name = f"qt_test_{os.getpid()}_{next(_counter)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings for a test: its own data directory and database, no scheduler, no .env."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=db_url,
        scheduler_enabled=False,
        auth_enabled=False,  # access control has its own tests (tests/service/test_auth*.py)
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[object]:
    """A TestClient on ``create_app(settings)`` (scheduler off)."""
    from fastapi.testclient import TestClient

    from service.web.app import create_app

    with TestClient(create_app(settings, scheduler=False)) as test_client:
        yield test_client
