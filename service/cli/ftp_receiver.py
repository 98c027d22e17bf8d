"""``quantrac ftp-receiver``: the FTP server the facilities' dataloggers upload to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import app, console, fail, get_settings
from stations.errors import InvalidRequest


@app.command("ftp-receiver")
def ftp_receiver(
    accounts: Annotated[
        Path | None,
        typer.Option(
            envvar="QUANTRAC_FTP_ACCOUNTS",
            help="YAML accounts file: user, password: ${ENV_VAR}, home (docs/deployment.md).",
        ),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(help="Folder holding the homes (default: <QUANTRAC_DATA_DIR>/incoming)."),
    ] = None,
    host: Annotated[
        str | None, typer.Option(help="Listen address (default: QUANTRAC_HOST).")
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Control port.")] = 2121,
    passive_ports: Annotated[
        str, typer.Option(help="Passive data ports FIRST-LAST (publish the same range).")
    ] = "30000-30009",
    masquerade_address: Annotated[
        str | None,
        typer.Option(
            envvar="QUANTRAC_FTP_MASQUERADE_ADDRESS",
            help="Public IPv4 address announced in passive replies (behind NAT or Docker).",
        ),
    ] = None,
) -> None:
    """Nhận tệp dữ liệu qua FTP từ datalogger các cơ sở / FTP receiver for the dataloggers.

    One account per facility or station group, each jailed in its own folder under the root;
    the worker polls the root with a ``folder`` source. Stops cleanly on SIGTERM.
    """
    import signal
    import threading

    from service.ftp.accounts import check_masquerade, load_accounts, parse_port_range
    from service.ftp.receiver import FtpReceiver, ReceiverConfig

    if accounts is None:
        raise fail("--accounts FILE (or QUANTRAC_FTP_ACCOUNTS) is required", code=2)
    settings = get_settings()
    try:
        config = ReceiverConfig(
            root=root or settings.data_dir / "incoming",
            accounts=load_accounts(accounts),
            host=host or settings.host,
            port=port,
            passive_ports=parse_port_range(passive_ports),
            masquerade_address=check_masquerade(masquerade_address),
        )
        receiver = FtpReceiver(config).bind()
    except InvalidRequest as exc:
        raise fail(str(exc), code=2) from exc
    except OSError as exc:  # port in use, root not writable...
        raise fail(f"cannot start the FTP receiver: {exc}") from exc
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    console.print(
        f"[bold green]quantrac ftp-receiver[/]: {config.host}:{receiver.port}, "
        f"{len(config.accounts)} accounts (Ctrl+C to stop)",
        markup=True,
        highlight=False,
    )
    receiver.serve(stop)
