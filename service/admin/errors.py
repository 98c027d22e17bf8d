"""Errors of the administration of limit overrides and alert recipients (HTTP codes below)."""

from __future__ import annotations

from stations.errors import QuantracError


class UnknownLimit(QuantracError, LookupError):
    """No limit row has that key (404)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"Không có dòng giới hạn '{key}' / no limit row with key '{key}'")


class NoOverride(QuantracError):
    """Revert asked for a row that is not overridden (409)."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"Dòng '{key}' đang dùng giá trị gốc, không có gì để trả về / "
            f"row '{key}' is not overridden: nothing to revert"
        )


class AlertsFileNotConfigured(QuantracError):
    """There is no alerts file to edit (409)."""

    def __init__(self) -> None:
        super().__init__(
            "Chưa cấu hình tệp cảnh báo: đặt biến QUANTRAC_ALERTS_FILE (settings.alerts_file) "
            "rồi khởi động lại / no alerts file is configured: set QUANTRAC_ALERTS_FILE "
            "(settings.alerts_file) and restart"
        )


class RecipientsRejected(QuantracError, ValueError):
    """The new recipients do not validate (422); nothing was written."""


STATUS_CODES: dict[type[Exception], int] = {
    UnknownLimit: 404,
    NoOverride: 409,
    AlertsFileNotConfigured: 409,
    RecipientsRejected: 422,
}
