"""Issue 16 probe findings F3 (size checked before a whole read, in every source, zip member,
the CLI and the FTP receiver) and F10 (odd zip member names are quarantined, never skipped)."""

from __future__ import annotations

import ftplib
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.demo.simulator.ftp_server import LocalFtpServer
from service.ftp.accounts import load_accounts
from service.ftp.receiver import FtpReceiver, ReceiverConfig
from stations.ingest.readers import read_paths, read_zip
from stations.parsers.common import unsafe_name
from stations.sizes import MAX_FILE_BYTES
from stations.sources.folder import FolderSource
from stations.sources.ftp import FtpConfig, FtpSource
from stations.sources.http import HttpSource
from tests.service.test_ftp_receiver import (  # noqa: F401
    PASSWORD,
    _free_ports,
    accounts_file,
)

BIG = MAX_FILE_BYTES * 3  # 24 MB: read whole, it would show in the process's memory
SMALL = b"Dust\t1\tmg/Nm3\r\n"


@pytest.fixture
def big_tree(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    with open(root / "huge.txt", "wb") as fh:
        fh.truncate(BIG)  # sparse: cheap to make
    (root / "small.txt").write_bytes(SMALL)
    return root


def test_f3_folder_source_reads_at_most_the_limit(big_tree: Path) -> None:
    src = FolderSource("f", big_tree, after="keep")
    sizes = {f.name: len(src.fetch(f)) for f in src.list()}
    assert sizes == {"huge.txt": MAX_FILE_BYTES + 1, "small.txt": len(SMALL)}


@pytest.mark.ftp
def test_f3_ftp_source_stops_downloading_at_the_limit(big_tree: Path) -> None:
    with LocalFtpServer(big_tree, password="pw") as server:
        src = FtpSource("f", FtpConfig(host="127.0.0.1", port=server.port, user="datalogger",
                                       password="pw"))  # fmt: skip
        with src.session() as session:
            files = {f.name: f for f in session.list()}
            assert len(session.fetch(files["huge.txt"])) == MAX_FILE_BYTES + 1
            assert session.fetch(files["small.txt"]) == SMALL  # the session is still usable


@pytest.fixture
def big_http() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(BIG // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client stopped reading: that is the point

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/readings"
    server.shutdown()
    server.server_close()


def test_f3_http_source_stops_reading_at_the_limit(big_http: str) -> None:
    src = HttpSource("h", big_http)
    (f,) = src.list()
    assert len(src.fetch(f)) == MAX_FILE_BYTES + 1


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_f3_zip_members_and_cli_files_are_read_up_to_the_limit(tmp_path: Path) -> None:
    big = _zip(tmp_path / "big.zip", {f"m{i}.txt": bytes(BIG) for i in range(3)})
    assert big.stat().st_size < 1_000_000
    sizes = [len(f.data) for f in read_zip(big, tmp_path / "archive")]
    assert sizes == [MAX_FILE_BYTES + 1] * 3
    plain = tmp_path / "plain.txt"
    with open(plain, "wb") as fh:
        fh.truncate(BIG)
    (one,) = read_paths([plain], tmp_path / "archive")
    assert len(one.data) == MAX_FILE_BYTES + 1


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_f10_odd_zip_members_are_quarantined_with_a_reason(tmp_path: Path, method: int) -> None:
    members = {
        "..\\..\\x.txt": SMALL,
        "../y.txt": SMALL,
        ".hidden.txt": SMALL,
        "__MACOSX/._z.txt": SMALL,
        "LS_A/ok.txt": SMALL,
        "LS_A/": b"",
    }
    path = _zip(tmp_path / "odd.zip", members, method)
    seen = {f.origin.split("#", 1)[1]: unsafe_name(f.name) for f in read_zip(path, tmp_path)}
    assert set(seen) == set(members) - {"LS_A/"}  # every file member is handed on
    assert seen.pop("LS_A/ok.txt") is None
    assert all(reason for reason in seen.values()), seen
    assert "hidden" in seen[".hidden.txt"] and "unsafe" in seen["..\\..\\x.txt"]


@pytest.mark.ftp
def test_f3_ftp_receiver_refuses_uploads_over_the_limit(
    accounts_file: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    incoming = tmp_path / "incoming"
    config = ReceiverConfig(
        root=incoming,
        accounts=load_accounts(accounts_file),
        port=0,
        passive_ports=_free_ports(2),
        auth_failed_delay=0.05,
        max_upload_bytes=1024 * 1024,
    )
    with FtpReceiver(config) as rx:
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", rx.port, timeout=10)
        ftp.login("xmdb", PASSWORD)
        with pytest.raises(ftplib.error_perm, match="552"):
            try:
                ftp.storbinary("STOR big.txt", io.BytesIO(bytes(4 * 1024 * 1024)))
            except OSError:  # the server closed the data channel while we were still sending
                ftp.getresp()
        ftp.storbinary("STOR ok.txt", io.BytesIO(SMALL))  # the account can still upload
        ftp.quit()
    files = sorted(p.name for p in incoming.rglob("*") if p.is_file())
    assert files == ["ok.txt"]
