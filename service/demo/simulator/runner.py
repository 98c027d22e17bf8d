"""Live simulation: dataloggers that upload one file per station per period, like the real ones.

Uploads go through FTP as a datalogger does it (``STOR`` under a ``.tmp`` name, then rename, so a
poll never sees half a file), into ``<Station>/yyyy/MM/dd/``.
"""

from __future__ import annotations

import ftplib
import io
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.demo.simulator.model import Scenario, StationModel, local_stamp, station_file

log = logging.getLogger(__name__)


def dated_folder(station_id: str, t: int) -> str:
    """``<Station>/yyyy/MM/dd`` (local date), the layout many receivers use."""
    stamp = local_stamp(t)
    return f"{station_id}/{stamp[:4]}/{stamp[4:6]}/{stamp[6:8]}"


@dataclass
class FtpUploader:
    """Uploads files to an FTP server as a datalogger would."""

    host: str
    port: int
    user: str
    password: str = field(default="", repr=False)

    def __call__(self, folder: str, name: str, data: bytes) -> None:
        """Upload ``data`` as ``folder/name`` (temporary name first, then rename)."""
        with ftplib.FTP() as ftp:
            ftp.connect(self.host, self.port, timeout=10)
            ftp.login(self.user, self.password)
            path = ""
            for part in folder.split("/"):
                path = f"{path}/{part}" if path else part
                try:
                    ftp.mkd(path)
                except ftplib.error_perm:
                    pass
            ftp.storbinary(f"STOR {folder}/{name}.tmp", io.BytesIO(data))
            ftp.rename(f"{folder}/{name}.tmp", f"{folder}/{name}")


@dataclass
class FolderWriter:
    """Writes files into a local folder (same layout)."""

    root: Path

    def __call__(self, folder: str, name: str, data: bytes) -> None:
        """Write ``folder/name`` atomically."""
        target = self.root / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)


@dataclass
class LiveSimulator:
    """Every ``period_s`` seconds, each station sends the file of the current slot."""

    models: list[StationModel]
    scenario: Scenario
    send: Callable[[str, str, bytes], None]
    period_s: float = 60.0
    clock: Callable[[], float] = time.time
    sent: int = 0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def tick(self) -> int:
        """Send the current slot's files now; returns how many were sent."""
        slot = int(self.clock() // self.period_s * self.period_s)
        count = 0
        for model in self.models:
            f = station_file(model, slot, self.scenario)
            if f is None:
                continue
            try:
                self.send(dated_folder(model.station_id, slot), f[0], f[1])
                count += 1
            except (OSError, EOFError, ftplib.Error) as exc:
                log.warning("simulator: %s not sent: %s", f[0], exc)
        self.sent += count
        return count

    def run(self) -> None:
        """Send until :meth:`stop` (blocking)."""
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.period_s - self.clock() % self.period_s)

    def start(self) -> LiveSimulator:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="quantrac-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop sending."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
