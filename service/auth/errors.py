"""Errors of the accounts area; ``service.auth.install`` maps them to HTTP status codes."""

from __future__ import annotations

from stations.errors import QuantracError


class AccountError(QuantracError, ValueError):
    """A request about accounts or tokens that cannot be honoured (400)."""


class UnknownAccount(AccountError, LookupError):
    """No user with that name, or no token with that id (404)."""


class AccountExists(AccountError):
    """A user with that name already exists (409)."""

    def __init__(self, username: str) -> None:
        super().__init__(f"Tài khoản '{username}' đã tồn tại / user '{username}' already exists")
        self.username = username


STATUS_CODES: dict[type[Exception], int] = {
    UnknownAccount: 404,
    AccountExists: 409,
    AccountError: 400,
}
