"""Password hashing (argon2id) and the password rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.auth.errors import AccountError

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 would take longer ones, but nobody types them: refuse DoS-sized input

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
# Verified when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("quantrac-dummy-password")


def check_password_rule(password: str) -> None:
    """Raise :class:`AccountError` when ``password`` is too short, too long or blank."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise AccountError(
            f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự / "
            f"the password needs at least {MIN_LENGTH} characters"
        )
    if len(password) > MAX_LENGTH:
        raise AccountError(
            f"Mật khẩu quá dài (tối đa {MAX_LENGTH}) / password longer than {MAX_LENGTH}"
        )


def hash_password(password: str) -> str:
    """The argon2id hash of a password that follows the rule."""
    check_password_rule(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; always spends one argon2 verification."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
