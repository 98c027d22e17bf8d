"""A readings answer written straight from rows to JSON text, without a dict per point.

Building a dict for each of a day's 2,592 raw readings and walking them with ``json.dumps``
was most of an uncached answer's 11 ms (bench/README.md). Here the rows are split into
columns, every distinct time and every distinct (status, flags, notes) tail is encoded once
per answer, each value column is formatted by one ``map`` (``repr`` is what ``json.dumps``
writes for an int or a finite float), and the pieces are interleaved by ``zip`` and joined:
no Python bytecode runs per point. The text is byte-identical to
``json_answer.encode(window_body(w))``, which tests/service/test_readings_json.py checks over a
table of cases; a column holding anything else (a NULL mean, a NaN) is encoded value by value
by ``json.dumps``, which writes ``null`` and refuses NaN exactly as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from service.web.json_answer import encode_text
from service.web.readings_window import Window
from stations.qc import INVALID_MASK, flag_names
from stations.timeutil import local_isos

_PLAIN = {int, float}


class _Memo(dict[Hashable, str]):
    """A dict that fills a missing key with ``make(key)``: one encoding per distinct key."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Hashable) -> str:
        value = self[key] = self.make(key)
        return value


def _numbers(column: tuple[Any, ...]) -> Iterator[str]:
    """A column of numbers as JSON: ``repr`` when every cell is an int or a finite float
    (checked by two C-level passes: the set of types, then one sum, which inf and NaN
    reach), else ``json.dumps`` cell by cell (``null`` for None, ValueError for NaN)."""
    if set(map(type, column)) <= _PLAIN:
        try:
            if math.isfinite(sum(column)):
                return map(repr, column)
        except OverflowError:  # an int too large for a float: json.dumps writes it as is
            pass
    return map(encode_text, column)


def _times(w: Window) -> dict[int, str]:
    """``{"time":"<local ISO>","value|mean":`` per timestamp of the answer, made once (the
    series share their times; an ISO time holds nothing JSON escapes)."""
    column = 1 if w.interval == "raw" else 0
    stamps: set[int] = set()
    for rows in w.rows.values():
        stamps.update(map(itemgetter(column), rows))
    first = "value" if w.interval == "raw" else "mean"
    return {t: f'{{"time":"{iso}","{first}":' for t, iso in local_isos(stamps, w.tz).items()}


def _raw_tail(key: tuple[Any, ...]) -> str:
    """A raw point after its value, and the separator, for ``(status, flags, notes)``."""
    status, flags, note = key
    text = "" if note is None else f',"notes":{encode_text(note)}'
    return (
        f',"status":{encode_text(status)},"qc_flags":{encode_text(flags)}'
        f',"flags":{encode_text(flag_names(flags))}'
        f',"valid":{"false" if flags & INVALID_MASK else "true"}{text}}},'
    )


def _raw_points(w: Window, rows: list[tuple[Any, ...]], times: dict[int, str]) -> Iterator[str]:
    """Pieces of ``point,point,…,`` (each point's tail ends with the separator)."""
    _, stamps, values, statuses, flags, files = zip(*rows, strict=True)
    tails = _Memo(_raw_tail)
    notes = map(w.notes.get, files) if w.notes else repeat(None)
    keys = zip(statuses, flags, notes, strict=False)  # repeat() never ends
    return chain.from_iterable(
        zip(
            map(times.__getitem__, stamps),
            _numbers(values),
            map(tails.__getitem__, keys),
            strict=True,
        )
    )


def _mean_points(w: Window, rows: list[tuple[Any, ...]], times: dict[int, str]) -> Iterator[str]:
    columns = list(zip(*rows, strict=True))
    pieces = [map(times.__getitem__, columns[0]), _numbers(columns[1])]
    names = ["min", "max", "n_valid", "n_total"] + (["hours"] if w.interval == "day" else [])
    for name, i in zip(names, (2, 3, 4, 5, 7), strict=False):
        pieces += [repeat(f',"{name}":'), _numbers(columns[i])]
    pieces.append(repeat("},"))
    return chain.from_iterable(zip(*pieces, strict=False))  # repeat() never ends


def _series(w: Window, code: str, times: dict[int, str]) -> str:
    rows = w.rows.get(code)
    points = ""
    if rows:
        write = _raw_points if w.interval == "raw" else _mean_points
        points = "".join(write(w, rows, times))[:-1]
    return f'{encode_text(w.heading(code))[:-1]},"points":[{points}]}}'


def window_text(w: Window, extra: dict[str, Any] | None = None) -> str:
    """The answer of ``w`` as compact JSON text, ``extra`` keys appended after the rest."""
    head, tail = w.envelope()
    tail.update(extra or {})
    times = _times(w)
    series = ",".join([_series(w, code, times) for code in w.params])
    return f'{encode_text(head)[:-1]},"series":[{series}],{encode_text(tail)[1:]}'
