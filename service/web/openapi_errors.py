"""The error answers every API route may give, declared once in the OpenAPI document.

Every refusal has the same shape, ``{"detail": ...}``: a bilingual message, or FastAPI's list
of invalid fields; an import rejection adds ``errors`` (row, column, message; the first few,
``total_errors`` counts them all).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class RowProblem(BaseModel):
    """One bad cell of an imported file."""

    row: int
    column: str
    message: str


class ErrorAnswer(BaseModel):
    """A refused request (4xx) or an unavailable service (503)."""

    model_config = ConfigDict(extra="allow")

    detail: str | list[dict[str, Any]]
    errors: list[RowProblem] | None = None
    total_errors: int | None = None


_WHY = {
    400: "Yêu cầu sai / bad request (a parameter cannot be honoured)",
    401: "Cần đăng nhập / login required",
    403: "Không đủ quyền hoặc thiếu mã CSRF / forbidden (role, or CSRF token)",
    404: "Không tìm thấy / not found",
    409: "Xung đột trạng thái / conflict with the current state",
    413: "Yêu cầu quá lớn / request body too large",
    422: "Dữ liệu không hợp lệ / invalid input (fields, or the rows of an imported file)",
    429: "Quá nhiều lần thử / too many attempts (Retry-After)",
    503: "Cơ sở dữ liệu bận / database busy or unreachable (Retry-After)",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorAnswer, "description": why} for status, why in _WHY.items()
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Routes that answer files rather than JSON: the media types their 200 answer may have.
FILE_ANSWERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", "/api/results/template"): ("text/csv", XLSX),
    ("get", "/api/rounds/{round_id}/report"): ("text/html", XLSX, "application/json"),
    ("get", "/ogc/collections/{collection_id}/items"): ("application/geo+json",),
    ("get", "/ogc/collections/{collection_id}/items/{feature_id}"): ("application/geo+json",),
    ("get", "/tiles/{raster}/{z}/{x}/{y}.png"): ("image/png",),
    ("get", "/ogc/collections/{collection_id}/queryables"): ("application/schema+json",),
    ("get", "/api/warnings"): ("application/geo+json",),
    ("get", "/api/warnings.cap"): ("application/cap+xml",),
    ("get", "/public"): ("text/html",),
    ("get", "/public/sw.js"): ("text/javascript",),
    ("get", "/public/subscriptions/confirm"): ("text/html",),
    ("get", "/public/subscriptions/unsubscribe"): ("text/html",),
    ("post", "/public/subscriptions/unsubscribe"): ("text/html",),
}


def _file_types() -> dict[tuple[str, str], tuple[str, ...]]:
    from layers.export import FORMATS

    media = tuple(dict.fromkeys(m.split(";")[0] for m, _ in FORMATS.values()))
    return {**FILE_ANSWERS, ("get", "/export/{collection_id}"): media}


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """Make the generated document say what the routes really answer: every error as JSON
    (also on routes whose success is HTML or a file), and the media types of file answers."""
    ref = {"$ref": "#/components/schemas/ErrorAnswer"}
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorAnswer, RowProblem):
        if model.__name__ not in schemas:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
    files = _file_types()
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            types = files.get((method, path))
            # A page answers its refusals as a page too (a person follows the link).
            page: dict[str, Any] = {"text/html": {}} if types and "text/html" in types else {}
            for status in _WHY:
                if str(status) in responses:
                    responses[str(status)]["content"] = {
                        "application/json": {"schema": ref},
                        **page,
                    }
            if types and "200" in responses:
                old = responses["200"].get("content", {})
                responses["200"]["content"] = {t: old.get(t, {}) for t in types}
    return document


def install_document(app: Any) -> None:
    """Serve :func:`complete_document` of the generated document at ``/openapi.json``."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_document(generate())
        return app.openapi_schema

    app.openapi = openapi
