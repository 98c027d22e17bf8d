"""The FTP receiver (``quantrac ftp-receiver``) with Python's ftplib as the datalogger, and the
whole chain: datalogger -> receiver -> ``folder`` source poll -> readings in the database."""

from __future__ import annotations

import ftplib
import io
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.cli import _load_commands, app
from service.context import AppContext
from service.database import make_engine
from service.demo.simulator.model import Scenario, StationModel, station_file
from service.demo.simulator.runner import FtpUploader, dated_folder
from service.ftp.accounts import check_masquerade, load_accounts, parse_port_range
from service.ftp.receiver import FtpReceiver, ReceiverConfig
from service.ftp.staging import STAGING_SUFFIX
from service.settings import Settings
from service.sources_config import load_sources
from service.worker.jobs.ingest import poll_source
from stations.errors import InvalidRequest
from stations.sources.base import waiting
from stations.store.schema import readings
from stations.store.sites import list_sites
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import wait_for

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "xm-db-s3cret-never-logged"
OTHER_PASSWORD = "kcn-s3cret-never-logged"
WRONG = "wrong-guess-never-logged"
pytestmark = pytest.mark.ftp


def _write_accounts(tmp_path: Path) -> Path:
    path = tmp_path / "ftp-accounts.yaml"
    path.write_text(
        "accounts:\n"
        "  - user: xmdb\n"
        "    password: ${TEST_FTP_PW_XMDB}\n"
        "    home: xi-mang-dong-banh\n"
        "  - user: kcndb\n"
        "    password: ${TEST_FTP_PW_KCNDB}\n"
        "    home: kcn/dong-banh\n",
        encoding="utf-8",
    )
    return path


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return sorted(s.getsockname()[1] for s in socks)
    finally:
        for s in socks:
            s.close()


@pytest.fixture
def accounts_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_FTP_PW_XMDB", PASSWORD)
    monkeypatch.setenv("TEST_FTP_PW_KCNDB", OTHER_PASSWORD)
    return _write_accounts(tmp_path)


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    return tmp_path / "incoming"


@pytest.fixture
def receiver(accounts_file: Path, incoming: Path) -> Iterator[FtpReceiver]:
    config = ReceiverConfig(
        root=incoming,
        accounts=load_accounts(accounts_file),
        port=0,
        passive_ports=_free_ports(4),
        auth_failed_delay=0.05,
    )
    with FtpReceiver(config) as rx:
        yield rx


def _client(rx: FtpReceiver, user: str = "xmdb", password: str = PASSWORD) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", rx.port, timeout=10)
    ftp.login(user, password)
    return ftp


def _staged(root: Path) -> list[Path]:
    return list(root.rglob(f"*{STAGING_SUFFIX}"))


def _anonymous(rx: FtpReceiver) -> None:
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", rx.port, timeout=10)
    ftp.login()  # anonymous


def test_login_with_the_right_password_only(receiver: FtpReceiver) -> None:
    ftp = _client(receiver)
    assert ftp.pwd() == "/"
    ftp.quit()
    for user, password in (("xmdb", WRONG), ("xmdb", OTHER_PASSWORD), ("nobody", PASSWORD)):
        with pytest.raises(ftplib.error_perm, match="530"):
            _client(receiver, user, password)
    with pytest.raises(ftplib.error_perm, match="530"):
        _anonymous(receiver)


def test_tmp_upload_then_rename_lands_in_the_home(receiver: FtpReceiver, incoming: Path) -> None:
    ftp = _client(receiver)
    ftp.mkd("LS_XMDB_KHI01")
    ftp.storbinary("STOR LS_XMDB_KHI01/x.txt.tmp", io.BytesIO(b"Dust\t1\tmg/Nm3\r\n"))
    ftp.rename("LS_XMDB_KHI01/x.txt.tmp", "LS_XMDB_KHI01/x.txt")
    assert ftp.nlst("LS_XMDB_KHI01") == ["x.txt"]
    ftp.quit()
    landed = incoming / "xi-mang-dong-banh" / "LS_XMDB_KHI01" / "x.txt"
    assert landed.read_bytes() == b"Dust\t1\tmg/Nm3\r\n"
    assert not landed.with_name("x.txt.tmp").exists() and _staged(incoming) == []
    other = _client(receiver, "kcndb", OTHER_PASSWORD)  # jailed in its own home: sees nothing
    assert other.nlst() == []
    other.quit()


def test_a_file_appears_only_when_its_upload_completed(
    receiver: FtpReceiver, incoming: Path
) -> None:
    """A datalogger storing the final name directly: a poll never sees half a file."""
    home = incoming / "xi-mang-dong-banh"
    ftp = _client(receiver)
    conn = ftp.transfercmd("STOR y.txt")  # ASCII mode (the default): bytes are kept as sent
    conn.sendall(b"first half\r\n")
    wait_for(lambda: len(_staged(home)) == 1, timeout=5.0)
    assert not (home / "y.txt").exists()
    assert not any(waiting(p.name) for p in home.iterdir())  # the folder source skips it
    conn.sendall(b"second half\r\n")
    conn.close()
    assert ftp.voidresp().startswith("226")
    assert (home / "y.txt").read_bytes() == b"first half\r\nsecond half\r\n"
    assert _staged(home) == []
    # an upload cut off (the datalogger loses its link) is discarded, not published
    conn = ftp.transfercmd("STOR z.txt")
    conn.sendall(b"partial")
    wait_for(lambda: len(_staged(home)) == 1, timeout=5.0)
    ftp.close()  # control connection gone mid-transfer: the receiver drops the upload
    wait_for(lambda: _staged(home) == [], timeout=5.0)
    conn.close()
    time.sleep(0.2)
    assert not (home / "z.txt").exists() and _staged(home) == []


def _accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_stopping_lets_an_upload_under_way_finish(receiver: FtpReceiver, incoming: Path) -> None:
    ftp = _client(receiver)
    ftp.voidcmd("TYPE I")
    conn = ftp.transfercmd("STOR late.txt")
    conn.sendall(b"part 1\r\n")
    receiver.stop(wait=False)  # what SIGTERM does to the command
    wait_for(lambda: not _accepts_connections(receiver.port), timeout=5.0)  # no new sessions
    conn.sendall(b"part 2\r\n")
    conn.close()
    assert ftp.voidresp().startswith("226")
    assert (incoming / "xi-mang-dong-banh" / "late.txt").read_bytes() == b"part 1\r\npart 2\r\n"


def test_a_user_cannot_leave_their_home(receiver: FtpReceiver, incoming: Path) -> None:
    other_home = incoming / "kcn" / "dong-banh"
    (other_home / "theirs.txt").write_bytes(b"other facility")
    outside = incoming.parent / "outside"
    outside.mkdir()
    (incoming / "xi-mang-dong-banh" / "escape").symlink_to(outside)
    ftp = _client(receiver)
    ftp.cwd("..")
    assert ftp.pwd() == "/"
    ftp.cwd("/../../..")
    assert ftp.pwd() == "/"
    assert ftp.nlst("/..") == ["escape"]
    for path in ("/etc", "/kcn", "../kcn/dong-banh", str(other_home), "escape"):
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.cwd(path)
    for target in ("../kcn/dong-banh/evil.txt", "/kcn/evil.txt", "escape/evil.txt"):
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.storbinary(f"STOR {target}", io.BytesIO(b"x"))
    ftp.storbinary("STOR ../../evil.txt", io.BytesIO(b"x"))  # resolved inside the home
    ftp.quit()
    assert (incoming / "xi-mang-dong-banh" / "evil.txt").exists()
    assert sorted(p.name for p in other_home.iterdir()) == ["theirs.txt"]
    assert list(outside.iterdir()) == [] and not (incoming.parent / "evil.txt").exists()


def test_delete_download_append_are_refused(receiver: FtpReceiver, incoming: Path) -> None:
    ftp = _client(receiver)
    ftp.mkd("d")
    ftp.storbinary("STOR d/x.txt", io.BytesIO(b"kept"))
    refused = (
        lambda: ftp.delete("d/x.txt"),
        lambda: ftp.rmd("d"),
        lambda: ftp.retrbinary("RETR d/x.txt", lambda _b: None),
        lambda: ftp.storbinary("APPE d/x.txt", io.BytesIO(b"more")),
        lambda: ftp.sendcmd("SITE CHMOD 777 d/x.txt"),
        lambda: ftp.sendcmd("STOU"),
    )
    for action in refused:
        with pytest.raises(ftplib.error_perm, match=r"^5"):
            action()
    ftp.quit()
    assert (incoming / "xi-mang-dong-banh" / "d" / "x.txt").read_bytes() == b"kept"


def test_passwords_never_reach_the_log(
    receiver: FtpReceiver, accounts_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pyftpdlib")  # even pyftpdlib's per-command log
    ftp = _client(receiver)
    ftp.storbinary("STOR a.txt.tmp", io.BytesIO(b"x"))
    ftp.rename("a.txt.tmp", "a.txt")
    ftp.quit()
    with pytest.raises(ftplib.error_perm):
        _client(receiver, "xmdb", WRONG)
    wait_for(lambda: "failed login" in caplog.text, timeout=5.0)
    assert "xmdb logged in" in caplog.text
    assert "renamed 'xi-mang-dong-banh/a.txt.tmp' -> 'xi-mang-dong-banh/a.txt'" in caplog.text
    for secret in (PASSWORD, OTHER_PASSWORD, WRONG):
        assert secret not in caplog.text
    assert PASSWORD not in repr(load_accounts(accounts_file))


def test_passive_replies_announce_the_masquerade_address_and_the_range(
    accounts_file: Path, incoming: Path
) -> None:
    ports = _free_ports(3)
    config = ReceiverConfig(
        root=incoming,
        accounts=load_accounts(accounts_file),
        port=0,
        passive_ports=ports,
        masquerade_address=check_masquerade("203.0.113.7"),
    )
    with FtpReceiver(config) as rx:
        ftp = _client(rx)
        host, port = ftplib.parse227(ftp.sendcmd("PASV"))
        ftp.close()
    assert host == "203.0.113.7" and port in ports


def test_settings_validation() -> None:
    assert parse_port_range("30000-30009") == list(range(30000, 30010))
    assert parse_port_range("30000") == [30000]
    for bad in ("30009-30000", "21-30", "a-b", "30000-70000"):
        with pytest.raises(InvalidRequest):
            parse_port_range(bad)
    assert check_masquerade("") is None
    with pytest.raises(InvalidRequest, match="IPv4"):
        check_masquerade("ftp.example.gov.vn")


def test_an_unset_variable_stops_start_up_naming_it(tmp_path: Path) -> None:
    path = _write_accounts(tmp_path)
    with pytest.raises(InvalidRequest, match="TEST_FTP_PW_KCNDB") as exc:
        load_accounts(path, env={"TEST_FTP_PW_XMDB": PASSWORD})
    assert PASSWORD not in str(exc.value)
    with pytest.raises(InvalidRequest, match="empty password"):  # set, but to nothing
        load_accounts(path, env={"TEST_FTP_PW_XMDB": PASSWORD, "TEST_FTP_PW_KCNDB": ""})
    _load_commands()
    result = CliRunner().invoke(
        app,
        ["ftp-receiver", "--accounts", str(path), "--root", str(tmp_path / "in"), "--port", "1"],
        env={
            "TEST_FTP_PW_XMDB": PASSWORD,
            "TEST_FTP_PW_KCNDB": None,
            "QUANTRAC_DATA_DIR": str(tmp_path / "data"),
        },
    )
    assert result.exit_code == 2, result.output
    assert "TEST_FTP_PW_KCNDB" in result.output and PASSWORD not in result.output
    assert not (tmp_path / "in").exists()  # nothing started


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ([{"user": "a", "password": "p", "home": "../up"}], "home"),
        ([{"user": "a", "password": "p", "home": "/abs"}], "home"),
        ([{"user": "a", "password": "p", "home": ".hidden"}], "home"),
        ([{"user": "a", "password": "p", "home": "processed/a"}], "processed"),
        ([{"user": "a b", "password": "p", "home": "a"}], "user"),
        ([{"user": "a", "password": "", "home": "a"}], "empty password"),
        ([{"user": "a", "password": "p", "home": "a", "perm": "elradfmw"}], "perm"),
        (
            [
                {"user": "a", "password": "p", "home": "x"},
                {"user": "a", "password": "q", "home": "y"},
            ],
            "unique",
        ),
        (
            [
                {"user": "a", "password": "p", "home": "group"},
                {"user": "b", "password": "q", "home": "group/facility"},
            ],
            "inside",
        ),
        ([], "accounts"),
    ],
)
def test_accounts_file_is_validated(tmp_path: Path, accounts: list, message: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({"accounts": accounts}), encoding="utf-8")
    with pytest.raises(InvalidRequest, match=message):
        load_accounts(path, env={})


def test_deploy_files_agree_with_the_compose_file() -> None:
    """deploy/sources.yaml polls where the worker mounts the incoming volume, the ftp service
    writes into that volume, and every ${VAR} of deploy/ftp-accounts.yaml reaches it."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    worker_mounts = dict(v.split(":")[:2][::-1] for v in services["worker"]["volumes"])
    ftp_mounts = dict(v.split(":")[:2][::-1] for v in services["ftp"]["volumes"])
    folder = [
        s
        for s in load_sources(ROOT / "deploy" / "sources.yaml", env={}).sources
        if s.type == "folder"
    ]
    assert [worker_mounts.get(s.path) for s in folder] == ["incoming"]
    ftp_root = next(d for d, v in ftp_mounts.items() if v == "incoming")
    command = services["ftp"]["command"]
    assert command[command.index("--root") + 1] == ftp_root
    accounts_path = command[command.index("--accounts") + 1]
    assert ftp_mounts[accounts_path] == "./deploy/ftp-accounts.yaml"
    raw = yaml.safe_load((ROOT / "deploy" / "ftp-accounts.yaml").read_text(encoding="utf-8"))
    variables = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", str(raw)))
    assert variables and variables <= set(services["ftp"]["environment"])
    accounts = load_accounts(
        ROOT / "deploy" / "ftp-accounts.yaml", env=dict.fromkeys(variables, "x")
    )
    assert accounts


@pytest.mark.slow
def test_the_command_serves_and_stops_on_sigterm(accounts_file: Path, tmp_path: Path) -> None:
    port = _free_ports(1)[0]
    passive = _free_ports(1)[0]
    quantrac = Path(sys.executable).parent / "quantrac"
    log_path = tmp_path / "ftp.log"
    env = {**os.environ, "QUANTRAC_DATA_DIR": str(tmp_path / "data")}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                str(quantrac),
                "-v",
                "ftp-receiver",
                "--accounts",
                str(accounts_file),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--passive-ports",
                f"{passive}-{passive}",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        ftp = None
        deadline = time.monotonic() + 60
        while ftp is None and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            try:
                ftp = ftplib.FTP()
                ftp.connect("127.0.0.1", port, timeout=5)
            except OSError:
                ftp = None
                time.sleep(0.2)
        assert ftp is not None, log_path.read_text()
        ftp.login("xmdb", PASSWORD)
        ftp.storbinary("STOR s.txt.tmp", io.BytesIO(b"x"))
        ftp.rename("s.txt.tmp", "s.txt")
        ftp.quit()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # default root: <QUANTRAC_DATA_DIR>/incoming
    assert (tmp_path / "data" / "incoming" / "xi-mang-dong-banh" / "s.txt").exists()
    output = log_path.read_text()
    assert "xmdb logged in" in output and "ftp receiver stopped" in output
    assert PASSWORD not in output and OTHER_PASSWORD not in output


def _station(ctx: AppContext, station_id: str) -> StationModel:
    with ctx.engine.connect() as conn:
        site = next(s for s in list_sites(conn, site_type="station") if s.id == station_id)
    return StationModel(site.id, site.kind, site.parameters)


def test_uploaded_file_reaches_the_database(
    settings: Settings, receiver: FtpReceiver, incoming: Path
) -> None:
    """Datalogger -> receiver -> the worker's folder source (as in deploy/sources.yaml) -> DB."""
    engine = make_engine(settings.db_url)
    try:
        import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
        ctx = AppContext(settings=settings, engine=engine)
        model = _station(ctx, "LS_XMDB_KHI01")
        t = now_epoch() - 600
        t -= t % 300
        found = station_file(model, t, Scenario())
        assert found is not None
        name, data = found
        folder = dated_folder(model.station_id, t)
        # the worker's folder source exactly as deployed, pointed at this test's root
        deployed = load_sources(ROOT / "deploy" / "sources.yaml", env={})
        cfg = next(s for s in deployed.sources if s.type == "folder")
        cfg = cfg.model_copy(update={"path": str(incoming)})

        # a datalogger stopped after its .tmp upload: nothing to ingest yet
        ftp = _client(receiver)
        parts = folder.split("/")
        for i in range(len(parts)):
            ftp.mkd("/".join(parts[: i + 1]))
        ftp.storbinary(f"STOR {folder}/{name}.tmp", io.BytesIO(data))
        assert poll_source(ctx, cfg).fetched == 0
        ftp.rename(f"{folder}/{name}.tmp", f"{folder}/{name}")
        ftp.quit()

        result = poll_source(ctx, cfg)
        assert (result.fetched, result.finished, result.failed) == (1, 1, [])
        with engine.connect() as conn:
            stored = conn.scalar(
                select(func.count())
                .select_from(readings)
                .where(readings.c.station_id == model.station_id)
            )
        assert stored == len(model.parameters)
        # gone from the account's home (deleted, or moved to <root>/processed/, outside it)
        assert not (incoming / "xi-mang-dong-banh" / folder / name).exists()
        if cfg.after == "move":
            moved = incoming / "processed" / "xi-mang-dong-banh" / folder / name
            assert moved.read_bytes() == data

        # a second datalogger of the same facility sending the usual way (FtpUploader)
        t2 = t + 300
        found2 = station_file(model, t2, Scenario())
        assert found2 is not None
        FtpUploader("127.0.0.1", receiver.port, "xmdb", PASSWORD)(
            dated_folder(model.station_id, t2), *found2
        )
        assert poll_source(ctx, cfg).finished == 1
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(readings))
        assert stored == 2 * len(model.parameters)
    finally:
        engine.dispose()
