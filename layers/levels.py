"""The five hazard classes, their colours, and the rule mapping source values to them.

Classes follow the national landslide-zoning scheme (rất cao … rất thấp, regulations.md §10.2).
Colours are the risk-level colours of Decision 18/2021/QĐ-TTg Điều 4 (light blue, light yellow,
orange, red, purple) applied in the same order: class 1 (very low) is light blue, class 5
(very high) purple. That pairing is our display convention, not a legal equivalence between a
susceptibility class and a risk level (the Sở should confirm it, regulations.md §10.2).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from layers.errors import BadQuery


@dataclass(frozen=True, slots=True)
class Level:
    """One class: value 1..5, bilingual label, colour (hex) and the QĐ 18 colour name."""

    value: int
    label_vi: str
    label_en: str
    colour: str
    colour_name_vi: str


LEVELS: dict[int, Level] = {
    1: Level(1, "Rất thấp", "Very low", "#9fd3f2", "xanh dương nhạt"),
    2: Level(2, "Thấp", "Low", "#fff2a8", "vàng nhạt"),
    3: Level(3, "Trung bình", "Medium", "#ff9a1f", "da cam"),
    4: Level(4, "Cao", "High", "#e3211c", "đỏ"),
    5: Level(5, "Rất cao", "Very high", "#7b2c91", "tím"),
}


def legend() -> list[dict[str, Any]]:
    """The legend as JSON-ready rows, lowest class first."""
    return [
        {"value": lv.value, "label_vi": lv.label_vi, "label_en": lv.label_en, "colour": lv.colour}
        for lv in LEVELS.values()
    ]


def _fold(text: str) -> str:
    # "Rất cao", "rat cao", "RẤT CAO" and "very_high" must all match the same class.
    norm = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d"))
    return " ".join(
        "".join(c for c in norm if not unicodedata.combining(c)).replace("_", " ").split()
    )


# Text labels understood without configuration (Vietnamese with or without diacritics, English).
_LABELS: dict[str, int] = {}
for _lv in LEVELS.values():
    _LABELS[_fold(_lv.label_vi)] = _lv.value
    _LABELS[_fold(_lv.label_en)] = _lv.value
_LABELS.update({"moderate": 3, "trung binh": 3, "tb": 3})


@dataclass(frozen=True, slots=True)
class LevelMap:
    """Source value -> level. Either explicit ``values`` ({"source value": level}) or ascending
    ``breaks`` [b1, ..., b5], the lower bounds of levels 1..5, for continuous rasters such as
    flood depth in metres: b1 <= v < b2 -> 1, ..., v >= b5 -> 5, and v < b1 is *no zone* (dry
    land at depth 0 is not a "very low" flood zone). Without either, the values 1..5 and the
    class names (Vietnamese or English) are accepted as they are.
    """

    values: tuple[tuple[str, int], ...] = ()
    breaks: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.breaks and (len(self.breaks) != 5 or list(self.breaks) != sorted(set(self.breaks))):
            raise BadQuery(
                "breaks phải là 5 số tăng dần, ngưỡng dưới của mức 1..5; dưới số đầu là không có "
                "vùng, ví dụ breaks:0.01,0.5,1,2,3 / breaks must be 5 strictly ascending numbers, "
                "the lower bounds of levels 1..5 (below the first is no zone), e.g. "
                "breaks:0.01,0.5,1,2,3"
            )
        for src, level in self.values:
            if level not in LEVELS:
                raise BadQuery(f"mức '{level}' cho '{src}' không thuộc 1..5 / level must be 1..5")

    def level_of(self, value: Any) -> int | None:
        """The level of one source value, or None when the rule does not cover it."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.breaks:
            try:
                number = float(value)
            except (TypeError, ValueError):
                return None
            return self.break_level(number)
        key = _source_key(value)
        if self.values:
            return dict(self.values).get(key)
        if key in {"1", "2", "3", "4", "5"}:
            return int(key)
        return _LABELS.get(_fold(key))

    def break_level(self, number: float) -> int | None:
        """Level of a continuous value under :attr:`breaks`; None (no zone) below the first."""
        level = sum(number >= b for b in self.breaks)
        return level or None

    def no_zone(self, value: Any) -> bool:
        """True when ``value`` is a number below the first break: no zone, not a bad value."""
        try:
            return bool(self.breaks) and float(value) < self.breaks[0]
        except (TypeError, ValueError):
            return False

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready form (stored with the zone source)."""
        return {"values": dict(self.values), "breaks": list(self.breaks)}


def _source_key(value: Any) -> str:
    # 3, 3.0 and "3" are the same class value in a GeoPackage, a Shapefile and a raster.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_level_map(spec: str | None) -> LevelMap:
    """Parse the CLI form: ``"1=5,2=4,3=3"`` (value=level pairs) or ``"breaks:0.01,0.5,1,2,3"``."""
    if not spec:
        return LevelMap()
    spec = spec.strip()
    if spec.startswith("breaks:"):
        try:
            breaks = tuple(float(b) for b in spec.removeprefix("breaks:").split(","))
        except ValueError as exc:
            raise BadQuery(f"breaks không hợp lệ / bad breaks '{spec}'") from exc
        return LevelMap(breaks=breaks)
    pairs: list[tuple[str, int]] = []
    for item in spec.split(","):
        src, sep, level = item.partition("=")
        if not sep or not level.strip().isdigit():
            raise BadQuery(
                f"ánh xạ mức không hợp lệ '{item}' (dạng giá_trị=mức) / bad level mapping "
                f"'{item}' (expected value=level)"
            )
        pairs.append((_source_key(src), int(level)))
    return LevelMap(values=tuple(pairs))
