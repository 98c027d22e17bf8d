"""``/public/subscriptions``: subscribe (double opt-in), confirm, one-click unsubscribe.

No login. The confirmation goes out at once through the alert sender's e-mail or webhook
channel; later messages are queued in the alert outbox by ``subscriptions.notify_subscribers``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from service.alerting.channels import DeliveryError, build_channels
from service.context import AppContext
from service.public import subscriptions as store
from service.public.answers import rate_limited
from service.public.cache import public_cache
from service.web.deps import ContextDep
from service.web.params import MAX_ID
from stations.alerts.config import AlertConfig
from stations.timeutil import now_epoch

router = APIRouter(
    prefix="/public/subscriptions", tags=["public portal"], dependencies=[Depends(rate_limited)]
)
Id = Annotated[int, Query(ge=1, le=MAX_ID)]  # bounded: a huge id overflowed (a 500)
Sig = Annotated[str, Query(min_length=8, max_length=200)]


def link_key(ctx: AppContext) -> bytes:
    """The key that signs confirm and unsubscribe links (the service's secret key)."""
    return ctx.secret_key


def _send_confirmation(ctx: AppContext, row: Any, link: str) -> None:
    en = row.lang == "en"
    subject = "Confirm your subscription" if en else "Xác nhận đăng ký nhận tin"
    text = (
        f"Open this link to confirm alerts for {row.commune}: {link}\n"
        if en
        else f"Mở liên kết này để xác nhận nhận tin cho {row.commune}: {link}\n"
    )
    payload = {"type": "public.confirm", "subject": subject, "body": text, "confirm": link}
    channel = build_channels(ctx.settings, AlertConfig(), now_epoch).get(row.channel)
    if channel is None:
        raise DeliveryError("e-mail is not configured (QUANTRAC_SMTP_HOST)")
    channel.send(row.address, payload, f"qt-public-confirm-{row.id}")


@router.post("", summary="Subscribe to a commune's air-quality alerts (double opt-in)")
async def subscribe(request: Request, ctx: ContextDep) -> JSONResponse:
    """JSON or form: ``channel`` (email|webhook), ``address``, ``commune``, ``topic`` (aqi|warning),
    ``threshold`` (AQI category 1..6 or warning level 1..5), ``lang``. Nothing is sent until the
    confirmation link is opened."""
    if request.headers.get("content-type", "").startswith("application/json"):
        raw = await request.json()
    else:
        raw = dict(await request.form())
    if not isinstance(raw, dict):
        raise HTTPException(422, "Cần một đối tượng JSON / a JSON object is required")
    doc, _ = await run_in_threadpool(public_cache(ctx).document)
    try:
        req = store.validate(raw, doc["communes"])
    except store.SubscriptionError as exc:
        raise HTTPException(422, str(exc)) from exc

    def create_and_send() -> None:
        with ctx.engine.begin() as conn:
            row = store.create(conn, req, now_epoch())
            link = store.signed_link(
                link_key(ctx), ctx.settings.base_url, "confirm", row.id, row.token_hash
            )
            _send_confirmation(ctx, row, link)  # a failure rolls the row back

    try:
        await run_in_threadpool(create_and_send)
    except DeliveryError as exc:
        raise HTTPException(
            503, f"Chưa gửi được thư xác nhận, thử lại sau / confirmation not sent: {exc}"
        ) from exc
    return JSONResponse(
        {"status": "pending", "message": "Kiểm tra hộp thư / check your inbox"}, status_code=202
    )


def _page(title: str, text: str, status: int = 200) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title}</title><link rel="stylesheet" href="/public/static/public.css">'
        f'</head><body><main id="main"><h1>{title}</h1><p>{text}</p>'
        '<p><a href="/public">Lạng Sơn — VN_AQI</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/confirm", summary="Confirm a subscription (link from the confirmation message)")
def confirm_route(ctx: ContextDep, id: Id, sig: Sig) -> HTMLResponse:
    """Activates the subscription; 404 for an unknown or altered link."""
    with ctx.engine.begin() as conn:
        row = store.confirm(conn, link_key(ctx), id, sig, now_epoch())
    if row is None:
        return _page("Liên kết không hợp lệ / invalid link", "Đăng ký không tồn tại.", 404)
    return _page("Đã xác nhận / confirmed", "Bạn sẽ nhận tin khi có cảnh báo / you will be told.")


@router.get("/unsubscribe", summary="One-click unsubscribe (deletes the data)")
def unsubscribe_route(ctx: ContextDep, id: Id, sig: Sig) -> HTMLResponse:
    """Deletes the subscription and its address at once."""
    return _unsubscribe(ctx, id, sig)


@router.post("/unsubscribe", summary="One-click unsubscribe, RFC 8058 POST")
def unsubscribe_post(ctx: ContextDep, id: Id, sig: Sig) -> HTMLResponse:
    """The same as the GET link, for mail clients' one-click button."""
    return _unsubscribe(ctx, id, sig)


def _unsubscribe(ctx: AppContext, sub_id: int, sig: str) -> HTMLResponse:
    with ctx.engine.begin() as conn:
        gone = store.remove(conn, link_key(ctx), sub_id, sig)
    if not gone:
        return _page("Liên kết không hợp lệ / invalid link", "Đăng ký không tồn tại.", 404)
    return _page("Đã hủy đăng ký / unsubscribed", "Địa chỉ của bạn đã bị xóa / address deleted.")
