"""OGC API - Features Part 1 (Core, GeoJSON) and Part 2 (CRS) documents, independent of the web
framework.

The service's router only passes the base URL, the snapshot and the parsed query here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from layers.cql2 import CONFORMANCE as CQL2_CONFORMANCE
from layers.crs import CRS84_URI
from layers.ogc_crs import OGC_CRS, PART2_CONFORMANCE, crs_member, reproject
from layers.query import FeatureQuery
from layers.registry import COLLECTIONS, Collection
from layers.snapshot import Snapshot

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    PART2_CONFORMANCE,
    *CQL2_CONFORMANCE,
]


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing(base: str) -> dict[str, Any]:
    """The landing page (``/ogc``)."""
    root = base.rsplit("/ogc", 1)[0]
    return {
        "title": "quantrac — lớp bản đồ quan trắc môi trường Lạng Sơn",
        "description": "OGC API - Features: trạm, điểm quan trắc, vùng sạt lở/ngập, ranh giới / "
        "stations, monitoring points, landslide and flood zones, boundaries",
        "links": [
            _link(f"{base}", "self", JSON, "this document"),
            _link(f"{root}/openapi.json", "service-desc", OPENAPI, "API definition"),
            _link(f"{root}/docs", "service-doc", "text/html", "API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance declaration."""
    return {"conformsTo": CONFORMANCE}


def collection_doc(base: str, snap: Snapshot) -> dict[str, Any]:
    """One collection's metadata, with its spatial and temporal extent."""
    c: Collection = snap.collection
    href = f"{base}/collections/{c.id}"
    extent: dict[str, Any] = {
        "spatial": {"bbox": [snap.extent or [-180.0, -90.0, 180.0, 90.0]], "crs": CRS84_URI}
    }
    if c.temporal:
        t = snap.time_extent
        iso = (
            [datetime.fromtimestamp(v, UTC).isoformat().replace("+00:00", "Z") for v in t]
            if t
            else [None, None]
        )
        extent["temporal"] = {
            "interval": [iso],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": c.id,
        "title": f"{c.title_vi} / {c.title_en}",
        "description": c.description,
        "itemType": "feature",
        "crs": list(OGC_CRS.values()),
        "storageCrs": CRS84_URI,
        "extent": extent,
        "links": [
            _link(href, "self", JSON, "this collection"),
            _link(f"{href}/items", "items", GEOJSON, "features (GeoJSON)"),
            _link(
                f"{href}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "queryable properties",
            ),
        ],
    }


def collections_doc(base: str, snaps: list[Snapshot]) -> dict[str, Any]:
    """All collections."""
    return {
        "links": [_link(f"{base}/collections", "self", JSON, "collections")],
        "collections": [collection_doc(base, s) for s in snaps],
    }


def queryables_doc(base: str, collection: Collection) -> dict[str, Any]:
    """JSON Schema of the queryable properties (equality filters)."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{collection.id}/queryables",
        "type": "object",
        "title": collection.title_en,
        "properties": {
            **{
                k: {"type": p.type, "description": p.description}
                for k, p in collection.queryables.items()
            },
            # For S_INTERSECTS in a CQL2 filter (Part 3).
            "geometry": {"format": "geometry-any", "description": "CRS84"},
        },
    }


def items_body(base: str, snap: Snapshot, query: FeatureQuery, params: dict[str, str]) -> bytes:
    """The items page as GeoJSON bytes, with numberMatched/numberReturned and paging links."""
    matched = snap.select(query)
    page = matched[query.offset : query.offset + query.limit]
    href = f"{base}/collections/{snap.collection.id}/items"

    def url(offset: int) -> str:
        args = {k: v for k, v in params.items() if k not in ("offset", "f")}
        args.update(limit=str(query.limit), offset=str(offset))
        return f"{href}?{urlencode(args)}"

    links = [
        _link(url(query.offset), "self", GEOJSON, "this page"),
        _link(f"{base}/collections/{snap.collection.id}", "collection", JSON, "the collection"),
    ]
    if query.offset + query.limit < len(matched):
        links.append(_link(url(query.offset + query.limit), "next", GEOJSON, "next page"))
    if query.offset > 0:
        links.append(
            _link(url(max(0, query.offset - query.limit)), "prev", GEOJSON, "previous page")
        )
    tail: dict[str, Any] = {"crs": crs_member(query.crs)} if query.crs != "EPSG:4326" else {}
    tail |= {
        "numberMatched": len(matched),
        "numberReturned": len(page),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }
    return b"".join(
        (
            b'{"type":"FeatureCollection","features":[',
            b",".join(_encoded(snap, i, query.crs) for i in page),
            b"],",
            json.dumps(tail, ensure_ascii=False, separators=(",", ":"))[1:].encode(),
        )
    )


def _encoded(snap: Snapshot, i: int, crs: str) -> bytes:
    return snap.encoded[i] if crs == "EPSG:4326" else reproject(snap.encoded[i], crs)


def content_crs(crs: str) -> dict[str, str]:
    """The ``Content-Crs`` header of an answer in ``crs`` (Part 2)."""
    return {"Content-Crs": f"<{OGC_CRS[crs]}>"}


def item_body(base: str, snap: Snapshot, fid: str, crs: str = "EPSG:4326") -> bytes | None:
    """One feature with its links, or None if the id is unknown."""
    i = snap.index.get(fid)
    if i is None:
        return None
    href = f"{base}/collections/{snap.collection.id}"
    links = [
        _link(f"{href}/items/{fid}", "self", GEOJSON, "this feature"),
        _link(href, "collection", JSON, "the collection"),
    ]
    feature = _encoded(snap, i, crs)
    return feature[:-1] + b',"links":' + json.dumps(links, separators=(",", ":")).encode() + b"}"


def collection_ids() -> list[str]:
    """Ids of every published collection, in registry order."""
    return list(COLLECTIONS)
