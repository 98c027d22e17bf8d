"""What the YAML configuration files (sources, forwarding, FTP accounts) share besides their
reader (:func:`service.sources_config.read_yaml_with_env`): entries whose unset settings come
from the file's ``defaults``, and ids that must be unique."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from stations.errors import InvalidRequest

EntryT = TypeVar("EntryT", bound=BaseModel)


def fill_unset(entry: EntryT, defaults: BaseModel) -> EntryT:
    """``entry`` with every setting it leaves unset (None) taken from ``defaults``."""
    fills = {k: v for k, v in defaults.model_dump().items() if getattr(entry, k) is None}
    return entry.model_copy(update=fills)


def require_unique(path: Path, what: str, ids: Sequence[str]) -> None:
    """Refuse a file naming an entry twice (InvalidRequest naming the file and the ids)."""
    if len(ids) != len(set(ids)):
        raise InvalidRequest(f"{path}: {what} must be unique: {list(ids)}")
