"""A readings answer written straight from rows to JSON bytes, without a dict per point.

Building a dict for each of a day's 2,592 raw readings and walking them with ``json.dumps``
was most of an uncached answer's 11 ms (bench/README.md). Here raw rows come as columns
(stations/store/raw_columns.py; mean rows are split into columns), every distinct time and
every distinct (row key, notes) tail is encoded once per answer, each value column is
formatted by one call (:func:`_numbers`), and the pieces, all UTF-8 bytes, are placed by slice
assignment (raw) or interleaved by ``zip`` (means) and joined: no Python bytecode runs per
point, only per point whose file carries notes. The bytes are identical to
``json_answer.encode(window_body(w))``, which tests/service/test_readings_json.py checks over a
table of cases and random doubles; a column holding anything else (a NULL mean, a NaN) is
encoded value by value by ``json.dumps``, which writes ``null`` and refuses NaN exactly as
before.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import chain, compress, count, repeat
from typing import Any

import orjson

from service.web.json_answer import encode, encode_text
from service.web.readings_window import Window
from stations.qc import INVALID_MASK, flag_names
from stations.store.raw_columns import Key, RawSeries, key_parts
from stations.timeutil import local_isos


class _Memo(dict[Hashable, bytes]):
    """A dict that fills a missing key with ``make(key)``: one encoding per distinct key."""

    def __init__(self, make: Callable[[Any], bytes]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Hashable) -> bytes:
        value = self[key] = self.make(key)
        return value


_NOT_REPR = (b"e", b"0.0000")
"""Texts of orjson's that may not be ``repr``'s (so ``json.dumps``'s): any exponent form (below
1e-4 orjson writes ``1e-5`` or ``0.00001`` where ``repr`` writes ``1e-05``; from 1e16 up the
forms agree today, but are left to ``repr`` rather than to the next orjson release). Every
other finite double and every 64-bit int comes out the same (tests/service/test_readings_json.py
checks random doubles of every exponent); a column holding one of these is written by
``repr``."""

_NUMBER_BYTES = b"0123456789.,-+e"
"""All that orjson writes for a list of ints and finite floats, past its brackets: ``null`` (a
None, a NaN, an infinity), ``true``, quotes and brackets are not among them."""


def _numbers(column: Sequence[Any]) -> Iterable[bytes]:
    """A column of numbers as JSON texts in UTF-8, ``json.dumps``'s own.

    orjson writes the whole column in one call and the texts are split out: four times faster
    than ``repr`` per value, which was the largest single cost of an uncached day's answer.
    When its text holds anything but numbers (one C pass), the column is written by
    ``json.dumps`` cell by cell as before (``null`` for None, ValueError for NaN), and so is
    one orjson cannot write (an int beyond 64 bits); a column of numbers orjson writes
    differently (:data:`_NOT_REPR`) is written by ``repr``."""
    if not column:
        return []
    try:
        text = orjson.dumps(column)
    except orjson.JSONEncodeError:  # an int beyond 64 bits, or a type orjson does not write
        return map(encode, column)
    body = text[1:-1]
    if body.translate(None, _NUMBER_BYTES):
        return map(encode, column)
    if _NOT_REPR[0] in body or _NOT_REPR[1] in body:
        return [repr(v).encode() for v in column]
    return body.split(b",")


Row = tuple[Any, ...]
Columns = list[Row]
"""One series' rows turned into columns (``zip(*rows)``), in the row layout of :class:`Window`."""


KEPT_TIMES = 20_000
"""Time prefixes kept per process, time zone and kind (~100 bytes each, ~2 MB; 69 days of
5-minute times)."""
_kept_times: dict[tuple[Any, str], dict[int, bytes]] = {}


def _times(w: Window, columns: dict[str, Any]) -> dict[int, bytes]:
    """``{"time":"<local ISO>","value|mean":`` for (at least) every timestamp of the answer; an
    ISO time holds nothing JSON escapes. The series share their times and every station shares
    the 5-minute grid, so each prefix is made once per process and time zone and kept; when
    more than :data:`KEPT_TIMES` are kept a new dict starts (an answer still reading the old
    one keeps it)."""
    raw = w.interval == "raw"
    stamps: set[int] = set()
    for series in columns.values():
        stamps.update(series.stamps if raw else series[0])
    first = "value" if raw else "mean"
    kept = _kept_times.get((w.tz, first))
    if kept is None or len(kept) > KEPT_TIMES:
        kept = _kept_times[(w.tz, first)] = {}
    missing = stamps.difference(kept)
    if missing:
        kept.update(
            {
                t: f'{{"time":"{iso}","{first}":'.encode()
                for t, iso in local_isos(missing, w.tz).items()
            }
        )
    return kept


def _raw_tail(key: tuple[Key, str | None]) -> bytes:
    """A raw point after its value, and the separator, for ``(row key, notes)``."""
    row_key, note = key
    status, flags = key_parts(row_key)
    text = "" if note is None else f',"notes":{encode_text(note)}'
    return (
        f',"status":{encode_text(status)},"qc_flags":{encode_text(flags)}'
        f',"flags":{encode_text(flag_names(flags))}'
        f',"valid":{"false" if flags & INVALID_MASK else "true"}{text}}},'
    ).encode()


def _raw_tails(w: Window, series: RawSeries, tails: dict[Hashable, bytes]) -> list[bytes]:
    """Each point's tail, from ``tails`` (the answer's memo by ``(row key, notes)``): looked up
    by the row key alone (an int for nearly every page), then again with the notes for the few
    points whose file carries them."""
    plain = _Memo(lambda k: tails[(k, None)])
    out = list(map(plain.__getitem__, series.keys))
    files = series.files
    if w.notes and not w.notes.keys().isdisjoint(files):
        for i in compress(count(), map(w.notes.__contains__, files)):
            out[i] = tails[(series.keys[i], w.notes[files[i]])]  # type: ignore[index]
    return out


def _raw_points(w: Window, series: RawSeries, times: dict[int, bytes], tails: _Memo) -> bytes:
    """``point,point,…,`` (each point's tail ends with the separator)."""
    stamps = series.stamps
    pieces: list[bytes] = [b""] * (3 * len(stamps))
    pieces[0::3] = map(times.__getitem__, stamps)
    pieces[1::3] = _numbers(series.values)
    pieces[2::3] = _raw_tails(w, series, tails)
    return b"".join(pieces)


def _mean_points(w: Window, columns: Columns, times: dict[int, bytes]) -> Iterator[bytes]:
    pieces = [map(times.__getitem__, columns[0]), _numbers(columns[1])]
    names = ["min", "max", "n_valid", "n_total"] + (["hours"] if w.interval == "day" else [])
    for name, i in zip(names, (2, 3, 4, 5, 7), strict=False):
        pieces += [repeat(f',"{name}":'.encode()), _numbers(columns[i])]
    pieces.append(repeat(b"},"))
    return chain.from_iterable(zip(*pieces, strict=False))  # repeat() never ends


def _series(
    w: Window, code: str, columns: Any, times: dict[int, bytes], tails: _Memo
) -> list[bytes]:
    """One series as UTF-8 pieces."""
    points = b""
    if columns:
        if w.interval == "raw":
            points = _raw_points(w, columns, times, tails)[:-1]
        else:
            points = b"".join(_mean_points(w, columns, times))[:-1]
    return [f'{encode_text(w.heading(code))[:-1]},"points":['.encode(), points, b"]}"]


def _raw_columns(w: Window) -> dict[str, RawSeries]:
    """The raw series as read, or (a window built from rows) as columns keyed by tuples."""
    if w.columns is not None:
        return w.columns
    out = {}
    for code, rows in w.rows.items():
        if rows:
            _, stamps, values, statuses, flags, files = zip(*rows, strict=True)
            out[code] = RawSeries(stamps, values, tuple(zip(statuses, flags, strict=True)), files)
    return out


def window_json(w: Window, extra: dict[str, Any] | None = None) -> bytes:
    """The answer of ``w`` as compact UTF-8 JSON, ``extra`` keys appended after the rest."""
    head, tail = w.envelope()
    tail.update(extra or {})
    columns: dict[str, Any]
    if w.interval == "raw":
        columns = _raw_columns(w)
    else:
        columns = {code: list(zip(*rows, strict=True)) for code, rows in w.rows.items() if rows}
    times, tails = _times(w, columns), _Memo(_raw_tail)
    pieces = [f'{encode_text(head)[:-1]},"series":['.encode()]
    for k, code in enumerate(w.params):
        if k:
            pieces.append(b",")
        pieces += _series(w, code, columns.get(code), times, tails)
    pieces.append(f"],{encode_text(tail)[1:]}".encode())
    return b"".join(pieces)
