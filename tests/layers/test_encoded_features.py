"""Snapshots keep features as encoded bytes in one buffer (issue 20: the 100k-point layer held
a dict per feature in every worker): the same bytes and features come back, and building from
a stream holds the bytes, not the dicts."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, select

from layers.encoded_features import DecodedFeatures, FeatureBuffer, encode_feature
from layers.points_layer import iter_point_features
from layers.registry import COLLECTIONS
from layers.snapshot import Snapshot
from service.bootstrap import import_points
from stations.store.schema import sites
from tests.layers.conftest import DEMO


def _point(i: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": f"P{i:06d}",
        "geometry": {"type": "Point", "coordinates": [106.0 + i * 1e-5, 21.0 + i * 2e-5]},
        "properties": {"id": f"P{i:06d}", "name": f"Điểm {i}", "medium": "surface_water",
                       "commune": "Tam Thanh", "round": None, "results": {"pH": {"v": i % 9}},
                       "landslide_level": i % 5 or None, "flood_level_vi": "Thấp"},
    }  # fmt: skip


POLYGON = {
    "type": "Feature",
    "id": 7,
    "geometry": {"type": "Polygon", "coordinates": [[[106, 21], [107, 21], [107, 22], [106, 21]]]},
    "properties": {"name": "vùng"},
}
CASES = [
    pytest.param([], id="empty"),
    pytest.param([_point(0)], id="one"),
    pytest.param([_point(i) for i in range(50)] + [POLYGON], id="points-and-a-polygon"),
]


@pytest.mark.parametrize("features", CASES)
def test_bytes_and_features_round_trip(features: list[dict[str, Any]]) -> None:
    buffer = FeatureBuffer()
    for f in features:
        buffer.append(encode_feature(f))
    encoded = buffer.freeze()
    assert list(encoded) == [encode_feature(f) for f in features]
    assert [encoded[i] for i in range(len(features))] == list(encoded)
    decoded = DecodedFeatures(encoded)
    assert len(decoded) == len(features) and list(decoded) == features
    assert decoded[1:3] == features[1:3] and encoded[1:3] == list(encoded)[1:3]
    if features:
        assert decoded[-1] == features[-1] and encoded[-1] == list(encoded)[-1]
        decoded[0]["properties"]["changed"] = True  # a caller's copy, not the snapshot's
        assert "changed" not in decoded[0]["properties"]
    with pytest.raises(IndexError):
        encoded[len(features)]


def test_a_streamed_build_equals_a_list_build() -> None:
    features = [_point(i) for i in range(200)] + [POLYGON]
    collection = COLLECTIONS["monitoring-points"]
    listed = Snapshot.build(collection, (1,), {"features": features})
    streamed = Snapshot.build(collection, (1,), {"features": iter(features)})
    assert list(streamed.encoded) == list(listed.encoded) == [encode_feature(f) for f in features]
    assert np.array_equal(streamed.bounds, listed.bounds)
    assert streamed.bounds[-1].tolist() == [106.0, 21.0, 107.0, 22.0]
    assert streamed.bounds[3].tolist() == [106.00003, 21.00006, 106.00003, 21.00006]
    assert streamed.index == listed.index == {str(f["id"]): i for i, f in enumerate(features)}
    assert list(streamed.features) == features


def test_a_streamed_build_holds_the_bytes_not_the_dicts() -> None:
    n = 20_000

    def stream() -> Iterator[dict[str, Any]]:
        return (_point(i) for i in range(n))

    as_dicts = [_point(i) for i in range(2000)]  # what one feature's dict costs, measured
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        held = [_point(i) for i in range(2000)]
        per_dict = (tracemalloc.get_traced_memory()[0] - base) / len(held)
        del held
        base = tracemalloc.get_traced_memory()[0]
        snap = Snapshot.build(COLLECTIONS["monitoring-points"], (1,), {"features": stream()})
        kept = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    blob = len(snap.encoded.blob)
    assert len(snap.encoded) == n and blob == sum(len(encode_feature(f)) for f in stream())
    # the buffer, offsets, bounds, times and id index; a dict per feature would be > n·per_dict
    assert kept < blob * 1.3 + n * 150
    assert kept < n * per_dict / 2
    assert as_dicts[5] == json.loads(snap.encoded[5])


def test_streamed_points_read_only_the_columns_they_show(engine: Engine) -> None:
    """Every active point once, by id, with its CSV fields (stations/demo/points.csv)."""
    import_points(engine, DEMO / "points.csv")
    with engine.connect() as conn:
        streamed = list(iter_point_features(conn))
        ids = conn.execute(
            select(sites.c.id).where(sites.c.site_type == "point").order_by(sites.c.id)
        ).scalars()
        assert [f["id"] for f in streamed] == list(ids)
    first = next(f for f in streamed if f["id"] == "LS-NM-001")
    assert first["geometry"] == {"type": "Point", "coordinates": [106.83018, 21.81096]}
    props = first["properties"]
    assert (props["id"], props["medium"], props["water_class"], props["commune"]) == (
        "LS-NM-001", "surface_water", "D", "Kỳ Lừa")  # fmt: skip
    assert props["synthetic"] is True and props["round"] is None
