"""Answers memoised per owner object, for read-only owners replaced rather than changed.

The after-ingest chain asks a limits table and an alert configuration the same questions every
few seconds. Both are read-only and replaced by a new object when an administrator changes them,
so an answer is keyed by the owner's identity (held, so its id cannot be reused) and the
question. Memory is bounded: a few owners, a bounded number of answers each.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")
_MISSING = object()


class OwnerMemo(Generic[V]):
    """``(owner, key) -> answer``; everything is dropped when a bound is reached."""

    def __init__(self, max_owners: int, max_answers: int) -> None:
        self.max_owners, self.max_answers = max_owners, max_answers
        self._owners: dict[int, tuple[object, dict[Hashable, V]]] = {}

    def get(self, owner: object, key: Hashable, compute: Callable[[], V]) -> V:
        entry = self._owners.get(id(owner))
        if entry is None or entry[0] is not owner:
            if len(self._owners) >= self.max_owners:
                self._owners.clear()
            entry = self._owners[id(owner)] = (owner, {})
        answers = entry[1]
        found = answers.get(key, _MISSING)
        if found is _MISSING:
            if len(answers) >= self.max_answers:
                answers.clear()
            found = answers[key] = compute()
        return found  # type: ignore[return-value]
