"""Schemathesis against the OpenAPI document: no input may cause a server error (5xx).

Bounded in time: a few generated examples per operation, on SQLite. Access control is off so
every handler is reached as an administrator (the sweep in test_auth_sweep.py covers the
access checks themselves). Server-sent-event streams never end and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402

from service.bootstrap import import_stations  # noqa: E402
from service.database import make_engine, upgrade  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.web.app import create_app  # noqa: E402
from stations.store.sites import sync_parameters  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"
STREAMS = r"/stream$"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The app's OpenAPI schema, loaded by schemathesis, on a demo-filled SQLite database."""
    data = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        _env_file=None,
        data_dir=data,
        scheduler_enabled=False,  # type: ignore[call-arg]
        auth_enabled=False,
    )
    upgrade(settings.db_url)
    engine = make_engine(settings.db_url)
    with engine.begin() as conn:
        sync_parameters(conn)
    import_stations(engine, DEMO / "stations.yaml")
    engine.dispose()
    app = create_app(settings, scheduler=False)
    yield schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=STREAMS)


MAX_EXAMPLES = 4


@pytest.mark.slow
def test_no_input_causes_a_server_error(api_schema) -> None:  # type: ignore[no-untyped-def]
    # schemathesis' own pytest plugin does not run on pytest 9 yet, so drive hypothesis here.
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 5
    for operation in operations:

        @hsettings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call()
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} "
                    f"{response.text[:200]}"
                )

        run()
    assert not failures, "\n".join(sorted(set(failures)))
