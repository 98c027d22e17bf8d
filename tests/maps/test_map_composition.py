"""Map composition without a browser: colour tables, strings, the page, slim layers, export."""

from __future__ import annotations

import re

import pytest

from maps.assets import CSS_ASSETS, JS_ASSETS, inline_css, static_path
from maps.compose import MapOptions, province_bounds, render_map
from maps.export import inline_assets, slim_readings, snapshot_html, tile_range
from maps.i18n import STRINGS, pick_language
from maps.payload import slim_geometry, slim_points, slim_polygons
from maps.styles import AQI_CATEGORIES, STATION_STATES, aqi_swatch, style_tables, zone_levels

# VN_AQI classes and colours, QĐ 1459/QĐ-TCMT Bảng 1 (regulations.md §6).
AQI_CASES = [
    pytest.param(0, "good", "#00e400", id="0-good"),
    pytest.param(50, "good", "#00e400", id="50-good"),
    pytest.param(50.4, "good", "#00e400", id="50.4-rounds-down"),
    pytest.param(50.5, "moderate", "#ffff00", id="50.5-rounds-up"),
    pytest.param(100, "moderate", "#ffff00", id="100-moderate"),
    pytest.param(101, "poor", "#ff7e00", id="101-poor"),
    pytest.param(151, "bad", "#ff0000", id="151-bad"),
    pytest.param(201, "very_bad", "#8f3f97", id="201-very-bad"),
    pytest.param(301, "hazardous", "#7e0023", id="301-hazardous"),
    pytest.param(999, "hazardous", "#7e0023", id="above-500"),
]


@pytest.mark.parametrize(("value", "key", "colour"), AQI_CASES)
def test_aqi_colour(value: float, key: str, colour: str) -> None:
    swatch = aqi_swatch(value)
    assert swatch is not None and (swatch.key, swatch.colour) == (key, colour)


def test_aqi_missing_value_has_no_colour() -> None:
    assert aqi_swatch(None) is None


# QĐ 18/2021/QĐ-TTg Điều 4 colours in order: light blue, light yellow, orange, red, purple.
ZONE_CASES = [
    pytest.param(1, "#9fd3f2", id="1-light-blue"),
    pytest.param(2, "#fff2a8", id="2-light-yellow"),
    pytest.param(3, "#ff9a1f", id="3-orange"),
    pytest.param(4, "#e3211c", id="4-red"),
    pytest.param(5, "#7b2c91", id="5-purple"),
]


@pytest.mark.parametrize(("level", "colour"), ZONE_CASES)
def test_zone_level_colour(level: int, colour: str) -> None:
    row = next(r for r in zone_levels() if r["value"] == level)
    assert row["colour"] == colour and row["label_vi"] and row["label_en"]


def test_station_states_cover_the_issue_and_are_distinct() -> None:
    keys = [s.key for s in STATION_STATES]
    for wanted in ("compliant", "near_limit", "exceeding", "offline", "fault"):
        assert wanted in keys
    assert len({s.colour for s in STATION_STATES}) == len(STATION_STATES)
    assert len(AQI_CATEGORIES) == 6


def test_both_languages_have_the_same_strings() -> None:
    assert set(STRINGS["vi"]) == set(STRINGS["en"])
    assert all(v.strip() for lang in STRINGS.values() for v in lang.values())
    assert (
        pick_language("en") == "en" and pick_language("fr") == "vi" and pick_language(None) == "vi"
    )


def test_every_string_the_script_uses_exists() -> None:
    script = static_path("quantrac/map.js")
    assert script is not None
    used = set(re.findall(r'\.t\("([a-z_0-9]+)"\)', script.read_text(encoding="utf-8")))
    assert used <= set(STRINGS["vi"]), sorted(used - set(STRINGS["vi"]))


def test_page_links_only_local_assets() -> None:
    html = render_map(MapOptions(lang="en"))
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    foreign = set(re.findall(r"https?://[^\"' )\\]+", html))
    # The OpenStreetMap attribution link only: the optional base comes through our proxy.
    assert {u.split("/")[2] for u in foreign} <= {"www.openstreetmap.org"}
    assert "/public/basemap/{z}/{x}/{y}.png" in html
    for _name, rel in (*JS_ASSETS, *CSS_ASSETS):
        assert f"/static/map/{rel}" in html
        assert static_path(rel) is not None
    assert "quantracMap.start(" in html
    assert "<title>Lạng Sơn environmental monitoring map</title>" in html


def test_static_path_refuses_to_leave_the_folder() -> None:
    assert static_path("../compose.py") is None
    assert static_path("vendor/leaflet-1.9.3/leaflet.js") is not None


def test_inlined_css_has_no_relative_urls() -> None:
    css = inline_css("vendor/leaflet-1.9.3/leaflet.css")
    assert "url(images/" not in css and "data:image/png;base64," in css


def test_province_bounds_are_lang_son() -> None:
    (south, west), (north, east) = province_bounds()
    assert (
        21.2 < south < 21.5
        and 22.3 < north < 22.6
        and 106.0 < west < 106.2
        and 107.2 < east < 107.5
    )


def test_tile_range_covers_the_province() -> None:
    cols, rows = tile_range(province_bounds(), 9)
    assert list(cols) == [406, 407, 408] and list(rows) == [223, 224]


def test_slim_points_keep_marker_properties_only() -> None:
    feature = {
        "type": "Feature",
        "id": "P1",
        "geometry": {"type": "Point", "coordinates": [106.123456789, 21.987654321]},
        "properties": {
            "id": "P1",
            "name": "Điểm 1",
            "medium": "surface_water",
            "status": "exceeds",
            "exceedances": [{"parameter": "BOD5"}],
            "results": {
                "BOD5": {
                    "value": 9.0,
                    "unit": "mg/L",
                    "limit": "6",
                    "ratio": 1.5,
                    "verdict": "exceeds",
                    "regulation": "QCVN 08:2023/BTNMT",
                    "sampled_at": "2026-05-01T09:00:00+07:00",
                    "message": "x",
                }
            },
        },
    }
    slim = slim_points([feature])["features"][0]
    assert slim["geometry"]["coordinates"] == [106.12346, 21.98765]
    assert slim["properties"]["n_exceedances"] == 1 and "results" not in slim["properties"]
    full = slim_points([feature], results=True)["features"][0]["properties"]
    assert full["results"]["BOD5"] == {
        "value": 9.0,
        "unit": "mg/L",
        "limit": "6",
        "ratio": 1.5,
        "verdict": "exceeds",
    }
    assert full["regulations"] == ["QCVN 08:2023/BTNMT"]


def test_slim_polygons_simplify_and_round() -> None:
    ring = [[106.0 + i * 0.0001, 21.0 + (i % 2) * 0.00001] for i in range(100)]
    ring += [[106.01, 21.01], [106.0, 21.01], ring[0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    slim = slim_geometry(geometry)
    assert slim is not None and len(slim["coordinates"][0]) < 10
    fc = slim_polygons([{"type": "Feature", "geometry": geometry, "properties": {"level": 3}}])
    assert fc["features"][0]["properties"] == {"level": 3}


def test_snapshot_inlines_assets_and_data() -> None:
    data = {
        "stations": {"type": "FeatureCollection", "features": []},
        "alerts": [],
        "readings": {},
    }
    html = snapshot_html(data, generated_at="2026-11-21T10:00:00+07:00")
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert "/static/map/" not in html
    assert "Leaflet" in html and "quantracMap" in html
    assert inline_assets('<script src="/static/map/other.js"></script>') == (
        '<script src="/static/map/other.js"></script>'
    )


def test_slim_readings_keep_time_and_mean() -> None:
    body = {
        "series": [
            {
                "parameter": "COD",
                "unit": "mg/L",
                "name_vi": "x",
                "points": [{"time": "t1", "mean": 12.3456789, "min": 1, "max": 2}],
            }
        ]
    }
    assert slim_readings(body) == {
        "series": [{"parameter": "COD", "unit": "mg/L", "points": [{"time": "t1", "mean": 12.35}]}]
    }


def test_style_tables_are_json_ready() -> None:
    import json

    tables = style_tables()
    json.dumps(tables)
    assert tables["zone_levels"][0]["key"] == "1"
