"""``AppContext``: the former name of :class:`service.runtime.Runtime`, kept for importers."""

from __future__ import annotations

from service.runtime import Runtime

AppContext = Runtime

__all__ = ["AppContext", "Runtime"]
