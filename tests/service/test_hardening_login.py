"""Issue 16 probe findings on login throttling: F4 (one name normalisation), F7 (it forgets)."""

from __future__ import annotations

from sqlalchemy import select

from service.auth.ratelimit import LoginRateLimiter
from stations.store.account_tables import audit_log
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    fast_password_hashing,
    login,
)

VARIANTS = ["admin1", " admin1", "admin1\t", "ADMIN1 ", "\u00a0admin1", "ａｄｍｉｎ1"]


def test_f4_name_variants_share_one_limit_and_one_audit_target(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    limiter: LoginRateLimiter = client.app.state.ctx.login_limiter
    for name in VARIANTS[: limiter.max_per_user]:
        assert login(client, name, password="sai mật khẩu rồi").status_code == 401
    for name in VARIANTS:  # every spelling of the name is now throttled, the right password too
        assert login(client, name).status_code == 429, repr(name)
    with client.app.state.ctx.engine.connect() as conn:
        targets = conn.scalars(
            select(audit_log.c.target).where(audit_log.c.action == "auth.login_failed")
        ).all()
    assert targets == ["user:admin1"] * limiter.max_per_user


def test_f4_login_accepts_the_same_variants(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    assert login(client, "ａｄｍｉｎ1 ").status_code == 303


def test_f7_limiter_keys_are_bounded_and_expire() -> None:
    limiter = LoginRateLimiter(max_keys=1000)
    for i in range(20_000):
        limiter.failed(f"attacker-{i}", "10.0.0.1", now=1000)
    assert limiter.keys_held() <= 1000
    # The address itself stays throttled while names churn (it is the newest key).
    assert limiter.retry_after("someone", "10.0.0.1", now=1001) is not None
    for _ in range(100):
        limiter.failed("victim", "10.0.0.2", now=1000)
    assert len(limiter._failures["u:victim"]) == limiter.max_per_user  # times per key bounded
    limiter.failed("late", "10.0.0.3", now=1000 + limiter.window + 1)
    assert limiter.keys_held() <= 1000
    # Past the window everything is forgotten at the next sweep.
    limiter._make_room(now=1000 + limiter.window + 1)
    assert set(limiter._failures) == {"u:late", "c:10.0.0.3"}
