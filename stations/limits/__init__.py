"""Limits as cited data: national regulations (QCVN) and the rules that interpret them.

``load_limits()`` reads every CSV in ``stations/data/limits/`` and applies the administrator's
overlay (``configure_overrides``); ``LimitTable.find`` answers "which row applies to this
regulation, parameter, averaging period, column and day".
"""

from __future__ import annotations

from stations.limits.loader import (
    LIMITS_DIR,
    configure_overrides,
    load_limits,
    overrides_path,
    parse_limits_csv,
)
from stations.limits.model import AVERAGINGS, Confidence, Limit
from stations.limits.table import LimitTable, regulation_code

__all__ = [
    "AVERAGINGS",
    "LIMITS_DIR",
    "Confidence",
    "Limit",
    "LimitTable",
    "configure_overrides",
    "load_limits",
    "overrides_path",
    "parse_limits_csv",
    "regulation_code",
]
