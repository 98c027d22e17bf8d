"""Administrative areas: the bundled province outline and commune polygons from the department."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from layers import revision
from layers.errors import RowError, ZoneImportRejected
from layers.vector_io import check_polygons, read_vector
from layers.zones import slugify
from layers.zones_store import geometry_columns, replace_communes

PROVINCE_OUTLINE = Path(__file__).parent / "data" / "lang-son-province.geojson"
PROVINCE_SOURCE = "echarts-countries-pypkg 0.1.6 (MIT), ~100 m precision; layers/data/README.md"


def load_province_outline(engine: Engine, now: int) -> int:
    """Store the bundled province outline as the ``province`` area; returns 1."""
    layer = check_polygons(read_vector(PROVINCE_OUTLINE), PROVINCE_OUTLINE.name)
    row = {
        "id": "lang-son",
        "name": "Tỉnh Lạng Sơn",
        "level": "province",
        "district_former": None,
        "source": PROVINCE_SOURCE,
        "synthetic": False,
        "imported_at": now,
        **geometry_columns(layer.features[0].geometry),
    }
    with engine.begin() as conn:
        replace_communes(conn, [row], level="province")
    revision.bump()
    return 1


def import_communes(
    engine: Engine,
    path: Path,
    *,
    now: int,
    name_field: str = "name",
    id_field: str | None = None,
    district_field: str | None = None,
    source: str | None = None,
) -> int:
    """Replace all commune polygons with those of ``path`` (all or nothing); returns the count."""
    frame = read_vector(path)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for wanted in (name_field, id_field, district_field):
        if wanted and wanted not in columns:
            raise ZoneImportRejected.whole_file(
                path.name,
                f"không có trường '{wanted}' / no field '{wanted}'; fields: {', '.join(columns)}",
            )
    layer = check_polygons(frame, path.name, name_field=name_field)
    rows, seen, errors = [], set(), []
    for f in layer.features:
        name = f.attributes.get(name_field)
        ident = str(f.attributes.get(id_field) or "") if id_field else slugify(str(name or ""))
        if not name or not ident or ident in seen:
            why = "thiếu tên / no name" if not name else f"mã trùng / duplicate id '{ident}'"
            errors.append(RowError(f.row, id_field or name_field, f"feature {f.row}: {why}"))
            continue
        seen.add(ident)
        rows.append(
            {
                "id": ident,
                "name": str(name),
                "level": "commune",
                "district_former": f.attributes.get(district_field) if district_field else None,
                "source": source or path.name,
                "synthetic": False,
                "imported_at": now,
                **geometry_columns(f.geometry),
            }
        )
    if errors:
        raise ZoneImportRejected(path.name, errors)
    with engine.begin() as conn:
        replace_communes(conn, rows, level="commune")
    revision.bump()
    return len(rows)
