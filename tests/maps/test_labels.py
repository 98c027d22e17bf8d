"""Every label the map shows exists in Vietnamese and English, and means the right thing.

Parameter names come from two catalogues: the automatic stations' (stations/data/parameters.csv)
and the laboratory's (stations/data/lab_parameters.csv, by code *and* medium). The popups of
monitoring points name results from the laboratory catalogue for the point's medium.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from maps.compose import MapOptions, page_config, parameter_names, point_parameter_names
from maps.i18n import STRINGS
from maps.styles import STATION_STATE_ORDER, STATION_STATES, style_tables
from stations.programme.catalogue import lab_catalogue

LIMITS_DIR = Path(__file__).resolve().parents[2] / "stations" / "data" / "limits"


@pytest.mark.parametrize(
    ("medium", "code", "vi", "en"),
    [
        # QCVN 08:2023/BTNMT Bảng 1: NO2- (nitrite, as N) in surface water, mg/L.
        ("surface_water", "NO2", "Nitrit", "Nitrite"),
        # QCVN 09:2023/BTNMT: nitrite in groundwater too.
        ("groundwater", "NO2", "Nitrit", "Nitrite"),
        # QCVN 05:2023/BTNMT: NO2 in ambient air is nitrogen dioxide, µg/Nm³.
        ("ambient_air", "NO2", "Nitơ đioxit", "Nitrogen dioxide"),
        # QCVN 08:2023/BTNMT Bảng 1: "Tổng dầu, mỡ" (oil and grease).
        ("surface_water", "Oil", "Dầu mỡ", "Oil and grease"),
    ],
)
def test_point_parameters_are_named_for_their_medium(
    medium: str, code: str, vi: str, en: str
) -> None:
    names = point_parameter_names()[medium][code]
    assert names["vi"].startswith(vi), names
    assert names["en"].startswith(en), names


def _limit_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(LIMITS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows += [{**r, "file": path.name} for r in csv.DictReader(fh)]
    return rows


def test_every_limited_parameter_has_a_name_in_both_languages() -> None:
    """A parameter with a limit can be shown in a popup: it needs both names for its medium."""
    lab = point_parameter_names()
    station = parameter_names()
    missing = []
    for row in _limit_rows():
        medium, code = row.get("medium", ""), row.get("parameter", "")
        if not code:
            continue
        names = lab.get(medium, {}).get(code) or station.get(code)
        if not names or not names["vi"].strip() or not names["en"].strip():
            missing.append((row["file"], medium, code))
    assert missing == []


def test_every_catalogue_name_is_bilingual_and_not_a_code() -> None:
    for (code, medium), p in lab_catalogue().items():
        assert p.name_vi.strip() and p.name_en.strip(), (code, medium)
    for code, names in parameter_names().items():
        assert names["vi"].strip() and names["en"].strip(), code


def test_every_medium_and_swatch_label_exists_in_both_languages() -> None:
    media = {medium for _code, medium in lab_catalogue()}
    for lang in ("vi", "en"):
        assert {f"medium_{m}" for m in media} <= set(STRINGS[lang]), lang
    tables = style_tables()
    for key in ("station_states", "aqi", "point_results", "zone_levels"):
        for swatch in tables[key]:
            assert swatch["label_vi"].strip() and swatch["label_en"].strip(), (key, swatch)
    for c in page_config(MapOptions(), "vi")["export_crs"]:
        assert c["label_vi"].strip() and c["label_en"].strip()


def test_every_station_state_has_a_drawing_rank() -> None:
    """A state left out of the order would be drawn under the others."""
    assert {s.key for s in STATION_STATES} <= set(STATION_STATE_ORDER)
    assert STATION_STATE_ORDER[0] == "exceeding"
