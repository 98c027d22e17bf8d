"""``type: ftp``: a facility's FTP server that quantrac logs into and fetches from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from service.source_types.common import SourceCommon
from stations.sources.ftp import FtpConfig, FtpSource


class FtpSourceConfig(SourceCommon):
    """An FTP source; the password is a secret (``${VAR}`` in the file)."""

    type: Literal["ftp"]
    host: str = Field(min_length=1)
    port: int = Field(21, ge=1, le=65535)
    user: str = "anonymous"
    password: SecretStr = SecretStr("")
    passive: bool = True
    path: str = "/"
    recursive: bool = True
    after: Literal["move", "delete", "keep"] = "move"

    def build(self) -> FtpSource:
        cfg = FtpConfig(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password.get_secret_value(),
            path=self.path,
            recursive=self.recursive,
            after="delete" if self.after == "delete" else "move",
            timeout_s=self.timeout_seconds or 30,
            passive=self.passive,
        )
        return FtpSource(id=self.id, cfg=cfg)
