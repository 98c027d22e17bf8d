"""Where a forwarded file goes at the destination, and which files a destination takes.

Folder dates are local time (UTC+7) like the Circular 10/2021 file names; the kind folders are
the ministry intake's names (Envisoft's form defaults, anchors-2026-12.md §3.2).
"""

from __future__ import annotations

import pytest

from stations.forward.route import Route, check_template, remote_name, stamp_of, temp_path
from stations.forward.sender import RetryPolicy
from stations.forward.status import percentile
from stations.timeutil import local_to_epoch

T = local_to_epoch("20261205003000")  # 2026-12-04 17:30 UTC: already the 5th in Lạng Sơn


@pytest.mark.parametrize(
    ("folder", "root", "kind", "expected"),
    [
        ("{kind}/{station}/{yyyy}/{MM}/{dd}", "/", "air", "/KhongKhi/ST1/2026/12/05/f.txt"),
        ("{kind}/{station}", "/", "wastewater", "/NuocThai/ST1/f.txt"),
        ("{kind}/{station}", "/incoming/", "fluegas", "/incoming/KhiThai/ST1/f.txt"),
        ("{kind_code}/{yyyy}{MM}{dd}/{HH}", "/", "air", "/air/20261205/00/f.txt"),
        ("{kind}", "/", "noise", "/noise/f.txt"),  # no ministry name: the code itself
        ("", "/", "air", "/f.txt"),
    ],
)
def test_remote_path_from_the_template(folder: str, root: str, kind: str, expected: str) -> None:
    route = Route(id="m", folder=folder, root=root)
    assert route.remote_path("ST1", kind, T, "f.txt") == expected


@pytest.mark.parametrize(
    ("template", "error"),
    [("{kind}/{province}", "province"), ("{kind}/../{station}", "'..'")],
)
def test_bad_templates_are_refused(template: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        check_template(template)


@pytest.mark.parametrize(
    ("route", "station", "kind", "at", "wanted"),
    [
        (Route(id="m"), "ST1", "air", T, True),
        (Route(id="m", kinds=frozenset({"wastewater"})), "ST1", "air", T, False),
        (Route(id="m", stations=frozenset({"ST2"})), "ST1", "air", T, False),
        (Route(id="m", stations=frozenset({"ST1"})), "ST1", "air", T, True),
        (Route(id="m", start_at=T + 1), "ST1", "air", T, False),  # data before the start date
        (Route(id="m", start_at=T), "ST1", "air", T, True),
    ],
)
def test_which_files_a_destination_takes(
    route: Route, station: str, kind: str, at: int, wanted: bool
) -> None:
    assert route.wants(station, kind, at) is wanted


def test_names_and_temporary_names() -> None:
    assert remote_name("sub/dir\\LS_SONNMT_KK01_20261205003000.txt") == (
        "LS_SONNMT_KK01_20261205003000.txt"
    )
    assert remote_name("bad name;rm.txt") == "bad_name_rm.txt"
    assert stamp_of("LS_SONNMT_KK01_20261205003000.txt") == "20261205003000"
    assert stamp_of("LS_SONNMT_KK01.txt") is None
    # the same temporary name on every attempt: a cut upload is overwritten, never left beside
    assert temp_path("/KhongKhi/ST1/f.txt") == "/KhongKhi/ST1/.f.txt.qtpart"


def test_back_off_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=3, backoff_s=30, max_backoff_s=100)
    assert [policy.retry_at(n, 1000) - 1000 for n in (1, 2, 3, 4)] == [30, 60, 100, 100]


def test_percentiles_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.99)) == (50.0, 99.0)
    assert percentile([], 0.5) is None
    assert percentile([7], 0.99) == 7.0
