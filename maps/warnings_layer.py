"""The warning overlays of the staff map: the live QĐ 18/2021 level per commune and per hazard
zone, in the Điều 4 colours, with the rain behind each level in the popup.

A self-contained element (its own script, ``static/quantrac/warnings.js``, no change to
``static/quantrac/map.js``): it fetches ``/api/warnings`` every minute, fills two overlays, adds
them to the layer control, and switches the commune overlay on by itself when any commune is
above level 0.
"""

from __future__ import annotations

from typing import Any

import folium
from folium.template import Template

from layers.levels import LEVELS

WARNINGS_JS = "{}/quantrac/warnings.js"  # under the static prefix
STRINGS = {
    "vi": {
        "communes": "Cảnh báo lũ quét, sạt lở theo xã (QĐ 18/2021)",
        "zones": "Cảnh báo lũ quét, sạt lở theo vùng nguy cơ",
        "level": "Cấp độ rủi ro",
        "no_data": "Không có số liệu mưa (không phải mưa bằng 0)",
        "not_assessed": "Chưa đánh giá: ngưỡng chưa có, cán bộ nhập",
        "rain24": "Mưa 24 giờ",
        "prior": "Số ngày mưa trước đó",
        "swi": "Chỉ số ẩm đất (SWI)",
        "gauges": "Trạm đo mưa",
        "provisional": "ngưỡng tạm thời",
        "synthetic": "dữ liệu mô phỏng",
        "legend": "Cấp độ rủi ro (QĐ 18/2021)",
    },
    "en": {
        "communes": "Flash-flood / landslide warning by commune (Decision 18/2021)",
        "zones": "Flash-flood / landslide warning by hazard zone",
        "level": "Risk level",
        "no_data": "No rain data (not zero rain)",
        "not_assessed": "Not assessed: threshold missing, an officer enters it",
        "rain24": "Rain in 24 h",
        "prior": "Prior rain days",
        "swi": "Soil-water index (SWI)",
        "gauges": "Rain gauges",
        "provisional": "provisional threshold",
        "synthetic": "synthetic data",
        "legend": "Risk level (Decision 18/2021)",
    },
}


class WarningsLayer(folium.MacroElement):
    """Two overlays filled from the warnings feed, and a legend."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            quantracWarnings.start(
                {{ this.map.get_name() }}, {{ this.control.get_name() }}, {{ this.config|tojson }}
            );
        {% endmacro %}
        """
    )

    def __init__(self, fmap: folium.Map, control: Any, url: str, lang: str) -> None:
        super().__init__()
        self._name = "QuantracWarnings"
        self.map = fmap
        self.control = control
        strings = STRINGS.get(lang, STRINGS["vi"])
        self.config = {
            "url": url,
            "strings": strings,
            "levels": [
                {"value": lv.value, "colour": lv.colour, "label": lv.colour_name_vi}
                for lv in LEVELS.values()
            ],
        }
