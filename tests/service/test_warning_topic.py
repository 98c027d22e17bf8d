"""The warning topic's message (issue 18 item 4): what a citizen or a gateway receives when a
commune's QĐ 18/2021 level rises, in both languages, never showing "no data" as zero rain."""

from __future__ import annotations

import pytest

from service.public.warning_topic import WarningRise, warning_message

AT = 1_796_000_400  # 2026-11-30 01:00 UTC = 08:00 Vietnam time
RISE = WarningRise(7, 42, "20008", "Đồng Đăng", 2, AT, 123.44, True, "QĐ 18/2021 Điều 46")


@pytest.mark.parametrize(
    ("rise", "lang", "subject", "in_body"),
    [
        (RISE, "vi", "Rủi ro sạt lở, lũ quét cấp độ 2 tại Đồng Đăng", "Mưa 24 giờ 123.4 mm"),
        (RISE, "en", "Landslide/flash-flood risk level 2 in Đồng Đăng", "24-h rain 123.4 mm"),
        (RISE, "en", "level 2", "Provisional threshold"),
        (RISE, "vi", "cấp độ 2", "Màu"),  # the Điều 4 colour name of the level
        (
            WarningRise(7, 42, "20008", "Đồng Đăng", 1, AT, None, False, ""),
            "vi",
            "cấp độ 1",
            "không có số liệu",  # never 0 mm
        ),
    ],
)
def test_message_names_commune_level_and_rain(
    rise: WarningRise, lang: str, subject: str, in_body: str
) -> None:
    msg = warning_message(rise, lang, "http://x/public#warnings", "http://x/unsub")
    assert subject in msg["subject"]
    assert in_body in msg["body"]
    assert msg["body"].rstrip().endswith("http://x/unsub")  # one-click unsubscribe in every one
    assert msg["type"] == "public.warning" and msg["commune_id"] == "20008"
    assert msg["level"] == rise.level and msg["rain24_mm"] == rise.rain24
    assert msg["at"] == "2026-11-30T08:00:00+07:00"
    assert "0.0 mm" not in msg["body"]
