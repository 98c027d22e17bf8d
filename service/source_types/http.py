"""``type: http``: a station that serves its latest values over HTTP."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from service.source_types.common import SourceCommon
from stations.sources.http import HttpSource


class HttpSourceConfig(SourceCommon):
    """An HTTP source; header values are secrets (tokens)."""

    type: Literal["http"]
    url: str = Field(min_length=1)
    headers: dict[str, SecretStr] = Field(default_factory=dict)

    def build(self) -> HttpSource:
        return HttpSource(
            id=self.id,
            url=self.url,
            headers={k: v.get_secret_value() for k, v in self.headers.items()},
            timeout_s=self.timeout_seconds or 30,
        )
