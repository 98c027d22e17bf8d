"""Dated folder layouts seen on receiving FTP servers, on folder and FTP sources.

Layouts (regulations-2026-12.md §3, "FTP folder layouts seen": ``NguynTunKhi/eos``
read_fpt_local_ncem_all.py L3661-L3691, ``quytttb/data-logger`` "Date subfolder yyyy/MM/dd"):
``<Station>/YYYY/MM/DD/``, ``YYYYMMDD/``, ``YYYY/ThangMM/YYYYMMDD/``, ``YYYY/ThangMM/NgayDD/``
and flat. The station comes from the file name, so every layout is walked the same way; after
commit a file moves to ``processed/`` under the same relative path, or is deleted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from service.demo.simulator.ftp_server import LocalFtpServer
from stations.sources.base import poll
from stations.sources.folder import FolderSource
from stations.sources.ftp import FtpConfig, FtpSource

NAME = "LS_SONNMT_KK01_20261120083000.txt"
LAYOUTS = [
    pytest.param("LS_SONNMT_KK01/2026/11/20", id="station-yyyy-mm-dd"),
    pytest.param("20261120", id="yyyymmdd"),
    pytest.param("2026/Thang11/20261120", id="yyyy-thangmm-yyyymmdd"),
    pytest.param("2026/Thang11/Ngay20", id="yyyy-thangmm-ngaydd"),
    pytest.param("", id="flat"),
]


def _drop(root: Path, folder: str) -> Path:
    target = root / folder
    target.mkdir(parents=True, exist_ok=True)
    (target / NAME).write_bytes(b"PM2.5\t1\t\xc2\xb5g/Nm\xc2\xb3\t20261120083000\t00\r\n")
    (target / f".{NAME}.part").write_bytes(b"half")  # an upload in progress is left alone
    return target


@pytest.mark.parametrize("folder", LAYOUTS)
def test_folder_source_walks_each_layout_and_moves_after_commit(tmp_path: Path, folder: str):
    target = _drop(tmp_path, folder)
    source = FolderSource("drop", tmp_path)
    seen: list[tuple[str, str]] = []
    result = poll(source, lambda batch: seen.extend((f.name, f.path) for f, _ in batch))
    assert seen == [(NAME, str(Path(folder) / NAME))]
    assert result.finished == 1 and not (target / NAME).exists()
    assert (tmp_path / "processed" / folder / NAME).is_file()
    assert (target / f".{NAME}.part").exists()
    (target / f".{NAME}.part").unlink()
    if folder:  # the emptied dated folders go once untouched for a day; processed/ stays
        old = 1_000_000.0
        for dirpath, _, _ in os.walk(tmp_path / folder.split("/")[0]):
            os.utime(dirpath, (old, old))
        assert FolderSource("drop", tmp_path).tidy(now=old + 86_400) == folder.count("/") + 1
        assert not (tmp_path / folder.split("/")[0]).exists()
        assert (tmp_path / "processed" / folder / NAME).is_file()


@pytest.mark.ftp
@pytest.mark.parametrize("folder", LAYOUTS)
def test_ftp_source_walks_each_layout_and_deletes_after_commit(tmp_path: Path, folder: str):
    with LocalFtpServer(tmp_path / "ftp", password="pw") as server:
        target = _drop(server.root, folder)
        cfg = FtpConfig(
            host="127.0.0.1", port=server.port, user="datalogger", password="pw", after="delete"
        )
        seen: list[str] = []
        result = poll(FtpSource("ftp", cfg), lambda batch: seen.extend(f.name for f, _ in batch))
    assert seen == [NAME] and result.finished == 1
    assert not (target / NAME).exists() and (target / f".{NAME}.part").exists()
