"""What a destination wants and where each file goes there (pure: no I/O, no clock).

A :class:`Route` is the validated, plain form of one destination of the forwarding file: which
stations and kinds it takes from which time on, and the remote folder template. Folder dates are
local time (UTC+7), like the data files' own timestamps.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from stations.timeutil import VN_OFFSET, from_epoch

# Folder names of the ministry's intake by monitoring type (Envisoft's form defaults).
KIND_FOLDERS: Mapping[str, str] = {
    "air": "KhongKhi",
    "wastewater": "NuocThai",
    "fluegas": "KhiThai",
    "surface_water": "NuocMat",
    "groundwater": "NuocNgam",
}
TEMPLATE_FIELDS = frozenset({"kind", "kind_code", "station", "yyyy", "MM", "dd", "HH"})
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_STAMP = re.compile(r"(\d{14})(?=\.[A-Za-z0-9]+$)")


def template_fields(template: str) -> set[str]:
    """The ``{field}`` names a folder template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def check_template(template: str) -> None:
    """Raise ValueError for unknown fields or a folder that climbs out of the root."""
    unknown = template_fields(template) - TEMPLATE_FIELDS
    if unknown:
        raise ValueError(
            f"unknown template fields {sorted(unknown)}; use {sorted(TEMPLATE_FIELDS)}"
        )
    if ".." in template.split("/"):
        raise ValueError("template must not contain '..'")


def remote_name(name: str) -> str:
    """The file's name at the destination: its name as received, without any folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (_SAFE.sub("_", base).strip("._") or "file")[:200]


def stamp_of(name: str) -> str | None:
    """The ``YYYYMMDDhhmmss`` stamp that ends a Circular 10/2021 file name, if any."""
    m = _STAMP.search(name)
    return m.group(1) if m else None


@dataclass(frozen=True, slots=True)
class Route:
    """One destination's selection and layout."""

    id: str
    folder: str = "{kind}/{station}/{yyyy}/{MM}/{dd}"
    root: str = "/"
    stations: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    start_at: int = 0  # files whose data begin before this (UTC epoch s) are not forwarded
    content: str = "raw"  # raw | canonical
    kind_folders: Mapping[str, str] = field(default_factory=lambda: dict(KIND_FOLDERS))

    def wants(self, station: str, kind: str, observed_at: int) -> bool:
        """True when this destination takes the file of ``station`` observed at that time."""
        return (
            observed_at >= self.start_at
            and (self.stations is None or station in self.stations)
            and (self.kinds is None or kind in self.kinds)
        )

    def remote_folder(self, station: str, kind: str, observed_at: int) -> str:
        """The folder (from the root, no trailing slash) for a file observed at that time."""
        local = from_epoch(observed_at, VN_OFFSET)
        rel = self.folder.format(
            kind=self.kind_folders.get(kind, kind),
            kind_code=kind,
            station=_SAFE.sub("_", station),
            yyyy=f"{local.year:04d}",
            MM=f"{local.month:02d}",
            dd=f"{local.day:02d}",
            HH=f"{local.hour:02d}",
        ).strip("/")
        root = self.root.rstrip("/")
        return f"{root}/{rel}" if rel else (root or "/")

    def remote_path(self, station: str, kind: str, observed_at: int, name: str) -> str:
        """Folder and name of the file at the destination."""
        return f"{self.remote_folder(station, kind, observed_at).rstrip('/')}/{remote_name(name)}"


def temp_path(final: str) -> str:
    """The upload name beside ``final``: hidden, and the same on every attempt, so an upload cut
    off by a crash is overwritten by the next attempt instead of left beside it."""
    folder, _, name = final.rpartition("/")
    return f"{folder}/.{name}.qtpart"
