"""Issue 16 probe finding F2: hostile results uploads get a small, clear 4xx, never a 500 or
a giant answer; errors are capped yet still name row and column."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from service.web.body_limit import MAX_BODY_BYTES
from stations.errors import MAX_ERROR_CHARS, MAX_LISTED_ERRORS
from stations.programme.template import COLUMN_CODES
from stations.programme.upload_limits import MAX_ROWS
from tests.fixtures.bombs import MB, csv_stream, xlsx_shared_strings_bomb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _post(client: TestClient, name: str, data: bytes, media: str = "text/csv") -> object:
    return client.post("/api/results", files={"file": (name, data, media)})


def test_f2_xlsx_shared_strings_bomb_is_refused_unexpanded(client: TestClient) -> None:
    bomb = xlsx_shared_strings_bomb(48 * MB)
    assert len(bomb) < 1 * MB
    response = _post(client, "bomb.xlsx", bomb, XLSX)
    assert response.status_code == 422
    assert len(response.content) < 4096
    (error,) = response.json()["errors"]
    assert error["row"] == 1 and "sharedStrings" in error["message"]


def test_f2_a_5_mb_cell_is_a_short_422_not_a_500(client: TestClient) -> None:
    header = ",".join(COLUMN_CODES)
    body = f"{header}\n2026,1,LS-NM-001,2026-03-01,pH,{'7' * 5 * MB},-\n".encode()
    response = _post(client, "cell.csv", body)
    assert response.status_code == 422
    assert len(response.content) < 8192
    assert response.json()["errors"][0]["row"] == 2


def test_f2_many_bad_rows_give_a_capped_answer_naming_row_and_column(client: TestClient) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMN_CODES)
    n = MAX_ROWS - 1
    for i in range(n):  # every row: unknown point quoting a long value
        writer.writerow(["2026", "1", f"NO-SUCH-{i}-" + "x" * 600, "2026-03-01", "pH", "7", "-"])
    response = _post(client, "rows.csv", buf.getvalue().encode())
    assert response.status_code == 422
    body = response.json()
    assert len(response.content) < 1 * MB
    assert body["total_errors"] >= n and len(body["errors"]) == MAX_LISTED_ERRORS
    first = body["errors"][0]
    assert first["row"] == 2 and first["column"] == "point_id"
    assert all(len(e["message"]) <= MAX_ERROR_CHARS + 40 for e in body["errors"])


def test_f2_too_many_rows_is_refused(client: TestClient) -> None:
    header = ",".join(COLUMN_CODES)
    rows = "\n".join("2026,1,P,2026-03-01,pH,7,-" for _ in range(MAX_ROWS + 1))
    response = _post(client, "long.csv", f"{header}\n{rows}\n".encode())
    assert response.status_code == 422
    assert "20000" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_f2_an_oversized_upload_is_413_before_it_is_read(client: TestClient, chunked: bool) -> None:
    boundary = "qtbound"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def parts() -> object:
        yield head
        yield from csv_stream(MAX_BODY_BYTES + MB)
        yield f"\r\n--{boundary}--\r\n".encode()

    content = parts() if chunked else b"".join(parts())  # type: ignore[arg-type]
    response = client.post(
        "/api/results",
        content=content,  # type: ignore[arg-type]
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"
