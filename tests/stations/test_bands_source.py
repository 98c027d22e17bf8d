"""One source for the Decree 45/2022 bands: alerts read the cited CSV that compliance reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from stations.alerts.bands import Severity, band_citation, band_label
from stations.alerts.conditions import compliance_signal
from stations.alerts.config import Rule, RuleType
from stations.compliance.bands import BANDS_CSV, configure_bands


@pytest.fixture
def bands_copy(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "penalty_bands.csv"
    copy.write_text(BANDS_CSV.read_text(encoding="utf-8"), encoding="utf-8")
    yield copy
    configure_bands(None)


def _severity(ratio: float) -> Severity:
    event = SimpleNamespace(
        event="opened",
        ratio=ratio,
        value=ratio * 100,
        limit_value=100.0,
        band=None,
        station_id="S1",
        parameter="COD",
        at=1_790_000_000,
        unit="mg/L",
        averaging="1h",
        episode_id=1,
    )
    rule = Rule(id="exceed", type=RuleType.EXCEEDANCE)
    return compliance_signal(rule, event, suppressed=False).severity


def test_alert_severity_follows_an_edit_of_the_bands_csv(bands_copy: Path) -> None:
    # Decree 45/2022/NĐ-CP Điều 18–19: 1.5× and above is band 2 (critical in our alerts).
    assert _severity(1.7) is Severity.CRITICAL
    text = bands_copy.read_text(encoding="utf-8")
    # An officer corrects the third breakpoint from 1.5 to 2 (both rows that carry it).
    edited = text.replace("\n1,1.1,1.5,", "\n1,1.1,2,").replace("\n2,1.5,3,", "\n2,2,3,")
    assert edited != text
    bands_copy.write_text(edited, encoding="utf-8")
    configure_bands(bands_copy)
    assert _severity(1.7) is Severity.MAJOR  # now band 1
    assert _severity(2.0) is Severity.CRITICAL
    configure_bands(None)
    assert _severity(1.7) is Severity.CRITICAL


def test_labels_and_citation_come_from_the_csv(bands_copy: Path) -> None:
    text = bands_copy.read_text(encoding="utf-8")
    bands_copy.write_text(text.replace("1.1 to < 1.5×", "1.1 up to 1.5×"), encoding="utf-8")
    configure_bands(bands_copy)
    assert band_label(1, "en") == "1.1 up to 1.5×"
    assert band_label(1) == "từ 1,1 đến dưới 1,5 lần"
    assert band_citation(1) == "Nghị định 45/2022/NĐ-CP Điều 18–19"
