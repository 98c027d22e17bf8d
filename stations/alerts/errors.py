"""Errors of the alert lifecycle (mapped to 404/409 at the HTTP edge)."""

from __future__ import annotations

from stations.errors import QuantracError


class UnknownAlert(QuantracError, LookupError):
    """No alert with this id."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(f"Không có cảnh báo số {alert_id} / no alert with id {alert_id}")
        self.alert_id = alert_id


class AlertAlreadyResolved(QuantracError):
    """The alert is resolved; it can no longer be acknowledged."""

    def __init__(self, alert_id: int) -> None:
        super().__init__(
            f"Cảnh báo {alert_id} đã kết thúc, không thể xác nhận / "
            f"alert {alert_id} is already resolved"
        )
        self.alert_id = alert_id
