"""Forwarding over FTPS (explicit TLS): a pyftpdlib TLS server that refuses plain control and
data connections receives the files, and a client that does not trust its certificate gets
nothing through (the file stays queued)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import TLS_FTPHandler
from pyftpdlib.servers import FTPServer

from service.bootstrap import import_stations
from service.database import make_engine
from service.demo.simulator.model import Scenario, station_file
from service.forwarding import build_forwarding
from service.settings import Settings
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.store.readings import station_units
from stations.timeutil import now_epoch
from tests.fixtures.forwarding import (
    MINISTRY_PASSWORD,
    MINISTRY_USER,
    expected_path,
    forward_file,
    held,
    models,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.ftp


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ministry.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def ftps(tmp_path: Path) -> Iterator[tuple[int, Path, Path]]:
    """``(port, root, certificate)`` of a TLS-only FTP server on loopback."""
    cert, key = _self_signed(tmp_path)
    root = tmp_path / "ministry"
    root.mkdir()
    authorizer = DummyAuthorizer()
    authorizer.add_user(MINISTRY_USER, MINISTRY_PASSWORD, str(root), perm="elradfmwMT")
    handler = type(
        "Tls",
        (TLS_FTPHandler,),
        {
            "authorizer": authorizer,
            "certfile": str(cert),
            "keyfile": str(key),
            "tls_control_required": True,
            "tls_data_required": True,
        },
    )
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            server.ioloop.loop(timeout=0.05, blocking=False)
        server.close_all()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield server.socket.getsockname()[1], root, cert
    stop.set()
    thread.join(timeout=5)


def test_files_go_over_ftps_and_an_untrusted_server_gets_nothing(
    settings: Settings,
    ftps: tuple[int, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, root, cert = ftps
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    untrusted = settings.model_copy(
        update={"forward_file": forward_file(tmp_path, port, type="ftps")}
    )
    fwd = build_forwarding(untrusted, engine)
    (model,) = models(engine, 1)
    slot = now_epoch() // 300 * 300 - 600
    made = station_file(model, slot, Scenario())
    assert made is not None
    with engine.connect() as conn:
        sites = station_units(conn)
    ingest_batch(
        engine,
        [IncomingFile(made[0], made[1], "test")],
        sites=sites,
        now=now_epoch(),
        archive_dir=settings.data_dir / "archive",
        options=IngestOptions(on_record=fwd.on_record()),
    )
    refused = fwd.send("ministry")
    assert refused.sent == 0 and "CERTIFICATE_VERIFY_FAILED" in (refused.error or "")
    trusted = settings.model_copy(
        update={"forward_file": forward_file(tmp_path, port, type="ftps", tls_ca_file=str(cert))}
    )
    assert build_forwarding(trusted, engine).send("ministry").sent == 1
    assert held(root) == {expected_path(model.station_id, model.kind, slot, made[0]): made[1]}
    engine.dispose()
