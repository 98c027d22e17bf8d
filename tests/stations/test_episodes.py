"""Episodes: opening, Decree 45/2022 bands and escalation, hysteresis, near-limit, closing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stations.averaging import HOUR, Period
from stations.compliance.bands import band_label, band_of
from stations.compliance.episodes import derive_episodes
from stations.compliance.rules import AppliedLimit

LIMIT = AppliedLimit(
    "COD", "1h", 100.0, None, None, "mg/L", "permit", None, "permit", "high", False
)
PH = AppliedLimit("pH", "1h", None, 5.5, 9.0, "-", "regulation", "QCVN 40:2011/BTNMT",
                  "QCVN 40:2011 Bảng 1", "medium", False)  # fmt: skip


def run(values: list[float | None], limit: AppliedLimit = LIMIT, **kw):  # type: ignore[no-untyped-def]
    periods = [(Period(i * HOUR, (i + 1) * HOUR, v), limit) for i, v in enumerate(values)]
    return derive_episodes(periods, **kw)


def summary(eps) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (e.kind, e.opened_at // HOUR, None if e.closed_at is None else e.closed_at // HOUR, e.band,
         [(ev.event, ev.at // HOUR) for ev in e.events])
        for e in eps
    ]  # fmt: skip


CASES = [
    pytest.param([50, 80, 70], [], id="compliant-nothing"),
    pytest.param([50, 100, 50], [], id="equal-to-limit-is-compliant"),
    pytest.param([50, 101, 50], [("exceedance", 1, 3, 0, [("opened", 2), ("closed", 3)])],
                 id="open-and-close-band-0"),
    pytest.param([120, 160, 350, 80],
                 [("exceedance", 0, 4, 3, [("opened", 1), ("escalated", 2), ("escalated", 3),
                                            ("closed", 4)])],
                 id="escalates-1.2-1.6-3.5"),
    pytest.param([110, 99, 101, 98, 102, 90],
                 [("exceedance", 0, 6, 1, [("opened", 1), ("closed", 6)])],
                 id="hysteresis-hovering-does-not-flap"),
    pytest.param([110, 95, 110], [("exceedance", 0, 2, 1, [("opened", 1), ("closed", 2)]),
                                  ("exceedance", 2, None, 1, [("opened", 3)])],
                 id="0.95-closes-then-reopens"),
    pytest.param([110, None, None, 120, 50],
                 [("exceedance", 0, 5, 1, [("opened", 1), ("closed", 5)])],
                 id="calibration-gap-neither-closes-nor-opens"),
    pytest.param([None, None, 50], [], id="calibration-never-opens"),
    pytest.param([92, 93, 50], [("near_limit", 0, 3, None, [("near_limit_opened", 1),
                                                            ("near_limit_closed", 3)])],
                 id="near-limit-0.9"),
    pytest.param([92, 130, 50], [("near_limit", 0, 2, None, [("near_limit_opened", 1),
                                                             ("near_limit_closed", 2)]),
                                 ("exceedance", 1, 3, 1, [("opened", 2), ("closed", 3)])],
                 id="near-then-exceeding"),
    pytest.param([1100], [("exceedance", 0, None, 5, [("opened", 1)])], id="band-5-from-10x"),
]  # fmt: skip  # Bands: NĐ 45/2022 Điều 18 (regulations.md §9); rules: docs/compliance.md


@pytest.mark.parametrize(("values", "expected"), CASES)
def test_episode_state_machine(values: list[float | None], expected: list[tuple]) -> None:
    kinds = {e[0] for e in expected}
    # Exceedance cases are read without near-limit runs; near-limit cases with the 0.9 default.
    near = 0.9 if "near_limit" in kinds else 10.0
    assert summary(run(values, near_fraction=near)) == expected


def test_equal_to_the_limit_is_near_not_exceeding() -> None:
    assert [e.kind for e in run([50, 100, 50])] == ["near_limit"]


def test_ph_leaving_its_range_opens_an_episode() -> None:
    # QCVN 40:2011 column B pH 5.5-9 (regulations.md §4.1): 4.4 → ratio 5.5/4.4 = 1.25.
    (ep,) = run([7.0, 4.4, 7.0], PH)
    assert (ep.kind, ep.peak_value, round(ep.peak_ratio, 2), ep.band) == (
        "exceedance",
        4.4,
        1.25,
        1,
    )


def test_peak_and_last_values() -> None:
    (ep,) = run([150, 300, 120, 40])
    assert (ep.peak_value, ep.peak_ratio, ep.last_value, ep.last_period_end // HOUR) == (
        300, 3.0, 40, 3)  # fmt: skip


BANDS = [
    pytest.param(1.0999, 0, id="below-1.1"),
    pytest.param(1.1, 1, id="1.1-edge"),
    pytest.param(1.4999, 1, id="below-1.5"),
    pytest.param(1.5, 2, id="1.5-edge"),
    pytest.param(3.0, 3, id="3-edge"),
    pytest.param(5.0, 4, id="5-edge"),
    pytest.param(10.0, 5, id="10-edge"),
    pytest.param(99.0, 5, id="99x"),
]  # NĐ 45/2022/NĐ-CP Điều 18-19 (regulations.md §9)


@pytest.mark.parametrize(("ratio", "band"), BANDS)
def test_decree_45_bands(ratio: float, band: int) -> None:
    assert band_of(ratio) == band
    assert "/" in band_label(band)


means = st.lists(st.one_of(st.none(), st.floats(0, 400)), max_size=60)


@given(means)
def test_an_episode_for_every_noncompliant_mean_and_none_for_compliant(values) -> None:  # type: ignore[no-untyped-def]
    episodes = [e for e in run(values) if e.kind == "exceedance"]
    for i, v in enumerate(values):
        if v is None:
            continue
        start, end = i * HOUR, (i + 1) * HOUR
        inside = [e for e in episodes if e.opened_at <= start and end <= e.last_period_end]
        if v > 100:
            assert len(inside) == 1  # every non-compliant mean lies in exactly one episode
        elif v <= 95:  # compliant beyond the hysteresis band: never inside an episode
            assert inside == []
    for e in episodes:
        first = values[e.opened_at // HOUR]
        assert first is not None and first > 100  # an episode opens only on an exceedance


@given(means)
def test_without_hysteresis_the_first_compliant_mean_closes(values) -> None:  # type: ignore[no-untyped-def]
    episodes = [e for e in run(values, hysteresis=0.0) if e.kind == "exceedance"]
    previous = None
    for i, v in enumerate(values):
        if v is None:
            continue
        end = (i + 1) * HOUR
        if v <= 100:
            assert not any(e.opened_at < end <= e.last_period_end for e in episodes)
            if previous is not None and previous > 100:
                assert any(e.closed_at == end for e in episodes)
        previous = v
