"""Generate the synthetic demo file of the 163 periodic monitoring points (points.csv).

Deterministic (seeded). Points are scattered around each former district's seat and kept inside
the province outline. Every row is labelled synthetic. Run: python scripts/make_demo_points.py
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parent.parent
OUTLINE = ROOT / "layers" / "data" / "lang-son-province.geojson"
OUT = ROOT / "stations" / "demo" / "points.csv"

# Former district (before 2025-07-01): (seat lon, lat, communes of today used for the demo, code).
DISTRICTS = {
    "Thành phố Lạng Sơn": (
        106.760,
        21.850,
        ["Tam Thanh", "Lương Văn Tri", "Kỳ Lừa", "Đông Kinh"],
        "TP",
    ),
    "Cao Lộc": (106.840, 21.920, ["Cao Lộc", "Đồng Đăng", "Hồng Phong", "Ba Sơn"], "CL"),
    "Văn Lãng": (106.590, 22.030, ["Na Sầm", "Hoàng Văn Thụ", "Thụy Hùng"], "VL"),
    "Tràng Định": (106.460, 22.290, ["Thất Khê", "Đoàn Kết", "Quốc Khánh"], "TD"),
    "Bình Gia": (106.320, 22.060, ["Bình Gia", "Hồng Phong (Bình Gia)", "Tân Văn"], "BG"),
    "Văn Quan": (106.540, 21.860, ["Văn Quan", "Điềm He", "Tri Lễ"], "VQ"),
    "Bắc Sơn": (106.320, 21.900, ["Bắc Sơn", "Hưng Vũ", "Vũ Lăng"], "BS"),
    "Hữu Lũng": (106.340, 21.510, ["Hữu Lũng", "Đông Tân", "Tuấn Sơn", "Vân Nham"], "HL"),
    "Chi Lăng": (106.620, 21.670, ["Chi Lăng", "Đồng Mỏ", "Quan Sơn", "Nhân Lý"], "CG"),
    "Lộc Bình": (106.930, 21.760, ["Lộc Bình", "Na Dương", "Mẫu Sơn", "Lợi Bác"], "LB"),
    "Đình Lập": (107.100, 21.540, ["Đình Lập", "Thái Bình", "Châu Sơn"], "DL"),
}
# 163 points: media shares of a typical provincial programme.
MEDIA = [
    ("surface_water", 62),
    ("groundwater", 30),
    ("ambient_air", 38),
    ("noise", 20),
    ("soil", 13),
]
LABEL = {
    "surface_water": "Nước mặt",
    "groundwater": "Nước dưới đất",
    "ambient_air": "Không khí xung quanh",
    "noise": "Tiếng ồn",
    "soil": "Đất",
}
PREFIX = {
    "surface_water": "NM",
    "groundwater": "NN",
    "ambient_air": "KK",
    "noise": "TO",
    "soil": "DAT",
}


def main() -> None:
    rng = random.Random(20261121)
    outline = shape(json.loads(OUTLINE.read_text())["features"][0]["geometry"])
    media = [m for m, n in MEDIA for _ in range(n)]
    assert len(media) == 163
    names = list(DISTRICTS)
    rows = []
    counters: dict[str, int] = {}
    for i, medium in enumerate(media):
        district = names[i % len(names)]
        lon0, lat0, communes, _code = DISTRICTS[district]
        while True:
            lon = round(lon0 + rng.uniform(-0.08, 0.08), 5)
            lat = round(lat0 + rng.uniform(-0.06, 0.06), 5)
            if outline.contains(Point(lon, lat)):
                break
        counters[medium] = counters.get(medium, 0) + 1
        point_id = f"LS-{PREFIX[medium]}-{counters[medium]:03d}"
        commune = rng.choice(communes)
        water_class = rng.choice("ABBBCCD") if medium == "surface_water" else ""
        rows.append(
            {
                "id": point_id,
                "name": f"{LABEL[medium]} — {commune} ({district}) #{counters[medium]}",
                "medium": medium,
                "lon": lon,
                "lat": lat,
                "commune": commune,
                "district_former": district,
                "water_class": water_class,
                "synthetic": "yes",
            }
        )
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
