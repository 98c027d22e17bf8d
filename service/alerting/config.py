"""Load the alerts file named by ``settings.alerts_file`` into :class:`AlertConfig`."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from service.settings import Settings
from stations.alerts.config import AlertConfig
from stations.errors import QuantracError


class AlertConfigError(QuantracError, ValueError):
    """The alerts file cannot be read or is invalid; the message names the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"Tệp cảnh báo {path} không hợp lệ / invalid alerts file {path}: {problem}"
        )
        self.path = path


def load_alert_config(path: Path | None, *, offline_after_intervals: int = 3) -> AlertConfig:
    """Parse an alerts YAML file (the built-in defaults when ``path`` is None).

    ``offline_after_intervals`` (from settings) is the default of ``timing`` when the file does
    not set it, so the map's "offline" and the offline alert agree.
    """
    data: dict[str, object] = {}
    if path is not None:
        data = read_alerts_yaml(path)
    return alert_config_from_data(
        data, source=path, offline_after_intervals=offline_after_intervals
    )


def read_alerts_yaml(path: Path) -> dict[str, object]:
    """The alerts file as a plain mapping (not validated yet)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AlertConfigError(path, str(exc)) from exc
    if not isinstance(loaded, dict):
        raise AlertConfigError(path, "the top level must be a mapping")
    return loaded


def alert_config_from_data(
    data: dict[str, object], *, source: Path | None, offline_after_intervals: int = 3
) -> AlertConfig:
    """Validate an alerts mapping exactly as the alerts file is validated at start-up."""
    data = dict(data)
    timing = data.get("timing") or {}
    if isinstance(timing, dict):
        data["timing"] = {"offline_after_intervals": offline_after_intervals, **timing}
    try:
        return AlertConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise AlertConfigError(source or Path("<defaults>"), problems) from exc


def config_from_settings(settings: Settings) -> AlertConfig:
    """The alert configuration of a running service."""
    return load_alert_config(
        settings.alerts_file, offline_after_intervals=settings.offline_after_intervals
    )
