"""``/api/stations/{id}/rain``, ``/api/warnings`` and ``/api/warnings.cap`` (CAP 1.2 XSD)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from layers.warnings import replay
from service.database import make_engine
from tests.warnings.scenario import STEP, T0, load_places, storm, write_rain

XSD = Path(__file__).resolve().parents[2] / "layers" / "data" / "cap" / "CAP-v1.2.xsd"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


@pytest.fixture
def stormy(settings, client, tmp_path: Path):
    """The scenario's storm replayed up to the peak of the storm day."""
    engine = make_engine(settings.db_url)
    load_places(engine, tmp_path)
    series = storm([0, 0, 20, 150])
    write_rain(engine, "G1", series)
    write_rain(engine, "G2", series)
    end = T0 + (len(series) - 1) * STEP
    replay(engine, end - 6 * 3600, end, step_s=3600)
    engine.dispose()
    return client, end


def test_cap_document_validates_against_the_oasis_schema(stormy) -> None:
    client, _ = stormy
    res = client.get("/api/warnings.cap")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/cap+xml")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    doc = etree.fromstring(res.content)
    schema.assertValid(doc)
    infos = doc.findall(f"{CAP}info")
    # Communes A (level 2) and B (level 1), each in Vietnamese and English; C has no data.
    assert sorted(i.findtext(f"{CAP}language") for i in infos) == [
        "en-US",
        "en-US",
        "vi-VN",
        "vi-VN",
    ]
    severities = {
        i.findtext(f"{CAP}area/{CAP}areaDesc"): i.findtext(f"{CAP}severity") for i in infos
    }
    assert severities == {"Xã A": "Severe", "Xã B": "Moderate"}
    polygon = infos[0].findtext(f"{CAP}area/{CAP}polygon").split()
    assert len(polygon) >= 4 and polygon[0] == polygon[-1]  # closed ring, lat,lon pairs
    assert polygon[0].startswith("21.8")


def test_warnings_geojson_has_the_rain_behind_each_level(stormy) -> None:
    client, _ = stormy
    res = client.get("/api/warnings")
    assert res.status_code == 200
    props = {f["id"]: f["properties"] for f in res.json()["features"]}
    a = props["commune:A"]
    assert (a["issued_level"], a["status"], a["provisional"]) == (2, "assessed", True)
    assert 140 < a["rain24_mm"] <= 150 and a["colour"] == "#fff2a8"  # Điều 4: vàng nhạt
    assert a["gauges"][0]["station"] == "G1" and "Điều 46" in a["citation"]
    assert props["commune:C"]["status"] == "no_data" and props["commune:C"]["issued_level"] is None
    assert any(k.startswith("zone:") for k in props)


def test_gauge_rain_api_and_bad_requests(stormy) -> None:
    client, end = stormy
    res = client.get(
        "/api/stations/G1/rain", params={"start": "2026-06-01", "end": "2026-06-01T01:00"}
    )
    assert res.status_code == 200, res.text
    res = client.get("/api/stations/G1/rain", params={"end": f"@{end}"})
    assert res.status_code == 400 and "ISO 8601" in res.json()["detail"]
    from stations.timeutil import epoch_to_local_iso

    res = client.get("/api/stations/G1/rain", params={"end": epoch_to_local_iso(end)})
    last = res.json()["intervals"][-1]
    assert last["sums_mm"]["24h"] == pytest.approx(150) and last["swi_mm"] > 100
    assert client.get("/api/stations/nope/rain").status_code == 404
    too_long = {"start": "2026-01-01", "end": "2026-03-01"}
    assert client.get("/api/stations/G1/rain", params=too_long).status_code == 400
