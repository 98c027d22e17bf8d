"""The alerts file as validated models: rules, contacts, recipient lists, routes and timings.

Parsed once at start-up (``AlertConfig.model_validate(yaml_dict)``); every cross-reference is
checked so that a typo in the duty roster fails loudly instead of silently dropping e-mail.
See docs/alerts.md for the file format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from stations.alerts.bands import Severity
from stations.alerts.channels import CHANNELS
from stations.config_fields import AtLeastOne, NonNegative, Positive
from stations.memo import OwnerMemo


class RuleType(StrEnum):
    """What a rule watches."""

    EXCEEDANCE = "exceedance"  # compliance episode opened / escalated / closed
    NEAR_LIMIT = "near_limit"  # compliance near-limit episode
    DELAYED = "delayed"  # no data for N expected intervals (short N)
    OFFLINE = "offline"  # no data for N expected intervals
    DEVICE_ERROR = "device_error"  # status 02 for more than N minutes
    CALIBRATION = "calibration"  # status 01 for more than N hours
    AQI = "aqi"  # hourly VN_AQI at or above a threshold (151 = "Xấu")
    RAIN_WARNING = "rain_warning"  # a commune or zone reaching a QĐ 18/2021 risk level
    FORWARD_LAG = "forward_lag"  # a forwarding destination's oldest unconfirmed file too old


# Rules whose alert belongs to the whole station rather than to one parameter.
STATION_LEVEL = frozenset({RuleType.DELAYED, RuleType.OFFLINE, RuleType.AQI})

DEFAULT_SEVERITY = {
    RuleType.EXCEEDANCE: Severity.MAJOR,  # refined by the band, see bands.severity_of_band
    RuleType.NEAR_LIMIT: Severity.INFO,
    RuleType.DELAYED: Severity.INFO,
    RuleType.OFFLINE: Severity.WARNING,
    RuleType.DEVICE_ERROR: Severity.WARNING,
    RuleType.CALIBRATION: Severity.INFO,
    RuleType.AQI: Severity.MAJOR,
    RuleType.RAIN_WARNING: Severity.MAJOR,  # refined by the level, see stations.rain.alerts
    RuleType.FORWARD_LAG: Severity.WARNING,
}

Channel = str  # a name of the channel registry (stations.alerts.channels.CHANNELS)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def commune_map(value: Any) -> Any:
    """Commune codes as strings (YAML reads 20008 as a number), one name or a list each."""
    if not isinstance(value, dict):
        return value
    return {str(k): _as_list(v) for k, v in value.items()}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Which alerts a rule or route applies to; every given field must match (lists: any of)."""

    station: list[str] | None = None
    facility: list[str] | None = None
    kind: list[str] | None = None
    parameter: list[str] | None = None
    severity: list[Severity] | None = None
    destination: list[str] | None = None  # forwarding destination ids (forward_lag rules)

    _lists = field_validator(
        "station", "facility", "kind", "parameter", "severity", "destination", mode="before"
    )(_as_list)

    def matches(
        self,
        *,
        station: str,
        facility: str | None,
        kind: str,
        parameter: str | None = None,
        severity: str | None = None,
        destination: str | None = None,
    ) -> bool:
        """True when every constrained field has one of the listed values."""
        checks = (
            (self.station, station),
            (self.facility, facility),
            (self.kind, kind),
            (self.parameter, parameter),
            (self.severity, severity),
            (self.destination, destination),
        )
        return all(allowed is None or value in allowed for allowed, value in checks)

    @property
    def specificity(self) -> int:
        """Higher for narrower scopes: station > facility > kind; a parameter adds one."""
        return (
            8 * (self.station is not None or self.destination is not None)
            + 4 * (self.facility is not None)
            + 2 * (self.kind is not None)
            + (self.parameter is not None)
        )


class Rule(_Strict):
    """One rule; the most specific enabled rule of a type applies to a (station, parameter)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    type: RuleType
    match: Match = Match()
    enabled: bool = True
    severity: Severity | None = None
    after_intervals: int | None = Field(None, ge=1, description="delayed/offline")
    after_minutes: float | None = Field(
        None, ge=0, description="device_error; forward_lag (lag threshold)"
    )
    after_hours: float | None = Field(None, ge=0, description="calibration")
    threshold: float | None = Field(None, gt=0, description="aqi (default 151)")
    resolve_hold_minutes: float | None = Field(None, ge=0, description="flapping guard override")


class Contact(_Strict):
    """A person or system that receives notifications on the channels it prefers."""

    id: str
    name: str = ""
    email: str | None = None
    webhook: str | None = Field(None, description="http(s) URL receiving the JSON payload")
    # addresses on channels that have no field of their own: {channel name: address}
    addresses: dict[str, str] = {}
    channels: list[Channel] = ["email"]
    min_severity: Severity = Severity.INFO

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise ValueError(f"unknown channel(s) {unknown}; expected {', '.join(CHANNELS)}")
        return value

    @model_validator(mode="after")
    def _addresses(self) -> Contact:
        for channel in self.channels:
            if CHANNELS[channel].address(self) is None:
                raise ValueError(f"contact '{self.id}': channel {channel} needs an address")
        return self

    def address_for(self, channel: str) -> str | None:
        """The address on ``channel``: the field of that name, else ``addresses``."""
        own = getattr(self, channel, None) if channel in type(self).model_fields else None
        return own if isinstance(own, str) else self.addresses.get(channel)


class Route(_Strict):
    """Who is told about matching alerts, and who is told when nobody acknowledges them."""

    match: Match = Match()
    notify: list[str] = []
    escalate_to: list[str] = []


class Timing(_Strict):
    """Lifecycle timings (defaults follow Grafana's 4 h repeat interval)."""

    reminder_hours: Positive = 4.0
    escalate_after_minutes: Positive = 30.0
    resolve_hold_minutes: NonNegative = 30.0
    device_error_minutes: NonNegative = 30.0
    calibration_hours: NonNegative = 4.0
    aqi_threshold: Positive = 151.0
    offline_after_intervals: AtLeastOne = 3
    delayed_after_intervals: AtLeastOne = 1
    # Exceedances of data older than this open their alerts without notifications (a backfill
    # of last month must not page the duty officer); ``quantrac ingest --notify`` forces them.
    notify_max_age_hours: Positive = 24.0


class Delivery(_Strict):
    """Outbox delivery: exponential backoff from ``retry_base_seconds`` to the cap."""

    retry_base_seconds: Positive = 30.0
    retry_max_seconds: Positive = 1800.0
    max_attempts: int = Field(40, ge=1, description="then the message is dead-lettered")
    batch_size: AtLeastOne = 50
    send_interval_seconds: Positive = 5.0
    evaluate_interval_seconds: Positive = 60.0
    timeout_seconds: Positive = 10.0


def default_rules() -> list[Rule]:
    """One province-wide rule per type; near-limit and delayed are opt-in (noise)."""
    return [
        Rule(id="exceedance", type=RuleType.EXCEEDANCE),
        Rule(id="near_limit", type=RuleType.NEAR_LIMIT, enabled=False),
        Rule(id="delayed", type=RuleType.DELAYED, enabled=False),
        Rule(id="offline", type=RuleType.OFFLINE),
        Rule(id="device_error", type=RuleType.DEVICE_ERROR),
        Rule(id="calibration", type=RuleType.CALIBRATION),
        Rule(id="aqi_bad", type=RuleType.AQI, match=Match(kind=["air"])),
        Rule(id="rain_warning", type=RuleType.RAIN_WARNING, match=Match(kind=["rain"])),
        Rule(id="forward_lag", type=RuleType.FORWARD_LAG),
    ]


class AlertConfig(_Strict):
    """The whole alerts file."""

    _commune_lists = field_validator("communes", mode="before")(commune_map)

    rules: list[Rule] = Field(default_factory=default_rules)
    contacts: list[Contact] = []
    lists: dict[str, list[str]] = {}
    routes: list[Route] = []
    duty_officer: str | None = None
    # commune code (communes.id, the place_id of /api/warnings) → contacts or lists told about
    # the rain warnings of that commune and of the hazard zones touching it
    communes: dict[str, list[str]] = {}
    timing: Timing = Timing()
    delivery: Delivery = Delivery()

    @model_validator(mode="after")
    def _references(self) -> AlertConfig:
        ids = [c.id for c in self.contacts]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate contact ids: {sorted(dupes)}")
        rule_ids = [r.id for r in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("duplicate rule ids")
        known = set(ids)
        for name, members in self.lists.items():
            if name in known:
                raise ValueError(f"list '{name}' has the same name as a contact")
            unknown = [m for m in members if m not in known]
            if unknown:
                raise ValueError(f"list '{name}' names unknown contacts {unknown}")
        targets = known | set(self.lists)
        for i, route in enumerate(self.routes):
            unknown = [t for t in route.notify + route.escalate_to if t not in targets]
            if unknown:
                raise ValueError(f"route {i + 1} names unknown contacts or lists {unknown}")
        if self.duty_officer is not None and self.duty_officer not in targets:
            raise ValueError(f"duty_officer '{self.duty_officer}' is not a contact or list")
        for code, names in self.communes.items():
            unknown = [t for t in names if t not in targets]
            if unknown:
                raise ValueError(f"commune '{code}' names unknown contacts or lists {unknown}")
        return self

    def contact(self, contact_id: str) -> Contact:
        """A contact by id."""
        return next(c for c in self.contacts if c.id == contact_id)

    def expand(self, names: list[str]) -> list[Contact]:
        """Contacts named directly or through lists, without duplicates, in order."""
        out: dict[str, Contact] = {}
        for name in names:
            for member in self.lists.get(name, [name]):
                out.setdefault(member, self.contact(member))
        return list(out.values())

    def rule_for(
        self,
        rule_type: RuleType,
        *,
        station: str,
        facility: str | None,
        kind: str,
        parameter: str | None = None,
        destination: str | None = None,
    ) -> Rule | None:
        """The most specific rule of ``rule_type`` for this scope, or None if none/disabled."""
        # memoised per config (frozen): the alert pass asks the same questions every batch
        key = (rule_type, station, facility, kind, parameter, destination)
        return _RULES_FOR.get(self, key, lambda: self._find_rule(key))

    def _find_rule(self, key: tuple[Any, ...]) -> Rule | None:
        rule_type, station, facility, kind, parameter, destination = key
        best: Rule | None = None
        for rule in self.rules:
            if rule.type != rule_type or not rule.match.matches(
                station=station,
                facility=facility,
                kind=kind,
                parameter=parameter,
                destination=destination,
            ):
                continue
            if best is None or rule.match.specificity > best.match.specificity:
                best = rule
        return best if best is not None and best.enabled else None


# rule_for's answers per config and scope; a reloaded file is a new config
_RULES_FOR: OwnerMemo[Rule | None] = OwnerMemo(8, 100_000)
