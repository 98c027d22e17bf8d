"""The production path for real: nginx (Debian) with deploy/nginx/quantrac.conf in front of the
service serves the public snapshot file itself and answers repeated /public requests from its
cache, so only misses reach Python."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from service.public.cache import public_cache
from tests.service.public_nginx import run_nginx
from tests.service.public_server import free_port, serve_public

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="no nginx (scripts/system-deps.sh installs nginx-light)",
    ),
]


def test_nginx_serves_the_snapshot_file_and_caches_public_answers(tmp_path: Path) -> None:
    with serve_public(tmp_path) as served:
        port = free_port()
        with run_nginx(served.port, port, served.settings.data_dir, tmp_path / "nginx"):
            proxy = f"http://127.0.0.1:{port}"
            # Before any snapshot exists nginx falls back to Python, which writes it.
            first = httpx.get(f"{proxy}/public/data.json")
            assert first.status_code == 200 and "x-served-by" not in first.headers
            snapshot = served.settings.data_dir / "public" / "data.json"
            assert snapshot.read_bytes() == first.content
            # From then on the file itself, pre-compressed (gzip_static), with cache headers.
            again = httpx.get(f"{proxy}/public/data.json", headers={"Accept-Encoding": "gzip"})
            assert again.headers["x-served-by"] == "nginx-snapshot"
            assert again.headers["content-encoding"] == "gzip"
            assert again.content == first.content  # httpx decodes the gzip
            assert "max-age=60" in again.headers["cache-control"]
            assert again.headers["content-type"].startswith("application/json")
            # Other public answers: a miss goes to Python, the repeat is nginx's copy.
            page = [httpx.get(f"{proxy}/public").headers["x-cache"] for _ in range(2)]
            assert page == ["MISS", "HIT"]
            # Staff routes pass through untouched (login required).
            assert httpx.get(f"{proxy}/api/stations").status_code == 401
            # nginx answered the snapshot: Python built the document only once.
            assert public_cache(served.app.state.ctx).builds == 1
