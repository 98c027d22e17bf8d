"""Quality control as flags: nothing is dropped, every reading keeps a bit set of findings.

``qc_flags`` bits (stored in ``readings.qc_flags``, shown by the API as names):

====  ================  =========================================================  =========
bit   name              meaning                                                    class
====  ================  =========================================================  =========
1     calibrating       device status 01 (hiệu chuẩn), Circular 10/2021            invalid
2     device_error      device status 02 (báo lỗi thiết bị)                        invalid
4     out_of_range      outside the parameter's physical range (parameters.csv)    invalid
8     future            more than 10 minutes after the receiving clock             invalid
16    too_old           before the retention window                                invalid
32    unit_mismatch     unit differs from the station's configured unit            invalid
64    not_configured    parameter not in the station's registry entry              invalid
128   flatline          same value for N consecutive readings (default 12 = 1 h)   suspect
256   spike             jump from the previous reading > 25 % of physical range    suspect
====  ================  =========================================================  =========

*Invalid* readings are excluded from hourly means (and so from compliance averages); *suspect*
ones are kept in the means (a real pollution peak can look like a spike) and shown to the
officer. Flat line and spike compare each reading with the previous one in time for the same
station and parameter (``QcState``), seeded from stored readings so checks work across files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntFlag
from itertools import chain, groupby
from operator import itemgetter

from stations.parsers.base import STATUS_CALIBRATING, STATUS_MEASURING, Reading


class Flag(IntFlag):
    """QC flag bits (see the module docstring)."""

    CALIBRATING = 1
    DEVICE_ERROR = 2
    OUT_OF_RANGE = 4
    FUTURE = 8
    TOO_OLD = 16
    UNIT_MISMATCH = 32
    NOT_CONFIGURED = 64
    FLATLINE = 128
    SPIKE = 256


INVALID_MASK = int(
    Flag.CALIBRATING
    | Flag.DEVICE_ERROR
    | Flag.OUT_OF_RANGE
    | Flag.FUTURE
    | Flag.TOO_OLD
    | Flag.UNIT_MISMATCH
    | Flag.NOT_CONFIGURED
)
FLAG_NAMES = {int(f): f.name.lower() for f in Flag}  # type: ignore[union-attr]
# Plain ints for the hot loop: IntFlag arithmetic builds enum objects and is ~10x slower.
_CAL, _ERR, _RANGE, _FUTURE, _OLD, _UNIT, _NOCONF, _FLAT, _SPIKE = (int(f) for f in Flag)


def flag_names(flags: int) -> list[str]:
    """``[name, ...]`` of the bits set in ``flags``."""
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


@dataclass(frozen=True, slots=True)
class QcConfig:
    """Thresholds. Times in seconds; ``retention_s`` None = no lower bound.

    ``future_tolerance_s`` is the issue's 10 minutes; ``flatline_n`` readings of the same value
    make a flat line; a spike is a change larger than ``spike_fraction`` of the physical range
    from a previous reading at most ``spike_gap_s`` earlier.
    """

    future_tolerance_s: int = 600
    retention_s: int | None = 10 * 366 * 86400
    flatline_n: int = 12
    spike_fraction: float = 0.25
    spike_gap_s: int = 900


@dataclass(slots=True)
class QcState:
    """Per (station, parameter): ``[last_time, last_value, run_length]`` of status-00 readings."""

    last: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def seed(self, rows: Sequence[tuple[str, str, int, float | None, str]]) -> None:
        """Feed stored ``(station, parameter, observed_at, value, status)`` rows, grouped by
        (station, parameter) and in time order within each. Read from the newest row back:
        only the newest measuring value and its run count matter, so a key's walk stops at
        the first other value (a live poll seeds ~2 hours of 100 series every batch). A run
        that reaches the oldest row continues the state a key holds already."""
        last = self.last
        for key, group in groupby(reversed(rows), key=itemgetter(0, 1)):
            newest: float | None = None
            at, run, broken = 0, 0, False
            for _station, _parameter, t, value, status in group:
                if status != STATUS_MEASURING or value is None:
                    continue
                if newest is None:
                    newest, at, run = value, t, 1
                elif value == newest:
                    run += 1
                else:
                    broken = True
                    break
            if newest is None:
                continue
            prior = last.get(key)
            if not broken and prior is not None and prior[1] == newest:
                run += int(prior[2])  # the run began before these rows
            last[key] = [at, newest, run]


ReadingRow = tuple[str, str, int, float, str, str, int, int | None]
"""A reading ready to store: the :class:`Reading` fields, then ``qc_flags`` and ``file_id``."""

HourKey = tuple[str, str, int]
"""``(station_id, parameter, hour_start)``; ``hour_start`` in UTC epoch seconds."""

_INF = float("inf")


class QcChecker:
    """Flags readings batch after batch with one configuration and one :class:`QcState`.

    Lookups per (station, parameter) are cached, so the per-reading work is a few comparisons.
    Call :meth:`rows` with each file's readings in time order per station and parameter.

    As it goes, the checker also collects each hour's readings in :attr:`hours`, so the writer
    can compute hourly means without a second pass: ``{(station, parameter, hour_start):
    [values without an invalid flag in reading order, number of invalid readings, greatest
    unit among the invalid ones]}``. A valid reading's unit is always the station's configured
    unit (any other unit is flagged).
    """

    __slots__ = (
        "_config",
        "_future",
        "_last",
        "_oldest",
        "_ranges",
        "_series",
        "_sink",
        "_stations",
        "_units",
        "hours",
    )

    def __init__(
        self,
        *,
        units: Mapping[str, Mapping[str, str]],
        ranges: Mapping[str, tuple[float | None, float | None]],
        now: int,
        config: QcConfig,
        state: QcState,
    ) -> None:
        self._units, self._ranges, self._config, self._last = units, ranges, config, state.last
        self._future = now + config.future_tolerance_s
        self._oldest = now - config.retention_s if config.retention_s is not None else -_INF
        # {station: {parameter: [lo, hi, span, expected unit, previous status-00 reading,
        #                        current hour_start, that hour's totals, where its rows go]}}
        self._stations: dict[str, dict[str, list]] = {}  # type: ignore[type-arg]
        self.hours: dict[HourKey, list] = {}  # type: ignore[type-arg]
        # during :meth:`rows_of`: the output's append, or None and each series' own rows
        self._sink: Callable[[ReadingRow], None] | None = None
        self._series: list[tuple[str, str, list[ReadingRow]]] = []

    def _info(self, station: str, parameter: str) -> list:  # type: ignore[type-arg]
        lo, hi = self._ranges.get(parameter, (None, None))
        span = hi - lo if lo is not None and hi is not None else None
        expected = self._units.get(station, {}).get(parameter)
        info = [
            -_INF if lo is None else lo,
            _INF if hi is None else hi,
            span,
            expected,
            self._last.get((station, parameter)),
            -_INF,  # no current hour yet
            None,
            None,
        ]
        self._stations.setdefault(station, {})[parameter] = info
        self._attach(info, station, parameter)
        return info

    def _attach(self, info: list, station: str, parameter: str) -> None:  # type: ignore[type-arg]
        """Point a series' rows at the current output (or at a list of its own)."""
        if self._sink is not None:
            info[7] = self._sink
        else:
            rows: list[ReadingRow] = []
            self._series.append((station, parameter, rows))
            info[7] = rows.append

    def rows(self, readings: Iterable[Reading], file_id: int | None) -> list[ReadingRow]:
        """``(*reading, qc_flags, file_id)`` for each reading, in order; updates the state
        and :attr:`hours`."""
        return self.rows_of(((readings, file_id),))

    def rows_of(
        self, files: Iterable[tuple[Iterable[Reading], int | None]], *, by_series: bool = False
    ) -> list[ReadingRow]:
        """:meth:`rows` of several files' ``(readings, file_id)``, concatenated in order; with
        ``by_series``, grouped by (station, parameter) in key order instead (each series' rows
        in the order read), which is the order of the readings' primary key: a store inserts
        such rows next to each other, which costs SQLite less than rows spread over all the
        series (bench/README.md)."""
        out: list[ReadingRow] = []
        self._sink = None if by_series else out.append
        self._series = []
        for station, params_ in self._stations.items():
            for parameter, info_ in params_.items():
                self._attach(info_, station, parameter)
        try:
            self._check(files)
        finally:
            self._sink = None
            for params_ in self._stations.values():
                for info_ in params_.values():
                    info_[7] = None
        if by_series:
            self._series.sort(key=lambda s: (s[0], s[1]))
            out = list(chain.from_iterable(rows for _s, _p, rows in self._series))
            self._series = []
        return out

    def _check(self, files: Iterable[tuple[Iterable[Reading], int | None]]) -> None:
        """The per-reading loop of :meth:`rows_of`: flags, rows to each series' sink, hours."""
        future, oldest = self._future, self._oldest
        flatline_n, spike_gap = self._config.flatline_n, self._config.spike_gap_s
        fraction = self._config.spike_fraction
        stations, hours, invalid = self._stations, self.hours, INVALID_MASK
        cur_station: str | None = None
        params: dict[str, list] = {}  # type: ignore[type-arg]
        for readings, file_id in files:
            for station, parameter, t, value, unit, status in readings:
                if station != cur_station:
                    cur_station, params = station, stations.get(station, {})
                info = params.get(parameter)
                if info is None:
                    info = self._info(station, parameter)
                    params = stations[station]
                lo, hi, span, expected, prev, hour, total, append = info
                if status == STATUS_MEASURING:
                    flags = 0
                    if prev is None:
                        info[4] = self._last[(station, parameter)] = [t, value, 1]
                    elif value == prev[1]:
                        prev[2] += 1
                        if prev[2] >= flatline_n:
                            flags = _FLAT
                        prev[0] = t
                    else:
                        if (
                            span
                            and t - prev[0] <= spike_gap
                            and abs(value - prev[1]) > fraction * span
                        ):
                            flags = _SPIKE
                        prev[0], prev[1], prev[2] = t, value, 1
                else:
                    flags = _CAL if status == STATUS_CALIBRATING else _ERR
                if value < lo or value > hi:
                    flags |= _RANGE
                if t > future:
                    flags |= _FUTURE
                elif t < oldest:
                    flags |= _OLD
                if unit != expected:
                    flags |= _NOCONF if expected is None else _UNIT
                append((station, parameter, t, value, unit, status, flags, file_id))
                if not hour <= t < hour + 3600:  # another hour than this parameter's last reading
                    key = (station, parameter, t - t % 3600)
                    total = hours.get(key)
                    if total is None:
                        total = hours[key] = [[], 0, ""]
                    info[5], info[6] = key[2], total
                if flags & invalid:
                    total[1] += 1
                    if unit > total[2]:
                        total[2] = unit
                else:
                    total[0].append(value)


def apply_qc(
    readings: Sequence[Reading],
    *,
    units: Mapping[str, Mapping[str, str]],
    ranges: Mapping[str, tuple[float | None, float | None]],
    now: int,
    config: QcConfig,
    state: QcState,
) -> list[int]:
    """Flags for each reading (same order). ``readings`` should be sorted by station, parameter
    and time, so flat line and spike compare neighbours in time.

    Args:
        readings: parsed readings.
        units: ``{station_id: {parameter: configured unit}}``.
        ranges: ``{parameter: (min_valid, max_valid)}`` physical range, in catalogue units.
        now: receiving time, UTC epoch seconds.
        config: thresholds.
        state: flat-line/spike memory; updated in place.
    """
    checker = QcChecker(units=units, ranges=ranges, now=now, config=config, state=state)
    return [row[6] for row in checker.rows(readings, None)]


# Readings with these flags do not become a station's "latest value" (a skewed clock must not
# pin the map to a value from the future).
FUTURE_OR_OLD = _FUTURE | _OLD
