"""HTTP JSON source: a station endpoint answering with readings (``format: json``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from stations.sizes import CHUNK, join_capped
from stations.sources.base import RemoteFile


@dataclass
class HttpSource:
    """GET ``url`` each poll. Headers may carry a token (never logged: ``repr=False``).

    The body is one "file" named ``<source id>.json``: an unchanged answer is a duplicate, and
    overlapping readings are kept once by their key.
    """

    id: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    timeout_s: float = 30.0

    @contextmanager
    def session(self) -> Iterator[HttpSource]:
        """No persistent connection is needed for one GET."""
        yield self

    def list(self) -> list[RemoteFile]:
        """Always one pseudo-file: the current answer."""
        return [RemoteFile(path=self.url, name=f"{self.id}.json")]

    def fetch(self, f: RemoteFile) -> bytes:
        """GET the endpoint; HTTP errors raise (the poll is retried)."""
        with httpx.stream("GET", self.url, headers=self.headers, timeout=self.timeout_s) as r:
            r.raise_for_status()
            return join_capped(r.iter_bytes(CHUNK))

    def finish(self, f: RemoteFile) -> None:
        """Nothing to remove on an HTTP endpoint."""
