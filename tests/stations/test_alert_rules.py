"""Alert rules, bands, routing, texts and lifecycle: pure functions, no database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stations.alerts.bands import Severity, band_of, severity_of_band
from stations.alerts.config import AlertConfig, RuleType
from stations.alerts.lifecycle import (
    ACKNOWLEDGED,
    FIRING,
    RESOLVED,
    SUPPRESSED,
    AlertView,
    Policy,
    Signal,
    acknowledge,
    apply_signal,
    followups,
)
from stations.alerts.messages import SiteInfo, email_text, local_time, number_vi
from stations.alerts.routing import AlertScope, recipients

BANDS = [
    pytest.param(0.5, 0, id="below-limit"),
    pytest.param(1.09, 0, id="under-1.1"),
    pytest.param(1.1, 1, id="at-1.1-is-upper-band"),
    pytest.param(1.49, 1, id="under-1.5"),
    pytest.param(1.5, 2, id="at-1.5"),
    pytest.param(2.99, 2, id="under-3"),
    pytest.param(3.0, 3, id="at-3"),
    pytest.param(5.0, 4, id="at-5"),
    pytest.param(9.99, 4, id="under-10"),
    pytest.param(10.0, 5, id="at-10"),
    pytest.param(42.0, 5, id="far-above"),
]


@pytest.mark.parametrize(("ratio", "band"), BANDS)
def test_decree_45_bands(ratio: float, band: int) -> None:
    assert band_of(ratio) == band


@pytest.mark.parametrize(
    ("band", "severity"),
    [(0, Severity.WARNING), (1, Severity.MAJOR), (2, Severity.CRITICAL), (5, Severity.CRITICAL)],
    ids=["band0-warning", "band1-major", "band2-critical", "band5-critical"],
)
def test_severity_of_band(band: int, severity: Severity) -> None:
    assert severity_of_band(band) is severity


@pytest.mark.parametrize(
    ("value", "text"),
    [(1234.5, "1.234,5"), (67.0, "67"), (0.125, "0,12"), (None, "—")],
    ids=["thousands", "integer", "rounding", "missing"],
)
def test_number_vi(value: float | None, text: str) -> None:
    assert number_vi(value) == text


def test_local_time_names_the_offset() -> None:
    assert local_time(1_790_000_000) == "21:13 21/09/2026 (UTC+07:00)"


CONFIG = AlertConfig.model_validate(
    {
        "rules": [
            {"id": "exceed", "type": "exceedance"},
            {"id": "exceed-facA", "type": "exceedance", "match": {"facility": "A"}},
            {
                "id": "exceed-st1-cod",
                "type": "exceedance",
                "match": {"station": "S1"},
                "enabled": False,
            },
            {"id": "offline", "type": "offline", "after_intervals": 3},
        ],
        "contacts": [
            {"id": "an", "email": "an@so.vn"},
            {
                "id": "binh",
                "email": "binh@so.vn",
                "webhook": "http://h/x",
                "channels": ["email", "webhook"],
                "min_severity": "major",
            },
            {"id": "chi", "email": "chi@so.vn"},
            {"id": "duty", "email": "duty@so.vn"},
        ],
        "lists": {"team": ["an", "binh"], "leaders": ["chi"]},
        "routes": [
            {"match": {"kind": "wastewater"}, "notify": ["team"], "escalate_to": ["leaders"]},
        ],
        "duty_officer": "duty",
    }
)

RULES = [
    pytest.param("S9", None, "air", "exceed", id="province-wide"),
    pytest.param("S9", "A", "air", "exceed-facA", id="facility-beats-default"),
    pytest.param("S1", "A", "air", None, id="station-rule-disables"),
]


@pytest.mark.parametrize(("station", "facility", "kind", "expected"), RULES)
def test_most_specific_rule_wins(
    station: str, facility: str | None, kind: str, expected: str | None
) -> None:
    rule = CONFIG.rule_for(RuleType.EXCEEDANCE, station=station, facility=facility, kind=kind)
    assert (rule.id if rule else None) == expected


ROUTES = [
    pytest.param("opened", "warning", False, {"an/email", "duty/email"}, id="opened-warning"),
    pytest.param(
        "opened",
        "critical",
        False,
        {"an/email", "binh/email", "binh/webhook", "duty/email"},
        id="opened-critical-channel-prefs",
    ),
    pytest.param("unacknowledged", "major", False, {"chi/email"}, id="escalation-list"),
    pytest.param(
        "resolved",
        "warning",
        True,
        {"an/email", "duty/email", "chi/email"},
        id="resolved-tells-escalation-list",
    ),
]


@pytest.mark.parametrize(("kind", "severity", "escalated", "expected"), ROUTES)
def test_routing(kind: str, severity: str, escalated: bool, expected: set[str]) -> None:
    scope = AlertScope("S1", "A", "wastewater", "COD", severity)
    got = recipients(CONFIG, scope, kind, escalated=escalated)
    assert {f"{d.contact_id}/{d.channel}" for d in got} == expected


BAD_CONFIGS = [
    pytest.param({"routes": [{"notify": ["nobody"]}]}, "unknown contacts", id="unknown-route"),
    pytest.param({"duty_officer": "ghost"}, "duty_officer", id="unknown-duty-officer"),
    pytest.param(
        {"contacts": [{"id": "x", "channels": ["webhook"]}]}, "needs an address", id="no-address"
    ),
    pytest.param({"rules": [{"id": "r", "type": "smoke"}]}, "type", id="unknown-rule-type"),
    pytest.param({"timing": {"reminder_hours": 0}}, "reminder_hours", id="zero-reminder"),
]


@pytest.mark.parametrize(("data", "fragment"), BAD_CONFIGS)
def test_bad_config_is_refused_with_a_reason(data: dict, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        AlertConfig.model_validate(data)


def sig(
    active: bool,
    at: int,
    *,
    band: int | None = None,
    episode: int | None = None,
    suppressed: bool = False,
) -> Signal:
    return Signal(
        "S1",
        "COD",
        "exceed",
        RuleType.EXCEEDANCE,
        active,
        at,
        Severity.MAJOR if band is None else severity_of_band(band),
        band=band,
        episode_id=episode,
        suppressed=suppressed,
    )


def view(t_create: dict, **over: object) -> AlertView:
    base = {
        "id": 1,
        "state": t_create["state"],
        "severity": t_create["severity"],
        "band": t_create["band"],
        "created_at": t_create["created_at"],
        "clear_since": None,
        "last_notified_at": t_create["created_at"],
        "escalated_at": None,
        "reminders": 0,
        "episodes": tuple(t_create["details"]["episodes"]),
    }
    base.update(over)
    return AlertView(**base)  # type: ignore[arg-type]


POLICY = Policy(reminder_s=4 * 3600, escalate_after_s=30 * 60, resolve_hold_s=1800)


def test_open_then_band_raise_then_hold_then_resolve() -> None:
    t = apply_signal(None, sig(True, 1000, band=1, episode=7), 1000, 1800)
    assert t.create is not None and t.create["state"] == FIRING
    assert [e for e, _ in t.events] == ["opened"]
    alert = view(t.create)
    t = apply_signal(alert, sig(True, 4600, band=2, episode=7), 4600, 1800)
    assert [e for e, _ in t.events] == ["escalated"] and t.update["band"] == 2
    assert t.update["severity"] == "critical"
    alert = view(t.create or {**_as_create(alert), **t.update})
    t = apply_signal(alert, sig(False, 8200, episode=7), 8200, 1800)
    assert t.update["clear_since"] == 8200 and "state" not in t.update  # held, not resolved
    alert = view(_as_create(alert), clear_since=8200, episodes=())
    assert followups(alert, 9000, POLICY, clock=9000).empty  # hold not over yet
    t = followups(alert, 12000, POLICY, clock=10000)
    assert t.update["state"] == RESOLVED and t.update["resolved_at"] == 8200
    assert [e for e, _ in t.events] == ["resolved"]


def _as_create(a: AlertView) -> dict:
    return {
        "state": a.state,
        "severity": a.severity,
        "band": a.band,
        "created_at": a.created_at,
        "details": {"episodes": list(a.episodes)},
    }


def test_back_within_hold_is_the_same_alert() -> None:
    alert = AlertView(1, FIRING, "major", 1, 0, 500, 0, None, 0, ())
    t = apply_signal(alert, sig(True, 900, band=1, episode=8), 900, 1800)
    assert t.update["clear_since"] is None
    assert [e for e, _ in t.events] == ["reactivated"]  # no second "opened"


def test_second_episode_keeps_alert_active() -> None:
    alert = AlertView(1, FIRING, "major", 1, 0, None, 0, None, 0, (7, 9))
    t = apply_signal(alert, sig(False, 900, episode=7), 900, 0)
    assert t.update["episodes"] == [9]  # the 24 h episode is still open
    assert "clear_since" not in t.update and not t.events


@pytest.mark.parametrize(
    ("state", "now", "escalated_at", "last", "expected"),
    [
        pytest.param(FIRING, 1799, None, 0, [], id="nothing-yet"),
        pytest.param(FIRING, 1800, None, 0, ["unacknowledged"], id="escalate-after-30-min"),
        pytest.param(FIRING, 4 * 3600, 1800, 0, ["reminder"], id="reminder-after-4-h"),
        pytest.param(FIRING, 4 * 3600, None, 0, ["unacknowledged", "reminder"], id="both-due"),
        pytest.param(ACKNOWLEDGED, 9 * 3600, None, 0, [], id="ack-stops-everything"),
        pytest.param(SUPPRESSED, 9 * 3600, None, 0, [], id="suppressed-is-silent"),
    ],
)
def test_followups(
    state: str, now: int, escalated_at: int | None, last: int, expected: list[str]
) -> None:
    alert = AlertView(1, state, "major", None, 0, None, last, escalated_at, 0)
    assert [e for e, _ in followups(alert, now, POLICY).events] == expected


def test_suppressed_then_promoted_fires_opened() -> None:
    t = apply_signal(None, sig(True, 100, band=1, episode=1, suppressed=True), 100, 0)
    assert t.create is not None and t.create["state"] == SUPPRESSED
    assert [e for e, _ in t.events] == ["suppressed"]
    alert = AlertView(1, SUPPRESSED, "major", 1, 100, None, 100, None, 0, (1,))
    t = apply_signal(alert, sig(True, 4000, band=1), 4000, 0)
    assert t.update["state"] == FIRING and [e for e, _ in t.events] == ["opened"]


def test_second_ack_keeps_the_first() -> None:
    assert acknowledge(ACKNOWLEDGED, "B", None, 5).update == {}
    assert acknowledge(FIRING, "A", "đã gọi", 5).update["acked_by"] == "A"


def test_email_text_has_everything_an_officer_needs() -> None:
    alert = {
        "id": 12,
        "rule_type": "exceedance",
        "parameter": "COD",
        "value": 135.0,
        "unit": "mg/L",
        "limit_value": 100.0,
        "ratio": 1.35,
        "band": 1,
        "averaging": "1h",
        "opened_at": 1_790_000_000,
        "resolved_at": None,
    }
    site = SiteInfo("S1", "Trạm nước thải KCN Đồng Bành", "Nhà máy A", "wastewater")
    subject, body = email_text(
        "opened", alert, site, "Nhu cầu oxy hóa học", "COD", map_url="http://x/map?station=S1"
    )
    assert subject.startswith("[Quan trắc][MỚI] Vượt giới hạn cho phép")
    for fragment in (
        "Trạm nước thải KCN Đồng Bành",
        "Nhà máy A",
        "Nhu cầu oxy hóa học (COD)",
        "135 mg/L",
        "Giới hạn: 100 mg/L",
        "1,35 lần",
        "từ 1,1 đến dưới 1,5 lần",
        "21:13 21/09/2026 (UTC+07:00)",
        "http://x/map?station=S1",
    ):
        assert fragment in body
