"""Features kept as their encoded GeoJSON in one buffer, decoded only when a caller asks.

A snapshot used to hold every feature twice, as a dict and as bytes; at 100,000 points the
dicts were ~200 MB per worker (bench/points_scale.py) while the answers only ever send the
bytes. One contiguous buffer and an offsets array cost the bytes alone plus 8 bytes a feature,
and building it frees each feature's dict as soon as it is encoded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any, overload

import numpy as np

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_feature(feature: dict[str, Any]) -> bytes:
    """The compact UTF-8 GeoJSON of one feature (the bytes every answer sends)."""
    return _encode(feature).encode()


class FeatureBuffer:
    """Encoded features appended one by one, then frozen into one buffer."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._ends: list[int] = []

    def append(self, encoded: bytes) -> None:
        self._buf += encoded
        self._ends.append(len(self._buf))

    def freeze(self) -> EncodedBytes:
        offsets = np.zeros(len(self._ends) + 1, dtype=np.int64)
        offsets[1:] = self._ends
        # kept as it is: a bytes() copy would double the peak for a moment
        blob, self._buf, self._ends = self._buf, bytearray(), []
        return EncodedBytes(blob, offsets)


class EncodedBytes(Sequence[bytes]):
    """The encoded features: ``[i]`` is feature i's bytes, sliced from the buffer."""

    __slots__ = ("_view", "blob", "offsets")

    def __init__(self, blob: bytes | bytearray, offsets: np.ndarray) -> None:
        self.blob, self.offsets = blob, offsets
        self._view = memoryview(blob)  # slices without copying the buffer

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> bytes: ...
    @overload
    def __getitem__(self, i: slice) -> list[bytes]: ...
    def __getitem__(self, i: int | slice) -> bytes | list[bytes]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(i)
        i %= n
        return bytes(self._view[int(self.offsets[i]) : int(self.offsets[i + 1])])

    def __iter__(self) -> Iterator[bytes]:
        view = self._view
        for a, b in pairwise(self.offsets.tolist()):
            yield bytes(view[a:b])

    def nbytes(self) -> int:
        """Bytes held (buffer and offsets)."""
        return len(self.blob) + self.offsets.nbytes


class DecodedFeatures(Sequence[dict[str, Any]]):
    """The features as GeoJSON dicts, each decoded from its bytes when asked for (a fresh
    dict every time: callers may keep or change it without touching the snapshot)."""

    __slots__ = ("encoded",)

    def __init__(self, encoded: EncodedBytes) -> None:
        self.encoded = encoded

    def __len__(self) -> int:
        return len(self.encoded)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [json.loads(b) for b in self.encoded[i]]
        found: dict[str, Any] = json.loads(self.encoded[i])
        return found

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for b in self.encoded:
            yield json.loads(b)
