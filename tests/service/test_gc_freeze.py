"""A server worker freezes its start-up heap (service/web/http_server.py): the cyclic garbage
collector then no longer walks the imported modules, the app and the runtime whenever an
answer allocates many objects (a 30-day raw page: 47 → 31 ms CPU, bench/README.md)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from service.web.app import app_from_environment


def test_a_worker_app_leaves_its_start_up_heap_frozen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("QUANTRAC_SCHEDULER_ENABLED", "false")
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        app_from_environment()
        assert gc.get_freeze_count() > 10_000  # the modules, the app, the runtime
        garbage = [[]]
        garbage[0].append(garbage)  # a cycle made afterwards is still collected
        del garbage
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
