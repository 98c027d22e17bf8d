"""The site registry: a file with any bad row imports nothing and names every bad row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from stations.errors import ImportRejected
from stations.registry import load_points, load_stations, parse_stations

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"

GOOD = {
    "id": "LS_TEST_KK01",
    "name": "Trạm thử",
    "kind": "air",
    "lon": "106.76",
    "lat": "21.85",
    "facility": "Sở NN&MT",
    "commune": "Tam Thanh",
    "parameters": "PM2.5;PM10",
}


def row(**changes: str) -> dict[str, str]:
    out = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            out.pop(key)
        else:
            out[key] = value
    return out


def test_demo_registry_has_the_13_stations() -> None:
    sites = load_stations(DEMO / "stations.yaml")
    assert len(sites) == 13
    kinds = [s.kind for s in sites]
    assert (kinds.count("air"), kinds.count("fluegas"), kinds.count("wastewater")) == (3, 6, 4)
    assert all(s.synthetic for s in sites)


def test_demo_points_are_163_with_media() -> None:
    points = load_points(DEMO / "points.csv")
    assert len(points) == 163
    assert {p.medium for p in points} == {
        "surface_water",
        "groundwater",
        "ambient_air",
        "noise",
        "soil",
    }
    assert all(p.config.get("water_class") for p in points if p.medium == "surface_water")


def test_units_default_by_kind_and_explicit_override() -> None:
    [air, stack] = parse_stations(
        [row(), row(id="LS_X_KHI01", kind="fluegas", parameters="SO2;O2;Dust:g/Nm³")]
    )
    assert air.parameters == {"PM2.5": "µg/Nm³", "PM10": "µg/Nm³"}
    assert stack.parameters["SO2"] == "mg/Nm³"
    assert stack.parameters["Dust"] == "g/Nm³"


def test_permit_fields_are_read() -> None:
    [site] = parse_stations(
        [
            row(
                kind="wastewater",
                parameters="COD;pH",
                regulation="QCVN 40:2011/BTNMT",
                column="b",
                kq="0.9",
                kf="1,1",
                limits="COD=100;pH=5.5-9",
            )
        ]
    )
    assert site.permit is not None
    assert site.permit.column_class == "B"
    assert site.permit.coefficients == {"Kq": 0.9, "Kf": 1.1}
    assert site.permit.limits == {"COD": 100.0, "pH": [5.5, 9.0]}


BAD_ROWS = [
    pytest.param(row(lon="2.35", lat="48.85"), "lon/lat", id="outside-vietnam"),
    pytest.param(row(lon="abc"), "lon", id="lon-not-a-number"),
    pytest.param(row(kind="river"), "kind", id="unknown-kind"),
    pytest.param(row(name=""), "name", id="empty-name"),
    pytest.param(row(parameters="PM2.5;XYZ"), "parameters", id="unknown-parameter"),
    pytest.param(row(id="bad id/../x"), "id", id="bad-id-characters"),
    pytest.param(row(basis="7d"), "basis", id="bad-basis"),
    pytest.param(row(o2_ref="25"), "o2_ref", id="o2-out-of-range"),
    pytest.param(row(limits="COD100"), "limits", id="bad-limit-syntax"),
    pytest.param(row(source="carrier-pigeon"), "source", id="unknown-source"),
]


@pytest.mark.parametrize(("bad", "column"), BAD_ROWS)
def test_each_kind_of_bad_row_is_named(bad: dict[str, str], column: str) -> None:
    with pytest.raises(ImportRejected) as info:
        parse_stations([row(id="LS_OK_1"), bad])
    assert [(e.row, e.column) for e in info.value.errors] == [(3, column)]


def test_missing_column_and_duplicate_id_are_named() -> None:
    with pytest.raises(ImportRejected) as info:
        parse_stations([row(commune=None)])
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "commune")]
    with pytest.raises(ImportRejected) as info:
        parse_stations([row(), row()])
    assert [(e.row, e.column) for e in info.value.errors] == [(3, "id")]
    assert "row 2" in info.value.errors[0].message


def test_every_bad_row_is_reported_at_once() -> None:
    with pytest.raises(ImportRejected) as info:
        parse_stations([row(id="A1", kind="x"), row(id="A2"), row(id="A3", lat="99")])
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "kind"), (4, "lon/lat")]
    assert "nothing imported" in str(info.value)


def test_csv_with_bom_and_yaml_are_read(tmp_path: Path) -> None:
    csv_file = tmp_path / "s.csv"
    csv_file.write_text(
        ",".join(GOOD) + "\n" + ",".join(GOOD.values()) + "\n", encoding="utf-8-sig"
    )
    assert load_stations(csv_file)[0].name == "Trạm thử"
    bad_yaml = tmp_path / "s.yaml"
    bad_yaml.write_text("just a string\n", encoding="utf-8")
    with pytest.raises(ImportRejected):
        load_stations(bad_yaml)
