"""Walking a large layer through OGC API items pages (``limit`` + ``next`` links), on SQLite
and PostGIS: every feature comes back exactly once, pages never exceed their limit, and the
property/bbox filters (answered from per-property indexes on the snapshot) match a plain
recomputation from the points we stored."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine

from layers import revision
from stations.sites import Site
from stations.store.sites import upsert_sites

MEDIA = ("surface_water", "groundwater", "ambient_air", "noise", "soil")
N = 1_234  # more than ten default pages, not a multiple of the page sizes used
ITEMS = "/ogc/collections/monitoring-points/items"


def _points() -> list[Site]:
    rng = random.Random(5)
    return [
        Site(
            id=f"P-{i:05d}",
            name=f"Điểm {i}",
            site_type="point",
            kind="point",
            medium=MEDIA[i % 5],
            lon=round(rng.uniform(106.1, 107.35), 5),
            lat=round(rng.uniform(21.35, 22.45), 5),
            synthetic=i % 3 == 0,
        )
        for i in range(N)
    ]


@pytest.fixture
def points(client: Any, engine: Engine) -> list[Site]:
    items = _points()
    with engine.begin() as conn:
        upsert_sites(conn, items, 0)
    revision.bump()  # a structural write: the next request rebuilds the snapshot
    return items


def _walk(client: Any, first: str, limit: int) -> tuple[list[str], int]:
    """Follow ``next`` links from ``first``; the ids in order and numberMatched."""
    ids: list[str] = []
    url: str | None = first
    matched = -1
    while url:
        body = client.get(url).json()
        assert body["numberReturned"] == len(body["features"]) <= limit
        matched = body["numberMatched"]
        ids += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = None
        if nxt:
            parts = urlsplit(nxt[0])
            url = f"{parts.path}?{parts.query}"
    return ids, matched


def test_walking_next_links_returns_every_point_once(client: Any, points: list[Site]) -> None:
    ids, matched = _walk(client, f"{ITEMS}?limit=97", 97)
    assert matched == N
    assert ids == sorted(p.id for p in points)  # each once, in id order


def test_default_page_is_bounded_and_links_onwards(client: Any, points: list[Site]) -> None:
    body = client.get(ITEMS).json()
    assert (body["numberMatched"], body["numberReturned"]) == (N, 100)
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "limit=100" in nxt and "offset=100" in nxt


FILTERS = [
    ("medium=groundwater", lambda p: p.medium == "groundwater"),
    ("synthetic=true&medium=noise", lambda p: p.synthetic and p.medium == "noise"),
    (
        "bbox=106.5,21.6,107.0,22.1&medium=soil",
        lambda p: p.medium == "soil" and 106.5 <= p.lon <= 107.0 and 21.6 <= p.lat <= 22.1,
    ),
    ("medium=nothing", lambda p: False),
]


def test_filtered_walks_match_the_stored_points(client: Any, points: list[Site]) -> None:
    for query, keep in FILTERS:
        ids, matched = _walk(client, f"{ITEMS}?{query}&limit=50", 50)
        expected = sorted(p.id for p in points if keep(p))
        assert ids == expected and matched == len(expected), query


def test_cached_pages_of_earlier_seconds_are_dropped(  # type: ignore[no-untyped-def]
    client, points: list[Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached page only answers within its second; a walk must not leave every page it
    served in the worker (100 pages of 1,000 points held ~50 MB, bench/points_scale.py)."""
    from service.web.routes import ogc as route

    now = [1_800_000_000]
    monkeypatch.setattr(route.time, "time", lambda: now[0])
    pages = [f"{ITEMS}?limit=100&offset={o}" for o in range(0, 500, 100)]
    first = [client.get(p).content for p in pages]
    snap = client.app.state.ctx.snapshots.get("monitoring-points")

    def cached() -> int:
        return sum(1 for k in snap.responses if k[0] == "items")

    assert cached() == len(pages)
    now[0] += 1
    again = client.get(pages[0]).content
    assert cached() == 1
    assert again.split(b'"timeStamp"')[0] == first[0].split(b'"timeStamp"')[0]  # same bytes
