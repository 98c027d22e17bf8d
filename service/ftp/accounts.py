"""The FTP receiver's accounts file: one datalogger account per facility or station group.

::

    accounts:
      - user: xm-dongbanh
        password: ${QUANTRAC_FTP_PASSWORD_XMDB}   # from the environment; never logged
        home: xi-mang-dong-banh                    # a folder under the receiver's root

Also the checks of the listening options (passive port range, announced address).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from service.config_files import require_unique
from service.sources_config import read_yaml_with_env
from stations.errors import InvalidRequest

# e = CWD, l = LIST/NLST/SIZE..., m = MKD, w = STOR, f = RNFR/RNTO. No r (RETR), a (APPE),
# d (DELE/RMD), M (SITE CHMOD) or T (MFMT).
ACCOUNT_PERMS = "elmwf"
# The folder source moves finished files to <root>/processed/: never a home.
RESERVED_HOMES = frozenset({"processed"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$")


class FtpAccount(BaseModel):
    """One datalogger account."""

    model_config = ConfigDict(extra="forbid")
    user: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    password: SecretStr
    home: str

    @field_validator("password")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("empty password")
        return value

    @field_validator("home")
    @classmethod
    def _relative_home(cls, value: str) -> str:
        parts = PurePosixPath(value).parts
        if not parts or value.startswith("/") or not all(_SEGMENT.match(p) for p in parts):
            raise ValueError(
                "home must be a relative folder of letters, digits, '_', '-', '.' "
                "(no '..', no leading '/' or '.')"
            )
        if parts[0] in RESERVED_HOMES:
            raise ValueError(f"home may not be under {parts[0]!r} (the processed-files folder)")
        return "/".join(parts)


class AccountsFile(BaseModel):
    """The whole accounts file."""

    model_config = ConfigDict(extra="forbid")
    accounts: list[FtpAccount] = Field(min_length=1)


def load_accounts(path: Path, env: dict[str, str] | None = None) -> list[FtpAccount]:
    """Read and validate the accounts file; ``${VAR}`` comes from ``env`` (the environment).

    Errors name the file, the field or the unset variable, never a password.
    """
    parsed = read_yaml_with_env(path, AccountsFile, "accounts file", env)
    require_unique(path, "user names", [a.user for a in parsed.accounts])
    homes = {PurePosixPath(a.home) for a in parsed.accounts}
    for home in homes:
        for other in homes:
            if home != other and home in other.parents:
                # the outer account would see (and could rename) the inner one's files
                raise InvalidRequest(f"{path}: home {other} is inside home {home}")
    return parsed.accounts


def parse_port_range(text: str) -> list[int]:
    """``"30000-30009"`` (or one port) -> the list of passive ports."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?", text)
    if not m:
        raise InvalidRequest(f"passive ports must look like 30000-30009, not {text!r}")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if not 1024 <= first <= last <= 65535:
        raise InvalidRequest(f"passive ports must be within 1024-65535, low to high: {text!r}")
    return list(range(first, last + 1))


def check_masquerade(address: str | None) -> str | None:
    """The address announced in PASV replies must be an IPv4 literal (None: the local one)."""
    if not address:
        return None
    try:
        return str(ipaddress.IPv4Address(address.strip()))
    except ValueError:
        raise InvalidRequest(
            f"masquerade address must be an IPv4 address (PASV announces digits), not {address!r}"
        ) from None
