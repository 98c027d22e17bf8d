"""Shapefile field names: at most 10 characters, unique, from the documented word table."""

from __future__ import annotations

import pytest

from layers.registry import COLLECTIONS
from layers.shapefile_names import LIMIT, mapping, short_name


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("landslide_level", "ls_lvl"),
        ("landslide_level_vi", "ls_lvl_vi"),
        ("flood_level_en", "fl_lvl_en"),
        ("district_former", "dist_old"),
        ("last_observed_at", "last_obs_a"),
        ("wqi", "wqi"),
    ],
)
def test_known_names(name: str, short: str) -> None:
    assert short_name(name) == short


@pytest.mark.parametrize("collection", list(COLLECTIONS))
def test_every_collection_maps_to_unique_short_names(collection: str) -> None:
    names = [*COLLECTIONS[collection].properties, "units", "pm2_5", "coliform"]
    shorts = list(mapping(names).values())
    assert all(len(s) <= LIMIT for s in shorts)
    assert len({s.lower() for s in shorts}) == len(shorts)


def test_clashes_are_numbered() -> None:
    assert mapping(["abcdefghijk_1", "abcdefghijk_2"]) == {
        "abcdefghijk_1": "abcdefghij",
        "abcdefghijk_2": "abcdefgh_2",
    }
