"""The "try a file" administration page: a form upload shows what would be stored, stores nothing.

Access control on, a browser session (cookie + CSRF token from the page), both backends. The
sample is a field-corpus file (tests/fixtures/tt10/field/README.md): flue gas in ASCII mg/Nm3.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.admin.preview import PREVIEW_MAX_BYTES
from stations.store.schema import ingested_files, readings
from tests.service.test_admin_pages import _as, _csrf, _engine, app_client  # noqa: F401
from tests.service.test_auth_fixtures import fast_password_hashing  # noqa: F401

FIELD = Path(__file__).resolve().parents[1] / "fixtures" / "tt10" / "field"
SAMPLE = "LS_NMNDNA_KHI01_20261120082100.txt"
PAGE = "/admin/ingest/preview"


def _try(client: TestClient, name: str, data: bytes, **form: str) -> object:
    form.setdefault("csrf_token", _csrf(client, PAGE))
    return client.post(PAGE, data=form, files={"sample": (name, data)}, follow_redirects=False)


def _stored(client: TestClient) -> tuple[int, int]:
    with _engine(client).connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(readings)),
            conn.scalar(select(func.count()).select_from(ingested_files)),
        )


def test_a_sample_shows_its_readings_and_notes_and_nothing_is_stored(
    app_client: TestClient,  # noqa: F811
) -> None:
    client = _as(app_client, "admin1")
    form = client.get(PAGE)
    assert form.status_code == 200 and "Thử một tệp" in form.text
    assert "<script" not in form.text and "style=" not in form.text
    before = _stored(client)
    response = _try(client, SAMPLE, (FIELD / SAMPLE).read_bytes())
    assert response.status_code == 200, response.text
    text = response.text
    assert "unit mg/Nm3→mg/Nm³" in text  # the deviation, recorded as ingest would
    assert re.search(r"<td>SO2</td><td>[^<]+</td><td>410\.0</td><td>mg/Nm³</td>", text)
    assert "LS_NMNDNA_KHI01 (đã đăng ký / registered)" in text
    assert _stored(client) == before


def test_strict_reading_of_the_same_file_flags_the_ascii_unit(
    app_client: TestClient,  # noqa: F811
) -> None:
    client = _as(app_client, "admin1")
    response = _try(client, SAMPLE, (FIELD / SAMPLE).read_bytes(), strict="1")
    assert response.status_code == 200, response.text
    assert "unit_mismatch" in response.text and 'name="strict" value="1" checked' in response.text


def test_bad_uploads_get_a_reason_not_a_500(app_client: TestClient) -> None:  # noqa: F811
    client = _as(app_client, "admin1")
    big = _try(client, SAMPLE, b"x" * (PREVIEW_MAX_BYTES + 1))
    assert big.status_code == 413 and "sample too large" in big.text
    unsafe = _try(client, "../etc/passwd", b"SO2\t1\tmg/Nm3\t20261120082100\t00\n")
    assert unsafe.status_code == 400
    empty = client.post(PAGE, data={"csrf_token": _csrf(client, PAGE)}, follow_redirects=False)
    assert empty.status_code == 400 and "choose a file" in empty.text
    unreadable = _try(client, "notes.txt", b"\x00\x01 not a data file")
    assert unreadable.status_code == 200 and "The file cannot be read" in unreadable.text


def test_the_page_needs_an_administrator_and_the_csrf_token(
    app_client: TestClient,  # noqa: F811
) -> None:
    viewer = _as(app_client, "viewer1")
    assert viewer.get(PAGE, headers={"Accept": "text/html"}).status_code == 403
    admin = _as(app_client, "admin1")
    refused = admin.post(PAGE, files={"sample": (SAMPLE, b"SO2")}, follow_redirects=False)
    assert refused.status_code == 403
